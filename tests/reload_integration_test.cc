// Config reload while running: POST /v1/admin/reload and SIGHUP apply new rules, keep the state
// of unchanged rules, and refuse a broken file without changing anything.

#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

std::string Config(const std::string& extra_rule) {
  return R"(
auth:
  tokens:
    - { name: acme, token_env: T_ACME, roles: [ingest, read], tenants: "*" }
    - { name: root, token_env: T_ROOT, roles: [admin], tenants: "*" }
alerting:
  evaluation_interval: 100ms
  rules:
    - { name: any-error, tier: P3, layer: task, signal: count, where: { error_class: timeout },
        window: 5m, threshold: ">= 1" }
)" + extra_rule;
}

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vigil_ = std::make_unique<VigilProcess>(
        dir_.File("data"), Config(""),
        std::map<std::string, std::string>{{"T_ACME", "a"}, {"T_ROOT", "r"}});
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady());
    client_ = std::make_unique<HttpClient>(vigil_->base_url());
  }
  json Rules() { return json::parse(client_->Get("/v1/rules", {"Authorization: Bearer a"})->body); }
  json Alert(const std::string& rule) {
    json alerts = json::parse(client_->Get("/v1/alerts", {"Authorization: Bearer a"})->body);
    for (const auto& a : alerts["alerts"]) {
      if (a["rule"] == rule) return a;
    }
    return json::object();
  }
  TempDir dir_;
  std::unique_ptr<VigilProcess> vigil_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ReloadTest, ReloadAppliesRulesKeepsStateAndRefusesBrokenFiles) {
  auto r = client_->Request(
      "POST", "/v1/events",
      R"({"tenant":"acme","trace_id":"t","span_id":"1","request_id":"r","use_case":"u","layer":"task","status":"error","error_class":"timeout"})"
      "\n",
      {"Content-Type: application/x-ndjson", "Authorization: Bearer a"});
  ASSERT_EQ(r->status, 200);
  ASSERT_TRUE(WaitFor([&] { return Alert("any-error").value("state", "") == "firing"; }));

  vigil_->RewriteConfig(
      Config("    - { name: new-rule, tier: P3, layer: task, signal: count, window: 1m, threshold: "
             "\">= 1\" }\n"));
  EXPECT_EQ(client_->Request("POST", "/v1/admin/reload", "", {"Authorization: Bearer a"})->status,
            403);  // admin only
  auto reload = client_->Request("POST", "/v1/admin/reload", "", {"Authorization: Bearer r"});
  ASSERT_EQ(reload->status, 200) << reload->body;
  EXPECT_EQ(Rules()["rules"].size(), 2u);
  // The firing alert kept its state and its firing: no second firing after the reload.
  json kept = Alert("any-error");
  EXPECT_EQ(kept["state"], "firing");
  EXPECT_EQ(kept["firing_id"], 1);

  vigil_->RewriteConfig(Config("    - { name: broken, tier: P9 }\n"));
  auto refused = client_->Request("POST", "/v1/admin/reload", "", {"Authorization: Bearer r"});
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("rules[1].tier"), std::string::npos) << refused->body;
  EXPECT_EQ(Rules()["rules"].size(), 2u);  // unchanged

  vigil_->RewriteConfig(Config(""));
  vigil_->SendSignal(SIGHUP);
  EXPECT_TRUE(WaitFor([&] { return Rules()["rules"].size() == 1u; })) << vigil_->Log();
}

}  // namespace
}  // namespace vigil::testing
