#include "ingest/native_json.h"

#include <gtest/gtest.h>

#include "common/gzip.h"

namespace vigil {
namespace {

constexpr int64_t kNow = 1'795'880'841'000'000'000;

DecodeContext Ctx(std::string tenant = "acme") {
  DecodeContext c;
  c.now_ns = kNow;
  c.default_tenant = std::move(tenant);
  return c;
}

const char kTask[] =
    R"({"trace_id":"t1","span_id":"s1","request_id":"r1","use_case":"refund-bot","layer":"task","status":"ok","latency_ms":812.5})";
const char kTool[] =
    R"({"trace_id":"t1","span_id":"s2","parent_span_id":"s1","layer":"tool","tool":"issue_refund","status":"error","error_class":"permission_denied/refund_api","latency_ms":40,"idempotency_key":"k-1","attrs":{"region":"eu","attempt":2,"cached":false}})";

TEST(NativeJsonTest, DecodesNdjsonWithAllFields) {
  std::string body = std::string(kTask) + "\n" + kTool + "\n";
  Result<DecodedBatch> out = DecodeEventBatch(body, BatchFormat::kNdjson, Ctx());
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->events.size(), 2u) << (out->errors.empty() ? "" : out->errors[0].message);
  const Event& task = out->events[0];
  EXPECT_EQ(task.tenant, "acme");  // defaulted from the token
  EXPECT_EQ(task.ts_ns, kNow);     // defaulted to server time
  EXPECT_DOUBLE_EQ(task.latency_ms, 812.5);
  const Event& tool = out->events[1];
  EXPECT_EQ(tool.layer, Layer::kTool);
  EXPECT_EQ(tool.status, EventStatus::kError);
  EXPECT_EQ(tool.error_class, "permission_denied/refund_api");
  ASSERT_EQ(tool.attrs.size(), 3u);
  EXPECT_EQ(tool.attrs[1], (std::pair<std::string, std::string>{"attempt", "2"}));
  EXPECT_EQ(tool.attrs[2].second, "false");
}

TEST(NativeJsonTest, BadLinesDoNotDropNeighboursAndAreLocated) {
  std::string body =
      std::string(kTask) + "\r\n" + "\r\n" +  // blank CRLF line is skipped
      R"({"trace_id":"t2","span_id":"s1","layer":"inference","latency_ms":-3,"model":"m"})" +
      "\n{not json\n" +
      R"({"trace_id":"t3","span_id":"s1","layer":"tool","tool":"x","colour":"red"})" + "\n" + kTool;
  Result<DecodedBatch> out = DecodeEventBatch(body, BatchFormat::kNdjson, Ctx());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->documents, 5u);
  ASSERT_EQ(out->events.size(), 2u);
  EXPECT_EQ(out->event_index, (std::vector<size_t>{0, 4}));
  ASSERT_EQ(out->errors.size(), 3u);
  EXPECT_EQ(out->errors[0].index, 1u);
  EXPECT_EQ(out->errors[0].line, 3u);
  EXPECT_EQ(out->errors[0].field, "latency_ms");
  EXPECT_EQ(out->errors[1].index, 2u);
  EXPECT_EQ(out->errors[1].line, 4u);
  EXPECT_NE(out->errors[1].message.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(out->errors[2].field, "colour");
}

TEST(NativeJsonTest, JsonArrayAndTypeErrors) {
  std::string body =
      std::string("[") + kTask +
      R"(, {"trace_id":"t9","span_id":"s","layer":"tool","tool":"x","tokens_in":1.5}, 42, )" +
      kTool + "]";
  Result<DecodedBatch> out = DecodeEventBatch(body, BatchFormat::kJson, Ctx());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->events.size(), 2u);
  ASSERT_EQ(out->errors.size(), 2u);
  EXPECT_EQ(out->errors[0].index, 1u);
  EXPECT_EQ(out->errors[0].field, "tokens_in");
  EXPECT_EQ(out->errors[0].message, "must be an integer");
  EXPECT_EQ(out->errors[1].index, 2u);
  EXPECT_EQ(out->errors[1].message, "each event must be a JSON object");
}

TEST(NativeJsonTest, BrokenArrayNamesByteOffset) {
  std::string body = std::string("[") + kTask + ", {\"trace_id\": }";
  Result<DecodedBatch> out = DecodeEventBatch(body, BatchFormat::kJson, Ctx());
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("at byte"), std::string::npos) << out.status().message();
}

TEST(NativeJsonTest, TenantRequiredWithoutSingleTenantToken) {
  std::string body = kTask;
  Result<DecodedBatch> out = DecodeEventBatch(body, BatchFormat::kNdjson, Ctx(""));
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->errors.size(), 1u);
  EXPECT_EQ(out->errors[0].field, "tenant");
}

TEST(NativeJsonTest, TimestampsAsNanosOrRfc3339) {
  std::string body =
      R"({"ts":1795880840000000000,"tenant":"acme","trace_id":"a","span_id":"1","layer":"business","metric":"conversion"})"
      "\n"
      R"({"ts":"2026-11-28T15:47:20Z","trace_id":"a","span_id":"2","layer":"business","metric":"complaint","value":2})"
      "\n"
      R"({"ts":12,"trace_id":"a","span_id":"3","layer":"business","metric":"complaint"})";
  Result<DecodedBatch> out = DecodeEventBatch(body, BatchFormat::kNdjson, Ctx());
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->events.size(), 2u);
  EXPECT_EQ(out->events[0].ts_ns, kNow - 1'000'000'000);
  EXPECT_EQ(out->events[1].ts_ns, kNow - 1'000'000'000);
  EXPECT_DOUBLE_EQ(out->events[1].value, 2);
  ASSERT_EQ(out->errors.size(), 1u);
  EXPECT_EQ(out->errors[0].field, "ts");
}

TEST(NativeJsonTest, InvalidUtf8IsRejectedPerLine) {
  std::string body = std::string(R"({"trace_id":"a","span_id":"1","layer":"tool","tool":"t)") +
                     "\xff" + "\"}\n" + kTask;
  Result<DecodedBatch> out = DecodeEventBatch(body, BatchFormat::kNdjson, Ctx());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->events.size(), 1u);
  ASSERT_EQ(out->errors.size(), 1u);
  EXPECT_EQ(out->errors[0].line, 1u);
}

TEST(GzipTest, RoundTripAndLimits) {
  std::string text(100000, 'x');
  std::string packed = GzipCompress(text);
  EXPECT_LT(packed.size(), 1000u);
  Result<std::string> back = GunzipBounded(packed, 1 << 20, kBodyPadding);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, text);
  EXPECT_GE(back->capacity(), back->size() + kBodyPadding);
  EXPECT_EQ(GunzipBounded(packed, 1000, 0).status().code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(GunzipBounded("not gzip at all", 1000, 0).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(GunzipBounded(packed.substr(0, packed.size() / 2), 1 << 20, 0).status().code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace vigil
