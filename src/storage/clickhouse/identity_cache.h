#pragma once
// IdentityCache: the identity hashes of the events this process has stored (or spooled) in
// ClickHouse, so the duplicate check can skip ClickHouse for events it has never seen.
//
// Contract:
//  - Check() answers kMaybeStored when the identity hash was added (a hash can collide and an
//    entry can outlive a failed insert, so the caller confirms against ClickHouse), kNotStored
//    when it was not and every stored event that could match — those with ts within `window_ns`
//    of the event — is known to the cache, and kUnknown otherwise (ask ClickHouse).
//  - "Known" means: stored events with ts at or after floor() were all added. The owner sets the
//    floor above anything stored before the cache existed (SetFloor); the cache raises it itself
//    when it evicts old entries to stay within max_bytes (oldest minutes first, and anything
//    older than the newest ts seen minus the window and a margin, which no new event can match).
//  - Memory: 12 bytes a slot (hash + seconds), at most 3/4 full, grown by doubling up to
//    max_bytes; max_bytes 0 disables the cache (every answer kUnknown).
//  - Not thread-safe: the store calls it under its append lock.

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace vigil {

class IdentityCache {
 public:
  IdentityCache(size_t max_bytes, int64_t window_ns);

  enum class Answer { kNotStored, kMaybeStored, kUnknown };
  Answer Check(uint64_t identity, int64_t ts_ns) const;
  void Add(uint64_t identity, int64_t ts_ns);

  // The owner's floor: stored events with ts below it may be unknown to the cache (INT64_MAX:
  // nothing is known, every absent identity is kUnknown). floor() is the higher of it and the
  // floor eviction has raised.
  void SetFloor(int64_t floor_ns) { owner_floor_ns_ = floor_ns; }
  int64_t floor() const {
    return owner_floor_ns_ > evicted_floor_ns_ ? owner_floor_ns_ : evicted_floor_ns_;
  }
  size_t size() const { return size_; }
  size_t bytes() const { return keys_.size() * (sizeof(uint64_t) + sizeof(uint32_t)); }

 private:
  size_t Find(uint64_t key) const;  // the slot holding key, or the empty slot where it would go
  void Rebuild(size_t capacity, uint32_t keep_from_second);
  void Evict();

  size_t max_slots_;
  int64_t window_ns_;
  int64_t owner_floor_ns_ = INT64_MIN;
  int64_t evicted_floor_ns_ = INT64_MIN;
  int64_t newest_ns_ = INT64_MIN;
  std::vector<uint64_t> keys_;     // 0: empty
  std::vector<uint32_t> seconds_;  // the newest ts added for the key, in whole seconds
  size_t size_ = 0;
  std::map<uint32_t, size_t> per_minute_;  // entries by minute of their ts, to pick what to evict
};

}  // namespace vigil
