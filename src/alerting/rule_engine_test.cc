#include "alerting/rule_engine.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

constexpr int64_t kSec = 1'000'000'000;

Event Task(bool error, const std::string& use_case = "refund-bot",
           const std::string& error_class = "timeout") {
  Event e;
  e.tenant = "acme";
  e.use_case = use_case;
  e.layer = Layer::kTask;
  e.status = error ? EventStatus::kError : EventStatus::kOk;
  e.error_class = error ? error_class : "none";
  e.latency_ms = 100;
  return e;
}

RuleSpec ErrorRateRule() {
  RuleSpec r;
  r.name = "refund-task-errors";
  r.tier = Tier::kP1;
  r.use_case = "refund-bot";
  r.layer = Layer::kTask;
  r.signal = Signal::kErrorRate;
  r.window_ns = 10 * kSec;
  r.threshold = *ParseThreshold("> 0.2");
  r.min_samples = 20;
  return r;
}

class RuleEngineTest : public ::testing::Test {
 protected:
  RuleEngineTest() : clock_(1'795'880'840 * kSec), windows_(clock_), engine_(windows_, clock_) {}

  // One second of traffic: n events, `errors` of them failing.
  void Second(int n, int errors, const std::string& use_case = "refund-bot") {
    std::vector<Event> batch;
    for (int i = 0; i < n; ++i) batch.push_back(Task(i < errors, use_case));
    windows_.Add(batch);
  }
  std::vector<AlertTransition> Tick(int64_t advance = kSec) {
    clock_.Advance(advance);
    return engine_.Evaluate();
  }
  AlertState StateOf(const std::string& id) {
    for (const AlertInstance& a : engine_.Alerts()) {
      if (a.id == id) return a.state;
    }
    return AlertState::kInactive;
  }

  FakeClock clock_;
  WindowAggregator windows_;
  RuleEngine engine_;
};

TEST_F(RuleEngineTest, FiresImmediatelyWithoutForAndCarriesEvidence) {
  engine_.SetRules({ErrorRateRule()});
  Second(50, 2);
  EXPECT_TRUE(Tick(0).empty());
  Second(50, 40);
  auto t = Tick(0);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].from, AlertState::kInactive);
  EXPECT_EQ(t[0].alert.state, AlertState::kFiring);
  EXPECT_EQ(t[0].alert.firing_id, 1u);
  const Evidence& ev = t[0].alert.evidence;
  EXPECT_DOUBLE_EQ(ev.value, 42.0 / 100);
  EXPECT_EQ(ev.samples, 100u);
  EXPECT_EQ(ev.threshold, "> 0.2");
  ASSERT_FALSE(ev.top_keys.empty());
  EXPECT_EQ(ev.top_keys[0].first, "refund-bot/task/timeout");
}

TEST_F(RuleEngineTest, PendingForTheForDurationThenFiring) {
  RuleSpec rule = ErrorRateRule();
  rule.for_ns = 3 * kSec;
  engine_.SetRules({rule});
  Second(50, 25);
  auto t = Tick(0);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alert.state, AlertState::kPending);
  for (int i = 0; i < 2; ++i) {
    Second(50, 25);
    EXPECT_TRUE(Tick().empty()) << i;
  }
  Second(50, 25);
  t = Tick();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alert.state, AlertState::kFiring);
}

TEST_F(RuleEngineTest, PendingThatClearsGoesBackToInactive) {
  RuleSpec rule = ErrorRateRule();
  rule.for_ns = 5 * kSec;
  engine_.SetRules({rule});
  Second(50, 25);
  Tick(0);
  EXPECT_EQ(StateOf("refund-task-errors"), AlertState::kPending);
  clock_.Advance(11 * kSec);  // the bad second leaves the window
  Second(50, 0);
  auto t = engine_.Evaluate();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alert.state, AlertState::kInactive);
}

