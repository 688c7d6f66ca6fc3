#include "storage/state_store.h"

namespace vigil {

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& path,
                                                     const SqliteDb::Options& options) {
  Result<SqliteDb> db = SqliteDb::Open(path, options);
  if (!db.ok()) return db.status();
  std::unique_ptr<StateStore> store(new StateStore(std::move(db).value()));
  VIGIL_RETURN_IF_ERROR(store->Migrate(
      "state", {{1, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"}}));
  return store;
}

Status StateStore::Migrate(const std::string& component, const std::vector<Migration>& migrations) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_.Migrate(component, migrations);
}

Status StateStore::Transact(const std::function<Status(SqliteDb&)>& body) {
  std::lock_guard<std::mutex> lock(mu_);
  VIGIL_RETURN_IF_ERROR(db_.Exec("BEGIN IMMEDIATE"));
  Status st = body(db_);
  if (st.ok()) st = db_.Exec("COMMIT");
  if (!st.ok()) db_.Exec("ROLLBACK");
  return st;
}

Status StateStore::Read(const std::function<Status(SqliteDb&)>& body) {
  std::lock_guard<std::mutex> lock(mu_);
  return body(db_);
}

Result<std::string> StateStore::GetMeta(const std::string& key) {
  std::string value;
  bool found = false;
  Status st = Read([&](SqliteDb& db) {
    Result<SqliteStatement> stmt = db.Prepare("SELECT value FROM meta WHERE key = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->BindText(1, key);
    Status step;
    if (stmt->Step(step)) {
      value = stmt->ColumnText(0);
      found = true;
    }
    return step;
  });
  if (!st.ok()) return st;
  if (!found) return Status::NotFound("no meta key " + key);
  return value;
}

Status StateStore::PutMeta(const std::string& key, const std::string& value) {
  return Transact([&](SqliteDb& db) {
    Result<SqliteStatement> stmt = db.Prepare(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    if (!stmt.ok()) return stmt.status();
    stmt->BindText(1, key);
    stmt->BindText(2, value);
    return stmt->Run();
  });
}

}  // namespace vigil
