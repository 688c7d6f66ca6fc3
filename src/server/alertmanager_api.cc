#include "server/alertmanager_api.h"

#include <nlohmann/json.hpp>

#include "server/api_util.h"

namespace vigil {
namespace {

using nlohmann::json;

std::string Label(const json& labels, const char* key) {
  return labels.contains(key) && labels[key].is_string() ? labels[key].get<std::string>() : "";
}

Tier TierOf(const json& labels) {
  const std::string tier = Label(labels, "tier");
  if (tier == "P1") return Tier::kP1;
  if (tier == "P2") return Tier::kP2;
  if (tier == "P3") return Tier::kP3;
  const std::string severity = Label(labels, "severity");
  if (severity == "critical") return Tier::kP1;
  if (severity == "warning") return Tier::kP2;
  return Tier::kP3;
}

}  // namespace

void AlertmanagerApi::Post(HttpRequest& req, Responder respond) {
  HttpResponse error;
  const Principal* principal = AuthorizeRequest(auth_, req, Role::kOperate, error);
  if (principal == nullptr) return respond(std::move(error));
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return respond(ErrorResponse(400, "invalid_json", "the body must be a JSON object", "body"));
  }
  if (!body.contains("alerts") || !body["alerts"].is_array()) {
    return respond(ErrorResponse(400, "invalid_field", "must be an array of alerts", "alerts"));
  }
  const int64_t now = clock_.NowNanos();
  size_t accepted = 0;
  std::vector<std::pair<AlertTransition, RuleSpec>> transitions;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < body["alerts"].size(); ++i) {
      const json& a = body["alerts"][i];
      const std::string field = "alerts[" + std::to_string(i) + "]";
      if (!a.is_object() || !a.contains("labels") || !a["labels"].is_object()) {
        return respond(ErrorResponse(400, "invalid_field", "needs a labels object", field));
      }
      const json& labels = a["labels"];
      const std::string name = Label(labels, "alertname");
      if (name.empty()) {
        return respond(
            ErrorResponse(400, "invalid_field", "needs an alertname label", field + ".labels"));
      }
      const std::string status =
          a.contains("status") && a["status"].is_string() ? a["status"].get<std::string>() : "";
      if (status != "firing" && status != "resolved") {
        return respond(
            ErrorResponse(400, "invalid_field", "must be firing or resolved", field + ".status"));
      }
      std::string tenant = Label(labels, "tenant");
      if (tenant.empty()) tenant = principal->SingleTenant();
      if (!tenant.empty() && !principal->CanAccessTenant(tenant)) {
        return respond(StatusResponse(Authenticator::RequireTenant(*principal, tenant)));
      }
      std::string fingerprint = a.contains("fingerprint") && a["fingerprint"].is_string()
                                    ? a["fingerprint"].get<std::string>()
                                    : labels.dump();
      RuleSpec rule;
      rule.name = "alertmanager:" + name;
      rule.tier = TierOf(labels);
      rule.use_case = Label(labels, "use_case");
      rule.tenant = tenant;
      rule.description = "external alert from Alertmanager";
      AlertInstance& inst = instances_["alertmanager:" + name + "{" + fingerprint + "}"];
      if (inst.id.empty()) {
        inst.id = "alertmanager:" + name + "{" + fingerprint + "}";
        inst.rule = rule.name;
      }
      inst.tier = rule.tier;
      inst.labels.clear();
      for (auto it = labels.begin(); it != labels.end(); ++it) {
        if (it.value().is_string())
          inst.labels.emplace_back(it.key(), it.value().get<std::string>());
      }
      inst.evidence.threshold = "external";
      if (a.contains("annotations") && a["annotations"].is_object()) {
        inst.evidence.threshold = Label(a["annotations"], "summary");
      }
      const AlertState from = inst.state;
      if (status == "firing" && inst.state != AlertState::kFiring) {
        inst.state = AlertState::kFiring;
        inst.fired_at_ns = now;
        inst.active_since_ns = now;
        ++inst.firing_id;
      } else if (status == "resolved" && inst.state == AlertState::kFiring) {
        inst.state = AlertState::kResolved;
        inst.resolved_at_ns = now;
      }
      inst.last_true_ns = now;
      if (inst.state != from) transitions.push_back({{inst, from}, rule});
      ++accepted;
    }
  }
  for (const auto& [t, rule] : transitions) handler_(t, rule);
  HttpResponse r;
  r.body = json{{"accepted", accepted}, {"transitions", transitions.size()}}.dump();
  respond(std::move(r));
}

}  // namespace vigil
