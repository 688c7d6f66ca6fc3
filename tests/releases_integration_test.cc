// Releases, routes, rollback, freeze and audit against the real binary: a long-poll watcher
// (the client library services use) sees a rollback at once; refusals change nothing.

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/http_client.h"
#include "client/route_watcher.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

const char kConfig[] = R"(
auth:
  tokens:
    - { name: admin, token_env: T_ADMIN, roles: [admin], tenants: "*" }
    - { name: alice, token_env: T_ALICE, roles: [operate], tenants: "*" }
    - { name: viewer, token_env: T_READ, roles: [read], tenants: "*" }
    - { name: acme, token_env: T_ACME, roles: [ingest, read], tenants: [acme] }
use_cases:
  - name: refund-bot
    critical_path: true
    releases:
      - { version: v1, model: m-large, prompt: refund@3, fallback_model: m-small, known_good: true,
          tools: [lookup_order] }
      - { version: v2, model: m-large, prompt: refund@4, fallback_model: m-small, active: true,
          tools: [lookup_order, issue_refund], degraded: { tools: [lookup_order] } }
  - name: orders
    releases:
      - { version: v1, model: m-small, prompt: orders@1, known_good: true }
      - { version: v2, model: m-small, prompt: orders@2, active: true,
          migrations: [ { id: orders_split_address, reversible: false } ] }
alerting:
  evaluation_interval: 100ms
  rules:
    - { name: refund-task-errors, tier: P1, use_case: refund-bot, layer: task, signal: error_rate,
        window: 5s, threshold: "> 0.2", min_samples: 20 }
)";

const std::map<std::string, std::string> kEnv = {
    {"T_ADMIN", "admin-s"}, {"T_ALICE", "alice-s"}, {"T_READ", "read-s"}, {"T_ACME", "acme-s"}};

class ReleasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vigil_ = std::make_unique<VigilProcess>(dir_.File("data"), kConfig, kEnv);
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady());
  }
  Result<ClientResponse> Call(const std::string& method, const std::string& path,
                              const std::string& token, const std::string& body = "") {
    HttpClient c(vigil_->base_url());
    return c.Request(method, path, body,
                     {"Authorization: Bearer " + token, "Content-Type: application/json"});
  }
  json Route(const std::string& uc = "refund-bot") {
    auto r = Call("GET", "/v1/routes/" + uc, "read-s");
    return r.ok() && r->status == 200 ? json::parse(r->body) : json();
  }
  size_t AuditCount() {
    auto r = Call("GET", "/v1/audit?limit=10000", "read-s");
    return r.ok() && r->status == 200 ? json::parse(r->body)["entries"].size() : 0;
  }

  TempDir dir_;
  std::unique_ptr<VigilProcess> vigil_;
};

TEST_F(ReleasesTest, AWatcherSeesARollbackAtOnce) {
  RouteWatcher watcher({vigil_->base_url(), "read-s", "refund-bot", std::chrono::seconds(30)},
                       nullptr);
  watcher.Start();
  ASSERT_TRUE(watcher.WaitNewerThan(0, std::chrono::seconds(10))) << watcher.last_error();
  const RouteView before = *watcher.Current();
  EXPECT_EQ(before.release, "v2");
  EXPECT_EQ(before.model, "m-large");
  // The watcher is parked in a long poll; the rollback must reach it without polling delay.
  ASSERT_TRUE(WaitFor([&] {
    HttpClient c(vigil_->base_url());
    auto m = c.Get("/metrics");
    return m.ok() && m->body.find("vigil_route_watchers 1") != std::string::npos;
  }));
  const auto start = std::chrono::steady_clock::now();
  auto rb = Call("POST", "/v1/releases/refund-bot/rollback", "alice-s", R"({"reason":"drill"})");
  ASSERT_TRUE(rb.ok());
  ASSERT_EQ(rb->status, 200) << rb->body;
  // Pushed, not polled: the watcher's long poll lasts 30 s, so seeing the change within 10 s
  // means the parked request was answered by the rollback. How fast is bench/switchback's
  // business (a timed assertion here failed under ASan on a busy machine).
  ASSERT_TRUE(watcher.WaitNewerThan(before.version, std::chrono::seconds(10)));
  const double seen_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("rollback request → watcher has the new route: %.1f ms\n", seen_ms);
  EXPECT_EQ(watcher.Current()->release, "v1");
  json reply = json::parse(rb->body);
  EXPECT_EQ(reply["from"], "v2");
  EXPECT_EQ(reply["to"], "v1");
  EXPECT_TRUE(reply["changed"].get<bool>());
  // Again: a no-op that says so.
  auto again = Call("POST", "/v1/releases/refund-bot/rollback", "alice-s", R"({"to":"v1"})");
  ASSERT_EQ(again->status, 200);
  EXPECT_FALSE(json::parse(again->body)["changed"].get<bool>());
  EXPECT_NE(again->body.find("already on v1"), std::string::npos);
  watcher.Stop();
}

