#include "model/event_json.h"

namespace vigil {

nlohmann::json EventToWireJson(const Event& e) {
  nlohmann::json j = {{"ts", e.ts_ns},
                      {"trace_id", e.trace_id},
                      {"span_id", e.span_id},
                      {"layer", LayerName(e.layer)},
                      {"status", e.status == EventStatus::kOk ? "ok" : "error"},
                      {"error_class", e.error_class},
                      {"latency_ms", e.latency_ms}};
  auto opt = [&](const char* key, const std::string& v) {
    if (!v.empty()) j[key] = v;
  };
  opt("tenant", e.tenant);
  opt("parent_span_id", e.parent_span_id);
  opt("request_id", e.request_id);
  opt("use_case", e.use_case);
  opt("release", e.release);
  opt("model", e.model);
  opt("tool", e.tool);
  opt("idempotency_key", e.idempotency_key);
  opt("metric", e.metric);
  if (e.tokens_in) j["tokens_in"] = e.tokens_in;
  if (e.tokens_out) j["tokens_out"] = e.tokens_out;
  if (e.cost_usd != 0) j["cost_usd"] = e.cost_usd;
  if (e.retries) j["retries"] = e.retries;
  if (e.refusal) j["refusal"] = true;
  if (e.layer == Layer::kBusiness) j["value"] = e.value;
  if (!e.attrs.empty()) {
    nlohmann::json attrs = nlohmann::json::object();
    for (const auto& [k, v] : e.attrs) attrs[k] = v;
    j["attrs"] = attrs;
  }
  return j;
}

}  // namespace vigil
