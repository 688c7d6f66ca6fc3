// Alert rules against the real binary: a fault stream makes a P1 fire with evidence, and
// healthy traffic resolves it.

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/http_client.h"
#include "common/clock.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

const char kConfig[] = R"(
auth:
  tokens:
    - { name: acme, token_env: T_ACME, roles: [ingest, read], tenants: [acme] }
    - { name: ops,  token_env: T_OPS,  roles: [read], tenants: "*" }
    - { name: alice, token_env: T_ALICE, roles: [operate], tenants: "*" }
use_cases:
  - name: refund-bot
    critical_path: true
    releases:
      - { version: v1, model: m-large, prompt: refund@3, fallback_model: m-small, known_good: true }
      - { version: v2, model: m-large, prompt: refund@4, fallback_model: m-small, active: true }
runbook:
  P1:
    - { role: oncall, step: "Roll back to the last known good release", action: rollback }
    - { role: incident_commander, step: "Confirm traffic follows the previous release" }
alerting:
  evaluation_interval: 100ms
  rules:
    - { name: refund-task-errors, tier: P1, use_case: refund-bot, layer: task, signal: error_rate,
        window: 5s, threshold: "> 0.2", min_samples: 20 }
    - { name: unauthorized-actions, tier: P1, tenant: acme, layer: tool, signal: count,
        where: { error_class: unauthorized_action }, window: 1m, threshold: ">= 1" }
    - { name: slow-inference, tier: P2, layer: inference, signal: latency_p95, window: 1m,
        threshold: "> 4000", for: 2m, actions: [notify_oncall] }
)";

class AlertingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vigil_ = std::make_unique<VigilProcess>(
        dir_.File("data"), kConfig,
        std::map<std::string, std::string>{
            {"T_ACME", "acme-s"}, {"T_OPS", "ops-s"}, {"T_ALICE", "alice-s"}});
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady());
  }
  void TearDown() override {
    stop_ = true;
    if (traffic_.joinable()) traffic_.join();
  }
  // Sends 10 tasks every 50 ms; error_percent can change while it runs.
  void StartTraffic() {
    traffic_ = std::thread([this] {
      HttpClient c(vigil_->base_url());
      for (int b = 0; !stop_.load(); ++b) {
        std::string body;
        for (int i = 0; i < 10; ++i) {
          bool error = (b * 10 + i) % 100 < error_percent_.load();
          body += R"({"trace_id":"b)" + std::to_string(b) + R"(","span_id":")" + std::to_string(i) +
                  R"(","request_id":"r","use_case":"refund-bot","layer":"task","status":")" +
                  (error ? R"(error","error_class":"timeout/upstream")" : R"(ok")") + "}\n";
        }
        c.Request("POST", "/v1/events", body,
                  {"Content-Type: application/x-ndjson", "Authorization: Bearer acme-s"});
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  json Alerts(const std::string& token = "ops-s") {
    HttpClient c(vigil_->base_url());
    auto r = c.Get("/v1/alerts", {"Authorization: Bearer " + token});
    return r.ok() && r->status == 200 ? json::parse(r->body) : json();
  }
  static const json* Find(const json& alerts, const std::string& rule) {
    if (!alerts.contains("alerts")) return nullptr;
    for (const auto& a : alerts["alerts"]) {
      if (a["rule"] == rule) return &a;
    }
    return nullptr;
  }

  TempDir dir_;
  std::unique_ptr<VigilProcess> vigil_;
  std::thread traffic_;
  std::atomic<bool> stop_{false};
  std::atomic<int> error_percent_{2};
};

TEST_F(AlertingTest, FaultStreamFiresP1WithEvidenceAndRecoveryResolvesIt) {
  StartTraffic();
  // Healthy for a while: nothing fires.
  ASSERT_TRUE(WaitFor([&] {
    HttpClient c(vigil_->base_url());
    auto m = c.Get("/metrics");
    return m.ok() &&
           m->body.find("vigil_ingest_events_total{result=\"stored\"} 1") != std::string::npos;
  }));
  EXPECT_EQ(Find(Alerts(), "refund-task-errors"), nullptr);

  error_percent_ = 50;
  auto fault = std::chrono::steady_clock::now();
  json firing;
  ASSERT_TRUE(WaitFor([&] {
    json alerts = Alerts();
    const json* a = Find(alerts, "refund-task-errors");
    if (a == nullptr || (*a)["state"] != "firing") return false;
    firing = *a;
    return true;
  })) << vigil_->Log();
  double detect_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - fault).count();
  std::printf("fault → P1 firing in %.2f s\n", detect_s);
  EXPECT_EQ(firing["tier"], "P1");
  EXPECT_EQ(firing["firing_id"], 1);
  EXPECT_GT(firing["evidence"]["value"].get<double>(), 0.2);
  EXPECT_EQ(firing["evidence"]["threshold"], "> 0.2");
  EXPECT_EQ(firing["evidence"]["window"], "5s");
  EXPECT_GE(firing["evidence"]["samples"].get<int>(), 20);
  EXPECT_EQ(firing["evidence"]["top_keys"][0]["key"], "refund-bot/task/timeout");

  // The acme-scoped token does not see a rule that aggregates across tenants.
  EXPECT_EQ(Find(Alerts("acme-s"), "refund-task-errors"), nullptr);

  error_percent_ = 0;
  ASSERT_TRUE(WaitFor([&] {
    json alerts = Alerts();
    const json* a = Find(alerts, "refund-task-errors");
    return a != nullptr && (*a)["state"] == "resolved";
  })) << vigil_->Log();

  HttpClient c(vigil_->base_url());
  auto m = c.Get("/metrics");
  ASSERT_TRUE(m.ok());
  EXPECT_NE(m->body.find("vigil_alert_transitions_total{tier=\"P1\",to=\"firing\"} 1"),
            std::string::npos);
  EXPECT_NE(m->body.find("vigil_rule_evaluation_seconds_count"), std::string::npos);
}

TEST_F(AlertingTest, P1OpensAnIncidentWhoseTimelineHasTheActionsInOrder) {
  StartTraffic();
  error_percent_ = 60;
  HttpClient c(vigil_->base_url());
  json incident;
  ASSERT_TRUE(WaitFor([&] {
    auto list = c.Get("/v1/incidents?status=open", {"Authorization: Bearer ops-s"});
    if (!list.ok() || list->status != 200) return false;
    json l = json::parse(list->body);
    if (l["incidents"].empty()) return false;
    auto one = c.Get("/v1/incidents/" + std::to_string(l["incidents"][0]["id"].get<int>()),
                     {"Authorization: Bearer ops-s"});
    incident = json::parse(one->body);
    int actions = 0;
    bool update = false;  // posted after the diagnosis, which reads the store
    for (const auto& e : incident["timeline"]) {
      actions += e["kind"] == "action";
      update |= e["kind"] == "update" && e["actor"] == "vigil";
    }
    return actions >= 3 && update;
  })) << vigil_->Log();
  EXPECT_EQ(incident["severity"], "P1");
  EXPECT_EQ(incident["use_case"], "refund-bot");
  const json& tl = incident["timeline"];
  EXPECT_EQ(tl[0]["kind"], "opened");
  EXPECT_EQ(tl[1]["kind"], "alert_fired");
  EXPECT_EQ(tl[1]["detail"]["threshold"], "> 0.2");
  std::vector<std::string> actions;
  for (const auto& e : tl) {
    if (e["kind"] == "action") actions.push_back(e["detail"]["action"]);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"rollback", "notify_oncall", "freeze_releases"}));
  // Rollback and freeze act on the release registry; no on-call receiver is configured, so the
  // page fails, loudly, without blocking the freeze after it.
  bool automated_update = false;
  bool route_changed = false;
  for (const auto& e : tl) {
    if (e["kind"] == "action") {
      const std::string summary = e["summary"];
      const bool failed = summary.find("FAILED") != std::string::npos;
      EXPECT_EQ(failed, e["detail"]["action"] == "notify_oncall") << summary;
      if (e["detail"]["action"] == "rollback") {
        EXPECT_NE(summary.find("rolled back from v2 to v1"), std::string::npos) << summary;
      }
    }
    route_changed |= e["kind"] == "route_changed";
    if (e["kind"] == "update" && e["actor"] == "vigil") {
      automated_update = true;
      EXPECT_NE(e["summary"].get<std::string>().find("Automated"), std::string::npos);
    }
  }
  EXPECT_TRUE(automated_update);
  EXPECT_TRUE(route_changed);
  EXPECT_EQ(incident["clocks"][0]["name"], "switchback");
  EXPECT_TRUE(incident["clocks"][0]["stopped"].get<bool>());
  EXPECT_TRUE(incident["clocks"][0]["met"].get<bool>());

  // The runbook: the rollback step checked itself; a person checks off the next one.
  ASSERT_EQ(incident["runbook"].size(), 2u);
  EXPECT_TRUE(incident["runbook"][0]["done"].get<bool>());
  EXPECT_EQ(incident["runbook"][0]["done_by"], "alert:refund-task-errors");
  EXPECT_FALSE(incident["runbook"][1]["done"].get<bool>());
  const std::string id = std::to_string(incident["id"].get<int>());
  EXPECT_EQ(
      c.Request("POST", "/v1/incidents/" + id + "/runbook/2", "{}", {"Authorization: Bearer ops-s"})
          ->status,
      403);  // read-only token
  auto step = c.Request("POST", "/v1/incidents/" + id + "/runbook/2", "{}",
                        {"Authorization: Bearer alice-s"});
  ASSERT_EQ(step->status, 200) << step->body;
  EXPECT_EQ(json::parse(step->body)["done_by"], "alice");
  EXPECT_EQ(c.Request("POST", "/v1/incidents/" + id + "/runbook/7", "{}",
                      {"Authorization: Bearer alice-s"})
                ->status,
            404);
  const json runbook =
      json::parse(c.Get("/v1/incidents/" + id + "/runbook", {"Authorization: Bearer ops-s"})->body);
  EXPECT_TRUE(runbook["steps"][1]["done"].get<bool>());

  // A person posts an update (stops the update clock) and resolves.
  auto update =
      c.Request("POST", "/v1/incidents/" + id + "/updates", R"({"text":"rolling back by hand"})",
                {"Authorization: Bearer alice-s", "Content-Type: application/json"});
  ASSERT_EQ(update->status, 201) << update->body;
  EXPECT_EQ(c.Request("POST", "/v1/incidents/" + id + "/updates", R"({"text":""})",
                      {"Authorization: Bearer alice-s"})
                ->status,
            400);
  EXPECT_EQ(c.Request("POST", "/v1/incidents/" + id + "/updates", R"({"text":"x"})",
                      {"Authorization: Bearer ops-s"})
                ->status,
            403);  // read-only token
  auto resolve = c.Request("POST", "/v1/incidents/" + id + "/resolve", R"({"summary":"fixed"})",
                           {"Authorization: Bearer alice-s"});
  ASSERT_EQ(resolve->status, 200) << resolve->body;
  json after = json::parse(c.Get("/v1/incidents/" + id, {"Authorization: Bearer ops-s"})->body);
  EXPECT_EQ(after["status"], "resolved");
  EXPECT_TRUE(after["clocks"][1]["stopped"].get<bool>());  // alice's update, not Vigil's
  auto m = c.Get("/metrics");
  EXPECT_NE(m->body.find("vigil_actions_total{action=\"rollback\",outcome=\"ok\"} 1"),
            std::string::npos);
  EXPECT_NE(m->body.find("vigil_actions_total{action=\"notify_oncall\",outcome=\"failed\"} 1"),
            std::string::npos);
  EXPECT_NE(
      m->body.find("vigil_events_total{use_case=\"refund-bot\",layer=\"task\",status=\"error\"}"),
      std::string::npos)
      << m->body;
}

