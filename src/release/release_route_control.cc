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
  std::lock_guard<std::mutex> lock(mu_);  // one automated rollback decision at a time
  const int64_t now = clock_.NowNanos();
  auto it = last_.find(r.use_case);
  if (it != last_.end() && now - it->second.at_ns < cooldown_ns_) {
    Result<RouteState> route = registry_.Route(r.use_case);
    if (route.ok() && route->active && route->active->config.version == it->second.to) {
      return fmt::format(
          "already rolled back from {} to {} {:.1f} s ago by {}; not rolling back further "
          "(automated rollbacks do not cascade)",
          it->second.from, it->second.to, static_cast<double>(now - it->second.at_ns) / 1e9,
          it->second.actor);
    }
  }
  Result<ActResult> result = registry_.Rollback(r.use_case, std::nullopt, r.actor, r.reason);
  if (result.ok() && result->changed) last_[r.use_case] = {now, result->from, result->to, r.actor};
  return Describe(std::move(result));
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
