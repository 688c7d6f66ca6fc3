// OTLP/HTTP on the real binary: JSON and protobuf (gzip) exports on the main port and on the
// OTLP listener, the mapped events read back through /v1/traces/{id} and /v1/summary, exporter
// retries stored once, partial success, and every refusal with its status.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client/http_client.h"
#include "common/gzip.h"
#include "otlp/testing/pb_writer.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;
using testing_pb::Pb;

const char kConfig[] = R"(
server: { otlp_listen: "127.0.0.1:0", max_body_bytes: 200000 }
auth:
  tokens:
    - { name: collector, token_env: T_OTLP, roles: [ingest], tenants: "*" }
    - { name: acme-agent, token_env: T_ACME, roles: [ingest], tenants: [acme] }
    - { name: reader, token_env: T_READ, roles: [read], tenants: "*" }
pricing:
  m-large: { input_per_mtok: 3.0, output_per_mtok: 15.0 }
  m-small: { input_per_mtok: 0.25, output_per_mtok: 1.25, cached_input_per_mtok: 0.025 }
)";

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hex(uint64_t v, int digits) {
  std::ostringstream out;
  out << std::hex;
  out.width(digits);
  out.fill('0');
  out << v;
  return out.str();
}

// The agent trace of docs/otlp.md as OTLP JSON: invoke_agent root, two chat spans with usage,
// a failing execute_tool span, and (optionally) an HTTP client span that is not an agent step.
std::string JsonTrace(const std::string& trace_id, bool with_http_span) {
  const int64_t t0 = NowNs() - 3'000'000'000;
  auto span = [&](int n, int parent, const char* name, int64_t start_ms, int64_t end_ms, json attrs,
                  int status) {
    json s = {{"traceId", trace_id},
              {"spanId", Hex(static_cast<uint64_t>(n), 16)},
              {"name", name},
              {"kind", 1},
              {"startTimeUnixNano", std::to_string(t0 + start_ms * 1'000'000)},
              {"endTimeUnixNano", std::to_string(t0 + end_ms * 1'000'000)},
              {"attributes", attrs}};
    if (parent) s["parentSpanId"] = Hex(static_cast<uint64_t>(parent), 16);
    if (status) s["status"] = {{"code", status}, {"message", "failed"}};
    return s;
  };
  auto str = [](const char* k, const std::string& v) {
    return json{{"key", k}, {"value", {{"stringValue", v}}}};
  };
  auto num = [](const char* k, int64_t v) {
    return json{{"key", k}, {"value", {{"intValue", std::to_string(v)}}}};
  };
  json spans = json::array();
  spans.push_back(
      span(1, 0, "invoke_agent refund", 0, 2000,
           {str("gen_ai.operation.name", "invoke_agent"), str("gen_ai.conversation.id", "conv-1"),
            str("vigil.request_id", "req-" + trace_id.substr(0, 8))},
           2));
  spans.push_back(
      span(2, 1, "chat m-large", 10, 800,
           {str("gen_ai.operation.name", "chat"), str("gen_ai.request.model", "m-large"),
            num("gen_ai.usage.input_tokens", 1000), num("gen_ai.usage.output_tokens", 200),
            json{{"key", "vigil.cost_usd"}, {"value", {{"doubleValue", 0.006}}}}},
           0));
  spans.push_back(
      span(3, 1, "chat m-large", 900, 1500,
           {str("gen_ai.operation.name", "chat"), str("gen_ai.request.model", "m-large"),
            num("gen_ai.usage.input_tokens", 500), num("gen_ai.usage.output_tokens", 50)},
           0));
  spans.push_back(
      span(4, 1, "execute_tool issue_refund", 1600, 1700,
           {str("gen_ai.operation.name", "execute_tool"), str("gen_ai.tool.name", "issue_refund"),
            str("error.type", "permission_denied")},
           2));
  if (with_http_span) spans.push_back(span(5, 4, "POST /refunds", 1610, 1690, json::array(), 0));
  json doc = {{"resourceSpans",
               {{{"resource",
                  {{"attributes",
                    {str("service.name", "refund-bot"), str("service.version", "v9"),
                     str("vigil.tenant", "acme")}}}},
                 {"scopeSpans", {{{"scope", {{"name", "agent"}}}, {"spans", spans}}}}}}}};
  return doc.dump();
}

