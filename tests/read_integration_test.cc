// Integration tests of the read API (summary, traces, events, use cases) and of rollups across
// crashes, against the real `vigil serve` binary.

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "client/http_client.h"
#include "common/clock.h"
#include "storage/sqlite/sqlite_db.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

const char kConfig[] = R"(
auth:
  tokens:
    - { name: acme-ingest, token_env: T_ACME,   roles: [ingest], tenants: [acme] }
    - { name: globex-ingest, token_env: T_GLOBEX, roles: [ingest], tenants: [globex] }
    - { name: acme-read,   token_env: T_ACME_READ, roles: [read], tenants: [acme] }
    - { name: all-read,    token_env: T_ALL_READ,  roles: [read], tenants: "*" }
use_cases:
  - { name: refund-bot, critical_path: true }
  - { name: faq-assistant }
)";
const std::map<std::string, std::string> kEnv = {{"T_ACME", "acme-secret"},
                                                 {"T_GLOBEX", "globex-secret"},
                                                 {"T_ACME_READ", "acme-read"},
                                                 {"T_ALL_READ", "all-read"}};

class ReadApiTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }
  void StartServer() {
    vigil_ = std::make_unique<VigilProcess>(dir_.File("data"), kConfig, kEnv);
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady()) << vigil_->Log();
    client_ = std::make_unique<HttpClient>(vigil_->base_url());
  }
  json Ingest(const std::string& ndjson, const std::string& token = "acme-secret") {
    auto r =
        client_->Request("POST", "/v1/events", ndjson,
                         {"Content-Type: application/x-ndjson", "Authorization: Bearer " + token});
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << r->body;
    return json::parse(r->body, nullptr, false);
  }
  ClientResponse Get(const std::string& path, const std::string& token = "all-read") {
    auto r = client_->Get(path, {"Authorization: Bearer " + token});
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : ClientResponse{};
  }
  json GetJson(const std::string& path, const std::string& token = "all-read") {
    ClientResponse r = Get(path, token);
    EXPECT_EQ(r.status, 200) << path << " " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  TempDir dir_;
  std::unique_ptr<VigilProcess> vigil_;
  std::unique_ptr<HttpClient> client_;
};

// A fixture whose figures are computed by hand below. Timestamps sit 10 minutes ago.
std::string Fixture(int64_t ts) {
  std::string t = std::to_string(ts);
  std::string out;
  auto line = [&](const std::string& fields) { out += "{\"ts\":" + t + "," + fields + "}\n"; };
  for (int i = 0; i < 8; ++i) {
    line(R"("trace_id":"ok)" + std::to_string(i) + R"(","span_id":"root","request_id":"r)" +
         std::to_string(i) +
         R"(","use_case":"refund-bot","layer":"task","status":"ok","latency_ms":1000)");
  }
  line(
      R"("trace_id":"bad1","span_id":"root","request_id":"rb1","use_case":"refund-bot","layer":"task","status":"error","error_class":"timeout/upstream","latency_ms":30000)");
  line(
      R"("trace_id":"bad2","span_id":"root","request_id":"rb2","use_case":"refund-bot","layer":"task","status":"error","error_class":"tool_error","latency_ms":2000)");
  for (int i = 1; i <= 5; ++i) {
    line(
        R"("trace_id":"ok0","span_id":"inf)" + std::to_string(i) +
        R"(","parent_span_id":"root","use_case":"refund-bot","layer":"inference","model":"m-large","latency_ms":)" +
        std::to_string(i * 100) +
        R"(,"tokens_in":1000,"tokens_out":200,"cost_usd":0.006,"retries":)" + (i == 5 ? "1" : "0") +
        (i == 2 ? R"(,"refusal":true)" : ""));
  }
  line(
      R"("trace_id":"ok0","span_id":"tool1","parent_span_id":"inf1","request_id":"r0","use_case":"refund-bot","layer":"tool","tool":"issue_refund","latency_ms":80,"idempotency_key":"refund-77")");
  line(
      R"("trace_id":"ok1","span_id":"tool1","parent_span_id":"root","request_id":"r1","use_case":"refund-bot","layer":"tool","tool":"issue_refund","latency_ms":90,"idempotency_key":"refund-77")");
  line(
      R"("trace_id":"ok2","span_id":"tool1","parent_span_id":"root","request_id":"r2","use_case":"refund-bot","layer":"tool","tool":"lookup_order","status":"error","error_class":"permission_denied","latency_ms":20)");
  line(
      R"("trace_id":"ok0","span_id":"biz1","parent_span_id":"root","use_case":"refund-bot","layer":"business","metric":"conversion","value":25)");
  line(
      R"("trace_id":"ok1","span_id":"biz1","parent_span_id":"root","use_case":"refund-bot","layer":"business","metric":"conversion","value":35)");
  line(
      R"("trace_id":"bad1","span_id":"biz1","parent_span_id":"root","use_case":"refund-bot","layer":"business","metric":"handoff_to_human")");
  return out;
}

