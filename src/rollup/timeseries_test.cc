#include "rollup/timeseries.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

constexpr int64_t kHour0 = 1'795'878'000'000'000'000;  // 2026-11-28T15:00:00Z, an hour start
constexpr int64_t kSec = 1'000'000'000;

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

std::vector<RollupRow> Rows(const std::vector<Event>& events, RollupGrain grain) {
  RollupDelta delta;
  AccumulateRollups(events, delta);
  std::vector<RollupRow> rows;
  for (const auto& [id, cell] : delta) {
    if (id.grain == grain) rows.push_back({id.bucket_ns, id.grain, id.key, cell});
  }
  return rows;
}

TEST(TimeSeriesTest, OnePointPerStepWithEmptyBucketsAsZeros) {
  std::vector<Event> events;
  // Minute 0-4: 10 tasks, 2 failing; minute 10-14: nothing; minute 20: 4 tasks all failing.
  for (int i = 0; i < 10; ++i) {
    events.push_back(Make(Layer::kTask, kHour0 + i * 20 * kSec, 0, i < 2 ? "timeout" : "none"));
  }
  for (int i = 0; i < 4; ++i) {
    events.push_back(Make(Layer::kTask, kHour0 + 20 * 60 * kSec + i * kSec, 0, "tool_error"));
  }
  TimeSeries ts = BuildTimeSeries(Rows(events, RollupGrain::kMinute), kHour0,
                                  kHour0 + 25 * 60 * kSec, 5 * kMinuteNs);
  ASSERT_EQ(ts.points.size(), 5u);
  EXPECT_EQ(ts.points[0].bucket_ns, kHour0);
  EXPECT_EQ(ts.points[0].tasks, 10u);
  EXPECT_EQ(ts.points[0].task_errors, 2u);
  EXPECT_EQ(ts.points[2].bucket_ns, kHour0 + 10 * kMinuteNs);
  EXPECT_EQ(ts.points[2].tasks, 0u);
  EXPECT_EQ(ts.points[4].tasks, 4u);
  EXPECT_EQ(ts.points[4].task_errors, 4u);
}

TEST(TimeSeriesTest, LatencyQuantilesPerBucketNotAcrossTheRange) {
  std::vector<Event> events;
  for (int i = 0; i < 100; ++i) {
    events.push_back(Make(Layer::kInference, kHour0 + i * kSec, 100));  // minute 0-1
    events.push_back(Make(Layer::kInference, kHour0 + 30 * kMinuteNs + i * kSec, 2000));  // min 30
  }
  Event tool = Make(Layer::kTool, kHour0 + 31 * kMinuteNs, 450, "permission_denied");
  tool.idempotency_collision = true;
  events.push_back(tool);
  TimeSeries ts =
      BuildTimeSeries(Rows(events, RollupGrain::kMinute), kHour0, kHour0 + kHourNs, 15 * kMinuteNs);
  ASSERT_EQ(ts.points.size(), 4u);
  EXPECT_NEAR(ts.points[0].inference_p95_ms, 100, 3);
  EXPECT_NEAR(ts.points[2].inference_p95_ms, 2000, 40);
  EXPECT_EQ(ts.points[1].model_calls, 0u);
  EXPECT_EQ(ts.points[1].inference_p95_ms, 0);
  EXPECT_EQ(ts.points[2].tool_calls, 1u);
  EXPECT_EQ(ts.points[2].tool_errors, 1u);
  EXPECT_EQ(ts.points[2].collisions, 1u);
  EXPECT_NEAR(ts.points[2].tool_p95_ms, 450, 10);
}