TEST_F(RuleEngineTest, KeepFiringForHoldsThenResolves) {
  RuleSpec rule = ErrorRateRule();
  rule.keep_firing_for_ns = 5 * kSec;
  engine_.SetRules({rule});
  Second(100, 50);  // one bad second at t0
  Tick(0);
  EXPECT_EQ(StateOf("refund-task-errors"), AlertState::kFiring);
  // Healthy traffic from now on: at t0+1 s the rate is 50/200 = 0.25 (still above), at t0+2 s
  // 50/300 < 0.2. The condition last held at t0+1 s, so keep_firing_for (5 s) resolves at +6 s.
  int resolved_at = 0;
  for (int k = 1; k <= 20 && !resolved_at; ++k) {
    clock_.Advance(kSec);
    Second(100, 0);
    for (const AlertTransition& t : engine_.Evaluate()) {
      if (t.alert.state == AlertState::kResolved) resolved_at = k;
    }
  }
  EXPECT_EQ(resolved_at, 6);
  // It can fire again, with a new firing id.
  Second(200, 200);
  auto t = Tick(0);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alert.firing_id, 2u);
}

TEST_F(RuleEngineTest, MinSamplesBlocksThinEvidence) {
  engine_.SetRules({ErrorRateRule()});
  Second(10, 10);  // 100% errors but only 10 samples
  EXPECT_TRUE(Tick(0).empty());
}

TEST_F(RuleEngineTest, RelativeThresholdComparesWithTheBaselineBeforeTheWindow) {
  RuleSpec rule;
  rule.name = "task-rate-spike";
  rule.tier = Tier::kP2;
  rule.layer = Layer::kTask;
  rule.signal = Signal::kRate;
  rule.window_ns = 10 * kSec;
  rule.threshold = *ParseThreshold("> 3x baseline(1m)");
  engine_.SetRules({rule});
  for (int s = 0; s < 60; ++s) {  // steady 10/s for a minute
    Second(10, 0);
    Tick();
  }
  EXPECT_EQ(StateOf("task-rate-spike"), AlertState::kInactive);
  for (int s = 0; s < 10; ++s) {  // 50/s: five times the baseline
    Second(50, 0);
    Tick();
  }
  EXPECT_EQ(StateOf("task-rate-spike"), AlertState::kFiring);
  AlertInstance a = engine_.Alerts()[0];
  EXPECT_NEAR(a.evidence.baseline, 10, 1.5);
}

TEST_F(RuleEngineTest, GroupByMakesOneInstancePerGroup) {
  RuleSpec rule = ErrorRateRule();
  rule.use_case.clear();
  rule.group_by = {"use_case"};
  engine_.SetRules({rule});
  Second(50, 40, "refund-bot");
  Second(50, 0, "faq");
  Tick(0);
  EXPECT_EQ(StateOf("refund-task-errors{use_case=refund-bot}"), AlertState::kFiring);
  EXPECT_EQ(StateOf("refund-task-errors{use_case=faq}"), AlertState::kInactive);
}

TEST_F(RuleEngineTest, CountWhereErrorClass) {
  RuleSpec rule;
  rule.name = "unauthorized-actions";
  rule.tier = Tier::kP1;
  rule.layer = Layer::kTool;
  rule.signal = Signal::kCount;
  rule.where_error_class = "unauthorized_action";
  rule.window_ns = 60 * kSec;
  rule.threshold = *ParseThreshold(">= 1");
  engine_.SetRules({rule});
  Event ok;
  ok.tenant = "acme";
  ok.layer = Layer::kTool;
  ok.tool = "issue_refund";
  windows_.Add(std::vector<Event>{ok, ok});
  EXPECT_TRUE(Tick(0).empty());
  Event bad = ok;
  bad.status = EventStatus::kError;
  bad.error_class = "unauthorized_action";
  windows_.Add(std::vector<Event>{bad});
  auto t = Tick(0);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_DOUBLE_EQ(t[0].alert.evidence.value, 1);
}

TEST_F(RuleEngineTest, BusinessRateIsMetricCountPerTask) {
  RuleSpec rule;
  rule.name = "handoff-rate";
  rule.tier = Tier::kP2;
  rule.signal = Signal::kBusinessRate;
  rule.metric = "handoff_to_human";
  rule.window_ns = 60 * kSec;
  rule.threshold = *ParseThreshold("> 0.3");
  engine_.SetRules({rule});
  Second(10, 0);
  Event handoff;
  handoff.tenant = "acme";
  handoff.use_case = "refund-bot";
  handoff.layer = Layer::kBusiness;
  handoff.metric = "handoff_to_human";
  windows_.Add(std::vector<Event>(4, handoff));
  auto t = Tick(0);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_DOUBLE_EQ(t[0].alert.evidence.value, 0.4);
}

