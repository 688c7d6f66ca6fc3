#include "incidents/incident_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace vigil {
namespace {

constexpr int64_t kSec = 1'000'000'000;

class IncidentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-inc-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = StateStore::Open(dir_ + "/v.db", {});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto service = IncidentService::Create(*store_, clock_, SloTargets{});
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(service).value();
  }
  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static AlertTransition Firing(const std::string& id, uint64_t firing) {
    AlertTransition t;
    t.from = AlertState::kInactive;
    t.alert.id = id;
    t.alert.rule = id;
    t.alert.state = AlertState::kFiring;
    t.alert.firing_id = firing;
    t.alert.evidence.value = 0.42;
    t.alert.evidence.threshold = "> 0.2";
    t.alert.evidence.window_ns = 30 * kSec;
    return t;
  }
  static RuleSpec Rule(const std::string& name, Tier tier, const std::string& use_case) {
    RuleSpec r;
    r.name = name;
    r.tier = tier;
    r.use_case = use_case;
    return r;
  }

  std::string dir_;
  FakeClock clock_{1'795'880'840 * kSec};
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<IncidentService> service_;
};

TEST_F(IncidentServiceTest, P1FiringOpensAnIncidentAndActionsJoinItsTimeline) {
  RuleSpec rule = Rule("refund-errors", Tier::kP1, "refund-bot");
  service_->OnAlertTransition(Firing("refund-errors", 1), rule);
  clock_.Advance(kSec);
  ActionRecord rollback{"rollback",
                        "refund-errors",
                        "refund-errors",
                        1,
                        Tier::kP1,
                        "refund-bot",
                        clock_.NowNanos(),
                        clock_.NowNanos() + 40'000'000,
                        true,
                        "refund-bot rolled back from v2 to v1"};
  clock_.Advance(40'000'000);
  // The registry reports the route change while the action runs; a freeze alone (no traffic
  // moved) does not stop the switchback clock.
  service_->OnRouteChange("refund-bot", 7, false, "freeze.on", "releases frozen", "alert:x");
  service_->OnRouteChange("refund-bot", 8, true, "release.rollback", "rolled back", "alert:x");
  service_->OnRouteChange("faq", 3, true, "release.promote", "no incident here", "admin");
  service_->OnAction(rollback);
  auto list = service_->List("open");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  auto incident = service_->Get((*list)[0].id);
  ASSERT_TRUE(incident.ok());
  EXPECT_EQ(incident->severity, "P1");
  EXPECT_EQ(incident->use_case, "refund-bot");
  ASSERT_EQ(incident->timeline.size(), 5u);
  EXPECT_EQ(incident->timeline[0].kind, "opened");
  EXPECT_EQ(incident->timeline[1].kind, "alert_fired");
  EXPECT_EQ(incident->timeline[2].kind, "route_changed");
  EXPECT_EQ(incident->timeline[3].kind, "route_changed");
  EXPECT_EQ(incident->timeline[4].kind, "action");
  EXPECT_EQ(incident->timeline[4].summary, "rollback: refund-bot rolled back from v2 to v1");
  auto clocks = service_->Clocks(*incident);
  EXPECT_EQ(clocks[0].name, "switchback");
  EXPECT_TRUE(clocks[0].stopped);
  EXPECT_EQ(clocks[0].elapsed_ns, kSec + 40'000'000);
  EXPECT_TRUE(clocks[0].met());
  EXPECT_FALSE(clocks[1].stopped);  // no person has written an update yet
}

TEST_F(IncidentServiceTest, RecoveryNeedsAFullQuietWindowAfterTheLastResolution) {
  RuleSpec rule = Rule("refund-errors", Tier::kP1, "refund-bot");
  service_->OnAlertTransition(Firing("refund-errors", 1), rule);  // evidence window 30s
  auto resolved = [&](uint64_t firing) {
    AlertTransition t = Firing("refund-errors", firing);
    t.from = AlertState::kFiring;
    t.alert.state = AlertState::kResolved;
    service_->OnAlertTransition(t, rule);
  };
  clock_.Advance(60 * kSec);
  resolved(1);
  const int64_t id = (*service_->List("open"))[0].id;
  clock_.Advance(10 * kSec);
  auto clocks = service_->Clocks(*service_->Get(id));
  EXPECT_FALSE(clocks[2].stopped);  // quiet for 10 s of a 30 s window
  // It fires again inside the window: recovery starts over.
  service_->OnAlertTransition(Firing("refund-errors", 2), rule);
  clock_.Advance(20 * kSec);
  resolved(2);
  clock_.Advance(40 * kSec);
  clocks = service_->Clocks(*service_->Get(id));
  ASSERT_TRUE(clocks[2].stopped);
  EXPECT_EQ(clocks[2].elapsed_ns, (60 + 10 + 20 + 30) * kSec);  // last resolution + one window
  EXPECT_TRUE(clocks[2].met());
}

