#include "storage/clickhouse/identity_cache.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace vigil {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kHour = 3600 * kSec;
const int64_t kNow = 1'800'000'000 * kSec;

using Answer = IdentityCache::Answer;

TEST(IdentityCacheTest, KnowsWhatWasAddedAndAnswersNotStoredOnlyAboveTheFloor) {
  IdentityCache cache(64 << 20, kHour);
  EXPECT_EQ(cache.Check(42, kNow), Answer::kNotStored);  // nothing stored before it existed
  cache.Add(42, kNow);
  EXPECT_EQ(cache.Check(42, kNow), Answer::kMaybeStored);
  EXPECT_EQ(cache.Check(42, kNow + 5 * kHour), Answer::kMaybeStored);
  EXPECT_EQ(cache.Check(0, kNow), Answer::kNotStored);  // hash 0 is a key like any other
  cache.Add(0, kNow);
  EXPECT_EQ(cache.Check(0, kNow), Answer::kMaybeStored);

  // Events up to kNow were stored before the cache: only events a window later are known.
  cache.SetFloor(kNow + 1);
  EXPECT_EQ(cache.Check(7, kNow + 30 * 60 * kSec), Answer::kUnknown);
  EXPECT_EQ(cache.Check(7, kNow + kHour + 1), Answer::kNotStored);
  EXPECT_EQ(cache.Check(42, kNow - kHour), Answer::kMaybeStored);
  cache.SetFloor(INT64_MAX);  // e.g. a spool from an earlier run not yet replayed
  EXPECT_EQ(cache.Check(7, kNow + 100 * kHour), Answer::kUnknown);
  EXPECT_EQ(cache.Check(42, kNow), Answer::kMaybeStored);
}

TEST(IdentityCacheTest, DisabledCacheAlwaysDefersToClickHouse) {
  IdentityCache cache(0, kHour);
  cache.Add(1, kNow);
  EXPECT_EQ(cache.Check(1, kNow), Answer::kUnknown);
  EXPECT_EQ(cache.Check(2, kNow), Answer::kUnknown);
  EXPECT_EQ(cache.bytes(), 0u);
}

// Whatever it evicts to stay within its memory, the cache never answers kNotStored for an
// identity that was added (that would store a duplicate); it answers kUnknown instead.
TEST(IdentityCacheTest, StaysWithinItsMemoryAndNeverForgetsSilently) {
  const size_t max_bytes = 2 << 20;  // 2^17 slots of 12 bytes
  // Half the table (what eviction leaves) holds ~65 s of events: more than the window.
  IdentityCache cache(max_bytes, 30 * kSec);
  std::mt19937_64 rng(7);
  std::vector<std::pair<uint64_t, int64_t>> added;
  for (int i = 0; i < 600'000; ++i) {
    // ~1,000 events a second, a few seconds out of order.
    const int64_t ts = kNow + static_cast<int64_t>(i) * kSec / 1000 +
                       static_cast<int64_t>(rng() % 5000) * kSec / 1000;
    const uint64_t id = rng();
    cache.Add(id, ts);
    added.emplace_back(id, ts);
    ASSERT_LE(cache.bytes(), max_bytes);
  }
  EXPECT_GT(cache.floor(), kNow) << "eviction raised the floor";
  size_t maybe = 0, unknown = 0;
  for (const auto& [id, ts] : added) {
    const Answer a = cache.Check(id, ts);
    ASSERT_NE(a, Answer::kNotStored);
    (a == Answer::kMaybeStored ? maybe : unknown)++;
  }
  EXPECT_GT(maybe, 50'000u) << "recent identities are still known";
  EXPECT_GT(unknown, 0u) << "the oldest ones were evicted";
  // The window still fits in what is kept: a fresh identity is answered without ClickHouse.
  EXPECT_EQ(cache.Check(rng(), added.back().second + kSec), Answer::kNotStored);
  EXPECT_LT(cache.size(), (max_bytes / 12) * 3 / 4 + 1);
}

TEST(IdentityCacheTest, GrowsBeforeItEvicts) {
  IdentityCache cache(256 << 20, kHour);
  for (uint64_t i = 1; i <= 200'000; ++i) cache.Add(i * 0x9E3779B97F4A7C15ULL, kNow);
  EXPECT_EQ(cache.size(), 200'000u);
  EXPECT_EQ(cache.floor(), INT64_MIN) << "nothing was evicted";
  for (uint64_t i = 1; i <= 200'000; ++i) {
    ASSERT_EQ(cache.Check(i * 0x9E3779B97F4A7C15ULL, kNow), Answer::kMaybeStored);
  }
}

}  // namespace
}  // namespace vigil
