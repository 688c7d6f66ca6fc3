#include "notify/payloads.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vigil {
namespace {

using nlohmann::json;

AlertInstance Alert() {
  AlertInstance a;
  a.id = "refund-task-errors";
  a.rule = "refund-task-errors";
  a.tier = Tier::kP1;
  a.state = AlertState::kFiring;
  a.firing_id = 3;
  a.fired_at_ns = 1'795'880'841'000'000'000;
  a.evidence.value = 0.42;
  a.evidence.threshold = "> 0.2";
  a.evidence.window_ns = 30'000'000'000;
  a.evidence.samples = 120;
  a.evidence.top_keys = {{"refund-bot/task/timeout", 50}};
  return a;
}

TEST(PayloadsTest, PagerDutyTriggerAndResolve) {
  AlertInstance a = Alert();
  NotificationContext ctx{&a, "refund-bot", "trigger", DedupKey(a), "R0UTING", a.fired_at_ns};
  json t = json::parse(PagerDutyV2Body(ctx));
  EXPECT_EQ(t["routing_key"], "R0UTING");
  EXPECT_EQ(t["event_action"], "trigger");
  EXPECT_EQ(t["dedup_key"], "vigil:refund-task-errors:3");
  EXPECT_EQ(t["payload"]["severity"], "critical");
  EXPECT_EQ(t["payload"]["source"], "vigil");
  EXPECT_EQ(t["payload"]["component"], "refund-bot");
  EXPECT_NE(t["payload"]["summary"].get<std::string>().find("[P1] refund-task-errors"),
            std::string::npos);
  EXPECT_EQ(t["payload"]["custom_details"]["samples"], 120);
  ctx.event = "resolve";
  json r = json::parse(PagerDutyV2Body(ctx));
  EXPECT_EQ(r["event_action"], "resolve");
  EXPECT_EQ(r["dedup_key"], "vigil:refund-task-errors:3");
  EXPECT_FALSE(r.contains("payload"));
}

TEST(PayloadsTest, AlertmanagerShapeAndSeverities) {
  AlertInstance a = Alert();
  a.tier = Tier::kP2;
  NotificationContext ctx{&a, "refund-bot", "trigger", DedupKey(a), "", a.fired_at_ns};
  json w = json::parse(AlertmanagerWebhookBody(ctx, "oncall"));
  EXPECT_EQ(w["version"], "4");
  EXPECT_EQ(w["status"], "firing");
  EXPECT_EQ(w["receiver"], "oncall");
  ASSERT_EQ(w["alerts"].size(), 1u);
  EXPECT_EQ(w["alerts"][0]["labels"]["alertname"], "refund-task-errors");
  EXPECT_EQ(w["alerts"][0]["labels"]["severity"], "error");
  EXPECT_EQ(w["alerts"][0]["labels"]["use_case"], "refund-bot");
  EXPECT_EQ(std::string(PagerDutySeverity(Tier::kP3)), "warning");
  json plain = json::parse(PlainWebhookBody(ctx));
  EXPECT_EQ(plain["event"], "trigger");
  EXPECT_EQ(plain["alert"]["tier"], "P2");
}

}  // namespace
}  // namespace vigil
