#include "otlp/otlp_proto.h"

#include <cstring>

#include "common/text.h"

namespace vigil {
namespace {

constexpr int kMaxDepth = 32;

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

// One field of a message as read off the wire.
struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t varint = 0;     // kVarint, kFixed64, kFixed32
  std::string_view bytes;  // kLen
};

class Reader {
 public:
  Reader(std::string_view data, const char* what)
      : p_(data.data()), end_(p_ + data.size()), what_(what) {}

  // False at the end; an error for malformed input.
  Result<bool> Next(Field& f) {
    if (p_ == end_) return false;
    uint64_t tag = 0;
    VIGIL_RETURN_IF_ERROR(Varint(tag));
    f.number = static_cast<uint32_t>(tag >> 3);
    f.wire = static_cast<uint32_t>(tag & 7);
    if (f.number == 0) return Error("field number 0");
    switch (f.wire) {
      case kVarint:
        VIGIL_RETURN_IF_ERROR(Varint(f.varint));
        return true;
      case kFixed64:
        if (end_ - p_ < 8) return Error("truncated fixed64");
        std::memcpy(&f.varint, p_, 8);  // little-endian on every supported target
        p_ += 8;
        return true;
      case kFixed32: {
        if (end_ - p_ < 4) return Error("truncated fixed32");
        uint32_t v;
        std::memcpy(&v, p_, 4);
        f.varint = v;
        p_ += 4;
        return true;
      }
      case kLen: {
        uint64_t len = 0;
        VIGIL_RETURN_IF_ERROR(Varint(len));
        if (len > static_cast<uint64_t>(end_ - p_))
          return Error("length past the end of the input");
        f.bytes = std::string_view(p_, len);
        p_ += len;
        return true;
      }
      default:
        return Error("unsupported wire type " + std::to_string(f.wire));
    }
  }

  Status Error(const std::string& message) const {
    return Status::InvalidArgument(std::string("invalid protobuf in ") + what_ + ": " + message);
  }

 private:
  Status Varint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return Error("truncated varint");
      const uint8_t b = static_cast<uint8_t>(*p_++);
      out |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return Status::Ok();
    }
    return Error("varint longer than 10 bytes");
  }

  const char* p_;
  const char* end_;
  const char* what_;
};

Status Expect(const Field& f, uint32_t wire, const char* message_name) {
  if (f.wire == wire) return Status::Ok();
  return Status::InvalidArgument(std::string("invalid protobuf in ") + message_name + ": field " +
                                 std::to_string(f.number) + " has wire type " +
                                 std::to_string(f.wire) + ", expected " + std::to_string(wire));
}

Result<std::string> Utf8(const Field& f, const char* message_name) {
  VIGIL_RETURN_IF_ERROR(Expect(f, kLen, message_name));
  if (!IsValidUtf8(f.bytes)) {
    return Status::InvalidArgument(std::string("invalid protobuf in ") + message_name + ": field " +
                                   std::to_string(f.number) + " is not UTF-8");
  }
  return std::string(f.bytes);
}

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

Status DecodeKeyValue(std::string_view data, OtlpKeyValue& out, int depth);

