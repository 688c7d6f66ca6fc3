#pragma once
// ReleaseRouteControl: the action map's RouteControl backed by the release registry — rollback
// to last-known-good, degraded mode, release freeze (per use case, or global without one).
// Thread-safety: as ReleaseRegistry.

#include "alerting/actions.h"
#include "release/release_registry.h"

namespace vigil {

class ReleaseRouteControl final : public RouteControl {
 public:
  explicit ReleaseRouteControl(ReleaseRegistry& registry) : registry_(registry) {}
  Result<std::string> Rollback(const ActionRequest& request) override;
  Result<std::string> Degrade(const ActionRequest& request) override;
  Result<std::string> FreezeReleases(const ActionRequest& request) override;

 private:
  ReleaseRegistry& registry_;
};

}  // namespace vigil
