#include "stream/window_aggregator.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

constexpr int64_t kSec = 1'000'000'000;

Event Task(bool error, double latency = 100, const std::string& use_case = "refund-bot") {
  Event e;
  e.tenant = "acme";
  e.use_case = use_case;
  e.layer = Layer::kTask;
  e.status = error ? EventStatus::kError : EventStatus::kOk;
  e.error_class = error ? "timeout" : "none";
  e.latency_ms = latency;
  return e;
}

struct Totals {
  uint64_t count = 0, errors = 0;
  LatencySketch latency;
};

Totals Sum(const WindowAggregator& w, int64_t window_ns, int64_t end_ago_ns = 0) {
  Totals t;
  w.QueryRange(
      window_ns, end_ago_ns, [](const RollupKey&) { return true; },
      [&](const RollupKey&, const WindowResult& r) {
        t.count += r.stats.count;
        t.errors += r.stats.errors;
        t.latency.Merge(r.latency);
      });
  return t;
}

TEST(WindowAggregatorTest, SlidesWithTheClock) {
  FakeClock clock(1'795'880'840 * kSec);
  WindowAggregator w(clock);
  for (int s = 0; s < 10; ++s) {
    std::vector<Event> batch(10, Task(s >= 5));  // errors start at second 5
    w.Add(batch);
    clock.Advance(kSec);
  }
  clock.Advance(-kSec);  // now = the last second that received events
  EXPECT_EQ(Sum(w, 10 * kSec).count, 100u);
  EXPECT_EQ(Sum(w, 5 * kSec).count, 50u);
  EXPECT_EQ(Sum(w, 5 * kSec).errors, 50u);
  EXPECT_EQ(Sum(w, 5 * kSec, 5 * kSec).errors, 0u);  // the 5 s before: a clean baseline
  clock.Advance(3 * kSec);
  EXPECT_EQ(Sum(w, 5 * kSec).count, 20u);  // the window slid past most events
}

TEST(WindowAggregatorTest, LongWindowsUseTenSecondBuckets) {
  FakeClock clock(1'795'880'840 * kSec);
  WindowAggregator w(clock);
  for (int m = 0; m < 30; ++m) {  // one event a minute for 30 minutes
    w.Add(std::vector<Event>{Task(false)});
    clock.Advance(60 * kSec);
  }
  // Now is 30 min after the first event; windows are (now − W, now].
  EXPECT_EQ(Sum(w, 3600 * kSec).count, 30u);
  EXPECT_EQ(Sum(w, 600 * kSec).count, 9u);
  EXPECT_EQ(Sum(w, 300 * kSec).count, 4u);
}

TEST(WindowAggregatorTest, LatencyQuantilesWithinSketchError) {
  FakeClock clock(1'795'880'840 * kSec);
  WindowAggregator w(clock);
  std::vector<Event> batch;
  for (int i = 1; i <= 1000; ++i) batch.push_back(Task(false, i));
  w.Add(batch);
  Totals t = Sum(w, 60 * kSec);
  EXPECT_NEAR(t.latency.Quantile(0.95), 950, 950 * 0.01);
  EXPECT_NEAR(t.latency.Quantile(0.5), 500, 500 * 0.01);
}

TEST(WindowAggregatorTest, KeysAreSeparatedAndFiltered) {
  FakeClock clock(1'795'880'840 * kSec);
  WindowAggregator w(clock);
  w.Add(std::vector<Event>{Task(true, 1, "refund-bot"), Task(false, 1, "faq")});
  uint64_t refund = 0;
  w.Query(
      60 * kSec, [](const RollupKey& k) { return k.use_case == "refund-bot"; },
      [&](const RollupKey&, const WindowResult& r) { refund += r.stats.count; });
  EXPECT_EQ(refund, 1u);
  EXPECT_EQ(w.keys(), 2u);
}

TEST(WindowAggregatorTest, IdleKeysExpireAndTheCapDropsNewKeys) {
  FakeClock clock(1'795'880'840 * kSec);
  WindowAggregator w(clock, /*max_keys=*/2);
  w.Add(std::vector<Event>{Task(false, 1, "a"), Task(false, 1, "b"), Task(false, 1, "c")});
  EXPECT_EQ(w.keys(), 2u);
  EXPECT_EQ(w.dropped_events(), 1u);
  clock.Advance(7201 * kSec);
  w.ExpireIdle();
  EXPECT_EQ(w.keys(), 0u);
}

TEST(WindowAggregatorTest, MemoryGrowsWithBucketsNotEvents) {
  FakeClock clock(1'795'880'840 * kSec);
  WindowAggregator w(clock);
  w.Add(std::vector<Event>(100, Task(false, 100)));
  size_t small = w.ApproximateBytes();
  w.Add(std::vector<Event>(100000, Task(false, 100)));  // same key, same second, same bin
  EXPECT_EQ(w.ApproximateBytes(), small);
}

TEST(WindowAggregatorTest, DuplicatesAreSkipped) {
  FakeClock clock(1'795'880'840 * kSec);
  WindowAggregator w(clock);
  w.Add(std::vector<Event>{Task(false), Task(false)}, {true, false});
  EXPECT_EQ(Sum(w, 60 * kSec).count, 1u);
}

}  // namespace
}  // namespace vigil