TEST_F(ReleasesTest, ETagAndIfNoneMatchAndLongPollTimeout) {
  HttpClient c(vigil_->base_url());
  auto first = c.Get("/v1/routes/refund-bot", {"Authorization: Bearer read-s"});
  ASSERT_EQ(first->status, 200);
  const std::string etag(first->Header("etag"));
  EXPECT_EQ(etag, "\"" + std::to_string(json::parse(first->body)["version"].get<int>()) + "\"");
  auto same =
      c.Get("/v1/routes/refund-bot", {"Authorization: Bearer read-s", "If-None-Match: " + etag});
  EXPECT_EQ(same->status, 304);
  EXPECT_TRUE(same->body.empty());
  // A long poll with nothing changing ends in 304 at its timeout.
  const std::string version = etag.substr(1, etag.size() - 2);
  auto waited = c.Get("/v1/routes/refund-bot?wait=200ms&version=" + version,
                      {"Authorization: Bearer read-s"});
  EXPECT_EQ(waited->status, 304);
  EXPECT_EQ(
      c.Get("/v1/routes/refund-bot?wait=10h&version=1", {"Authorization: Bearer read-s"})->status,
      400);
  EXPECT_EQ(c.Get("/v1/routes/nope", {"Authorization: Bearer read-s"})->status, 404);
  EXPECT_EQ(c.Get("/v1/routes/refund-bot")->status, 401);
  // The use case list carries each route, for services discovering what to serve.
  auto ucs = c.Get("/v1/use_cases", {"Authorization: Bearer read-s"});
  ASSERT_EQ(ucs->status, 200);
  bool found = false;
  const json list = json::parse(ucs->body);
  for (const auto& uc : list["use_cases"]) {
    if (uc["name"] == "refund-bot") {
      found = true;
      EXPECT_EQ(uc["route"]["release"]["version"], "v2");
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(ReleasesTest, RollbackAcrossAnIrreversibleMigrationIsRefusedWithTheReason) {
  const json before = Route("orders");
  auto check = Call("GET", "/v1/releases/orders/rollback_check", "read-s");
  ASSERT_EQ(check->status, 200);
  EXPECT_FALSE(json::parse(check->body)["ok"].get<bool>());
  auto rb = Call("POST", "/v1/releases/orders/rollback", "alice-s", "{}");
  ASSERT_EQ(rb->status, 409) << rb->body;
  EXPECT_NE(rb->body.find("irreversible migration orders_split_address"), std::string::npos)
      << rb->body;
  EXPECT_EQ(Route("orders")["version"], before["version"]);
  EXPECT_EQ(Route("orders")["release"]["version"], "v2");
}

TEST_F(ReleasesTest, UnauthorizedTokensGet403AndLeaveNoChange) {
  const json before = Route();
  const size_t audit_before = AuditCount();
  ASSERT_GT(audit_before, 0u);  // the config's releases were recorded at bootstrap
  EXPECT_EQ(Call("POST", "/v1/releases/refund-bot/rollback", "read-s", "{}")->status, 403);
  EXPECT_EQ(Call("POST", "/v1/releases/refund-bot/rollback", "acme-s", "{}")->status, 403);
  EXPECT_EQ(Call("POST", "/v1/freeze", "read-s", R"({"reason":"x"})")->status, 403);
  EXPECT_EQ(Call("POST", "/v1/routes/refund-bot/mode", "read-s", R"({"mode":"degraded"})")->status,
            403);
  // Creating and promoting need admin by default; operate is not enough.
  EXPECT_EQ(Call("POST", "/v1/releases/refund-bot", "alice-s",
                 R"({"version":"v3","model":"m","prompt":"p"})")
                ->status,
            403);
  EXPECT_EQ(Call("POST", "/v1/releases/refund-bot/v1/promote", "alice-s")->status, 403);
  EXPECT_EQ(Call("POST", "/v1/releases/refund-bot/rollback", "wrong", "{}")->status, 401);
  EXPECT_EQ(Route()["version"], before["version"]);
  EXPECT_EQ(AuditCount(), audit_before);
}

TEST_F(ReleasesTest, CreatePromoteCanaryFreezeAndAudit) {
  auto bad =
      Call("POST", "/v1/releases/refund-bot", "admin-s",
           R"({"version":"v3","model":"m-large","prompt":"refund@5","tools":[{"nme":"x"}]})");
  ASSERT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["field"], "tools[0].nme");
  auto created = Call("POST", "/v1/releases/refund-bot", "admin-s",
                      R"({"version":"v3","model":"m-large","prompt":"refund@5",
                          "fallback_model":"m-small","tools":["lookup_order"]})");
  ASSERT_EQ(created->status, 201) << created->body;
  EXPECT_EQ(json::parse(created->body)["role"], "available");
  EXPECT_EQ(Call("POST", "/v1/releases/refund-bot", "admin-s",
                 R"({"version":"v3","model":"other","prompt":"p"})")
                ->status,
            409);  // immutable
  auto canary =
      Call("POST", "/v1/releases/refund-bot/v3/promote", "admin-s", R"({"canary_percent":10})");
  ASSERT_EQ(canary->status, 200) << canary->body;
  EXPECT_EQ(Route()["canary"]["percent"], 10);
  EXPECT_EQ(Route()["canary"]["release"]["version"], "v3");

  // A freeze refuses promote and new canaries with 409 naming it; rollback stays allowed.
  auto freeze = Call("POST", "/v1/freeze", "alice-s",
                     R"({"use_case":"refund-bot","reason":"peak sale","until":"2h"})");
  ASSERT_EQ(freeze->status, 200) << freeze->body;
  EXPECT_TRUE(Route()["frozen"].get<bool>());
  auto promote = Call("POST", "/v1/releases/refund-bot/v3/promote", "admin-s");
  ASSERT_EQ(promote->status, 409);
  EXPECT_NE(promote->body.find("peak sale"), std::string::npos) << promote->body;
  EXPECT_NE(promote->body.find("alice"), std::string::npos);
  auto rb = Call("POST", "/v1/releases/refund-bot/rollback", "alice-s", R"({"to":"v2"})");
  ASSERT_EQ(rb->status, 200) << rb->body;
  EXPECT_TRUE(Route()["canary"].is_null());  // the canary was cancelled
  auto lift = Call("DELETE", "/v1/freeze", "alice-s", R"({"use_case":"refund-bot"})");
  ASSERT_EQ(lift->status, 200);
  EXPECT_FALSE(Route()["frozen"].get<bool>());
  ASSERT_EQ(Call("POST", "/v1/releases/refund-bot/v3/promote", "admin-s")->status, 200);
  EXPECT_EQ(Route()["release"]["version"], "v3");

  // Degraded mode: the route serves the fallback model.
  auto mode = Call("POST", "/v1/routes/refund-bot/mode", "alice-s",
                   R"({"mode":"degraded","reason":"upstream slow"})");
  ASSERT_EQ(mode->status, 200) << mode->body;
  EXPECT_EQ(Route()["effective"]["model"], "m-small");
  EXPECT_EQ(Call("POST", "/v1/routes/refund-bot/mode", "alice-s", R"({"mode":"sideways"})")->status,
            400);

  auto audit = Call("GET", "/v1/audit?target=refund-bot&limit=50", "read-s");
  ASSERT_EQ(audit->status, 200);
  std::vector<std::string> acts;
  const json entries = json::parse(audit->body);
  for (const auto& e : entries["entries"]) {
    acts.push_back(e["action"].get<std::string>() + " by " + e["actor"].get<std::string>());
  }
  std::vector<std::string> expected = {"mode.set by alice",      "release.promote by admin",
                                       "freeze.off by alice",    "release.rollback by alice",
                                       "freeze.on by alice",     "release.canary by admin",
                                       "release.create by admin"};
  ASSERT_GE(acts.size(), expected.size());
  EXPECT_EQ(std::vector<std::string>(acts.begin(), acts.begin() + expected.size()), expected);
}

TEST_F(ReleasesTest, CiPostsEvalRunsOfAReleaseAndTheyAreListed) {
  auto posted = Call("POST", "/v1/evals", "alice-s",
                     R"({"suite":"refund-evals","use_case":"refund-bot","release":"v2",
                         "cases":[{"id":"refund-happy","passed":true},
                                  {"id":"refund-no-permission","passed":false,"detail":"403"}]})");
  ASSERT_EQ(posted->status, 201) << posted->body;
  EXPECT_DOUBLE_EQ(json::parse(posted->body)["pass_rate"].get<double>(), 0.5);
  auto bad = Call("POST", "/v1/evals", "alice-s",
                  R"({"suite":"s","use_case":"refund-bot","release":"v2","cases":[{"id":"a"}]})");
  ASSERT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["field"], "cases[0].passed");
  EXPECT_EQ(Call("POST", "/v1/evals", "read-s", "{}")->status, 403);
  auto list = Call("GET", "/v1/evals?use_case=refund-bot&release=v2", "read-s");
  ASSERT_EQ(list->status, 200);
  const json runs = json::parse(list->body);
  ASSERT_EQ(runs["runs"].size(), 1u);
  EXPECT_EQ(runs["runs"][0]["cases"][1]["detail"], "403");
  EXPECT_EQ(runs["runs"][0]["posted_by"], "alice");
}