// One inference span as protobuf.
std::string ProtoTrace(uint8_t trace_byte, const std::string& tenant_attr) {
  const uint64_t t0 = static_cast<uint64_t>(NowNs()) - 1'000'000'000ULL;
  auto kv = [](const std::string& k, const std::string& v) {
    return Pb().Bytes(1, k).Msg(2, Pb().Bytes(1, v));
  };
  Pb span;
  span.Bytes(1, std::string(16, static_cast<char>(trace_byte)))
      .Bytes(2, std::string(8, '\x42'))
      .Bytes(5, "chat m-small")
      .Fixed64(7, t0)
      .Fixed64(8, t0 + 250'000'000)
      .Msg(9, kv("gen_ai.operation.name", "chat"))
      .Msg(9, kv("gen_ai.response.model", "m-small"))
      .Msg(9, Pb().Bytes(1, "gen_ai.usage.input_tokens").Msg(2, Pb().Int(3, 42)));
  Pb resource;
  resource.Msg(1, kv("service.name", "faq-assistant"));
  if (!tenant_attr.empty()) resource.Msg(1, kv("vigil.tenant", tenant_attr));
  return Pb().Msg(1, Pb().Msg(1, resource).Msg(2, Pb().Msg(2, span))).bytes;
}

class OtlpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vigil_ = std::make_unique<VigilProcess>(
        dir_.File("data"), kConfig,
        std::map<std::string, std::string>{
            {"T_OTLP", "otlp-s"}, {"T_ACME", "acme-s"}, {"T_READ", "read-s"}});
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady());
    ASSERT_TRUE(WaitFor([&] {
      std::ifstream in(dir_.File("data") + "/vigil-otlp.addr");
      return static_cast<bool>(std::getline(in, otlp_addr_)) && !otlp_addr_.empty();
    }));
  }
  Result<ClientResponse> Post(const std::string& base, const std::string& body,
                              const std::string& type, const std::string& token,
                              bool gzip = false) {
    HttpClient c(base);
    std::vector<std::string> headers = {"Content-Type: " + type};
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    if (gzip) headers.push_back("Content-Encoding: gzip");
    return c.Request("POST", "/v1/traces", gzip ? GzipCompress(body) : body, headers);
  }
  json Get(const std::string& path) {
    HttpClient c(vigil_->base_url());
    auto r = c.Get(path, {"Authorization: Bearer read-s"});
    return r.ok() && r->status == 200 ? json::parse(r->body) : json();
  }

  TempDir dir_;
  std::unique_ptr<VigilProcess> vigil_;
  std::string otlp_addr_;
};

TEST_F(OtlpTest, JsonExportIsMappedStoredOnceAndSummarized) {
  const std::string trace = "5b8efff798038103d269b633813fc60c";
  auto r = Post(vigil_->base_url(), JsonTrace(trace, false), "application/json", "otlp-s");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "{}");  // everything taken: no partialSuccess
  // The exporter retries the same export: stored once.
  auto retry = Post(vigil_->base_url(), JsonTrace(trace, false), "application/json", "otlp-s");
  ASSERT_EQ(retry->status, 200);

  json t;
  ASSERT_TRUE(WaitFor([&] {
    t = Get("/v1/traces/" + trace + "?tenant=acme");
    return t.is_object() && t["event_count"] == 4;
  })) << t.dump(2);
  const json& root = t["spans"][0];
  EXPECT_EQ(root["layer"], "task");
  EXPECT_EQ(root["use_case"], "refund-bot");
  EXPECT_EQ(root["release"], "v9");
  EXPECT_EQ(root["status"], "error");
  EXPECT_EQ(root["request_id"], "req-5b8efff7");
  EXPECT_EQ(root["attrs"]["gen_ai.conversation.id"], "conv-1");
  EXPECT_NEAR(root["latency_ms"].get<double>(), 2000, 0.01);
  ASSERT_EQ(root["children"].size(), 3u);
  std::map<std::string, json> by_span;
  for (const json& c : root["children"]) by_span[c["span_id"]] = c;
  const json& chat = by_span[std::string(15, '0') + "2"];
  EXPECT_EQ(chat["layer"], "inference");
  EXPECT_EQ(chat["model"], "m-large");
  EXPECT_EQ(chat["tokens_in"], 1000);
  EXPECT_EQ(chat["tokens_out"], 200);
  EXPECT_NEAR(chat["cost_usd"].get<double>(), 0.006, 1e-12);
  const json& tool = by_span[std::string(15, '0') + "4"];
  EXPECT_EQ(tool["layer"], "tool");
  EXPECT_EQ(tool["tool"], "issue_refund");
  EXPECT_EQ(tool["error_class"], "permission_denied");

  const json s = Get("/v1/summary?tenant=acme&use_case=refund-bot&from=-10m");
  EXPECT_EQ(s["task"]["count"], 1) << s.dump(2);
  EXPECT_EQ(s["inference"]["count"], 2);
  EXPECT_EQ(s["inference"]["tokens_in"], 1500);
  EXPECT_EQ(s["tool"]["count"], 1);
}

