#include "release/release_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "release/release_route_control.h"

namespace vigil {
namespace {

constexpr int64_t kMin = 60LL * 1'000'000'000;

ReleaseConfig Rel(const std::string& version, std::vector<MigrationRef> migrations = {}) {
  ReleaseConfig c;
  c.version = version;
  c.model = "m-large";
  c.prompt = "refund@" + version;
  c.fallback_model = "m-small";
  c.tools = {{"lookup_order", {}}, {"issue_refund", {"refunds:write"}}};
  c.degraded_json = R"({"tools":["lookup_order"],"max_tokens":256})";
  c.migrations = std::move(migrations);
  return c;
}

class ReleaseRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-rel-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Reopen();
  }
  void TearDown() override {
    registry_.reset();
    audit_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    registry_.reset();
    audit_.reset();
    store_.reset();
    auto store = StateStore::Open(dir_ + "/v.db", {});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto audit = AuditLog::Open(*store_, clock_);
    ASSERT_TRUE(audit.ok());
    audit_ = std::move(audit).value();
    ReleaseControlConfig settings;
    settings.soak_ns = 30 * kMin;
    auto registry = ReleaseRegistry::Open(*store_, *audit_, hub_, clock_, settings);
    ASSERT_TRUE(registry.ok()) << registry.status().ToString();
    registry_ = std::move(registry).value();
    registry_->SetChangeListener([this](const RouteChange& c) { changes_.push_back(c); });
  }
  // v1 declared known-good, v2 active (the example config's shape).
  void BootstrapRefundBot() {
    UseCaseConfig uc;
    uc.name = "refund-bot";
    uc.releases = {Rel("v1"), Rel("v2")};
    uc.releases[0].known_good = true;
    uc.active_version = "v2";
    std::vector<std::string> notes;
    ASSERT_TRUE(registry_->Bootstrap({uc}, notes).ok());
  }
  std::string Active(const std::string& uc = "refund-bot") {
    auto route = registry_->Route(uc);
    EXPECT_TRUE(route.ok());
    return route.ok() && route->active ? route->active->config.version : "";
  }

  std::string dir_;
  FakeClock clock_;
  RouteHub hub_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<ReleaseRegistry> registry_;
  std::vector<RouteChange> changes_;
};

TEST_F(ReleaseRegistryTest, ReleasesAreImmutable) {
  BootstrapRefundBot();
  auto again = registry_->Create("refund-bot", Rel("v2"), "admin");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists);
  // Even the database refuses to change or delete a release behind our back.
  Status st = store_->Transact([](SqliteDb& db) {
    return db.Exec("UPDATE releases SET config = '{}' WHERE version = 'v1'");
  });
  EXPECT_FALSE(st.ok());
  st = store_->Transact([](SqliteDb& db) { return db.Exec("DELETE FROM releases"); });
  EXPECT_FALSE(st.ok());
  auto v1 = registry_->Get("refund-bot", "v1");
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(v1->config.prompt, "refund@v1");
}

TEST_F(ReleaseRegistryTest, FirstReleaseOfANewUseCaseBecomesActive) {
  auto created = registry_->Create("faq", Rel("v1"), "admin");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(Active("faq"), "v1");
  auto second = registry_->Create("faq", Rel("v2"), "admin");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Active("faq"), "v1");  // creating never switches traffic
}

