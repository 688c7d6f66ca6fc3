#include "ingest/collision_detector.h"

#include "model/error_class.h"

namespace vigil {

CollisionDetector::CollisionDetector(CollisionDetectorOptions options, MetricsRegistry* metrics)
    : options_(options) {
  if (metrics != nullptr) {
    collisions_metric_ = &metrics->GetCounter("vigil_idempotency_collisions_total",
                                              "Tool events flagged as idempotency collisions.");
    evicted_metric_ =
        &metrics->GetCounter("vigil_idempotency_keys_evicted_total",
                             "Idempotency keys forgotten early because the key cap was reached.");
    metrics->AddCallbackGauge("vigil_idempotency_keys", "Idempotency keys remembered.",
                              [this] { return static_cast<double>(GetStats().keys); });
  }
}

Status CollisionDetector::OnGroup(IngestGroup& group) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Event& e : group.events) Check(e);
  return Status::Ok();
}

void CollisionDetector::Touch(Entry& entry) { lru_.splice(lru_.begin(), lru_, entry.lru); }

void CollisionDetector::Check(Event& e) {
  if (e.layer != Layer::kTool) return;
  bool collision = ErrorClassBase(e.error_class) == "idempotency_collision";
  if (!e.idempotency_key.empty() && !e.request_id.empty()) {
    // Length-prefixed parts keep ("a", "bc") and ("ab", "c") apart.
    std::string text = std::to_string(e.tenant.size()) + ":" + e.tenant +
                       std::to_string(e.tool.size()) + ":" + e.tool + e.idempotency_key;
    const uint64_t key = std::hash<std::string>{}(text);
    const uint64_t request_hash = std::hash<std::string>{}(e.request_id);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      Entry& entry = it->second;
      int64_t age = e.ts_ns - entry.last_ts_ns;
      if (age < 0) age = -age;
      if (age <= options_.window_ns && entry.request_hash != request_hash) collision = true;
      if (age > options_.window_ns) entry.request_hash = request_hash;
      if (e.ts_ns > entry.last_ts_ns) entry.last_ts_ns = e.ts_ns;
      Touch(entry);
    } else {
      lru_.push_front(key);
      entries_.emplace(key, Entry{request_hash, e.ts_ns, lru_.begin()});
      while (entries_.size() > options_.max_keys) {
        entries_.erase(lru_.back());
        lru_.pop_back();
        ++stats_.evicted;
        if (evicted_metric_) evicted_metric_->Inc();
      }
    }
    // Keys unused for longer than the window can never collide again: drop them.
    while (!lru_.empty()) {
      auto last = entries_.find(lru_.back());
      if (last == entries_.end() || e.ts_ns - last->second.last_ts_ns <= options_.window_ns) break;
      entries_.erase(last);
      lru_.pop_back();
    }
  }
  if (collision) {
    e.idempotency_collision = true;
    ++stats_.collisions;
    if (collisions_metric_) collisions_metric_->Inc();
  }
}

CollisionDetector::Stats CollisionDetector::GetStats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.keys = entries_.size();
  return s;
}

}  // namespace vigil
