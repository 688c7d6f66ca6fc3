#pragma once
// A small RAII wrapper over SQLite's C API: a connection (SqliteDb), prepared statements
// (SqliteStatement) and versioned migrations.
//
// Contract: no method throws; SQLite errors become Status values carrying SQLite's message.
// A SqliteDb is used by one thread at a time (SQLite's "multi-thread" mode); give each thread
// its own connection. SQLITE_BUSY after the busy timeout becomes Unavailable.

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vigil {

class SqliteStatement {
 public:
  SqliteStatement() = default;
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&& other) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Bind helpers take 1-based parameter indexes. BindText copies the text (temporaries are
  // safe); BindTextRef does not — the hot insert paths use it, and the caller keeps the text
  // alive until the statement is stepped and reset. Empty text binds NULL when `empty_null`.
  void BindText(int index, std::string_view text, bool empty_null = false);
  void BindTextRef(int index, std::string_view text, bool empty_null = false);
  void BindInt(int index, int64_t value);
  void BindDouble(int index, double value);
  void BindNull(int index);
  void BindBlob(int index, std::string_view bytes);  // not copied, like BindTextRef

  // Step: returns true when a row is available, false when done; errors in `status`.
  bool Step(Status& status);
  // Runs to completion (for statements without result rows).
  Status Run();
  void Reset();

  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  double ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string ColumnText(int col) const;
  std::string_view ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

struct Migration {
  int version;  // 1, 2, … applied in order, each once
  std::string sql;
};

class SqliteDb {
 public:
  struct Options {
    bool read_only = false;
    std::string synchronous = "full";  // full | normal
    int busy_timeout_ms = 5000;
    int cache_kib = 65536;
  };

  static Result<SqliteDb> Open(const std::string& path, const Options& options);
  static Result<SqliteDb> Open(const std::string& path) { return Open(path, Options{}); }

  SqliteDb() = default;
  SqliteDb(SqliteDb&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  SqliteDb& operator=(SqliteDb&& other) noexcept;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  Status Exec(std::string_view sql);
  Result<SqliteStatement> Prepare(std::string_view sql);
  // Applies the not-yet-applied migrations of `component` in order, each in its own
  // transaction, recording them in the schema_migrations table.
  Status Migrate(std::string_view component, const std::vector<Migration>& migrations);
  // Highest applied migration version of `component` (0 when none).
  Result<int> SchemaVersion(std::string_view component);

  sqlite3* raw() const { return db_; }
  Status Error(std::string_view what) const;

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

}  // namespace vigil