TEST_F(ReleaseRegistryTest, RollbackGoesToTheDeclaredKnownGoodAndIsRecorded) {
  BootstrapRefundBot();
  const int64_t before = hub_.Current("refund-bot")->version;
  auto result = registry_->Rollback("refund-bot", std::nullopt, "alert:refund-task-errors",
                                    "error rate 0.41");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(result->changed);
  EXPECT_EQ(result->from, "v2");
  EXPECT_EQ(result->to, "v1");
  EXPECT_EQ(Active(), "v1");
  EXPECT_GT(hub_.Current("refund-bot")->version, before);
  ASSERT_FALSE(changes_.empty());
  EXPECT_TRUE(changes_.back().moves_traffic);
  auto audit = audit_->List({});
  ASSERT_TRUE(audit.ok());
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->front().action, "release.rollback");
  EXPECT_EQ(audit->front().actor, "alert:refund-task-errors");
  EXPECT_EQ(audit->front().detail, "error rate 0.41");
  EXPECT_NE(audit->front().after_json.find("switch_ms"), std::string::npos);
  // Rolling back to where we are is a no-op that says so.
  auto again = registry_->Rollback("refund-bot", std::string("v1"), "operator", "");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
  EXPECT_NE(again->message.find("already on v1"), std::string::npos);
}

TEST_F(ReleaseRegistryTest, LastKnownGoodNeedsACleanSoak) {
  auto created = registry_->Create("uc", Rel("v1"), "admin");
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(registry_->Create("uc", Rel("v2"), "admin").ok());
  ASSERT_TRUE(registry_->Create("uc", Rel("v3"), "admin").ok());
  // v1 active for 10 minutes only: not yet good.
  clock_.Advance(10 * kMin);
  ASSERT_TRUE(registry_->Promote("uc", "v2", std::nullopt, "admin", "").ok());
  EXPECT_EQ(registry_->Route("uc")->last_known_good, "");
  auto refused = registry_->Rollback("uc", std::nullopt, "operator", "");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("no last-known-good"), std::string::npos);
  // v2 soaks 40 minutes cleanly, then v3 goes out: v2 is last-known-good.
  clock_.Advance(40 * kMin);
  ASSERT_TRUE(registry_->Promote("uc", "v3", std::nullopt, "admin", "").ok());
  EXPECT_EQ(registry_->Route("uc")->last_known_good, "v2");
  // v3 soaks but a P1 fires meanwhile: after moving on, v3 does not count, v2 still does.
  clock_.Advance(10 * kMin);
  registry_->OnSevereFiring("uc", "errors");
  clock_.Advance(40 * kMin);
  auto back = registry_->Rollback("uc", std::nullopt, "operator", "");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->to, "v2");
  EXPECT_EQ(registry_->Route("uc")->last_known_good, "");  // v3 was tainted, v1 too short
}

TEST_F(ReleaseRegistryTest, RollbackTargetValidationNamesWhatFails) {
  UseCaseConfig uc;
  uc.name = "orders";
  uc.releases = {Rel("v1"), Rel("v2", {{"orders_split", false}}),
                 Rel("v3", {{"orders_split", false}, {"add_index", true}})};
  uc.releases[0].known_good = true;
  uc.active_version = "v3";
  std::vector<std::string> notes;
  ASSERT_TRUE(registry_->Bootstrap({uc}, notes).ok());
  auto check = registry_->CheckRollbackTarget("orders", std::string("v1"));
  ASSERT_TRUE(check.ok());
  EXPECT_FALSE(check->ok());
  ASSERT_EQ(check->problems.size(), 1u);
  EXPECT_NE(check->problems[0].find("irreversible migration orders_split (introduced by v2)"),
            std::string::npos)
      << check->problems[0];
  auto refused = registry_->Rollback("orders", std::string("v1"), "operator", "");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(Active("orders"), "v3");  // nothing changed
  // v2 shares the migration, and the reversible one does not block.
  EXPECT_TRUE(registry_->CheckRollbackTarget("orders", std::string("v2"))->ok());
  EXPECT_FALSE(registry_->CheckRollbackTarget("orders", std::string("v9"))->ok());
  ASSERT_TRUE(registry_->Retire("orders", "v2", "admin", "superseded").ok());
  auto retired = registry_->CheckRollbackTarget("orders", std::string("v2"));
  ASSERT_FALSE(retired->problems.empty());
  EXPECT_NE(retired->problems[0].find("retired"), std::string::npos);
  EXPECT_TRUE(registry_->Get("orders", "v2").ok());  // retired stays readable
}

