// bench/otlp: spans/s through POST /v1/traces (OTLP protobuf and OTLP JSON) against the same
// content through POST /v1/events (native NDJSON), each on a fresh server, in one run. Every
// event of the benchmark workload becomes one span whose attributes carry the same fields, so
// the three runs store identical rows. Prints figures as ratios; asserts nothing.
//
//   otlp_bench [--events N] [--connections C] [--batch B] [--redact on|off]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/workload.h"
#include "client/http_client.h"
#include "common/clock.h"
#include "otlp/testing/pb_writer.h"
#include "support/vigil_process.h"

namespace vigil::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using testing_pb::Pb;

struct Args {
  size_t events = 500'000;
  int connections = 4;
  size_t batch = 1000;
  bool redact = false;  // with the example's redaction section on every server
};

std::string Bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

// The attributes that carry an event's fields (strings, ints, doubles).
struct Attr {
  std::string key;
  int kind;  // 0 string, 1 int, 2 double
  std::string s;
  int64_t i = 0;
  double d = 0;
};

std::vector<Attr> AttrsOf(const Event& e) {
  std::vector<Attr> a = {{"vigil.layer", 0, std::string(LayerName(e.layer))},
                         {"vigil.use_case", 0, e.use_case},
                         {"vigil.request_id", 0, e.request_id}};
  if (!e.release.empty()) a.push_back({"vigil.release", 0, e.release});
  if (!e.model.empty()) a.push_back({"gen_ai.request.model", 0, e.model});
  if (!e.tool.empty()) a.push_back({"gen_ai.tool.name", 0, e.tool});
  if (e.tokens_in) a.push_back({"gen_ai.usage.input_tokens", 1, "", e.tokens_in});
  if (e.tokens_out) a.push_back({"gen_ai.usage.output_tokens", 1, "", e.tokens_out});
  if (e.cost_usd != 0) a.push_back({"vigil.cost_usd", 2, "", 0, e.cost_usd});
  if (e.retries) a.push_back({"vigil.retries", 1, "", e.retries});
  if (e.status == EventStatus::kError) a.push_back({"vigil.error_class", 0, e.error_class});
  if (!e.metric.empty()) {
    a.push_back({"vigil.business.metric", 0, e.metric});
    a.push_back({"vigil.business.value", 2, "", 0, e.value});
  }
  return a;
}

uint64_t Start(const Event& e) {
  return static_cast<uint64_t>(e.ts_ns) - static_cast<uint64_t>(e.latency_ms * 1e6);
}

std::string ProtoBatch(const std::vector<Event>& events) {
  Pb scope;
  for (const Event& e : events) {
    Pb span;
    span.Bytes(1, Bytes(e.trace_id)).Bytes(2, Bytes(e.span_id));
    if (!e.parent_span_id.empty()) span.Bytes(4, Bytes(e.parent_span_id));
    span.Bytes(5, "step").Fixed64(7, Start(e)).Fixed64(8, static_cast<uint64_t>(e.ts_ns));
    for (const Attr& a : AttrsOf(e)) {
      Pb value;
      if (a.kind == 0) value.Bytes(1, a.s);
      if (a.kind == 1) value.Int(3, static_cast<uint64_t>(a.i));
      if (a.kind == 2) value.Double(4, a.d);
      span.Msg(9, Pb().Bytes(1, a.key).Msg(2, value));
    }
    if (e.status == EventStatus::kError) span.Msg(15, Pb().Int(3, 2));
    scope.Msg(2, span);
  }
  Pb resource;
  resource.Msg(1, Pb().Bytes(1, "service.name").Msg(2, Pb().Bytes(1, "bench")));
  return Pb().Msg(1, Pb().Msg(1, resource).Msg(2, scope)).bytes;
}

std::string JsonBatch(const std::vector<Event>& events) {
  json spans = json::array();
  for (const Event& e : events) {
    json attrs = json::array();
    for (const Attr& a : AttrsOf(e)) {
      json v = a.kind == 0   ? json{{"stringValue", a.s}}
               : a.kind == 1 ? json{{"intValue", std::to_string(a.i)}}
                             : json{{"doubleValue", a.d}};
      attrs.push_back({{"key", a.key}, {"value", v}});
    }
    json s = {{"traceId", e.trace_id},
              {"spanId", e.span_id},
              {"name", "step"},
              {"startTimeUnixNano", std::to_string(Start(e))},
              {"endTimeUnixNano", std::to_string(e.ts_ns)},
              {"attributes", attrs}};
    if (!e.parent_span_id.empty()) s["parentSpanId"] = e.parent_span_id;
    if (e.status == EventStatus::kError) s["status"] = {{"code", 2}};
    spans.push_back(std::move(s));
  }
  return json{
      {"resourceSpans",
       {{{"resource",
          {{"attributes", {{{"key", "service.name"}, {"value", {{"stringValue", "bench"}}}}}}}},
         {"scopeSpans", {{{"spans", spans}}}}}}}}
      .dump();
}

struct Run {
  double per_s = 0;
  size_t acked = 0, failed = 0, throttled = 0;
  size_t body_bytes = 0;
  double rss = 0;
};

