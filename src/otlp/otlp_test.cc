// OTLP decoders and mapping with hand-built payloads: a protobuf writer below builds the wire
// bytes field by field from the opentelemetry-proto field numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "common/time_util.h"
#include "otlp/otlp_json.h"
#include "otlp/otlp_mapping.h"
#include "otlp/otlp_proto.h"
#include "otlp/testing/pb_writer.h"

namespace vigil {
namespace {

using testing_pb::Pb;

Pb Str(const std::string& s) { return Pb().Bytes(1, s); }  // AnyValue{string_value}
Pb Kv(const std::string& key, const Pb& value) { return Pb().Bytes(1, key).Msg(2, value); }
Pb KvStr(const std::string& key, const std::string& v) { return Kv(key, Str(v)); }
Pb KvInt(const std::string& key, int64_t v) {
  return Kv(key, Pb().Int(3, static_cast<uint64_t>(v)));
}

std::string Id(size_t n, char fill) { return std::string(n, fill); }

constexpr uint64_t kStart = 1'795'900'000'000'000'000ULL;

Pb Span(const std::string& span_id, const std::string& parent, const std::string& name,
        uint64_t start, uint64_t end, std::vector<Pb> attrs, int status = 0) {
  Pb s;
  s.Bytes(1, Id(16, '\x11')).Bytes(2, span_id);
  if (!parent.empty()) s.Bytes(4, parent);
  s.Bytes(5, name).Int(6, 1).Fixed64(7, start).Fixed64(8, end);
  for (const Pb& a : attrs) s.Msg(9, a);
  if (status) s.Msg(15, Pb().Bytes(2, "failed").Int(3, static_cast<uint64_t>(status)));
  return s;
}

// The agent trace of the issue: invoke_agent root, two chat spans, a failing execute_tool span.
std::string AgentTrace() {
  Pb resource;
  resource.Msg(1, KvStr("service.name", "refund-bot")).Msg(1, KvStr("vigil.tenant", "acme"));
  resource.Msg(1, KvStr("service.version", "v7"));
  const std::string root(8, '\x01'), chat1(8, '\x02'), chat2(8, '\x03'), tool(8, '\x04');
  Pb scope;
  scope.Msg(1, Pb().Bytes(1, "vigil-test").Bytes(2, "1.0"));
  scope.Msg(2, Span(root, "", "invoke_agent refund", kStart, kStart + 2'000'000'000,
                    {KvStr("gen_ai.operation.name", "invoke_agent"),
                     KvStr("gen_ai.conversation.id", "conv-9")},
                    2));
  scope.Msg(
      2,
      Span(chat1, root, "chat m-large", kStart + 1'000'000, kStart + 801'000'000,
           {KvStr("gen_ai.operation.name", "chat"), KvStr("gen_ai.request.model", "m-large"),
            KvStr("gen_ai.response.model", "m-large-2025"),
            KvInt("gen_ai.usage.input_tokens", 1200), KvInt("gen_ai.usage.output_tokens", 300)}));
  scope.Msg(
      2,
      Span(chat2, root, "chat m-large", kStart + 900'000'000, kStart + 1'500'000'000,
           {KvStr("gen_ai.operation.name", "chat"), KvStr("gen_ai.request.model", "m-large"),
            KvInt("gen_ai.usage.prompt_tokens", 800), KvInt("gen_ai.usage.completion_tokens", 100),
            Kv("gen_ai.response.finish_reasons",
               Pb().Msg(5, Pb().Msg(1, Str("stop")).Msg(1, Str("content_filter"))))}));
  scope.Msg(
      2,
      Span(tool, root, "execute_tool issue_refund", kStart + 1'600'000'000, kStart + 1'700'000'000,
           {KvStr("gen_ai.operation.name", "execute_tool"),
            KvStr("gen_ai.tool.name", "issue_refund"), KvStr("error.type", "permission_denied")},
           2));
  Pb rs;
  rs.Msg(1, resource).Msg(2, scope);
  return Pb().Msg(1, rs).bytes;
}

OtlpMapContext Context() {
  OtlpMapContext ctx;
  ctx.now_ns = static_cast<int64_t>(kStart) + 5 * kNanosPerSecond;
  return ctx;
}

TEST(OtlpProtoTest, DecodesAnAgentTrace) {
  Result<OtlpTraceRequest> req = DecodeOtlpProto(AgentTrace());
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  ASSERT_EQ(req->resources.size(), 1u);
  EXPECT_EQ(req->SpanCount(), 4u);
  const OtlpScopeSpans& scope = req->resources[0].scopes[0];
  EXPECT_EQ(scope.scope_name, "vigil-test");
  EXPECT_EQ(scope.scope_version, "1.0");
  const OtlpSpan& root = scope.spans[0];
  EXPECT_EQ(root.trace_id, std::string(32, '1'));
  EXPECT_EQ(root.span_id, "0101010101010101");
  EXPECT_TRUE(root.parent_span_id.empty());
  EXPECT_EQ(root.status_code, 2);
  EXPECT_EQ(root.status_message, "failed");
  EXPECT_EQ(scope.spans[1].parent_span_id, "0101010101010101");
  EXPECT_EQ(scope.spans[1].end_ns - scope.spans[1].start_ns, 800'000'000u);
}

TEST(OtlpProtoTest, EveryAnyValueKindAndNesting) {
  Pb kvlist;
  kvlist.Msg(1, KvStr("inner", "x")).Msg(1, Kv("deep", Pb().Msg(5, Pb().Msg(1, Pb().Int(2, 1)))));
  Pb attrs_span = Span(
      Id(8, 'a'), "", "s", kStart, kStart + 1,
      {KvStr("s", "text"), Kv("b", Pb().Int(2, 1)), KvInt("i", -42), Kv("d", Pb().Double(4, 2.5)),
       Kv("a", Pb().Msg(5, Pb().Msg(1, Str("x")).Msg(1, Pb().Int(3, 7)))),
       Kv("k", Pb().Msg(6, kvlist)), Kv("y", Pb().Bytes(7, std::string("\x00\xff", 2))),
       Kv("empty", Pb())});
  // A span event, and unknown fields of every wire type, which are skipped.
  attrs_span.Msg(11, Pb().Fixed64(1, kStart).Bytes(2, "retry").Msg(3, KvInt("attempt", 2)));
  attrs_span.Int(99, 5).Fixed64(98, 1).Fixed32(97, 1).Bytes(96, "zz").Fixed32(16, 1);
  Pb rs;
  rs.Msg(2, Pb().Msg(2, attrs_span));
  Result<OtlpTraceRequest> req = DecodeOtlpProto(Pb().Msg(1, rs).bytes);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  const OtlpSpan& s = req->resources[0].scopes[0].spans[0];
  auto get = [&](const char* k) { return FindAttribute(s.attributes, k); };
  EXPECT_EQ(get("s")->kind, OtlpValue::Kind::kString);
  EXPECT_EQ(get("b")->ToText(), "true");
  EXPECT_EQ(get("i")->integer, -42);
  EXPECT_EQ(get("d")->number, 2.5);
  EXPECT_EQ(get("a")->ToText(), "[\"x\",7]");
  EXPECT_EQ(get("k")->ToText(), "{\"inner\":\"x\",\"deep\":[true]}");
  EXPECT_EQ(get("y")->ToText(), "00ff");
  EXPECT_EQ(get("empty")->kind, OtlpValue::Kind::kEmpty);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].name, "retry");
  EXPECT_EQ(FindAttribute(s.events[0].attributes, "attempt")->integer, 2);
}

