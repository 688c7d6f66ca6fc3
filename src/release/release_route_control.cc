#include "release/release_route_control.h"

#include <fmt/format.h>

namespace vigil {
namespace {

Result<std::string> Describe(Result<ActResult> result) {
  if (!result.ok()) return result.status();
  if (!result->changed) return result->message + " (no change)";
  return fmt::format("{} in {:.1f} ms (route version {})", result->message,
                     static_cast<double>(result->duration_ns) / 1e6, result->route_version);
}

}  // namespace

Result<std::string> ReleaseRouteControl::Rollback(const ActionRequest& r) {
  return Describe(registry_.Rollback(r.use_case, std::nullopt, r.actor, r.reason));
}

Result<std::string> ReleaseRouteControl::Degrade(const ActionRequest& r) {
  return Describe(registry_.SetMode(r.use_case, RouteMode::kDegraded, r.actor, r.reason));
}

Result<std::string> ReleaseRouteControl::FreezeReleases(const ActionRequest& r) {
  Result<ActResult> result = registry_.FreezeReleases(r.use_case, r.reason, r.actor, 0);
  if (!result.ok()) return result.status();
  return result->message;
}

}  // namespace vigil
