// Integration tests of POST /v1/events against the real `vigil serve` binary over loopback HTTP.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "client/http_client.h"
#include "common/gzip.h"
#include "storage/sqlite/sqlite_db.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

const char kConfig[] = R"(
server: { max_body_bytes: 65536 }
ingest: { queue_max_events: 100 }
auth:
  tokens:
    - { name: acme-ingest,   token_env: T_ACME,   roles: [ingest], tenants: [acme] }
    - { name: globex-ingest, token_env: T_GLOBEX, roles: [ingest], tenants: [globex] }
    - { name: multi,         token_env: T_MULTI,  roles: [ingest], tenants: [acme, globex] }
    - { name: reader,        token_env: T_READ,   roles: [read],   tenants: "*" }
)";

const std::map<std::string, std::string> kEnv = {{"T_ACME", "acme-secret"},
                                                 {"T_GLOBEX", "globex-secret"},
                                                 {"T_MULTI", "multi-secret"},
                                                 {"T_READ", "read-secret"}};

std::string TaskLine(const std::string& trace, const std::string& span,
                     const std::string& extra = "") {
  return R"({"trace_id":")" + trace + R"(","span_id":")" + span + R"(","request_id":"r-)" + trace +
         R"(","use_case":"refund-bot","layer":"task","status":"ok","latency_ms":120)" + extra + "}";
}

std::string Batch(const std::string& trace, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += TaskLine(trace, std::to_string(i)) + "\n";
  return out;
}

class IngestIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vigil_ = std::make_unique<VigilProcess>(dir_.File("data"), kConfig, kEnv);
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady()) << vigil_->Log();
    client_ = std::make_unique<HttpClient>(vigil_->base_url());
  }

  ClientResponse Post(const std::string& body, const std::string& token = "acme-secret",
                      const std::string& type = "application/x-ndjson",
                      std::vector<std::string> extra = {}) {
    extra.push_back("Content-Type: " + type);
    if (!token.empty()) extra.push_back("Authorization: Bearer " + token);
    auto r = client_->Request("POST", "/v1/events", body, extra);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ClientResponse{};
  }

  // Reads the store directly, as a separate SQLite connection would.
  int64_t Count(const std::string& where = "1=1") {
    auto db = SqliteDb::Open(vigil_->sqlite_path());
    if (!db.ok()) return -1;
    auto stmt = db->Prepare("SELECT COUNT(*) FROM events WHERE " + where);
    if (!stmt.ok()) return -1;
    Status st;
    return stmt->Step(st) ? stmt->ColumnInt(0) : -1;
  }

  TempDir dir_;
  std::unique_ptr<VigilProcess> vigil_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(IngestIntegrationTest, MixedBatchStoresValidEventsAndLocatesEachError) {
  std::string body = TaskLine("t1", "a") + "\n" +
                     R"({"trace_id":"t1","span_id":"b","layer":"tool"})" + "\n" +  // no tool
                     "{this is not json\n" + TaskLine("t1", "c", R"(,"latency_ms":-5)") + "\n" +
                     TaskLine("t1", "d", R"(,"status":"error","error_class":"gremlins")") + "\n" +
                     TaskLine("t1", "e") + "\n";
  ClientResponse r = Post(body);
  ASSERT_EQ(r.status, 200) << r.body;
  json reply = json::parse(r.body);
  EXPECT_EQ(reply["accepted"], 2);
  EXPECT_EQ(reply["rejected"], 4);
  EXPECT_EQ(reply["duplicates"], 0);
  ASSERT_EQ(reply["errors"].size(), 4u);
  EXPECT_EQ(reply["errors"][0]["index"], 1);
  EXPECT_EQ(reply["errors"][0]["line"], 2);
  EXPECT_EQ(reply["errors"][0]["field"], "tool");
  EXPECT_EQ(reply["errors"][1]["line"], 3);
  EXPECT_NE(reply["errors"][1]["message"].get<std::string>().find("invalid JSON"),
            std::string::npos);
  EXPECT_EQ(reply["errors"][2]["field"], "latency_ms");
  EXPECT_EQ(reply["errors"][3]["field"], "error_class");
  EXPECT_NE(reply["errors"][3]["message"].get<std::string>().find("permission_denied"),
            std::string::npos);
  EXPECT_EQ(Count("trace_id = 't1'"), 2);
  EXPECT_EQ(Count("span_id IN ('a', 'e') AND tenant = 'acme'"), 2);
}

