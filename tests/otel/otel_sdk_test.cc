// The OpenTelemetry JavaScript SDK as a real client: installs the SDK and both OTLP/HTTP trace
// exporters from npm (tests/otel/package.json, pinned by package-lock.json), runs
// tests/otel/emit_trace.js against a running vigil — the JSON exporter to the main port, the
// protobuf exporter to the OTLP listener — and checks every mapped field of both traces.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "support/node_tools.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

const char kConfig[] = R"(
server: { otlp_listen: "127.0.0.1:0" }
auth:
  tokens:
    - { name: collector, token_env: T_OTLP, roles: [ingest], tenants: "*" }
    - { name: reader, token_env: T_READ, roles: [read], tenants: "*" }
)";

TEST(OtelSdkTest, JsonAndProtobufExportersMapEveryField) {
  std::string error;
  const std::string node_modules = PrepareNodeModules("otel", error);
  ASSERT_FALSE(node_modules.empty()) << error;
  TempDir dir;
  VigilProcess vigil(dir.File("data"), kConfig, {{"T_OTLP", "otlp-s"}, {"T_READ", "read-s"}});
  ASSERT_TRUE(vigil.Start()) << vigil.Log();
  ASSERT_TRUE(vigil.WaitReady());
  std::string otlp_addr;
  ASSERT_TRUE(WaitFor([&] {
    std::ifstream in(dir.File("data") + "/vigil-otlp.addr");
    return static_cast<bool>(std::getline(in, otlp_addr)) && !otlp_addr.empty();
  }));

  const std::string script = std::string(VIGIL_SOURCE_DIR) + "/tests/otel/emit_trace.js";
  auto [rc, out] = Shell("NODE_PATH='" + node_modules + "' node '" + script + "' " +
                         vigil.base_url() + "/v1/traces http://" + otlp_addr + "/v1/traces otlp-s");
  ASSERT_EQ(rc, 0) << out << vigil.Log();
  const json ids = json::parse(out.substr(out.find('{')));

  HttpClient client(vigil.base_url());
  auto get = [&](const std::string& path) {
    auto r = client.Get(path, {"Authorization: Bearer read-s"});
    return r.ok() && r->status == 200 ? json::parse(r->body) : json();
  };
  for (const char* exporter : {"json", "proto"}) {
    SCOPED_TRACE(exporter);
    const std::string trace_id = ids[exporter];
    json t;
    ASSERT_TRUE(WaitFor([&] {
      t = get("/v1/traces/" + trace_id + "?tenant=acme");
      return t.is_object() && t["event_count"] == 4;
    })) << t.dump(2);
    const json& root = t["spans"][0];
    EXPECT_EQ(root["layer"], "task");
    EXPECT_EQ(root["trace_id"], trace_id);
    EXPECT_EQ(root["tenant"], "acme");          // vigil.tenant (resource)
    EXPECT_EQ(root["use_case"], "refund-bot");  // service.name
    EXPECT_EQ(root["release"], "v9");           // service.version
    EXPECT_EQ(root["request_id"], std::string("req-") + exporter);
    EXPECT_EQ(root["status"], "error");
    EXPECT_EQ(root["attrs"]["gen_ai.conversation.id"], std::string("conv-") + exporter);
    EXPECT_NEAR(root["latency_ms"].get<double>(), 2000, 0.01);
    ASSERT_EQ(root["children"].size(), 3u);
    int chats = 0;
    for (const json& c : root["children"]) {
      EXPECT_EQ(c["parent_span_id"], root["span_id"]);
      EXPECT_EQ(c["request_id"], root["request_id"]);  // the request's id, on every step
      if (c["layer"] == "inference") {
        ++chats;
        EXPECT_EQ(c["model"], "m-large-2025-06");  // response model over request model
        EXPECT_EQ(c["attrs"]["gen_ai.system"], "openai");
        EXPECT_EQ(c["status"], "ok");
        const bool first = c["tokens_in"] == 1200;
        EXPECT_EQ(c["tokens_out"], first ? 300 : 100);
        EXPECT_NEAR(c["latency_ms"].get<double>(), first ? 800 : 600, 0.01);
        EXPECT_EQ(c.value("refusal", false), !first);  // finish_reasons: content_filter
      } else {
        EXPECT_EQ(c["layer"], "tool");
        EXPECT_EQ(c["tool"], "issue_refund");
        EXPECT_EQ(c["status"], "error");
        EXPECT_EQ(c["error_class"], "permission_denied");
        EXPECT_NEAR(c["latency_ms"].get<double>(), 100, 0.01);
      }
    }
    EXPECT_EQ(chats, 2);
  }
  const json s = get("/v1/summary?tenant=acme&use_case=refund-bot&from=-10m");
  EXPECT_EQ(s["task"]["count"], 2) << s.dump(2);
  EXPECT_EQ(s["task"]["errors"], 2);
  EXPECT_EQ(s["inference"]["count"], 4);
  EXPECT_EQ(s["inference"]["tokens_in"], 4000);
  EXPECT_EQ(s["inference"]["tokens_out"], 800);
  EXPECT_EQ(s["inference"]["refusals"], 2);
  EXPECT_EQ(s["tool"]["count"], 2);
  EXPECT_EQ(s["tool"]["errors"], 2);
}

}  // namespace
}  // namespace vigil::testing
