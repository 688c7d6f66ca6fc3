#pragma once
// Incident endpoints (docs/api.md#incidents): GET /v1/incidents[?status=], GET
// /v1/incidents/{id} (role read); POST /v1/incidents, POST /v1/incidents/{id}/updates, POST
// /v1/incidents/{id}/resolve (role operate; the token's name is the actor on the timeline).
// Tenant scope: tenant-scoped tokens see incidents of their tenants only; incidents that span
// tenants need a "*" token.

#include <atomic>
#include <functional>

#include "auth/auth.h"
#include "incidents/incident_service.h"
#include "server/http/http_types.h"
#include "storage/event_store.h"

namespace vigil {

class IncidentsApi {
 public:
  IncidentsApi(const Authenticator& auth, const std::atomic<IncidentService*>& service,
               const std::atomic<EventStore*>& store, const Clock& clock)
      : auth_(auth), service_(service), store_(store), clock_(clock) {}
  // Called after a person opened an incident (similar incidents, gate overrides); before serving.
  void SetOpenedHook(std::function<void(int64_t id, const std::string& use_case)> hook) {
    opened_hook_ = std::move(hook);
  }
  void List(HttpRequest& req, Responder respond);
  void Get(HttpRequest& req, Responder respond);
  void Open(HttpRequest& req, Responder respond);
  void Update(HttpRequest& req, Responder respond);
  void Resolve(HttpRequest& req, Responder respond);
  // GET /v1/incidents/{id}/runbook (read); POST /v1/incidents/{id}/runbook/{step} (operate).
  void RunbookSteps(HttpRequest& req, Responder respond);
  void CheckStep(HttpRequest& req, Responder respond);

 private:
  // Authenticates with `role`, checks readiness and (for {id} routes) scope; null on failure.
  IncidentService* Prepare(const HttpRequest& req, Role role, Responder& respond,
                           const Principal** principal);
  // Prepare() plus the {id} incident, answering 404 when it is missing or out of scope; a
  // non-ok result means the request was answered.
  Result<Incident> Find(const HttpRequest& req, Role role, Responder& respond,
                        const Principal** principal, IncidentService** service);
  std::function<void(int64_t, const std::string&)> opened_hook_;
  const Authenticator& auth_;
  const std::atomic<IncidentService*>& service_;
  const std::atomic<EventStore*>& store_;
  const Clock& clock_;
};

}  // namespace vigil