TEST_F(OtlpTest, ProtobufGzipOnTheOtlpListenerAndPartialSuccess) {
  const std::string base = "http://" + otlp_addr_;
  auto r = Post(base, ProtoTrace(0x21, "acme"), "application/x-protobuf", "otlp-s", true);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->Header("content-type"), "application/x-protobuf");
  EXPECT_TRUE(r->body.empty());
  ASSERT_TRUE(WaitFor([&] {
    const json t = Get("/v1/traces/21212121212121212121212121212121?tenant=acme");
    return t.is_object() && t["event_count"] == 1 && t["spans"][0]["model"] == "m-small" &&
           t["spans"][0]["tokens_in"] == 42;
  }));
  // The OTLP listener serves only the OTLP path.
  HttpClient other(base);
  EXPECT_EQ(other.Get("/v1/summary", {"Authorization: Bearer read-s"})->status, 404);

  // A non-agent span is rejected, the rest taken: partialSuccess names the reason.
  auto partial = Post(vigil_->base_url(), JsonTrace("00000000000000000000000000000abc", true),
                      "application/json", "otlp-s");
  ASSERT_EQ(partial->status, 200);
  const json p = json::parse(partial->body);
  EXPECT_EQ(p["partialSuccess"]["rejectedSpans"], "1") << partial->body;
  EXPECT_NE(p["partialSuccess"]["errorMessage"].get<std::string>().find("(POST /refunds)"),
            std::string::npos);
}

