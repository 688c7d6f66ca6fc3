// IncidentService's runbooks: steps attached at open, checked off by people or by the action
// map's automation (see incident_service.h).
#include <nlohmann/json.hpp>

#include "incidents/incident_service.h"

namespace vigil {
namespace {

RunbookStepState ReadStep(const SqliteStatement& s) {
  RunbookStepState st;
  st.step = static_cast<int>(s.ColumnInt(0));
  st.role = s.ColumnText(1);
  st.text = s.ColumnText(2);
  st.action = s.ColumnText(3);
  st.done_ns = s.ColumnIsNull(4) ? 0 : s.ColumnInt(4);
  st.done_by = s.ColumnText(5);
  return st;
}

}  // namespace

void IncidentService::SetRunbook(RunbookConfig runbook) {
  std::lock_guard<std::mutex> lock(runbook_mu_);
  runbook_ = std::move(runbook);
}

Status IncidentService::AttachRunbook(SqliteDb& db, int64_t id, const std::string& severity) {
  std::vector<RunbookStep> steps;
  {
    std::lock_guard<std::mutex> lock(runbook_mu_);
    auto it = runbook_.find(severity);
    if (it != runbook_.end()) steps = it->second;
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    Result<SqliteStatement> insert = db.Prepare(
        "INSERT INTO incident_runbook (incident_id, step, role, text, action) "
        "VALUES (?, ?, ?, ?, ?)");
    if (!insert.ok()) return insert.status();
    insert->BindInt(1, id);
    insert->BindInt(2, static_cast<int64_t>(i + 1));
    insert->BindText(3, steps[i].role);
    insert->BindText(4, steps[i].text);
    insert->BindText(5, steps[i].action);
    VIGIL_RETURN_IF_ERROR(insert->Run());
  }
  return Status::Ok();
}

Status IncidentService::CheckAutomatedSteps(SqliteDb& db, int64_t id, const std::string& action,
                                            const std::string& actor) {
  Result<SqliteStatement> due = db.Prepare(
      "SELECT step, text FROM incident_runbook WHERE incident_id = ? AND action = ? AND "
      "done_ns IS NULL ORDER BY step");
  if (!due.ok()) return due.status();
  due->BindInt(1, id);
  due->BindText(2, action);
  std::vector<std::pair<int64_t, std::string>> steps;
  Status step;
  while (due->Step(step)) steps.emplace_back(due->ColumnInt(0), due->ColumnText(1));
  VIGIL_RETURN_IF_ERROR(step);
  const int64_t now = clock_.NowNanos();
  for (const auto& [n, text] : steps) {
    Result<SqliteStatement> done = db.Prepare(
        "UPDATE incident_runbook SET done_ns = ?, done_by = ? WHERE incident_id = ? AND step = ?");
    if (!done.ok()) return done.status();
    done->BindInt(1, now);
    done->BindText(2, actor);
    done->BindInt(3, id);
    done->BindInt(4, n);
    VIGIL_RETURN_IF_ERROR(done->Run());
    VIGIL_RETURN_IF_ERROR(Append(
        db, id,
        {now, "runbook", actor, "runbook step " + std::to_string(n) + " done (automated): " + text,
         nlohmann::json{{"step", n}, {"automated", true}, {"action", action}}.dump()}));
  }
  return Status::Ok();
}

Result<std::vector<RunbookStepState>> IncidentService::Runbook(int64_t id) {
  Result<Incident> incident = Get(id);
  if (!incident.ok()) return incident.status();
  std::vector<RunbookStepState> out;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> stmt = db.Prepare(
        "SELECT step, role, text, action, done_ns, COALESCE(done_by, '') FROM incident_runbook "
        "WHERE incident_id = ? ORDER BY step");
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt(1, id);
    Status step;
    while (stmt->Step(step)) out.push_back(ReadStep(*stmt));
    return step;
  });
  if (!st.ok()) return st;
  return out;
}

Result<RunbookStepState> IncidentService::CheckStep(int64_t id, int step,
                                                    const std::string& actor) {
  Result<std::vector<RunbookStepState>> steps = Runbook(id);
  if (!steps.ok()) return steps.status();
  if (step < 1 || static_cast<size_t>(step) > steps->size()) {
    return Status::NotFound("incident " + std::to_string(id) + " has no runbook step " +
                            std::to_string(step) + " (it has " + std::to_string(steps->size()) +
                            ")");
  }
  RunbookStepState state = (*steps)[static_cast<size_t>(step - 1)];
  if (state.done_ns) return state;  // already done: idempotent
  const int64_t now = clock_.NowNanos();
  std::lock_guard<std::mutex> lock(mu_);
  Status st = store_.Transact([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> done = db.Prepare(
        "UPDATE incident_runbook SET done_ns = ?, done_by = ? WHERE incident_id = ? AND step = ? "
        "AND done_ns IS NULL");
    if (!done.ok()) return done.status();
    done->BindInt(1, now);
    done->BindText(2, actor);
    done->BindInt(3, id);
    done->BindInt(4, step);
    VIGIL_RETURN_IF_ERROR(done->Run());
    return Append(
        db, id,
        {now, "runbook", actor, "runbook step " + std::to_string(step) + " done: " + state.text,
         nlohmann::json{{"step", step}, {"automated", false}}.dump()});
  });
  if (!st.ok()) return st;
  state.done_ns = now;
  state.done_by = actor;
  return state;
}

}  // namespace vigil