TEST_F(ReleaseRegistryTest, FreezeRefusesPromoteAndCanaryButNotRollbackOrDegrade) {
  BootstrapRefundBot();
  ASSERT_TRUE(registry_->Create("refund-bot", Rel("v3"), "admin").ok());
  auto frozen = registry_->FreezeReleases("refund-bot", "P1 in progress", "alert:x", 0);
  ASSERT_TRUE(frozen.ok());
  EXPECT_TRUE(registry_->Route("refund-bot")->frozen());
  auto promote = registry_->Promote("refund-bot", "v3", std::nullopt, "admin", "");
  ASSERT_FALSE(promote.ok());
  EXPECT_EQ(promote.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(promote.status().message().find("P1 in progress"), std::string::npos);
  auto canary = registry_->Promote("refund-bot", "v3", 10, "admin", "");
  EXPECT_FALSE(canary.ok());
  EXPECT_TRUE(registry_->SetMode("refund-bot", RouteMode::kDegraded, "operator", "").ok());
  EXPECT_TRUE(registry_->Rollback("refund-bot", std::nullopt, "operator", "").ok());
  ASSERT_TRUE(registry_->Unfreeze("refund-bot", "operator", "resolved").ok());
  EXPECT_TRUE(registry_->Promote("refund-bot", "v3", 10, "admin", "").ok());
}

TEST_F(ReleaseRegistryTest, GlobalFreezeExpiresOnItsOwn) {
  BootstrapRefundBot();
  auto frozen = registry_->FreezeReleases("", "holiday", "operator", clock_.NowNanos() + kMin);
  ASSERT_TRUE(frozen.ok());
  EXPECT_TRUE(registry_->Route("refund-bot")->frozen());
  const int64_t version = hub_.Current("refund-bot")->version;
  registry_->Tick();
  EXPECT_TRUE(registry_->Route("refund-bot")->frozen());
  clock_.Advance(2 * kMin);
  registry_->Tick();
  EXPECT_FALSE(registry_->Route("refund-bot")->frozen());
  EXPECT_GT(hub_.Current("refund-bot")->version, version);  // watchers see the lift
  EXPECT_EQ(audit_->List({})->front().action, "freeze.expired");
}

TEST_F(ReleaseRegistryTest, DegradedModeServesTheFallbackAndDegradedParams) {
  BootstrapRefundBot();
  ASSERT_TRUE(registry_->SetMode("refund-bot", RouteMode::kDegraded, "alert:latency", "slow").ok());
  auto doc = nlohmann::json::parse(hub_.Current("refund-bot")->json);
  EXPECT_EQ(doc["mode"], "degraded");
  EXPECT_EQ(doc["effective"]["model"], "m-small");
  EXPECT_EQ(doc["effective"]["tools"], nlohmann::json::array({"lookup_order"}));
  EXPECT_EQ(doc["effective"]["params"]["max_tokens"], 256);
  EXPECT_EQ(doc["release"]["model"], "m-large");  // the release itself is unchanged
  ASSERT_TRUE(registry_->SetMode("refund-bot", RouteMode::kNormal, "operator", "").ok());
  doc = nlohmann::json::parse(hub_.Current("refund-bot")->json);
  EXPECT_EQ(doc["effective"]["model"], "m-large");
  // A release without a fallback cannot degrade, and says why.
  ReleaseConfig bare = Rel("v1");
  bare.fallback_model.clear();
  ASSERT_TRUE(registry_->Create("bare", bare, "admin").ok());
  auto refused = registry_->SetMode("bare", RouteMode::kDegraded, "operator", "");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("no fallback_model"), std::string::npos);
}

