#pragma once
// Route endpoints — what services read (docs/api.md#routes):
//   GET /v1/routes                 every use case's current route (read)
//   GET /v1/routes/{use_case}      the route, with ETag "<version>"; If-None-Match → 304;
//                                  ?wait=30s&version=N long-polls: answers as soon as the route
//                                  version differs from N, else 304 at the timeout (max 5m).
// A waiting request holds no thread: it is a callback in the RouteHub, answered from the
// publishing thread when a rollback (or any change) commits.
//
// Delivery is measured: from the publish to each waiting watcher's response being written
// (histogram vigil_route_delivery_seconds), and once all watchers woken by a publish were
// answered, one log line "route U vN delivered to K watchers: 50% in …, 99% in …, all in …".

#include <atomic>
#include <map>
#include <mutex>
#include <vector>

#include "auth/auth.h"
#include "metrics/metrics.h"
#include "release/route_hub.h"
#include "server/http/http_types.h"

namespace vigil {

class RoutesApi {
 public:
  RoutesApi(const Authenticator& auth, RouteHub& hub, const std::atomic<bool>& ready,
            MetricsRegistry& metrics);
  void Get(HttpRequest& req, Responder respond);
  void List(HttpRequest& req, Responder respond);

  static constexpr int64_t kMaxWaitNs = 300LL * 1'000'000'000;

 private:
  struct Delivery {
    int64_t published_ns = 0;
    size_t expected = 0;  // 0 until the hub reports how many it woke
    std::vector<int64_t> latencies_ns;
  };
  // The 200 response for a snapshot, serialized once and shared by every watcher it wakes.
  std::shared_ptr<const std::string> Serialized(
      const std::shared_ptr<const RouteSnapshot>& snapshot);
  void OnWoken(const RouteSnapshot& snapshot, size_t woken);
  void OnWritten(const RouteSnapshot& snapshot);
  // Logs and forgets a delivery whose every response was written. Holds mu_.
  void FinishIfComplete(const std::string& key);

  const Authenticator& auth_;
  RouteHub& hub_;
  const std::atomic<bool>& ready_;
  Histogram& delivery_seconds_;
  std::mutex mu_;
  std::map<std::string, Delivery> deliveries_;  // "use_case@version"
  std::mutex serialized_mu_;
  std::shared_ptr<const RouteSnapshot> serialized_for_;
  std::shared_ptr<const std::string> serialized_;
};

}  // namespace vigil
