#pragma once
// Time series: the four layers per time bucket, for the dashboard's charts, computed from
// rollup rows only (never raw events), so a chart over 7 days of 10 M events reads a few
// thousand rows.
//
// Contract:
//  - ChooseStep() picks the smallest "nice" step (1m, 5m, 15m, 1h, 6h, 1d) that keeps a range
//    within kMaxPoints buckets; ValidateStep() checks a caller's step against the same limits.
//  - BuildTimeSeries() returns one point per step bucket in [from, to), empty buckets included
//    (counts 0, quantiles 0), so a chart's x axis is regular and gaps are visible as zeros.
//    Buckets start at multiples of the step since the epoch (UTC), like rollup buckets.
//  - Rows are placed by their own bucket start. A row coarser than the step (an hour cell under
//    a 5-minute step) lands wholly in the step bucket of its start: read with
//    RollupQuery::coarsest_grain = kMinute when the step is under an hour (NeedsMinuteCells).
// Pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "rollup/rollup.h"

namespace vigil {

inline constexpr int64_t kMaxSeriesPoints = 1500;
inline constexpr int64_t kTargetSeriesPoints = 200;

struct LayerPoint {
  int64_t bucket_ns = 0;
  // task
  uint64_t tasks = 0, task_errors = 0;
  // inference
  uint64_t model_calls = 0, model_errors = 0, tokens_in = 0, tokens_out = 0, retries = 0,
           refusals = 0;
  double inference_p50_ms = 0, inference_p95_ms = 0;
  // tool
  uint64_t tool_calls = 0, tool_errors = 0, collisions = 0;
  double tool_p95_ms = 0;
  // business: metric → outcomes in the bucket
  std::map<std::string, uint64_t> business;
  double cost_usd = 0;
};

struct TimeSeries {
  int64_t from_ns = 0, to_ns = 0, step_ns = 0;
  std::vector<LayerPoint> points;    // by time, one per bucket
  std::vector<std::string> metrics;  // business metric names seen, sorted
};

int64_t ChooseStep(int64_t from_ns, int64_t to_ns);
Status ValidateStep(int64_t step_ns, int64_t from_ns, int64_t to_ns);
inline bool NeedsMinuteCells(int64_t step_ns) { return step_ns < kHourNs || step_ns % kHourNs; }

TimeSeries BuildTimeSeries(std::span<const RollupRow> rows, int64_t from_ns, int64_t to_ns,
                           int64_t step_ns);

}  // namespace vigil