TEST_F(IncidentServiceTest, RunbookStepsCheckThemselvesOrAreCheckedOffByPeople) {
  service_->SetRunbook({{"P1",
                         {{"oncall", "Roll back", "rollback"},
                          {"incident_commander", "Confirm the route", ""},
                          {"comms", "Post an update", ""}}},
                        {"P2", {{"oncall", "Degrade", "degrade"}}}});
  RuleSpec rule = Rule("refund-errors", Tier::kP1, "refund-bot");
  service_->OnAlertTransition(Firing("refund-errors", 1), rule);
  const int64_t id = (*service_->List("open"))[0].id;
  auto steps = service_->Runbook(id);
  ASSERT_TRUE(steps.ok());
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_EQ((*steps)[0].action, "rollback");
  EXPECT_EQ((*steps)[0].done_ns, 0);
  // A failed rollback does not check the step; a successful one does, as the automation.
  ActionRecord rb{"rollback",   "refund-errors",   "refund-errors",   1,     Tier::kP1,
                  "refund-bot", clock_.NowNanos(), clock_.NowNanos(), false, "no target"};
  service_->OnAction(rb);
  EXPECT_EQ((*service_->Runbook(id))[0].done_ns, 0);
  rb.ok = true;
  service_->OnAction(rb);
  steps = service_->Runbook(id);
  EXPECT_NE((*steps)[0].done_ns, 0);
  EXPECT_EQ((*steps)[0].done_by, "alert:refund-errors");
  // People check off the rest; twice is harmless; unknown steps are named.
  clock_.Advance(5 * kSec);
  auto checked = service_->CheckStep(id, 2, "alice");
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(checked->done_by, "alice");
  EXPECT_EQ(service_->CheckStep(id, 2, "bob")->done_by, "alice");
  auto missing = service_->CheckStep(id, 9, "alice");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  int runbook_entries = 0;
  const Incident incident = *service_->Get(id);
  for (const TimelineEntry& e : incident.timeline) runbook_entries += e.kind == "runbook";
  EXPECT_EQ(runbook_entries, 2);
  // The update clock is a person's update, not a runbook check.
  EXPECT_FALSE(service_->Clocks(*service_->Get(id))[1].stopped);
}

TEST_F(IncidentServiceTest, SecondFiringForTheSameUseCaseJoinsTheOpenIncident) {
  service_->OnAlertTransition(Firing("a", 1), Rule("a", Tier::kP1, "refund-bot"));
  service_->OnAlertTransition(Firing("b", 1), Rule("b", Tier::kP2, "refund-bot"));
  service_->OnAlertTransition(Firing("c", 1), Rule("c", Tier::kP2, "faq"));
  service_->OnAlertTransition(Firing("d", 1), Rule("d", Tier::kP3, "refund-bot"));  // ticket only
  auto list = service_->List("");
  ASSERT_EQ(list->size(), 2u);
  auto refund = service_->Get((*list)[1].id);
  EXPECT_EQ(refund->use_case, "refund-bot");
  EXPECT_EQ(refund->timeline.size(), 3u);  // opened + two firings
}

TEST_F(IncidentServiceTest, PeopleUpdateAndResolve) {
  auto id = service_->Open("refund-bot", "acme", "P2", "customers report double refunds", "alice");
  ASSERT_TRUE(id.ok());
  clock_.Advance(120 * kSec);
  ASSERT_TRUE(service_->AddUpdate(*id, "rolled back to v1; watching", "alice").ok());
  clock_.Advance(60 * kSec);
  ASSERT_TRUE(service_->Resolve(*id, "root cause: refund tool permissions", "alice").ok());
  EXPECT_EQ(service_->Resolve(*id, "", "alice").code(), Status::Code::kFailedPrecondition);
  auto incident = service_->Get(*id);
  EXPECT_EQ(incident->status, "resolved");
  auto clocks = service_->Clocks(*incident);
  EXPECT_TRUE(clocks[1].stopped);
  EXPECT_EQ(clocks[1].elapsed_ns, 120 * kSec);
  EXPECT_TRUE(clocks[2].stopped);
  EXPECT_EQ(clocks[2].elapsed_ns, 180 * kSec);
  EXPECT_EQ(service_->Get(999).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(service_->AddUpdate(999, "x", "bob").code(), Status::Code::kNotFound);
}

TEST_F(IncidentServiceTest, OverdueUpdatesAreReportedOnce) {
  auto quiet = service_->Open("refund-bot", "", "P1", "nobody wrote", "alert:r");
  auto talked = service_->Open("faq", "", "P2", "someone wrote", "alert:r");
  ASSERT_TRUE(quiet.ok() && talked.ok());
  clock_.Advance(10 * 60 * kSec);
  ASSERT_TRUE(service_->AddUpdate(*talked, "looking", "bob").ok());
  EXPECT_TRUE(service_->TakeOverdueUpdates().empty());  // 10 min: not overdue yet
  clock_.Advance(21 * 60 * kSec);                       // 31 min > the 30 min target
  auto overdue = service_->TakeOverdueUpdates();
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].id, *quiet);
  EXPECT_TRUE(service_->TakeOverdueUpdates().empty());  // once
  EXPECT_EQ(service_->Get(*quiet)->timeline.back().kind, "update_overdue");
}

}  // namespace
}  // namespace vigil
