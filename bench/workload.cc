#include "bench/workload.h"

#include <cstdio>

#include "common/text.h"

namespace vigil::bench {
namespace {

// SplitMix64: small, fast, deterministic.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::string Hex(uint64_t v, int digits) {
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%0*llx", digits, static_cast<unsigned long long>(v));
  return std::string(buf + (digits > 16 ? 0 : 0), static_cast<size_t>(digits));
}

const char* kUseCases[] = {"refund-bot", "faq-assistant", "order-tracker"};
const char* kModels[] = {"m-large", "m-small"};
const char* kTools[] = {"lookup_order", "issue_refund", "search_kb"};
const char* kErrors[] = {"timeout", "upstream_5xx", "throttled", "malformed_output"};
const char* kMetrics[] = {"conversion", "handoff_to_human", "complaint"};

}  // namespace

uint64_t GenerateEvents(uint64_t request, size_t count, int64_t base_ts_ns, std::vector<Event>& out,
                        int64_t request_interval_ns) {
  while (out.size() < count) {
    uint64_t r = Mix(request);
    std::string trace = Hex(Mix(r), 16) + Hex(request, 16);
    std::string request_id = "req-" + std::to_string(request);
    const char* use_case = kUseCases[r % 3];
    int64_t ts = base_ts_ns + static_cast<int64_t>(request) * request_interval_ns;
    bool failed = (r >> 8) % 20 == 0;
    int span = 0;
    auto next_span = [&] { return Hex(Mix(r + static_cast<uint64_t>(++span)), 16); };

    Event task;
    task.ts_ns = ts;
    task.trace_id = trace;
    task.span_id = next_span();
    task.request_id = request_id;
    task.tenant = "acme";
    task.use_case = use_case;
    task.layer = Layer::kTask;
    task.release = "v2";
    task.status = failed ? EventStatus::kError : EventStatus::kOk;
    task.error_class = failed ? kErrors[(r >> 16) % 4] : "none";
    task.latency_ms = 400 + static_cast<double>((r >> 20) % 3000);
    const std::string root = task.span_id;
    out.push_back(std::move(task));
    // A step of this request below the task's span.
    auto child = [&](Layer layer, int64_t offset_ns) {
      Event e;
      e.ts_ns = ts + offset_ns;
      e.trace_id = trace;
      e.span_id = next_span();
      e.parent_span_id = root;
      e.request_id = request_id;
      e.tenant = "acme";
      e.use_case = use_case;
      e.layer = layer;
      if (layer != Layer::kBusiness) e.release = "v2";
      return e;
    };

    int inferences = 1 + static_cast<int>((r >> 24) % 3);
    for (int i = 0; i < inferences; ++i) {
      Event e = child(Layer::kInference, i);
      e.model = kModels[(r >> (28 + i)) % 2];
      e.latency_ms = 200 + static_cast<double>((r >> (32 + i)) % 1500);
      e.tokens_in = 500 + static_cast<int64_t>((r >> 36) % 2000);
      e.tokens_out = 50 + static_cast<int64_t>((r >> 40) % 400);
      e.cost_usd =
          static_cast<double>(e.tokens_in) * 3e-6 + static_cast<double>(e.tokens_out) * 15e-6;
      e.retries = (r >> 44) % 10 == 0 ? 1 : 0;
      out.push_back(std::move(e));
    }
    int tools = static_cast<int>((r >> 48) % 3);
    for (int i = 0; i < tools; ++i) {
      Event e = child(Layer::kTool, 10 + i);
      e.tool = kTools[(r >> (50 + i)) % 3];
      e.latency_ms = 20 + static_cast<double>((r >> 52) % 300);
      e.idempotency_key = "idem-" + std::to_string(request) + "-" + std::to_string(i);
      if (failed && i == 0) {
        e.status = EventStatus::kError;
        e.error_class = "permission_denied";
      }
      out.push_back(std::move(e));
    }
    if ((r >> 56) % 4 == 0) {
      Event e = child(Layer::kBusiness, 20);
      e.metric = kMetrics[(r >> 60) % 3];
      e.attrs = {{"channel", "web"}};
      out.push_back(std::move(e));
    }
    ++request;
  }
  return request;
}

void AppendNdjson(const Event& e, std::string& out) {
  auto str = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    out += ",\"";
    out += key;
    out += "\":\"";
    AppendJsonEscaped(out, value);
    out += '"';
  };
  out += "{\"ts\":" + std::to_string(e.ts_ns);
  str("trace_id", e.trace_id);
  str("span_id", e.span_id);
  str("parent_span_id", e.parent_span_id);
  str("request_id", e.request_id);
  str("tenant", e.tenant);
  str("use_case", e.use_case);
  out += ",\"layer\":\"" + std::string(LayerName(e.layer)) + "\"";
  str("release", e.release);
  str("model", e.model);
  str("tool", e.tool);
  if (e.layer == Layer::kTask || e.status == EventStatus::kError) {
    out += e.status == EventStatus::kOk ? ",\"status\":\"ok\"" : ",\"status\":\"error\"";
  }
  if (e.error_class != "none") str("error_class", e.error_class);
  char num[64];
  std::snprintf(num, sizeof(num), ",\"latency_ms\":%.1f", e.latency_ms);
  out += num;
  if (e.tokens_in) out += ",\"tokens_in\":" + std::to_string(e.tokens_in);
  if (e.tokens_out) out += ",\"tokens_out\":" + std::to_string(e.tokens_out);
  if (e.cost_usd > 0) {
    std::snprintf(num, sizeof(num), ",\"cost_usd\":%.17g", e.cost_usd);
    out += num;
  }
  if (e.retries) out += ",\"retries\":" + std::to_string(e.retries);
  str("idempotency_key", e.idempotency_key);
  str("metric", e.metric);
  if (!e.attrs.empty()) {
    out += ",\"attrs\":";
    AppendJsonStringObject(out, e.attrs);
  }
  out += "}\n";
}

}  // namespace vigil::bench
