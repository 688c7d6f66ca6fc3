#include "incidents/incident_service.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <set>

#include "common/time_util.h"

namespace vigil {
namespace {

using nlohmann::json;

const std::vector<Migration>& IncidentMigrations() {
  static const std::vector<Migration>* m = new std::vector<Migration>{
      {1,
       "CREATE TABLE incidents ("
       "  id INTEGER PRIMARY KEY,"
       "  use_case TEXT NOT NULL,"
       "  tenant TEXT NOT NULL,"
       "  severity TEXT NOT NULL,"
       "  status TEXT NOT NULL,"
       "  title TEXT NOT NULL,"
       "  opened_by TEXT NOT NULL,"
       "  opened_at_ns INTEGER NOT NULL,"
       "  resolved_at_ns INTEGER"
       ");"
       "CREATE INDEX incidents_open ON incidents (status, use_case);"
       "CREATE TABLE incident_timeline ("
       "  id INTEGER PRIMARY KEY,"
       "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
       "  ts_ns INTEGER NOT NULL,"
       "  kind TEXT NOT NULL,"
       "  actor TEXT NOT NULL,"
       "  summary TEXT NOT NULL,"
       "  detail TEXT NOT NULL"
       ");"
       "CREATE INDEX incident_timeline_by_incident ON incident_timeline (incident_id, id);"},
      {2,
       "CREATE TABLE incident_runbook ("
       "  incident_id INTEGER NOT NULL REFERENCES incidents (id),"
       "  step INTEGER NOT NULL,"  // 1-based, in the order of the config at open time
       "  role TEXT NOT NULL,"
       "  text TEXT NOT NULL,"
       "  action TEXT NOT NULL,"  // '' = done by a person
       "  done_ns INTEGER,"
       "  done_by TEXT,"
       "  PRIMARY KEY (incident_id, step)"
       ");"},
  };
  return *m;
}

json EvidenceJson(const AlertInstance& a) {
  json top = json::array();
  for (const auto& [k, v] : a.evidence.top_keys) top.push_back({{"key", k}, {"contribution", v}});
  return {{"alert_id", a.id},
          {"firing_id", a.firing_id},
          {"value", a.evidence.value},
          {"threshold", a.evidence.threshold},
          {"window", FormatDuration(a.evidence.window_ns)},
          {"samples", a.evidence.samples},
          {"top_keys", top}};
}

Incident ReadIncident(const SqliteStatement& s) {
  Incident i;
  i.id = s.ColumnInt(0);
  i.use_case = s.ColumnText(1);
  i.tenant = s.ColumnText(2);
  i.severity = s.ColumnText(3);
  i.status = s.ColumnText(4);
  i.title = s.ColumnText(5);
  i.opened_by = s.ColumnText(6);
  i.opened_at_ns = s.ColumnInt(7);
  i.resolved_at_ns = s.ColumnIsNull(8) ? 0 : s.ColumnInt(8);
  return i;
}

constexpr char kIncidentColumns[] =
    "id, use_case, tenant, severity, status, title, opened_by, opened_at_ns, resolved_at_ns";

}  // namespace

Result<std::unique_ptr<IncidentService>> IncidentService::Create(StateStore& store,
                                                                 const Clock& clock,
                                                                 SloTargets targets,
                                                                 RunbookConfig runbook) {
  VIGIL_RETURN_IF_ERROR(store.Migrate("incidents", IncidentMigrations()));
  auto service = std::unique_ptr<IncidentService>(new IncidentService(store, clock, targets));
  service->SetRunbook(std::move(runbook));
  return service;
}

Status IncidentService::Append(SqliteDb& db, int64_t id, const TimelineEntry& e) {
  Result<SqliteStatement> stmt = db.Prepare(
      "INSERT INTO incident_timeline (incident_id, ts_ns, kind, actor, summary, detail) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->BindInt(1, id);
  stmt->BindInt(2, e.ts_ns);
  stmt->BindText(3, e.kind);
  stmt->BindText(4, e.actor);
  stmt->BindText(5, e.summary);
  stmt->BindText(6,
                 e.detail_json.empty() ? std::string_view("{}") : std::string_view(e.detail_json));
  return stmt->Run();
}

Result<int64_t> IncidentService::FindOpen(SqliteDb& db, const std::string& use_case) {
  Result<SqliteStatement> stmt = db.Prepare(
      "SELECT id FROM incidents WHERE status = 'open' AND use_case = ? ORDER BY id DESC LIMIT 1");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, use_case);
  Status st;
  if (stmt->Step(st)) return stmt->ColumnInt(0);
  if (!st.ok()) return st;
  return int64_t{0};
}

int64_t IncidentService::OnAlertTransition(const AlertTransition& t, const RuleSpec& rule) {
  const AlertInstance& a = t.alert;
  const int64_t now = clock_.NowNanos();
  const std::string use_case = ActionDispatcher::UseCaseOf(a, rule);
  std::lock_guard<std::mutex> lock(mu_);
  if (a.state == AlertState::kFiring && (rule.tier == Tier::kP1 || rule.tier == Tier::kP2)) {
    int64_t incident_id = 0;
    bool opened = false;
    Status st = store_.Transact([&](SqliteDb& db) {
      Result<int64_t> open = FindOpen(db, use_case);
      if (!open.ok()) return open.status();
      incident_id = *open;
      if (incident_id == 0) {
        Result<SqliteStatement> insert = db.Prepare(
            "INSERT INTO incidents (use_case, tenant, severity, status, title, opened_by, "
            "opened_at_ns) VALUES (?, ?, ?, 'open', ?, ?, ?)");
        if (!insert.ok()) return insert.status();
        const std::string title = std::string(TierName(rule.tier)) + " " + rule.name +
                                  (use_case.empty() ? "" : " on " + use_case);
        insert->BindText(1, use_case);
        insert->BindText(2, ActionDispatcher::TenantOf(a, rule));
        insert->BindText(3, TierName(rule.tier));
        insert->BindText(4, title);
        insert->BindText(5, "alert:" + rule.name);
        insert->BindInt(6, now);
        VIGIL_RETURN_IF_ERROR(insert->Run());
        incident_id = sqlite3_last_insert_rowid(db.raw());
        opened = true;
        VIGIL_RETURN_IF_ERROR(
            Append(db, incident_id, {now, "opened", "alert:" + rule.name, title, "{}"}));
        VIGIL_RETURN_IF_ERROR(AttachRunbook(db, incident_id, TierName(rule.tier)));
      }
      return Append(db, incident_id,
                    {now, "alert_fired", "alert:" + rule.name,
                     a.id + " fired: " + std::to_string(a.evidence.value) + " " +
                         a.evidence.threshold + " over " + FormatDuration(a.evidence.window_ns),
                     EvidenceJson(a).dump()});
    });
    if (!st.ok()) {
      spdlog::error("incidents: cannot record firing of {}: {}", a.id, st.ToString());
      return 0;
    }
    incident_of_firing_[{a.id, a.firing_id}] = incident_id;
    return opened ? incident_id : 0;
  } else if (a.state == AlertState::kResolved) {
    auto it = incident_of_firing_.find({a.id, a.firing_id});
    if (it == incident_of_firing_.end()) return 0;
    const int64_t id = it->second;
    Status st = store_.Transact([&](SqliteDb& db) {
      return Append(db, id,
                    {now, "alert_resolved", "alert:" + rule.name, a.id + " resolved",
                     EvidenceJson(a).dump()});
    });
    if (!st.ok()) spdlog::error("incidents: {}", st.ToString());
  }
  return 0;
}

void IncidentService::OnAction(const ActionRecord& r) {
  int64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = incident_of_firing_.find({r.alert_id, r.firing_id});
    if (it == incident_of_firing_.end()) return;  // P3: no incident
    id = it->second;
  }
  json detail = {{"action", r.action},
                 {"alert_id", r.alert_id},
                 {"firing_id", r.firing_id},
                 {"ok", r.ok},
                 {"started", FormatRfc3339(r.started_ns)},
                 {"duration_ms", static_cast<double>(r.finished_ns - r.started_ns) / 1e6},
                 {"result", r.detail}};
  Status st = store_.Transact([&](SqliteDb& db) {
    if (r.ok) VIGIL_RETURN_IF_ERROR(CheckAutomatedSteps(db, id, r.action, "alert:" + r.rule));
    return Append(db, id,
                  {r.finished_ns, "action", "alert:" + r.rule,
                   r.action + (r.ok ? ": " + r.detail : " FAILED: " + r.detail), detail.dump()});
  });
  if (!st.ok()) spdlog::error("incidents: {}", st.ToString());
}

