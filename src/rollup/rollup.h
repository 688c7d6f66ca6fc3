#pragma once
// Rollups: per-key aggregates of events over minute and hour buckets, so summaries never scan
// raw events.
//
// Key: (tenant, use_case, layer, release, model, tool, error class, business metric). The error
// class is its base class ("timeout", not "timeout/connect") so the key space stays bounded by
// the closed vocabulary. A cell counts events, errors, retries, refusals, tokens, cost,
// business values, idempotency collisions, and holds a LatencySketch.
// Cells merge exactly (sums and sketch buckets add), so minute cells add up to hour cells and
// any range can be assembled from either. Thread-safety: value types.

#include <compare>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "model/event.h"
#include "stream/latency_sketch.h"

namespace vigil {

inline constexpr int64_t kMinuteNs = 60LL * 1'000'000'000;
inline constexpr int64_t kHourNs = 60 * kMinuteNs;

struct RollupKey {
  std::string tenant;
  std::string use_case;
  Layer layer = Layer::kTask;
  std::string release;
  std::string model;
  std::string tool;
  std::string error_class;  // base class
  std::string metric;
  auto operator<=>(const RollupKey&) const = default;

  static RollupKey Of(const Event& e);
};

// What every aggregate of events counts; shared by rollup cells and live-window buckets.
struct EventCounters {
  uint64_t count = 0;
  uint64_t errors = 0;
  uint64_t retries = 0;
  uint64_t refusals = 0;
  uint64_t tokens_in = 0;
  uint64_t tokens_out = 0;
  uint64_t collisions = 0;
  uint64_t unpriced = 0;  // events with tokens whose model has no price (pricing)
  double cost_usd = 0;
  double value_sum = 0;  // business layer only

  void Add(const Event& e);
  void Merge(const EventCounters& other);
  bool operator==(const EventCounters& other) const = default;
};

// Business outcomes carry no latency worth a quantile.
inline bool HasLatency(const Event& e) { return e.layer != Layer::kBusiness; }

struct RollupCell : EventCounters {
  LatencySketch latency;

  void Add(const Event& e);
  void Merge(const RollupCell& other);
  bool operator==(const RollupCell& other) const;
};

enum class RollupGrain : int64_t { kMinute = kMinuteNs, kHour = kHourNs };

struct RollupCellId {
  RollupGrain grain;
  int64_t bucket_ns;  // start of the bucket
  RollupKey key;
  auto operator<=>(const RollupCellId&) const = default;
};

using RollupDelta = std::map<RollupCellId, RollupCell>;

// Adds each event to its minute and hour cells.
void AccumulateRollups(std::span<const Event> events, RollupDelta& delta);
// As above, for the events whose `is_new` flag is set.
void AccumulateRollups(std::span<const Event> events, const std::vector<bool>& is_new,
                       RollupDelta& delta);

int64_t BucketStart(RollupGrain grain, int64_t ts_ns);

// One rollup row as read back by a query.
struct RollupRow {
  int64_t bucket_ns = 0;
  RollupGrain grain = RollupGrain::kMinute;
  RollupKey key;
  RollupCell cell;
};

// The plan for covering [from, to) with as few cells as possible: whole hours from hour cells,
// the edges from minute cells. The range is first widened to whole minutes. With `coarsest`
// kMinute the whole range is read from minute cells.
struct RollupPlanPart {
  RollupGrain grain;
  int64_t from_ns;  // bucket starts in [from_ns, to_ns)
  int64_t to_ns;
};
std::vector<RollupPlanPart> PlanRollupRead(int64_t from_ns, int64_t to_ns,
                                           RollupGrain coarsest = RollupGrain::kHour);

}  // namespace vigil
