// /metrics must be valid Prometheus exposition: checked with `promtool check metrics` from the
// Debian prometheus package (installed by scripts/install-deps.sh), after traffic and an alert
// have populated every family.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "client/http_client.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

const char kConfig[] = R"(
auth:
  tokens:
    - { name: acme, token_env: T_ACME, roles: [ingest, read], tenants: [acme] }
alerting:
  evaluation_interval: 100ms
  rules:
    - { name: any-timeout, tier: P2, use_case: u, layer: task, signal: count,
        where: { error_class: timeout }, window: 1m, threshold: ">= 1" }
)";

TEST(MetricsExpositionTest, PassesPromtoolCheckMetrics) {
  TempDir dir;
  VigilProcess vigil(dir.File("data"), kConfig, {{"T_ACME", "a"}});
  ASSERT_TRUE(vigil.Start()) << vigil.Log();
  ASSERT_TRUE(vigil.WaitReady());
  HttpClient c(vigil.base_url());
  auto r = c.Request(
      "POST", "/v1/events",
      R"({"trace_id":"t","span_id":"1","request_id":"r","use_case":"u","layer":"task","status":"error","error_class":"timeout","latency_ms":30})"
      "\n"
      R"({"trace_id":"t","span_id":"2","layer":"tool"})"
      "\n",
      {"Content-Type: application/x-ndjson", "Authorization: Bearer a"});
  ASSERT_EQ(r->status, 200);
  std::string text;
  ASSERT_TRUE(WaitFor([&] {
    auto m = c.Get("/metrics");
    text = m.ok() ? m->body : "";
    return text.find("vigil_actions_total") != std::string::npos;
  })) << text;
  const std::string file = dir.File("metrics.txt");
  std::ofstream(file) << text;
  const std::string cmd = "promtool check metrics < " + file + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "promtool (from Debian's prometheus package) said:\n"
                                    << out << "\n--- exposition ---\n"
                                    << text;
}

}  // namespace
}  // namespace vigil::testing
