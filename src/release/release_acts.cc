// ReleaseRegistry's acts: promote, rollback, retire, mode, freeze, and publishing the routes
// they change (see release_registry.h).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/time_util.h"
#include "release/release_json.h"
#include "release/release_registry.h"

namespace vigil {
namespace {

using nlohmann::json;

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

json RouteBrief(const RouteState& r) {
  json out = {{"route_version", r.version},
              {"active", r.active ? json(r.active->config.version) : json(nullptr)},
              {"mode", RouteModeName(r.mode)}};
  out["canary"] = r.canary
                      ? json{{"version", r.canary->config.version}, {"percent", r.canary_percent}}
                      : json(nullptr);
  return out;
}

std::string FreezeRefusal(const RouteState& route, const std::string& what) {
  return what + " refused: " + route.freezes.front().Describe() +
         "; rollback and degraded mode stay allowed; an operate or admin token lifts it "
         "(vigil freeze off" +
         (route.freezes.front().global() ? "" : " --use-case " + route.use_case) + ")";
}

}  // namespace

Status ReleaseRegistry::BumpScope(SqliteDb& db, const std::string& scope,
                                  std::vector<std::string>& affected) {
  Result<SqliteStatement> ucs =
      db.Prepare("SELECT use_case FROM routes WHERE ?1 = '' OR use_case = ?1");
  if (!ucs.ok()) return ucs.status();
  ucs->BindText(1, scope);
  Status step;
  std::vector<std::string> found;
  while (ucs->Step(step)) found.push_back(ucs->ColumnText(0));
  VIGIL_RETURN_IF_ERROR(step);
  for (const std::string& uc : found) {
    if (std::find(affected.begin(), affected.end(), uc) != affected.end()) continue;
    VIGIL_RETURN_IF_ERROR(BumpRoute(db, uc));
    affected.push_back(uc);
  }
  return Status::Ok();
}

Result<ActResult> ReleaseRegistry::Promote(const std::string& use_case, const std::string& version,
                                           std::optional<int> canary_percent,
                                           const std::string& actor, const std::string& reason) {
  if (canary_percent && (*canary_percent < 1 || *canary_percent > 99)) {
    return Status::InvalidArgument("must be between 1 and 99 (omit it to promote fully)",
                                   "canary_percent");
  }
  const int64_t started = SteadyNs();
  ActResult result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      Result<RouteState> route = LoadRoute(db, use_case);
      if (!route.ok()) return route.status();
      {
        // Read inside this transaction (Get() would take the store's lock again).
        Result<SqliteStatement> stmt =
            db.Prepare("SELECT retired_ns FROM releases WHERE use_case = ? AND version = ?");
        if (!stmt.ok()) return stmt.status();
        stmt->BindText(1, use_case);
        stmt->BindText(2, version);
        Status step;
        if (!stmt->Step(step)) {
          if (!step.ok()) return step;
          return Status::NotFound("no release " + version + " of use case \"" + use_case + "\"");
        }
        if (!stmt->ColumnIsNull(0)) {
          return Status::FailedPrecondition("release " + version +
                                            " is retired and cannot be "
                                            "promoted");
        }
      }
      if (route->frozen()) {
        return Status::FailedPrecondition(
            FreezeRefusal(*route, canary_percent ? "a new canary" : "promote"));
      }
      const std::string active = route->active ? route->active->config.version : "";
      result.from = active;
      result.to = version;
      const json before = RouteBrief(*route);
      if (canary_percent) {
        if (version == active) {
          return Status::FailedPrecondition(version +
                                            " is already the active release; a "
                                            "canary must be another release");
        }
        if (route->canary && route->canary->config.version == version &&
            route->canary_percent == *canary_percent) {
          result.message =
              version + " is already the canary at " + std::to_string(*canary_percent) + "%";
          return Status::Ok();
        }
        Result<SqliteStatement> update =
            db.Prepare("UPDATE routes SET canary = ?, canary_percent = ? WHERE use_case = ?");
        if (!update.ok()) return update.status();
        update->BindText(1, version);
        update->BindInt(2, *canary_percent);
        update->BindText(3, use_case);
        VIGIL_RETURN_IF_ERROR(update->Run());
        result.message = version + " is now the canary of " + use_case + " at " +
                         std::to_string(*canary_percent) + "%";
      } else {
        if (version == active && !route->canary) {
          result.message = version + " is already the active release of " + use_case;
          return Status::Ok();
        }
        Result<SqliteStatement> update = db.Prepare(
            "UPDATE routes SET active = ?, canary = NULL, canary_percent = 0 WHERE use_case = ?");
        if (!update.ok()) return update.status();
        update->BindText(1, version);
        update->BindText(2, use_case);
        VIGIL_RETURN_IF_ERROR(update->Run());
        if (version != active) VIGIL_RETURN_IF_ERROR(Activate(db, use_case, version, ""));
        result.message = version + " is now the active release of " + use_case +
                         (active.empty() ? "" : " (was " + active + ")");
      }
      VIGIL_RETURN_IF_ERROR(BumpRoute(db, use_case));
      Result<RouteState> after = LoadRoute(db, use_case);
      if (!after.ok()) return after.status();
      result.changed = true;
      result.route_version = after->version;
      return audit_.Append(
          db, {0, 0, actor, canary_percent ? "release.canary" : "release.promote",
               use_case + "@" + version, before.dump(), RouteBrief(*after).dump(), reason});
    });
    if (!st.ok()) return st;
  }
  if (result.changed) {
    Publish({use_case}, {use_case, 0, true, canary_percent ? "release.canary" : "release.promote",
                         result.message, actor});
  }
  result.duration_ns = SteadyNs() - started;
  return result;
}

