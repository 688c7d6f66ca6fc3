// The read and ingest CLI commands against a real server: output, --json, --resume and exit
// codes (0 ok, 1 refused or failed, 2 usage or connection).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

const char kConfig[] = R"(
auth:
  tokens:
    - { name: acme, token_env: T_ACME, roles: [ingest, read], tenants: [acme] }
    - { name: ops, token_env: T_OPS, roles: [operate, read], tenants: "*" }
)";

class CliCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vigil_ = std::make_unique<VigilProcess>(
        dir_.File("data"), kConfig,
        std::map<std::string, std::string>{{"T_ACME", "s3"}, {"T_OPS", "op"}});
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady());
  }
  int Run(const std::string& args, std::string* out, const std::string& token = "s3") {
    std::string cmd = "VIGIL_TOKEN=" + token + " " + VigilBinary() + " " + args + " --server " +
                      vigil_->base_url() + " 2>&1";
    FILE* pipe = popen(cmd.c_str(), "r");
    out->clear();
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out->append(buf, n);
    int status = pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::string WriteEvents(int n, int bad_at = -1) {
    std::string path = dir_.File("events.ndjson");
    std::ofstream f(path);
    int64_t ts = SystemClock::Instance().NowNanos() - 60LL * 1'000'000'000;
    for (int i = 0; i < n; ++i) {
      if (i == bad_at) {
        f << R"({"trace_id":"bad","span_id":"1","layer":"tool"})"
          << "\n";
        continue;
      }
      f << "{\"ts\":" << ts + i << R"(,"trace_id":"t)" << i / 4 << R"(","span_id":"s)" << i
        << R"(","parent_span_id":")" << (i % 4 ? "s" + std::to_string(i - i % 4) : "")
        << R"(","request_id":"r","use_case":"refund-bot","layer":")"
        << (i % 4 ? "inference" : "task")
        << R"(","model":"m-large","status":"ok","latency_ms":200})"
        << "\n";
    }
    return path;
  }
  TempDir dir_;
  std::unique_ptr<VigilProcess> vigil_;
};

TEST_F(CliCommandsTest, IngestReportsRejectionsAndResumes) {
  std::string file = WriteEvents(1000, 10);
  std::string out;
  EXPECT_EQ(Run("ingest " + file + " --batch 100", &out), 1) << out;  // one line rejected
  EXPECT_NE(out.find("line 11: tool: required"), std::string::npos) << out;
  EXPECT_NE(out.find("999 accepted"), std::string::npos) << out;
  std::ifstream progress(file + ".vigil-progress");
  int last = 0;
  progress >> last;
  EXPECT_EQ(last, 1000);
  EXPECT_EQ(Run("ingest " + file + " --resume --json", &out), 0) << out;
  auto reply = nlohmann::json::parse(out.substr(out.find('{')));
  EXPECT_EQ(reply["accepted"], 0);  // nothing left after the last acknowledged line
  // Without --resume everything is re-sent and recognised as duplicates.
  EXPECT_EQ(Run("ingest " + file + " --json", &out), 1);
  reply = nlohmann::json::parse(out.substr(out.find('{')));
  EXPECT_EQ(reply["duplicates"], 999);
}

TEST_F(CliCommandsTest, SummaryTraceAndEvents) {
  std::string out;
  ASSERT_EQ(Run("ingest " + WriteEvents(40), &out), 0) << out;
  EXPECT_EQ(Run("summary --from -10m", &out), 0) << out;
  EXPECT_NE(out.find("task"), std::string::npos);
  EXPECT_NE(out.find("success 100.00%"), std::string::npos) << out;
  EXPECT_EQ(Run("summary --from -10m --json", &out), 0);
  EXPECT_EQ(nlohmann::json::parse(out)["inference"]["count"], 30);
  EXPECT_EQ(Run("trace t2", &out), 0) << out;
  EXPECT_NE(out.find("s8  task"), std::string::npos) << out;
  EXPECT_NE(out.find("  └ s9  inference refund-bot m-large"), std::string::npos) << out;
  EXPECT_EQ(Run("events --layer task --limit 5", &out), 0) << out;
  EXPECT_NE(out.find("more: --cursor"), std::string::npos) << out;
}

