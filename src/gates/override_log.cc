#include "gates/override_log.h"

#include <nlohmann/json.hpp>

namespace vigil {
namespace {

using nlohmann::json;

GateOverride Read(const SqliteStatement& s) {
  GateOverride o;
  o.id = s.ColumnInt(0);
  o.ts_ns = s.ColumnInt(1);
  o.use_case = s.ColumnText(2);
  o.release = s.ColumnText(3);
  o.actor = s.ColumnText(4);
  o.reason = s.ColumnText(5);
  json checks = json::parse(s.ColumnText(6), nullptr, false);
  if (checks.is_array()) {
    for (const json& c : checks) {
      if (c.is_string()) o.failed_checks.push_back(c.get<std::string>());
    }
  }
  o.claimed_by_incident = s.ColumnIsNull(7) ? 0 : s.ColumnInt(7);
  return o;
}

constexpr char kColumns[] =
    "SELECT id, ts_ns, use_case, release, actor, reason, failed_checks, incident_id "
    "FROM gate_overrides ";

}  // namespace

Result<std::unique_ptr<OverrideLog>> OverrideLog::Open(StateStore& store, const Clock& clock) {
  VIGIL_RETURN_IF_ERROR(store.Migrate("gate_overrides", {{1,
                                                          "CREATE TABLE gate_overrides ("
                                                          "  id INTEGER PRIMARY KEY,"
                                                          "  ts_ns INTEGER NOT NULL,"
                                                          "  use_case TEXT NOT NULL,"
                                                          "  release TEXT NOT NULL,"
                                                          "  actor TEXT NOT NULL,"
                                                          "  reason TEXT NOT NULL,"
                                                          "  failed_checks TEXT NOT NULL,"
                                                          "  incident_id INTEGER"
                                                          ");"}}));
  return std::unique_ptr<OverrideLog>(new OverrideLog(store, clock));
}

Result<GateOverride> OverrideLog::Record(GateOverride o) {
  o.ts_ns = clock_.NowNanos();
  Status st = store_.Transact([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> s = db.Prepare(
        "INSERT INTO gate_overrides (ts_ns, use_case, release, actor, reason, failed_checks) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    if (!s.ok()) return s.status();
    s->BindInt(1, o.ts_ns);
    s->BindText(2, o.use_case);
    s->BindText(3, o.release);
    s->BindText(4, o.actor);
    s->BindText(5, o.reason);
    s->BindText(6, json(o.failed_checks).dump());
    VIGIL_RETURN_IF_ERROR(s->Run());
    o.id = sqlite3_last_insert_rowid(db.raw());
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return o;
}

Result<std::vector<GateOverride>> OverrideLog::Claim(const std::string& use_case,
                                                     int64_t incident_id) {
  std::vector<GateOverride> out;
  Status st = store_.Transact([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> s = db.Prepare(
        std::string(kColumns) + "WHERE use_case = ? AND incident_id IS NULL ORDER BY id");
    if (!s.ok()) return s.status();
    s->BindText(1, use_case);
    Status step;
    while (s->Step(step)) out.push_back(Read(*s));
    VIGIL_RETURN_IF_ERROR(step);
    Result<SqliteStatement> claim = db.Prepare(
        "UPDATE gate_overrides SET incident_id = ? WHERE use_case = ? AND incident_id IS NULL");
    if (!claim.ok()) return claim.status();
    claim->BindInt(1, incident_id);
    claim->BindText(2, use_case);
    return claim->Run();
  });
  if (!st.ok()) return st;
  for (GateOverride& o : out) o.claimed_by_incident = incident_id;
  return out;
}

Result<std::vector<GateOverride>> OverrideLog::List(const std::string& use_case, size_t limit) {
  std::vector<GateOverride> out;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> s = db.Prepare(
        std::string(kColumns) + "WHERE (? = '' OR use_case = ?) ORDER BY id DESC LIMIT ?");
    if (!s.ok()) return s.status();
    s->BindText(1, use_case);
    s->BindText(2, use_case);
    s->BindInt(3, static_cast<int64_t>(limit));
    Status step;
    while (s->Step(step)) out.push_back(Read(*s));
    return step;
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace vigil
