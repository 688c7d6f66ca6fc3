#include "storage/clickhouse/identity_cache.h"

#include <algorithm>
#include <limits>

namespace vigil {
namespace {

constexpr size_t kSlotBytes = sizeof(uint64_t) + sizeof(uint32_t);
constexpr size_t kInitialSlots = size_t{1} << 16;
constexpr int64_t kNanos = 1'000'000'000;
// Events arrive somewhat out of order: entries are kept this much longer than the window needs.
constexpr int64_t kMarginNs = 10 * 60 * kNanos;

uint64_t KeyOf(uint64_t identity) { return identity == 0 ? 1 : identity; }

uint32_t SecondOf(int64_t ts_ns) {
  if (ts_ns <= 0) return 0;
  return static_cast<uint32_t>(
      std::min<int64_t>(ts_ns / kNanos, std::numeric_limits<uint32_t>::max()));
}

size_t Mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return static_cast<size_t>(k);
}

}  // namespace

IdentityCache::IdentityCache(size_t max_bytes, int64_t window_ns) : window_ns_(window_ns) {
  max_slots_ = 0;
  if (max_bytes / kSlotBytes >= kInitialSlots) {
    max_slots_ = kInitialSlots;
    while (max_slots_ * 2 <= max_bytes / kSlotBytes) max_slots_ *= 2;
    keys_.assign(kInitialSlots, 0);
    seconds_.assign(kInitialSlots, 0);
  }
}

size_t IdentityCache::Find(uint64_t key) const {
  const size_t mask = keys_.size() - 1;
  size_t i = Mix(key) & mask;
  while (keys_[i] != 0 && keys_[i] != key) i = (i + 1) & mask;
  return i;
}

IdentityCache::Answer IdentityCache::Check(uint64_t identity, int64_t ts_ns) const {
  if (keys_.empty()) return Answer::kUnknown;
  if (keys_[Find(KeyOf(identity))] != 0) return Answer::kMaybeStored;
  const int64_t lowest = floor();
  if (lowest == INT64_MIN) return Answer::kNotStored;
  if (lowest == INT64_MAX) return Answer::kUnknown;
  // Could a stored event the cache does not know (ts < floor) be within the window of this one?
  const __int128 window_start = static_cast<__int128>(ts_ns) - window_ns_;
  return window_start >= lowest ? Answer::kNotStored : Answer::kUnknown;
}

void IdentityCache::Add(uint64_t identity, int64_t ts_ns) {
  if (keys_.empty()) return;
  newest_ns_ = std::max(newest_ns_, ts_ns);
  const uint64_t key = KeyOf(identity);
  const uint32_t second = SecondOf(ts_ns);
  const size_t slot = Find(key);
  if (keys_[slot] == key) {
    if (second > seconds_[slot]) {
      auto old = per_minute_.find(seconds_[slot] / 60);
      if (old != per_minute_.end() && --old->second == 0) per_minute_.erase(old);
      ++per_minute_[second / 60];
      seconds_[slot] = second;
    }
    return;
  }
  keys_[slot] = key;
  seconds_[slot] = second;
  ++size_;
  ++per_minute_[second / 60];
  if (size_ * 4 > keys_.size() * 3) {
    if (keys_.size() < max_slots_) {
      Rebuild(keys_.size() * 2, 0);
    } else {
      Evict();
    }
  }
}

void IdentityCache::Evict() {
  // Nothing older than the newest event minus the window (and a margin) can match a new event;
  // beyond that, the oldest minutes go until the table is at most half full.
  uint32_t keep_from = 0;
  const __int128 unmatched = static_cast<__int128>(newest_ns_) - window_ns_ - kMarginNs;
  if (unmatched > 0) keep_from = SecondOf(static_cast<int64_t>(unmatched)) / 60 * 60;
  size_t remaining = size_;
  for (const auto& [minute, count] : per_minute_) {
    const uint32_t minute_start = minute * 60;
    if (minute_start < keep_from) {
      remaining -= count;
      continue;
    }
    if (remaining <= keys_.size() / 2) break;
    keep_from = minute_start + 60;
    remaining -= count;
  }
  Rebuild(keys_.size(), keep_from);
  evicted_floor_ns_ = std::max(evicted_floor_ns_, static_cast<int64_t>(keep_from) * kNanos);
}

void IdentityCache::Rebuild(size_t capacity, uint32_t keep_from_second) {
  std::vector<uint64_t> old_keys(capacity, 0);
  std::vector<uint32_t> old_seconds(capacity, 0);
  old_keys.swap(keys_);
  old_seconds.swap(seconds_);
  size_ = 0;
  per_minute_.clear();
  for (size_t i = 0; i < old_keys.size(); ++i) {
    if (old_keys[i] == 0 || old_seconds[i] < keep_from_second) continue;
    const size_t slot = Find(old_keys[i]);
    keys_[slot] = old_keys[i];
    seconds_[slot] = old_seconds[i];
    ++size_;
    ++per_minute_[old_seconds[i] / 60];
  }
}

}  // namespace vigil