Result<ActResult> ReleaseRegistry::Rollback(const std::string& use_case,
                                            const std::optional<std::string>& to,
                                            const std::string& actor, const std::string& reason) {
  const int64_t started = SteadyNs();
  ActResult result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      Result<RouteState> route = LoadRoute(db, use_case);
      if (!route.ok()) return route.status();
      const std::string active = route->active ? route->active->config.version : "";
      if (to && *to == active) {
        result.from = result.to = active;
        if (!route->canary) {
          result.message = "already on " + active + "; nothing to roll back";
          return Status::Ok();
        }
      } else {
        Result<RollbackCheck> check = CheckTarget(db, *route, to);
        if (!check.ok()) return check.status();
        if (!check->problems.empty()) {
          std::string message = "rollback of " + use_case + " refused: ";
          for (size_t i = 0; i < check->problems.size(); ++i) {
            message += (i ? "; " : "") + check->problems[i];
          }
          return Status::FailedPrecondition(message);
        }
        result.from = active;
        result.to = check->to;
      }
      const json before = RouteBrief(*route);
      Result<SqliteStatement> update = db.Prepare(
          "UPDATE routes SET active = ?, canary = NULL, canary_percent = 0 WHERE use_case = ?");
      if (!update.ok()) return update.status();
      update->BindText(1, result.to);
      update->BindText(2, use_case);
      VIGIL_RETURN_IF_ERROR(update->Run());
      if (result.to != active) {
        // The release we leave was rolled back: it no longer counts as good.
        VIGIL_RETURN_IF_ERROR(
            Activate(db, use_case, result.to,
                     "rolled back by " + actor + (reason.empty() ? "" : ": " + reason)));
      }
      VIGIL_RETURN_IF_ERROR(BumpRoute(db, use_case));
      Result<RouteState> after = LoadRoute(db, use_case);
      if (!after.ok()) return after.status();
      result.changed = true;
      result.route_version = after->version;
      result.message =
          result.to == active
              ? "canary " + route->canary->config.version + " of " + use_case + " cancelled; " +
                    active + " stays active"
              : use_case + " rolled back from " + active + " to " + result.to +
                    (route->canary ? " (canary " + route->canary->config.version + " cancelled)"
                                   : "");
      json after_json = RouteBrief(*after);
      after_json["switch_ms"] = static_cast<double>(SteadyNs() - started) / 1e6;
      return audit_.Append(db, {0, 0, actor, "release.rollback", use_case + "@" + result.to,
                                before.dump(), after_json.dump(), reason});
    });
    if (!st.ok()) return st;
  }
  if (result.changed) {
    Publish({use_case}, {use_case, 0, true, "release.rollback", result.message, actor});
  }
  result.duration_ns = SteadyNs() - started;
  if (result.changed) {
    spdlog::warn("releases: {} by {} in {:.1f} ms", result.message, actor,
                 static_cast<double>(result.duration_ns) / 1e6);
  }
  return result;
}