TEST_F(IngestIntegrationTest, NothingValidIs400WithTheSameShape) {
  ClientResponse r = Post(R"({"trace_id":"x","span_id":"y","layer":"inference"})"
                          "\n");
  ASSERT_EQ(r.status, 400) << r.body;
  json reply = json::parse(r.body);
  EXPECT_EQ(reply["accepted"], 0);
  EXPECT_EQ(reply["rejected"], 1);
  EXPECT_EQ(reply["errors"][0]["field"], "model");
  EXPECT_EQ(Count(), 0);
}

TEST_F(IngestIntegrationTest, OversizedBodyIs413) {
  std::string big = Batch("big", 600);  // > 64 KiB
  ASSERT_GT(big.size(), 65536u);
  ClientResponse r = Post(big);
  EXPECT_EQ(r.status, 413) << r.body;
  // A small gzip body that inflates past the limit is refused too.
  std::string bomb = GzipCompress(std::string(1 << 20, ' ') + Batch("bomb", 1));
  ASSERT_LT(bomb.size(), 65536u);
  HttpClient fresh(vigil_->base_url());
  auto g = fresh.Request("POST", "/v1/events", bomb,
                         {"Content-Type: application/x-ndjson", "Content-Encoding: gzip",
                          "Authorization: Bearer acme-secret"});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->status, 413) << g->body;
  EXPECT_EQ(Count(), 0);
}

TEST_F(IngestIntegrationTest, UnsupportedContentTypeOrEncodingIs415) {
  EXPECT_EQ(Post(Batch("t", 1), "acme-secret", "text/plain").status, 415);
  ClientResponse r =
      Post(Batch("t", 1), "acme-secret", "application/x-ndjson", {"Content-Encoding: br"});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(Count(), 0);
}

TEST_F(IngestIntegrationTest, MalformedJsonArrayNamesTheByteOffset) {
  std::string body = "[" + TaskLine("t", "1") + ", {\"trace_id\": ]";
  ClientResponse r = Post(body, "acme-secret", "application/json");
  ASSERT_EQ(r.status, 400) << r.body;
  json reply = json::parse(r.body);
  std::string message = reply["error"]["message"];
  EXPECT_NE(message.find("at byte"), std::string::npos) << message;
  EXPECT_EQ(Count(), 0);
}

TEST_F(IngestIntegrationTest, JsonArrayGzipAndCrlfAreAccepted) {
  std::string array = "[" + TaskLine("arr", "1") + "," + TaskLine("arr", "2") + "]";
  EXPECT_EQ(Post(array, "acme-secret", "application/json; charset=utf-8").status, 200);

  std::string packed = GzipCompress(Batch("gz", 50));
  ClientResponse g =
      Post(packed, "acme-secret", "application/x-ndjson", {"Content-Encoding: gzip"});
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(json::parse(g.body)["accepted"], 50);

  std::string crlf = TaskLine("crlf", "1") + "\r\n\r\n" + TaskLine("crlf", "2") + "\r\n";
  ClientResponse c = Post(crlf);
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(json::parse(c.body)["accepted"], 2);
  EXPECT_EQ(json::parse(c.body)["rejected"], 0);

  EXPECT_EQ(Count("trace_id = 'arr'"), 2);
  EXPECT_EQ(Count("trace_id = 'gz'"), 50);
  EXPECT_EQ(Count("trace_id = 'crlf'"), 2);
}

TEST_F(IngestIntegrationTest, ResentBatchIsCountedAsDuplicatesAndStoredOnce) {
  std::string body = Batch("dup", 20);
  ClientResponse first = Post(body);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(json::parse(first.body)["duplicates"], 0);
  ClientResponse again = Post(body);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::parse(again.body)["accepted"], 20);
  EXPECT_EQ(json::parse(again.body)["duplicates"], 20);
  EXPECT_EQ(Count("trace_id = 'dup'"), 20);
}

