#include "server/alerts_api.h"

#include <nlohmann/json.hpp>

#include "alerting/action_dispatcher.h"
#include "common/time_util.h"
#include "server/api_util.h"

namespace vigil {
namespace {

using nlohmann::json;

json Time(int64_t ns) { return ns > 0 ? json(FormatRfc3339(ns)) : json(nullptr); }

json RuleJson(const RuleSpec& r, const AlertingConfig& config) {
  json scope = json::object();
  auto put = [&](const char* key, const std::string& v) {
    if (!v.empty()) scope[key] = v;
  };
  put("tenant", r.tenant);
  put("use_case", r.use_case);
  if (r.layer) scope["layer"] = LayerName(*r.layer);
  put("model", r.model);
  put("tool", r.tool);
  put("release", r.release);
  put("error_class", r.where_error_class);
  put("metric", r.metric);
  std::vector<std::string> actions = r.actions;
  if (actions.empty()) {
    auto it = config.action_map.find(r.tier);
    if (it != config.action_map.end()) actions = it->second;
  }
  json slo = nullptr;
  if (r.slo) {
    json windows = json::array();
    for (const BurnWindow& w : r.slo->windows) {
      windows.push_back({FormatDuration(w.long_ns), FormatDuration(w.short_ns), w.factor});
    }
    slo = {{"objective", r.slo->objective}, {"windows", windows}};
  }
  return {{"name", r.name},
          {"slo", slo},
          {"description", r.description},
          {"tier", TierName(r.tier)},
          {"scope", scope},
          {"group_by", r.group_by},
          {"signal", SignalName(r.signal)},
          {"window", FormatDuration(r.window_ns)},
          {"threshold", r.threshold.ToString()},
          {"min_samples", r.min_samples},
          {"for", FormatDuration(r.for_ns)},
          {"keep_firing_for", FormatDuration(r.keep_firing_for_ns)},
          {"actions", actions}};
}

}  // namespace

void AlertsApi::Alerts(HttpRequest& req, Responder respond) {
  HttpResponse error;
  const Principal* principal = AuthorizeRequest(auth_, req, Role::kRead, error);
  if (principal == nullptr) return respond(std::move(error));
  const std::string* state_filter = req.Query("state");
  const std::string* tier_filter = req.Query("tier");
  if (state_filter && *state_filter != "pending" && *state_filter != "firing" &&
      *state_filter != "resolved") {
    return respond(
        ErrorResponse(400, "invalid_field", "must be pending, firing or resolved", "state"));
  }
  if (tier_filter && *tier_filter != "P1" && *tier_filter != "P2" && *tier_filter != "P3") {
    return respond(ErrorResponse(400, "invalid_field", "must be P1, P2 or P3", "tier"));
  }
  std::vector<RuleSpec> rules = runtime_.engine().Rules();
  json list = json::array();
  for (const AlertInstance& a : runtime_.engine().Alerts()) {
    const RuleSpec* rule = nullptr;
    for (const RuleSpec& r : rules) {
      if (r.name == a.rule) rule = &r;
    }
    if (!principal->all_tenants) {
      std::string tenant = rule ? ActionDispatcher::TenantOf(a, *rule) : std::string();
      if (tenant.empty() || !principal->CanAccessTenant(tenant)) continue;
    }
    if (state_filter && *state_filter != AlertStateName(a.state)) continue;
    if (tier_filter && *tier_filter != TierName(a.tier)) continue;
    json labels = json::object();
    for (const auto& [k, v] : a.labels) labels[k] = v;
    json top = json::array();
    for (const auto& [key, value] : a.evidence.top_keys) {
      top.push_back({{"key", key}, {"contribution", value}});
    }
    json evidence = {{"value", a.evidence.value},
                     {"threshold", a.evidence.threshold},
                     {"window", FormatDuration(a.evidence.window_ns)},
                     {"samples", a.evidence.samples},
                     {"top_keys", top}};
    if (rule != nullptr && rule->threshold.relative) evidence["baseline"] = a.evidence.baseline;
    list.push_back({{"id", a.id},
                    {"rule", a.rule},
                    {"tier", TierName(a.tier)},
                    {"state", AlertStateName(a.state)},
                    {"labels", labels},
                    {"active_since", Time(a.active_since_ns)},
                    {"fired_at", Time(a.fired_at_ns)},
                    {"resolved_at", Time(a.resolved_at_ns)},
                    {"firing_id", a.firing_id},
                    {"evidence", evidence}});
  }
  HttpResponse r;
  r.body = json{{"alerts", list}}.dump();
  respond(std::move(r));
}

void AlertsApi::Rules(HttpRequest& req, Responder respond) {
  HttpResponse error;
  if (AuthorizeRequest(auth_, req, Role::kRead, error) == nullptr) {
    return respond(std::move(error));
  }
  AlertingConfig config = runtime_.config();
  json list = json::array();
  for (const RuleSpec& r : runtime_.engine().Rules()) list.push_back(RuleJson(r, config));
  json action_map = json::object();
  for (const auto& [tier, actions] : config.action_map) action_map[TierName(tier)] = actions;
  HttpResponse r;
  r.body = json{{"rules", list},
                {"action_map", action_map},
                {"evaluation_interval", FormatDuration(config.evaluation_interval_ns)}}
               .dump();
  respond(std::move(r));
}

}  // namespace vigil