Result<ActResult> ReleaseRegistry::Retire(const std::string& use_case, const std::string& version,
                                          const std::string& actor, const std::string& reason) {
  ActResult result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      Result<RouteState> route = LoadRoute(db, use_case);
      if (!route.ok()) return route.status();
      if (route->active && route->active->config.version == version) {
        return Status::FailedPrecondition("release " + version +
                                          " is active; promote or roll "
                                          "back to another release before retiring it");
      }
      if (route->canary && route->canary->config.version == version) {
        return Status::FailedPrecondition("release " + version +
                                          " is the canary; roll back "
                                          "(which cancels it) before retiring it");
      }
      Result<SqliteStatement> update = db.Prepare(
          "UPDATE releases SET retired_ns = ?, retired_by = ? "
          "WHERE use_case = ? AND version = ? AND retired_ns IS NULL");
      if (!update.ok()) return update.status();
      update->BindInt(1, clock_.NowNanos());
      update->BindText(2, actor);
      update->BindText(3, use_case);
      update->BindText(4, version);
      VIGIL_RETURN_IF_ERROR(update->Run());
      if (sqlite3_changes(db.raw()) == 0) {
        Result<SqliteStatement> exists =
            db.Prepare("SELECT 1 FROM releases WHERE use_case = ? AND version = ?");
        if (!exists.ok()) return exists.status();
        exists->BindText(1, use_case);
        exists->BindText(2, version);
        Status step;
        if (!exists->Step(step)) {
          if (!step.ok()) return step;
          return Status::NotFound("no release " + version + " of use case \"" + use_case + "\"");
        }
        result.message = "release " + version + " is already retired";
        return Status::Ok();
      }
      VIGIL_RETURN_IF_ERROR(BumpRoute(db, use_case));  // last_known_good may change
      result.changed = true;
      result.message = "release " + version + " of " + use_case + " retired (kept, readable)";
      return audit_.Append(
          db, {0, 0, actor, "release.retire", use_case + "@" + version,
               json{{"retired", false}}.dump(), json{{"retired", true}}.dump(), reason});
    });
    if (!st.ok()) return st;
  }
  if (result.changed) {
    Publish({use_case}, {use_case, 0, false, "release.retire", result.message, actor});
  }
  return result;
}

Result<ActResult> ReleaseRegistry::SetMode(const std::string& use_case, RouteMode mode,
                                           const std::string& actor, const std::string& reason) {
  const int64_t started = SteadyNs();
  ActResult result;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      Result<RouteState> route = LoadRoute(db, use_case);
      if (!route.ok()) return route.status();
      if (route->mode == mode) {
        result.message = use_case + " is already in " + RouteModeName(mode) + " mode";
        return Status::Ok();
      }
      if (mode == RouteMode::kDegraded &&
          (!route->active || route->active->config.fallback_model.empty())) {
        return Status::FailedPrecondition(
            "cannot degrade " + use_case + ": the active release " +
            (route->active ? route->active->config.version : std::string("(none)")) +
            " has no fallback_model");
      }
      const json before = RouteBrief(*route);
      Result<SqliteStatement> update =
          db.Prepare("UPDATE routes SET mode = ?, mode_reason = ? WHERE use_case = ?");
      if (!update.ok()) return update.status();
      update->BindText(1, RouteModeName(mode));
      update->BindText(2, mode == RouteMode::kDegraded ? reason : "");
      update->BindText(3, use_case);
      VIGIL_RETURN_IF_ERROR(update->Run());
      VIGIL_RETURN_IF_ERROR(BumpRoute(db, use_case));
      Result<RouteState> after = LoadRoute(db, use_case);
      if (!after.ok()) return after.status();
      result.changed = true;
      result.route_version = after->version;
      result.message =
          mode == RouteMode::kDegraded
              ? use_case + " degraded: serving " + route->active->config.fallback_model +
                    " instead of " + route->active->config.model
              : use_case + " back to normal mode (" + route->active->config.model + ")";
      return audit_.Append(db, {0, 0, actor, "mode.set", use_case, before.dump(),
                                RouteBrief(*after).dump(), reason});
    });
    if (!st.ok()) return st;
  }
  if (result.changed) Publish({use_case}, {use_case, 0, true, "mode.set", result.message, actor});
  result.duration_ns = SteadyNs() - started;
  return result;
}