TEST_F(ReleasesTest, StateSurvivesARestart) {
  ASSERT_EQ(Call("POST", "/v1/releases/refund-bot/rollback", "alice-s", "{}")->status, 200);
  ASSERT_EQ(Call("POST", "/v1/freeze", "alice-s", R"({"reason":"incident 7"})")->status, 200);
  const json before = Route();
  EXPECT_EQ(vigil_->Terminate(), 0);
  vigil_ = std::make_unique<VigilProcess>(dir_.File("data"), kConfig, kEnv);
  ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
  ASSERT_TRUE(vigil_->WaitReady());
  const json after = Route();
  EXPECT_EQ(after["release"]["version"], "v1");  // the config says v2; runtime state wins
  EXPECT_TRUE(after["frozen"].get<bool>());
  EXPECT_EQ(after["version"], before["version"]);
  EXPECT_EQ(after["freeze"]["reason"], "incident 7");
}

TEST_F(ReleasesTest, AP1RollsBackAndFreezesAndTheWatcherSeesBoth) {
  RouteWatcher watcher({vigil_->base_url(), "read-s", "refund-bot", std::chrono::seconds(30)},
                       nullptr);
  watcher.Start();
  ASSERT_TRUE(watcher.WaitNewerThan(0, std::chrono::seconds(10)));
  std::atomic<bool> stop{false};
  std::thread traffic([&] {
    HttpClient c(vigil_->base_url());
    for (int b = 0; !stop.load(); ++b) {
      std::string body;
      for (int i = 0; i < 10; ++i) {
        body += R"({"trace_id":"t)" + std::to_string(b) + R"(","span_id":")" + std::to_string(i) +
                R"(","request_id":"r","use_case":"refund-bot","layer":"task","release":"v2",)" +
                R"("status":"error",)" + R"("error_class":"tool_error"})" + "\n";
      }
      c.Request("POST", "/v1/events", body,
                {"Authorization: Bearer acme-s", "Content-Type: application/x-ndjson"});
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  const bool both = WaitFor([&] {
    auto r = watcher.Current();
    return r && r->release == "v1" && r->frozen;
  });
  stop = true;
  traffic.join();
  ASSERT_TRUE(both) << vigil_->Log();
  auto audit = Call("GET", "/v1/audit?actor=alert:refund-task-errors", "read-s");
  std::vector<std::string> acts;
  const json entries = json::parse(audit->body);
  for (const auto& e : entries["entries"]) acts.push_back(e["action"]);
  EXPECT_EQ(acts, (std::vector<std::string>{"freeze.on", "release.rollback"}));
  // The freeze the alert set refuses promotion until a person lifts it.
  auto promote = Call("POST", "/v1/releases/refund-bot/v2/promote", "admin-s");
  EXPECT_EQ(promote->status, 409);
  EXPECT_NE(promote->body.find("alert:refund-task-errors"), std::string::npos);
  watcher.Stop();
}

}  // namespace
}  // namespace vigil::testing
