#include "ingest/native_json.h"

#include <simdjson.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "common/time_util.h"

namespace vigil {
namespace {

namespace od = simdjson::ondemand;
static_assert(kBodyPadding == simdjson::SIMDJSON_PADDING,
              "kBodyPadding must match simdjson's padding");

struct FieldError {
  std::string field;
  std::string message;
};

// After the root value was consumed, any location left in the document is trailing content.
bool HasTrailingContent(od::document& doc) {
  const char* location = nullptr;
  return doc.current_location().get(location) == simdjson::SUCCESS;
}

const char* TypeMessage(simdjson::error_code code, const char* expected) {
  if (code == simdjson::INCORRECT_TYPE || code == simdjson::NUMBER_OUT_OF_RANGE ||
      code == simdjson::NUMBER_ERROR) {
    return expected;
  }
  return nullptr;
}

// Reads one event object. Returns a FieldError on the first problem.
class EventReader {
 public:
  explicit EventReader(const DecodeContext& ctx) : ctx_(ctx) {}

  bool Read(od::document& doc, Event& e, FieldError& err) {
    od::object obj;
    if (auto code = doc.get_object().get(obj); code != simdjson::SUCCESS) {
      if (code != simdjson::INCORRECT_TYPE) return Syntax(code, err);
      err = {"", "each event must be a JSON object"};
      return false;
    }
    bool status_given = false, ts_given = false;
    for (auto field_result : obj) {
      od::field field;
      if (auto code = std::move(field_result).get(field); code != simdjson::SUCCESS) {
        return Syntax(code, err);
      }
      std::string_view key;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
        err = {"", "invalid JSON: bad object key"};
        return false;
      }
      od::value value = field.value();
      bool is_null = false;
      if (value.is_null().get(is_null) == simdjson::SUCCESS && is_null) continue;
      if (!ReadField(key, value, e, status_given, ts_given, err)) return false;
    }
    if (HasTrailingContent(doc)) {
      err = {"", "invalid JSON: unexpected content after the event object"};
      return false;
    }
    if (!ts_given) e.ts_ns = ctx_.now_ns;
    if (e.tenant.empty()) e.tenant = ctx_.default_tenant;
    if (!status_given && ErrorClassIsError(e)) e.status = EventStatus::kError;
    Status st = ValidateEvent(e, status_given, ctx_.now_ns, ctx_.limits);
    if (!st.ok()) {
      err = {st.field(), st.message()};
      if (st.field() == "tenant" && st.message() == "required") {
        err.message = "required (the token is not limited to a single tenant)";
      }
      return false;
    }
    return true;
  }

 private:
  static bool ErrorClassIsError(const Event& e) {
    return !e.error_class.empty() && e.error_class != "none" &&
           e.error_class.rfind("none/", 0) != 0;
  }

  static bool Syntax(simdjson::error_code code, FieldError& err) {
    err = {"", std::string("invalid JSON: ") + simdjson::error_message(code)};
    return false;
  }

  bool String(od::value& v, std::string_view key, std::string& out, FieldError& err) {
    std::string_view s;
    auto code = v.get_string().get(s);
    if (code != simdjson::SUCCESS) {
      if (code == simdjson::INCORRECT_TYPE) {
        err = {std::string(key), "must be a string"};
        return false;
      }
      return Syntax(code, err);
    }
    out.assign(s);
    return true;
  }

  bool Double(od::value& v, std::string_view key, double& out, FieldError& err) {
    auto code = v.get_double().get(out);
    if (code == simdjson::SUCCESS) return true;
    if (const char* m = TypeMessage(code, "must be a number")) {
      err = {std::string(key), m};
      return false;
    }
    return Syntax(code, err);
  }

  bool Int(od::value& v, std::string_view key, int64_t& out, FieldError& err) {
    auto code = v.get_int64().get(out);
    if (code == simdjson::SUCCESS) return true;
    if (const char* m = TypeMessage(code, "must be an integer")) {
      err = {std::string(key), m};
      return false;
    }
    return Syntax(code, err);
  }

