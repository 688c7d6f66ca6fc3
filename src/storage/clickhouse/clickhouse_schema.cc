#include "storage/clickhouse/clickhouse_schema.h"

#include <cstdlib>

#include "storage/clickhouse/clickhouse_rows.h"

namespace vigil {
namespace {

struct Migration {
  int version;
  std::vector<std::string> statements;
};

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
  return {{1, v1}};
}

}  // namespace

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