TEST(OtlpProtoTest, MissingOptionalFieldsAreFine) {
  Pb rs;
  rs.Msg(2, Pb().Msg(2, Pb().Bytes(1, Id(16, 'x')).Bytes(2, Id(8, 'y'))));
  Result<OtlpTraceRequest> req = DecodeOtlpProto(Pb().Msg(1, rs).bytes);
  ASSERT_TRUE(req.ok());
  const OtlpSpan& s = req->resources[0].scopes[0].spans[0];
  EXPECT_EQ(s.start_ns, 0u);
  EXPECT_TRUE(s.attributes.empty());
  EXPECT_TRUE(DecodeOtlpProto("").ok());  // an empty export is valid
}

TEST(OtlpProtoTest, MalformedInputIsRefusedWithAReason) {
  const std::string good = AgentTrace();
  // Truncated anywhere inside: an error, never a crash or a partial result.
  for (size_t cut : {good.size() - 1, good.size() / 2, size_t{3}}) {
    Result<OtlpTraceRequest> r = DecodeOtlpProto(std::string_view(good).substr(0, cut));
    EXPECT_FALSE(r.ok()) << cut;
  }
  EXPECT_NE(
      DecodeOtlpProto(std::string_view(good).substr(0, 3)).status().message().find("past the end"),
      std::string::npos);
  // A known field with the wrong wire type.
  Pb wrong;
  wrong.Msg(2, Pb().Msg(2, Pb().Int(7, 5)));  // start_time as a varint
  Result<OtlpTraceRequest> w = DecodeOtlpProto(Pb().Msg(1, wrong).bytes);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("field 7 has wire type 0"), std::string::npos)
      << w.status().message();
  // Invalid UTF-8 in a string field.
  Pb bad_utf8;
  bad_utf8.Msg(2, Pb().Msg(2, Pb().Bytes(5, "\xc3\x28")));
  EXPECT_NE(DecodeOtlpProto(Pb().Msg(1, bad_utf8).bytes).status().message().find("not UTF-8"),
            std::string::npos);
  // A varint that never ends; a group wire type.
  EXPECT_FALSE(DecodeOtlpProto(std::string(11, '\xff')).ok());
  EXPECT_FALSE(DecodeOtlpProto(Pb().Tag(1, 3).bytes).ok());
  // AnyValue nested past the limit.
  Pb v = Str("leaf");
  for (int i = 0; i < 40; ++i) v = Pb().Msg(5, Pb().Msg(1, v));
  Pb deep;
  deep.Msg(2, Pb().Msg(2, Pb().Msg(9, Kv("deep", v))));
  EXPECT_NE(DecodeOtlpProto(Pb().Msg(1, deep).bytes).status().message().find("deeper than 32"),
            std::string::npos);
}

