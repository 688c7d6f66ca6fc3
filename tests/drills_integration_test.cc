// Drills end to end on the real binary with the simulator in the loop: each scenario injects
// its fault, the action map remedies it, the drill measures detect < switchback < recovery,
// then clears the fault and restores the route exactly as it was.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "client/http_client.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

const char kConfig[] = R"(
auth:
  tokens:
    - { name: admin, token_env: T_ADMIN, roles: [admin], tenants: "*" }
    - { name: sim, token_env: T_SIM, roles: [ingest, read], tenants: [acme] }
pricing:
  m-large: { input_per_mtok: 3.0, output_per_mtok: 15.0 }
  m-small: { input_per_mtok: 0.25, output_per_mtok: 1.25 }
use_cases:
  - name: refund-bot
    critical_path: true
    releases:
      - { version: v1, model: m-large, prompt: refund@3, tools: [lookup_order],
          fallback_model: m-small, known_good: true }
      - { version: v2, model: m-large, prompt: refund@4, fallback_model: m-small, active: true,
          tools: [lookup_order, issue_refund] }
  - name: faq-assistant
    releases:
      - { version: v1, model: m-small, prompt: faq@7, tools: [search_kb], active: true }
simulator:
  seed: 11
  rates: { refund-bot: 40, faq-assistant: 0 }
  models:
    m-large: { latency_ms: 80, sigma: 0.3 }
    m-small: { latency_ms: 40, sigma: 0.3 }
  errors: { inference: 0.0, tool: 0.0, refusal: 0.0 }
  timeout: 300ms
  max_retries: 1
alerting:
  evaluation_interval: 100ms
  rules:
    - { name: refund-inference-timeouts, tier: P2, use_case: refund-bot, layer: inference,
        signal: count, where: { error_class: timeout }, window: 3s, threshold: ">= 5",
        actions: [degrade] }
    - { name: refund-task-errors, tier: P1, use_case: refund-bot, layer: task,
        signal: error_rate, window: 3s, threshold: "> 0.3", min_samples: 20, for: 1s }
)";

class DrillsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vigil_ = std::make_unique<VigilProcess>(
        dir_.File("data"), kConfig,
        std::map<std::string, std::string>{{"T_ADMIN", "admin-s"}, {"T_SIM", "sim-s"}});
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady());
    std::ofstream(dir_.File("config.yaml")) << kConfig;
  }
  void TearDown() override { StopProcess(sim_pid_); }
  void StartSimulator() {
    sim_pid_ =
        SpawnSimulator(dir_.File("config.yaml"), vigil_->base_url(), "sim-s", dir_.File("sim.log"));
    ASSERT_GT(sim_pid_, 0);
    // Live traffic first: the preflight wants it.
    ASSERT_TRUE(WaitFor([&] {
      const json s = Get("/v1/summary?use_case=refund-bot&from=-1m");
      return s.is_object() && s["task"]["count"].get<int>() > 200;
    }));
  }
  json Get(const std::string& path) {
    HttpClient c(vigil_->base_url());
    auto r = c.Get(path, {"Authorization: Bearer admin-s"});
    return r.ok() && r->status == 200 ? json::parse(r->body) : json();
  }
  // `vigil drill run … --json`; returns the final drill document.
  json Drill(const std::string& scenario, const std::string& use_case = "refund-bot") {
    const std::string cmd = "VIGIL_TOKEN=admin-s " + VigilBinary() + " drill run " + scenario +
                            " --use-case " + use_case + " --server " + vigil_->base_url() +
                            " --timeout-detect 20s --timeout-switchback 20s "
                            "--timeout-recovery 30s --json 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
    exit_status_ = WEXITSTATUS(pclose(pipe));
    json d = json::parse(out, nullptr, false);
    if (!d.is_object()) ADD_FAILURE() << out;
    return d;
  }
  void ExpectPassedAndRestored(const json& d, const std::string& remedy) {
    ASSERT_TRUE(d.is_object());
    EXPECT_EQ(d["status"], "passed") << d.dump(2) << vigil_->Log();
    EXPECT_EQ(exit_status_, 0);
    EXPECT_EQ(d["remedy_seen"], remedy) << d.dump(2);
    const double detect = d["clocks"][0]["elapsed_s"], switchback = d["clocks"][1]["elapsed_s"],
                 recovery = d["clocks"][2]["elapsed_s"];
    EXPECT_LT(detect, switchback);
    EXPECT_LT(switchback, recovery);
    std::vector<std::string> steps;
    for (const json& s : d["steps"]) steps.push_back(s["name"]);
    EXPECT_EQ(steps, (std::vector<std::string>{"preflight", "inject", "detect", "switchback",
                                               "recovery", "clear", "restore"}));
    // Restored exactly: v2 active, normal mode, not frozen, no faults.
    const json route = Get("/v1/routes/refund-bot");
    EXPECT_EQ(route["release"]["version"], "v2");
    EXPECT_EQ(route["mode"], "normal");
    EXPECT_FALSE(route["frozen"].get<bool>());
    EXPECT_TRUE(route["faults"].empty());
    // The incident is the drill's, with every step on its timeline, and closed.
    ASSERT_TRUE(d["incident_id"].is_number());
    const json incident = Get("/v1/incidents/" + std::to_string(d["incident_id"].get<int>()));
    EXPECT_EQ(incident["status"], "resolved");
    EXPECT_EQ(incident["title"].get<std::string>().rfind("[drill " + d["id"].get<std::string>(), 0),
              0u);
    std::set<std::string> kinds;
    for (const json& e : incident["timeline"]) kinds.insert(e["kind"]);
    for (const char* k : {"alert_fired", "action", "route_changed", "drill", "resolved"}) {
      EXPECT_TRUE(kinds.count(k)) << k;
    }
    // The audit log tells the whole story.
    const std::string actor = "drill:" + d["id"].get<std::string>();
    const json audit = Get("/v1/audit?target=refund-bot&limit=100");
    std::vector<std::string> acts;
    for (const json& e : audit["entries"])
      acts.push_back(e["action"].get<std::string>() + " by " + e["actor"].get<std::string>());
    for (const std::string& want :
         {"fault.inject by " + actor, "fault.clear by " + actor, "drill.restore by " + actor}) {
      EXPECT_NE(std::find(acts.begin(), acts.end(), want), acts.end()) << want;
    }
  }

  TempDir dir_;
  std::unique_ptr<VigilProcess> vigil_;
  pid_t sim_pid_ = -1;
  int exit_status_ = -1;
};

