#pragma once
// SqliteEventStore: the embedded EventStore, one SQLite database file in WAL mode.
//
// Schema (docs/architecture.md#storage), component "events":
//  v1  `events`: one row per event; `seq` (rowid alias, monotonic) for stable cursors; UNIQUE
//      (tenant, trace_id, span_id) — deduplication and trace lookup.
//  v2  `rollups` (WITHOUT ROWID, keyed by grain, bucket and the rollup key) with a latency
//      sketch blob per cell; events gain `collision`; the time index becomes (tenant, ts, seq)
//      for newest-first paging.
//
// Writes: Append() inserts the batch and upserts every touched rollup cell in ONE transaction,
// so rollups are never lost nor double-counted, across crashes too. Recently touched cells are
// cached in memory (installed only after a successful commit) to avoid re-reading them.
// Reads run on a small pool of separate connections (WAL readers never block the writer).
// Durability: synchronous=full (default) survives process crashes and power loss; normal,
// process crashes only. Thread-safety: all methods may be called from any thread.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
    size_t rollup_cache_cells = 20000;
  };
  static Result<std::unique_ptr<SqliteEventStore>> Open(const std::string& path,
                                                        const Options& options);
  ~SqliteEventStore() override;

  Result<AppendResult> Append(std::span<const Event> events) override;
  Result<int64_t> CountEvents() override;
  Result<std::vector<RollupRow>> ReadRollups(const RollupQuery& query) override;
  Result<std::vector<StoredEvent>> ReadTrace(const TenantFilter& tenants,
                                             const std::string& trace_id) override;
  Result<EventPage> ListEvents(const EventQuery& query) override;
  Result<std::vector<std::string>> KnownTenants() override;

  // The schema's migrations, exposed so benchmarks can build the identical schema.
  static const std::vector<Migration>& Migrations();

 private:
  class Writer;  // writer connection, statements and rollup cache (sqlite_rollup_writer.cc)
  SqliteEventStore(std::string path, Options options, std::unique_ptr<Writer> writer);

  // Reader connections: borrowed for one query, returned to the pool.
  Result<SqliteDb> BorrowReader();
  void ReturnReader(SqliteDb db);

  const std::string path_;
  const Options options_;
  std::mutex write_mu_;
  std::unique_ptr<Writer> writer_;
  std::mutex readers_mu_;
  std::vector<SqliteDb> readers_;
};

// The INSERT used by Append(), and a binder shared with the benchmark's reference insert so
// the two write exactly the same rows.
extern const char kInsertEventSql[];
void BindEventRow(SqliteStatement& stmt, const Event& e, std::string& attrs_buffer);
// Columns selected by readers, in the order ReadEventRow expects (seq first).
extern const char kSelectEventColumns[];
StoredEvent ReadEventRow(const SqliteStatement& stmt);

}  // namespace vigil