TEST(OtlpProtoTest, ResponseCarriesPartialSuccess) {
  EXPECT_EQ(EncodeOtlpProtoResponse(0, ""), "");
  const std::string r = EncodeOtlpProtoResponse(3, "span x: bad");
  // ExportTraceServiceResponse{1: ExportTracePartialSuccess{1: 3, 2: "span x: bad"}}
  Pb expected;
  expected.Msg(1, Pb().Int(1, 3).Bytes(2, "span x: bad"));
  EXPECT_EQ(r, expected.bytes);
}

const char kJsonTrace[] = R"({
  "resourceSpans": [{
    "resource": {"attributes": [
      {"key": "service.name", "value": {"stringValue": "refund-bot"}},
      {"key": "vigil.tenant", "value": {"stringValue": "acme"}}]},
    "scopeSpans": [{
      "scope": {"name": "js", "version": "2"},
      "spans": [{
        "traceId": "5B8EFFF798038103D269B633813FC60C", "spanId": "EEE19B7EC3C1B174",
        "parentSpanId": "", "name": "invoke_agent", "kind": "SPAN_KIND_SERVER",
        "startTimeUnixNano": "1795900000000000000", "endTimeUnixNano": 1795900001000000000,
        "attributes": [
          {"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}},
          {"key": "n", "value": {"intValue": "-7"}},
          {"key": "m", "value": {"intValue": 8}},
          {"key": "d", "value": {"doubleValue": "NaN"}},
          {"key": "b", "value": {"bytesValue": "AP8="}},
          {"key": "a", "value": {"arrayValue": {"values": [{"boolValue": false}]}}},
          {"key": "k", "value": {"kvlistValue": {"values": [{"key": "x", "value": {"stringValue": "y"}}]}}}],
        "events": [{"timeUnixNano": "1795900000500000000", "name": "e"}],
        "status": {"code": 2, "message": "boom"},
        "futureField": {"ignored": true}
      }]
    }]
  }]
})";

