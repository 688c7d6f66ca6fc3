#pragma once
// Read endpoints (role `read`; docs/api.md#read): GET /v1/summary, /v1/traces/{trace_id},
// /v1/events, /v1/use_cases. Every endpoint takes from/to (common/time_range.h) and enforces the
// token's tenant scope: a `tenant` parameter outside the scope is 403; without it a read covers
// exactly the token's tenants — never another tenant's data, not even in totals.

#include <atomic>

#include "auth/auth.h"
#include "common/clock.h"
#include "common/time_range.h"
#include "config/config.h"
#include "release/route_hub.h"
#include "server/http/http_types.h"
#include "storage/event_store.h"

namespace vigil {

class ReadApi {
 public:
  ReadApi(const Authenticator& auth, const std::atomic<EventStore*>& store, const Clock& clock,
          std::vector<UseCaseConfig> declared_use_cases, const RouteHub* routes = nullptr);

  void Summary(HttpRequest& req, Responder respond);
  // GET /v1/timeseries (read_api_series.cc).
  void Series(HttpRequest& req, Responder respond);
  void Trace(HttpRequest& req, Responder respond);
  void Events(HttpRequest& req, Responder respond);
  void UseCases(HttpRequest& req, Responder respond);
  void Diagnose(HttpRequest& req, Responder respond);

 private:
  // Authenticates (read role), checks readiness, resolves tenants and the time range.
  struct Context {
    const Principal* principal = nullptr;
    EventStore* store = nullptr;
    TenantFilter tenants;
    TimeRange range;
  };
  bool Prepare(const HttpRequest& req, Responder& respond, Context& ctx);

  const Authenticator& auth_;
  const std::atomic<EventStore*>& store_;
  const Clock& clock_;
  const std::vector<UseCaseConfig> declared_use_cases_;
  const RouteHub* routes_;  // each use case's current route, when release management runs
};

}  // namespace vigil