int64_t TenMinutesAgo() { return SystemClock::Instance().NowNanos() - 600LL * 1'000'000'000; }

TEST_F(ReadApiTest, SummaryMatchesAHandComputedFixture) {
  json reply = Ingest(Fixture(TenMinutesAgo()));
  ASSERT_EQ(reply["accepted"], 21) << reply.dump();
  json s = GetJson("/v1/summary?from=-30m&to=now");
  EXPECT_EQ(s["task"]["count"], 10);
  EXPECT_EQ(s["task"]["errors"], 2);
  EXPECT_DOUBLE_EQ(s["task"]["success_rate"].get<double>(), 0.8);
  ASSERT_EQ(s["task"]["failure_classes"].size(), 2u);
  EXPECT_EQ(s["task"]["failure_classes"][0]["class"], "timeout");  // ties by name
  EXPECT_EQ(s["inference"]["count"], 5);
  EXPECT_EQ(s["inference"]["tokens_in"], 5000);
  EXPECT_EQ(s["inference"]["tokens_out"], 1000);
  EXPECT_EQ(s["inference"]["retries"], 1);
  EXPECT_EQ(s["inference"]["refusals"], 1);
  EXPECT_NEAR(s["inference"]["cost_usd"].get<double>(), 0.03, 1e-12);
  // Latencies 100..500: p50 is 300 (rank q·(n−1)), p99 the fourth, 400; within 1%.
  EXPECT_NEAR(s["inference"]["latency_ms"]["p50"].get<double>(), 300, 3);
  EXPECT_NEAR(s["inference"]["latency_ms"]["p99"].get<double>(), 400, 4);
  EXPECT_EQ(s["tool"]["count"], 3);
  EXPECT_EQ(s["tool"]["errors"], 1);
  EXPECT_NEAR(s["tool"]["success_rate"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_EQ(s["tool"]["error_classes"][0]["class"], "permission_denied");
  EXPECT_EQ(s["tool"]["idempotency_collisions"], 1);  // refund-77 reused by request r1
  EXPECT_EQ(s["business"]["count"], 3);
  ASSERT_EQ(s["business"]["metrics"].size(), 2u);
  EXPECT_EQ(s["business"]["metrics"][0]["metric"], "conversion");
  EXPECT_EQ(s["business"]["metrics"][0]["count"], 2);
  EXPECT_DOUBLE_EQ(s["business"]["metrics"][0]["value_sum"].get<double>(), 60);
  EXPECT_DOUBLE_EQ(s["business"]["metrics"][0]["rate_per_task"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(s["business"]["metrics"][1]["rate_per_task"].get<double>(), 0.1);
  EXPECT_NEAR(s["cost"]["total_usd"].get<double>(), 0.03, 1e-12);
  EXPECT_NEAR(s["cost"]["per_minute_usd"].get<double>(), 0.001, 1e-9);

  // Filters: another use case has nothing; the range before the events has nothing.
  EXPECT_EQ(GetJson("/v1/summary?use_case=faq-assistant&from=-30m")["task"]["count"], 0);
  EXPECT_EQ(GetJson("/v1/summary?from=-2h&to=-1h")["task"]["count"], 0);
  // The collision is visible on the event itself.
  json tool = GetJson("/v1/events?layer=tool&tool=issue_refund&from=-30m");
  ASSERT_EQ(tool["events"].size(), 2u);
  int flagged = 0;
  for (const auto& e : tool["events"]) flagged += e.value("idempotency_collision", false);
  EXPECT_EQ(flagged, 1);
}

TEST_F(ReadApiTest, TraceIsNestedBySpanAndOrderedByTime) {
  Ingest(Fixture(TenMinutesAgo()));
  json t = GetJson("/v1/traces/ok0");
  EXPECT_EQ(t["event_count"], 8);
  ASSERT_EQ(t["spans"].size(), 1u);
  const json& root = t["spans"][0];
  EXPECT_EQ(root["span_id"], "root");
  ASSERT_EQ(root["children"].size(), 6u);  // 5 inference + 1 business
  const json& inf1 = root["children"][0];
  EXPECT_EQ(inf1["span_id"], "inf1");
  ASSERT_EQ(inf1["children"].size(), 1u);
  EXPECT_EQ(inf1["children"][0]["span_id"], "tool1");
  EXPECT_EQ(Get("/v1/traces/nope").status, 404);
}

TEST_F(ReadApiTest, ReadsNeverCrossTenants) {
  int64_t ts = TenMinutesAgo();
  Ingest(Fixture(ts));
  // globex: one failing task in a use case acme never had.
  Ingest(
      "{\"ts\":" + std::to_string(ts) +
          R"(,"trace_id":"g1","span_id":"root","request_id":"g","use_case":"globex-secret-bot","layer":"task","status":"error","error_class":"timeout"})"
          "\n",
      "globex-secret");
  EXPECT_EQ(GetJson("/v1/summary?from=-30m", "acme-read")["task"]["count"], 10);
  EXPECT_EQ(GetJson("/v1/summary?from=-30m", "all-read")["task"]["count"], 11);
  EXPECT_EQ(GetJson("/v1/summary?from=-30m&tenant=globex", "all-read")["task"]["count"], 1);
  ClientResponse foreign = Get("/v1/summary?tenant=globex", "acme-read");
  EXPECT_EQ(foreign.status, 403);
  EXPECT_NE(foreign.body.find("globex"), std::string::npos);
  EXPECT_EQ(Get("/v1/traces/g1", "acme-read").status, 404);
  EXPECT_EQ(Get("/v1/traces/g1", "all-read").status, 200);
  json events = GetJson("/v1/events?from=-30m&limit=1000", "acme-read");
  for (const auto& e : events["events"]) EXPECT_EQ(e["tenant"], "acme");
  json use_cases = GetJson("/v1/use_cases?from=-30m", "acme-read");
  for (const auto& uc : use_cases["use_cases"]) EXPECT_NE(uc["name"], "globex-secret-bot");
  EXPECT_EQ(Get("/v1/summary", "acme-secret").status, 403);  // ingest-only token
  EXPECT_EQ(Get("/v1/summary", "").status, 401);
}

TEST_F(ReadApiTest, UseCasesListDeclaredAndSeen) {
  Ingest(Fixture(TenMinutesAgo()));
  json list = GetJson("/v1/use_cases?from=-30m")["use_cases"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "faq-assistant");
  EXPECT_EQ(list[0]["events"], 0);
  EXPECT_EQ(list[1]["name"], "refund-bot");
  EXPECT_TRUE(list[1]["critical_path"].get<bool>());
  EXPECT_EQ(list[1]["events"], 21);
}

TEST_F(ReadApiTest, TimeSeriesPutsTheFixtureInItsMinuteAndAgreesWithTheSummary) {
  const int64_t ts = TenMinutesAgo();
  ASSERT_EQ(Ingest(Fixture(ts))["accepted"], 21);
  json s = GetJson("/v1/timeseries?from=-30m&to=now");
  EXPECT_EQ(s["step_s"], 60);  // 30 minutes → one point per minute
  const json& time = s["time"];
  ASSERT_GE(time.size(), 30u);
  ASSERT_LE(time.size(), 31u);
  const int64_t minute = ts / 1'000'000'000 / 60 * 60;
  size_t at = time.size();
  for (size_t i = 0; i < time.size(); ++i) {
    if (time[i].get<int64_t>() == minute) at = i;
  }
  ASSERT_LT(at, time.size()) << "no point for the fixture's minute " << minute;
  EXPECT_EQ(s["task"]["count"][at], 10);
  EXPECT_EQ(s["task"]["errors"][at], 2);
  EXPECT_DOUBLE_EQ(s["task"]["success_rate"][at].get<double>(), 0.8);
  EXPECT_NEAR(s["inference"]["latency_p50_ms"][at].get<double>(), 300, 3);
  EXPECT_EQ(s["inference"]["tokens_in"][at], 5000);
  EXPECT_EQ(s["inference"]["retries"][at], 1);
  EXPECT_EQ(s["inference"]["refusals"][at], 1);
  EXPECT_NEAR(s["tool"]["success_rate"][at].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_EQ(s["tool"]["idempotency_collisions"][at], 1);
  EXPECT_DOUBLE_EQ(s["business"]["rate_per_task"]["conversion"][at].get<double>(), 0.2);
  EXPECT_NEAR(s["cost"]["usd_per_minute"][at].get<double>(), 0.03, 1e-12);
  // Minutes without tasks have no success rate (null), not a false 0 %.
  const size_t empty = at == 0 ? 1 : 0;
  EXPECT_EQ(s["task"]["count"][empty], 0);
  EXPECT_TRUE(s["task"]["success_rate"][empty].is_null());

  // Each column sums to the summary's total over the same range.
  json summary = GetJson("/v1/summary?from=-30m&to=now");
  int64_t tasks = 0;
  for (const auto& n : s["task"]["count"]) tasks += n.get<int64_t>();
  EXPECT_EQ(tasks, summary["task"]["count"].get<int64_t>());

  // Over 7 days the step is an hour and the hour cells carry the same counts.
  json week = GetJson("/v1/timeseries?from=-7d&to=now");
  EXPECT_EQ(week["step_s"], 3600);
  int64_t week_tasks = 0;
  for (const auto& n : week["task"]["count"]) week_tasks += n.get<int64_t>();
  EXPECT_EQ(week_tasks, 10);
  // 24 hours at 15-minute steps reads minute cells: still every task once.
  json day = GetJson("/v1/timeseries?from=-24h&to=now&step=15m");
  int64_t day_tasks = 0;
  for (const auto& n : day["task"]["count"]) day_tasks += n.get<int64_t>();
  EXPECT_EQ(day_tasks, 10);
  EXPECT_EQ(GetJson("/v1/timeseries?from=-30m&use_case=faq-assistant")["task"]["count"][at], 0);

  for (const char* bad : {"/v1/timeseries?step=90s", "/v1/timeseries?from=-7d&step=1m",
                          "/v1/timeseries?step=soon"}) {
    ClientResponse r = Get(bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(json::parse(r.body, nullptr, false)["error"]["field"], "step") << bad << r.body;
  }
}

TEST_F(ReadApiTest, BadParametersAreNamed) {
  for (const char* path :
       {"/v1/summary?from=yesterday", "/v1/events?to=12x", "/v1/use_cases?from=now&to=-1h",
        "/v1/events?limit=0", "/v1/events?layer=db", "/v1/events?cursor=zzz",
        "/v1/events?error_class=gremlins", "/v1/events?status=failed"}) {
    ClientResponse r = Get(path);
    EXPECT_EQ(r.status, 400) << path;
    json body = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(body["error"]["field"].get<std::string>().empty()) << path << r.body;
  }
  EXPECT_EQ(json::parse(Get("/v1/summary?from=yesterday").body)["error"]["field"], "from");
  EXPECT_EQ(json::parse(Get("/v1/events?to=12x").body)["error"]["field"], "to");
}

TEST_F(ReadApiTest, PagingStaysConsistentWhileIngestRuns) {
  int64_t ts = TenMinutesAgo();
  std::string batch;
  for (int i = 0; i < 250; ++i) {
    batch += "{\"ts\":" + std::to_string(ts + i) + R"(,"trace_id":"page","span_id":")" +
             std::to_string(i) +
             R"(","request_id":"p","use_case":"refund-bot","layer":"task","status":"ok"})"
             "\n";
  }
  Ingest(batch);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    HttpClient c(vigil_->base_url());
    for (int b = 0; !stop.load(); ++b) {
      std::string more;
      for (int i = 0; i < 20; ++i) {
        // Some newer, some older than what the pages have reached.
        int64_t when = ts + (i % 2 ? 100000 : -100000) + b;
        more += "{\"ts\":" + std::to_string(when) + R"(,"trace_id":"live)" + std::to_string(b) +
                R"(","span_id":")" + std::to_string(i) +
                R"(","request_id":"l","use_case":"refund-bot","layer":"task","status":"ok"})"
                "\n";
      }
      auto r =
          c.Request("POST", "/v1/events", more,
                    {"Content-Type: application/x-ndjson", "Authorization: Bearer acme-secret"});
      if (!r.ok()) break;
    }
  });
  std::set<std::string> seen;
  size_t listed = 0;
  std::string cursor;
  for (int pages = 0; pages < 1000; ++pages) {
    json page =
        GetJson("/v1/events?from=-30m&limit=37" + (cursor.empty() ? "" : "&cursor=" + cursor));
    for (const auto& e : page["events"]) {
      seen.insert(e["trace_id"].get<std::string>() + "/" + e["span_id"].get<std::string>());
      ++listed;
    }
    if (page["next_cursor"].is_null()) break;
    cursor = page["next_cursor"];
  }
  stop = true;
  writer.join();
  EXPECT_EQ(seen.size(), listed) << "an event appeared on two pages";
  for (int i = 0; i < 250; ++i) EXPECT_TRUE(seen.count("page/" + std::to_string(i))) << i;
}

