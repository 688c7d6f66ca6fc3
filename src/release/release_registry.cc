#include "release/release_registry.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <set>

#include "common/time_util.h"
#include "release/release_json.h"

namespace vigil {
namespace {

using nlohmann::json;

const std::vector<Migration>& ReleaseMigrations() {
  static const std::vector<Migration>* m = new std::vector<Migration>{
      {1,
       "CREATE TABLE releases ("
       "  use_case TEXT NOT NULL,"
       "  version TEXT NOT NULL,"
       "  seq INTEGER NOT NULL,"
       "  config TEXT NOT NULL,"
       "  created_ns INTEGER NOT NULL,"
       "  created_by TEXT NOT NULL,"
       "  retired_ns INTEGER,"
       "  retired_by TEXT,"
       "  PRIMARY KEY (use_case, version)"
       ");"
       // Releases are immutable and never deleted; only the retire mark may be set.
       "CREATE TRIGGER releases_immutable BEFORE UPDATE OF use_case, version, seq, config, "
       "created_ns, created_by ON releases "
       "BEGIN SELECT RAISE(ABORT, 'releases are immutable'); END;"
       "CREATE TRIGGER releases_never_deleted BEFORE DELETE ON releases "
       "BEGIN SELECT RAISE(ABORT, 'releases are never deleted'); END;"
       "CREATE TABLE routes ("
       "  use_case TEXT PRIMARY KEY,"
       "  version INTEGER NOT NULL,"
       "  active TEXT,"
       "  canary TEXT,"
       "  canary_percent INTEGER NOT NULL DEFAULT 0,"
       "  mode TEXT NOT NULL DEFAULT 'normal',"
       "  mode_reason TEXT NOT NULL DEFAULT '',"
       "  updated_ns INTEGER NOT NULL"
       ");"
       "CREATE TABLE activations ("
       "  id INTEGER PRIMARY KEY,"
       "  use_case TEXT NOT NULL,"
       "  version TEXT NOT NULL,"
       "  from_ns INTEGER NOT NULL,"
       "  to_ns INTEGER,"
       "  tainted TEXT"  // why it does not count as good (a firing, a rollback), or NULL
       ");"
       "CREATE INDEX activations_by_use_case ON activations (use_case, version);"
       "CREATE TABLE freezes ("
       "  scope TEXT PRIMARY KEY,"  // '' = global
       "  reason TEXT NOT NULL,"
       "  actor TEXT NOT NULL,"
       "  since_ns INTEGER NOT NULL,"
       "  until_ns INTEGER NOT NULL"  // 0 = until lifted
       ");"},
      {2,
       "CREATE TABLE faults ("
       "  use_case TEXT NOT NULL,"
       "  id TEXT NOT NULL,"
       "  kind TEXT NOT NULL,"
       "  target TEXT NOT NULL,"
       "  share REAL NOT NULL,"
       "  params TEXT NOT NULL,"
       "  actor TEXT NOT NULL,"
       "  created_ns INTEGER NOT NULL,"
       "  until_ns INTEGER NOT NULL,"  // 0 = until cleared
       "  PRIMARY KEY (use_case, id)"
       ");"},
  };
  return *m;
}

constexpr char kReleaseColumns[] =
    "use_case, version, seq, config, created_ns, created_by, retired_ns, retired_by";

Result<StoredRelease> ReadRelease(const SqliteStatement& s) {
  StoredRelease r;
  r.use_case = s.ColumnText(0);
  json config = json::parse(s.ColumnText(3), nullptr, false);
  Result<ReleaseConfig> parsed = ReleaseFromJson(config);
  if (!parsed.ok()) {
    return Status::Internal("stored release " + r.use_case + "@" + s.ColumnText(1) +
                            " does not parse: " + parsed.status().ToString());
  }
  r.config = std::move(*parsed);
  r.seq = s.ColumnInt(2);
  r.created_ns = s.ColumnInt(4);
  r.created_by = s.ColumnText(5);
  r.retired_ns = s.ColumnIsNull(6) ? 0 : s.ColumnInt(6);
  r.retired_by = s.ColumnText(7);
  return r;
}

// The stored form keeps prompt_hash only when there is a body, so that reading it back through
// ReleaseFromJson reproduces the same config.
std::string StoredConfigJson(const ReleaseConfig& c) { return ReleaseConfigToJson(c).dump(); }

Result<std::optional<StoredRelease>> FindRelease(SqliteDb& db, const std::string& use_case,
                                                 const std::string& version) {
  Result<SqliteStatement> stmt = db.Prepare(std::string("SELECT ") + kReleaseColumns +
                                            " FROM releases WHERE use_case = ? AND version = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, use_case);
  stmt->BindText(2, version);
  Status st;
  if (stmt->Step(st)) {
    Result<StoredRelease> r = ReadRelease(*stmt);
    if (!r.ok()) return r.status();
    return std::optional<StoredRelease>(std::move(*r));
  }
  if (!st.ok()) return st;
  return std::optional<StoredRelease>();
}

Result<std::vector<StoredRelease>> AllReleases(SqliteDb& db, const std::string& use_case) {
  Result<SqliteStatement> stmt = db.Prepare(std::string("SELECT ") + kReleaseColumns +
                                            " FROM releases WHERE use_case = ? ORDER BY seq");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, use_case);
  std::vector<StoredRelease> out;
  Status st;
  while (stmt->Step(st)) {
    Result<StoredRelease> r = ReadRelease(*stmt);
    if (!r.ok()) return r.status();
    out.push_back(std::move(*r));
  }
  if (!st.ok()) return st;
  return out;
}

bool SameConfig(const ReleaseConfig& a, const ReleaseConfig& b) {
  return StoredConfigJson(a) == StoredConfigJson(b);
}

}  // namespace

Result<std::unique_ptr<ReleaseRegistry>> ReleaseRegistry::Open(StateStore& store, AuditLog& audit,
                                                               RouteHub& hub, const Clock& clock,
                                                               ReleaseControlConfig settings) {
  VIGIL_RETURN_IF_ERROR(store.Migrate("releases", ReleaseMigrations()));
  std::unique_ptr<ReleaseRegistry> registry(
      new ReleaseRegistry(store, audit, hub, clock, std::move(settings)));
  VIGIL_RETURN_IF_ERROR(registry->PublishAll());
  return registry;
}

void ReleaseRegistry::SetChangeListener(ChangeListener listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listener_ = std::move(listener);
}

void ReleaseRegistry::SetSettings(const ReleaseControlConfig& settings) {
  std::lock_guard<std::mutex> lock(mu_);
  settings_ = settings;
}

Status ReleaseRegistry::InsertRelease(SqliteDb& db, const std::string& use_case,
                                      const ReleaseConfig& config, const std::string& actor,
                                      int64_t& seq) {
  Result<SqliteStatement> next =
      db.Prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM releases WHERE use_case = ?");
  if (!next.ok()) return next.status();
  next->BindText(1, use_case);
  Status st;
  if (!next->Step(st)) return st.ok() ? Status::Internal("no sequence row") : st;
  seq = next->ColumnInt(0);
  Result<SqliteStatement> insert = db.Prepare(
      "INSERT INTO releases (use_case, version, seq, config, created_ns, created_by) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  insert->BindText(1, use_case);
  insert->BindText(2, config.version);
  insert->BindInt(3, seq);
  insert->BindText(4, StoredConfigJson(config));
  insert->BindInt(5, clock_.NowNanos());
  insert->BindText(6, actor);
  return insert->Run();
}

Status ReleaseRegistry::Bootstrap(const std::vector<UseCaseConfig>& use_cases,
                                  std::vector<std::string>& notes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      for (const UseCaseConfig& uc : use_cases) {
        if (uc.releases.empty()) continue;
        Result<RouteState> existing = LoadRoute(db, uc.name);
        const bool is_new = !existing.ok();
        if (!existing.ok() && existing.status().code() != Status::Code::kNotFound) {
          return existing.status();
        }
        for (const ReleaseConfig& config : uc.releases) {
          ReleaseConfig c = config;
          if (!c.prompt_body.empty()) c.prompt_hash = PromptHash(c.prompt_body);
          Result<std::optional<StoredRelease>> found = FindRelease(db, uc.name, c.version);
          if (!found.ok()) return found.status();
          if (found->has_value()) {
            if (!SameConfig((*found)->config, c)) {
              notes.push_back("use case " + uc.name + ": release " + c.version +
                              " in the config differs from the stored one; the stored release "
                              "is immutable and stays (create a new version instead)");
            }
            continue;
          }
          int64_t seq = 0;
          VIGIL_RETURN_IF_ERROR(InsertRelease(db, uc.name, c, "config", seq));
          VIGIL_RETURN_IF_ERROR(audit_.Append(
              db, {0, 0, "config", "release.create", uc.name + "@" + c.version, "null",
                   ReleaseConfigToJson(c).dump(), "declared in the config file"}));
        }
        if (!is_new) {
          Result<RouteState> after = LoadRoute(db, uc.name);
          if (!after.ok()) return after.status();
          if (after->last_known_good != existing->last_known_good) {
            VIGIL_RETURN_IF_ERROR(BumpRoute(db, uc.name));
          }
          continue;
        }
        Result<SqliteStatement> insert = db.Prepare(
            "INSERT INTO routes (use_case, version, active, updated_ns) VALUES (?, 1, ?, ?)");
        if (!insert.ok()) return insert.status();
        insert->BindText(1, uc.name);
        insert->BindText(2, uc.active_version);
        insert->BindInt(3, clock_.NowNanos());
        VIGIL_RETURN_IF_ERROR(insert->Run());
        VIGIL_RETURN_IF_ERROR(Activate(db, uc.name, uc.active_version, ""));
        VIGIL_RETURN_IF_ERROR(audit_.Append(
            db,
            {0, 0, "config", "release.promote", uc.name + "@" + uc.active_version, "null",
             json{{"active", uc.active_version}}.dump(), "active release declared in the config"}));
      }
      return Status::Ok();
    });
    if (!st.ok()) return st;
  }
  return PublishAll();
}