Status DecodeAnyValue(std::string_view data, OtlpValue& out, int depth) {
  if (depth > kMaxDepth)
    return Status::InvalidArgument("invalid protobuf: AnyValue nested deeper than 32");
  Reader r(data, "AnyValue");
  Field f;
  while (true) {
    Result<bool> more = r.Next(f);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    switch (f.number) {
      case 1: {
        Result<std::string> s = Utf8(f, "AnyValue");
        if (!s.ok()) return s.status();
        out = OtlpValue();
        out.kind = OtlpValue::Kind::kString;
        out.str = std::move(*s);
        break;
      }
      case 2:
        VIGIL_RETURN_IF_ERROR(Expect(f, kVarint, "AnyValue"));
        out = OtlpValue();
        out.kind = OtlpValue::Kind::kBool;
        out.boolean = f.varint != 0;
        break;
      case 3:
        VIGIL_RETURN_IF_ERROR(Expect(f, kVarint, "AnyValue"));
        out = OtlpValue();
        out.kind = OtlpValue::Kind::kInt;
        out.integer = static_cast<int64_t>(f.varint);
        break;
      case 4: {
        VIGIL_RETURN_IF_ERROR(Expect(f, kFixed64, "AnyValue"));
        out = OtlpValue();
        out.kind = OtlpValue::Kind::kDouble;
        std::memcpy(&out.number, &f.varint, 8);
        break;
      }
      case 5: {  // ArrayValue { repeated AnyValue values = 1; }
        VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "AnyValue"));
        out = OtlpValue();
        out.kind = OtlpValue::Kind::kArray;
        Reader a(f.bytes, "ArrayValue");
        Field item;
        while (true) {
          Result<bool> m = a.Next(item);
          if (!m.ok()) return m.status();
          if (!*m) break;
          if (item.number != 1) continue;
          VIGIL_RETURN_IF_ERROR(Expect(item, kLen, "ArrayValue"));
          out.array.emplace_back();
          VIGIL_RETURN_IF_ERROR(DecodeAnyValue(item.bytes, out.array.back(), depth + 1));
        }
        break;
      }
      case 6: {  // KeyValueList { repeated KeyValue values = 1; }
        VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "AnyValue"));
        out = OtlpValue();
        out.kind = OtlpValue::Kind::kKvList;
        Reader l(f.bytes, "KeyValueList");
        Field item;
        while (true) {
          Result<bool> m = l.Next(item);
          if (!m.ok()) return m.status();
          if (!*m) break;
          if (item.number != 1) continue;
          VIGIL_RETURN_IF_ERROR(Expect(item, kLen, "KeyValueList"));
          out.kvlist.emplace_back();
          VIGIL_RETURN_IF_ERROR(DecodeKeyValue(item.bytes, out.kvlist.back(), depth + 1));
        }
        break;
      }
      case 7:
        VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "AnyValue"));
        out = OtlpValue();
        out.kind = OtlpValue::Kind::kBytes;
        out.str = std::string(f.bytes);
        break;
      default:
        break;  // unknown: skipped
    }
  }
}

Status DecodeKeyValue(std::string_view data, OtlpKeyValue& out, int depth) {
  Reader r(data, "KeyValue");
  Field f;
  while (true) {
    Result<bool> more = r.Next(f);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    if (f.number == 1) {
      Result<std::string> key = Utf8(f, "KeyValue");
      if (!key.ok()) return key.status();
      out.key = std::move(*key);
    } else if (f.number == 2) {
      VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "KeyValue"));
      VIGIL_RETURN_IF_ERROR(DecodeAnyValue(f.bytes, out.value, depth + 1));
    }
  }
}

Status AppendAttribute(const Field& f, std::vector<OtlpKeyValue>& out, const char* message_name) {
  VIGIL_RETURN_IF_ERROR(Expect(f, kLen, message_name));
  out.emplace_back();
  return DecodeKeyValue(f.bytes, out.back(), 0);
}

Status DecodeSpanEvent(std::string_view data, OtlpSpanEvent& out) {
  Reader r(data, "Span.Event");
  Field f;
  while (true) {
    Result<bool> more = r.Next(f);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    if (f.number == 1) {
      VIGIL_RETURN_IF_ERROR(Expect(f, kFixed64, "Span.Event"));
      out.time_ns = f.varint;
    } else if (f.number == 2) {
      Result<std::string> name = Utf8(f, "Span.Event");
      if (!name.ok()) return name.status();
      out.name = std::move(*name);
    } else if (f.number == 3) {
      VIGIL_RETURN_IF_ERROR(AppendAttribute(f, out.attributes, "Span.Event"));
    }
  }
}

Status DecodeStatus(std::string_view data, OtlpSpan& span) {
  Reader r(data, "Status");
  Field f;
  while (true) {
    Result<bool> more = r.Next(f);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    if (f.number == 2) {
      Result<std::string> message = Utf8(f, "Status");
      if (!message.ok()) return message.status();
      span.status_message = std::move(*message);
    } else if (f.number == 3) {
      VIGIL_RETURN_IF_ERROR(Expect(f, kVarint, "Status"));
      span.status_code = static_cast<int>(f.varint);
    }
  }
}