  bool ReadField(std::string_view key, od::value& v, Event& e, bool& status_given, bool& ts_given,
                 FieldError& err) {
    if (key == "trace_id") return String(v, key, e.trace_id, err);
    if (key == "span_id") return String(v, key, e.span_id, err);
    if (key == "parent_span_id") return String(v, key, e.parent_span_id, err);
    if (key == "request_id") return String(v, key, e.request_id, err);
    if (key == "tenant") return String(v, key, e.tenant, err);
    if (key == "use_case") return String(v, key, e.use_case, err);
    if (key == "release") return String(v, key, e.release, err);
    if (key == "model") return String(v, key, e.model, err);
    if (key == "tool") return String(v, key, e.tool, err);
    if (key == "error_class") return String(v, key, e.error_class, err);
    if (key == "idempotency_key") return String(v, key, e.idempotency_key, err);
    if (key == "metric") return String(v, key, e.metric, err);
    if (key == "latency_ms") return Double(v, key, e.latency_ms, err);
    if (key == "cost_usd") return Double(v, key, e.cost_usd, err);
    if (key == "value") return Double(v, key, e.value, err);
    if (key == "tokens_in") return Int(v, key, e.tokens_in, err);
    if (key == "tokens_out") return Int(v, key, e.tokens_out, err);
    if (key == "retries") return Int(v, key, e.retries, err);
    if (key == "layer") {
      std::string name;
      if (!String(v, key, name, err)) return false;
      auto layer = ParseLayer(name);
      if (!layer) {
        err = {"layer", "must be task, inference, tool or business"};
        return false;
      }
      e.layer = *layer;
      return true;
    }
    if (key == "status") {
      std::string name;
      if (!String(v, key, name, err)) return false;
      if (name != "ok" && name != "error") {
        err = {"status", "must be \"ok\" or \"error\""};
        return false;
      }
      e.status = name == "ok" ? EventStatus::kOk : EventStatus::kError;
      status_given = true;
      return true;
    }
    if (key == "refusal") {
      auto code = v.get_bool().get(e.refusal);
      if (code == simdjson::SUCCESS) return true;
      if (code == simdjson::INCORRECT_TYPE) {
        err = {"refusal", "must be true or false"};
        return false;
      }
      return Syntax(code, err);
    }
    if (key == "ts") return ReadTs(v, e, ts_given, err);
    if (key == "attrs") return ReadAttrs(v, e, err);
    err = {std::string(key),
           "unknown field (put extra data in \"attrs\"; see docs/api.md for the event fields)"};
    return false;
  }

  bool ReadTs(od::value& v, Event& e, bool& ts_given, FieldError& err) {
    od::json_type type;
    if (v.type().get(type) != simdjson::SUCCESS) return Syntax(simdjson::TAPE_ERROR, err);
    if (type == od::json_type::string) {
      std::string text;
      if (!String(v, "ts", text, err)) return false;
      Result<int64_t> parsed = ParseRfc3339(text);
      if (!parsed.ok()) {
        err = {"ts", parsed.status().message()};
        return false;
      }
      e.ts_ns = *parsed;
    } else {
      if (!Int(v, "ts", e.ts_ns, err)) {
        err.message = "must be unix nanoseconds (an integer) or an RFC 3339 string";
        return false;
      }
    }
    ts_given = true;
    return true;
  }

  bool ReadAttrs(od::value& v, Event& e, FieldError& err) {
    od::object attrs;
    auto code = v.get_object().get(attrs);
    if (code == simdjson::INCORRECT_TYPE) {
      err = {"attrs", "must be an object of string values"};
      return false;
    }
    if (code != simdjson::SUCCESS) return Syntax(code, err);
    for (auto f : attrs) {
      od::field field;
      if (auto code = std::move(f).get(field); code != simdjson::SUCCESS) return Syntax(code, err);
      std::string_view k;
      if (field.unescaped_key().get(k) != simdjson::SUCCESS)
        return Syntax(simdjson::STRING_ERROR, err);
      if (e.attrs.size() > ctx_.limits.max_attrs) {
        err = {"attrs", "at most " + std::to_string(ctx_.limits.max_attrs) + " attributes"};
        return false;
      }
      od::value val = field.value();
      od::json_type type;
      if (val.type().get(type) != simdjson::SUCCESS) return Syntax(simdjson::TAPE_ERROR, err);
      std::string text;
      if (type == od::json_type::string) {
        if (!String(val, "attrs." + std::string(k), text, err)) return false;
      } else if (type == od::json_type::number || type == od::json_type::boolean) {
        // Scalars are kept in their JSON spelling: {"retry": 2} → "2".
        std::string_view raw = val.raw_json_token();
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                                raw.back() == '\t')) {
          raw.remove_suffix(1);
        }
        text.assign(raw);
      } else {
        err = {"attrs." + std::string(k), "must be a string, number or boolean"};
        return false;
      }
      e.attrs.emplace_back(std::string(k), std::move(text));
    }
    return true;
  }

  const DecodeContext& ctx_;
};

