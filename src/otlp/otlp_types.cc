#include "otlp/otlp_types.h"

#include <cstdio>

#include "common/text.h"

namespace vigil {

std::string OtlpValue::ToText() const {
  switch (kind) {
    case Kind::kEmpty:
      return "";
    case Kind::kString:
      return str;
    case Kind::kBool:
      return boolean ? "true" : "false";
    case Kind::kInt:
      return std::to_string(integer);
    case Kind::kDouble: {
      char buf[32];
      snprintf(buf, sizeof buf, "%.17g", number);
      return buf;
    }
    case Kind::kBytes: {
      static const char kDigits[] = "0123456789abcdef";
      std::string out;
      for (unsigned char c : str) {
        out += kDigits[c >> 4];
        out += kDigits[c & 15];
      }
      return out;
    }
    case Kind::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < array.size(); ++i) {
        if (i) out += ",";
        if (array[i].kind == Kind::kString) {
          out += "\"";
          AppendJsonEscaped(out, array[i].str);
          out += "\"";
        } else {
          out += array[i].ToText();
        }
      }
      return out + "]";
    }
    case Kind::kKvList: {
      std::string out = "{";
      for (size_t i = 0; i < kvlist.size(); ++i) {
        if (i) out += ",";
        out += "\"";
        AppendJsonEscaped(out, kvlist[i].key);
        out += "\":";
        if (kvlist[i].value.kind == Kind::kString) {
          out += "\"";
          AppendJsonEscaped(out, kvlist[i].value.str);
          out += "\"";
        } else {
          out += kvlist[i].value.ToText();
        }
      }
      return out + "}";
    }
  }
  return "";
}

size_t OtlpTraceRequest::SpanCount() const {
  size_t n = 0;
  for (const OtlpResourceSpans& r : resources) {
    for (const OtlpScopeSpans& s : r.scopes) n += s.spans.size();
  }
  return n;
}

const OtlpValue* FindAttribute(const std::vector<OtlpKeyValue>& attributes, std::string_view key) {
  for (const OtlpKeyValue& kv : attributes) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

}  // namespace vigil