void IncidentService::OnRouteChange(const std::string& use_case, int64_t route_version,
                                    bool moves_traffic, const std::string& action,
                                    const std::string& summary, const std::string& actor) {
  if (use_case.empty()) return;
  std::lock_guard<std::mutex> lock(mu_);
  Status st = store_.Transact([&](SqliteDb& db) -> Status {
    Result<int64_t> open = FindOpen(db, use_case);
    if (!open.ok()) return open.status();
    if (*open == 0) return Status::Ok();
    json detail = {
        {"route_version", route_version}, {"action", action}, {"moves_traffic", moves_traffic}};
    return Append(db, *open, {clock_.NowNanos(), "route_changed", actor, summary, detail.dump()});
  });
  if (!st.ok()) spdlog::error("incidents: {}", st.ToString());
}

Status IncidentService::MarkDrill(int64_t id, const std::string& drill_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return store_.Transact([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> update = db.Prepare(
        "UPDATE incidents SET title = '[drill ' || ?1 || '] ' || title "
        "WHERE id = ?2 AND substr(title, 1, 7) != '[drill '");
    if (!update.ok()) return update.status();
    update->BindText(1, drill_id);
    update->BindInt(2, id);
    VIGIL_RETURN_IF_ERROR(update->Run());
    if (sqlite3_changes(db.raw()) == 0) return Status::Ok();  // already marked (or gone)
    return Append(
        db, id,
        {clock_.NowNanos(), "drill", "drill:" + drill_id,
         "this incident is drill " + drill_id + "'s: the fault was injected on purpose", "{}"});
  });
}

