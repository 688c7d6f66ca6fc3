#include "otlp/otlp_json.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/text.h"

namespace vigil {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 32;

Status Bad(const std::string& path, const std::string& message) {
  return Status::InvalidArgument(path + ": " + message);
}

// The member under its lowerCamelCase name, or its proto name; null when absent or null.
const json* Member(const json& obj, const char* camel, const char* snake = nullptr) {
  auto it = obj.find(camel);
  if (it != obj.end() && !it->is_null()) return &*it;
  if (snake) {
    it = obj.find(snake);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

Result<const json*> Array(const json& obj, const char* camel, const char* snake,
                          const std::string& path) {
  const json* v = Member(obj, camel, snake);
  if (v && !v->is_array()) return Bad(path + "." + camel, "must be a list");
  return v;
}

Result<std::string> String(const json& obj, const char* camel, const char* snake,
                           const std::string& path) {
  const json* v = Member(obj, camel, snake);
  if (!v) return std::string();
  if (!v->is_string()) return Bad(path + "." + camel, "must be a string");
  return v->get<std::string>();
}

// int64/uint64/fixed64 come as strings (the JSON mapping) or numbers.
Result<uint64_t> Unsigned(const json& obj, const char* camel, const char* snake,
                          const std::string& path) {
  const json* v = Member(obj, camel, snake);
  if (!v) return uint64_t{0};
  if (v->is_number_unsigned()) return v->get<uint64_t>();
  if (v->is_number_integer() && v->get<int64_t>() >= 0)
    return static_cast<uint64_t>(v->get<int64_t>());
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 20 && s.find_first_not_of("0123456789") == std::string::npos) {
      try {
        return static_cast<uint64_t>(std::stoull(s));
      } catch (...) {
      }
    }
  }
  return Bad(path + "." + camel, "must be a non-negative integer (a number or a string of digits)");
}

Result<std::string> HexId(const json& obj, const char* camel, const char* snake,
                          const std::string& path) {
  Result<std::string> s = String(obj, camel, snake, path);
  if (!s.ok()) return s.status();
  std::string id = AsciiLower(*s);
  if (id.find_first_not_of("0123456789abcdef") != std::string::npos || id.size() % 2 != 0) {
    return Bad(path + "." + camel, "must be hex");
  }
  return id;
}

Result<int> Enum(const json& obj, const char* camel, const std::string& path,
                 const std::vector<std::string>& names) {
  const json* v = Member(obj, camel);
  if (!v) return 0;
  if (v->is_number_integer()) return v->get<int>();
  if (v->is_string()) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (v->get<std::string>() == names[i]) return static_cast<int>(i);
    }
  }
  return Bad(path + "." + camel, "must be an enum number");
}

Result<std::string> Base64(const std::string& in, const std::string& path) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = value(c);
    if (v < 0) return Bad(path, "must be base64");
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

Status DecodeAttributes(const json& obj, const char* camel, const std::string& path,
                        std::vector<OtlpKeyValue>& out, int depth);

