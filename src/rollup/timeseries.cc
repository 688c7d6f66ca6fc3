#include "rollup/timeseries.h"

#include <algorithm>
#include <set>

namespace vigil {
namespace {

int64_t FloorTo(int64_t t, int64_t step) {
  int64_t r = t % step;
  return r < 0 ? t - r - step : t - r;
}

}  // namespace

int64_t ChooseStep(int64_t from_ns, int64_t to_ns) {
  static constexpr int64_t kSteps[] = {kMinuteNs, 5 * kMinuteNs, 15 * kMinuteNs,
                                       kHourNs,   6 * kHourNs,   24 * kHourNs};
  const int64_t span = std::max<int64_t>(to_ns - from_ns, 1);
  for (int64_t step : kSteps) {
    if (span / step <= kTargetSeriesPoints) return step;
  }
  return kSteps[std::size(kSteps) - 1];
}

Status ValidateStep(int64_t step_ns, int64_t from_ns, int64_t to_ns) {
  if (step_ns < kMinuteNs || step_ns % kMinuteNs != 0) {
    return Status::InvalidArgument("must be a whole number of minutes, at least 1m", "step");
  }
  if ((to_ns - from_ns) / step_ns > kMaxSeriesPoints) {
    return Status::InvalidArgument(
        "gives more than " + std::to_string(kMaxSeriesPoints) + " points for this range", "step");
  }
  return Status::Ok();
}

TimeSeries BuildTimeSeries(std::span<const RollupRow> rows, int64_t from_ns, int64_t to_ns,
                           int64_t step_ns) {
  TimeSeries ts;
  ts.from_ns = from_ns;
  ts.to_ns = to_ns;
  ts.step_ns = step_ns;
  if (step_ns <= 0 || to_ns <= from_ns) return ts;
  const int64_t first = FloorTo(from_ns, step_ns);
  const int64_t count = (to_ns - first + step_ns - 1) / step_ns;
  ts.points.resize(static_cast<size_t>(count));
  std::vector<LatencySketch> inference(ts.points.size()), tool(ts.points.size());
  std::set<std::string> metrics;
  for (int64_t i = 0; i < count; ++i)
    ts.points[static_cast<size_t>(i)].bucket_ns = first + i * step_ns;
  for (const RollupRow& row : rows) {
    const int64_t index = (FloorTo(row.bucket_ns, step_ns) - first) / step_ns;
    if (index < 0 || index >= count) continue;  // widened edges of the rollup read
    LayerPoint& p = ts.points[static_cast<size_t>(index)];
    const RollupCell& c = row.cell;
    switch (row.key.layer) {
      case Layer::kTask:
        p.tasks += c.count;
        p.task_errors += c.errors;
        break;
      case Layer::kInference:
        p.model_calls += c.count;
        p.model_errors += c.errors;
        p.tokens_in += c.tokens_in;
        p.tokens_out += c.tokens_out;
        p.retries += c.retries;
        p.refusals += c.refusals;
        inference[static_cast<size_t>(index)].Merge(c.latency);
        break;
      case Layer::kTool:
        p.tool_calls += c.count;
        p.tool_errors += c.errors;
        p.collisions += c.collisions;
        tool[static_cast<size_t>(index)].Merge(c.latency);
        break;
      case Layer::kBusiness:
        p.business[row.key.metric] += c.count;
        metrics.insert(row.key.metric);
        break;
    }
    p.cost_usd += c.cost_usd;
  }
  for (size_t i = 0; i < ts.points.size(); ++i) {
    LayerPoint& p = ts.points[i];
    if (!inference[i].empty()) {
      p.inference_p50_ms = inference[i].Quantile(0.5);
      p.inference_p95_ms = inference[i].Quantile(0.95);
    }
    if (!tool[i].empty()) p.tool_p95_ms = tool[i].Quantile(0.95);
  }
  ts.metrics.assign(metrics.begin(), metrics.end());
  return ts;
}

}  // namespace vigil