TEST_F(CliCommandsTest, IncidentLifecycleAlertsAndDiagnose) {
  std::string out;
  ASSERT_EQ(
      Run("incident open --use-case refund-bot --title 'double refunds' --severity P1", &out, "op"),
      0)
      << out;
  EXPECT_NE(out.find("opened incident 1"), std::string::npos) << out;
  EXPECT_EQ(Run("incident update 1 'rolled back by hand'", &out, "op"), 0) << out;
  EXPECT_EQ(Run("incident show 1", &out, "op"), 0) << out;
  EXPECT_NE(out.find("first_update"), std::string::npos) << out;
  EXPECT_NE(out.find("rolled back by hand"), std::string::npos) << out;
  EXPECT_EQ(Run("incident resolve 1 --summary fixed", &out, "op"), 0) << out;
  EXPECT_EQ(Run("incident resolve 1", &out, "op"), 1) << out;  // already resolved: refused
  EXPECT_EQ(Run("incident list --status resolved --json", &out, "op"), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["incidents"].size(), 1u);
  EXPECT_EQ(Run("incident open --use-case x --title y", &out, "s3"), 1);  // read token: 403
  EXPECT_EQ(Run("alerts", &out), 0) << out;
  EXPECT_NE(out.find("no pending or firing alerts"), std::string::npos) << out;
  ASSERT_EQ(Run("ingest " + WriteEvents(40), &out), 0) << out;
  EXPECT_EQ(Run("diagnose --use-case refund-bot", &out), 0) << out;
  EXPECT_NE(out.find("not above the baseline"), std::string::npos) << out;
}

TEST_F(CliCommandsTest, ExitCodes) {
  std::string out;
  EXPECT_EQ(Run("summary --from yesterday", &out), 2) << out;  // bad parameter
  EXPECT_NE(out.find("(from)"), std::string::npos) << out;
  EXPECT_EQ(Run("summary", &out, "wrong"), 1) << out;  // refused
  EXPECT_EQ(Run("trace nope", &out), 1) << out;        // not found
  EXPECT_EQ(Run("ingest /nonexistent.ndjson", &out), 2) << out;
  std::string cmd = VigilBinary() + " summary --server http://127.0.0.1:1 >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);  // unreachable
}

}  // namespace
}  // namespace vigil::testing

namespace vigil::testing {
namespace {

TEST_F(CliCommandsTest, EvalRunsArePostedFromCiAndListed) {
  const std::string path = dir_.File("eval.json");
  std::ofstream(path) << R"({"suite":"refund-evals","use_case":"refund-bot","release":"v2",
    "cases":[{"id":"happy","passed":true},{"id":"denied","passed":false}]})";
  std::string out;
  EXPECT_EQ(Run("eval post " + path, &out, "op"), 0) << out;
  EXPECT_NE(out.find("1/2 passed (50.0%)"), std::string::npos) << out;
  EXPECT_EQ(Run("eval list --use-case refund-bot", &out, "op"), 0) << out;
  EXPECT_NE(out.find("refund-evals"), std::string::npos) << out;
  EXPECT_NE(out.find("by ops"), std::string::npos) << out;
  // A token without the operate role is refused (1); a bad file is a usage error (2).
  EXPECT_EQ(Run("eval post " + path, &out, "s3"), 1) << out;
  std::ofstream(path) << R"({"suite":"x","use_case":"refund-bot","release":"v2","cases":[]})";
  EXPECT_EQ(Run("eval post " + path, &out, "op"), 2) << out;
  EXPECT_NE(out.find("cases"), std::string::npos) << out;
  EXPECT_EQ(Run("eval post /nonexistent.json", &out, "op"), 2);
}

}  // namespace
}  // namespace vigil::testing
