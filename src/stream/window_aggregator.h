#pragma once
// WindowAggregator: live sliding-window statistics per key, fed by the ingest pipeline and read
// by the rule engine on every tick.
//
// Per key (tenant, use_case, layer, release, model, tool, base error class, metric — the rollup
// key) two rings of buckets by *arrival* time from the injected Clock: 1-second buckets for the
// last 5 minutes and 10-second buckets for the last 2 hours (a window of up to 1 h plus a
// baseline before it). A window (now − W, now] holds the buckets that start inside it. Only buckets
// that saw events exist, so memory grows with active keys × buckets and never with events. A bucket
// holds count, errors, retries, refusals, tokens, cost, business value, collisions and a compact
// latency sketch (sparse DDSketch bins, merged into a LatencySketch at query time). Keys idle for
// longer than the longest window expire; at most `max_keys` keys are kept and events of further
// keys are dropped and counted (dropped_events()).
//
// Query(): merges the buckets inside [now − window, now] of every key accepted by a predicate,
// windows ≤ 5 min at 1 s resolution, longer ones at 10 s. Thread-safety: all methods may be
// called concurrently (one mutex; the writer holds it per group, readers per query).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "model/event.h"
#include "rollup/rollup.h"
#include "stream/latency_sketch.h"

namespace vigil {

// Sparse latency bins of one bucket: few events → few bins.
class CompactSketch {
 public:
  void Add(double value);
  void MergeInto(LatencySketch& out) const;
  void Merge(const CompactSketch& other);
  size_t bytes() const { return bins_.capacity() * sizeof(bins_[0]); }

 private:
  std::vector<std::pair<int32_t, uint32_t>> bins_;  // sorted by bucket index
  uint32_t zero_ = 0;
  double sum_ = 0;
  double max_ = 0;
};

using WindowStats = EventCounters;

struct WindowResult {
  WindowStats stats;
  LatencySketch latency;
};

class WindowAggregator {
 public:
  static constexpr int64_t kFineSeconds = 300;     // 1 s buckets
  static constexpr int64_t kCoarseSeconds = 7200;  // 10 s buckets: a 1 h window + 1 h baseline
  static constexpr int64_t kCoarseWidth = 10;

  WindowAggregator(const Clock& clock, size_t max_keys = 100'000);

  void Add(std::span<const Event> events);
  // Adds only the events flagged new (skips duplicates).
  void Add(std::span<const Event> events, const std::vector<bool>& is_new);

  // Calls `visit(key, result)` for each key accepted by `match` with data in the window.
  void Query(int64_t window_ns, const std::function<bool(const RollupKey&)>& match,
             const std::function<void(const RollupKey&, const WindowResult&)>& visit) const;
  // As Query() but for [now − end_ago − length, now − end_ago): a window that ends in the past
  // (baselines that exclude the current window).
  void QueryRange(int64_t length_ns, int64_t end_ago_ns,
                  const std::function<bool(const RollupKey&)>& match,
                  const std::function<void(const RollupKey&, const WindowResult&)>& visit) const;

  // Drops keys idle for longer than the coarse ring; called by the owner periodically.
  void ExpireIdle();
  // How long the aggregator has been receiving events (0 before the first); relative
  // thresholds need a full baseline of history.
  int64_t HistoryNs() const;

  size_t keys() const;
  uint64_t dropped_events() const;
  size_t ApproximateBytes() const;

 private:
  struct Bucket {
    int64_t second;  // start, unix seconds (arrival time)
    WindowStats stats;
    CompactSketch latency;
  };
  struct KeyState {
    std::deque<Bucket> fine;    // 1 s buckets, oldest first
    std::deque<Bucket> coarse;  // 10 s buckets, oldest first
    int64_t last_second = 0;
  };
  static void AddTo(std::deque<Bucket>& ring, int64_t second, const Event& e, int64_t keep_seconds);

  const Clock& clock_;
  const size_t max_keys_;
  mutable std::mutex mu_;
  std::map<RollupKey, KeyState> keys_;
  uint64_t dropped_ = 0;
  int64_t first_add_ns_ = 0;
};

}  // namespace vigil
