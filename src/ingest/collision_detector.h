#pragma once
// CollisionDetector: marks tool events whose idempotency key collides — the tool-layer signal
// that an agent retried an action under a key another request already used (a double refund in
// the making), or that a tool reported error_class idempotency_collision itself.
//
// Rule: a tool event with an idempotency_key is a collision when the same (tenant, tool, key)
// was used by a different request_id within `window` (24 h) of event time. Runs as an ingest
// subscriber *before* the store writer, so the flag is stored with the event and counted in the
// rollups. A re-sent duplicate carries the same request_id and never counts.
//
// Memory is bounded: at most `max_keys` keys are remembered (as 64-bit hashes of the key and
// of the request id, ~100 bytes each with the map and LRU overhead); the least recently used is
// evicted first (counted in vigil_idempotency_keys_evicted_total), and keys older than the
// window are dropped. After a restart the memory starts empty. A 64-bit hash collision could
// merge two keys — at 10^6 keys the odds are ~10^-7.
// Thread-safety: OnGroup runs on the pipeline's writer thread; Stats() may be called anywhere.

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ingest/ingest_pipeline.h"
#include "metrics/metrics.h"

namespace vigil {

struct CollisionDetectorOptions {
  size_t max_keys = 500'000;
  int64_t window_ns = 24LL * 3600 * 1'000'000'000;
};

class CollisionDetector final : public IngestSubscriber {
 public:
  CollisionDetector(CollisionDetectorOptions options, MetricsRegistry* metrics = nullptr);

  std::string_view Name() const override { return "idempotency"; }
  Status OnGroup(IngestGroup& group) override;

  struct Stats {
    size_t keys = 0;
    uint64_t collisions = 0;
    uint64_t evicted = 0;
  };
  Stats GetStats() const;

 private:
  struct Entry {
    uint64_t request_hash;
    int64_t last_ts_ns;
    std::list<uint64_t>::iterator lru;
  };
  void Check(Event& e);
  void Touch(Entry& entry);

  const CollisionDetectorOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Entry> entries_;  // key: hash of (tenant, tool, key)
  std::list<uint64_t> lru_;                      // front: most recently used
  Stats stats_;
  Counter* collisions_metric_ = nullptr;
  Counter* evicted_metric_ = nullptr;
};

}  // namespace vigil
