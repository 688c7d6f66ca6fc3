#pragma once
// POST /v1/alertmanager — external alerts in (role operate). Accepts the Alertmanager webhook
// payload (version 4), so alerts users already have in Prometheus trigger the same action map
// and incidents as Vigil's own rules.
//
// Per alert: tier from a `tier` label (P1|P2|P3), else from `severity` (critical → P1,
// warning → P2, info → P3; anything else → P3); scope from a `use_case` label. The instance id
// is "alertmanager:ALERTNAME{fingerprint}"; a firing alert that is not already firing starts a
// new firing (actions run once per firing); "resolved" resolves it.

#include <functional>
#include <map>
#include <mutex>

#include "alerting/rule_engine.h"
#include "auth/auth.h"
#include "common/clock.h"
#include "server/http/http_types.h"

namespace vigil {

class AlertmanagerApi {
 public:
  using Handler = std::function<void(const AlertTransition&, const RuleSpec&)>;
  AlertmanagerApi(const Authenticator& auth, const Clock& clock, Handler handler)
      : auth_(auth), clock_(clock), handler_(std::move(handler)) {}
  void Post(HttpRequest& req, Responder respond);

 private:
  const Authenticator& auth_;
  const Clock& clock_;
  Handler handler_;
  std::mutex mu_;
  std::map<std::string, AlertInstance> instances_;
};

}  // namespace vigil