Status IncidentService::AddNote(int64_t id, const std::string& kind, const std::string& summary,
                                const std::string& detail_json) {
  return store_.Transact([&](SqliteDb& db) -> Status {
    return Append(db, id, {clock_.NowNanos(), kind, "vigil", summary, detail_json});
  });
}

Result<int64_t> IncidentService::Open(const std::string& use_case, const std::string& tenant,
                                      const std::string& severity, const std::string& title,
                                      const std::string& actor) {
  const int64_t now = clock_.NowNanos();
  int64_t id = 0;
  Status st = store_.Transact([&](SqliteDb& db) {
    Result<SqliteStatement> insert = db.Prepare(
        "INSERT INTO incidents (use_case, tenant, severity, status, title, opened_by, "
        "opened_at_ns) VALUES (?, ?, ?, 'open', ?, ?, ?)");
    if (!insert.ok()) return insert.status();
    insert->BindText(1, use_case);
    insert->BindText(2, tenant);
    insert->BindText(3, severity);
    insert->BindText(4, title);
    insert->BindText(5, actor);
    insert->BindInt(6, now);
    VIGIL_RETURN_IF_ERROR(insert->Run());
    id = sqlite3_last_insert_rowid(db.raw());
    VIGIL_RETURN_IF_ERROR(Append(db, id, {now, "opened", actor, title, "{}"}));
    return AttachRunbook(db, id, severity);
  });
  if (!st.ok()) return st;
  return id;
}

Status IncidentService::AddUpdate(int64_t id, const std::string& text, const std::string& actor) {
  Result<Incident> incident = Get(id);
  if (!incident.ok()) return incident.status();
  return store_.Transact([&](SqliteDb& db) {
    return Append(db, id, {clock_.NowNanos(), "update", actor, text, "{}"});
  });
}

Status IncidentService::Resolve(int64_t id, const std::string& summary, const std::string& actor) {
  Result<Incident> incident = Get(id);
  if (!incident.ok()) return incident.status();
  if (incident->status == "resolved") {
    return Status::FailedPrecondition("incident " + std::to_string(id) + " is already resolved");
  }
  const int64_t now = clock_.NowNanos();
  return store_.Transact([&](SqliteDb& db) {
    Result<SqliteStatement> update =
        db.Prepare("UPDATE incidents SET status = 'resolved', resolved_at_ns = ? WHERE id = ?");
    if (!update.ok()) return update.status();
    update->BindInt(1, now);
    update->BindInt(2, id);
    VIGIL_RETURN_IF_ERROR(update->Run());
    return Append(db, id, {now, "resolved", actor, summary.empty() ? "resolved" : summary, "{}"});
  });
}

Result<std::vector<Incident>> IncidentService::List(const std::string& status_filter) {
  std::vector<Incident> out;
  Status st = store_.Read([&](SqliteDb& db) {
    std::string sql = std::string("SELECT ") + kIncidentColumns + " FROM incidents" +
                      (status_filter.empty() ? "" : " WHERE status = ?") +
                      " ORDER BY id DESC LIMIT 500";
    Result<SqliteStatement> stmt = db.Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    if (!status_filter.empty()) stmt->BindText(1, status_filter);
    Status step;
    while (stmt->Step(step)) out.push_back(ReadIncident(*stmt));
    return step;
  });
  if (!st.ok()) return st;
  return out;
}

