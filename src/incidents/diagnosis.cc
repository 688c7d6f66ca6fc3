#include "incidents/diagnosis.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace vigil {
namespace {

struct Tally {
  uint64_t count = 0, errors = 0;
  std::map<std::string, uint64_t> classes;
};

using Key = std::pair<std::string, std::string>;  // (dimension, value) within a layer

std::string Pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), v < 0.1 ? "%.1f%%" : "%.0f%%", v * 100);
  return buf;
}

// Tallies per layer and per (layer, dimension, value).
void Count(const std::vector<RollupRow>& rows, std::map<Layer, Tally>& layers,
           std::map<std::pair<Layer, Key>, Tally>& values) {
  for (const RollupRow& r : rows) {
    if (r.key.layer == Layer::kBusiness) continue;
    Tally& l = layers[r.key.layer];
    l.count += r.cell.count;
    l.errors += r.cell.errors;
    const std::vector<Key> dims = {{"error_class", r.key.error_class},
                                   {"model", r.key.model},
                                   {"tool", r.key.tool},
                                   {"release", r.key.release},
                                   {"tenant", r.key.tenant}};
    for (const Key& d : dims) {
      if (d.second.empty() || (d.first == "error_class" && d.second == "none")) continue;
      Tally& t = values[{r.key.layer, d}];
      t.count += r.cell.count;
      t.errors += r.cell.errors;
      if (r.cell.errors > 0 && r.key.error_class != "none")
        t.classes[r.key.error_class] += r.cell.errors;
    }
  }
}

double Rate(const Tally& t) {
  return t.count ? static_cast<double>(t.errors) / static_cast<double>(t.count) : 0;
}

}  // namespace

Diagnosis Diagnose(const std::vector<RollupRow>& window, const std::vector<RollupRow>& baseline) {
  std::map<Layer, Tally> layers_now, layers_before;
  std::map<std::pair<Layer, Key>, Tally> now, before;
  Count(window, layers_now, now);
  Count(baseline, layers_before, before);

  Diagnosis d;
  const Tally& task = layers_now[Layer::kTask];
  d.task_count = task.count;
  d.task_errors = task.errors;
  d.task_error_rate = Rate(task);
  d.baseline_task_error_rate = Rate(layers_before[Layer::kTask]);
  d.task_excess = std::max(0.0, static_cast<double>(task.errors) -
                                    d.baseline_task_error_rate * static_cast<double>(task.count));

  for (Layer layer : {Layer::kTask, Layer::kInference, Layer::kTool}) {
    LayerHealth h;
    h.layer = std::string(LayerName(layer));
    h.count = layers_now[layer].count;
    h.errors = layers_now[layer].errors;
    h.error_rate = Rate(layers_now[layer]);
    h.baseline_rate = Rate(layers_before[layer]);
    // Healthy: not clearly worse than before (and not failing outright without a baseline).
    h.healthy = h.error_rate <= std::max(h.baseline_rate * 1.5, h.baseline_rate + 0.02);
    d.layers.push_back(h);
  }

  for (const auto& [key, t] : now) {
    auto b = before.find(key);
    const double base_rate = b != before.end() ? Rate(b->second) : 0;
    Finding f;
    f.layer = std::string(LayerName(key.first));
    f.dimension = key.second.first;
    f.value = key.second.second;
    f.errors = t.errors;
    f.count = t.count;
    f.expected = base_rate * static_cast<double>(t.count);
    f.excess = std::max(0.0, static_cast<double>(t.errors) - f.expected);
    if (f.excess <= 0) continue;
    f.lift = base_rate > 0 ? Rate(t) / base_rate : 0;  // 0: no errors before (new failure)
    f.share = d.task_excess > 0 ? std::min(1.0, f.excess / d.task_excess) : 0;
    if (!t.classes.empty()) {
      f.error_class =
          std::max_element(t.classes.begin(), t.classes.end(), [](const auto& a, const auto& b) {
            return a.second < b.second;
          })->first;
    }
    d.findings.push_back(f);
  }
  // Rank by excess; among equals prefer the more specific dimension (tool/model over class).
  auto specificity = [](const std::string& dim) {
    if (dim == "tool" || dim == "model") return 3;
    if (dim == "release") return 2;
    if (dim == "error_class") return 1;
    return 0;
  };
  // Causes before symptoms: findings below the task layer (tool, inference) rank first; the
  // task layer's own classes restate the spike and come after.
  std::sort(d.findings.begin(), d.findings.end(), [&](const Finding& a, const Finding& b) {
    const bool a_task = a.layer == "task", b_task = b.layer == "task";
    if (a_task != b_task) return !a_task;
    if (a.excess != b.excess) return a.excess > b.excess;
    return specificity(a.dimension) > specificity(b.dimension);
  });
  if (d.findings.size() > 10) d.findings.resize(10);

  // The sentence: healthy layers first, then the leading cause below the task layer.
  std::string text;
  for (const LayerHealth& h : d.layers) {
    if (h.layer == "task" || !h.healthy || h.count == 0) continue;
    text += h.layer + " healthy (" + Pct(h.error_rate) + " errors); ";
  }
  const Finding* lead = nullptr;
  for (const Finding& f : d.findings) {
    if (f.layer != "task" && (f.dimension == "tool" || f.dimension == "model")) {
      lead = &f;
      break;
    }
  }
  if (lead == nullptr && !d.findings.empty()) lead = &d.findings[0];
  if (lead != nullptr && d.task_excess > 0) {
    text += lead->layer == "task" ? "" : lead->layer + " ";
    // "tool issue_refund", not "tool tool issue_refund".
    if (lead->dimension != "error_class" && lead->dimension != lead->layer) {
      text += lead->dimension + " ";
    }
    text += lead->value;
    if (!lead->error_class.empty() && lead->dimension != "error_class")
      text += " " + lead->error_class;
    text += " explains " + Pct(lead->share) + " of the excess task failures";
    for (const Finding& f : d.findings) {
      if (f.dimension == "release" && f.layer == lead->layer && f.share >= 0.5) {
        text += " since release " + f.value;
        break;
      }
    }
  } else if (d.task_excess <= 0) {
    text += "task failures at " + Pct(d.task_error_rate) + " are not above the baseline (" +
            Pct(d.baseline_task_error_rate) + ")";
  }
  d.summary = text;
  return d;
}

}  // namespace vigil