TEST_F(ReadApiTest, RollupsSurviveKill9WithoutLossOrDoubleCounting) {
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      HttpClient c(vigil_->base_url(), std::chrono::seconds(10));
      for (int b = 0; !stop.load(); ++b) {
        std::string body;
        for (int i = 0; i < 100; ++i) {
          body +=
              R"({"trace_id":"w)" + std::to_string(w) + "b" + std::to_string(b) +
              R"(","span_id":")" + std::to_string(i) +
              R"(","request_id":"r","use_case":"refund-bot","layer":"task","status":"ok","latency_ms":5})"
              "\n";
        }
        auto r =
            c.Request("POST", "/v1/events", body,
                      {"Content-Type: application/x-ndjson", "Authorization: Bearer acme-secret"});
        if (!r.ok()) break;
        if (r->status == 200) acked++;
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] { return acked.load() >= 100; }));
  vigil_->Kill9();
  stop = true;
  for (auto& t : writers) t.join();

  StartServer();
  auto stored_tasks = [&] {
    auto db = SqliteDb::Open(vigil_->sqlite_path());
    auto stmt = db->Prepare("SELECT COUNT(*) FROM events WHERE layer = 0");
    Status st;
    return stmt->Step(st) ? stmt->ColumnInt(0) : -1;
  };
  int64_t stored = stored_tasks();
  EXPECT_GE(stored, acked.load() * 100);
  EXPECT_EQ(GetJson("/v1/summary?from=-1h")["task"]["count"].get<int64_t>(), stored);
  // Re-sending an acknowledged batch after the restart changes nothing.
  std::string again;
  for (int i = 0; i < 100; ++i) {
    again +=
        R"({"trace_id":"w0b0","span_id":")" + std::to_string(i) +
        R"(","request_id":"r","use_case":"refund-bot","layer":"task","status":"ok","latency_ms":5})"
        "\n";
  }
  EXPECT_EQ(Ingest(again)["duplicates"], 100);
  EXPECT_EQ(GetJson("/v1/summary?from=-1h")["task"]["count"].get<int64_t>(), stored);
}

}  // namespace
}  // namespace vigil::testing