Result<ActResult> ReleaseRegistry::FreezeReleases(const std::string& scope,
                                                  const std::string& reason,
                                                  const std::string& actor, int64_t until_ns) {
  const int64_t now = clock_.NowNanos();
  if (until_ns != 0 && until_ns <= now) {
    return Status::InvalidArgument("is in the past", "until");
  }
  ActResult result;
  std::vector<std::string> affected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      if (!scope.empty()) {
        Result<RouteState> route = LoadRoute(db, scope);
        if (!route.ok()) return route.status();
      }
      Result<SqliteStatement> upsert = db.Prepare(
          "INSERT INTO freezes (scope, reason, actor, since_ns, until_ns) VALUES (?, ?, ?, ?, ?) "
          "ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason, actor = excluded.actor, "
          "since_ns = CASE WHEN freezes.until_ns = 0 OR freezes.until_ns > excluded.since_ns "
          "THEN freezes.since_ns ELSE excluded.since_ns END, until_ns = excluded.until_ns");
      if (!upsert.ok()) return upsert.status();
      upsert->BindText(1, scope);
      upsert->BindText(2, reason);
      upsert->BindText(3, actor);
      upsert->BindInt(4, now);
      upsert->BindInt(5, until_ns);
      VIGIL_RETURN_IF_ERROR(upsert->Run());
      VIGIL_RETURN_IF_ERROR(BumpScope(db, scope, affected));
      result.changed = true;
      result.message = std::string(scope.empty() ? "releases frozen globally"
                                                 : "releases of " + scope + " frozen") +
                       (until_ns ? " until " + FormatRfc3339(until_ns) : "") +
                       (reason.empty() ? "" : ": " + reason);
      json after = {{"frozen", true}, {"reason", reason}};
      if (until_ns) after["until"] = FormatRfc3339(until_ns);
      return audit_.Append(db, {0, 0, actor, "freeze.on", scope.empty() ? "*" : scope, "null",
                                after.dump(), reason});
    });
    if (!st.ok()) return st;
  }
  Publish(affected, {"", 0, false, "freeze.on", result.message, actor});
  return result;
}

Result<ActResult> ReleaseRegistry::Unfreeze(const std::string& scope, const std::string& actor,
                                            const std::string& reason) {
  ActResult result;
  std::vector<std::string> affected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      Result<SqliteStatement> del = db.Prepare("DELETE FROM freezes WHERE scope = ?");
      if (!del.ok()) return del.status();
      del->BindText(1, scope);
      VIGIL_RETURN_IF_ERROR(del->Run());
      if (sqlite3_changes(db.raw()) == 0) {
        result.message = scope.empty() ? "releases are not frozen globally"
                                       : "releases of " + scope + " are not frozen";
        return Status::Ok();
      }
      VIGIL_RETURN_IF_ERROR(BumpScope(db, scope, affected));
      result.changed = true;
      result.message =
          scope.empty() ? "global release freeze lifted" : "release freeze of " + scope + " lifted";
      return audit_.Append(db,
                           {0, 0, actor, "freeze.off", scope.empty() ? "*" : scope,
                            json{{"frozen", true}}.dump(), json{{"frozen", false}}.dump(), reason});
    });
    if (!st.ok()) return st;
  }
  if (result.changed) Publish(affected, {"", 0, false, "freeze.off", result.message, actor});
  return result;
}

