#pragma once
// Summary: the four-layer view on-call engineers open first, computed from rollup rows only.
//
// Task: count, success rate, top failure classes. Inference: latency p50/p95/p99, tokens,
// retries, refusals, cost. Tool: success rate, latency quantiles, top error classes,
// idempotency collisions. Business: per metric count, value sum and rate per task (metric count
// ÷ task count in the range). Cost: total, average per minute, and a per-bucket series.
// Pure function of its input; thread-safe.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rollup/rollup.h"

namespace vigil {

struct ClassCount {
  std::string error_class;
  uint64_t count = 0;
};

struct LatencyQuantiles {
  double p50 = 0, p95 = 0, p99 = 0;
};

struct Summary {
  int64_t from_ns = 0, to_ns = 0;
  struct {
    uint64_t count = 0, errors = 0;
    double success_rate = 0;
    std::vector<ClassCount> failure_classes;  // most frequent first
  } task;
  struct {
    uint64_t count = 0, errors = 0, tokens_in = 0, tokens_out = 0, retries = 0, refusals = 0;
    LatencyQuantiles latency_ms;
    double cost_usd = 0;
  } inference;
  struct {
    uint64_t count = 0, errors = 0, collisions = 0;
    double success_rate = 0;
    LatencyQuantiles latency_ms;
    std::vector<ClassCount> error_classes;
  } tool;
  struct Metric {
    std::string name;
    uint64_t count = 0;
    double value_sum = 0;
    double rate_per_task = 0;
  };
  struct {
    uint64_t count = 0;
    std::vector<Metric> metrics;  // by name
  } business;
  struct CostPoint {
    int64_t bucket_ns = 0;
    int64_t width_ns = 0;
    double usd_per_minute = 0;
  };
  struct {
    double total_usd = 0;
    double per_minute_usd = 0;
    std::vector<CostPoint> series;  // by time
    // Events that carried tokens but no cost, of models without a price (never guessed).
    uint64_t unpriced_events = 0;
    std::vector<std::string> unpriced_models;  // sorted
  } cost;
};

inline constexpr size_t kTopClasses = 5;

Summary Summarize(std::span<const RollupRow> rows, int64_t from_ns, int64_t to_ns);

}  // namespace vigil
