// The dashboard in a real browser: playwright-core (npm, tests/web/package.json) drives Debian's
// headless chromium against the real server holding real events. Checks the sign-in (no API
// calls before it, a wrong token refused), the overview's cards and cost chart against the data
// posted here, live refresh without a second chart, the incident and postmortem lists, and no
// console errors; the alerts page; an incident's clocks and timeline, its update form disabled for
// a read-only token and working for an operator; the charts and their markers; and a drill
// started from the drills page with the simulator in the loop, followed to its verdict, its
// rollback on the incident's timeline and the releases page. Screenshots of every page go to
// BUILD/web-screenshots.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "support/node_tools.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const char kConfig[] = R"(
auth:
  tokens:
    - { name: agent, token_env: T_INGEST, roles: [ingest], tenants: [acme] }
    - { name: viewer, token_env: T_READ, roles: [read], tenants: "*" }
    - { name: oncall, token_env: T_OPERATE, roles: [operate, read], tenants: "*" }
use_cases:
  - name: refund-bot
    releases:
      - { version: v1, model: m-large, prompt: refund@3, tools: [lookup_order], known_good: true }
      - { version: v2, model: m-large, prompt: refund@4, tools: [lookup_order], active: true }
)";

// Runs tests/web/SCRIPT with node from the prepared node_modules directory (ES modules resolve
// packages next to the script) and returns its JSON report; rc is the script's exit code.
json RunBrowserScript(const std::string& node_modules, const std::string& script,
                      const std::string& args, int& rc) {
  const fs::path node_dir = fs::path(node_modules).parent_path();
  fs::copy_file(fs::path(VIGIL_SOURCE_DIR) / "tests" / "web" / script, node_dir / script,
                fs::copy_options::overwrite_existing);
  auto [code, out] = Shell("cd '" + node_dir.string() + "' && node " + script + " " + args);
  rc = code;
  const size_t brace = out.rfind("{\"ok\"");
  if (brace == std::string::npos) {
    ADD_FAILURE() << script << " printed no report:\n" << out;
    return json::object();
  }
  return json::parse(out.substr(brace), nullptr, false);
}

fs::path ScreenshotDir() {
  const fs::path shots = fs::path(VIGIL_BINARY_DIR) / "web-screenshots";
  fs::create_directories(shots);
  return shots;
}

