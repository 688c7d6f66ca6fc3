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
//    in MergeTree), RowBinary, gzip-compressed, every row carrying the batch's `batch_id`. With a
//    cluster Vigil routes rows to shards itself (by trace_id) and inserts into each shard's local
//    table, so each shard's part is also all-or-nothing. Duplicates across batches follow the
//    SQLite rule (identity = tenant, trace_id, span_id): one lookup per batch, restricted to the
//    batch's days and time span (docs/clickhouse.md says what it costs).
//  - Rollups are computed by ClickHouse from the events at read time (GROUP BY minute or hour,
//    sums, and the LatencySketch buckets via sumMap), so they can never disagree with the events.
//  - Failures are Unavailable with ClickHouse's message; nothing is retried here (the spool does).
//  - Thread-safety: Append() calls are serialized; reads run concurrently on pooled connections.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/clickhouse/clickhouse_http.h"
#include "storage/event_store.h"

namespace vigil {

struct ClickHouseStoreOptions {
  ClickHouseEndpoint endpoint;  // queries, DDL and (without a cluster) inserts
  std::string database = "vigil";
  std::string cluster;                     // a remote_servers name; empty: single node
  std::vector<ClickHouseEndpoint> shards;  // with a cluster: each shard's HTTP endpoint, in order
  std::chrono::milliseconds timeout{10000};
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

  // Whether rows of `batch_id` are in ClickHouse: per destination (one, or one per shard).
  Result<std::vector<bool>> BatchPresent(const std::string& batch_id, int64_t min_ts_ns,
                                         int64_t max_ts_ns);

 private:
  explicit ClickHouseEventStore(ClickHouseStoreOptions options);
  // Which of `events` are stored already (by identity); empty when none.
  Result<std::vector<bool>> AlreadyStored(std::span<const Event> events);
  std::string TenantCondition(const TenantFilter& tenants) const;

  ClickHouseStoreOptions options_;
  ClickHouseHttp main_;
  std::vector<std::unique_ptr<ClickHouseHttp>> shards_;  // empty without a cluster
  std::mutex append_mu_;
  int64_t next_seq_ = 1;
  uint64_t batch_counter_ = 0;
  std::string instance_;  // distinguishes batch ids of this process from earlier ones
};

}  // namespace vigil