TEST_F(AlertingTest, IncidentsOpenedByHandRespectTenants) {
  HttpClient c(vigil_->base_url());
  auto opened = c.Request(
      "POST", "/v1/incidents",
      R"({"use_case":"refund-bot","tenant":"globex","title":"double refunds","severity":"P2"})",
      {"Authorization: Bearer alice-s"});
  ASSERT_EQ(opened->status, 201) << opened->body;
  EXPECT_EQ(
      c.Request("POST", "/v1/incidents", R"({"title":"x"})", {"Authorization: Bearer alice-s"})
          ->status,
      400);
  EXPECT_EQ(
      c.Request("POST", "/v1/incidents", "not json", {"Authorization: Bearer alice-s"})->status,
      400);
  json mine = json::parse(c.Get("/v1/incidents", {"Authorization: Bearer acme-s"})->body);
  EXPECT_TRUE(mine["incidents"].empty());  // acme's token cannot see globex's incident
  json all = json::parse(c.Get("/v1/incidents", {"Authorization: Bearer ops-s"})->body);
  ASSERT_EQ(all["incidents"].size(), 1u);
  EXPECT_EQ(c.Get("/v1/incidents/999", {"Authorization: Bearer ops-s"})->status, 404);
}

TEST_F(AlertingTest, AnAlertmanagerWebhookOpensAnIncidentAndRunsTheActionMap) {
  HttpClient c(vigil_->base_url());
  const std::string firing = R"({"version":"4","status":"firing","receiver":"vigil","alerts":[
    {"status":"firing","labels":{"alertname":"RefundApiDown","severity":"critical","use_case":"refund-bot"},
     "annotations":{"summary":"refund API 5xx"},"startsAt":"2026-11-28T15:00:00Z","fingerprint":"abc123"}]})";
  auto r = c.Request("POST", "/v1/alertmanager", firing,
                     {"Authorization: Bearer alice-s", "Content-Type: application/json"});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["transitions"], 1);
  // Sent again (Alertmanager repeats): no second firing.
  r = c.Request("POST", "/v1/alertmanager", firing, {"Authorization: Bearer alice-s"});
  EXPECT_EQ(json::parse(r->body)["transitions"], 0);
  json incident;
  ASSERT_TRUE(WaitFor([&] {
    json list = json::parse(c.Get("/v1/incidents", {"Authorization: Bearer ops-s"})->body);
    if (list["incidents"].empty()) return false;
    incident =
        json::parse(c.Get("/v1/incidents/" + std::to_string(list["incidents"][0]["id"].get<int>()),
                          {"Authorization: Bearer ops-s"})
                        ->body);
    int actions = 0;
    for (const auto& e : incident["timeline"]) actions += e["kind"] == "action";
    return actions >= 3;
  }));
  EXPECT_EQ(incident["severity"], "P1");
  EXPECT_EQ(incident["use_case"], "refund-bot");
  EXPECT_EQ(incident["timeline"][1]["actor"], "alert:alertmanager:RefundApiDown");
  std::string resolved = firing;
  for (size_t p; (p = resolved.find("firing")) != std::string::npos;)
    resolved.replace(p, 6, "resolved");
  r = c.Request("POST", "/v1/alertmanager", resolved, {"Authorization: Bearer alice-s"});
  EXPECT_EQ(json::parse(r->body)["transitions"], 1);
  // Bad payloads name the field; a read-only token is refused.
  EXPECT_EQ(c.Request("POST", "/v1/alertmanager", R"({"alerts":[{"labels":{}}]})",
                      {"Authorization: Bearer alice-s"})
                ->status,
            400);
  EXPECT_EQ(c.Request("POST", "/v1/alertmanager", firing, {"Authorization: Bearer ops-s"})->status,
            403);
}