TEST(DashboardTest, OverviewDrawsRealDataAndPagesHaveNoConsoleErrors) {
  std::string error;
  const std::string node_modules = PrepareNodeModules("web", error);
  ASSERT_FALSE(node_modules.empty()) << error;
  ASSERT_TRUE(fs::exists(fs::path(VIGIL_BINARY_DIR) / "web" / "index.html"))
      << "the dashboard is not built (target vigil_web)";
  TempDir dir;
  VigilProcess vigil(dir.File("data"), kConfig,
                     {{"T_INGEST", "ingest-s"}, {"T_READ", "read-s"}, {"T_OPERATE", "op-s"}});
  ASSERT_TRUE(vigil.Start()) << vigil.Log();
  ASSERT_TRUE(vigil.WaitReady());

  // 20 requests: 18 succeed, 2 fail; each with one priced inference call.
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::string ndjson;
  for (int i = 0; i < 20; ++i) {
    const std::string trace = std::string(30, 'a') + (i < 10 ? "0" : "") + std::to_string(i);
    const int64_t ts = now - (60 - i) * 1'000'000'000LL;
    ndjson += json{{"ts", ts},
                   {"trace_id", trace},
                   {"span_id", std::string(16, '1')},
                   {"request_id", "r" + std::to_string(i)},
                   {"use_case", "refund-bot"},
                   {"layer", "task"},
                   {"status", i < 2 ? "error" : "ok"},
                   {"error_class", i < 2 ? "tool_error" : "none"},
                   {"latency_ms", 900}}
                  .dump() +
              "\n";
    ndjson += json{{"ts", ts - 100'000'000},
                   {"trace_id", trace},
                   {"span_id", std::string(16, '2')},
                   {"parent_span_id", std::string(16, '1')},
                   {"use_case", "refund-bot"},
                   {"layer", "inference"},
                   {"model", "m-large"},
                   {"latency_ms", 700},
                   {"tokens_in", 1000},
                   {"tokens_out", 200},
                   {"cost_usd", 0.006}}
                  .dump() +
              "\n";
  }
  // The two failed requests failed in their refund tool call.
  for (int i = 0; i < 2; ++i) {
    const std::string trace = std::string(30, 'a') + "0" + std::to_string(i);
    ndjson += json{{"ts", now - (60 - i) * 1'000'000'000LL - 300'000'000},
                   {"trace_id", trace},
                   {"span_id", std::string(16, '3')},
                   {"parent_span_id", std::string(16, '1')},
                   {"use_case", "refund-bot"},
                   {"layer", "tool"},
                   {"tool", "issue_refund"},
                   {"status", "error"},
                   {"error_class", "permission_denied"},
                   {"latency_ms", 40}}
                  .dump() +
              "\n";
  }
  HttpClient client(vigil.base_url());
  auto posted =
      client.Request("POST", "/v1/events", ndjson,
                     {"Content-Type: application/x-ndjson", "Authorization: Bearer ingest-s"});
  ASSERT_EQ(posted->status, 200) << posted->body;
  auto opened = client.Request(
      "POST", "/v1/incidents",
      json{{"use_case", "refund-bot"}, {"severity", "P2"}, {"title", "refund latency"}}.dump(),
      {"Content-Type: application/json", "Authorization: Bearer op-s"});
  ASSERT_EQ(opened->status, 201) << opened->body;
  // A postmortem of that incident, with a reinforcement, for the postmortem pages and the KB.
  const int64_t incident_id = json::parse(opened->body)["id"];
  auto drafted =
      client.Request("POST", "/v1/postmortems", json{{"incident_id", incident_id}}.dump(),
                     {"Content-Type: application/json", "Authorization: Bearer op-s"});
  ASSERT_EQ(drafted->status, 201) << drafted->body;
  const std::string pm = std::to_string(json::parse(drafted->body)["id"].get<int64_t>());
  auto edited = client.Request("PUT", "/v1/postmortems/" + pm,
                               json{{"summary", "Refund latency spike after the new prompt"},
                                    {"reinforcements",
                                     {{{"kind", "alert_rule"},
                                       {"ref", "refund-latency"},
                                       {"owner", "maria"},
                                       {"due", "2099-01-01"}}}}}
                                   .dump(),
                               {"Content-Type: application/json", "Authorization: Bearer op-s"});
  ASSERT_EQ(edited->status, 200) << edited->body;

  const fs::path shots = ScreenshotDir();
  int rc = -1;
  const json r = RunBrowserScript(node_modules, "dashboard.mjs",
                                  vigil.base_url() + " read-s op-s '" + shots.string() + "'", rc);
  EXPECT_EQ(rc, 0) << r.dump(2);
  const json& seen = r["seen"];
  EXPECT_NE(seen.value("bad_token", "").find("not valid"), std::string::npos) << r.dump(2);
  // The cards show what was stored: 20 tasks, 90.0% success, 2 tool_error; 20 model calls.
  const std::string task = seen.value("task_card", "");
  EXPECT_NE(task.find("90.0%"), std::string::npos) << task;
  EXPECT_NE(task.find("tasks20"), std::string::npos) << task;
  EXPECT_NE(task.find("tool_error2"), std::string::npos) << task;
  EXPECT_NE(seen.value("inference_card", "").find("calls20"), std::string::npos);
  EXPECT_GE(seen.value("chart_points", 0), 1);
  EXPECT_NEAR(seen.value("chart_total", 0.0), 20 * 0.006, 1e-9);
  // Five per-layer charts (task, inference latency, tool, business, cost), drawn from the
  // stored data: the task chart's series adds up to the 20 tasks; live refreshes keep five.
  EXPECT_EQ(seen.value("chart_tasks", 0), 20);
  for (const char* chart : {"task-chart", "latency-chart", "tool-chart", "cost-chart"}) {
    EXPECT_GE(seen["chart_series"].value(chart, 0), 1) << chart << seen.dump(2);
  }
  EXPECT_EQ(seen.value("chart_canvas", 0), 5);
  EXPECT_EQ(seen.value("charts_after_refresh", 0), 5);
  // Live refreshes do not grow the page: same DOM, JS heap after GC within 256 KiB.
  EXPECT_EQ(seen.value("live_dom_growth", -1), 0) << seen.dump(2);
  EXPECT_LT(seen.value("live_heap_growth", 1 << 30), 256 * 1024) << seen.dump(2);
  EXPECT_NE(seen.value("who", "").find("viewer"), std::string::npos);
  EXPECT_EQ(seen.value("incidents_rows", 0), 1);
  EXPECT_EQ(seen.value("postmortems_rows", -1), 1);
  EXPECT_EQ(seen.value("pm_reinforcements", 0), 1);
  EXPECT_EQ(seen.value("kb_hits", 0), 1);
  // The events page: 42 stored steps (limit 50 per page); failures only are the 2 failed tasks
  // and the 2 denied tool calls, and a tool row leads to its waterfall.
  EXPECT_EQ(seen.value("events_rows", 0), 42) << seen.dump(2);
  std::multiset<std::string> failed;
  for (const auto& f : seen["failed_events"]) failed.insert(f.get<std::string>());
  EXPECT_EQ(failed, (std::multiset<std::string>{"task:tool_error", "task:tool_error",
                                                "tool:permission_denied", "tool:permission_denied"}))
      << seen.dump(2);
  EXPECT_NE(seen.value("event_to_trace", "").find("issue_refund"), std::string::npos);
  // The trace waterfall, reached from the incident, shows the failing tool span.
  EXPECT_NE(seen.value("failing_span", "").find("issue_refund"), std::string::npos) << seen.dump(2);
  EXPECT_NE(seen.value("failing_span", "").find("permission_denied"), std::string::npos);
  EXPECT_EQ(seen.value("waterfall_rows", 0), 3);
  // The incident page: three clocks; a read-only token cannot post, and is told why; an
  // operator's update from the form reaches the timeline.
  EXPECT_EQ(seen["clocks"], json::array({"switchback", "first_update", "recovery"}));
  EXPECT_EQ(seen.value("update_disabled", false), true);
  EXPECT_NE(seen.value("update_why", "").find("no operate role"), std::string::npos);
  EXPECT_EQ(seen.value("update_posted", false), true);
  // Releases: read-only cannot roll back (and is told why); the operator's confirmation names
  // the change, and after it the route shows v1.
  EXPECT_EQ(seen.value("rollback_disabled_for_viewer", false), true);
  EXPECT_NE(seen.value("rollback_confirm", "").find("from v2 to v1"), std::string::npos)
      << seen.dump(2);
  EXPECT_EQ(seen.value("active_after_rollback", ""), "v1");
  // …and the overview draws it as a release marker.
  ASSERT_TRUE(seen.contains("release_markers")) << seen.dump(2);
  bool marked = false;
  for (const auto& m : seen["release_markers"]) {
    marked |= m.get<std::string>().find("release.rollback refund-bot@v1 by oncall") != std::string::npos;
  }
  EXPECT_TRUE(marked) << seen["release_markers"].dump();
  HttpClient check(vigil.base_url());
  auto route = check.Get("/v1/routes/refund-bot", {"Authorization: Bearer read-s"});
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(json::parse(route->body)["release"]["version"], "v1");
  for (const char* page : {"signin", "overview", "events", "alerts", "incidents", "postmortems", "postmortem",
                           "incident", "trace", "releases"}) {
    EXPECT_TRUE(fs::exists(shots / (std::string(page) + ".png"))) << page;
  }
}

const char kDrillConfig[] = R"(
auth:
  tokens:
    - { name: oncall, token_env: T_OPERATE, roles: [operate, read], tenants: "*" }
    - { name: sim, token_env: T_SIM, roles: [ingest, read], tenants: [acme] }
use_cases:
  - name: refund-bot
    critical_path: true
    releases:
      - { version: v1, model: m-large, prompt: refund@3, tools: [lookup_order],
          fallback_model: m-small, known_good: true }
      - { version: v2, model: m-large, prompt: refund@4, fallback_model: m-small, active: true,
          tools: [lookup_order, issue_refund] }
simulator:
  seed: 5
  rates: { refund-bot: 40 }
  models:
    m-large: { latency_ms: 80, sigma: 0.3 }
    m-small: { latency_ms: 40, sigma: 0.3 }
  errors: { inference: 0.0, tool: 0.0, refusal: 0.0 }
  timeout: 300ms
  max_retries: 1
alerting:
  evaluation_interval: 100ms
  rules:
    - { name: refund-task-errors, tier: P1, use_case: refund-bot, layer: task,
        signal: error_rate, window: 3s, threshold: "> 0.3", min_samples: 20, for: 1s }
)";

