// ReleaseRegistry's drill faults: inject, clear, expire (see release_registry.h).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/time_util.h"
#include "release/release_json.h"
#include "release/release_registry.h"

namespace vigil {

Result<ActResult> ReleaseRegistry::InjectFault(const std::string& use_case, Fault fault,
                                               const std::string& actor, int64_t until_ns) {
  const int64_t now = clock_.NowNanos();
  if (std::string problem = CheckFaultKind(fault.kind); !problem.empty()) {
    return Status::InvalidArgument(problem, "kind");
  }
  if (fault.target.empty()) return Status::InvalidArgument("is required", "target");
  if (!(fault.share > 0 && fault.share <= 1)) {
    return Status::InvalidArgument("must be in (0, 1]", "share");
  }
  if (until_ns != 0 && until_ns <= now) return Status::InvalidArgument("is in the past", "until");
  ActResult result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      Result<RouteState> route = LoadRoute(db, use_case);
      if (!route.ok()) return route.status();
      if (fault.id.empty()) {
        Result<SqliteStatement> count =
            db.Prepare("SELECT COUNT(*) FROM faults WHERE use_case = ?");
        if (!count.ok()) return count.status();
        count->BindText(1, use_case);
        Status step;
        if (!count->Step(step)) return step;
        fault.id = "f" + std::to_string(count->ColumnInt(0) + 1);
        for (const Fault& f : route->faults) {
          if (f.id == fault.id) fault.id += "-" + std::to_string(now % 100000);
        }
      }
      fault.actor = actor;
      fault.created_ns = now;
      fault.until_ns = until_ns;
      Result<SqliteStatement> upsert = db.Prepare(
          "INSERT OR REPLACE INTO faults (use_case, id, kind, target, share, params, actor, "
          "created_ns, until_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
      if (!upsert.ok()) return upsert.status();
      upsert->BindText(1, use_case);
      upsert->BindText(2, fault.id);
      upsert->BindText(3, fault.kind);
      upsert->BindText(4, fault.target);
      upsert->BindDouble(5, fault.share);
      upsert->BindText(6, fault.params_json.empty() ? "{}" : fault.params_json);
      upsert->BindText(7, actor);
      upsert->BindInt(8, now);
      upsert->BindInt(9, until_ns);
      VIGIL_RETURN_IF_ERROR(upsert->Run());
      VIGIL_RETURN_IF_ERROR(BumpRoute(db, use_case));
      Result<RouteState> after = LoadRoute(db, use_case);
      if (!after.ok()) return after.status();
      result.changed = true;
      result.route_version = after->version;
      result.to = fault.id;
      result.message = "fault " + fault.id + " (" + fault.kind + " on " + fault.target +
                       ") injected into " + use_case +
                       (until_ns ? " until " + FormatRfc3339(until_ns) : "");
      return audit_.Append(db, {0, 0, actor, "fault.inject", use_case + "#" + fault.id, "null",
                                FaultToJson(fault).dump(), result.message});
    });
    if (!st.ok()) return st;
  }
  Publish({use_case}, {use_case, 0, false, "fault.inject", result.message, actor});
  return result;
}

Result<ActResult> ReleaseRegistry::ClearFault(const std::string& use_case, const std::string& id,
                                              const std::string& actor) {
  ActResult result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      Result<RouteState> route = LoadRoute(db, use_case);
      if (!route.ok()) return route.status();
      auto it = std::find_if(route->faults.begin(), route->faults.end(),
                             [&](const Fault& f) { return f.id == id; });
      if (it == route->faults.end()) {
        return Status::NotFound("no fault " + id + " on " + use_case);
      }
      Result<SqliteStatement> del = db.Prepare("DELETE FROM faults WHERE use_case = ? AND id = ?");
      if (!del.ok()) return del.status();
      del->BindText(1, use_case);
      del->BindText(2, id);
      VIGIL_RETURN_IF_ERROR(del->Run());
      VIGIL_RETURN_IF_ERROR(BumpRoute(db, use_case));
      Result<RouteState> after = LoadRoute(db, use_case);
      if (!after.ok()) return after.status();
      result.changed = true;
      result.route_version = after->version;
      result.message =
          "fault " + id + " (" + it->kind + " on " + it->target + ") cleared from " + use_case;
      return audit_.Append(db, {0, 0, actor, "fault.clear", use_case + "#" + id,
                                FaultToJson(*it).dump(), "null", result.message});
    });
    if (!st.ok()) return st;
  }
  Publish({use_case}, {use_case, 0, false, "fault.clear", result.message, actor});
  return result;
}