TEST_F(AlertingTest, DiagnosisNamesTheInjectedToolAndClass) {
  const int64_t now = SystemClock::Instance().NowNanos();
  const int64_t min = 60LL * 1'000'000'000;
  std::string body;
  auto add = [&](int64_t ts, int i, bool task_fails, bool tool_fails) {
    std::string t = std::to_string(ts), id = std::to_string(ts) + "-" + std::to_string(i);
    body +=
        R"({"ts":)" + t + R"(,"trace_id":"d)" + id +
        R"(","span_id":"task","request_id":"r","use_case":"refund-bot","layer":"task","release":"v7","status":")" +
        (task_fails ? R"(error","error_class":"tool_error")" : R"(ok")") + "}\n";
    body +=
        R"({"ts":)" + t + R"(,"trace_id":"d)" + id +
        R"(","span_id":"llm","request_id":"r","use_case":"refund-bot","layer":"inference","model":"m-large","release":"v7"})"
        "\n";
    body +=
        R"({"ts":)" + t + R"(,"trace_id":"d)" + id +
        R"(","span_id":"tool","request_id":"r","use_case":"refund-bot","layer":"tool","tool":"issue_refund","release":"v7")" +
        (tool_fails ? R"(,"status":"error","error_class":"permission_denied")" : "") + "}\n";
  };
  for (int i = 0; i < 300; ++i) add(now - 40 * min + i * 1'000'000'000LL, i, i % 100 == 0, false);
  for (int i = 0; i < 200; ++i) add(now - 5 * min + i * 1'000'000'000LL, i, i % 2 == 0, i % 2 == 0);
  HttpClient c(vigil_->base_url());
  auto r = c.Request("POST", "/v1/events", body,
                     {"Content-Type: application/x-ndjson", "Authorization: Bearer acme-s"});
  ASSERT_EQ(r->status, 200) << r->body.substr(0, 500);
  auto d = c.Get("/v1/diagnose?use_case=refund-bot&from=-10m", {"Authorization: Bearer acme-s"});
  ASSERT_EQ(d->status, 200) << d->body;
  json diag = json::parse(d->body);
  const std::string summary = diag["summary"];
  EXPECT_NE(summary.find("inference healthy"), std::string::npos) << summary;
  EXPECT_NE(summary.find("tool issue_refund permission_denied explains"), std::string::npos)
      << summary;
  EXPECT_EQ(diag["findings"][0]["layer"], "tool");
  EXPECT_GT(diag["findings"][0]["share_of_excess"].get<double>(), 0.9);
  EXPECT_EQ(c.Get("/v1/diagnose?baseline=soon", {"Authorization: Bearer acme-s"})->status, 400);
}

TEST_F(AlertingTest, RulesListShowsEffectiveActions) {
  HttpClient c(vigil_->base_url());
  auto r = c.Get("/v1/rules", {"Authorization: Bearer ops-s"});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  json rules = json::parse(r->body);
  ASSERT_EQ(rules["rules"].size(), 3u);
  EXPECT_EQ(rules["rules"][0]["actions"],
            json({"rollback", "notify_oncall", "freeze_releases"}));  // the P1 default
  EXPECT_EQ(rules["rules"][2]["actions"], json({"notify_oncall"}));   // the rule's override
  EXPECT_EQ(rules["rules"][2]["for"], "2m");
  EXPECT_EQ(rules["evaluation_interval"], "100ms");
}

TEST_F(AlertingTest, CountRuleFiresOnASingleUnauthorizedAction) {
  HttpClient c(vigil_->base_url());
  auto r = c.Request(
      "POST", "/v1/events",
      R"({"trace_id":"u","span_id":"1","request_id":"r","layer":"tool","tool":"issue_refund","status":"error","error_class":"unauthorized_action"})"
      "\n",
      {"Content-Type: application/x-ndjson", "Authorization: Bearer acme-s"});
  ASSERT_EQ(r->status, 200);
  ASSERT_TRUE(WaitFor([&] {
    json alerts = Alerts("acme-s");  // scoped to tenant acme: visible to the acme token
    const json* a = Find(alerts, "unauthorized-actions");
    return a != nullptr && (*a)["state"] == "firing";
  })) << vigil_->Log();
}

}  // namespace
}  // namespace vigil::testing
