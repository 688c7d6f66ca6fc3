#pragma once
// The ClickHouse schema and its migrations. Each server keeps the versions it applied in
// `DB.vigil_schema` (TinyLog); a migration runs once per server, in order, and every statement
// is idempotent (IF NOT EXISTS), so a crash between a statement and its version row is repaired
// by the next start. No ON CLUSTER: that needs ZooKeeper, which 18.16 clusters without
// replication do not have — Vigil runs the DDL on each shard itself.

#include <string>
#include <vector>

#include "common/status.h"
#include "storage/clickhouse/clickhouse_http.h"

namespace vigil {

inline constexpr int kClickHouseSchemaVersion = 1;

// Migrates one server. `local_table` is where rows are stored on it ("events" without a cluster,
// "events_local" with one); with a non-empty `cluster` the Distributed `events` table over
// `local_table` is created too.
Status MigrateClickHouseServer(ClickHouseHttp& server, const std::string& database,
                               const std::string& local_table, const std::string& cluster);

// With a cluster: the cluster must be known to `server` and have `shards` shards.
Status CheckClickHouseCluster(ClickHouseHttp& server, const std::string& cluster, size_t shards);

}  // namespace vigil
