#pragma once
// SqliteEventStore::Writer — the write path: the writer connection, its prepared statements and
// the cache of recently touched rollup cells. Internal to the SQLite store.
//
// Append(): BEGIN IMMEDIATE → insert events (dedup) → fold the new ones into minute and hour
// cells (cached value, else the stored row, else empty) → upsert the cells → COMMIT. The merged
// cells enter the cache only after COMMIT succeeds, so a failed transaction leaves no trace.
// Not thread-safe: the owner serializes calls.

#include <map>
#include <memory>

#include "rollup/rollup.h"
#include "storage/sqlite/sqlite_event_store.h"

namespace vigil {

class SqliteEventStore::Writer {
 public:
  static Result<std::unique_ptr<Writer>> Create(SqliteDb db, size_t cache_cells);

  Result<AppendResult> Append(std::span<const Event> events);

  // Row encoding shared with the readers: grain in seconds; the key and cell columns.
  static void BindCell(SqliteStatement& stmt, const RollupCellId& id, const RollupCell& cell);
  static RollupRow ReadCell(const SqliteStatement& stmt);  // columns as in kRollupColumns
  static const char kRollupColumns[];

 private:
  Writer(SqliteDb db, size_t cache_cells) : db_(std::move(db)), cache_cells_(cache_cells) {}
  Status Prepare();
  Status Load(const RollupCellId& id, RollupCell& cell);
  Status InsertEvents(std::span<const Event> events, AppendResult& result);
  void Evict();

  SqliteDb db_;
  size_t cache_cells_;
  SqliteStatement insert_event_;
  SqliteStatement select_cell_;
  SqliteStatement upsert_cell_;
  std::string attrs_buffer_;
  std::map<RollupCellId, RollupCell> cache_;
};

}  // namespace vigil
