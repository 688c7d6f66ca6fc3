#pragma once
// The ClickHouse references for bench/ingest --backend clickhouse: the same rows inserted straight
// into ClickHouse over HTTP, without Vigil, in each input format Vigil could use.

#include <cstddef>
#include <cstdint>
#include <string>

namespace vigil::bench {

// Events/s of inserting `total` workload events (from base_ts) into DATABASE.events (created with
// Vigil's own schema) in batches of `batch` over `connections` keep-alive connections, gzip level
// 1 as Vigil sends them. format: "RowBinary" or "JSONEachRow". Without `rollup_views` the
// materialized views that keep the rollup tables are dropped first (the events table alone).
// 0 on failure (reason on stderr).
double ClickHouseReferenceInsert(const std::string& url, const std::string& database,
                                 const std::string& format, size_t total, size_t batch,
                                 int connections, int64_t base_ts, bool rollup_views = true);

// Rows in DATABASE.events.
int64_t ClickHouseCount(const std::string& url, const std::string& database);

}  // namespace vigil::bench
