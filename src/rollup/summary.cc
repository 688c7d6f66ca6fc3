#include "rollup/summary.h"

#include <algorithm>
#include <map>

namespace vigil {
namespace {

std::vector<ClassCount> TopClasses(const std::map<std::string, uint64_t>& counts) {
  std::vector<ClassCount> out;
  for (const auto& [cls, n] : counts) out.push_back({cls, n});
  std::sort(out.begin(), out.end(), [](const ClassCount& a, const ClassCount& b) {
    return a.count != b.count ? a.count > b.count : a.error_class < b.error_class;
  });
  if (out.size() > kTopClasses) out.resize(kTopClasses);
  return out;
}

LatencyQuantiles Quantiles(const LatencySketch& s) {
  return {s.Quantile(0.5), s.Quantile(0.95), s.Quantile(0.99)};
}

}  // namespace

Summary Summarize(std::span<const RollupRow> rows, int64_t from_ns, int64_t to_ns) {
  Summary s;
  s.from_ns = from_ns;
  s.to_ns = to_ns;
  std::map<std::string, uint64_t> task_failures, tool_errors;
  std::map<std::string, Summary::Metric> metrics;
  std::map<int64_t, Summary::CostPoint> cost_by_bucket;
  LatencySketch inference_latency, tool_latency;
  for (const RollupRow& row : rows) {
    const RollupCell& c = row.cell;
    const RollupKey& k = row.key;
    switch (k.layer) {
      case Layer::kTask:
        s.task.count += c.count;
        s.task.errors += c.errors;
        if (c.errors > 0 && k.error_class != "none") task_failures[k.error_class] += c.errors;
        break;
      case Layer::kInference:
        s.inference.count += c.count;
        s.inference.errors += c.errors;
        s.inference.tokens_in += c.tokens_in;
        s.inference.tokens_out += c.tokens_out;
        s.inference.retries += c.retries;
        s.inference.refusals += c.refusals;
        s.inference.cost_usd += c.cost_usd;
        inference_latency.Merge(c.latency);
        break;
      case Layer::kTool:
        s.tool.count += c.count;
        s.tool.errors += c.errors;
        s.tool.collisions += c.collisions;
        if (c.errors > 0 && k.error_class != "none") tool_errors[k.error_class] += c.errors;
        tool_latency.Merge(c.latency);
        break;
      case Layer::kBusiness: {
        s.business.count += c.count;
        Summary::Metric& m = metrics[k.metric];
        m.name = k.metric;
        m.count += c.count;
        m.value_sum += c.value_sum;
        break;
      }
    }
    s.cost.total_usd += c.cost_usd;
    if (c.unpriced > 0) {
      s.cost.unpriced_events += c.unpriced;
      const std::string model = k.model.empty() ? "(no model)" : k.model;
      auto& models = s.cost.unpriced_models;
      if (std::find(models.begin(), models.end(), model) == models.end()) models.push_back(model);
    }
    if (c.cost_usd != 0) {
      Summary::CostPoint& p = cost_by_bucket[row.bucket_ns];
      p.bucket_ns = row.bucket_ns;
      p.width_ns = static_cast<int64_t>(row.grain);
      p.usd_per_minute += c.cost_usd / (static_cast<double>(p.width_ns) / kMinuteNs);
    }
  }
  s.task.success_rate =
      s.task.count ? 1.0 - static_cast<double>(s.task.errors) / static_cast<double>(s.task.count)
                   : 0;
  s.task.failure_classes = TopClasses(task_failures);
  std::sort(s.cost.unpriced_models.begin(), s.cost.unpriced_models.end());
  s.inference.latency_ms = Quantiles(inference_latency);
  s.tool.success_rate =
      s.tool.count ? 1.0 - static_cast<double>(s.tool.errors) / static_cast<double>(s.tool.count)
                   : 0;
  s.tool.latency_ms = Quantiles(tool_latency);
  s.tool.error_classes = TopClasses(tool_errors);
  for (auto& [name, m] : metrics) {
    m.rate_per_task =
        s.task.count ? static_cast<double>(m.count) / static_cast<double>(s.task.count) : 0;
    s.business.metrics.push_back(m);
  }
  double minutes = static_cast<double>(to_ns - from_ns) / kMinuteNs;
  s.cost.per_minute_usd = minutes > 0 ? s.cost.total_usd / minutes : 0;
  for (const auto& [bucket, point] : cost_by_bucket) s.cost.series.push_back(point);
  return s;
}

}  // namespace vigil
