// vigil serve on two ClickHouse shards, end to end over HTTP: ingest runs continuously while one
// shard stops and comes back; every acknowledged event must end up in ClickHouse exactly once.
// Then the same across a kill -9 of vigil while its spool holds data.

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/http_client.h"
#include "storage/clickhouse/clickhouse_http.h"
#include "support/clickhouse_cluster.h"
#include "support/vigil_process.h"

namespace vigil {

// The cluster the suite's environment started (clickhouse_store_test.cc).
testing::ClickHouseCluster* SuiteCluster();

namespace {

using nlohmann::json;

std::string Config(testing::ClickHouseCluster& cluster, const std::string& database) {
  return R"(
auth:
  tokens:
    - { name: agent, token_env: T_INGEST, roles: [ingest, read], tenants: [acme] }
storage:
  backend: clickhouse
  clickhouse:
    url: )" +
         cluster.http_url(0) +
         R"(
    database: )" +
         database +
         R"(
    cluster: )" +
         testing::ClickHouseCluster::kClusterName +
         R"(
    shards: [)" +
         cluster.http_url(0) + ", " + cluster.http_url(1) + R"(]
)";
}

// 50 task events of fresh traces per batch.
std::string Batch(int batch) {
  std::string out;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (int i = 0; i < 50; ++i) {
    const std::string id = "b" + std::to_string(batch) + "-" + std::to_string(i);
    out += json{{"ts", now},        {"trace_id", id},           {"span_id", "root"},
                {"request_id", id}, {"use_case", "refund-bot"}, {"layer", "task"},
                {"status", "ok"},   {"latency_ms", 100}}
               .dump() +
           "\n";
  }
  return out;
}

int64_t Metric(HttpClient& client, const std::string& name) {
  auto r = client.Get("/metrics");
  if (!r.ok()) return -1;
  const size_t at = r->body.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::atoll(r->body.c_str() + at + name.size() + 2);
}

class Ingester {
 public:
  explicit Ingester(const std::string& base_url) : base_url_(base_url) {}
  ~Ingester() { Stop(); }
  // Posts one batch; adds its accepted events to acked() when vigil answers 200.
  bool Post(int batch) {
    HttpClient client(base_url_);
    auto r = client.Request("POST", "/v1/events", Batch(batch),
                            {"Content-Type: application/x-ndjson", "Authorization: Bearer ing-s"});
    if (!r.ok() || r->status != 200) {
      if (refused_++ == 0) {
        last_refusal_ = r.ok() ? std::to_string(r->status) + " " + r->body.substr(0, 300)
                               : r.status().ToString();
      }
      return false;
    }
    acked_ += json::parse(r->body)["accepted"].get<int64_t>();
    return true;
  }
  void RunUntilStopped(int first_batch) {
    thread_ = std::thread([this, first_batch] {
      for (int b = first_batch; !stop_; ++b) Post(b);
    });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t acked() const { return acked_; }
  int64_t refused() const { return refused_; }
  std::string first_refusal() const { return last_refusal_; }

 private:
  std::string base_url_;
  std::atomic<int64_t> acked_{0}, refused_{0};
  std::atomic<bool> stop_{false};
  std::string last_refusal_;  // written once, before refused_ becomes non-zero
  std::thread thread_;
};

// Rows and distinct identities in ClickHouse, asked of the cluster directly.
std::pair<int64_t, int64_t> Stored(testing::ClickHouseCluster& cluster, const std::string& db) {
  ClickHouseHttp ch({cluster.http_url(0), "", ""}, std::chrono::seconds(10));
  auto r = ch.Query("SELECT count(), uniqExact(tenant, trace_id, span_id) FROM " + db + ".events");
  if (!r.ok()) return {-1, -1};
  const int64_t rows = std::atoll(r->c_str());
  return {rows, std::atoll(r->c_str() + r->find('\t') + 1)};
}

TEST(ClickHouseVigilTest, EveryAcknowledgedEventIsStoredOnceAcrossAShardOutageAndAKill9) {
  testing::ClickHouseCluster* cluster = SuiteCluster();
  ASSERT_NE(cluster, nullptr);
  testing::TempDir dir;
  const std::string db = "outage_" + std::to_string(getpid());
  testing::VigilProcess vigil(dir.File("data"), Config(*cluster, db), {{"T_INGEST", "ing-s"}});
  ASSERT_TRUE(vigil.Start()) << vigil.Log();
  ASSERT_TRUE(vigil.WaitReady()) << vigil.Log();
  HttpClient metrics(vigil.base_url());

  // Continuous ingest; a shard stops in the middle of it and comes back.
  Ingester ingest(vigil.base_url());
  ingest.RunUntilStopped(0);
  ASSERT_TRUE(testing::WaitFor([&] { return ingest.acked() >= 1000; }))
      << ingest.refused() << " refused, first: " << ingest.first_refusal() << vigil.Log();
  cluster->Stop(1);
  const int64_t before_outage = ingest.acked();
  // Still acknowledged, now from the spool.
  ASSERT_TRUE(testing::WaitFor([&] { return ingest.acked() >= before_outage + 1000; }))
      << vigil.Log();
  EXPECT_GT(Metric(metrics, "vigil_spool_pending_batches"), 0);
  ASSERT_TRUE(cluster->Restart(1)) << cluster->Log(1);
  const int64_t after_restart = ingest.acked();
  ASSERT_TRUE(testing::WaitFor([&] { return ingest.acked() >= after_restart + 1000; }));
  ingest.Stop();
  EXPECT_EQ(ingest.refused(), 0) << ingest.first_refusal();
  ASSERT_TRUE(testing::WaitFor([&] { return Metric(metrics, "vigil_spool_pending_batches") == 0; },
                               std::chrono::seconds(90)))
      << vigil.Log();
  auto [rows, identities] = Stored(*cluster, db);
  EXPECT_EQ(rows, ingest.acked()) << "every acknowledged event, once";
  EXPECT_EQ(identities, rows);
  // The API answers from ClickHouse with the same count.
  HttpClient reader(vigil.base_url());
  auto summary = reader.Get("/v1/summary?from=-1h", {"Authorization: Bearer ing-s"});
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(json::parse(summary->body)["task"]["count"].get<int64_t>(), ingest.acked());

  // kill -9 while the spool holds batches: they are replayed by the next vigil.
  cluster->Stop(1);
  Ingester more(vigil.base_url());
  for (int b = 100000; b < 100020; ++b) ASSERT_TRUE(more.Post(b)) << vigil.Log();
  EXPECT_GE(Metric(metrics, "vigil_spool_pending_batches"), 1);
  vigil.Kill9();
  ASSERT_TRUE(cluster->Restart(1)) << cluster->Log(1);
  ASSERT_TRUE(vigil.Start()) << vigil.Log();
  ASSERT_TRUE(vigil.WaitReady()) << vigil.Log();
  HttpClient metrics_after(vigil.base_url());
  ASSERT_TRUE(
      testing::WaitFor([&] { return Metric(metrics_after, "vigil_spool_pending_batches") == 0; },
                       std::chrono::seconds(90)))
      << vigil.Log();
  auto [rows_after, identities_after] = Stored(*cluster, db);
  EXPECT_EQ(rows_after, ingest.acked() + more.acked());
  EXPECT_EQ(identities_after, rows_after);
}

}  // namespace
}  // namespace vigil