Status DecodeValue(const json& v, const std::string& path, OtlpValue& out, int depth) {
  if (depth > kMaxDepth) return Bad(path, "nested deeper than 32");
  if (!v.is_object()) return Bad(path, "must be an AnyValue object");
  out = OtlpValue();
  if (const json* s = Member(v, "stringValue", "string_value")) {
    if (!s->is_string()) return Bad(path + ".stringValue", "must be a string");
    out.kind = OtlpValue::Kind::kString;
    out.str = s->get<std::string>();
  } else if (const json* b = Member(v, "boolValue", "bool_value")) {
    if (!b->is_boolean()) return Bad(path + ".boolValue", "must be true or false");
    out.kind = OtlpValue::Kind::kBool;
    out.boolean = b->get<bool>();
  } else if (const json* i = Member(v, "intValue", "int_value")) {
    out.kind = OtlpValue::Kind::kInt;
    if (i->is_number_integer()) {
      out.integer = i->get<int64_t>();
    } else if (i->is_string()) {
      const std::string& s = i->get_ref<const std::string&>();
      size_t used = 0;
      try {
        out.integer = std::stoll(s, &used);
      } catch (...) {
        used = 0;
      }
      if (used == 0 || used != s.size()) return Bad(path + ".intValue", "must be an integer");
    } else {
      return Bad(path + ".intValue", "must be an integer");
    }
  } else if (const json* d = Member(v, "doubleValue", "double_value")) {
    out.kind = OtlpValue::Kind::kDouble;
    if (d->is_number()) {
      out.number = d->get<double>();
    } else if (d->is_string() && (*d == "NaN" || *d == "Infinity" || *d == "-Infinity")) {
      out.number = *d == "NaN"        ? std::numeric_limits<double>::quiet_NaN()
                   : *d == "Infinity" ? std::numeric_limits<double>::infinity()
                                      : -std::numeric_limits<double>::infinity();
    } else {
      return Bad(path + ".doubleValue", "must be a number");
    }
  } else if (const json* a = Member(v, "arrayValue", "array_value")) {
    if (!a->is_object()) return Bad(path + ".arrayValue", "must be an object");
    out.kind = OtlpValue::Kind::kArray;
    Result<const json*> values = Array(*a, "values", nullptr, path + ".arrayValue");
    if (!values.ok()) return values.status();
    if (*values) {
      for (size_t k = 0; k < (*values)->size(); ++k) {
        out.array.emplace_back();
        VIGIL_RETURN_IF_ERROR(DecodeValue((**values)[k],
                                          path + ".arrayValue.values[" + std::to_string(k) + "]",
                                          out.array.back(), depth + 1));
      }
    }
  } else if (const json* l = Member(v, "kvlistValue", "kvlist_value")) {
    if (!l->is_object()) return Bad(path + ".kvlistValue", "must be an object");
    out.kind = OtlpValue::Kind::kKvList;
    VIGIL_RETURN_IF_ERROR(
        DecodeAttributes(*l, "values", path + ".kvlistValue", out.kvlist, depth + 1));
  } else if (const json* by = Member(v, "bytesValue", "bytes_value")) {
    if (!by->is_string()) return Bad(path + ".bytesValue", "must be base64 text");
    Result<std::string> raw = Base64(by->get<std::string>(), path + ".bytesValue");
    if (!raw.ok()) return raw.status();
    out.kind = OtlpValue::Kind::kBytes;
    out.str = std::move(*raw);
  }
  return Status::Ok();
}

Status DecodeAttributes(const json& obj, const char* camel, const std::string& path,
                        std::vector<OtlpKeyValue>& out, int depth) {
  Result<const json*> list = Array(obj, camel, nullptr, path);
  if (!list.ok()) return list.status();
  if (!*list) return Status::Ok();
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const json& kv = (**list)[i];
    const std::string p = path + "." + camel + "[" + std::to_string(i) + "]";
    if (!kv.is_object()) return Bad(p, "must be a {key, value} object");
    OtlpKeyValue item;
    Result<std::string> key = String(kv, "key", nullptr, p);
    if (!key.ok()) return key.status();
    item.key = std::move(*key);
    if (const json* value = Member(kv, "value")) {
      VIGIL_RETURN_IF_ERROR(DecodeValue(*value, p + ".value", item.value, depth + 1));
    }
    out.push_back(std::move(item));
  }
  return Status::Ok();
}

