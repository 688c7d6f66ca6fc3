#include "alerting/action_dispatcher.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

class FakeNotifier final : public AlertNotifier {
 public:
  Status Page(const AlertInstance& a, const std::string&, bool resolved) override {
    std::lock_guard<std::mutex> lock(mu);
    pages.push_back(a.id + (resolved ? ":resolve" : ":trigger"));
    return fail_pages ? Status::Unavailable("receiver down") : Status::Ok();
  }
  Status Ticket(const AlertInstance& a, const std::string&) override {
    std::lock_guard<std::mutex> lock(mu);
    tickets.push_back(a.id);
    return Status::Ok();
  }
  std::mutex mu;
  std::vector<std::string> pages, tickets;
  bool fail_pages = false;
};

// Records each request; rollback fails like a real one without a valid target would.
class RecordingRouteControl final : public RouteControl {
 public:
  Result<std::string> Rollback(const ActionRequest& r) override {
    Record("rollback", r);
    return Status::FailedPrecondition("no last-known-good release");
  }
  Result<std::string> Degrade(const ActionRequest& r) override {
    Record("degrade", r);
    return std::string("degraded");
  }
  Result<std::string> FreezeReleases(const ActionRequest& r) override {
    Record("freeze_releases", r);
    return std::string(r.use_case.empty() ? "frozen globally" : "frozen");
  }
  std::vector<std::pair<std::string, ActionRequest>> Requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Record(const char* what, const ActionRequest& r) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.emplace_back(what, r);
  }
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, ActionRequest>> requests_;
};

AlertTransition Firing(const std::string& id, uint64_t firing_id) {
  AlertTransition t;
  t.from = AlertState::kPending;
  t.alert.id = id;
  t.alert.rule = id;
  t.alert.state = AlertState::kFiring;
  t.alert.firing_id = firing_id;
  return t;
}

RuleSpec P1Rule(const std::string& use_case = "refund-bot") {
  RuleSpec r;
  r.name = "r";
  r.tier = Tier::kP1;
  r.use_case = use_case;
  return r;
}

class ActionDispatcherTest : public ::testing::Test {
 protected:
  ActionDispatcherTest() : dispatcher_(routes_, &notifier_, clock_) {
    dispatcher_.AddSink([this](const ActionRecord& r) {
      std::lock_guard<std::mutex> lock(mu_);
      sunk_.push_back(r);
    });
    dispatcher_.Start();
  }
  FakeClock clock_;
  RecordingRouteControl routes_;
  FakeNotifier notifier_;
  ActionDispatcher dispatcher_;
  AlertingConfig config_;
  std::mutex mu_;
  std::vector<ActionRecord> sunk_;
};

TEST_F(ActionDispatcherTest, RunsTheTierActionsInOrderAndRecordsEach) {
  dispatcher_.OnTransition(Firing("a", 1), P1Rule(), config_);
  dispatcher_.Drain();
  std::vector<ActionRecord> records = dispatcher_.Records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].action, "rollback");
  EXPECT_EQ(records[1].action, "notify_oncall");
  EXPECT_EQ(records[2].action, "freeze_releases");
  // A failing rollback is recorded with its reason and does not stop the others.
  EXPECT_FALSE(records[0].ok);
  EXPECT_EQ(records[0].detail, "no last-known-good release");
  EXPECT_TRUE(records[2].ok);
  EXPECT_EQ(records[2].detail, "frozen");
  EXPECT_TRUE(records[1].ok);
  ASSERT_EQ(routes_.Requests().size(), 2u);
  EXPECT_EQ(routes_.Requests()[0].second.use_case, "refund-bot");
  EXPECT_EQ(routes_.Requests()[0].second.actor, "alert:r");
  EXPECT_EQ(sunk_.size(), 3u);
}

TEST_F(ActionDispatcherTest, OncePerFiringNotPerTick) {
  for (int tick = 0; tick < 5; ++tick) dispatcher_.OnTransition(Firing("a", 1), P1Rule(), config_);
  dispatcher_.Drain();
  EXPECT_EQ(dispatcher_.Records().size(), 3u);
  dispatcher_.OnTransition(Firing("a", 2), P1Rule(), config_);  // a new firing acts again
  dispatcher_.Drain();
  EXPECT_EQ(dispatcher_.Records().size(), 6u);
}

TEST_F(ActionDispatcherTest, AFailingActionDoesNotBlockTheNext) {
  notifier_.fail_pages = true;
  dispatcher_.OnTransition(Firing("a", 1), P1Rule(), config_);
  dispatcher_.Drain();
  auto records = dispatcher_.Records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_FALSE(records[1].ok);
  EXPECT_EQ(records[1].detail, "receiver down");
  EXPECT_EQ(records[2].action, "freeze_releases");  // still ran
}

TEST_F(ActionDispatcherTest, ResolveFollowsAPage) {
  dispatcher_.OnTransition(Firing("a", 1), P1Rule(), config_);
  AlertTransition resolved = Firing("a", 1);
  resolved.from = AlertState::kFiring;
  resolved.alert.state = AlertState::kResolved;
  dispatcher_.Drain();
  dispatcher_.OnTransition(resolved, P1Rule(), config_);
  dispatcher_.Drain();
  EXPECT_EQ(notifier_.pages, (std::vector<std::string>{"a:trigger", "a:resolve"}));
}

TEST_F(ActionDispatcherTest, RuleOverridesAndUseCaseRequirements) {
  RuleSpec rule = P1Rule("");
  rule.actions = {"degrade", "ticket"};
  dispatcher_.OnTransition(Firing("b", 1), rule, config_);
  dispatcher_.Drain();
  auto records = dispatcher_.Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_FALSE(records[0].ok);
  EXPECT_NE(records[0].detail.find("needs a use case"), std::string::npos);
  EXPECT_TRUE(records[1].ok);
  EXPECT_EQ(notifier_.tickets, std::vector<std::string>{"b"});
  // A grouped instance takes its use case from the group label.
  AlertTransition grouped = Firing("c", 1);
  grouped.alert.labels = {{"use_case", "faq"}};
  EXPECT_EQ(ActionDispatcher::UseCaseOf(grouped.alert, rule), "faq");
}

TEST_F(ActionDispatcherTest, RollbackWithoutAUseCaseFreezesGlobally) {
  dispatcher_.OnTransition(Firing("d", 1), P1Rule(""), config_);
  dispatcher_.Drain();
  auto records = dispatcher_.Records();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records[0].ok);
  EXPECT_NE(records[0].detail.find("nothing to roll back: frozen globally"), std::string::npos);
  ASSERT_FALSE(routes_.Requests().empty());
  EXPECT_EQ(routes_.Requests()[0].first, "freeze_releases");
  EXPECT_EQ(routes_.Requests()[0].second.use_case, "");
}

}  // namespace
}  // namespace vigil
