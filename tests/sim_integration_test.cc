// The simulator (`vigil sim`, the real binary) against the real server: its traffic matches its
// configuration, and it follows the route — a drill fault breaks the path, the action map's
// rollback repairs it, and the simulator's traffic moves to the rolled-back release.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

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
  seed: 7
  rates: { refund-bot: 10, faq-assistant: 20 }
  models:
    m-large: { latency_ms: 400, sigma: 0.3, tokens_in: 1400, tokens_out: 350 }
    m-small: { latency_ms: 150, sigma: 0.3, tokens_in: 900, tokens_out: 220 }
  errors: { inference: 0.0, tool: 0.02, refusal: 0.01 }
  business: { conversion: 0.3, handoff_to_human: 0.05, complaint: 0.01 }
  timeout: 1s
alerting:
  evaluation_interval: 100ms
  rules:
    - { name: refund-task-errors, tier: P1, use_case: refund-bot, layer: task,
        signal: error_rate, window: 3s, threshold: "> 0.3", min_samples: 10 }
)";

class SimulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vigil_ = std::make_unique<VigilProcess>(
        dir_.File("data"), kConfig,
        std::map<std::string, std::string>{{"T_ADMIN", "admin-s"}, {"T_SIM", "sim-s"}});
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady());
    std::ofstream(dir_.File("sim.yaml")) << kConfig;
  }
  // Runs `vigil sim … --json` to completion; returns its JSON report.
  json RunSim(const std::string& duration) {
    const std::string cmd = "VIGIL_TOKEN=sim-s " + VigilBinary() + " sim --config " +
                            dir_.File("sim.yaml") + " --server " + vigil_->base_url() +
                            " --duration " + duration + " --json 2>" + dir_.File("sim.err");
    FILE* pipe = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
    exit_status_ = pclose(pipe);
    return json::parse(out, nullptr, false);
  }
  json Get(const std::string& path) {
    HttpClient c(vigil_->base_url());
    auto r = c.Get(path, {"Authorization: Bearer admin-s"});
    return r.ok() && r->status == 200 ? json::parse(r->body) : json();
  }

  TempDir dir_;
  std::unique_ptr<VigilProcess> vigil_;
  int exit_status_ = -1;
};

TEST_F(SimulatorTest, SixtySecondsOfTrafficMatchTheConfiguration) {
  const json report = RunSim("60s");
  ASSERT_TRUE(report.is_object()) << vigil_->Log();
  EXPECT_EQ(WEXITSTATUS(exit_status_), 0);
  EXPECT_EQ(report["events_rejected"], 0);
  EXPECT_EQ(report["batches_failed"], 0);
  const double refund_rate = report["use_cases"]["refund-bot"]["rate"];
  const double faq_rate = report["use_cases"]["faq-assistant"]["rate"];
  EXPECT_NEAR(refund_rate, 10, 1.5);
  EXPECT_NEAR(faq_rate, 20, 2.5);

  // What the server stored matches what the simulator says it sent and was configured to do.
  const json refund = Get("/v1/summary?use_case=refund-bot&from=-5m");
  const int64_t tasks = refund["task"]["count"];
  const int64_t started = report["use_cases"]["refund-bot"]["requests"];
  EXPECT_LE(tasks, started);
  EXPECT_GE(tasks, started - 30);  // requests still running at the stop are abandoned
  const double p50 = refund["inference"]["latency_ms"]["p50"];
  EXPECT_NEAR(p50, 400, 60);  // m-large's configured median
  const double cost_per_call =
      refund["inference"]["cost_usd"].get<double>() / refund["inference"]["count"].get<double>();
  EXPECT_NEAR(cost_per_call, (1400 * 3.0 + 350 * 15.0) / 1e6, 0.0015);  // from pricing
  double conversion = 0;
  for (const json& m : refund["business"]["metrics"]) {
    if (m["metric"] == "conversion") conversion = m["rate_per_task"];
  }
  EXPECT_NEAR(conversion, 0.3 * (1 - refund["task"]["errors"].get<double>() / tasks), 0.05);
  const double failure_rate = refund["task"]["errors"].get<double>() / static_cast<double>(tasks);
  EXPECT_LT(failure_rate, 0.05);  // 1% refusals + half of 2% tool errors on ~1.6 calls
  EXPECT_GT(failure_rate, 0.005);
  const json faq = Get("/v1/summary?use_case=faq-assistant&from=-5m");
  EXPECT_NEAR(faq["inference"]["latency_ms"]["p50"].get<double>(), 150, 25);
}

TEST_F(SimulatorTest, AFaultBreaksThePathAndTheRollbackTheSimulatorFollowsRepairsIt) {
  std::thread sim([&] { RunSim("25s"); });
  HttpClient c(vigil_->base_url());
  const std::vector<std::string> auth = {"Authorization: Bearer admin-s",
                                         "Content-Type: application/json"};
  // Healthy traffic first, then v2's model output turns malformed.
  ASSERT_TRUE(WaitFor([&] {
    const json s = Get("/v1/summary?use_case=refund-bot&from=-1m");
    return s.is_object() && s["task"]["count"].get<int>() > 20;
  }));
  auto injected =
      c.Request("POST", "/v1/routes/refund-bot/faults",
                R"({"kind":"malformed_output","target":"v2","until":"1m","drill":"t1"})", auth);
  ASSERT_EQ(injected->status, 201) << injected->body;
  // The P1 fires and rolls back to v1; the simulator follows and v1 is healthy.
  ASSERT_TRUE(WaitFor([&] { return Get("/v1/routes/refund-bot")["release"]["version"] == "v1"; }))
      << vigil_->Log();
  ASSERT_TRUE(WaitFor([&] {
    const json ev = Get("/v1/events?use_case=refund-bot&layer=task&limit=20&from=-2s");
    if (!ev.is_object() || ev["events"].size() < 5) return false;
    for (const json& e : ev["events"]) {
      if (e["release"] != "v1" || e["status"] != "ok") return false;
    }
    return true;
  })) << vigil_->Log();
  sim.join();
  const json audit = Get("/v1/audit?target=refund-bot");
  std::vector<std::string> acts;
  for (const json& e : audit["entries"])
    acts.push_back(e["action"].get<std::string>() + " by " + e["actor"].get<std::string>());
  EXPECT_NE(std::find(acts.begin(), acts.end(), "fault.inject by drill:t1"), acts.end());
  EXPECT_NE(std::find(acts.begin(), acts.end(), "release.rollback by alert:refund-task-errors"),
            acts.end());
}

}  // namespace
}  // namespace vigil::testing
