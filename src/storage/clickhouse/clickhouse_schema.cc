#include "storage/clickhouse/clickhouse_schema.h"

#include <cstdlib>

#include "storage/clickhouse/clickhouse_rows.h"

namespace vigil {
namespace {

struct Migration {
  int version;
  std::vector<std::string> statements;
};

// The state columns of a rollup cell: the sums of RollupCell and the LatencySketch's buckets.
const char kRollupColumnsDdl[] =
    "day Date, bucket_ns Int64, tenant String, use_case String, layer UInt8, release String, "
    "model String, tool String, error_base String, metric String, n AggregateFunction(count), "
    "errors AggregateFunction(sum, UInt8), retries AggregateFunction(sum, Int64), "
    "refusals AggregateFunction(sum, UInt8), tokens_in AggregateFunction(sum, Int64), "
    "tokens_out AggregateFunction(sum, Int64), collisions AggregateFunction(sum, UInt8), "
    "unpriced AggregateFunction(sum, UInt8), cost AggregateFunction(sum, Float64), "
    "value_sum AggregateFunction(sum, Float64), "
    "latency AggregateFunction(sumMap, Array(Int32), Array(UInt64)), "
    "latency_sum AggregateFunction(sum, Float64), latency_max AggregateFunction(max, Float64)";

}  // namespace

std::string ClickHouseRollupStateSelect(const std::string& source, int64_t width_ns,
                                        const std::string& where) {
  const std::string w = std::to_string(width_ns);
  const std::string no_latency = std::to_string(kNoLatency);
  return "SELECT day, intDiv(ts_ns, " + w + ") * " + w + " AS bucket_ns, " + kClickHouseRollupKeys +
         ", countState() AS n, sumState(status) AS errors, sumState(retries) AS retries, "
         "sumState(refusal) AS refusals, sumState(tokens_in) AS tokens_in, "
         "sumState(tokens_out) AS tokens_out, sumState(collision) AS collisions, "
         "sumState(unpriced) AS unpriced, sumState(cost_usd) AS cost, "
         "sumState(if(layer = 3, value, 0)) AS value_sum, "
         "sumMapState([latency_bucket], [toUInt64(1)]) AS latency, sumState(if(latency_bucket = " +
         no_latency +
         ", 0, latency_ms)) AS latency_sum, maxState(if(latency_bucket = " + no_latency +
         ", 0, latency_ms)) AS latency_max FROM " + source +
         (where.empty() ? "" : " WHERE " + where) + " GROUP BY day, bucket_ns, " +
         kClickHouseRollupKeys;
}

namespace {

std::vector<Migration> Migrations(const std::string& db, const std::string& local,
                                  const std::string& cluster) {
  std::vector<std::string> v1 = {
      "CREATE TABLE IF NOT EXISTS " + db + "." + local + " (" + kEventColumnsDdl +
      ") ENGINE = MergeTree() PARTITION BY day ORDER BY (tenant, ts_ns, seq)"};
  if (!cluster.empty()) {
    // Rows are routed by Vigil (by trace_id), so the Distributed table's own sharding key only
    // matters for inserts Vigil never makes; it is the same expression for consistency.
    v1.push_back("CREATE TABLE IF NOT EXISTS " + db + ".events (" + kEventColumnsDdl +
                 ") ENGINE = Distributed(" + cluster + ", " + db + ", " + local +
                 ", cityHash64(trace_id))");
  }
  // v2: minute and hour rollup cells kept by materialized views (bench/summary: a 24 h summary
  // over 10 M events took 1.8 s by GROUP BY at read time). Rerun-safe as a whole: the tables are
  // dropped and rebuilt from the events, and Vigil inserts nothing until its migrations are done.
  std::vector<std::string> v2;
  for (const auto& [grain, width] : kClickHouseRollupGrains) {
    const std::string name = std::string("rollup_") + grain;
    const std::string table = ClickHouseRollupTable(grain, !cluster.empty());
    v2.push_back("DROP TABLE IF EXISTS " + db + "." + name + "_view");
    if (!cluster.empty()) v2.push_back("DROP TABLE IF EXISTS " + db + "." + name);
    v2.push_back("DROP TABLE IF EXISTS " + db + "." + table);
    v2.push_back("CREATE TABLE " + db + "." + table + " (" + kRollupColumnsDdl +
                 ") ENGINE = AggregatingMergeTree() PARTITION BY day ORDER BY (tenant, bucket_ns, "
                 "use_case, layer, release, model, tool, error_base, metric)");
    v2.push_back("INSERT INTO " + db + "." + table + " " +
                 ClickHouseRollupStateSelect(db + "." + local, width, ""));
    v2.push_back("CREATE MATERIALIZED VIEW " + db + "." + name + "_view TO " + db + "." + table +
                 " AS " + ClickHouseRollupStateSelect(db + "." + local, width, ""));
    if (!cluster.empty()) {
      v2.push_back("CREATE TABLE " + db + "." + name + " AS " + db + "." + table +
                   " ENGINE = Distributed(" + cluster + ", " + db + ", " + table + ")");
    }
  }
  return {{1, v1}, {2, v2}};
}

}  // namespace

std::string ClickHouseRollupBucketCondition(int64_t from_ns, int64_t to_ns_exclusive) {
  return "day >= " + ClickHouseDayLiteral(from_ns) +
         " AND day <= " + ClickHouseDayLiteral(to_ns_exclusive - 1) +
         " AND bucket_ns >= " + std::to_string(from_ns) + " AND bucket_ns < " +
         std::to_string(to_ns_exclusive);
}

std::string ClickHouseRollupTable(const std::string& grain, bool local) {
  return "rollup_" + grain + (local ? "_local" : "");
}

Status MigrateClickHouseServer(ClickHouseHttp& server, const std::string& database,
                               const std::string& local_table, const std::string& cluster) {
  Result<std::string> r = server.Query("CREATE DATABASE IF NOT EXISTS " + database);
  if (!r.ok()) return r.status();
  r = server.Query("CREATE TABLE IF NOT EXISTS " + database +
                   ".vigil_schema (version UInt32, applied_at DateTime) ENGINE = TinyLog");
  if (!r.ok()) return r.status();
  r = server.Query("SELECT max(version) FROM " + database + ".vigil_schema");
  if (!r.ok()) return r.status();
  const int current = std::atoi(r->c_str());
  if (current > kClickHouseSchemaVersion) {
    return Status::FailedPrecondition("the ClickHouse schema at " + server.url() + " is version " +
                                      std::to_string(current) + ", newer than this vigil knows (" +
                                      std::to_string(kClickHouseSchemaVersion) +
                                      "); upgrade vigil");
  }
  for (const Migration& m : Migrations(database, local_table, cluster)) {
    if (m.version <= current) continue;
    for (const std::string& sql : m.statements) {
      r = server.Query(sql);
      if (!r.ok()) return r.status();
    }
    r = server.Query("INSERT INTO " + database + ".vigil_schema VALUES (" +
                     std::to_string(m.version) + ", now())");
    if (!r.ok()) return r.status();
  }
  return Status::Ok();
}

Status CheckClickHouseCluster(ClickHouseHttp& server, const std::string& cluster, size_t shards) {
  Result<std::string> r =
      server.Query("SELECT count(DISTINCT shard_num) FROM system.clusters WHERE cluster = " +
                   ClickHouseQuote(cluster));
  if (!r.ok()) return r.status();
  const size_t known = static_cast<size_t>(std::strtoull(r->c_str(), nullptr, 10));
  if (known == 0) {
    return Status::InvalidArgument(
        "cluster " + cluster + " is not in the remote_servers of " + server.url(),
        "storage.clickhouse.cluster");
  }
  if (known != shards) {
    return Status::InvalidArgument("cluster " + cluster + " has " + std::to_string(known) +
                                       " shards but " + std::to_string(shards) +
                                       " shard URLs are configured",
                                   "storage.clickhouse.shards");
  }
  return Status::Ok();
}

}  // namespace vigil
