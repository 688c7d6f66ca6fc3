#include "gates/gate_evaluator.h"

#include <gtest/gtest.h>

#include "common/time_util.h"
#include "config/config.h"

namespace vigil {
namespace {

constexpr int64_t kDay = 86400LL * kNanosPerSecond;

// Fixed answers, one field per source; each test sets what its check reads.
struct FixedSources : GateSources {
  std::vector<Freeze> freezes;
  RollbackCheck rollback;
  std::optional<GateDrillRef> drill;
  std::vector<OverdueReinforcement> overdue;
  std::optional<EvalRun> eval;
  std::vector<GateIncidentRef> incidents;
  CanaryStats canary;
  Status failing = Status::Ok();  // when set, every source fails with it

  Status ReleaseExists(const std::string&, const std::string& release) override {
    return release == "v404" ? Status::NotFound("release v404") : Status::Ok();
  }
  Result<std::vector<Freeze>> ActiveFreezes(const std::string&) override {
    if (!failing.ok()) return failing;
    return freezes;
  }
  Result<RollbackCheck> RollbackAfterPromote(const std::string&, const std::string&) override {
    if (!failing.ok()) return failing;
    return rollback;
  }
  Result<std::optional<GateDrillRef>> LastPassedDrill(const std::string&) override {
    if (!failing.ok()) return failing;
    return drill;
  }
  Result<std::vector<OverdueReinforcement>> OverdueReinforcements(const std::string&) override {
    if (!failing.ok()) return failing;
    return overdue;
  }
  Result<std::optional<EvalRun>> LatestEval(const std::string&, const std::string&,
                                            const std::string&) override {
    if (!failing.ok()) return failing;
    return eval;
  }
  Result<std::vector<GateIncidentRef>> OpenSevereIncidents(const std::string&) override {
    if (!failing.ok()) return failing;
    return incidents;
  }
  Result<CanaryStats> Canary(const std::string&) override {
    if (!failing.ok()) return failing;
    return canary;
  }
};

GatesConfig Load(const std::string& gates_yaml) {
  LoadedConfig loaded = LoadConfigFromString(gates_yaml);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.problems.front().ToString());
  return loaded.config.gates;
}

class GateEvaluatorTest : public ::testing::Test {
 protected:
  GateCheckResult Check(const std::string& yaml_item, bool for_canary = false) {
    GatesConfig g = Load("gates:\n  release: [ " + yaml_item + " ]\n");
    EXPECT_EQ(g.release.size(), 1u);
    return GateEvaluator(sources_, clock_)
        .EvaluateCheck(g.release.at(0), "refund-bot", "v3", for_canary);
  }
  FakeClock clock_{1'800'000'000LL * kNanosPerSecond};
  FixedSources sources_;
};

TEST_F(GateEvaluatorTest, NoActiveFreeze) {
  EXPECT_TRUE(Check("no_active_freeze").passed);
  sources_.freezes.push_back({"refund-bot", "P1 refund-task-errors", "alert:refund", 1, 0});
  GateCheckResult r = Check("no_active_freeze");
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("frozen for refund-bot by alert:refund"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("vigil freeze off --use-case refund-bot"), std::string::npos);
}

TEST_F(GateEvaluatorTest, RollbackTargetValid) {
  sources_.rollback = {"refund-bot", "v3", "v2", {}};
  EXPECT_TRUE(Check("rollback_target_valid").passed);
  sources_.rollback.problems = {
      "rolling back from v3 to v2 would cross the irreversible "
      "migration m7 (introduced by v3)"};
  GateCheckResult r = Check("rollback_target_valid");
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("irreversible migration m7"), std::string::npos) << r.reason;
}

TEST_F(GateEvaluatorTest, DrillPassedWithin) {
  GateCheckResult none = Check("{ drill_passed_within: 14d }");
  EXPECT_FALSE(none.passed);
  EXPECT_NE(none.reason.find("vigil drill run tool-permission --use-case refund-bot"),
            std::string::npos)
      << none.reason;
  sources_.drill = GateDrillRef{"d7", "malformed-output", clock_.NowNanos() - 20 * kDay};
  GateCheckResult old = Check("{ drill_passed_within: 14d }");
  EXPECT_FALSE(old.passed);
  EXPECT_NE(old.reason.find("no drill in 14d"), std::string::npos) << old.reason;
  sources_.drill->finished_ns = clock_.NowNanos() - 2 * kDay;
  EXPECT_TRUE(Check("{ drill_passed_within: 14d }").passed);
}

TEST_F(GateEvaluatorTest, PostmortemActionsOverdue) {
  EXPECT_TRUE(Check("{ postmortem_actions_overdue: 0 }").passed);
  sources_.overdue.push_back(
      {4, 2, "alert_rule", "refund-tool-denied", "maria", clock_.NowNanos() - kDay});
  GateCheckResult r = Check("{ postmortem_actions_overdue: 0 }");
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("postmortem 4 reinforcement 2"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("vigil postmortem verify 4"), std::string::npos);
  EXPECT_TRUE(Check("{ postmortem_actions_overdue: 1 }").passed);
}

TEST_F(GateEvaluatorTest, EvalPassRate) {
  const std::string item = "{ eval_pass_rate: { suite: golden, min: 0.9 } }";
  GateCheckResult none = Check(item);
  EXPECT_FALSE(none.passed);
  EXPECT_NE(none.reason.find("vigil eval post"), std::string::npos);
  EvalRun run;
  run.id = 9;
  run.suite = "golden";
  for (int i = 0; i < 10; ++i) run.cases.push_back({"c" + std::to_string(i), i != 3, ""});
  sources_.eval = run;
  EXPECT_TRUE(Check(item).passed);  // 90%
  sources_.eval->cases[4].passed = false;
  GateCheckResult low = Check(item);
  EXPECT_FALSE(low.passed);
  EXPECT_NE(low.reason.find("80.0%"), std::string::npos) << low.reason;
  EXPECT_NE(low.reason.find("first failing case c3"), std::string::npos);
}

TEST_F(GateEvaluatorTest, NoOpenIncident) {
  EXPECT_TRUE(Check("no_open_incident").passed);
  sources_.incidents.push_back({12, "P1", "refund task errors"});
  GateCheckResult r = Check("no_open_incident");
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("incident 12 (P1"), std::string::npos) << r.reason;
}

