#pragma once
// ClickHouseEventStore: the EventStore on ClickHouse, for when one machine's SQLite is outgrown.
// Control-plane state (releases, incidents, postmortems, audit, outbox, knowledge base) stays in
// the embedded SQLite store; only telemetry events live here. See docs/clickhouse.md.
//
// Contract (in addition to EventStore's):
//  - Open() creates and migrates the schema (versioned in `vigil_schema`, idempotent): without a
//    cluster one MergeTree table `events`; with a cluster an `events_local` MergeTree table on
//    every shard and an `events` Distributed table over them (on every shard, so any can answer).
//    Only features ClickHouse 18.16 and current releases share: DateTime plus an Int64
//    nanoseconds column, plain String, no TTL (retention drops whole day partitions).
//  - Append() stores each batch as one INSERT of one block per destination table (all-or-nothing
//    in MergeTree), RowBinary, gzip-compressed, every row carrying the batch's `batch_id`. A large
//    group is first cut into up to `inserts_in_flight` sub-batches (each its own batch_id) whose
//    INSERTs run concurrently. With a
//    cluster Vigil routes rows to shards itself (by trace_id) and inserts into each shard's local
//    table, so each shard's part is also all-or-nothing. Duplicates across batches follow the
//    SQLite rule (identity = tenant, trace_id, span_id) within dedup_window_ns of the batch's
//    time span. ClickHouse is asked (one lookup per batch) only about events the IdentityCache
//    cannot rule out: identities this process stored before, and events whose window reaches
//    below the cache's floor (data from before this process, or evicted to bound memory). The
//    cache assumes this process is the only writer of the database (dedup_cache_bytes 0 turns
//    it off). docs/clickhouse.md says what each path costs.
//  - Rollup cells are kept by ClickHouse (schema v2): AggregatingMergeTree tables of minute and
//    hour cells fed by materialized views on the events, read with -Merge combinators; the
//    latency cells hold the LatencySketch's buckets, so quantiles equal SQLite's. The replayer
//    repairs cells a server stopped mid-INSERT left out (RepairRollups).
//  - With a spool, Append() succeeds once the batch is in ClickHouse or in the spool: when the
//    duplicate lookup or an insert fails (down, slow, refusing), the batch — or the part not yet
//    inserted, marked in doubt — is appended to the spool, fdatasync'd. While the spool holds
//    anything, new batches join it behind the older ones. A background replayer sends spooled
//    batches in order with backoff (100 ms doubling to 5 s); before sending a destination's rows
//    it asks whether that batch_id is there already (an ambiguous timeout may have stored it), and
//    for batches spooled without a duplicate lookup it does the lookup first. Nothing
//    acknowledged is lost across ClickHouse outages or vigil restarts; nothing is stored twice.
//    Events spooled without a lookup are reported as new (the live windows count them) even if a
//    client had sent them before; the store itself still keeps them once.
//  - Without a spool, failures are Unavailable with ClickHouse's message.
//  - Thread-safety: Append() calls are serialized; reads run concurrently on pooled connections.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/clickhouse/clickhouse_http.h"
#include "storage/clickhouse/identity_cache.h"
#include "storage/clickhouse/spool.h"
#include "storage/event_store.h"

namespace vigil {

struct ClickHouseStoreOptions {
  ClickHouseEndpoint endpoint;  // queries, DDL and (without a cluster) inserts
  std::string database = "vigil";
  std::string cluster;                     // a remote_servers name; empty: single node
  std::vector<ClickHouseEndpoint> shards;  // with a cluster: each shard's HTTP endpoint, in order
  std::chrono::milliseconds timeout{10000};
  // Duplicates are looked up among events within this much of the batch's own time span (a
  // retry re-sends the same timestamps; a re-stamped copy sent later than this is a new event).
  int64_t dedup_window_ns = 3600LL * 1'000'000'000;
  // Memory for the identities of events this process stored (IdentityCache): events it can rule
  // out skip the ClickHouse lookup. It must hold rate × dedup_window to stay authoritative
  // (~16 bytes an event); 0 disables it — needed when another writer shares the database.
  size_t dedup_cache_bytes = size_t{512} << 20;
  // Where batches wait while ClickHouse is down, slow or refuses; empty: no spool (Append then
  // fails with ClickHouse's error).
  std::string spool_dir;
  int64_t spool_max_bytes = 1LL << 30;
  // Whole UTC days older than this are dropped (ALTER TABLE … DROP PARTITION) at start and then
  // hourly; 0 keeps everything. (No TTL: ClickHouse 18.16 does not have it.)
  int64_t retention_days = 0;
  // A group of at least 10,000 events is cut into up to this many sub-batches inserted at once
  // (per destination), each with its own batch_id.
  int inserts_in_flight = 4;
};

struct SpoolStats {
  int64_t pending_batches = 0;
  int64_t pending_bytes = 0;
  uint64_t spooled_batches = 0;   // since start
  uint64_t replayed_batches = 0;  // since start
  std::string last_error;         // the latest reason ClickHouse could not take a batch
};

class ClickHouseEventStore final : public EventStore {
 public:
  static Result<std::unique_ptr<ClickHouseEventStore>> Open(ClickHouseStoreOptions options);