TEST_F(OtlpTest, RefusalsCarryTheirStatus) {
  const std::string url = vigil_->base_url();
  auto garbage = Post(url, std::string("\x0a\xff\xff\xff", 4), "application/x-protobuf", "otlp-s");
  EXPECT_EQ(garbage->status, 400);
  EXPECT_EQ(garbage->Header("content-type"), "application/x-protobuf");
  auto bad_json = Post(url, "{\"resourceSpans\": 7}", "application/json", "otlp-s");
  EXPECT_EQ(bad_json->status, 400);
  EXPECT_NE(json::parse(bad_json->body)["message"].get<std::string>().find("resourceSpans"),
            std::string::npos);
  EXPECT_EQ(Post(url, "{}", "text/plain", "otlp-s")->status, 415);
  EXPECT_EQ(Post(url, "{}", "application/json", "")->status, 401);
  EXPECT_EQ(Post(url, "{}", "application/json", "read-s")->status, 403);
  // A single-tenant token writing another tenant's spans.
  EXPECT_EQ(Post(url, ProtoTrace(0x31, "globex"), "application/x-protobuf", "acme-s")->status, 403);
  // Its own tenant comes from the token even without vigil.tenant.
  EXPECT_EQ(Post(url, ProtoTrace(0x32, ""), "application/x-protobuf", "acme-s")->status, 200);
  // Past the size limit, before or after decompression.
  EXPECT_EQ(Post(url, std::string(300'000, ' '), "application/json", "otlp-s")->status, 413);
  EXPECT_EQ(Post(url, std::string(300'000, ' '), "application/json", "otlp-s", true)->status, 413);
}

TEST_F(OtlpTest, CostComesFromThePriceTableAndUnknownModelsAreCountedNotGuessed) {
  // Native events with tokens and no cost: one priced model, one unknown.
  const int64_t ts = NowNs() - 1'000'000'000;
  std::string ndjson;
  for (const char* model : {"m-large", "m-mystery"}) {
    ndjson += json{{"ts", ts},
                   {"trace_id", std::string("7") + std::string(31, model[2] == 'l' ? 'a' : 'b')},
                   {"span_id", std::string(16, '1')},
                   {"tenant", "acme"},
                   {"use_case", "pricing"},
                   {"layer", "inference"},
                   {"model", model},
                   {"tokens_in", 1000000},
                   {"tokens_out", 100000}}
                  .dump() +
              "\n";
  }
  HttpClient c(vigil_->base_url());
  auto r = c.Request("POST", "/v1/events", ndjson,
                     {"Content-Type: application/x-ndjson", "Authorization: Bearer otlp-s"});
  ASSERT_EQ(r->status, 200) << r->body;
  // An OTLP span with cached input tokens on m-small (1000 in, 400 cached, 100 out).
  const uint64_t t0 = static_cast<uint64_t>(NowNs()) - 500'000'000ULL;
  auto kv = [](const std::string& k, const Pb& v) { return Pb().Bytes(1, k).Msg(2, v); };
  Pb span;
  span.Bytes(1, std::string(16, '\x55'))
      .Bytes(2, std::string(8, '\x66'))
      .Fixed64(7, t0)
      .Fixed64(8, t0 + 1000)
      .Msg(9, kv("gen_ai.operation.name", Pb().Bytes(1, "chat")))
      .Msg(9, kv("gen_ai.request.model", Pb().Bytes(1, "m-small")))
      .Msg(9, kv("gen_ai.usage.input_tokens", Pb().Int(3, 1000)))
      .Msg(9, kv("gen_ai.usage.cache_read.input_tokens", Pb().Int(3, 400)))
      .Msg(9, kv("gen_ai.usage.output_tokens", Pb().Int(3, 100)));
  Pb resource;
  resource.Msg(1, kv("service.name", Pb().Bytes(1, "pricing")))
      .Msg(1, kv("vigil.tenant", Pb().Bytes(1, "acme")));
  auto o =
      Post(vigil_->base_url(), Pb().Msg(1, Pb().Msg(1, resource).Msg(2, Pb().Msg(2, span))).bytes,
           "application/x-protobuf", "otlp-s");
  ASSERT_EQ(o->status, 200);

  json s;
  ASSERT_TRUE(WaitFor([&] {
    s = Get("/v1/summary?tenant=acme&use_case=pricing&from=-10m");
    return s.is_object() && s["inference"]["count"] == 3;
  }));
  const double small = (600 * 0.25 + 400 * 0.025 + 100 * 1.25) / 1e6;
  EXPECT_NEAR(s["cost"]["total_usd"].get<double>(), 3.0 + 1.5 + small, 1e-9) << s.dump(2);
  EXPECT_EQ(s["cost"]["unpriced"]["events"], 1);
  EXPECT_EQ(s["cost"]["unpriced"]["models"], json::array({"m-mystery"}));
  const json events = Get("/v1/events?tenant=acme&use_case=pricing");
  int computed = 0, unpriced = 0;
  for (const json& e : events["events"]) {
    const std::string mark = e["attrs"].value("vigil.cost", "");
    computed += mark == "computed";
    unpriced += mark == "unpriced";
  }
  EXPECT_EQ(computed, 2);
  EXPECT_EQ(unpriced, 1);
  auto metrics = c.Get("/metrics", {});
  EXPECT_NE(metrics->body.find("vigil_unpriced_events_total{model=\"m-mystery\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("vigil_cost_computed_events_total 2"), std::string::npos);
}

}  // namespace
}  // namespace vigil::testing