TEST_F(GateEvaluatorTest, CanaryHealthy) {
  const std::string item = "{ canary_healthy: { max_error_rate_ratio: 1.2, min_samples: 100 } }";
  GateCheckResult not_canary = Check(item);
  EXPECT_FALSE(not_canary.passed);
  EXPECT_NE(not_canary.reason.find("--canary 10"), std::string::npos) << not_canary.reason;
  EXPECT_TRUE(Check(item, /*for_canary=*/true).skipped);

  sources_.canary = {"v3", 10, "v2", 50, 1, 900, 18, 300 * kNanosPerSecond};
  GateCheckResult few = Check(item);
  EXPECT_FALSE(few.passed);
  EXPECT_NE(few.reason.find("fewer than min_samples 100"), std::string::npos) << few.reason;

  sources_.canary.canary_tasks = 200;
  sources_.canary.canary_errors = 4;  // 2% vs 2%
  EXPECT_TRUE(Check(item).passed);
  sources_.canary.canary_errors = 10;  // 5% vs 2% → 2.5
  GateCheckResult bad = Check(item);
  EXPECT_FALSE(bad.passed);
  EXPECT_NE(bad.reason.find("ratio 2.50"), std::string::npos) << bad.reason;
}

TEST_F(GateEvaluatorTest, AFailingSourceFailsTheCheck) {
  sources_.failing = Status::Unavailable("database is locked");
  GateCheckResult r = Check("no_active_freeze");
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.reason.find("database is locked"), std::string::npos);
}

TEST_F(GateEvaluatorTest, ReportCoversTheUseCaseTemplate) {
  GatesConfig g = Load(
      "gates:\n"
      "  release: [ no_active_freeze, { drill_passed_within: 14d } ]\n"
      "  use_cases:\n"
      "    refund-bot: [ { drill_passed_within: 7d }, no_open_incident ]\n");
  GateEvaluator eval(sources_, clock_);
  sources_.drill = GateDrillRef{"d1", "tool-permission", clock_.NowNanos() - 10 * kDay};
  Result<GateReport> refund = eval.Evaluate(g, "refund-bot", "v3", false);
  ASSERT_TRUE(refund.ok());
  ASSERT_EQ(refund->checks.size(), 3u);
  EXPECT_EQ(refund->checks[1].check, "drill_passed_within: 7d");  // the stricter one
  EXPECT_FALSE(refund->passed());
  EXPECT_EQ(refund->FailedChecks(), std::vector<std::string>{"drill_passed_within: 7d"});
  Result<GateReport> faq = eval.Evaluate(g, "faq-assistant", "v3", false);
  ASSERT_TRUE(faq.ok());
  EXPECT_EQ(faq->checks.size(), 2u);
  EXPECT_TRUE(faq->passed());
  EXPECT_EQ(eval.Evaluate(g, "refund-bot", "v404", false).status().code(), Status::Code::kNotFound);
  // No gates section: nothing to check, and it says so.
  Result<GateReport> none = eval.Evaluate(GatesConfig{}, "refund-bot", "v3", false);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->configured);
  EXPECT_TRUE(none->passed());
}

TEST(GatesConfigTest, AUseCaseCannotWeakenTheBase) {
  LoadedConfig loaded = LoadConfigFromString(
      "gates:\n"
      "  release: [ { drill_passed_within: 14d }, { eval_pass_rate: { suite: g, min: 0.9 } } ]\n"
      "  use_cases:\n"
      "    refund-bot: [ { drill_passed_within: 30d }, { eval_pass_rate: { suite: g, min: 0.5 } } "
      "]\n");
  ASSERT_EQ(loaded.problems.size(), 2u);
  EXPECT_EQ(loaded.problems[0].path, "gates.use_cases.refund-bot");
  EXPECT_NE(loaded.problems[0].message.find("weakens the base template"), std::string::npos);
}

TEST(GatesConfigTest, BadChecksAreNamed) {
  LoadedConfig loaded = LoadConfigFromString(
      "gates:\n"
      "  release: [ no_such_check, drill_passed_within, { canary_healthy: { max_error_rate_ratio: "
      "0.5 } },\n"
      "             { eval_pass_rate: { suite: g, min: 1.5 } }, no_active_freeze, no_active_freeze "
      "]\n");
  ASSERT_EQ(loaded.problems.size(), 5u);
  EXPECT_EQ(loaded.problems[0].path, "gates.release[0]");
  EXPECT_NE(loaded.problems[0].message.find("unknown gate check 'no_such_check'"),
            std::string::npos);
  EXPECT_NE(loaded.problems[1].message.find("needs an argument"), std::string::npos);
  EXPECT_EQ(loaded.problems[2].path, "gates.release[2].canary_healthy.max_error_rate_ratio");
  EXPECT_EQ(loaded.problems[3].path, "gates.release[3].eval_pass_rate.min");
  EXPECT_NE(loaded.problems[4].message.find("appears twice"), std::string::npos);
}

}  // namespace
}  // namespace vigil
