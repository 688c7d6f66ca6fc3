#include "release/route_hub.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

std::shared_ptr<const RouteSnapshot> Snap(const std::string& uc, int64_t version) {
  return std::make_shared<RouteSnapshot>(RouteSnapshot{uc, version, "{}"});
}

TEST(RouteHub, AnswersAtOnceWhenTheWatcherIsBehind) {
  RouteHub hub;
  hub.Publish(Snap("uc", 3));
  int64_t got = 0;
  hub.Watch("uc", 2, 1000, [&](auto s) { got = s ? s->version : -1; });
  EXPECT_EQ(got, 3);
  EXPECT_EQ(hub.Watchers(), 0u);
}

TEST(RouteHub, PublishWakesEveryWatcherOfThatUseCaseOnly) {
  RouteHub hub;
  hub.Publish(Snap("a", 1));
  hub.Publish(Snap("b", 1));
  int woken_a = 0, woken_b = 0;
  for (int i = 0; i < 100; ++i) {
    hub.Watch("a", 1, 1000, [&](auto s) { woken_a += s && s->version == 2; });
  }
  hub.Watch("b", 1, 1000, [&](auto) { ++woken_b; });
  EXPECT_EQ(hub.Watchers(), 101u);
  hub.Publish(Snap("a", 2));
  EXPECT_EQ(woken_a, 100);
  EXPECT_EQ(woken_b, 0);
  EXPECT_EQ(hub.Watchers(), 1u);
}

TEST(RouteHub, RepublishingTheSameVersionWakesNobody) {
  RouteHub hub;
  hub.Publish(Snap("a", 4));
  int woken = 0;
  hub.Watch("a", 4, 1000, [&](auto) { ++woken; });
  hub.Publish(Snap("a", 4));
  EXPECT_EQ(woken, 0);
  EXPECT_EQ(hub.Watchers(), 1u);
  hub.Publish(Snap("a", 5));
  EXPECT_EQ(woken, 1);
}

TEST(RouteHub, DeadlinesAnswerUnchanged) {
  RouteHub hub;
  hub.Publish(Snap("a", 1));
  std::vector<std::string> answers;
  hub.Watch("a", 1, 100, [&](auto s) { answers.push_back(s ? "changed" : "early"); });
  hub.Watch("a", 1, 200, [&](auto s) { answers.push_back(s ? "changed" : "late"); });
  EXPECT_EQ(hub.ExpireDue(150), 1u);
  EXPECT_EQ(answers, std::vector<std::string>{"early"});
  hub.Publish(Snap("a", 2));
  EXPECT_EQ(answers, (std::vector<std::string>{"early", "changed"}));
  EXPECT_EQ(hub.ExpireDue(300), 0u);  // already answered
}

TEST(RouteHub, UnknownUseCaseWaitsForItsFirstPublish) {
  RouteHub hub;
  int64_t got = 0;
  hub.Watch("new", 0, 1000, [&](auto s) { got = s ? s->version : -1; });
  EXPECT_EQ(got, 0);
  hub.Publish(Snap("new", 1));
  EXPECT_EQ(got, 1);
}

TEST(RouteHub, ShutdownAnswersEveryone) {
  RouteHub hub;
  hub.Publish(Snap("a", 1));
  int answered = 0;
  for (int i = 0; i < 10; ++i) hub.Watch("a", 1, 1'000'000, [&](auto s) { answered += !s; });
  hub.Shutdown();
  EXPECT_EQ(answered, 10);
  hub.Watch("a", 1, 1'000'000, [&](auto s) { answered += !s; });  // refused after shutdown
  EXPECT_EQ(answered, 11);
}

TEST(RouteHub, TheTimerThreadExpiresRealDeadlines) {
  RouteHub hub;
  hub.Start();
  hub.Publish(Snap("a", 1));
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  hub.Watch("a", 1, RouteHub::SteadyNowNs() + 20'000'000, [&](auto s) {
    std::lock_guard<std::mutex> lock(mu);
    done = !s;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }));
}

}  // namespace
}  // namespace vigil
