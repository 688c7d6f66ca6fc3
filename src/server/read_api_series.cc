// GET /v1/timeseries: the four layers per time bucket for the dashboard's charts.
#include <nlohmann/json.hpp>

#include "common/time_util.h"
#include "rollup/timeseries.h"
#include "server/api_util.h"
#include "server/read_api.h"

namespace vigil {
namespace {

using nlohmann::json;

// A rate whose denominator is zero has no value; null keeps charts from drawing a false 0 %.
json Rate(uint64_t good, uint64_t total) {
  if (total == 0) return nullptr;
  return static_cast<double>(good) / static_cast<double>(total);
}

json SeriesJson(const TimeSeries& ts) {
  json time = json::array(), tasks = json::array(), success = json::array(),
       task_errors = json::array(), calls = json::array(), p50 = json::array(), p95 = json::array(),
       tokens_in = json::array(), tokens_out = json::array(), retries = json::array(),
       refusals = json::array(), tool_calls = json::array(), tool_success = json::array(),
       tool_p95 = json::array(), collisions = json::array(), cost = json::array();
  json business = json::object();
  for (const std::string& m : ts.metrics) business[m] = json::array();
  const double step_minutes = static_cast<double>(ts.step_ns) / kMinuteNs;
  for (const LayerPoint& p : ts.points) {
    time.push_back(p.bucket_ns / kNanosPerSecond);
    tasks.push_back(p.tasks);
    task_errors.push_back(p.task_errors);
    success.push_back(Rate(p.tasks - p.task_errors, p.tasks));
    calls.push_back(p.model_calls);
    p50.push_back(p.model_calls ? json(p.inference_p50_ms) : json(nullptr));
    p95.push_back(p.model_calls ? json(p.inference_p95_ms) : json(nullptr));
    tokens_in.push_back(p.tokens_in);
    tokens_out.push_back(p.tokens_out);
    retries.push_back(p.retries);
    refusals.push_back(p.refusals);
    tool_calls.push_back(p.tool_calls);
    tool_success.push_back(Rate(p.tool_calls - p.tool_errors, p.tool_calls));
    tool_p95.push_back(p.tool_calls ? json(p.tool_p95_ms) : json(nullptr));
    collisions.push_back(p.collisions);
    cost.push_back(p.cost_usd / step_minutes);
    for (const std::string& m : ts.metrics) {
      auto it = p.business.find(m);
      const uint64_t n = it == p.business.end() ? 0 : it->second;
      // Per task in the same bucket, as the summary's rate_per_task.
      business[m].push_back(Rate(n, p.tasks));
    }
  }
  // Column-wise: uPlot takes arrays per series, and columns compress far better than rows.
  return {
      {"range", {{"from", FormatRfc3339(ts.from_ns)}, {"to", FormatRfc3339(ts.to_ns)}}},
      {"step_s", ts.step_ns / kNanosPerSecond},
      {"time", time},
      {"task", {{"count", tasks}, {"errors", task_errors}, {"success_rate", success}}},
      {"inference",
       {{"count", calls},
        {"latency_p50_ms", p50},
        {"latency_p95_ms", p95},
        {"tokens_in", tokens_in},
        {"tokens_out", tokens_out},
        {"retries", retries},
        {"refusals", refusals}}},
      {"tool",
       {{"count", tool_calls},
        {"success_rate", tool_success},
        {"latency_p95_ms", tool_p95},
        {"idempotency_collisions", collisions}}},
      {"business", {{"rate_per_task", business}}},
      {"cost", {{"usd_per_minute", cost}}},
  };
}

}  // namespace

void ReadApi::Series(HttpRequest& req, Responder respond) {
  Context ctx;
  if (!Prepare(req, respond, ctx)) return;
  int64_t step = ChooseStep(ctx.range.from_ns, ctx.range.to_ns);
  if (const std::string* text = req.Query("step")) {
    Result<int64_t> parsed = ParseDuration(*text);
    if (!parsed.ok()) {
      return respond(ErrorResponse(400, "invalid_field", parsed.status().message(), "step"));
    }
    Status valid = ValidateStep(*parsed, ctx.range.from_ns, ctx.range.to_ns);
    if (!valid.ok()) return respond(StatusResponse(valid));
    step = *parsed;
  }
  RollupQuery q;
  q.tenants = ctx.tenants;
  if (const std::string* v = req.Query("use_case")) q.use_case = *v;
  if (const std::string* v = req.Query("release")) q.release = *v;
  q.from_ns = ctx.range.from_ns;
  q.to_ns = ctx.range.to_ns;
  q.coarsest_grain = NeedsMinuteCells(step) ? RollupGrain::kMinute : RollupGrain::kHour;
  Result<std::vector<RollupRow>> rows = ctx.store->ReadRollups(q);
  if (!rows.ok()) return respond(StatusResponse(rows.status()));
  json body = SeriesJson(BuildTimeSeries(*rows, q.from_ns, q.to_ns, step));
  body["filters"] = {{"use_case", q.use_case}, {"release", q.release}};
  HttpResponse r;
  r.body = body.dump();
  respond(std::move(r));
}

}  // namespace vigil
