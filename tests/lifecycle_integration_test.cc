// Process-level behaviour of `vigil serve`: readiness, crash durability, clean shutdown and
// the CLI's exit codes.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/http_client.h"
#include "storage/sqlite/sqlite_db.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

const char kConfig[] = R"(
auth:
  tokens:
    - { name: acme-ingest, token_env: T_ACME, roles: [ingest], tenants: [acme] }
)";
const std::map<std::string, std::string> kEnv = {{"T_ACME", "acme-secret"}};
const std::vector<std::string> kHeaders = {"Content-Type: application/x-ndjson",
                                           "Authorization: Bearer acme-secret"};

std::string Batch(const std::string& trace, int n) {
  std::string out;
  out.reserve(static_cast<size_t>(n) * 200);
  for (int i = 0; i < n; ++i) {
    out +=
        R"({"trace_id":")" + trace + R"(","span_id":")" + std::to_string(i) +
        R"(","layer":"inference","model":"m-large","latency_ms":812,"tokens_in":1200,"tokens_out":300,"cost_usd":0.0081})"
        "\n";
  }
  return out;
}

std::map<std::string, int64_t> CountsByTrace(const std::string& sqlite_path) {
  std::map<std::string, int64_t> out;
  auto db = SqliteDb::Open(sqlite_path);
  if (!db.ok()) return out;
  auto stmt = db->Prepare("SELECT trace_id, COUNT(*) FROM events GROUP BY trace_id");
  Status st;
  while (stmt.ok() && stmt->Step(st)) out[stmt->ColumnText(0)] = stmt->ColumnInt(1);
  return out;
}

int RunCli(const std::string& args, std::string* output = nullptr) {
  std::string cmd = VigilBinary() + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) text.append(buf, n);
  int status = pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(LifecycleTest, ReadyzIs503UntilTheStoreIsOpen) {
  TempDir dir;
  std::string data = dir.File("data");
  std::filesystem::create_directories(data);
  // Another process holds the database's write lock while Vigil starts.
  auto locker = SqliteDb::Open(data + "/vigil.db");
  ASSERT_TRUE(locker.ok());
  ASSERT_TRUE(locker->Exec("BEGIN EXCLUSIVE").ok());

  VigilProcess vigil(data, kConfig, kEnv);
  ASSERT_TRUE(vigil.Start()) << vigil.Log();
  HttpClient client(vigil.base_url());
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200);
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->status, 503) << ready->body;
  auto ingest = client.Request("POST", "/v1/events", Batch("early", 1), kHeaders);
  ASSERT_TRUE(ingest.ok());
  EXPECT_EQ(ingest->status, 503);
  EXPECT_FALSE(ingest->Header("retry-after").empty());

  ASSERT_TRUE(locker->Exec("COMMIT").ok());
  EXPECT_TRUE(vigil.WaitReady()) << vigil.Log();
  auto after = client.Request("POST", "/v1/events", Batch("late", 3), kHeaders);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 200) << after->body;
}