Result<Incident> IncidentService::Get(int64_t id) {
  Incident incident;
  bool found = false;
  Status st = store_.Read([&](SqliteDb& db) {
    Result<SqliteStatement> stmt =
        db.Prepare(std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE id = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt(1, id);
    Status step;
    if (stmt->Step(step)) {
      incident = ReadIncident(*stmt);
      found = true;
    }
    if (!step.ok() || !found) return step;
    Result<SqliteStatement> tl = db.Prepare(
        "SELECT ts_ns, kind, actor, summary, detail FROM incident_timeline WHERE incident_id = ? "
        "ORDER BY ts_ns, id");
    if (!tl.ok()) return tl.status();
    tl->BindInt(1, id);
    while (tl->Step(step)) {
      incident.timeline.push_back({tl->ColumnInt(0), tl->ColumnText(1), tl->ColumnText(2),
                                   tl->ColumnText(3), tl->ColumnText(4)});
    }
    return step;
  });
  if (!st.ok()) return st;
  if (!found) return Status::NotFound("no incident " + std::to_string(id));
  return incident;
}

std::vector<IncidentClock> IncidentService::Clocks(const Incident& incident) const {
  const int64_t now = incident.resolved_at_ns ? incident.resolved_at_ns : clock_.NowNanos();
  IncidentClock switchback{"switchback", targets_.switchback_ns, now - incident.opened_at_ns,
                           false};
  IncidentClock update{"first_update", targets_.incident_update_ns, now - incident.opened_at_ns,
                       false};
  IncidentClock recovery{"recovery", targets_.core_path_recovery_ns, now - incident.opened_at_ns,
                         false};
  // Core path recovery: every alert of the incident resolved and none fired again for one full
  // window of the rule after the last resolution (the task error rate stayed under threshold).
  std::set<std::string> firing;
  int64_t recovered_at = 0;  // candidate: last resolution + its window
  for (const TimelineEntry& e : incident.timeline) {
    if (e.kind != "alert_fired" && e.kind != "alert_resolved") continue;
    json d = json::parse(e.detail_json, nullptr, false);
    const std::string alert = d.is_object() ? d.value("alert_id", "") : "";
    if (e.kind == "alert_fired") {
      firing.insert(alert);
      if (recovered_at && e.ts_ns < recovered_at) recovered_at = 0;  // it came back
      continue;
    }
    firing.erase(alert);
    if (firing.empty()) {
      Result<int64_t> window = ParseDuration(d.is_object() ? d.value("window", "0s") : "0s");
      recovered_at = e.ts_ns + (window.ok() ? *window : 0);
    }
  }
  if (firing.empty() && recovered_at && recovered_at <= now) {
    recovery.elapsed_ns = recovered_at - incident.opened_at_ns;
    recovery.stopped = true;
  } else if (incident.resolved_at_ns != 0) {
    recovery.stopped = true;  // resolved by a person: the clock stops there
  }
  for (const TimelineEntry& e : incident.timeline) {
    if (!switchback.stopped && e.kind == "route_changed") {
      json d = json::parse(e.detail_json, nullptr, false);
      if (d.is_object() && d.value("moves_traffic", false)) {
        switchback.elapsed_ns = e.ts_ns - incident.opened_at_ns;
        switchback.stopped = true;
      }
    }
    // Only a person stops the update clock: automated entries carry an "alert:" actor.
    if (!update.stopped && e.kind == "update" && e.actor.rfind("alert:", 0) != 0 &&
        e.actor != "vigil") {
      update.elapsed_ns = e.ts_ns - incident.opened_at_ns;
      update.stopped = true;
    }
  }
  return {switchback, update, recovery};
}

}  // namespace vigil

namespace vigil {

std::vector<Incident> IncidentService::TakeOverdueUpdates() {
  std::vector<Incident> out;
  Result<std::vector<Incident>> open = List("open");
  if (!open.ok()) return out;
  for (const Incident& summary : *open) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (reported_overdue_.count(summary.id)) continue;
    }
    Result<Incident> incident = Get(summary.id);
    if (!incident.ok()) continue;
    const IncidentClock update = Clocks(*incident)[1];
    if (update.stopped || update.elapsed_ns <= update.target_ns) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!reported_overdue_.insert(summary.id).second) continue;
    }
    store_.Transact([&](SqliteDb& db) {
      return Append(db, summary.id,
                    {clock_.NowNanos(), "update_overdue", "vigil",
                     "no update from a person within " + FormatDuration(update.target_ns) +
                         "; on-call re-notified",
                     "{}"});
    });
    out.push_back(*incident);
  }
  return out;
}

}  // namespace vigil
