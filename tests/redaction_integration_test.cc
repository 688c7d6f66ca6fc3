// Sensitive data caught at the door: native events and OTLP spans carrying an e-mail address, a
// card number and an API key are masked before storage — the raw values are nowhere in the
// SQLite files, the replies, /metrics or the log — and the P1 rule on sensitive_data fires on
// what Vigil saw.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "client/http_client.h"
#include "otlp/testing/pb_writer.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;
using testing_pb::Pb;

const char kConfig[] = R"(
auth:
  tokens:
    - { name: agent, token_env: T_INGEST, roles: [ingest], tenants: [acme] }
    - { name: reader, token_env: T_READ, roles: [read], tenants: "*" }
redaction:
  detectors: [email, payment_card, api_key]
  patterns:
    - { name: order_secret, regex: "os_[A-Za-z0-9]{24}" }
alerting:
  evaluation_interval: 100ms
  rules:
    - { name: sensitive-data-leak, tier: P1, signal: count, group_by: [use_case],
        where: { error_class: sensitive_data }, window: 1m, threshold: ">= 1",
        actions: [ticket] }
)";

constexpr char kEmail[] = "maria.kowalski@example.com";
constexpr char kCard[] = "4111111111111111";
constexpr char kKey[] = "sk-live-9fQ2xY7wZp4LmN8vT3rK";
constexpr char kSecret[] = "os_ABCDEFGHIJKLMNOPQRSTUVWX";

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(RedactionTest, RawValuesNeverReachTheStoreAndTheRuleFires) {
  TempDir dir;
  VigilProcess vigil(dir.File("data"), kConfig, {{"T_INGEST", "ingest-s"}, {"T_READ", "read-s"}});
  ASSERT_TRUE(vigil.Start()) << vigil.Log();
  ASSERT_TRUE(vigil.WaitReady());
  HttpClient client(vigil.base_url());

  // Native: the address in an attribute, the card in another, a secret in the request id.
  const int64_t ts = NowNs() - 1'000'000'000;
  const json native = {{"ts", ts},
                       {"trace_id", std::string(32, 'a')},
                       {"span_id", std::string(16, '1')},
                       {"request_id", std::string("req ") + kSecret},
                       {"use_case", "refund-bot"},
                       {"layer", "tool"},
                       {"tool", "issue_refund"},
                       {"attrs", {{"customer", kEmail}, {"note", std::string("card ") + kCard}}}};
  auto r = client.Request("POST", "/v1/events", native.dump() + "\n",
                          {"Content-Type: application/x-ndjson", "Authorization: Bearer ingest-s"});
  ASSERT_EQ(r->status, 200) << r->body;

  // OTLP: a key in a span event (not stored) and the address in the conversation id (stored).
  const uint64_t t0 = static_cast<uint64_t>(NowNs()) - 500'000'000ULL;
  auto kv = [](const std::string& k, const std::string& v) {
    return Pb().Bytes(1, k).Msg(2, Pb().Bytes(1, v));
  };
  Pb span;
  span.Bytes(1, std::string(16, '\x77'))
      .Bytes(2, std::string(8, '\x01'))
      .Bytes(5, "chat")
      .Fixed64(7, t0)
      .Fixed64(8, t0 + 1'000'000)
      .Msg(9, kv("gen_ai.operation.name", "chat"))
      .Msg(9, kv("gen_ai.request.model", "m-large"))
      .Msg(9, kv("gen_ai.conversation.id", std::string("conv for ") + kEmail))
      .Msg(11, Pb().Fixed64(1, t0)
                   .Bytes(2, "gen_ai.user.message")
                   .Msg(3, kv("content", std::string("my key is ") + kKey)));
  Pb resource;
  resource.Msg(1, kv("service.name", "support-bot"));
  auto o = client.Request(
      "POST", "/v1/traces", Pb().Msg(1, Pb().Msg(1, resource).Msg(2, Pb().Msg(2, span))).bytes,
      {"Content-Type: application/x-protobuf", "Authorization: Bearer ingest-s"});
  ASSERT_EQ(o->status, 200) << o->body;

  // Stored masked and marked as sensitive_data occurrences.
  json events;
  ASSERT_TRUE(WaitFor([&] {
    auto e = client.Get("/v1/events?tenant=acme", {"Authorization: Bearer read-s"});
    events = e.ok() && e->status == 200 ? json::parse(e->body) : json();
    return events.is_object() && events["events"].size() == 2;
  }));
  for (const json& e : events["events"]) {
    EXPECT_EQ(e["status"], "error") << e.dump();
    EXPECT_EQ(e["error_class"].get<std::string>().rfind("sensitive_data/", 0), 0u) << e.dump();
    if (e["layer"] == "tool") {
      EXPECT_EQ(e["attrs"]["customer"], "[REDACTED:email]");
      EXPECT_EQ(e["attrs"]["note"], "card [REDACTED:payment_card]");
      EXPECT_EQ(e["request_id"], "req [REDACTED:order_secret]");
      EXPECT_EQ(e["attrs"]["vigil.redacted"], "email,payment_card,order_secret");
    } else {
      EXPECT_EQ(e["attrs"]["gen_ai.conversation.id"], "conv for [REDACTED:email]");
      EXPECT_EQ(e["attrs"]["vigil.redacted"], "email,api_key");  // the key was in a span event
    }
  }

  // The P1 rule on sensitive_data fires on what Vigil saw.
  ASSERT_TRUE(WaitFor([&] {
    auto a = client.Get("/v1/alerts?state=firing", {"Authorization: Bearer read-s"});
    return a.ok() && a->body.find("sensitive-data-leak") != std::string::npos;
  }));

  // Nothing raw anywhere: the database and its WAL, /metrics, the log.
  const std::string metrics = client.Get("/metrics", {})->body;
  EXPECT_NE(metrics.find("vigil_redactions_total{detector=\"email\"} 2"), std::string::npos);
  vigil.Terminate();
  const std::string stored =
      FileBytes(vigil.sqlite_path()) + FileBytes(vigil.sqlite_path() + "-wal");
  ASSERT_FALSE(stored.empty());
  for (const char* raw : {kEmail, kCard, kKey, kSecret}) {
    EXPECT_EQ(stored.find(raw), std::string::npos) << raw << " is in the store";
    EXPECT_EQ(metrics.find(raw), std::string::npos) << raw << " is in /metrics";
    EXPECT_EQ(vigil.Log().find(raw), std::string::npos) << raw << " is in the log";
  }
}

}  // namespace
}  // namespace vigil::testing
