#include "rollup/rollup.h"

#include <gtest/gtest.h>

#include "rollup/summary.h"

namespace vigil {
namespace {

constexpr int64_t kHour0 = 1'795'878'000'000'000'000;  // 2026-11-28T15:00:00Z, an hour start

Event Make(Layer layer, int64_t ts, double latency, const std::string& error_class = "none") {
  Event e;
  e.tenant = "acme";
  e.use_case = "refund-bot";
  e.layer = layer;
  e.ts_ns = ts;
  e.latency_ms = latency;
  e.error_class = error_class;
  e.status = error_class == "none" ? EventStatus::kOk : EventStatus::kError;
  return e;
}

TEST(RollupTest, MinuteCellsAddUpToHourCells) {
  std::vector<Event> events;
  for (int i = 0; i < 120; ++i) {
    events.push_back(Make(Layer::kInference, kHour0 + i * 30LL * 1'000'000'000, 100 + i));
  }
  RollupDelta delta;
  AccumulateRollups(events, delta);
  RollupCell minutes, hours;
  size_t minute_cells = 0;
  for (const auto& [id, cell] : delta) {
    if (id.grain == RollupGrain::kMinute) {
      minutes.Merge(cell);
      ++minute_cells;
    } else {
      hours.Merge(cell);
    }
  }
  EXPECT_EQ(minute_cells, 60u);
  EXPECT_EQ(minutes, hours);
  EXPECT_EQ(hours.count, 120u);
}

TEST(RollupTest, ErrorClassDetailIsDroppedFromTheKey) {
  Event e = Make(Layer::kTool, kHour0, 10, "permission_denied/refund_api");
  EXPECT_EQ(RollupKey::Of(e).error_class, "permission_denied");
}

TEST(RollupTest, OnlyNewEventsAreCounted) {
  std::vector<Event> events = {Make(Layer::kTask, kHour0, 1), Make(Layer::kTask, kHour0, 2)};
  RollupDelta delta;
  AccumulateRollups(events, {true, false}, delta);
  EXPECT_EQ(delta.begin()->second.count, 1u);
}

TEST(RollupPlanTest, WholeHoursFromHourCellsEdgesFromMinutes) {
  // 14:30:10 … 17:10:00 → minutes [14:30, 15:00), hours [15:00, 17:00), minutes [17:00, 17:10)
  int64_t from = kHour0 - 30 * kMinuteNs + 10'000'000'000;
  int64_t to = kHour0 + 2 * kHourNs + 10 * kMinuteNs;
  auto plan = PlanRollupRead(from, to);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].grain, RollupGrain::kMinute);
  EXPECT_EQ(plan[0].from_ns, kHour0 - 30 * kMinuteNs);
  EXPECT_EQ(plan[0].to_ns, kHour0);
  EXPECT_EQ(plan[1].grain, RollupGrain::kHour);
  EXPECT_EQ(plan[1].to_ns, kHour0 + 2 * kHourNs);
  EXPECT_EQ(plan[2].to_ns, to);
  // A short range inside one hour uses minutes only; a partial minute widens to the whole one.
  auto small = PlanRollupRead(kHour0 + 5 * kMinuteNs + 1, kHour0 + 6 * kMinuteNs + 1);
  ASSERT_EQ(small.size(), 1u);
  EXPECT_EQ(small[0].from_ns, kHour0 + 5 * kMinuteNs);
  EXPECT_EQ(small[0].to_ns, kHour0 + 7 * kMinuteNs);
}

TEST(SummaryTest, FiguresMatchAHandComputedFixture) {
  std::vector<Event> events;
  // 10 tasks: 7 ok, 2 timeouts, 1 tool_error.
  for (int i = 0; i < 7; ++i) events.push_back(Make(Layer::kTask, kHour0 + i, 1000));
  events.push_back(Make(Layer::kTask, kHour0, 900, "timeout"));
  events.push_back(Make(Layer::kTask, kHour0, 900, "timeout/read"));
  events.push_back(Make(Layer::kTask, kHour0, 900, "tool_error"));
  // 4 inference calls: latencies 100, 200, 300, 400; tokens and cost.
  for (int i = 1; i <= 4; ++i) {
    Event e = Make(Layer::kInference, kHour0 + kMinuteNs, 100.0 * i);
    e.model = "m-large";
    e.tokens_in = 1000;
    e.tokens_out = 100 * i;
    e.cost_usd = 0.25;
    e.retries = i == 4 ? 2 : 0;
    e.refusal = i == 3;
    events.push_back(e);
  }
  // 5 tool calls: 1 permission_denied, 1 collision.
  for (int i = 0; i < 5; ++i) {
    Event e = Make(Layer::kTool, kHour0 + 2 * kMinuteNs, 50, i == 0 ? "permission_denied" : "none");
    e.tool = "issue_refund";
    e.idempotency_collision = i == 1;
    events.push_back(e);
  }
  // Business: 3 conversions (value 20 each), 1 handoff.
  for (int i = 0; i < 3; ++i) {
    Event e = Make(Layer::kBusiness, kHour0, 0);
    e.metric = "conversion";
    e.value = 20;
    events.push_back(e);
  }
  Event handoff = Make(Layer::kBusiness, kHour0, 0);
  handoff.metric = "handoff_to_human";
  events.push_back(handoff);

  RollupDelta delta;
  AccumulateRollups(events, delta);
  std::vector<RollupRow> rows;
  for (const auto& [id, cell] : delta) {
    if (id.grain == RollupGrain::kMinute) rows.push_back({id.bucket_ns, id.grain, id.key, cell});
  }
  Summary s = Summarize(rows, kHour0, kHour0 + 10 * kMinuteNs);
  EXPECT_EQ(s.task.count, 10u);
  EXPECT_DOUBLE_EQ(s.task.success_rate, 0.7);
  ASSERT_EQ(s.task.failure_classes.size(), 2u);
  EXPECT_EQ(s.task.failure_classes[0].error_class, "timeout");
  EXPECT_EQ(s.task.failure_classes[0].count, 2u);
  EXPECT_EQ(s.inference.count, 4u);
  EXPECT_EQ(s.inference.tokens_in, 4000u);
  EXPECT_EQ(s.inference.tokens_out, 1000u);
  EXPECT_EQ(s.inference.retries, 2u);
  EXPECT_EQ(s.inference.refusals, 1u);
  EXPECT_DOUBLE_EQ(s.inference.cost_usd, 1.0);
  EXPECT_NEAR(s.inference.latency_ms.p50, 200, 200 * 0.01);
  // Rank q·(n−1), as DDSketch defines it: p99 of four values is the third.
  EXPECT_NEAR(s.inference.latency_ms.p99, 300, 300 * 0.01);
  EXPECT_EQ(s.tool.count, 5u);
  EXPECT_DOUBLE_EQ(s.tool.success_rate, 0.8);
  EXPECT_EQ(s.tool.collisions, 1u);
  ASSERT_EQ(s.tool.error_classes.size(), 1u);
  EXPECT_EQ(s.tool.error_classes[0].error_class, "permission_denied");
  ASSERT_EQ(s.business.metrics.size(), 2u);
  EXPECT_EQ(s.business.metrics[0].name, "conversion");
  EXPECT_EQ(s.business.metrics[0].count, 3u);
  EXPECT_DOUBLE_EQ(s.business.metrics[0].value_sum, 60);
  EXPECT_DOUBLE_EQ(s.business.metrics[0].rate_per_task, 0.3);
  EXPECT_DOUBLE_EQ(s.business.metrics[1].rate_per_task, 0.1);
  EXPECT_DOUBLE_EQ(s.cost.total_usd, 1.0);
  EXPECT_DOUBLE_EQ(s.cost.per_minute_usd, 0.1);
  ASSERT_EQ(s.cost.series.size(), 1u);
  EXPECT_DOUBLE_EQ(s.cost.series[0].usd_per_minute, 1.0);
}

}  // namespace
}  // namespace vigil