TEST(OtlpJsonTest, DecodesTheJsonMapping) {
  Result<OtlpTraceRequest> req = DecodeOtlpJson(kJsonTrace);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  const OtlpSpan& s = req->resources[0].scopes[0].spans[0];
  EXPECT_EQ(s.trace_id, "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(s.kind, 2);
  EXPECT_EQ(s.start_ns, 1795900000000000000u);
  EXPECT_EQ(s.end_ns, 1795900001000000000u);
  EXPECT_EQ(FindAttribute(s.attributes, "n")->integer, -7);
  EXPECT_EQ(FindAttribute(s.attributes, "m")->integer, 8);
  EXPECT_TRUE(std::isnan(FindAttribute(s.attributes, "d")->number));
  EXPECT_EQ(FindAttribute(s.attributes, "b")->ToText(), "00ff");
  EXPECT_EQ(FindAttribute(s.attributes, "a")->ToText(), "[false]");
  EXPECT_EQ(FindAttribute(s.attributes, "k")->ToText(), "{\"x\":\"y\"}");
  EXPECT_EQ(s.status_code, 2);
  EXPECT_EQ(s.events.size(), 1u);
}

TEST(OtlpJsonTest, WrongTypesNameThePath) {
  auto error = [](const std::string& text) { return DecodeOtlpJson(text).status().message(); };
  EXPECT_NE(error(R"({"resourceSpans": {}})").find("resourceSpans: must be a list"),
            std::string::npos);
  EXPECT_NE(error(R"({"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz"}]}]}]})")
                .find("resourceSpans[0].scopeSpans[0].spans[0].traceId: must be hex"),
            std::string::npos);
  EXPECT_NE(
      error(R"({"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "1.5"}]}]}]})")
          .find("spans[0].startTimeUnixNano: must be a non-negative integer"),
      std::string::npos);
  EXPECT_NE(
      error(
          R"({"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": [{"key": "x", "value": {"intValue": "12a"}}]}]}]}]})")
          .find("attributes[0].value.intValue: must be an integer"),
      std::string::npos);
  EXPECT_NE(error("{\"resourceSpans\": [").find("not valid JSON"), std::string::npos);
  EXPECT_NE(
      error("{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"name\": \"\xc3\x28\"}]}]}]}")
          .find("not valid JSON"),
      std::string::npos);
  EXPECT_EQ(EncodeOtlpJsonResponse(0, ""), "{}");
  EXPECT_EQ(EncodeOtlpJsonResponse(2, "x"),
            R"({"partialSuccess":{"errorMessage":"x","rejectedSpans":"2"}})");
}

