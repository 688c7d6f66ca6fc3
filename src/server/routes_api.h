#pragma once
// Route endpoints — what services read (docs/api.md#routes):
//   GET /v1/routes                 every use case's current route (read)
//   GET /v1/routes/{use_case}      the route, with ETag "<version>"; If-None-Match → 304;
//                                  ?wait=30s&version=N long-polls: answers as soon as the route
//                                  version differs from N, else 304 at the timeout (max 5m).
// A waiting request holds no thread: it is a callback in the RouteHub, answered from the
// publishing thread when a rollback (or any change) commits.

#include <atomic>

#include "auth/auth.h"
#include "release/route_hub.h"
#include "server/http/http_types.h"

namespace vigil {

class RoutesApi {
 public:
  RoutesApi(const Authenticator& auth, RouteHub& hub, const std::atomic<bool>& ready)
      : auth_(auth), hub_(hub), ready_(ready) {}
  void Get(HttpRequest& req, Responder respond);
  void List(HttpRequest& req, Responder respond);

  static constexpr int64_t kMaxWaitNs = 300LL * 1'000'000'000;

 private:
  const Authenticator& auth_;
  RouteHub& hub_;
  const std::atomic<bool>& ready_;
};

}  // namespace vigil