TEST(LifecycleTest, Kill9DuringSustainedIngestLosesNoAcknowledgedEvent) {
  TempDir dir;
  std::string data = dir.File("data");
  constexpr int kBatch = 200;
  std::mutex mu;
  std::vector<std::string> acknowledged;  // trace ids of batches answered 200
  {
    VigilProcess vigil(data, kConfig, kEnv);
    ASSERT_TRUE(vigil.Start()) << vigil.Log();
    ASSERT_TRUE(vigil.WaitReady()) << vigil.Log();
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        HttpClient c(vigil.base_url(), std::chrono::seconds(10));
        for (int b = 0; !stop.load(); ++b) {
          std::string trace = "w" + std::to_string(w) + "-b" + std::to_string(b);
          auto r = c.Request("POST", "/v1/events", Batch(trace, kBatch), kHeaders);
          if (!r.ok()) break;  // the server is gone
          if (r->status == 200) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.push_back(trace);
          }
        }
      });
    }
    ASSERT_TRUE(WaitFor([&] {
      std::lock_guard<std::mutex> lock(mu);
      return acknowledged.size() >= 300;
    }));
    vigil.Kill9();  // mid-stream: requests are in flight on every connection
    stop.store(true);
    for (auto& t : writers) t.join();
  }
  ASSERT_GE(acknowledged.size(), 300u);

  VigilProcess restarted(data, kConfig, kEnv);
  ASSERT_TRUE(restarted.Start()) << restarted.Log();
  ASSERT_TRUE(restarted.WaitReady()) << restarted.Log();
  std::map<std::string, int64_t> stored = CountsByTrace(restarted.sqlite_path());
  size_t missing = 0;
  for (const std::string& trace : acknowledged) {
    if (stored[trace] != kBatch) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged batches";
  // Every stored batch is whole: a group commit is one transaction.
  for (const auto& [trace, count] : stored) EXPECT_EQ(count, kBatch) << trace;

  // A client retrying an acknowledged batch after the crash gets duplicates, not copies.
  HttpClient client(restarted.base_url());
  auto retry = client.Request("POST", "/v1/events", Batch(acknowledged.front(), kBatch), kHeaders);
  ASSERT_TRUE(retry.ok());
  ASSERT_EQ(retry->status, 200);
  EXPECT_EQ(nlohmann::json::parse(retry->body)["duplicates"], kBatch);
}

TEST(LifecycleTest, SigtermAnswersInFlightBatchesAndExitsZero) {
  TempDir dir;
  VigilProcess vigil(dir.File("data"), kConfig, kEnv);
  ASSERT_TRUE(vigil.Start());
  ASSERT_TRUE(vigil.WaitReady());
  HttpClient client(vigil.base_url());
  auto r = client.Request("POST", "/v1/events", Batch("before-stop", 10), kHeaders);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(vigil.Terminate(), 0) << vigil.Log();
  EXPECT_EQ(CountsByTrace(dir.File("data") + "/vigil.db")["before-stop"], 10);
  EXPECT_FALSE(std::filesystem::exists(dir.File("data") + "/vigil.addr"));
}

TEST(CliTest, ConfigCheckReportsEveryProblemAndExitsOne) {
  TempDir dir;
  std::ofstream(dir.File("bad.yaml")) << "server: { listen: x, colour: red }\n"
                                         "alerting:\n  rules:\n    - { name: r, tier: P9 }\n";
  std::string out;
  EXPECT_EQ(RunCli("config check " + dir.File("bad.yaml"), &out), 1);
  EXPECT_NE(out.find("server.colour"), std::string::npos) << out;
  EXPECT_NE(out.find("server.listen"), std::string::npos) << out;
  EXPECT_NE(out.find("alerting.rules[0].tier"), std::string::npos) << out;
  EXPECT_NE(out.find("alerting.rules[0].signal"), std::string::npos) << out;

  EXPECT_EQ(RunCli("config check --json " + dir.File("bad.yaml"), &out), 1);
  auto parsed = nlohmann::json::parse(out);
  EXPECT_FALSE(parsed["ok"].get<bool>());
  EXPECT_GE(parsed["problems"].size(), 3u);

  EXPECT_EQ(RunCli(std::string("config check ") + VIGIL_SOURCE_DIR "/examples/vigil.yaml", &out), 0)
      << out;
  EXPECT_EQ(RunCli("config check " + dir.File("missing.yaml"), &out), 1);
  EXPECT_EQ(RunCli("no-such-command", &out), 2);
  EXPECT_EQ(RunCli("--help", &out), 0);
  EXPECT_NE(out.find("serve"), std::string::npos);
}

TEST(CliTest, ServeRefusesAnUnsetTokenVariable) {
  TempDir dir;
  std::ofstream(dir.File("c.yaml")) << kConfig;
  std::string out;
  EXPECT_EQ(RunCli("serve --config " + dir.File("c.yaml") + " --data " + dir.File("d") +
                       " --listen 127.0.0.1:0",
                   &out),
            2);
  EXPECT_NE(out.find("T_ACME"), std::string::npos) << out;
}

}  // namespace
}  // namespace vigil::testing