TEST_F(IngestIntegrationTest, TenantComesFromASingleTenantToken) {
  ASSERT_EQ(Post(Batch("tenancy", 3)).status, 200);
  EXPECT_EQ(Count("trace_id = 'tenancy' AND tenant = 'acme'"), 3);
  // A token scoped to two tenants must say which one.
  ClientResponse multi = Post(Batch("multi", 1), "multi-secret");
  ASSERT_EQ(multi.status, 400) << multi.body;
  EXPECT_EQ(json::parse(multi.body)["errors"][0]["field"], "tenant");
  ClientResponse named =
      Post(TaskLine("multi", "0", R"(,"tenant":"globex")") + "\n", "multi-secret");
  EXPECT_EQ(named.status, 200) << named.body;
  EXPECT_EQ(Count("trace_id = 'multi' AND tenant = 'globex'"), 1);
}

TEST_F(IngestIntegrationTest, UnauthenticatedAndForbiddenRequests) {
  ClientResponse none = Post(Batch("auth", 1), "");
  EXPECT_EQ(none.status, 401);
  EXPECT_FALSE(none.Header("www-authenticate").empty());
  EXPECT_EQ(Post(Batch("auth", 1), "wrong-secret").status, 401);

  ClientResponse reader = Post(Batch("auth", 1), "read-secret");
  EXPECT_EQ(reader.status, 403);
  EXPECT_NE(reader.body.find("\\\"ingest\\\""), std::string::npos) << reader.body;

  // Foreign tenants, in both directions.
  ClientResponse acme_to_globex =
      Post(TaskLine("auth", "1", R"(,"tenant":"globex")") + "\n", "acme-secret");
  EXPECT_EQ(acme_to_globex.status, 403);
  EXPECT_NE(acme_to_globex.body.find("globex"), std::string::npos);
  ClientResponse globex_to_acme =
      Post(TaskLine("auth", "2", R"(,"tenant":"acme")") + "\n", "globex-secret");
  EXPECT_EQ(globex_to_acme.status, 403);
  EXPECT_NE(globex_to_acme.body.find("acme"), std::string::npos);
  EXPECT_EQ(Count("trace_id = 'auth'"), 0);
}

TEST_F(IngestIntegrationTest, FullQueueAnswers429WithRetryAfterAndLosesNothingAccepted) {
  // Another process holds the write lock, so the writer cannot commit and the queue fills.
  auto locker = SqliteDb::Open(vigil_->sqlite_path());
  ASSERT_TRUE(locker.ok());
  ASSERT_TRUE(locker->Exec("BEGIN EXCLUSIVE").ok());

  std::atomic<int> first_status{0};
  std::thread first([&] {
    HttpClient c(vigil_->base_url());
    auto r = c.Request("POST", "/v1/events", Batch("q1", 60),
                       {"Content-Type: application/x-ndjson", "Authorization: Bearer acme-secret"});
    first_status = r.ok() ? r->status : -1;
  });
  HttpClient metrics(vigil_->base_url());
  ASSERT_TRUE(WaitFor([&] {
    auto m = metrics.Get("/metrics");
    return m.ok() && m->body.find("vigil_ingest_pending_events 60") != std::string::npos;
  }));
  ClientResponse second = Post(Batch("q2", 60));
  EXPECT_EQ(second.status, 429) << second.body;
  EXPECT_EQ(second.Header("retry-after"), "1");

  ASSERT_TRUE(locker->Exec("COMMIT").ok());
  first.join();
  EXPECT_EQ(first_status.load(), 200);
  EXPECT_EQ(Count("trace_id = 'q1'"), 60);
  EXPECT_EQ(Count("trace_id = 'q2'"), 0);
}

TEST_F(IngestIntegrationTest, MetricsAndHealthNeedNoToken) {
  HttpClient c(vigil_->base_url());
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  EXPECT_EQ(c.Get("/readyz")->status, 200);
  auto m = c.Get("/metrics");
  ASSERT_EQ(m->status, 200);
  EXPECT_NE(m->Header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(m->body.find("vigil_ready 1"), std::string::npos);
  EXPECT_EQ(c.Get("/v1/nope")->status, 404);
}

}  // namespace
}  // namespace vigil::testing