TEST_F(ReleaseRegistryTest, CanaryAndPromotionAndCancellation) {
  BootstrapRefundBot();
  ASSERT_TRUE(registry_->Create("refund-bot", Rel("v3"), "admin").ok());
  ASSERT_TRUE(registry_->Promote("refund-bot", "v3", 10, "admin", "").ok());
  auto route = registry_->Route("refund-bot");
  ASSERT_TRUE(route->canary);
  EXPECT_EQ(route->canary->config.version, "v3");
  EXPECT_EQ(route->canary_percent, 10);
  EXPECT_FALSE(registry_->Promote("refund-bot", "v3", 150, "admin", "").ok());
  // Rollback cancels the canary.
  auto rb = registry_->Rollback("refund-bot", std::string("v2"), "operator", "bad canary");
  ASSERT_TRUE(rb.ok());
  EXPECT_TRUE(rb->changed);
  EXPECT_FALSE(registry_->Route("refund-bot")->canary);
  EXPECT_EQ(Active(), "v2");
}

TEST_F(ReleaseRegistryTest, StateAndAuditSurviveARestart) {
  BootstrapRefundBot();
  ASSERT_TRUE(registry_->Rollback("refund-bot", std::nullopt, "operator", "").ok());
  ASSERT_TRUE(registry_->FreezeReleases("", "incident", "operator", 0).ok());
  const int64_t version = hub_.Current("refund-bot")->version;
  Reopen();
  // The config declares v2 active, but runtime state wins after the first start.
  BootstrapRefundBot();
  EXPECT_EQ(Active(), "v1");
  EXPECT_TRUE(registry_->Route("refund-bot")->frozen());
  EXPECT_EQ(hub_.Current("refund-bot")->version, version);
  auto audit = audit_->List({});
  ASSERT_TRUE(audit.ok());
  std::vector<std::string> actions;
  for (const AuditEntry& e : *audit) actions.push_back(e.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"freeze.on", "release.rollback", "release.promote",
                                               "release.create", "release.create"}));
  // The audit log refuses edits.
  Status st = store_->Transact([](SqliteDb& db) { return db.Exec("DELETE FROM audit_log"); });
  EXPECT_FALSE(st.ok());
}

TEST_F(ReleaseRegistryTest, RouteControlActsForTheActionMap) {
  BootstrapRefundBot();
  ReleaseRouteControl control(*registry_, clock_);
  auto rolled = control.Rollback({"refund-bot", "error spike", "alert:r"});
  ASSERT_TRUE(rolled.ok());
  EXPECT_NE(rolled->find("rolled back from v2 to v1"), std::string::npos) << *rolled;
  auto frozen = control.FreezeReleases({"", "no use case", "alert:u"});
  ASSERT_TRUE(frozen.ok());
  EXPECT_NE(frozen->find("globally"), std::string::npos);
  auto degraded = control.Degrade({"refund-bot", "latency", "alert:l"});
  ASSERT_TRUE(degraded.ok()) << degraded.status().ToString();
  EXPECT_EQ(registry_->Route("refund-bot")->mode, RouteMode::kDegraded);
}

TEST_F(ReleaseRegistryTest, AutomatedRollbacksDoNotCascade) {
  BootstrapRefundBot();
  ReleaseRouteControl control(*registry_, clock_);
  ASSERT_TRUE(control.Rollback({"refund-bot", "task errors", "alert:a"}).ok());
  clock_.Advance(2'000'000'000);
  // A second rule on the same failure: a no-op that says why, the route stays on v1.
  auto second = control.Rollback({"refund-bot", "slo burn", "alert:b"});
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->find("already rolled back from v2 to v1"), std::string::npos) << *second;
  EXPECT_EQ(registry_->Route("refund-bot")->active->config.version, "v1");
  // Once a person moved the route on, the next automated rollback acts again.
  ASSERT_TRUE(registry_->Promote("refund-bot", "v2", std::nullopt, "maria", "fixed").ok());
  auto third = control.Rollback({"refund-bot", "task errors", "alert:a"});
  ASSERT_TRUE(third.ok());
  EXPECT_NE(third->find("rolled back from v2 to v1 in"), std::string::npos) << *third;
}

}  // namespace
}  // namespace vigil