Status DecodeSpan(std::string_view data, OtlpSpan& span) {
  Reader r(data, "Span");
  Field f;
  while (true) {
    Result<bool> more = r.Next(f);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    switch (f.number) {
      case 1:
        VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "Span"));
        span.trace_id = Hex(f.bytes);
        break;
      case 2:
        VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "Span"));
        span.span_id = Hex(f.bytes);
        break;
      case 4:
        VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "Span"));
        span.parent_span_id = Hex(f.bytes);
        break;
      case 5: {
        Result<std::string> name = Utf8(f, "Span");
        if (!name.ok()) return name.status();
        span.name = std::move(*name);
        break;
      }
      case 6:
        VIGIL_RETURN_IF_ERROR(Expect(f, kVarint, "Span"));
        span.kind = static_cast<int>(f.varint);
        break;
      case 7:
        VIGIL_RETURN_IF_ERROR(Expect(f, kFixed64, "Span"));
        span.start_ns = f.varint;
        break;
      case 8:
        VIGIL_RETURN_IF_ERROR(Expect(f, kFixed64, "Span"));
        span.end_ns = f.varint;
        break;
      case 9:
        VIGIL_RETURN_IF_ERROR(AppendAttribute(f, span.attributes, "Span"));
        break;
      case 11:
        VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "Span"));
        span.events.emplace_back();
        VIGIL_RETURN_IF_ERROR(DecodeSpanEvent(f.bytes, span.events.back()));
        break;
      case 15:
        VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "Span"));
        VIGIL_RETURN_IF_ERROR(DecodeStatus(f.bytes, span));
        break;
      default:
        break;  // trace_state, links, dropped counts, flags, unknown
    }
  }
}

Status DecodeScopeSpans(std::string_view data, OtlpScopeSpans& out) {
  Reader r(data, "ScopeSpans");
  Field f;
  while (true) {
    Result<bool> more = r.Next(f);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    if (f.number == 1) {  // InstrumentationScope { name = 1; version = 2; … }
      VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "ScopeSpans"));
      Reader s(f.bytes, "InstrumentationScope");
      Field g;
      while (true) {
        Result<bool> m = s.Next(g);
        if (!m.ok()) return m.status();
        if (!*m) break;
        if (g.number == 1 || g.number == 2) {
          Result<std::string> text = Utf8(g, "InstrumentationScope");
          if (!text.ok()) return text.status();
          (g.number == 1 ? out.scope_name : out.scope_version) = std::move(*text);
        }
      }
    } else if (f.number == 2) {
      VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "ScopeSpans"));
      out.spans.emplace_back();
      VIGIL_RETURN_IF_ERROR(DecodeSpan(f.bytes, out.spans.back()));
    }
  }
}

Status DecodeResourceSpans(std::string_view data, OtlpResourceSpans& out) {
  Reader r(data, "ResourceSpans");
  Field f;
  while (true) {
    Result<bool> more = r.Next(f);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    if (f.number == 1) {  // Resource { repeated KeyValue attributes = 1; … }
      VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "ResourceSpans"));
      Reader res(f.bytes, "Resource");
      Field g;
      while (true) {
        Result<bool> m = res.Next(g);
        if (!m.ok()) return m.status();
        if (!*m) break;
        if (g.number == 1) {
          VIGIL_RETURN_IF_ERROR(AppendAttribute(g, out.resource_attributes, "Resource"));
        }
      }
    } else if (f.number == 2 || f.number == 1000) {  // scope_spans; deprecated library spans
      VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "ResourceSpans"));
      out.scopes.emplace_back();
      VIGIL_RETURN_IF_ERROR(DecodeScopeSpans(f.bytes, out.scopes.back()));
    }
  }
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

}  // namespace

Result<OtlpTraceRequest> DecodeOtlpProto(std::string_view bytes) {
  OtlpTraceRequest request;
  Reader r(bytes, "ExportTraceServiceRequest");
  Field f;
  while (true) {
    Result<bool> more = r.Next(f);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (f.number != 1) continue;
    VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "ExportTraceServiceRequest"));
    request.resources.emplace_back();
    VIGIL_RETURN_IF_ERROR(DecodeResourceSpans(f.bytes, request.resources.back()));
  }
  return request;
}

std::string EncodeOtlpProtoResponse(int64_t rejected_spans, const std::string& error_message) {
  if (rejected_spans == 0 && error_message.empty()) return std::string();
  std::string partial;
  if (rejected_spans != 0) {
    PutVarint(partial, (1 << 3) | kVarint);
    PutVarint(partial, static_cast<uint64_t>(rejected_spans));
  }
  if (!error_message.empty()) {
    PutVarint(partial, (2 << 3) | kLen);
    PutVarint(partial, error_message.size());
    partial += error_message;
  }
  std::string out;
  PutVarint(out, (1 << 3) | kLen);
  PutVarint(out, partial.size());
  out += partial;
  return out;
}

}  // namespace vigil
