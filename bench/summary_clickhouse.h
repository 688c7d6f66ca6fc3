#pragma once
// The ClickHouse side of bench/summary: the same events loaded into ClickHouseEventStore on a
// ClickHouse server started here, and the 24 h summary timed the way Vigil answers it (rollup
// cells kept by AggregatingMergeTree materialized views) and the way it could (the same cells by
// GROUP BY over the events at read time), with a raw GROUP BY reference like SQLite's.

#include <cstddef>
#include <cstdint>
#include <string>

namespace vigil::bench {

struct ClickHouseSummaryFigures {
  std::string error;  // empty when measured
  double load_s = 0;
  double in_process_ms = 0;  // ReadRollups (the rollup tables) + Summarize, median
  double http_ms = 0;        // GET /v1/summary?from=-24h on vigil serve with this store, median
  double series_day_ms = 0;  // GET /v1/timeseries?from=-24h, median
  double reference_ms = 0;   // counts and sums by layer/error_class/metric, no quantiles, median
  double group_by_ms = 0;    // the same rollup rows by GROUP BY over the events, median
  uint64_t tasks_rollups = 0, tasks_reference = 0, tasks_group_by = 0;
  uint64_t minute_cells = 0, hour_cells = 0;  // rows of the rollup tables after merges
};

// Loads `total` workload events spread over [now - day, now) (`interval` apart per request),
// then measures; ClickHouse keeps its data under `clickhouse_dir`, vigil's under `work_dir`.
ClickHouseSummaryFigures MeasureClickHouseSummary(size_t total, int queries, int64_t now,
                                                  int64_t day, int64_t interval,
                                                  const std::string& work_dir,
                                                  const std::string& clickhouse_dir);

}  // namespace vigil::bench
