#pragma once
// GET /v1/alerts and GET /v1/rules (role `read`; docs/api.md#alerts).
//
// Tenant scope: a token limited to some tenants sees the alerts of rules scoped to one of its
// tenants, or grouped by tenant with its tenant as the group; alerts of rules that aggregate
// across tenants are visible only to "*" tokens (their values mix tenants).

#include "auth/auth.h"
#include "server/alerting_runtime.h"
#include "server/http/http_types.h"

namespace vigil {

class AlertsApi {
 public:
  AlertsApi(const Authenticator& auth, const AlertingRuntime& runtime)
      : auth_(auth), runtime_(runtime) {}
  void Alerts(HttpRequest& req, Responder respond);
  void Rules(HttpRequest& req, Responder respond);

 private:
  const Authenticator& auth_;
  const AlertingRuntime& runtime_;
};

}  // namespace vigil