std::vector<std::string> ReleaseRegistry::UseCases() {
  std::vector<std::string> out;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> stmt = db.Prepare("SELECT use_case FROM routes ORDER BY use_case");
    if (!stmt.ok()) return stmt.status();
    Status step;
    while (stmt->Step(step)) out.push_back(stmt->ColumnText(0));
    return step;
  });
  if (!st.ok()) spdlog::warn("releases: listing use cases failed: {}", st.ToString());
  return out;
}

Result<RouteState> ReleaseRegistry::Route(const std::string& use_case) {
  Result<RouteState> out = Status::Internal("unset");
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    out = LoadRoute(db, use_case);
    return out.ok() ? Status::Ok() : out.status();
  });
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<StoredRelease>> ReleaseRegistry::History(const std::string& use_case) {
  Result<std::vector<StoredRelease>> out = Status::Internal("unset");
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    out = AllReleases(db, use_case);
    if (out.ok() && out->empty()) {
      return Status::NotFound("unknown use case \"" + use_case + "\" (no releases)");
    }
    return out.ok() ? Status::Ok() : out.status();
  });
  if (!st.ok()) return st;
  return out;
}

Result<StoredRelease> ReleaseRegistry::Get(const std::string& use_case,
                                           const std::string& version) {
  std::optional<StoredRelease> out;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<std::optional<StoredRelease>> found = FindRelease(db, use_case, version);
    if (!found.ok()) return found.status();
    out = std::move(*found);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!out) return Status::NotFound("no release " + version + " of use case \"" + use_case + "\"");
  return std::move(*out);
}

