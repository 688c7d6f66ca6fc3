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

// Calls `each(field)` for every field of the message in `data`; stops at the first error.
template <typename Fn>
Status ForEachField(std::string_view data, const char* message_name, Fn each) {
  Reader r(data, message_name);
  Field f;
  while (true) {
    Result<bool> more = r.Next(f);
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    VIGIL_RETURN_IF_ERROR(each(f));
  }
}

// A length-delimited field holding a message: `each` runs over its fields.
template <typename Fn>
Status ForEachFieldOf(const Field& f, const char* outer, const char* inner, Fn each) {
  VIGIL_RETURN_IF_ERROR(Expect(f, kLen, outer));
  return ForEachField(f.bytes, inner, each);
}

Status Text(const Field& f, const char* message_name, std::string& out) {
  Result<std::string> s = Utf8(f, message_name);
  if (!s.ok()) return s.status();
  out = std::move(*s);
  return Status::Ok();
}

Status DecodeKeyValue(std::string_view data, OtlpKeyValue& out, int depth);

Status DecodeAnyValue(std::string_view data, OtlpValue& out, int depth) {
  if (depth > kMaxDepth) {
    return Status::InvalidArgument("invalid protobuf: AnyValue nested deeper than 32");
  }
  return ForEachField(data, "AnyValue", [&](const Field& f) -> Status {
    auto start = [&](OtlpValue::Kind kind) {
      out = OtlpValue();
      out.kind = kind;
    };
    switch (f.number) {
      case 1:
        start(OtlpValue::Kind::kString);
        return Text(f, "AnyValue", out.str);
      case 2:
        VIGIL_RETURN_IF_ERROR(Expect(f, kVarint, "AnyValue"));
        start(OtlpValue::Kind::kBool);
        out.boolean = f.varint != 0;
        return Status::Ok();
      case 3:
        VIGIL_RETURN_IF_ERROR(Expect(f, kVarint, "AnyValue"));
        start(OtlpValue::Kind::kInt);
        out.integer = static_cast<int64_t>(f.varint);
        return Status::Ok();
      case 4:
        VIGIL_RETURN_IF_ERROR(Expect(f, kFixed64, "AnyValue"));
        start(OtlpValue::Kind::kDouble);
        std::memcpy(&out.number, &f.varint, 8);
        return Status::Ok();
      case 5:  // ArrayValue { repeated AnyValue values = 1; }
        start(OtlpValue::Kind::kArray);
        return ForEachFieldOf(f, "AnyValue", "ArrayValue", [&](const Field& item) -> Status {
          if (item.number != 1) return Status::Ok();
          VIGIL_RETURN_IF_ERROR(Expect(item, kLen, "ArrayValue"));
          out.array.emplace_back();
          return DecodeAnyValue(item.bytes, out.array.back(), depth + 1);
        });
      case 6:  // KeyValueList { repeated KeyValue values = 1; }
        start(OtlpValue::Kind::kKvList);
        return ForEachFieldOf(f, "AnyValue", "KeyValueList", [&](const Field& item) -> Status {
          if (item.number != 1) return Status::Ok();
          VIGIL_RETURN_IF_ERROR(Expect(item, kLen, "KeyValueList"));
          out.kvlist.emplace_back();
          return DecodeKeyValue(item.bytes, out.kvlist.back(), depth + 1);
        });
      case 7:
        VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "AnyValue"));
        start(OtlpValue::Kind::kBytes);
        out.str = std::string(f.bytes);
        return Status::Ok();
      default:
        return Status::Ok();  // unknown: skipped
    }
  });
}

Status DecodeKeyValue(std::string_view data, OtlpKeyValue& out, int depth) {
  return ForEachField(data, "KeyValue", [&](const Field& f) -> Status {
    if (f.number == 1) return Text(f, "KeyValue", out.key);
    if (f.number != 2) return Status::Ok();
    VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "KeyValue"));
    return DecodeAnyValue(f.bytes, out.value, depth + 1);
  });
}

Status AppendAttribute(const Field& f, std::vector<OtlpKeyValue>& out, const char* message_name) {
  VIGIL_RETURN_IF_ERROR(Expect(f, kLen, message_name));
  out.emplace_back();
  return DecodeKeyValue(f.bytes, out.back(), 0);
}

