#include "drills/drill_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "drills/drill_json.h"

namespace vigil {
namespace {

constexpr int64_t kSec = 1'000'000'000;

StoredRelease Rel(const std::string& v, const std::string& model, std::vector<std::string> tools) {
  StoredRelease r;
  r.use_case = "refund-bot";
  r.config.version = v;
  r.config.model = model;
  r.config.prompt = "p";
  r.config.fallback_model = "m-small";
  for (auto& t : tools) r.config.tools.push_back({t, {}});
  return r;
}

// A small world: traffic on the route, a fault that breaks it, and an "action map" that reacts
// `react_after` after the fault with `remedy` (rollback | degrade | none). Time moves only when
// the runner sleeps.
class FakeWorld : public DrillEnv {
 public:
  explicit FakeWorld(FakeClock& clock) : clock_(clock) {
    route.use_case = "refund-bot";
    route.version = 5;
    route.active = Rel("v2", "m-large", {"lookup_order", "issue_refund"});
    route.last_known_good = "v1";
  }
  Result<RouteState> Route(const std::string&) override { return route; }
  Result<RollbackCheck> CheckRollback(const std::string& uc) override {
    RollbackCheck c{uc, "v2", rollback_ok ? "v1" : "", {}};
    if (!rollback_ok) c.problems.push_back("no last-known-good release");
    return c;
  }
  Result<StoredRelease> Release(const std::string&, const std::string& v) override {
    return Rel(v, "m-large", {"lookup_order"});
  }
  Result<std::string> InjectFault(const std::string&, const Fault& f, const std::string& actor,
                                  int64_t) override {
    injected = f;
    injected_at = clock_.NowNanos();
    fault_actor = actor;
    route.version++;
    return std::string("f1");
  }
  Status ClearFault(const std::string&, const std::string& id, const std::string&) override {
    cleared = id;
    return Status::Ok();
  }
  Status Restore(const RouteState& before, int64_t, const std::string&) override {
    restored = true;
    route.active = before.active;
    route.mode = before.mode;
    route.version++;
    return Status::Ok();
  }
  std::optional<DrillFiring> FiringSince(const std::string&, int64_t since) override {
    if (fired_at == 0 || fired_at < since) return std::nullopt;
    return DrillFiring{"refund-task-errors", "P1", fired_at, 0.2, 5 * kSec};
  }
  TrafficSample Traffic(const std::string&, int64_t window) override {
    TrafficSample s;
    s.tasks = traffic_per_s * static_cast<double>(window) / kSec;
    const bool broken = injected_at && !cleared.size() && !Repaired();
    s.errors = s.tasks * (broken ? 0.5 : 0.01);
    const std::string release = route.active ? route.active->config.version : "";
    const std::string model = route.mode == RouteMode::kDegraded ? "m-small" : "m-large";
    s.by_release[release] = s.tasks;
    s.by_model[model] = s.tasks;
    return s;
  }
  int64_t OpenIncident(const std::string&) override { return incident_open; }
  void TagIncident(int64_t id, const std::string& drill) override {
    tagged = drill + "@" + std::to_string(id);
  }
  int64_t FirstAutomatedUpdate(int64_t) override { return fired_at ? fired_at + kSec / 10 : 0; }
  void CloseIncident(int64_t, const std::string&, const std::string&) override {
    incident_open = 0;
  }

  // Advances the world by `ns`: the alert fires and the action map acts on schedule.
  void Tick(int64_t ns) {
    clock_.Advance(ns);
    if (!injected_at || !cleared.empty()) return;
    const int64_t since = clock_.NowNanos() - injected_at;
    if (detect_after >= 0 && since >= detect_after && fired_at == 0) {
      fired_at = clock_.NowNanos();
      incident_open = 42;
    }
    if (fired_at && since >= react_after && !reacted) {
      reacted = true;
      if (remedy == "rollback") route.active = Rel("v1", "m-large", {"lookup_order"});
      if (remedy == "degrade") route.mode = RouteMode::kDegraded;
      if (remedy != "none") route.version++;
    }
  }
  bool Repaired() const {
    if (!reacted) return false;
    if (injected.kind == "upstream_timeout") return route.mode == RouteMode::kDegraded;
    return route.active && route.active->config.version == "v1";
  }