TEST(OtlpMappingTest, AnAgentTraceBecomesFourLayeredEvents) {
  Result<OtlpTraceRequest> req = DecodeOtlpProto(AgentTrace());
  ASSERT_TRUE(req.ok());
  OtlpMapped m = MapOtlpToEvents(*req, Context());
  ASSERT_TRUE(m.rejections.empty()) << m.rejections.front();
  ASSERT_EQ(m.events.size(), 4u);
  const Event& task = m.events[0];
  EXPECT_EQ(task.layer, Layer::kTask);
  EXPECT_EQ(task.tenant, "acme");
  EXPECT_EQ(task.use_case, "refund-bot");  // service.name
  EXPECT_EQ(task.release, "v7");           // service.version
  EXPECT_EQ(task.request_id, task.trace_id);
  EXPECT_EQ(task.status, EventStatus::kError);
  EXPECT_EQ(task.error_class, "other");
  EXPECT_EQ(task.latency_ms, 2000);
  EXPECT_EQ(task.ts_ns, static_cast<int64_t>(kStart) + 2'000'000'000);
  const Event& chat = m.events[1];
  EXPECT_EQ(chat.layer, Layer::kInference);
  EXPECT_EQ(chat.model, "m-large-2025");  // the response model wins
  EXPECT_EQ(chat.tokens_in, 1200);
  EXPECT_EQ(chat.tokens_out, 300);
  EXPECT_EQ(chat.parent_span_id, task.span_id);
  EXPECT_EQ(m.events[2].tokens_in, 800);  // deprecated names
  EXPECT_EQ(m.events[2].tokens_out, 100);
  EXPECT_TRUE(m.events[2].refusal);
  const Event& tool = m.events[3];
  EXPECT_EQ(tool.layer, Layer::kTool);
  EXPECT_EQ(tool.tool, "issue_refund");
  EXPECT_EQ(tool.error_class, "permission_denied");
  EXPECT_NEAR(tool.latency_ms, 100, 1e-9);
}

TEST(OtlpMappingTest, ErrorTypesMapToTheVocabulary) {
  EXPECT_EQ(MapErrorType("TimeoutError", Layer::kInference), "timeout/TimeoutError");
  EXPECT_EQ(MapErrorType("429", Layer::kInference), "throttled/429");
  EXPECT_EQ(MapErrorType("RateLimitError", Layer::kInference), "throttled/RateLimitError");
  EXPECT_EQ(MapErrorType("503", Layer::kInference), "upstream_5xx/503");
  EXPECT_EQ(MapErrorType("403", Layer::kTool), "permission_denied/403");
  EXPECT_EQ(MapErrorType("permission_denied", Layer::kTool), "permission_denied");
  EXPECT_EQ(MapErrorType("java.io.IOException", Layer::kTool), "tool_error/java.io.IOException");
  EXPECT_EQ(MapErrorType("weird thing!", Layer::kInference), "other/weird_thing_");
}

TEST(OtlpMappingTest, TenantsAndRejections) {
  Result<OtlpTraceRequest> req = DecodeOtlpProto(AgentTrace());
  ASSERT_TRUE(req.ok());
  OtlpMapContext ctx = Context();
  ctx.token_tenant = "globex";  // the spans say acme
  EXPECT_EQ(MapOtlpToEvents(*req, ctx).foreign_tenant, "acme");
  ctx.token_tenant = "acme";
  EXPECT_EQ(MapOtlpToEvents(*req, ctx).events.size(), 4u);

  // A non-GenAI child span, a span without a use case, one too old, a business event.
  Pb resource;
  resource.Msg(1, KvStr("vigil.tenant", "acme"));
  const std::string root(8, '\x01');
  Pb scope;
  scope.Msg(2, Span(Id(8, '\x05'), root, "SELECT orders", kStart, kStart + 10,
                    {KvStr("vigil.use_case", "refund-bot")}));
  scope.Msg(2, Span(Id(8, '\x06'), "", "root without service", kStart, kStart + 10, {}));
  scope.Msg(2, Span(Id(8, '\x07'), "", "old", 1000, 2000, {KvStr("vigil.use_case", "refund-bot")}));
  scope.Msg(
      2, Span(Id(8, '\x08'), root, "conversion", kStart, kStart + 10,
              {KvStr("vigil.use_case", "refund-bot"), KvStr("vigil.business.metric", "conversion"),
               Kv("vigil.business.value", Pb().Double(4, 49.5)), KvStr("vigil.release", "v8")}));
  Pb rs;
  rs.Msg(1, resource).Msg(2, scope);
  Result<OtlpTraceRequest> mixed = DecodeOtlpProto(Pb().Msg(1, rs).bytes);
  ASSERT_TRUE(mixed.ok());
  OtlpMapped m = MapOtlpToEvents(*mixed, Context());
  ASSERT_EQ(m.rejections.size(), 3u);
  EXPECT_NE(m.rejections[0].find("(SELECT orders): gen_ai.operation.name: not an agent step"),
            std::string::npos)
      << m.rejections[0];
  EXPECT_NE(m.rejections[1].find("vigil.use_case: required"), std::string::npos) << m.rejections[1];
  EXPECT_NE(m.rejections[2].find("ts: timestamp"), std::string::npos) << m.rejections[2];
  ASSERT_EQ(m.events.size(), 1u);
  EXPECT_EQ(m.events[0].layer, Layer::kBusiness);
  EXPECT_EQ(m.events[0].metric, "conversion");
  EXPECT_EQ(m.events[0].value, 49.5);
  EXPECT_EQ(m.events[0].release, "v8");
  // Without a token tenant and without vigil.tenant: rejected.
  Pb bare;
  bare.Msg(2, Pb().Msg(2, Span(Id(8, '\x09'), "", "x", kStart, kStart + 1,
                               {KvStr("vigil.use_case", "u")})));
  OtlpMapped no_tenant = MapOtlpToEvents(*DecodeOtlpProto(Pb().Msg(1, bare).bytes), Context());
  ASSERT_EQ(no_tenant.rejections.size(), 1u);
  EXPECT_NE(no_tenant.rejections[0].find("vigil.tenant"), std::string::npos);
}

}  // namespace
}  // namespace vigil
