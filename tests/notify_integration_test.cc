// Notifications from the action map to a real HTTP receiver: PagerDuty-v2-shaped trigger and
// resolve, retries while the receiver is down, and delivery after a `vigil` restart.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "support/vigil_process.h"
#include "support/webhook_receiver.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

std::string Config(const std::string& url) {
  return R"(
auth:
  tokens:
    - { name: acme, token_env: T_ACME, roles: [ingest, read], tenants: [acme] }
alerting:
  evaluation_interval: 100ms
  notify:
    oncall: { kind: pagerduty_v2, url: ")" +
         url + R"(", routing_key_env: PD_KEY }
  rules:
    - { name: refund-task-errors, tier: P1, use_case: refund-bot, layer: task,
        signal: error_rate, window: 2s, threshold: "> 0.2", min_samples: 5 }
)";
}

class NotifyTest : public ::testing::Test {
 protected:
  void StartVigil() {
    vigil_ = std::make_unique<VigilProcess>(
        dir_.File("data"), Config(receiver_.url() + "/v2/enqueue"),
        std::map<std::string, std::string>{{"T_ACME", "acme-s"}, {"PD_KEY", "routing-123"}});
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady());
  }
  void Post(int errors_of_ten) {
    static int batch = 0;
    std::string body;
    for (int i = 0; i < 10; ++i) {
      body += R"({"trace_id":"n)" + std::to_string(batch) + R"(","span_id":")" + std::to_string(i) +
              R"(","request_id":"r","use_case":"refund-bot","layer":"task","status":")" +
              (i < errors_of_ten ? R"(error","error_class":"timeout")" : R"(ok")") + "}\n";
    }
    ++batch;
    HttpClient c(vigil_->base_url());
    auto r = c.Request("POST", "/v1/events", body,
                       {"Content-Type: application/x-ndjson", "Authorization: Bearer acme-s"});
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200);
  }
  std::vector<json> Received(const std::string& action) {
    std::vector<json> out;
    for (const std::string& b : receiver_.Bodies()) {
      json j = json::parse(b, nullptr, false);
      if (j.is_object() && j.value("event_action", "") == action) out.push_back(j);
    }
    return out;
  }

  TempDir dir_;
  WebhookReceiver receiver_;
  std::unique_ptr<VigilProcess> vigil_;
};

TEST_F(NotifyTest, P1PagesWithAPagerDutyTriggerAndResolvesLater) {
  StartVigil();
  Post(8);
  ASSERT_TRUE(WaitFor([&] { return !Received("trigger").empty(); })) << vigil_->Log();
  json trigger = Received("trigger")[0];
  EXPECT_EQ(trigger["routing_key"], "routing-123");
  EXPECT_EQ(trigger["dedup_key"], "vigil:refund-task-errors:1");
  EXPECT_EQ(trigger["payload"]["severity"], "critical");
  EXPECT_EQ(trigger["payload"]["component"], "refund-bot");
  // Healthy traffic: the window clears, the alert resolves, the page is resolved.
  ASSERT_TRUE(WaitFor([&] {
    Post(0);
    return !Received("resolve").empty();
  })) << vigil_->Log();
  EXPECT_EQ(Received("resolve")[0]["dedup_key"], "vigil:refund-task-errors:1");
  EXPECT_EQ(Received("trigger").size(), 1u);  // once per firing, not per tick
}

TEST_F(NotifyTest, AReceiverThatIsDownGetsTheMessageWhenItComesBack) {
  receiver_.SetDown(true);
  StartVigil();
  Post(8);
  ASSERT_TRUE(WaitFor([&] { return receiver_.refused() >= 1; })) << vigil_->Log();
  EXPECT_TRUE(Received("trigger").empty());
  receiver_.SetDown(false);
  ASSERT_TRUE(WaitFor([&] { return Received("trigger").size() == 1; })) << vigil_->Log();
  // The receiver has the body before Vigil records the delivery: poll for the counters.
  HttpClient c(vigil_->base_url());
  std::string metrics;
  EXPECT_TRUE(WaitFor([&] {
    auto m = c.Get("/metrics");
    metrics = m.ok() ? m->body : "";
    return metrics.find("vigil_notifications_total{channel=\"oncall\",outcome=\"delivered\"}") !=
           std::string::npos;
  })) << metrics;
  EXPECT_NE(metrics.find("vigil_notifications_total{channel=\"oncall\",outcome=\"retry\"}"),
            std::string::npos);
}

TEST_F(NotifyTest, PendingMessagesSurviveARestart) {
  receiver_.SetDown(true);
  StartVigil();
  Post(8);
  ASSERT_TRUE(WaitFor([&] { return receiver_.refused() >= 1; })) << vigil_->Log();
  vigil_->Kill9();  // the message is in the outbox, not delivered
  receiver_.SetDown(false);
  StartVigil();
  ASSERT_TRUE(WaitFor([&] { return Received("trigger").size() == 1; })) << vigil_->Log();
  EXPECT_EQ(Received("trigger")[0]["dedup_key"], "vigil:refund-task-errors:1");
}

}  // namespace
}  // namespace vigil::testing
