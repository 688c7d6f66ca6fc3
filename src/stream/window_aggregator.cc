#include "stream/window_aggregator.h"

#include <algorithm>

namespace vigil {

void CompactSketch::Add(double value) {
  if (!(value >= 0)) return;  // also rejects NaN
  sum_ += value;
  if (value > max_) max_ = value;
  if (value < LatencySketch::kMinValue) {
    ++zero_;
    return;
  }
  const int32_t index = LatencySketch::IndexOf(value);
  auto it = std::lower_bound(bins_.begin(), bins_.end(), index,
                             [](const auto& bin, int32_t i) { return bin.first < i; });
  if (it != bins_.end() && it->first == index) {
    ++it->second;
  } else {
    bins_.insert(it, {index, 1});
  }
}

void CompactSketch::Merge(const CompactSketch& other) {
  for (const auto& [index, count] : other.bins_) {
    auto it = std::lower_bound(bins_.begin(), bins_.end(), index,
                               [](const auto& bin, int32_t i) { return bin.first < i; });
    if (it != bins_.end() && it->first == index) {
      it->second += count;
    } else {
      bins_.insert(it, {index, count});
    }
  }
  zero_ += other.zero_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

void CompactSketch::MergeInto(LatencySketch& out) const {
  for (const auto& [index, count] : bins_) out.AddBucketCount(index, count);
  if (zero_ > 0) out.AddZeroCount(zero_);
  out.AddSumAndMax(sum_, max_);
}

WindowAggregator::WindowAggregator(const Clock& clock, size_t max_keys)
    : clock_(clock), max_keys_(max_keys) {}

void WindowAggregator::AddTo(std::deque<Bucket>& ring, int64_t second, const Event& e,
                             int64_t keep_seconds) {
  if (ring.empty() || ring.back().second != second) ring.push_back(Bucket{second, {}, {}});
  Bucket& b = ring.back();
  b.stats.Add(e);
  if (HasLatency(e)) b.latency.Add(e.latency_ms);
  while (!ring.empty() && ring.front().second <= second - keep_seconds) ring.pop_front();
}

void WindowAggregator::Add(std::span<const Event> events) { Add(events, std::vector<bool>()); }

void WindowAggregator::Add(std::span<const Event> events, const std::vector<bool>& is_new) {
  const int64_t now_s = clock_.NowNanos() / 1'000'000'000;
  const int64_t coarse_s = now_s - now_s % kCoarseWidth;
  std::lock_guard<std::mutex> lock(mu_);
  if (first_add_ns_ == 0 && !events.empty()) first_add_ns_ = clock_.NowNanos();
  for (size_t i = 0; i < events.size(); ++i) {
    if (i < is_new.size() && !is_new[i]) continue;
    const Event& e = events[i];
    RollupKey key = RollupKey::Of(e);
    auto it = keys_.find(key);
    if (it == keys_.end()) {
      if (keys_.size() >= max_keys_) {
        ++dropped_;
        continue;
      }
      it = keys_.emplace(std::move(key), KeyState{}).first;
    }
    KeyState& state = it->second;
    AddTo(state.fine, now_s, e, kFineSeconds);
    AddTo(state.coarse, coarse_s, e, kCoarseSeconds);
    state.last_second = now_s;
  }
}

void WindowAggregator::Query(
    int64_t window_ns, const std::function<bool(const RollupKey&)>& match,
    const std::function<void(const RollupKey&, const WindowResult&)>& visit) const {
  QueryRange(window_ns, 0, match, visit);
}

void WindowAggregator::QueryRange(
    int64_t length_ns, int64_t end_ago_ns, const std::function<bool(const RollupKey&)>& match,
    const std::function<void(const RollupKey&, const WindowResult&)>& visit) const {
  const int64_t end_s = (clock_.NowNanos() - end_ago_ns) / 1'000'000'000;
  const int64_t length_s = std::max<int64_t>(1, length_ns / 1'000'000'000);
  const int64_t start_s = end_s - length_s;  // buckets in (start_s, end_s]
  const bool fine = (clock_.NowNanos() / 1'000'000'000 - start_s) <= kFineSeconds;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, state] : keys_) {
    if (!match(key)) continue;
    WindowResult result;
    const std::deque<Bucket>& ring = fine ? state.fine : state.coarse;
    // Walk from the newest bucket back; rings are in time order.
    for (auto it = ring.rbegin(); it != ring.rend(); ++it) {
      if (it->second <= start_s) break;
      if (it->second > end_s) continue;
      result.stats.Merge(it->stats);
      it->latency.MergeInto(result.latency);
    }
    if (result.stats.count > 0) visit(key, result);
  }
}

void WindowAggregator::ExpireIdle() {
  const int64_t now_s = clock_.NowNanos() / 1'000'000'000;
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(keys_,
                [&](const auto& kv) { return kv.second.last_second <= now_s - kCoarseSeconds; });
}

int64_t WindowAggregator::HistoryNs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_add_ns_ == 0 ? 0 : clock_.NowNanos() - first_add_ns_;
}

size_t WindowAggregator::keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

uint64_t WindowAggregator::dropped_events() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

size_t WindowAggregator::ApproximateBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t bytes = 0;
  for (const auto& [key, state] : keys_) {
    bytes += sizeof(key) + sizeof(state) + 64;  // map node
    bytes += key.tenant.capacity() + key.use_case.capacity() + key.release.capacity() +
             key.model.capacity() + key.tool.capacity() + key.error_class.capacity() +
             key.metric.capacity();
    for (const auto* ring : {&state.fine, &state.coarse}) {
      for (const Bucket& b : *ring) bytes += sizeof(Bucket) + b.latency.bytes();
    }
  }
  return bytes;
}

}  // namespace vigil