Run Post(const Args& args, const std::string& dir, const std::string& path, const std::string& type,
         const std::vector<std::string>& batches, const std::vector<size_t>& counts) {
  Run run;
  for (const std::string& b : batches) run.body_bytes += b.size();
  std::string config = R"(
auth:
  tokens:
    - { name: bench, token_env: VIGIL_BENCH_TOKEN, roles: [ingest], tenants: [acme] }
)";
  if (args.redact) {
    config += R"(
redaction:
  detectors: [email, payment_card, api_key]
  patterns:
    - { name: order_secret, regex: "os_[A-Za-z0-9]{24}" }
)";
  }
  testing::VigilProcess vigil(dir, config, {{"VIGIL_BENCH_TOKEN", "bench-secret"}});
  if (!vigil.Start() || !vigil.WaitReady()) {
    std::fprintf(stderr, "could not start vigil:\n%s\n", vigil.Log().c_str());
    return run;
  }
  std::atomic<size_t> next{0}, acked{0}, failed{0}, throttled{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < args.connections; ++c) {
    threads.emplace_back([&] {
      HttpClient client(vigil.base_url(), std::chrono::seconds(60));
      const std::vector<std::string> headers = {"Content-Type: " + type,
                                                "Authorization: Bearer bench-secret"};
      for (size_t i = next++; i < batches.size(); i = next++) {
        for (;;) {
          auto r = client.Request("POST", path, batches[i], headers);
          if (r.ok() && r->status == 429) {
            throttled++;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
          }
          // Partial success would mean a mapping difference: count only a clean 200.
          const bool native = path == "/v1/events";
          const bool clean = r.ok() && r->status == 200 &&
                             (native ? r->body.find("\"rejected\":0") != std::string::npos
                                     : r->body.empty() || r->body == "{}");
          if (clean) {
            acked += counts[i];
          } else {
            if (failed++ == 0 && r.ok()) {
              std::fprintf(stderr, "%s: HTTP %d %s\n", path.c_str(), r->status,
                           r->body.substr(0, 300).c_str());
            }
          }
          break;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  run.acked = acked;
  run.failed = failed;
  run.throttled = throttled;
  run.per_s = static_cast<double>(run.acked) / elapsed;
  run.rss = testing::PeakRssMiB(vigil.pid());
  vigil.Terminate();
  return run;
}

int Main(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) args.events = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--connections")) args.connections = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--batch")) args.batch = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--redact")) args.redact = !std::strcmp(argv[i + 1], "on");
  }
  const int64_t base_ts = SystemClock::Instance().NowNanos() - 3'600LL * 1'000'000'000;
  std::vector<Event> all;
  GenerateEvents(0, args.events, base_ts, all);
  all.resize(args.events);
  std::vector<std::string> ndjson, proto, js;
  std::vector<size_t> counts;
  for (size_t i = 0; i < all.size(); i += args.batch) {
    std::vector<Event> chunk(all.begin() + static_cast<long>(i),
                             all.begin() + static_cast<long>(std::min(all.size(), i + args.batch)));
    std::string body;
    for (const Event& e : chunk) AppendNdjson(e, body);
    ndjson.push_back(std::move(body));
    proto.push_back(ProtoBatch(chunk));
    js.push_back(JsonBatch(chunk));
    counts.push_back(chunk.size());
  }
  std::printf(
      "otlp: %zu spans (task/inference/tool/business mix), batches of %zu, %d keep-alive "
      "connections, each format on a fresh server, synchronous=full, redaction %s\n",
      args.events, args.batch, args.connections,
      args.redact ? "on (3 detectors + 1 pattern)" : "off");
  std::fflush(stdout);
  testing::TempDir dir;
  const Run native =
      Post(args, dir.File("native"), "/v1/events", "application/x-ndjson", ndjson, counts);
  const Run pb =
      Post(args, dir.File("proto"), "/v1/traces", "application/x-protobuf", proto, counts);
  const Run jn = Post(args, dir.File("json"), "/v1/traces", "application/json", js, counts);
  auto line = [&](const char* what, const Run& r) {
    std::printf(
        "  %-34s %9.0f spans/s  (%zu acked, %zu failed, %zu throttled retries; "
        "%.1f MiB of bodies; peak RSS %.1f MiB)\n",
        what, r.per_s, r.acked, r.failed, r.throttled,
        static_cast<double>(r.body_bytes) / (1 << 20), r.rss);
  };
  line("native POST /v1/events (NDJSON)", native);
  line("OTLP POST /v1/traces (protobuf)", pb);
  line("OTLP POST /v1/traces (JSON)", jn);
  std::printf("  ratio protobuf / native = %.2f   (target >= 0.80)\n",
              native.per_s > 0 ? pb.per_s / native.per_s : 0);
  std::printf("  ratio JSON / native     = %.2f\n", native.per_s > 0 ? jn.per_s / native.per_s : 0);
  const bool ok = native.failed + pb.failed + jn.failed == 0 && native.acked == args.events &&
                  pb.acked == args.events && jn.acked == args.events;
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace vigil::bench

int main(int argc, char** argv) { return vigil::bench::Main(argc, argv); }