std::vector<Freeze> ReleaseRegistry::ActiveFreezes() {
  std::vector<Freeze> out;
  const int64_t now = clock_.NowNanos();
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> stmt = db.Prepare(
        "SELECT scope, reason, actor, since_ns, until_ns FROM freezes "
        "WHERE until_ns = 0 OR until_ns > ? ORDER BY scope");
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt(1, now);
    Status step;
    while (stmt->Step(step)) {
      out.push_back({stmt->ColumnText(0), stmt->ColumnText(1), stmt->ColumnText(2),
                     stmt->ColumnInt(3), stmt->ColumnInt(4)});
    }
    return step;
  });
  if (!st.ok()) spdlog::warn("releases: listing freezes failed: {}", st.ToString());
  return out;
}

Result<RouteState> ReleaseRegistry::LoadRoute(SqliteDb& db, const std::string& use_case) {
  Result<SqliteStatement> stmt = db.Prepare(
      "SELECT version, active, canary, canary_percent, mode, mode_reason, updated_ns "
      "FROM routes WHERE use_case = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, use_case);
  Status st;
  if (!stmt->Step(st)) {
    if (!st.ok()) return st;
    return Status::NotFound("unknown use case \"" + use_case + "\"");
  }
  RouteState route;
  route.use_case = use_case;
  route.version = stmt->ColumnInt(0);
  const std::string active = stmt->ColumnText(1);
  const std::string canary = stmt->ColumnText(2);
  route.canary_percent = static_cast<int>(stmt->ColumnInt(3));
  route.mode = stmt->ColumnText(4) == "degraded" ? RouteMode::kDegraded : RouteMode::kNormal;
  route.mode_reason = stmt->ColumnText(5);
  route.updated_ns = stmt->ColumnInt(6);

  Result<std::vector<StoredRelease>> all = AllReleases(db, use_case);
  if (!all.ok()) return all.status();
  for (const StoredRelease& r : *all) {
    if (r.config.version == active) route.active = r;
    if (!canary.empty() && r.config.version == canary) route.canary = r;
  }

  const int64_t now = clock_.NowNanos();
  Result<SqliteStatement> freezes = db.Prepare(
      "SELECT scope, reason, actor, since_ns, until_ns FROM freezes "
      "WHERE (scope = '' OR scope = ?) AND (until_ns = 0 OR until_ns > ?) ORDER BY scope");
  if (!freezes.ok()) return freezes.status();
  freezes->BindText(1, use_case);
  freezes->BindInt(2, now);
  while (freezes->Step(st)) {
    route.freezes.push_back({freezes->ColumnText(0), freezes->ColumnText(1), freezes->ColumnText(2),
                             freezes->ColumnInt(3), freezes->ColumnInt(4)});
  }
  if (!st.ok()) return st;

  Result<SqliteStatement> faults = db.Prepare(
      "SELECT id, kind, target, share, params, actor, created_ns, until_ns FROM faults "
      "WHERE use_case = ? AND (until_ns = 0 OR until_ns > ?) ORDER BY created_ns, id");
  if (!faults.ok()) return faults.status();
  faults->BindText(1, use_case);
  faults->BindInt(2, now);
  while (faults->Step(st)) {
    Fault f;
    f.id = faults->ColumnText(0);
    f.kind = faults->ColumnText(1);
    f.target = faults->ColumnText(2);
    f.share = faults->ColumnDouble(3);
    f.params_json = faults->ColumnText(4);
    f.actor = faults->ColumnText(5);
    f.created_ns = faults->ColumnInt(6);
    f.until_ns = faults->ColumnInt(7);
    route.faults.push_back(std::move(f));
  }
  if (!st.ok()) return st;

  // Activations: when the active one started, and which releases qualify as good.
  Result<SqliteStatement> acts = db.Prepare(
      "SELECT version, from_ns, to_ns, tainted FROM activations WHERE use_case = ? ORDER BY id");
  if (!acts.ok()) return acts.status();
  acts->BindText(1, use_case);
  std::set<std::string> soaked;
  while (acts->Step(st)) {
    const std::string version = acts->ColumnText(0);
    const int64_t from = acts->ColumnInt(1);
    if (acts->ColumnIsNull(2)) {
      if (version == active) route.active_since_ns = from;
      continue;
    }
    if (acts->ColumnIsNull(3) && acts->ColumnInt(2) - from >= settings_.soak_ns) {
      soaked.insert(version);
    }
  }
  if (!st.ok()) return st;
  for (auto it = all->rbegin(); it != all->rend(); ++it) {
    if (it->config.version == active || it->retired()) continue;
    if (it->config.known_good || soaked.count(it->config.version)) {
      route.last_known_good = it->config.version;
      break;
    }
  }
  return route;
}

Status ReleaseRegistry::BumpRoute(SqliteDb& db, const std::string& use_case) {
  Result<SqliteStatement> stmt =
      db.Prepare("UPDATE routes SET version = version + 1, updated_ns = ? WHERE use_case = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->BindInt(1, clock_.NowNanos());
  stmt->BindText(2, use_case);
  return stmt->Run();
}

Status ReleaseRegistry::Activate(SqliteDb& db, const std::string& use_case,
                                 const std::string& version, const std::string& taint_reason) {
  const int64_t now = clock_.NowNanos();
  Result<SqliteStatement> close = db.Prepare(
      "UPDATE activations SET to_ns = ?, tainted = COALESCE(tainted, NULLIF(?, '')) "
      "WHERE use_case = ? AND to_ns IS NULL");
  if (!close.ok()) return close.status();
  close->BindInt(1, now);
  close->BindText(2, taint_reason);
  close->BindText(3, use_case);
  VIGIL_RETURN_IF_ERROR(close->Run());
  Result<SqliteStatement> open =
      db.Prepare("INSERT INTO activations (use_case, version, from_ns) VALUES (?, ?, ?)");
  if (!open.ok()) return open.status();
  open->BindText(1, use_case);
  open->BindText(2, version);
  open->BindInt(3, now);
  return open->Run();
}

Result<RollbackCheck> ReleaseRegistry::CheckTarget(SqliteDb& db, const RouteState& route,
                                                   const std::optional<std::string>& to) {
  RollbackCheck check;
  check.use_case = route.use_case;
  check.from = route.active ? route.active->config.version : "";
  if (to) {
    check.to = *to;
  } else if (!route.last_known_good.empty()) {
    check.to = route.last_known_good;
  } else {
    check.problems.push_back(
        "no last-known-good release for " + route.use_case + ": no release other than " +
        check.from + " was active for " + FormatDuration(settings_.soak_ns) +
        " without a P1/P2 firing, and none is declared known_good; name a target");
    return check;
  }
  Result<std::vector<StoredRelease>> all = AllReleases(db, route.use_case);
  if (!all.ok()) return all.status();
  const StoredRelease* target = nullptr;
  for (const StoredRelease& r : *all) {
    if (r.config.version == check.to) target = &r;
  }
  if (!target) {
    check.problems.push_back("release " + check.to + " of " + route.use_case + " does not exist");
    return check;
  }
  if (target->retired()) {
    check.problems.push_back("release " + check.to + " is retired (since " +
                             FormatRfc3339(target->retired_ns) + " by " + target->retired_by + ")");
  }
  for (const std::string& p : ReleaseCompletenessProblems(target->config)) {
    check.problems.push_back("release " + check.to + " is incomplete: " + p);
  }
  if (route.active) {
    for (const MigrationRef& m : route.active->config.migrations) {
      if (m.reversible) continue;
      bool target_has = false;
      for (const MigrationRef& t : target->config.migrations) target_has |= t.id == m.id;
      if (target_has) continue;
      std::string introduced_by = check.from;
      for (const StoredRelease& r : *all) {
        bool has = false;
        for (const MigrationRef& x : r.config.migrations) has |= x.id == m.id;
        if (has && r.seq > target->seq) {
          introduced_by = r.config.version;
          break;
        }
      }
      check.problems.push_back("rolling back from " + check.from + " to " + check.to +
                               " would cross the irreversible migration " + m.id +
                               " (introduced by " + introduced_by + "): " + check.to +
                               " predates data it cannot read");
    }
  }
  return check;
}

Result<RollbackCheck> ReleaseRegistry::CheckRollbackTarget(const std::string& use_case,
                                                           const std::optional<std::string>& to) {
  Result<RollbackCheck> out = Status::Internal("unset");
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<RouteState> route = LoadRoute(db, use_case);
    if (!route.ok()) return route.status();
    out = CheckTarget(db, *route, to);
    return out.ok() ? Status::Ok() : out.status();
  });
  if (!st.ok()) return st;
  return out;
}