  Result<AppendResult> Append(std::span<const Event> events) override;
  Result<int64_t> CountEvents() override;
  Result<std::vector<RollupRow>> ReadRollups(const RollupQuery& query) override;
  Result<std::vector<StoredEvent>> ReadTrace(const TenantFilter& tenants,
                                             const std::string& trace_id) override;
  Result<EventPage> ListEvents(const EventQuery& query) override;
  Result<std::vector<std::string>> KnownTenants() override;

  ~ClickHouseEventStore() override;

  SpoolStats spool_stats() const;
  // Drops the day partitions that end before `cutoff_ns` on every server that stores rows;
  // returns the days dropped ("YYYY-MM-DD", once per day).
  Result<std::vector<std::string>> DropDaysBefore(int64_t cutoff_ns);

 private:
  struct SpoolRecord;  // clickhouse_spooling.cc
  // One INSERT's worth of a group: its own batch_id and the RowBinary rows per destination.
  struct SubBatch {
    std::string batch_id;
    std::vector<std::string> rows;  // by destination
    int64_t min_ts = INT64_MAX, max_ts = INT64_MIN;
    bool failed = false;
  };
  explicit ClickHouseEventStore(ClickHouseStoreOptions options);
  // Where destination d's rows are stored: its server, and there the events table ("events", or
  // "events_local" on each shard of a cluster).
  ClickHouseHttp& ServerOf(size_t d) { return shards_.empty() ? main_ : *shards_[d]; }
  const char* LocalEventsTable() const { return shards_.empty() ? "events" : "events_local"; }
  Result<std::string> InsertInto(size_t destination, const std::string& rows);
  // Inserts every sub-batch's destinations at once; those that fail go to the spool (in doubt).
  // Without a spool the first failure is returned after all inserts have finished.
  Status InsertConcurrently(std::vector<SubBatch>& subs, bool checked);
  int64_t NextSeq();
  // Just above the newest ts stored in ClickHouse (INT64_MIN when empty): the cache's floor.
  Result<int64_t> StoredHorizon();
  void LowerCacheFloorAfterDrain();
  // Spools destinations [first, end) of an encoded batch; `checked`: the duplicate lookup ran.
  Status SpoolBatch(const std::string& batch_id, int64_t min_ts, int64_t max_ts, bool checked,
                    const std::vector<std::string>& rows, size_t first, const Status& why);
  void ReplayLoop();
  Status ReplayGroup(const std::vector<std::string>& payloads);
  // Batches found stored after an attempt in doubt: ClickHouse writes a materialized view's rows
  // after the table's, so a server stopped mid-INSERT can keep the events without their rollup
  // cells. While the replayer runs nothing else inserts (new batches queue in the spool), so if
  // the cells of these batches' buckets lack exactly their rows, the cells are added from them.
  Status RepairRollups(size_t d, const std::set<std::string>& batch_ids, int64_t min_ts,
                       int64_t max_ts);
  // The batch ids among `batch_ids` with rows in destination `d`.
  Result<std::set<std::string>> PresentBatches(size_t d, const std::vector<std::string>& batch_ids,
                                               int64_t min_ts_ns, int64_t max_ts_ns);
  // Which of `events` are stored already (by identity); empty when none.
  Result<std::vector<bool>> AlreadyStored(std::span<const Event> events);
  std::string TenantCondition(const TenantFilter& tenants) const;

  ClickHouseStoreOptions options_;
  ClickHouseHttp main_;
  std::vector<std::unique_ptr<ClickHouseHttp>> shards_;  // empty without a cluster
  std::mutex append_mu_;
  int64_t last_seq_ = 0;
  IdentityCache identity_cache_;  // under append_mu_
  // The spool held an earlier run's batches at start: the cache's floor stays at "nothing
  // known" until they are in ClickHouse.
  std::atomic<bool> cache_floor_after_drain_{false};
  uint64_t batch_counter_ = 0;
  std::string instance_;  // distinguishes batch ids of this process from earlier ones

  std::unique_ptr<Spool> spool_;
  mutable std::mutex spool_mu_;  // guards the counters below and wakes the replayer
  std::condition_variable spool_cv_;
  bool stopping_ = false;
  uint64_t spooled_ = 0, replayed_ = 0;
  std::string last_error_;
  std::thread replayer_;
  std::thread retention_;
};

}  // namespace vigil
