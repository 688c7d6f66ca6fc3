#include "storage/sqlite/sqlite_db.h"

#include <utility>

namespace vigil {
namespace {

Status FromCode(int rc, sqlite3* db, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xFF;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Status::Unavailable("database is locked by another writer (" + msg + ")");
  }
  if (primary == SQLITE_FULL) return Status::ResourceExhausted(msg);
  return Status::Internal(msg);
}

}  // namespace

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

void SqliteStatement::BindText(int index, std::string_view text, bool empty_null) {
  if (empty_null && text.empty()) {
    sqlite3_bind_null(stmt_, index);
    return;
  }
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::BindTextRef(int index, std::string_view text, bool empty_null) {
  if (empty_null && text.empty()) {
    sqlite3_bind_null(stmt_, index);
    return;
  }
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

void SqliteStatement::BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void SqliteStatement::BindDouble(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
}
void SqliteStatement::BindNull(int index) { sqlite3_bind_null(stmt_, index); }
void SqliteStatement::BindBlob(int index, std::string_view bytes) {
  sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
}

std::string_view SqliteStatement::ColumnBlob(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  if (data == nullptr) return {};
  return std::string_view(static_cast<const char*>(data),
                          static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

bool SqliteStatement::Step(Status& status) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status = FromCode(rc, db_, "step");
  return false;
}

Status SqliteStatement::Run() {
  Status st;
  while (Step(st)) {
  }
  Reset();
  return st;
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string SqliteStatement::ColumnText(int col) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<SqliteDb> SqliteDb::Open(const std::string& path, const Options& options) {
  sqlite3* raw = nullptr;
  int flags =
      options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = FromCode(rc, raw, "open " + path);
    sqlite3_close(raw);
    return st;
  }
  SqliteDb db(raw);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  if (!options.read_only) {
    VIGIL_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=WAL"));
  }
  VIGIL_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=" + options.synchronous));
  VIGIL_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size=-" + std::to_string(options.cache_kib)));
  VIGIL_RETURN_IF_ERROR(db.Exec("PRAGMA foreign_keys=ON"));
  return db;
}

SqliteDb& SqliteDb::operator=(SqliteDb&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

SqliteDb::~SqliteDb() {
  if (db_) sqlite3_close_v2(db_);
}

Status SqliteDb::Error(std::string_view what) const {
  return FromCode(sqlite3_errcode(db_), db_, what);
}

Status SqliteDb::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status st = FromCode(rc, nullptr, msg);
    return st.code() == Status::Code::kUnavailable ? st : Status::Internal("sql: " + msg);
  }
  return Status::Ok();
}

Result<SqliteStatement> SqliteDb::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return FromCode(rc, db_, "prepare");
  return SqliteStatement(db_, stmt);
}

Result<int> SqliteDb::SchemaVersion(std::string_view component) {
  VIGIL_RETURN_IF_ERROR(
      Exec("CREATE TABLE IF NOT EXISTS schema_migrations (component TEXT NOT NULL, "
           "version INTEGER NOT NULL, applied_at_ms INTEGER NOT NULL, "
           "PRIMARY KEY (component, version))"));
  Result<SqliteStatement> stmt =
      Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->BindText(1, component);
  Status st;
  int version = 0;
  if (stmt->Step(st)) version = static_cast<int>(stmt->ColumnInt(0));
  if (!st.ok()) return st;
  return version;
}

Status SqliteDb::Migrate(std::string_view component, const std::vector<Migration>& migrations) {
  for (const Migration& m : migrations) {
    // Re-read inside the write transaction so two processes never apply the same step twice.
    VIGIL_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Result<int> current = SchemaVersion(component);
    if (!current.ok()) {
      Exec("ROLLBACK");
      return current.status();
    }
    if (*current >= m.version) {
      VIGIL_RETURN_IF_ERROR(Exec("COMMIT"));
      continue;
    }
    Status st = Exec(m.sql);
    if (st.ok()) {
      Result<SqliteStatement> record = Prepare(
          "INSERT INTO schema_migrations (component, version, applied_at_ms) VALUES "
          "(?, ?, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))");
      if (record.ok()) {
        record->BindText(1, component);
        record->BindInt(2, m.version);
        st = record->Run();
      } else {
        st = record.status();
      }
    }
    if (!st.ok()) {
      Exec("ROLLBACK");
      return Status::Internal("migration " + std::string(component) + " v" +
                              std::to_string(m.version) + " failed: " + st.message());
    }
    VIGIL_RETURN_IF_ERROR(Exec("COMMIT"));
  }
  return Status::Ok();
}

}  // namespace vigil