TEST(DashboardTest, DrillStartedFromTheUiEndsWithTheRollbackOnItsIncidentAndTheReleasePage) {
  std::string error;
  const std::string node_modules = PrepareNodeModules("web", error);
  ASSERT_FALSE(node_modules.empty()) << error;
  TempDir dir;
  VigilProcess vigil(dir.File("data"), kDrillConfig, {{"T_OPERATE", "op-s"}, {"T_SIM", "sim-s"}});
  ASSERT_TRUE(vigil.Start()) << vigil.Log();
  ASSERT_TRUE(vigil.WaitReady());
  std::ofstream(dir.File("config.yaml")) << kDrillConfig;
  const pid_t sim =
      SpawnSimulator(dir.File("config.yaml"), vigil.base_url(), "sim-s", dir.File("sim.log"));
  ASSERT_GT(sim, 0);
  HttpClient client(vigil.base_url());
  // Live traffic first: a drill's preflight wants it.
  ASSERT_TRUE(WaitFor([&] {
    auto s = client.Get("/v1/summary?use_case=refund-bot&from=-1m", {"Authorization: Bearer op-s"});
    if (!s.ok() || s->status != 200) return false;
    return json::parse(s->body)["task"]["count"].get<int>() > 200;
  }));

  const fs::path shots = ScreenshotDir();
  int rc = -1;
  const json r = RunBrowserScript(node_modules, "drill.mjs",
                                  vigil.base_url() + " op-s '" + shots.string() + "'", rc);
  StopProcess(sim);
  EXPECT_EQ(rc, 0) << r.dump(2) << vigil.Log();
  const json& seen = r["seen"];
  EXPECT_NE(seen.value("confirm", "").find("refund-bot"), std::string::npos) << seen.dump(2);
  // Followed live: the page showed the drill running, then its verdict with every step.
  EXPECT_EQ(seen.value("first_status", ""), "running");
  EXPECT_EQ(seen.value("status", ""), "passed") << seen.dump(2);
  EXPECT_EQ(seen["steps"], json::array({"preflight:true", "inject:true", "detect:true",
                                        "switchback:true", "recovery:true", "clear:true",
                                        "restore:true"}))
      << seen.dump(2);
  EXPECT_EQ(seen["clocks"], json::array({"detect:true", "switchback:true", "recovery:true"}));
  // The incident's timeline shows the automated rollback (the P1 action and the route change).
  bool rollback_action = false, route_changed = false;
  for (const auto& row : seen["timeline"]) {
    const std::string text = row.get<std::string>();
    if (text.rfind("action|", 0) == 0 && text.find("rollback") != std::string::npos) {
      rollback_action = true;
    }
    if (text.rfind("route_changed|", 0) == 0 && text.find("v1") != std::string::npos) {
      route_changed = true;
    }
  }
  EXPECT_TRUE(rollback_action) << seen["timeline"].dump(2);
  EXPECT_TRUE(route_changed) << seen["timeline"].dump(2);
  EXPECT_NE(seen.value("incident_title", "").find("[drill "), std::string::npos);
  // The releases page lists the rollback to v1 and the drill's restore; v2 is active again.
  bool rollback_listed = false, restore_listed = false;
  for (const auto& row : seen["release_changes"]) {
    const std::string text = row.get<std::string>();
    rollback_listed |= text.find("release.rollback") != std::string::npos &&
                       text.find("refund-bot@v1") != std::string::npos;
    restore_listed |= text.find("drill.restore") != std::string::npos;
  }
  EXPECT_TRUE(rollback_listed) << seen["release_changes"].dump(2);
  EXPECT_TRUE(restore_listed) << seen["release_changes"].dump(2);
  EXPECT_EQ(seen.value("active", ""), "v2");
  // The history shows the drill with its three clocks.
  ASSERT_EQ(seen["history"].size(), 1u) << seen.dump(2);
  EXPECT_NE(seen["history"][0].get<std::string>().find(":passed"), std::string::npos);
  EXPECT_EQ(seen.value("history_clocks", 0), 3);
  for (const char* page : {"drill-running", "drill", "drill-incident", "drill-releases", "drills"}) {
    EXPECT_TRUE(fs::exists(shots / (std::string(page) + ".png"))) << page;
  }
}

}  // namespace
}  // namespace vigil::testing