Status DecodeSpanEvent(std::string_view data, OtlpSpanEvent& out) {
  return ForEachField(data, "Span.Event", [&](const Field& f) -> Status {
    switch (f.number) {
      case 1:
        VIGIL_RETURN_IF_ERROR(Expect(f, kFixed64, "Span.Event"));
        out.time_ns = f.varint;
        return Status::Ok();
      case 2:
        return Text(f, "Span.Event", out.name);
      case 3:
        return AppendAttribute(f, out.attributes, "Span.Event");
      default:
        return Status::Ok();
    }
  });
}

Status Id(const Field& f, std::string& out) {
  VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "Span"));
  out = Hex(f.bytes);
  return Status::Ok();
}

Status Fixed(const Field& f, uint64_t& out) {
  VIGIL_RETURN_IF_ERROR(Expect(f, kFixed64, "Span"));
  out = f.varint;
  return Status::Ok();
}

Status DecodeSpan(std::string_view data, OtlpSpan& span) {
  return ForEachField(data, "Span", [&](const Field& f) -> Status {
    switch (f.number) {
      case 1:
        return Id(f, span.trace_id);
      case 2:
        return Id(f, span.span_id);
      case 4:
        return Id(f, span.parent_span_id);
      case 5:
        return Text(f, "Span", span.name);
      case 6:
        VIGIL_RETURN_IF_ERROR(Expect(f, kVarint, "Span"));
        span.kind = static_cast<int>(f.varint);
        return Status::Ok();
      case 7:
        return Fixed(f, span.start_ns);
      case 8:
        return Fixed(f, span.end_ns);
      case 9:
        return AppendAttribute(f, span.attributes, "Span");
      case 11:
        VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "Span"));
        span.events.emplace_back();
        return DecodeSpanEvent(f.bytes, span.events.back());
      case 15:  // Status { string message = 2; StatusCode code = 3; }
        return ForEachFieldOf(f, "Span", "Status", [&](const Field& g) -> Status {
          if (g.number == 2) return Text(g, "Status", span.status_message);
          if (g.number != 3) return Status::Ok();
          VIGIL_RETURN_IF_ERROR(Expect(g, kVarint, "Status"));
          span.status_code = static_cast<int>(g.varint);
          return Status::Ok();
        });
      default:
        return Status::Ok();  // trace_state, links, dropped counts, flags, unknown
    }
  });
}

Status DecodeScopeSpans(std::string_view data, OtlpScopeSpans& out) {
  return ForEachField(data, "ScopeSpans", [&](const Field& f) -> Status {
    if (f.number == 1) {  // InstrumentationScope { name = 1; version = 2; … }
      return ForEachFieldOf(f, "ScopeSpans", "InstrumentationScope", [&](const Field& g) {
        if (g.number == 1) return Text(g, "InstrumentationScope", out.scope_name);
        if (g.number == 2) return Text(g, "InstrumentationScope", out.scope_version);
        return Status::Ok();
      });
    }
    if (f.number != 2) return Status::Ok();
    VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "ScopeSpans"));
    out.spans.emplace_back();
    return DecodeSpan(f.bytes, out.spans.back());
  });
}

Status DecodeResourceSpans(std::string_view data, OtlpResourceSpans& out) {
  return ForEachField(data, "ResourceSpans", [&](const Field& f) -> Status {
    if (f.number == 1) {  // Resource { repeated KeyValue attributes = 1; … }
      return ForEachFieldOf(f, "ResourceSpans", "Resource", [&](const Field& g) {
        return g.number == 1 ? AppendAttribute(g, out.resource_attributes, "Resource")
                             : Status::Ok();
      });
    }
    if (f.number != 2 && f.number != 1000) return Status::Ok();  // scope_spans; deprecated
    VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "ResourceSpans"));
    out.scopes.emplace_back();
    return DecodeScopeSpans(f.bytes, out.scopes.back());
  });
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
  Status st = ForEachField(bytes, "ExportTraceServiceRequest", [&](const Field& f) -> Status {
    if (f.number != 1) return Status::Ok();
    VIGIL_RETURN_IF_ERROR(Expect(f, kLen, "ExportTraceServiceRequest"));
    request.resources.emplace_back();
    return DecodeResourceSpans(f.bytes, request.resources.back());
  });
  if (!st.ok()) return st;
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