Status DecodeSpan(const json& s, const std::string& path, OtlpSpan& span) {
  if (!s.is_object()) return Bad(path, "must be an object");
  Result<std::string> trace = HexId(s, "traceId", "trace_id", path);
  if (!trace.ok()) return trace.status();
  Result<std::string> id = HexId(s, "spanId", "span_id", path);
  if (!id.ok()) return id.status();
  Result<std::string> parent = HexId(s, "parentSpanId", "parent_span_id", path);
  if (!parent.ok()) return parent.status();
  span.trace_id = std::move(*trace);
  span.span_id = std::move(*id);
  span.parent_span_id = std::move(*parent);
  Result<std::string> name = String(s, "name", nullptr, path);
  if (!name.ok()) return name.status();
  span.name = std::move(*name);
  Result<int> kind = Enum(s, "kind", path,
                          {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                           "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"});
  if (!kind.ok()) return kind.status();
  span.kind = *kind;
  Result<uint64_t> start = Unsigned(s, "startTimeUnixNano", "start_time_unix_nano", path);
  if (!start.ok()) return start.status();
  Result<uint64_t> end = Unsigned(s, "endTimeUnixNano", "end_time_unix_nano", path);
  if (!end.ok()) return end.status();
  span.start_ns = *start;
  span.end_ns = *end;
  VIGIL_RETURN_IF_ERROR(DecodeAttributes(s, "attributes", path, span.attributes, 0));
  Result<const json*> events = Array(s, "events", nullptr, path);
  if (!events.ok()) return events.status();
  if (*events) {
    for (size_t i = 0; i < (*events)->size(); ++i) {
      const json& e = (**events)[i];
      const std::string p = path + ".events[" + std::to_string(i) + "]";
      if (!e.is_object()) return Bad(p, "must be an object");
      OtlpSpanEvent ev;
      Result<uint64_t> t = Unsigned(e, "timeUnixNano", "time_unix_nano", p);
      if (!t.ok()) return t.status();
      ev.time_ns = *t;
      Result<std::string> n = String(e, "name", nullptr, p);
      if (!n.ok()) return n.status();
      ev.name = std::move(*n);
      VIGIL_RETURN_IF_ERROR(DecodeAttributes(e, "attributes", p, ev.attributes, 0));
      span.events.push_back(std::move(ev));
    }
  }
  if (const json* status = Member(s, "status")) {
    if (!status->is_object()) return Bad(path + ".status", "must be an object");
    Result<int> code = Enum(*status, "code", path + ".status",
                            {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"});
    if (!code.ok()) return code.status();
    span.status_code = *code;
    Result<std::string> message = String(*status, "message", nullptr, path + ".status");
    if (!message.ok()) return message.status();
    span.status_message = std::move(*message);
  }
  return Status::Ok();
}

}  // namespace

Result<OtlpTraceRequest> DecodeOtlpJson(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return Status::InvalidArgument("body: not valid JSON");
  if (!doc.is_object()) return Status::InvalidArgument("body: must be a JSON object");
  OtlpTraceRequest request;
  Result<const json*> resources = Array(doc, "resourceSpans", "resource_spans", "");
  if (!resources.ok()) return resources.status();
  if (!*resources) return request;
  for (size_t r = 0; r < (*resources)->size(); ++r) {
    const json& rs = (**resources)[r];
    const std::string rpath = "resourceSpans[" + std::to_string(r) + "]";
    if (!rs.is_object()) return Bad(rpath, "must be an object");
    OtlpResourceSpans out;
    if (const json* resource = Member(rs, "resource")) {
      if (!resource->is_object()) return Bad(rpath + ".resource", "must be an object");
      VIGIL_RETURN_IF_ERROR(DecodeAttributes(*resource, "attributes", rpath + ".resource",
                                             out.resource_attributes, 0));
    }
    Result<const json*> scopes = Array(rs, "scopeSpans", "scope_spans", rpath);
    if (!scopes.ok()) return scopes.status();
    if (*scopes) {
      for (size_t s = 0; s < (*scopes)->size(); ++s) {
        const json& ss = (**scopes)[s];
        const std::string spath = rpath + ".scopeSpans[" + std::to_string(s) + "]";
        if (!ss.is_object()) return Bad(spath, "must be an object");
        OtlpScopeSpans scope;
        if (const json* sc = Member(ss, "scope")) {
          if (sc->is_object()) {
            scope.scope_name = sc->value("name", "");
            scope.scope_version = sc->value("version", "");
          }
        }
        Result<const json*> spans = Array(ss, "spans", nullptr, spath);
        if (!spans.ok()) return spans.status();
        if (*spans) {
          for (size_t i = 0; i < (*spans)->size(); ++i) {
            scope.spans.emplace_back();
            VIGIL_RETURN_IF_ERROR(DecodeSpan(
                (**spans)[i], spath + ".spans[" + std::to_string(i) + "]", scope.spans.back()));
          }
        }
        out.scopes.push_back(std::move(scope));
      }
    }
    request.resources.push_back(std::move(out));
  }
  return request;
}

std::string EncodeOtlpJsonResponse(int64_t rejected_spans, const std::string& error_message) {
  if (rejected_spans == 0 && error_message.empty()) return "{}";
  json partial = json::object();
  partial["rejectedSpans"] = std::to_string(rejected_spans);
  partial["errorMessage"] = error_message;
  return json{{"partialSuccess", partial}}.dump();
}

}  // namespace vigil