TEST_F(DrillsTest, MalformedOutputIsRemediedByRollback) {
  StartSimulator();
  const json d = Drill("malformed-output");
  ExpectPassedAndRestored(d, "rollback to v1");
  EXPECT_EQ(d["fault"]["kind"], "malformed_output");
  EXPECT_EQ(d["fault"]["target"], "v2");
}

TEST_F(DrillsTest, ToolPermissionIsRemediedByRollback) {
  StartSimulator();
  const json d = Drill("tool-permission");
  ExpectPassedAndRestored(d, "rollback to v1");
  EXPECT_EQ(d["fault"]["target"], "issue_refund");
}

TEST_F(DrillsTest, UpstreamTimeoutIsRemediedByDegradedMode) {
  StartSimulator();
  const json d = Drill("upstream-timeout");
  ExpectPassedAndRestored(d, "degrade to m-small");
  EXPECT_EQ(d["fault"]["target"], "m-large");
}

TEST_F(DrillsTest, NoTargetFailsEarlyAndNoTrafficAbortsLeavingNothingBehind) {
  // faq-assistant has one release: nothing to roll back to.
  const json no_target = Drill("malformed-output", "faq-assistant");
  EXPECT_EQ(no_target["status"], "failed");
  EXPECT_EQ(exit_status_, 1);
  EXPECT_NE(no_target["message"].get<std::string>().find("rollback not ready"), std::string::npos);
  // refund-bot is ready but idle: the drill aborts before injecting anything.
  const json idle = Drill("malformed-output");
  EXPECT_EQ(idle["status"], "aborted") << idle.dump(2);
  EXPECT_NE(idle["message"].get<std::string>().find("no live traffic"), std::string::npos);
  const json route = Get("/v1/routes/refund-bot");
  EXPECT_TRUE(route["faults"].empty());
  EXPECT_FALSE(route["frozen"].get<bool>());
  const json audit = Get("/v1/audit?action=fault.");
  EXPECT_TRUE(audit["entries"].empty());
  // Both are stored and listed.
  EXPECT_EQ(Get("/v1/drills")["drills"].size(), 2u);
}

}  // namespace
}  // namespace vigil::testing
