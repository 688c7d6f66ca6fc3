#pragma once
// SqliteEventStore: the embedded EventStore, one SQLite database file in WAL mode.
//
// Schema (migration "events" v1, docs/architecture.md#storage): one row per event in `events`,
// a rowid alias `seq` (monotonic, used later for stable cursors), a UNIQUE index on the
// identity (tenant, trace_id, span_id) that both deduplicates and serves trace lookups, and an
// index on (tenant, use_case, ts) for range reads.
//
// Durability: Append() commits one transaction; with synchronous=full (the default) a
// committed batch survives process crashes and power loss; with normal, process crashes only.
// Thread-safety: Append() and CountEvents() serialize on an internal mutex (one connection).

#include <memory>
#include <mutex>
#include <string>

#include "storage/event_store.h"
#include "storage/sqlite/sqlite_db.h"

namespace vigil {

class SqliteEventStore final : public EventStore {
 public:
  struct Options {
    std::string synchronous = "full";
    // While another process holds the write lock, Append() waits this long before failing with
    // Unavailable; meanwhile the ingest queue fills and clients get 429 (backpressure).
    int busy_timeout_ms = 30000;
  };
  static Result<std::unique_ptr<SqliteEventStore>> Open(const std::string& path,
                                                        const Options& options);

  Result<AppendResult> Append(std::span<const Event> events) override;
  Result<int64_t> CountEvents() override;

  // The schema's migrations, exposed so benchmarks can build the identical schema.
  static const std::vector<Migration>& Migrations();

 private:
  SqliteEventStore(SqliteDb db, SqliteStatement insert)
      : db_(std::move(db)), insert_(std::move(insert)) {}

  std::mutex mu_;
  SqliteDb db_;
  SqliteStatement insert_;
  std::string attrs_buffer_;
};

// The INSERT used by Append(), and a binder shared with the benchmark's reference insert so
// the two write exactly the same rows.
extern const char kInsertEventSql[];
void BindEventRow(SqliteStatement& stmt, const Event& e, std::string& attrs_buffer);

}  // namespace vigil
