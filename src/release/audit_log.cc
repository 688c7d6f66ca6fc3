#include "release/audit_log.h"

namespace vigil {
namespace {

const std::vector<Migration>& AuditMigrations() {
  static const std::vector<Migration>* m = new std::vector<Migration>{
      {1,
       "CREATE TABLE audit_log ("
       "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
       "  ts_ns INTEGER NOT NULL,"
       "  actor TEXT NOT NULL,"
       "  action TEXT NOT NULL,"
       "  target TEXT NOT NULL,"
       "  before_json TEXT NOT NULL,"
       "  after_json TEXT NOT NULL,"
       "  detail TEXT NOT NULL"
       ");"
       "CREATE INDEX audit_log_ts ON audit_log (ts_ns);"
       // Append-only, enforced by the database itself.
       "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
       "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
       "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"},
  };
  return *m;
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::Open(StateStore& store, const Clock& clock) {
  VIGIL_RETURN_IF_ERROR(store.Migrate("audit", AuditMigrations()));
  return std::unique_ptr<AuditLog>(new AuditLog(store, clock));
}

Status AuditLog::Append(SqliteDb& db, AuditEntry e) const {
  Result<SqliteStatement> stmt = db.Prepare(
      "INSERT INTO audit_log (ts_ns, actor, action, target, before_json, after_json, detail) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->BindInt(1, e.ts_ns ? e.ts_ns : clock_.NowNanos());
  stmt->BindText(2, e.actor);
  stmt->BindText(3, e.action);
  stmt->BindText(4, e.target);
  stmt->BindText(5, e.before_json.empty() ? "null" : e.before_json);
  stmt->BindText(6, e.after_json.empty() ? "null" : e.after_json);
  stmt->BindText(7, e.detail);
  return stmt->Run();
}

Status AuditLog::Record(AuditEntry entry) {
  return store_.Transact([&](SqliteDb& db) { return Append(db, entry); });
}

Result<std::vector<AuditEntry>> AuditLog::List(const AuditQuery& q) {
  std::vector<AuditEntry> out;
  Status st = store_.Read([&](SqliteDb& db) -> Status {
    Result<SqliteStatement> stmt = db.Prepare(
        "SELECT id, ts_ns, actor, action, target, before_json, after_json, detail "
        "FROM audit_log WHERE ts_ns >= ? AND ts_ns <= ? "
        "AND (?3 = '' OR actor = ?3) "
        "AND (?4 = '' OR substr(action, 1, length(?4)) = ?4) "
        "AND (?5 = '' OR substr(target, 1, length(?5)) = ?5) "
        "ORDER BY id DESC LIMIT ?6");
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt(1, q.from_ns);
    stmt->BindInt(2, q.to_ns);
    stmt->BindText(3, q.actor);
    stmt->BindText(4, q.action_prefix);
    stmt->BindText(5, q.target_prefix);
    stmt->BindInt(6, q.limit);
    Status step;
    while (stmt->Step(step)) {
      AuditEntry e;
      e.id = stmt->ColumnInt(0);
      e.ts_ns = stmt->ColumnInt(1);
      e.actor = stmt->ColumnText(2);
      e.action = stmt->ColumnText(3);
      e.target = stmt->ColumnText(4);
      e.before_json = stmt->ColumnText(5);
      e.after_json = stmt->ColumnText(6);
      e.detail = stmt->ColumnText(7);
      out.push_back(std::move(e));
    }
    return step;
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace vigil
