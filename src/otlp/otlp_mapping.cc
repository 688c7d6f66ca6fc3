#include "otlp/otlp_mapping.h"

#include <cctype>
#include <map>

#include "common/text.h"
#include "model/error_class.h"

namespace vigil {
namespace {

// Attribute lookup: the span's own attributes first, then its resource's.
struct Scope {
  const std::vector<OtlpKeyValue>& span;
  const std::vector<OtlpKeyValue>& resource;
  const OtlpValue* Find(std::string_view key, bool resource_too = true) const {
    if (const OtlpValue* v = FindAttribute(span, key)) return v;
    return resource_too ? FindAttribute(resource, key) : nullptr;
  }
  std::string Text(std::string_view key, bool resource_too = true) const {
    const OtlpValue* v = Find(key, resource_too);
    return v ? v->ToText() : std::string();
  }
};

// A whole number from an int, a double or a numeric string; -1 when absent or not a number.
int64_t Integer(const OtlpValue* v) {
  if (!v) return -1;
  switch (v->kind) {
    case OtlpValue::Kind::kInt:
      return v->integer;
    case OtlpValue::Kind::kDouble:
      return static_cast<int64_t>(v->number);
    case OtlpValue::Kind::kString: {
      try {
        size_t used = 0;
        const int64_t n = std::stoll(v->str, &used);
        return used == v->str.size() ? n : -1;
      } catch (...) {
        return -1;
      }
    }
    default:
      return -1;
  }
}

double Number(const OtlpValue* v, double fallback) {
  if (!v) return fallback;
  if (v->kind == OtlpValue::Kind::kDouble) return v->number;
  if (v->kind == OtlpValue::Kind::kInt) return static_cast<double>(v->integer);
  if (v->kind == OtlpValue::Kind::kString) {
    try {
      size_t used = 0;
      const double d = std::stod(v->str, &used);
      return used == v->str.size() ? d : fallback;
    } catch (...) {
      return fallback;
    }
  }
  return fallback;
}

bool Contains(const OtlpValue* v, std::string_view needle) {
  if (!v) return false;
  if (v->kind == OtlpValue::Kind::kString) return v->str == needle;
  if (v->kind == OtlpValue::Kind::kArray) {
    for (const OtlpValue& item : v->array) {
      if (item.kind == OtlpValue::Kind::kString && item.str == needle) return true;
    }
  }
  return false;
}

std::string Detail(const std::string& raw) {
  std::string out;
  for (char c : raw) {
    if (out.size() >= 64) break;
    const unsigned char u = static_cast<unsigned char>(c);
    out += (std::isalnum(u) || c == '.' || c == '_' || c == '-' || c == ':') ? c : '_';
  }
  return out;
}

bool LayerFromName(const std::string& name, Layer& layer) {
  if (name == "task")
    layer = Layer::kTask;
  else if (name == "inference")
    layer = Layer::kInference;
  else if (name == "tool")
    layer = Layer::kTool;
  else if (name == "business")
    layer = Layer::kBusiness;
  else
    return false;
  return true;
}

}  // namespace

std::string MapErrorType(const std::string& raw, Layer layer) {
  const std::string lower = AsciiLower(raw);
  std::string cls;
  for (std::string_view known : ErrorClasses()) {
    if (lower == known) cls = std::string(known);
  }
  auto has = [&](const char* s) { return lower.find(s) != std::string::npos; };
  if (!cls.empty()) {
  } else if (has("timeout") || has("timed out") || has("deadline") || lower == "504" ||
             lower == "408") {
    cls = "timeout";
  } else if (lower == "429" || has("rate_limit") || has("ratelimit") || has("throttl") ||
             has("too_many_requests") || has("resource_exhausted")) {
    cls = "throttled";
  } else if (lower == "401" || lower == "403" || has("permission") || has("forbidden") ||
             has("unauthenticated") || has("unauthorized") || has("access_denied") ||
             has("accessdenied")) {
    cls = "permission_denied";
  } else if ((lower.size() == 3 && lower[0] == '5' &&
              std::isdigit(static_cast<unsigned char>(lower[1])) &&
              std::isdigit(static_cast<unsigned char>(lower[2]))) ||
             has("internalserver") || has("internal_server") || has("unavailable") ||
             has("bad_gateway") || has("badgateway") || has("overloaded")) {
    cls = "upstream_5xx";
  } else if (has("content_filter") || has("refus")) {
    cls = "refusal";
  } else if (has("parse") || has("json") || has("malformed") || has("schema")) {
    cls = "malformed_output";
  } else {
    cls = layer == Layer::kTool ? "tool_error" : "other";
  }
  const std::string detail = Detail(raw);
  if (detail.empty() || AsciiLower(detail) == cls) return cls;
  return cls + "/" + detail;
}

OtlpMapped MapOtlpToEvents(const OtlpTraceRequest& request, const OtlpMapContext& ctx) {
  OtlpMapped out;
  out.spans = request.SpanCount();
  out.events.reserve(out.spans);
  // vigil.request_id is usually set once, on the agent's root span: every step of that trace in
  // the export belongs to the same request.
  std::map<std::string, std::string> request_of_trace;
  for (const OtlpResourceSpans& rs : request.resources) {
    for (const OtlpScopeSpans& ss : rs.scopes) {
      for (const OtlpSpan& span : ss.spans) {
        if (const OtlpValue* v = FindAttribute(span.attributes, "vigil.request_id")) {
          request_of_trace.emplace(span.trace_id, v->ToText());
        }
      }
    }
  }
  for (const OtlpResourceSpans& rs : request.resources) {
    for (const OtlpScopeSpans& ss : rs.scopes) {
      for (const OtlpSpan& span : ss.spans) {
        const Scope a{span.attributes, rs.resource_attributes};
        const std::string who =
            "span " + (span.span_id.empty() ? "?" : span.span_id) + " (" + span.name + ")";
        auto reject = [&](const std::string& field, const std::string& why) {
          out.rejections.push_back(who + ": " + field + ": " + why);
        };
        if (span.trace_id.size() != 32 || span.trace_id == std::string(32, '0')) {
          reject("traceId", "must be 16 bytes, not all zero");
          continue;
        }
        if (span.span_id.size() != 16 || span.span_id == std::string(16, '0')) {
          reject("spanId", "must be 8 bytes, not all zero");
          continue;
        }
        Event e;
        // Layer.
        const std::string op = a.Text("gen_ai.operation.name", false);
        const std::string explicit_layer = a.Text("vigil.layer", false);
        const OtlpValue* metric = a.Find("vigil.business.metric", false);
        if (!explicit_layer.empty()) {
          if (!LayerFromName(explicit_layer, e.layer)) {
            reject("vigil.layer", "must be task, inference, tool or business");
            continue;
          }
        } else if (metric) {
          e.layer = Layer::kBusiness;
        } else if (op == "chat" || op == "text_completion" || op == "generate_content" ||
                   op == "embeddings") {
          e.layer = Layer::kInference;
        } else if (op == "execute_tool") {
          e.layer = Layer::kTool;
        } else if (op == "invoke_agent" || op == "invoke_workflow" || op == "create_agent" ||
                   span.parent_span_id.empty()) {
          e.layer = Layer::kTask;
        } else {
          reject("gen_ai.operation.name",
                 "not an agent step: no GenAI operation, vigil.layer or vigil.business.metric, "
                 "and not a root span");
          continue;
        }
        // Identity and context.
        e.trace_id = span.trace_id;
        e.span_id = span.span_id;
        e.parent_span_id = span.parent_span_id;
        const std::string span_tenant = a.Text("vigil.tenant");
        if (!ctx.token_tenant.empty()) {
          if (!span_tenant.empty() && span_tenant != ctx.token_tenant) {
            out.foreign_tenant = span_tenant;
            return out;
          }
          e.tenant = ctx.token_tenant;
        } else {
          e.tenant = span_tenant;
          if (e.tenant.empty()) {
            reject("vigil.tenant",
                   "required with a token for several tenants (span or resource attribute)");
            continue;
          }
        }
        e.use_case = a.Text("vigil.use_case");
        if (e.use_case.empty()) e.use_case = a.Text("service.name");
        e.release = a.Text("vigil.release");
        if (e.release.empty()) e.release = a.Text("service.version");
        e.request_id = a.Text("vigil.request_id");
        if (e.request_id.empty()) {
          auto it = request_of_trace.find(span.trace_id);
          e.request_id = it != request_of_trace.end() ? it->second : span.trace_id;
        }
        e.model = a.Text("gen_ai.response.model", false);
        if (e.model.empty()) e.model = a.Text("gen_ai.request.model", false);
        e.tool = a.Text("gen_ai.tool.name", false);
        // Usage.
        int64_t in = Integer(a.Find("gen_ai.usage.input_tokens", false));
        if (in < 0) in = Integer(a.Find("gen_ai.usage.prompt_tokens", false));
        int64_t out_tokens = Integer(a.Find("gen_ai.usage.output_tokens", false));
        if (out_tokens < 0) out_tokens = Integer(a.Find("gen_ai.usage.completion_tokens", false));
        e.tokens_in = std::max<int64_t>(in, 0);
        e.tokens_out = std::max<int64_t>(out_tokens, 0);
        e.cost_usd = Number(a.Find("vigil.cost_usd", false), 0);
        e.retries = std::max<int64_t>(Integer(a.Find("vigil.retries", false)), 0);
        e.idempotency_key = a.Text("vigil.idempotency_key", false);
        e.refusal = Contains(a.Find("gen_ai.response.finish_reasons", false), "content_filter");
        if (metric) {
          e.metric = metric->ToText();
          e.value = Number(a.Find("vigil.business.value", false), 1);
        }
        // Outcome.
        const std::string error_type = a.Text("error.type", false);
        const std::string explicit_class = a.Text("vigil.error_class", false);
        if (span.status_code == 2 || !error_type.empty() || !explicit_class.empty()) {
          e.status = EventStatus::kError;
          if (!explicit_class.empty()) {
            e.error_class = explicit_class;
          } else if (!error_type.empty() && error_type != "_OTHER") {
            e.error_class = MapErrorType(error_type, e.layer);
          } else {
            e.error_class = e.layer == Layer::kTool ? "tool_error" : "other";
          }
        }
        // Time.
        const uint64_t end = span.end_ns ? span.end_ns : span.start_ns;
        e.ts_ns = static_cast<int64_t>(end);
        if (span.end_ns >= span.start_ns && span.start_ns != 0) {
          e.latency_ms = static_cast<double>(span.end_ns - span.start_ns) / 1e6;
        }
        int64_t cached = Integer(a.Find("gen_ai.usage.cache_read.input_tokens", false));
        if (cached < 0) cached = Integer(a.Find("gen_ai.usage.cache_read_input_tokens", false));
        if (cached > 0) e.attrs.emplace_back("cached_tokens_in", std::to_string(cached));
        if (const OtlpValue* conv = a.Find("gen_ai.conversation.id", false)) {
          e.attrs.emplace_back("gen_ai.conversation.id", conv->ToText());
        }
        if (!span.name.empty()) e.attrs.emplace_back("otel.span_name", span.name);
        const std::string system = a.Text("gen_ai.system", false);
        if (!system.empty()) e.attrs.emplace_back("gen_ai.system", system);
        if (!IsValidUtf8(e.use_case) || e.use_case.empty()) {
          reject("vigil.use_case", "required (span or resource attribute, or service.name)");
          continue;
        }
        Status valid = ValidateEvent(e, /*status_given=*/true, ctx.now_ns, ctx.limits);
        if (!valid.ok()) {
          reject(valid.field().empty() ? "span" : valid.field(), valid.message());
          continue;
        }
        out.events.push_back(std::move(e));
        std::string text = span.name + "\n" + span.status_message;
        for (const OtlpKeyValue& kv : span.attributes) text += "\n" + kv.value.ToText();
        for (const OtlpSpanEvent& ev : span.events) {
          text += "\n" + ev.name;
          for (const OtlpKeyValue& kv : ev.attributes) text += "\n" + kv.value.ToText();
        }
        out.free_text.push_back(std::move(text));
      }
    }
  }
  return out;
}

}  // namespace vigil
