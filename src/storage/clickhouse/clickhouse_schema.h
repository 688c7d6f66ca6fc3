#pragma once
// The ClickHouse schema and its migrations. Each server keeps the versions it applied in
// `DB.vigil_schema` (TinyLog); a migration runs once per server, in order, and is idempotent as
// a whole (IF NOT EXISTS, or drop-and-rebuild), so a crash between a statement and its version
// row is repaired by the next start. No ON CLUSTER: that needs ZooKeeper, which 18.16 clusters
// without replication do not have — Vigil runs the DDL on each shard itself.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/clickhouse/clickhouse_http.h"

namespace vigil {

// v1: events. v2: rollup_minute and rollup_hour, AggregatingMergeTree tables of rollup cells
// (count, sums, latency buckets as aggregate states) kept by materialized views on the events.
inline constexpr int kClickHouseSchemaVersion = 2;

// The key columns of a rollup cell, in the rollup tables' ORDER BY.
inline constexpr char kClickHouseRollupKeys[] =
    "tenant, use_case, layer, release, model, tool, error_base, metric";

// The rollup grains the schema keeps, with their bucket widths.
struct ClickHouseRollupGrain {
  const char* name;  // "minute", "hour": the tables' suffix
  int64_t width_ns;
};
inline constexpr ClickHouseRollupGrain kClickHouseRollupGrains[] = {{"minute", 60'000'000'000},
                                                                    {"hour", 3'600'000'000'000}};

// `day` and `bucket_ns` bounds for rollup cells whose buckets start in [from, to): the day bounds
// let ClickHouse skip whole partitions.
std::string ClickHouseRollupBucketCondition(int64_t from_ns, int64_t to_ns_exclusive);

// Where rollup cells of `grain` ("minute", "hour") are stored on a server: rollup_GRAIN, or
// with a cluster rollup_GRAIN_local (and a Distributed rollup_GRAIN over them).
std::string ClickHouseRollupTable(const std::string& grain, bool local);

// SELECT of the rollup cells (aggregate states, the rollup tables' columns) of `width_ns` over
// the rows of `source` matching `where` (empty: all).
std::string ClickHouseRollupStateSelect(const std::string& source, int64_t width_ns,
                                        const std::string& where);

// Migrates one server. `local_table` is where rows are stored on it ("events" without a cluster,
// "events_local" with one); with a non-empty `cluster` the Distributed `events` table over
// `local_table` is created too.
Status MigrateClickHouseServer(ClickHouseHttp& server, const std::string& database,
                               const std::string& local_table, const std::string& cluster);

// With a cluster: the cluster must be known to `server` and have `shards` shards.
Status CheckClickHouseCluster(ClickHouseHttp& server, const std::string& cluster, size_t shards);

}  // namespace vigil