  FakeClock& clock_;
  RouteState route;
  bool rollback_ok = true;
  double traffic_per_s = 20;
  int64_t detect_after = 3 * kSec, react_after = 4 * kSec;
  std::string remedy = "rollback";
  Fault injected;
  int64_t injected_at = 0, fired_at = 0, incident_open = 0;
  bool reacted = false, restored = false;
  std::string cleared, fault_actor, tagged;
};

class DrillRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-drill-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = StateStore::Open(dir_ + "/v.db", {});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto runner = DrillRunner::Open(*store_, world_, clock_, SloTargets{},
                                    [this](int64_t ns) { world_.Tick(ns); });
    ASSERT_TRUE(runner.ok());
    runner_ = std::move(runner).value();
  }
  void TearDown() override {
    runner_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  DrillSpec Spec(const std::string& scenario) {
    DrillSpec s;
    s.scenario = scenario;
    s.use_case = "refund-bot";
    s.actor = "alice";
    return s;
  }
  std::string dir_;
  FakeClock clock_;
  FakeWorld world_{clock_};
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<DrillRunner> runner_;
};

TEST_F(DrillRunnerTest, MalformedOutputIsDetectedRolledBackAndRecovered) {
  DrillResult r = runner_->Run(Spec("malformed-output"));
  EXPECT_EQ(r.status, "passed") << r.message;
  EXPECT_EQ(world_.injected.kind, "malformed_output");
  EXPECT_EQ(world_.injected.target, "v2");
  EXPECT_EQ(world_.fault_actor, "drill:" + r.id);
  ASSERT_EQ(r.clocks.size(), 3u);
  EXPECT_EQ(r.clocks[0].elapsed_ns, 3 * kSec);
  EXPECT_LT(r.clocks[0].elapsed_ns, r.clocks[1].elapsed_ns);
  EXPECT_LT(r.clocks[1].elapsed_ns, r.clocks[2].elapsed_ns);
  EXPECT_GE(r.clocks[2].elapsed_ns - r.clocks[1].elapsed_ns, 5 * kSec);  // one full window
  EXPECT_EQ(r.expected_remedy, "rollback to v1");
  EXPECT_EQ(r.remedy_seen, "rollback to v1");
  EXPECT_EQ(world_.cleared, "f1");
  EXPECT_TRUE(world_.restored);
  EXPECT_EQ(world_.route.active->config.version, "v2");  // back as before
  EXPECT_EQ(world_.tagged, r.id + "@42");
  EXPECT_EQ(r.first_update_ns, 3 * kSec + kSec / 10);
  std::vector<std::string> steps;
  for (const DrillStep& s : r.steps) steps.push_back(s.name);
  EXPECT_EQ(steps, (std::vector<std::string>{"preflight", "inject", "detect", "switchback",
                                             "recovery", "clear", "restore"}));
  // Stored, and the same through JSON.
  auto stored = runner_->Get(r.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(DrillResultToJson(*stored), DrillResultToJson(r));
  EXPECT_NE(DrillToMarkdown(r).find("| switchback |"), std::string::npos);
  EXPECT_NE(r.message.find("detect 3.0 s (target 1m, met)"), std::string::npos) << r.message;
}

TEST_F(DrillRunnerTest, UpstreamTimeoutNeedsDegradeAndARollbackOnTheSameModelIsAFinding) {
  world_.remedy = "degrade";
  DrillResult ok = runner_->Run(Spec("upstream-timeout"));
  EXPECT_EQ(ok.status, "passed") << ok.message;
  EXPECT_EQ(ok.remedy_seen, "degrade to m-small");

  FakeWorld& w = world_;
  w.remedy = "rollback";  // the action map only rolls back: v1 calls the same model
  w.injected_at = w.fired_at = 0;
  w.reacted = false;
  w.cleared.clear();
  w.incident_open = 0;
  DrillSpec spec = Spec("upstream-timeout");
  spec.recovery_timeout_ns = 60 * kSec;
  DrillResult bad = runner_->Run(spec);
  EXPECT_EQ(bad.status, "failed");
  EXPECT_NE(bad.message.find("rollback to v1 did not restore the path (expected degrade to "
                             "m-small)"),
            std::string::npos)
      << bad.message;
  EXPECT_EQ(w.cleared, "f1");  // cleaned up anyway
  EXPECT_TRUE(w.restored);
}

TEST_F(DrillRunnerTest, ToolPermissionBreaksTheToolTheReleaseAdded) {
  DrillResult r = runner_->Run(Spec("tool-permission"));
  EXPECT_EQ(r.status, "passed") << r.message;
  EXPECT_EQ(world_.injected.kind, "tool_permission_denied");
  EXPECT_EQ(world_.injected.target, "issue_refund");
  EXPECT_NE(world_.injected.params_json.find("\"release\":\"v2\""), std::string::npos);
}

TEST_F(DrillRunnerTest, NoValidTargetFailsAtOnceAndNoTrafficAbortsCleanly) {
  world_.rollback_ok = false;
  DrillResult r = runner_->Run(Spec("malformed-output"));
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.message, "rollback not ready: no last-known-good release");
  EXPECT_EQ(world_.injected_at, 0);

  world_.rollback_ok = true;
  world_.traffic_per_s = 0;
  DrillResult idle = runner_->Run(Spec("malformed-output"));
  EXPECT_EQ(idle.status, "aborted");
  EXPECT_NE(idle.message.find("no live traffic"), std::string::npos);
  EXPECT_EQ(world_.injected_at, 0);  // nothing injected, nothing to restore
  EXPECT_FALSE(world_.restored);
}

TEST_F(DrillRunnerTest, UndetectedFaultFailsAndStillCleansUp) {
  world_.detect_after = -1;  // no rule covers it
  DrillSpec spec = Spec("malformed-output");
  spec.detect_timeout_ns = 10 * kSec;
  DrillResult r = runner_->Run(spec);
  EXPECT_EQ(r.status, "failed");
  EXPECT_NE(r.message.find("no P1/P2 alert fired within 10s"), std::string::npos) << r.message;
  EXPECT_EQ(r.steps.back().name, "restore");
  EXPECT_EQ(world_.cleared, "f1");
  EXPECT_TRUE(world_.restored);
  EXPECT_EQ(r.clocks[0].elapsed_ns, -1);
}

TEST_F(DrillRunnerTest, RefusesAnUnknownScenario) {
  auto started = runner_->Start(Spec("earthquake"));
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().field(), "scenario");
}

}  // namespace
}  // namespace vigil