TEST(TimeSeriesTest, BusinessMetricsAndCostPerBucket) {
  std::vector<Event> events;
  Event conversion = Make(Layer::kBusiness, kHour0 + 5 * kSec, 0);
  conversion.metric = "conversion";
  Event handoff = conversion;
  handoff.metric = "handoff_to_human";
  handoff.ts_ns = kHour0 + 2 * kMinuteNs;
  Event call = Make(Layer::kInference, kHour0 + 2 * kMinuteNs, 300);
  call.cost_usd = 0.25;
  events = {conversion, conversion, handoff, call};
  events[1].ts_ns += kSec;
  TimeSeries ts = BuildTimeSeries(Rows(events, RollupGrain::kMinute), kHour0,
                                  kHour0 + 3 * kMinuteNs, kMinuteNs);
  ASSERT_EQ(ts.points.size(), 3u);
  EXPECT_EQ(ts.metrics, (std::vector<std::string>{"conversion", "handoff_to_human"}));
  EXPECT_EQ(ts.points[0].business.at("conversion"), 2u);
  EXPECT_EQ(ts.points[2].business.at("handoff_to_human"), 1u);
  EXPECT_DOUBLE_EQ(ts.points[2].cost_usd, 0.25);
  EXPECT_DOUBLE_EQ(ts.points[0].cost_usd, 0);
}

TEST(TimeSeriesTest, HourCellsFillHourSteps) {
  std::vector<Event> events;
  for (int h = 0; h < 3; ++h) {
    for (int i = 0; i < h + 1; ++i)
      events.push_back(Make(Layer::kTask, kHour0 + h * kHourNs + i * kSec, 0));
  }
  TimeSeries ts =
      BuildTimeSeries(Rows(events, RollupGrain::kHour), kHour0, kHour0 + 3 * kHourNs, kHourNs);
  ASSERT_EQ(ts.points.size(), 3u);
  EXPECT_EQ(ts.points[0].tasks, 1u);
  EXPECT_EQ(ts.points[2].tasks, 3u);
}

TEST(TimeSeriesTest, RangeNotOnAStepBoundaryStartsAtTheBucketHoldingFrom) {
  std::vector<Event> events = {Make(Layer::kTask, kHour0 + 7 * kMinuteNs, 0)};
  TimeSeries ts = BuildTimeSeries(Rows(events, RollupGrain::kMinute), kHour0 + 6 * kMinuteNs,
                                  kHour0 + 16 * kMinuteNs, 5 * kMinuteNs);
  ASSERT_EQ(ts.points.size(), 3u);  // 5-10, 10-15, 15-20
  EXPECT_EQ(ts.points[0].bucket_ns, kHour0 + 5 * kMinuteNs);
  EXPECT_EQ(ts.points[0].tasks, 1u);
}

TEST(TimeSeriesTest, StepChoiceKeepsChartsReadable) {
  EXPECT_EQ(ChooseStep(0, 15 * kMinuteNs), kMinuteNs);
  EXPECT_EQ(ChooseStep(0, kHourNs), kMinuteNs);
  EXPECT_EQ(ChooseStep(0, 6 * kHourNs), 5 * kMinuteNs);
  EXPECT_EQ(ChooseStep(0, 24 * kHourNs), 15 * kMinuteNs);
  EXPECT_EQ(ChooseStep(0, 7 * 24 * kHourNs), kHourNs);
  EXPECT_TRUE(NeedsMinuteCells(15 * kMinuteNs));
  EXPECT_FALSE(NeedsMinuteCells(kHourNs));
  EXPECT_TRUE(NeedsMinuteCells(90 * kMinuteNs));
}

TEST(TimeSeriesTest, StepValidationNamesTheField) {
  EXPECT_TRUE(ValidateStep(kMinuteNs, 0, kHourNs).ok());
  Status odd = ValidateStep(90 * kSec, 0, kHourNs);
  EXPECT_FALSE(odd.ok());
  EXPECT_EQ(odd.field(), "step");
  Status too_many = ValidateStep(kMinuteNs, 0, 7 * 24 * kHourNs);
  EXPECT_FALSE(too_many.ok());
  EXPECT_NE(too_many.message().find("1500"), std::string::npos);
}

TEST(TimeSeriesTest, MinuteOnlyPlanCoversHoursWithMinuteCells) {
  auto parts = PlanRollupRead(kHour0 - 10 * kMinuteNs, kHour0 + 2 * kHourNs, RollupGrain::kMinute);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].grain, RollupGrain::kMinute);
  EXPECT_EQ(parts[0].from_ns, kHour0 - 10 * kMinuteNs);
  EXPECT_EQ(parts[0].to_ns, kHour0 + 2 * kHourNs);
}

}  // namespace
}  // namespace vigil