Result<ActResult> ReleaseRegistry::RestoreRoute(const RouteState& before, int64_t since_ns,
                                                const std::string& actor) {
  const std::string& use_case = before.use_case;
  ActResult result;
  std::vector<std::string> affected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      Result<RouteState> now = LoadRoute(db, use_case);
      if (!now.ok()) return now.status();
      const std::string active = before.active ? before.active->config.version : "";
      const std::string was_active = now->active ? now->active->config.version : "";
      Result<SqliteStatement> update = db.Prepare(
          "UPDATE routes SET active = ?, canary = ?, canary_percent = ?, mode = ?, "
          "mode_reason = ? WHERE use_case = ?");
      if (!update.ok()) return update.status();
      update->BindText(1, active);
      update->BindText(2, before.canary ? before.canary->config.version : "", true);
      update->BindInt(3, before.canary ? before.canary_percent : 0);
      update->BindText(4, RouteModeName(before.mode));
      update->BindText(5, before.mode_reason);
      update->BindText(6, use_case);
      VIGIL_RETURN_IF_ERROR(update->Run());
      if (active != was_active) VIGIL_RETURN_IF_ERROR(Activate(db, use_case, active, ""));
      // Freezes the drill's alerts set (here or globally) go; older ones stay.
      Result<SqliteStatement> lifted = db.Prepare(
          "SELECT scope FROM freezes WHERE (scope = '' OR scope = ?) AND since_ns >= ? AND "
          "substr(actor, 1, 6) = 'alert:'");
      if (!lifted.ok()) return lifted.status();
      lifted->BindText(1, use_case);
      lifted->BindInt(2, since_ns);
      std::vector<std::string> scopes;
      Status step;
      while (lifted->Step(step)) scopes.push_back(lifted->ColumnText(0));
      VIGIL_RETURN_IF_ERROR(step);
      for (const std::string& scope : scopes) {
        Result<SqliteStatement> del = db.Prepare("DELETE FROM freezes WHERE scope = ?");
        if (!del.ok()) return del.status();
        del->BindText(1, scope);
        VIGIL_RETURN_IF_ERROR(del->Run());
      }
      affected.push_back(use_case);
      VIGIL_RETURN_IF_ERROR(BumpRoute(db, use_case));
      for (const std::string& scope : scopes) {
        if (scope.empty()) VIGIL_RETURN_IF_ERROR(BumpScope(db, scope, affected));
      }
      Result<RouteState> after = LoadRoute(db, use_case);
      if (!after.ok()) return after.status();
      result.changed = true;
      result.from = was_active;
      result.to = active;
      result.route_version = after->version;
      result.message = use_case + " restored to " + active + " (" + RouteModeName(before.mode) +
                       (before.canary ? ", canary " + before.canary->config.version : "") + ")" +
                       (scopes.empty() ? "" : "; the drill's freeze lifted");
      nlohmann::json before_json = {
          {"active", was_active}, {"mode", RouteModeName(now->mode)}, {"frozen", now->frozen()}};
      nlohmann::json after_json = {
          {"active", active}, {"mode", RouteModeName(after->mode)}, {"frozen", after->frozen()}};
      return audit_.Append(db, {0, 0, actor, "drill.restore", use_case, before_json.dump(),
                                after_json.dump(), result.message});
    });
    if (!st.ok()) return st;
  }
  Publish(affected, {"", 0, true, "drill.restore", result.message, actor});
  return result;
}

Status ReleaseRegistry::ExpireFaults(SqliteDb& db, int64_t now,
                                     std::vector<std::string>& affected) {
  Result<SqliteStatement> due = db.Prepare(
      "SELECT use_case, id, kind, target FROM faults WHERE until_ns != 0 AND until_ns <= ?");
  if (!due.ok()) return due.status();
  due->BindInt(1, now);
  struct Due {
    std::string use_case, id, kind, target;
  };
  std::vector<Due> expired;
  Status step;
  while (due->Step(step)) {
    expired.push_back(
        {due->ColumnText(0), due->ColumnText(1), due->ColumnText(2), due->ColumnText(3)});
  }
  VIGIL_RETURN_IF_ERROR(step);
  for (const Due& d : expired) {
    Result<SqliteStatement> del = db.Prepare("DELETE FROM faults WHERE use_case = ? AND id = ?");
    if (!del.ok()) return del.status();
    del->BindText(1, d.use_case);
    del->BindText(2, d.id);
    VIGIL_RETURN_IF_ERROR(del->Run());
    VIGIL_RETURN_IF_ERROR(audit_.Append(
        db, {0, 0, "vigil", "fault.expired", d.use_case + "#" + d.id, "null", "null",
             "fault " + d.id + " (" + d.kind + " on " + d.target + ") reached its expiry"}));
    if (std::find(affected.begin(), affected.end(), d.use_case) == affected.end()) {
      VIGIL_RETURN_IF_ERROR(BumpRoute(db, d.use_case));
      affected.push_back(d.use_case);
    }
  }
  return Status::Ok();
}

}  // namespace vigil