Result<RollbackCheck> ReleaseRegistry::CheckRollbackAfterPromote(const std::string& use_case,
                                                                 const std::string& candidate) {
  Result<RollbackCheck> out = Status::Internal("unset");
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<RouteState> route = LoadRoute(db, use_case);
    if (!route.ok()) return route.status();
    Result<std::vector<StoredRelease>> all = AllReleases(db, use_case);
    if (!all.ok()) return all.status();
    RouteState after = *route;
    after.active.reset();
    for (const StoredRelease& r : *all) {
      if (r.config.version == candidate) after.active = r;
    }
    if (!after.active) return Status::NotFound("release " + candidate + " of " + use_case);
    after.last_known_good.clear();
    const std::string current = route->active ? route->active->config.version : "";
    bool current_soaked = false;
    if (!current.empty() && current != candidate) {
      Result<SqliteStatement> open = db.Prepare(
          "SELECT from_ns, tainted FROM activations WHERE use_case = ? AND to_ns IS NULL");
      if (!open.ok()) return open.status();
      open->BindText(1, use_case);
      Status step;
      if (open->Step(step)) {
        current_soaked =
            open->ColumnIsNull(1) && clock_.NowNanos() - open->ColumnInt(0) >= settings_.soak_ns;
      }
      VIGIL_RETURN_IF_ERROR(step);
    }
    if (current_soaked || route->last_known_good != candidate) {
      after.last_known_good = current_soaked ? current : route->last_known_good;
    }
    out = CheckTarget(db, after, std::nullopt);
    return out.ok() ? Status::Ok() : out.status();
  });
  if (!st.ok()) return st;
  return out;
}