void DecodeDocument(od::parser& parser, const char* data, size_t len, size_t capacity, size_t index,
                    size_t line, const DecodeContext& ctx, DecodedBatch& out) {
  out.documents++;
  Event e;
  FieldError err;
  od::document doc;
  auto code = parser.iterate(data, len, capacity).get(doc);
  bool ok = false;
  if (code != simdjson::SUCCESS) {
    err = {"", std::string("invalid JSON: ") + simdjson::error_message(code)};
  } else {
    EventReader reader(ctx);
    ok = reader.Read(doc, e, err);
  }
  if (ok) {
    out.events.push_back(std::move(e));
    out.event_index.push_back(index);
  } else {
    out.errors.push_back({index, line, std::move(err.field), std::move(err.message)});
  }
}

// simdjson reports what went wrong but not where; on this (rare) error path a second, slower
// parser locates the first bad byte. `fallback` is used if it unexpectedly accepts the body.
size_t ErrorOffset(const std::string& body, size_t fallback) {
  try {
    nlohmann::json parsed = nlohmann::json::parse(body);
    (void)parsed;
  } catch (const nlohmann::json::parse_error& e) {
    return e.byte > 0 ? e.byte - 1 : 0;
  }
  return fallback;
}

bool IsBlank(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  }
  return true;
}

void DecodeNdjson(const std::string& body, size_t capacity, const DecodeContext& ctx,
                  DecodedBatch& out) {
  od::parser parser;
  const char* base = body.data();
  size_t pos = 0, line = 0, index = 0;
  while (pos < body.size()) {
    ++line;
    const void* nl = std::memchr(base + pos, '\n', body.size() - pos);
    size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - base) : body.size();
    size_t len = end - pos;
    if (len > 0 && base[pos + len - 1] == '\r') --len;
    if (!IsBlank(base + pos, len)) {
      DecodeDocument(parser, base + pos, len, capacity - pos, index++, line, ctx, out);
    }
    pos = end + 1;
  }
}

Status DecodeArray(const std::string& body, size_t capacity, const DecodeContext& ctx,
                   DecodedBatch& out) {
  od::parser outer;
  od::document doc;
  auto fail = [&](simdjson::error_code code, size_t offset) {
    return Status::InvalidArgument("body is not valid JSON at byte " +
                                   std::to_string(ErrorOffset(body, offset)) + ": " +
                                   simdjson::error_message(code));
  };
  auto code = outer.iterate(body.data(), body.size(), capacity).get(doc);
  if (code != simdjson::SUCCESS) return fail(code, 0);
  od::array array;
  code = doc.get_array().get(array);
  if (code == simdjson::INCORRECT_TYPE) {
    return Status::InvalidArgument("body must be a JSON array of events or NDJSON");
  }
  if (code != simdjson::SUCCESS) return fail(code, 0);
  // Each element is cut out as raw text and decoded on its own, so a bad field in one event
  // cannot disturb the iteration over the others.
  od::parser inner;
  size_t index = 0, last_offset = 0;
  for (auto element : array) {
    od::value value;
    if (element.get(value) != simdjson::SUCCESS) return fail(element.error(), last_offset);
    od::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return fail(simdjson::TAPE_ERROR, last_offset);
    std::string_view raw;
    simdjson::error_code raw_code = simdjson::SUCCESS;
    if (type == od::json_type::object) {
      od::object obj;
      raw_code = value.get_object().get(obj);
      if (raw_code == simdjson::SUCCESS) raw_code = obj.raw_json().get(raw);
    } else if (type == od::json_type::array) {
      od::array inner_array;
      raw_code = value.get_array().get(inner_array);
      if (raw_code == simdjson::SUCCESS) raw_code = inner_array.raw_json().get(raw);
    } else {
      raw = value.raw_json_token();
    }
    if (raw_code != simdjson::SUCCESS) return fail(raw_code, last_offset);
    size_t offset = static_cast<size_t>(raw.data() - body.data());
    last_offset = offset + raw.size();
    DecodeDocument(inner, raw.data(), raw.size(), capacity - offset, index++, 0, ctx, out);
  }
  if (HasTrailingContent(doc)) return fail(simdjson::TRAILING_CONTENT, last_offset);
  return Status::Ok();
}

}  // namespace

Result<DecodedBatch> DecodeEventBatch(std::string& body, BatchFormat format,
                                      const DecodeContext& context) {
  if (body.capacity() < body.size() + kBodyPadding) body.reserve(body.size() + kBodyPadding);
  // Spare capacity must be readable memory: make the padding zeroes part of the allocation.
  size_t capacity = body.capacity();
  DecodedBatch out;
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return out;
  if (format == BatchFormat::kJson && body[first] == '[') {
    Status st = DecodeArray(body, capacity, context, out);
    if (!st.ok()) return st;
  } else {
    DecodeNdjson(body, capacity, context, out);
  }
  return out;
}

}  // namespace vigil
