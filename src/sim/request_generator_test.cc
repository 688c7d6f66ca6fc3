#include "sim/request_generator.h"

#include <gtest/gtest.h>

#include "model/event_json.h"
#include "model/event_validate.h"

namespace vigil {
namespace {

constexpr int64_t kStart = 1'790'000'000'000'000'000;

SimRoute Route() {
  SimRoute r;
  r.use_case = "refund-bot";
  r.version = 3;
  r.active = {"v2", "m-large", "m-small", {"lookup_order", "issue_refund"}, 0, 0, 0};
  r.degraded_model = "m-small";
  r.degraded_tools = {"lookup_order"};
  return r;
}

SimulatorConfig Config() {
  SimulatorConfig c;
  c.models["m-large"] = {1800, 0.4, 1200, 300};
  c.models["m-small"] = {600, 0.4, 900, 200};
  c.timeout_ns = 2'000'000'000;
  c.tenants = {"acme"};
  return c;
}

struct Tally {
  int requests = 0, failed = 0;
  std::map<std::string, int> failures, releases, inference_models;
  int business = 0, tool_calls = 0;
};

Tally Simulate(RequestGenerator& gen, const SimRoute& route, int n) {
  Tally t;
  for (int i = 0; i < n; ++i) {
    SimRequest r = gen.Generate(route, kStart + i * 1'000'000LL);
    ++t.requests;
    ++t.releases[r.release];
    if (r.failed) {
      ++t.failed;
      ++t.failures[r.error_class];
    }
    for (const Event& e : r.events) {
      if (e.layer == Layer::kInference) ++t.inference_models[e.model];
      if (e.layer == Layer::kBusiness) ++t.business;
      if (e.layer == Layer::kTool) ++t.tool_calls;
    }
  }
  return t;
}

TEST(RequestGenerator, OneRequestIsACoherentTraceOfValidEvents) {
  RequestGenerator gen(Config(), {{"m-large", {3.0, 15.0}}});
  SimRequest r = gen.Generate(Route(), kStart);
  ASSERT_GE(r.events.size(), 3u);  // inference, tool(s), task
  const Event& task = r.events.back().layer == Layer::kTask
                          ? r.events.back()
                          : *std::find_if(r.events.begin(), r.events.end(),
                                          [](const Event& e) { return e.layer == Layer::kTask; });
  double cost = 0;
  for (const Event& e : r.events) {
    EXPECT_EQ(e.trace_id, task.trace_id);
    EXPECT_EQ(e.request_id, task.request_id);
    EXPECT_EQ(e.release, "v2");
    EXPECT_GE(e.ts_ns, kStart);
    EXPECT_LE(e.ts_ns, r.end_ns);
    Status valid = ValidateEvent(e, true, kStart + 60'000'000'000LL);
    EXPECT_TRUE(valid.ok()) << valid.ToString() << " "
        << EventToWireJson(e).dump();
    if (e.layer == Layer::kInference) cost += e.cost_usd;
  }
  EXPECT_GT(cost, 0);
  EXPECT_EQ(task.cost_usd, 0);  // cost is counted once, on the inference events
  EXPECT_GT(task.latency_ms, 100);
}

TEST(RequestGenerator, DeterministicForASeed) {
  RequestGenerator a(Config(), {}), b(Config(), {});
  for (int i = 0; i < 50; ++i) {
    SimRequest x = a.Generate(Route(), kStart), y = b.Generate(Route(), kStart);
    ASSERT_EQ(x.events.size(), y.events.size());
    for (size_t j = 0; j < x.events.size(); ++j) {
      EXPECT_EQ(EventToWireJson(x.events[j]), EventToWireJson(y.events[j]));
    }
  }
}

TEST(RequestGenerator, BaseRatesMatchTheConfiguration) {
  SimulatorConfig c = Config();
  c.inference_error_rate = 0.02;
  c.tool_error_rate = 0.0;
  c.refusal_rate = 0.0;
  RequestGenerator gen(c, {});
  Tally t = Simulate(gen, Route(), 20000);
  // A task fails only when every attempt (1 + 2 retries) fails: 0.02^3 — almost never.
  EXPECT_LT(t.failed, 20);
  EXPECT_EQ(t.releases["v2"], 20000);
  EXPECT_GT(t.business, 20000 * 0.25);  // conversions ≈ 30% plus handoffs and complaints
}

TEST(RequestGenerator, UpstreamTimeoutOnAModelFailsItsCallsAndDegradedModeAvoidsIt) {
  RequestGenerator gen(Config(), {});
  SimRoute route = Route();
  route.faults.push_back({"f1", "upstream_timeout", "m-large", 1.0, "", 0});
  Tally broken = Simulate(gen, route, 500);
  EXPECT_EQ(broken.failed, 500);
  EXPECT_EQ(broken.failures["timeout"], 500);
  SimRequest one = gen.Generate(route, kStart);
  EXPECT_GE(one.end_ns - one.start_ns, 6'000'000'000LL);  // 3 attempts × 2 s client timeout
  route.degraded = true;                                  // the fallback model is not affected
  Tally degraded = Simulate(gen, route, 500);
  EXPECT_LT(degraded.failed, 25);
  EXPECT_EQ(degraded.inference_models.count("m-large"), 0u);
}

TEST(RequestGenerator, MalformedOutputAndToolPermissionFollowTheRelease) {
  RequestGenerator gen(Config(), {});
  SimRoute route = Route();
  route.faults.push_back({"f1", "malformed_output", "v2", 1.0, "", 0});
  EXPECT_EQ(Simulate(gen, route, 300).failures["malformed_output"], 300);
  // Rolled back to v1 (without the fault's target): healthy again.
  route.active.version = "v1";
  EXPECT_LT(Simulate(gen, route, 300).failed, 15);

  SimRoute tools = Route();
  tools.faults.push_back({"f2", "tool_permission_denied", "issue_refund", 1.0, "v2", 0});
  Tally t = Simulate(gen, tools, 1000);
  EXPECT_GT(t.failures["permission_denied"], 400);  // ~60% of requests call the action tool
  tools.active = {"v1", "m-large", "m-small", {"lookup_order"}, 0, 0, 0};  // v1 lacks it
  EXPECT_EQ(Simulate(gen, tools, 300).failures["permission_denied"], 0);
}

TEST(RequestGenerator, CanaryTakesItsShareAndReleaseDefectsApply) {
  RequestGenerator gen(Config(), {});
  SimRoute route = Route();
  route.canary = SimRelease{"v3", "m-large", "m-small", {"lookup_order"}, 0.5, 0, 0};
  route.canary_percent = 20;
  Tally t = Simulate(gen, route, 5000);
  EXPECT_NEAR(t.releases["v3"], 1000, 150);
  EXPECT_NEAR(t.failures["malformed_output"], 500, 100);  // half of the canary's requests
}

}  // namespace
}  // namespace vigil