TEST_F(RuleEngineTest, ReloadKeepsStateOfUnchangedRules) {
  engine_.SetRules({ErrorRateRule()});
  Second(100, 50);
  Tick(0);
  RuleSpec other = ErrorRateRule();
  other.name = "another";
  engine_.SetRules({ErrorRateRule(), other});
  EXPECT_EQ(StateOf("refund-task-errors"), AlertState::kFiring);
  auto t = Tick(0);  // the old rule keeps firing (no new transition); the new one fires
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alert.rule, "another");
  engine_.SetRules({other});
  EXPECT_EQ(StateOf("refund-task-errors"), AlertState::kInactive);  // removed with its rule
}

RuleSpec BurnRule() {
  RuleSpec r;
  r.name = "refund-slo";
  r.tier = Tier::kP1;
  r.use_case = "refund-bot";
  r.layer = Layer::kTask;
  r.signal = Signal::kErrorRate;
  r.slo = SloSpec{0.99, {{10 * 60 * kSec, 60 * kSec, 5}}};
  return r;
}

TEST_F(RuleEngineTest, BurnRateNeedsBothWindowsAboveTheFactor) {
  engine_.SetRules({BurnRule()});
  for (int s = 0; s < 9 * 60; ++s) {  // nine healthy minutes (0.1% errors)
    Second(1000, s % 1 == 0 ? 1 : 0);
    clock_.Advance(kSec);
  }
  for (int s = 0; s < 60; ++s) {  // one minute at 10%: short burn 10 > 5, long burn ≈ 1.1
    Second(1000, 100);
    clock_.Advance(kSec);
  }
  EXPECT_TRUE(engine_.Evaluate().empty());
  for (int s = 0; s < 60; ++s) {  // another minute at 60%: long burn ≈ 7 > 5 too
    Second(1000, 600);
    clock_.Advance(kSec);
  }
  auto t = engine_.Evaluate();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alert.state, AlertState::kFiring);
  EXPECT_NEAR(t[0].alert.evidence.value, 60, 1);  // short-window burn: 60% / 1% budget
  EXPECT_EQ(t[0].alert.evidence.threshold, "burn > 5x over 10m and 1m");
}

TEST_F(RuleEngineTest, LongBurnWindowsReadRollups) {
  RuleSpec rule = BurnRule();
  rule.slo = SloSpec{0.99, {{6 * 3600 * kSec, 60 * kSec, 2}}};
  engine_.SetRules({rule});
  int64_t asked_from = 0;
  engine_.SetRollupReader([&](int64_t from, int64_t) {
    asked_from = from;
    RollupRow row;
    row.key.use_case = "refund-bot";
    row.key.layer = Layer::kTask;
    row.key.error_class = "timeout";
    row.cell.count = 1000;
    row.cell.errors = 50;  // 5% over 6 h: burn 5 > 2
    return std::vector<RollupRow>{row};
  });
  Second(100, 10);  // 10% in the last minute: burn 10 > 2
  auto t = engine_.Evaluate();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alert.state, AlertState::kFiring);
  EXPECT_EQ(asked_from, clock_.NowNanos() - 6 * 3600 * kSec);
}

TEST(ThresholdTest, ParsesAbsoluteAndRelative) {
  auto t = ParseThreshold(">= 1");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->Holds(1, 0));
  EXPECT_FALSE(t->Holds(0.5, 0));
  auto r = ParseThreshold("> 3x baseline(1h)");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->relative);
  EXPECT_EQ(r->baseline_ns, 3600 * kSec);
  EXPECT_TRUE(r->Holds(31, 10));
  EXPECT_FALSE(r->Holds(29, 10));
  EXPECT_EQ(r->ToString(), "> 3x baseline(1h)");
  EXPECT_FALSE(ParseThreshold("0.2").ok());
  EXPECT_FALSE(ParseThreshold("> abc").ok());
  EXPECT_FALSE(ParseThreshold("> 3x baseline(soon)").ok());
  EXPECT_FALSE(ParseThreshold("> 2 apples").ok());
}

}  // namespace
}  // namespace vigil
