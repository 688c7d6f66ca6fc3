#pragma once
// ReleaseRouteControl: the action map's RouteControl backed by the release registry — rollback
// to last-known-good, degraded mode, release freeze (per use case, or global without one).
//
// Automated rollbacks do not cascade: after an alert rolled a use case back, further rollback
// actions within `cooldown` are no-ops while the route still shows the release rolled back to
// (a second rule firing on the same failure must not walk the use case back release by
// release). A person can still roll back further. Thread-safety: any thread.

#include <map>
#include <mutex>

#include "alerting/actions.h"
#include "common/clock.h"
#include "release/release_registry.h"

namespace vigil {

class ReleaseRouteControl final : public RouteControl {
 public:
  static constexpr int64_t kDefaultCooldownNs = 5LL * 60 * 1'000'000'000;
  ReleaseRouteControl(ReleaseRegistry& registry, const Clock& clock,
                      int64_t cooldown_ns = kDefaultCooldownNs)
      : registry_(registry), clock_(clock), cooldown_ns_(cooldown_ns) {}
  Result<std::string> Rollback(const ActionRequest& request) override;
  Result<std::string> Degrade(const ActionRequest& request) override;
  Result<std::string> FreezeReleases(const ActionRequest& request) override;

 private:
  struct LastRollback {
    int64_t at_ns = 0;
    std::string from, to, actor;
  };
  ReleaseRegistry& registry_;
  const Clock& clock_;
  const int64_t cooldown_ns_;
  std::mutex mu_;
  std::map<std::string, LastRollback> last_;  // by use case
};

}  // namespace vigil