Result<StoredRelease> ReleaseRegistry::Create(const std::string& use_case, ReleaseConfig config,
                                              const std::string& actor) {
  if (use_case.empty()) return Status::InvalidArgument("is required", "use_case");
  std::vector<std::string> problems = ReleaseCompletenessProblems(config);
  if (!problems.empty()) return Status::InvalidArgument(problems.front());
  if (!config.prompt_body.empty()) config.prompt_hash = PromptHash(config.prompt_body);
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Status st = store_.Transact([&](SqliteDb& db) -> Status {
      Result<std::optional<StoredRelease>> found = FindRelease(db, use_case, config.version);
      if (!found.ok()) return found.status();
      if (found->has_value()) {
        return Status::AlreadyExists("release " + config.version + " of " + use_case +
                                     " already exists; releases are immutable, create a new "
                                     "version");
      }
      Result<RouteState> before = LoadRoute(db, use_case);
      int64_t seq = 0;
      VIGIL_RETURN_IF_ERROR(InsertRelease(db, use_case, config, actor, seq));
      VIGIL_RETURN_IF_ERROR(
          audit_.Append(db, {0, 0, actor, "release.create", use_case + "@" + config.version, "null",
                             ReleaseConfigToJson(config).dump(), ""}));
      Result<RouteState> route = LoadRoute(db, use_case);
      if (route.ok()) {
        // A release declared known_good can become the rollback target: the route says so.
        if (before.ok() && before->last_known_good != route->last_known_good) {
          return BumpRoute(db, use_case);
        }
        return Status::Ok();
      }
      if (route.status().code() != Status::Code::kNotFound) return route.status();
      first = true;
      Result<SqliteStatement> insert = db.Prepare(
          "INSERT INTO routes (use_case, version, active, updated_ns) VALUES (?, 1, ?, ?)");
      if (!insert.ok()) return insert.status();
      insert->BindText(1, use_case);
      insert->BindText(2, config.version);
      insert->BindInt(3, clock_.NowNanos());
      VIGIL_RETURN_IF_ERROR(insert->Run());
      VIGIL_RETURN_IF_ERROR(Activate(db, use_case, config.version, ""));
      return audit_.Append(
          db, {0, 0, actor, "release.promote", use_case + "@" + config.version, "null",
               json{{"active", config.version}}.dump(), "first release of a new use case"});
    });
    if (!st.ok()) return st;
  }
  RouteChange change{use_case,
                     0,
                     first,
                     "release.create",
                     "release " + config.version + " created" + (first ? " and active" : ""),
                     actor};
  Publish({use_case}, change);
  return Get(use_case, config.version);
}

}  // namespace vigil