void ReleaseRegistry::OnSevereFiring(const std::string& use_case, const std::string& rule) {
  if (use_case.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  Status st = store_.Transact([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> taint = db.Prepare(
        "UPDATE activations SET tainted = COALESCE(tainted, ?) "
        "WHERE use_case = ? AND to_ns IS NULL");
    if (!taint.ok()) return taint.status();
    taint->BindText(1, "alert " + rule + " fired while active");
    taint->BindText(2, use_case);
    return taint->Run();
  });
  if (!st.ok()) spdlog::error("releases: marking {} failed: {}", use_case, st.ToString());
}

void ReleaseRegistry::Tick() {
  const int64_t now = clock_.NowNanos();
  std::vector<std::string> affected;
  std::vector<std::string> lifted;
  // Most ticks have nothing due: look before taking the write lock.
  int64_t due_count = 0;
  Status looked = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> count = db.Prepare(
        "SELECT (SELECT COUNT(*) FROM freezes WHERE until_ns != 0 AND until_ns <= ?1) + "
        "(SELECT COUNT(*) FROM faults WHERE until_ns != 0 AND until_ns <= ?1)");
    if (!count.ok()) return count.status();
    count->BindInt(1, now);
    Status step;
    if (count->Step(step)) due_count = count->ColumnInt(0);
    return step;
  });
  if (!looked.ok() || due_count == 0) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      Result<SqliteStatement> due =
          db.Prepare("SELECT scope FROM freezes WHERE until_ns != 0 AND until_ns <= ?");
      if (!due.ok()) return due.status();
      due->BindInt(1, now);
      Status step;
      while (due->Step(step)) lifted.push_back(due->ColumnText(0));
      VIGIL_RETURN_IF_ERROR(step);
      for (const std::string& scope : lifted) {
        Result<SqliteStatement> del = db.Prepare("DELETE FROM freezes WHERE scope = ?");
        if (!del.ok()) return del.status();
        del->BindText(1, scope);
        VIGIL_RETURN_IF_ERROR(del->Run());
        VIGIL_RETURN_IF_ERROR(BumpScope(db, scope, affected));
        VIGIL_RETURN_IF_ERROR(
            audit_.Append(db, {0, 0, "vigil", "freeze.expired", scope.empty() ? "*" : scope,
                               json{{"frozen", true}}.dump(), json{{"frozen", false}}.dump(),
                               "the freeze reached its expiry"}));
      }
      return ExpireFaults(db, now, affected);
    });
    if (!st.ok()) {
      spdlog::error("releases: expiring freezes and faults failed: {}", st.ToString());
      return;
    }
  }
  if (!affected.empty()) {
    Publish(affected, {"", 0, false, lifted.empty() ? "fault.expired" : "freeze.expired",
                       "a release freeze or drill fault expired", "vigil"});
  }
}

Result<int64_t> ReleaseRegistry::PublishRoute(const std::string& use_case) {
  Result<RouteState> route = Route(use_case);
  if (!route.ok()) return route.status();
  auto snapshot = std::make_shared<RouteSnapshot>();
  snapshot->use_case = use_case;
  snapshot->version = route->version;
  snapshot->json = RouteToJson(*route).dump();
  snapshot->published_ns = RouteHub::SteadyNowNs();
  hub_.Publish(std::move(snapshot));
  return route->version;
}

void ReleaseRegistry::Publish(const std::vector<std::string>& use_cases,
                              const RouteChange& change) {
  ChangeListener listener;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listener = listener_;
  }
  for (const std::string& uc : use_cases) {
    Result<int64_t> version = PublishRoute(uc);
    if (!version.ok()) {
      spdlog::error("releases: cannot render route {}: {}", uc, version.status().ToString());
      continue;
    }
    if (listener) {
      RouteChange c = change;
      c.use_case = uc;
      c.version = *version;
      listener(c);
    }
  }
}

Status ReleaseRegistry::PublishAll() {
  for (const std::string& uc : UseCases()) {
    Result<int64_t> version = PublishRoute(uc);
    if (!version.ok()) return version.status();
  }
  return Status::Ok();
}

}  // namespace vigil
