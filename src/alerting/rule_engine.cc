#include "alerting/rule_engine.h"

#include <algorithm>
#include <cstdio>

#include "common/time_util.h"

namespace vigil {

const char* AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kInactive:
      return "inactive";
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kResolved:
      return "resolved";
  }
  return "inactive";
}

// Per group: numerator and denominator of the signal, merged latency, contributions by key.
struct RuleEngine::Accumulator {
  std::vector<std::pair<std::string, std::string>> labels;
  double numerator = 0;
  double denominator = 0;
  uint64_t samples = 0;
  LatencySketch latency;
  std::map<std::string, double> contributions;
};

namespace {

std::string LabelValue(const RollupKey& k, const std::string& field) {
  if (field == "tenant") return k.tenant;
  if (field == "use_case") return k.use_case;
  if (field == "layer") return std::string(LayerName(k.layer));
  if (field == "release") return k.release;
  if (field == "model") return k.model;
  if (field == "tool") return k.tool;
  if (field == "error_class") return k.error_class;
  return "";
}

std::string KeyName(const RollupKey& k) {
  std::string out = k.use_case.empty() ? "-" : k.use_case;
  out += "/" + std::string(LayerName(k.layer));
  for (const std::string* part : {&k.model, &k.tool, &k.release, &k.error_class, &k.metric}) {
    if (!part->empty() && *part != "none") out += "/" + *part;
  }
  return out;
}

// Scope fields other than `where` (the denominator of a rate sees every outcome).
bool InBaseScope(const RuleSpec& r, const RollupKey& k, bool check_layer) {
  if (!r.tenant.empty() && k.tenant != r.tenant) return false;
  if (!r.use_case.empty() && k.use_case != r.use_case) return false;
  if (!r.model.empty() && k.model != r.model) return false;
  if (!r.tool.empty() && k.tool != r.tool) return false;
  if (!r.release.empty() && k.release != r.release) return false;
  if (check_layer && r.layer && k.layer != *r.layer) return false;
  return true;
}

bool InWhere(const RuleSpec& r, const RollupKey& k) {
  if (!r.where_error_class.empty() && k.error_class != r.where_error_class) return false;
  if (!r.metric.empty() && r.signal != Signal::kBusinessRate && k.metric != r.metric) return false;
  return true;
}

double SignalValue(const RuleSpec& r, double numerator, double denominator,
                   const LatencySketch& latency) {
  const double window_s = static_cast<double>(r.window_ns) / 1e9;
  switch (r.signal) {
    case Signal::kErrorRate:
    case Signal::kBusinessRate:
      return denominator > 0 ? numerator / denominator : 0;
    case Signal::kCount:
    case Signal::kCollisions:
      return numerator;
    case Signal::kRate:
    case Signal::kTokensRate:
      return numerator / window_s;
    case Signal::kCostRate:
      return numerator / (window_s / 60);
    case Signal::kLatencyP50:
      return latency.Quantile(0.50);
    case Signal::kLatencyP95:
      return latency.Quantile(0.95);
    case Signal::kLatencyP99:
      return latency.Quantile(0.99);
  }
  return 0;
}

}  // namespace

RuleEngine::RuleEngine(const WindowAggregator& windows, const Clock& clock)
    : windows_(windows), clock_(clock) {}

void RuleEngine::SetRollupReader(RollupReader reader) { rollups_ = std::move(reader); }

std::pair<double, double> RuleEngine::ErrorsAndCount(const RuleSpec& rule, int64_t length_ns,
                                                     int64_t now) {
  double errors = 0, count = 0;
  const int64_t live_limit =
      static_cast<int64_t>(WindowAggregator::kCoarseSeconds) * kNanosPerSecond;
  if (length_ns <= live_limit || !rollups_) {
    windows_.Query(
        length_ns, [&](const RollupKey& k) { return InBaseScope(rule, k, true); },
        [&](const RollupKey& k, const WindowResult& r) {
          count += static_cast<double>(r.stats.count);
          if (InWhere(rule, k)) errors += static_cast<double>(r.stats.errors);
        });
  } else {
    for (const RollupRow& row : rollups_(now - length_ns, now)) {
      // Minute and hour rows both come back; PlanRollupRead never overlaps them.
      if (!InBaseScope(rule, row.key, true)) continue;
      count += static_cast<double>(row.cell.count);
      if (InWhere(rule, row.key)) errors += static_cast<double>(row.cell.errors);
    }
  }
  return {errors, count};
}

void RuleEngine::EvaluateSlo(const RuleSpec& rule, int64_t now, std::vector<AlertTransition>& out) {
  const SloSpec& slo = *rule.slo;
  const double budget = 1.0 - slo.objective;
  bool cond = false;
  double shown = 0;
  uint64_t samples = 0;
  std::string which;
  for (const BurnWindow& w : slo.windows) {
    auto [long_errors, long_count] = ErrorsAndCount(rule, w.long_ns, now);
    auto [short_errors, short_count] = ErrorsAndCount(rule, w.short_ns, now);
    const double long_burn = long_count > 0 ? long_errors / long_count / budget : 0;
    const double short_burn = short_count > 0 ? short_errors / short_count / budget : 0;
    const bool holds = long_burn > w.factor && short_burn > w.factor &&
                       short_count >= static_cast<double>(rule.min_samples);
    if (holds || (!cond && short_burn > shown)) {
      shown = short_burn;
      samples = static_cast<uint64_t>(short_count);
      char factor[32];
      std::snprintf(factor, sizeof(factor), "%g", w.factor);
      which = std::string("burn > ") + factor + "x over " + FormatDuration(w.long_ns) + " and " +
              FormatDuration(w.short_ns);
    }
    if (holds) {
      cond = true;
      break;
    }
  }
  AlertInstance& a = instances_[rule.name];
  if (a.id.empty()) {
    a.id = rule.name;
    a.rule = rule.name;
  }
  a.tier = rule.tier;
  a.evidence.value = shown;
  a.evidence.threshold = which;
  a.evidence.window_ns = slo.windows.empty() ? 0 : slo.windows.front().short_ns;
  a.evidence.samples = samples;
  a.evidence.top_keys.clear();
  Step(a, rule, cond, now, out);
}

void RuleEngine::SetRules(std::vector<RuleSpec> rules) {
  std::lock_guard<std::mutex> lock(mu_);
  rules_ = std::move(rules);
  // Instances of rules that are gone are dropped; the others keep their state.
  std::erase_if(instances_, [&](const auto& kv) {
    return std::none_of(rules_.begin(), rules_.end(),
                        [&](const RuleSpec& r) { return r.name == kv.second.rule; });
  });
}

std::vector<RuleSpec> RuleEngine::Rules() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rules_;
}

std::vector<AlertInstance> RuleEngine::Alerts() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AlertInstance> out;
  for (const auto& [id, a] : instances_) {
    if (a.state != AlertState::kInactive) out.push_back(a);
  }
  return out;
}

std::map<std::string, RuleEngine::Accumulator> RuleEngine::Collect(const RuleSpec& rule,
                                                                   int64_t length_ns,
                                                                   int64_t end_ago_ns) const {
  std::map<std::string, Accumulator> groups;
  const bool business = rule.signal == Signal::kBusinessRate;
  auto match = [&](const RollupKey& k) {
    if (business) return InBaseScope(rule, k, false);
    // error_rate needs every outcome in scope for its denominator.
    return InBaseScope(rule, k, true) && (rule.signal == Signal::kErrorRate || InWhere(rule, k));
  };
  auto visit = [&](const RollupKey& k, const WindowResult& r) {
    std::string group_id;
    std::vector<std::pair<std::string, std::string>> labels;
    for (const std::string& field : rule.group_by) {
      labels.emplace_back(field, LabelValue(k, field));
      group_id += field + "=" + labels.back().second + ",";
    }
    Accumulator& acc = groups[group_id];
    acc.labels = std::move(labels);
    double contribution = 0;
    switch (rule.signal) {
      case Signal::kErrorRate:
        acc.denominator += static_cast<double>(r.stats.count);
        if (InWhere(rule, k)) contribution = static_cast<double>(r.stats.errors);
        acc.samples += r.stats.count;
        break;
      case Signal::kBusinessRate:
        if (k.layer == Layer::kTask) {
          acc.denominator += static_cast<double>(r.stats.count);
          acc.samples += r.stats.count;
        } else if (k.layer == Layer::kBusiness && k.metric == rule.metric) {
          contribution = static_cast<double>(r.stats.count);
        }
        break;
      case Signal::kCount:
      case Signal::kRate:
        contribution = static_cast<double>(r.stats.count);
        acc.samples += r.stats.count;
        break;
      case Signal::kCollisions:
        contribution = static_cast<double>(r.stats.collisions);
        acc.samples += r.stats.count;
        break;
      case Signal::kCostRate:
        contribution = r.stats.cost_usd;
        acc.samples += r.stats.count;
        break;
      case Signal::kTokensRate:
        contribution = static_cast<double>(r.stats.tokens_in + r.stats.tokens_out);
        acc.samples += r.stats.count;
        break;
      case Signal::kLatencyP50:
      case Signal::kLatencyP95:
      case Signal::kLatencyP99:
        acc.latency.Merge(r.latency);
        acc.samples += r.stats.count;
        contribution = static_cast<double>(r.stats.count);
        break;
    }
    acc.numerator += contribution;
    if (contribution > 0) acc.contributions[KeyName(k)] += contribution;
  };
  windows_.QueryRange(length_ns, end_ago_ns, match, visit);
  return groups;
}

void RuleEngine::Step(AlertInstance& a, const RuleSpec& rule, bool cond, int64_t now,
                      std::vector<AlertTransition>& out) {
  const AlertState from = a.state;
  if (cond) {
    a.last_true_ns = now;
    if (a.state == AlertState::kInactive || a.state == AlertState::kResolved) {
      a.active_since_ns = now;
      a.state = AlertState::kPending;
    }
    if (a.state == AlertState::kPending && now - a.active_since_ns >= rule.for_ns) {
      a.state = AlertState::kFiring;
      a.fired_at_ns = now;
      a.resolved_at_ns = 0;
      ++a.firing_id;
    }
  } else if (a.state == AlertState::kPending) {
    a.state = AlertState::kInactive;
  } else if (a.state == AlertState::kFiring && now - a.last_true_ns >= rule.keep_firing_for_ns) {
    a.state = AlertState::kResolved;
    a.resolved_at_ns = now;
  }
  // A pending instance that fires within the same tick reports one transition: to firing.
  if (a.state != from) out.push_back({a, from});
}

void RuleEngine::EvaluateRule(const RuleSpec& rule, int64_t now,
                              std::vector<AlertTransition>& out) {
  std::map<std::string, Accumulator> current = Collect(rule, rule.window_ns, 0);
  std::map<std::string, Accumulator> baseline;
  if (rule.threshold.relative) {
    baseline = Collect(rule, rule.threshold.baseline_ns, rule.window_ns);
  }
  std::map<std::string, bool> seen;
  for (auto& [group_id, acc] : current) {
    std::string id = rule.name;
    if (!rule.group_by.empty()) {
      id += "{";
      for (size_t i = 0; i < acc.labels.size(); ++i) {
        id += (i ? "," : "") + acc.labels[i].first + "=" + acc.labels[i].second;
      }
      id += "}";
    }
    seen[id] = true;
    AlertInstance& a = instances_[id];
    if (a.id.empty()) {
      a.id = id;
      a.rule = rule.name;
      a.labels = acc.labels;
    }
    a.tier = rule.tier;
    const double value = SignalValue(rule, acc.numerator, acc.denominator, acc.latency);
    double base = 0;
    bool have_baseline = true;
    if (rule.threshold.relative) {
      auto b = baseline.find(group_id);
      // A baseline needs a full baseline window of history, or early traffic reads as a spike.
      have_baseline = b != baseline.end() && b->second.samples > 0 &&
                      windows_.HistoryNs() >= rule.window_ns + rule.threshold.baseline_ns;
      if (have_baseline) {
        // Normalize to the rule's window so rates compare like with like.
        RuleSpec as_baseline = rule;
        as_baseline.window_ns = rule.threshold.baseline_ns;
        base =
            SignalValue(as_baseline, b->second.numerator, b->second.denominator, b->second.latency);
        if (rule.signal == Signal::kCount || rule.signal == Signal::kCollisions) {
          base *=
              static_cast<double>(rule.window_ns) / static_cast<double>(rule.threshold.baseline_ns);
        }
      }
    }
    const bool cond =
        acc.samples >= rule.min_samples && have_baseline && rule.threshold.Holds(value, base);
    Evidence& ev = a.evidence;
    ev.value = value;
    ev.baseline = base;
    ev.threshold = rule.threshold.ToString();
    ev.window_ns = rule.window_ns;
    ev.samples = acc.samples;
    std::vector<std::pair<std::string, double>> top(acc.contributions.begin(),
                                                    acc.contributions.end());
    std::sort(top.begin(), top.end(),
              [](const auto& x, const auto& y) { return x.second > y.second; });
    if (top.size() > 3) top.resize(3);
    ev.top_keys = std::move(top);
    Step(a, rule, cond, now, out);
  }
  // Instances of this rule without data in the window: the condition does not hold.
  for (auto& [id, a] : instances_) {
    if (a.rule != rule.name || seen.count(id)) continue;
    a.evidence.value = 0;
    a.evidence.samples = 0;
    Step(a, rule, false, now, out);
  }
}

std::vector<AlertTransition> RuleEngine::Evaluate() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = clock_.NowNanos();
  std::vector<AlertTransition> out;
  for (const RuleSpec& rule : rules_) {
    if (rule.slo) {
      EvaluateSlo(rule, now, out);
    } else {
      EvaluateRule(rule, now, out);
    }
  }
  // Resolved instances are shown for 15 minutes, then forgotten (their firings stay in the
  // incident timeline once incidents land).
  std::erase_if(instances_, [&](const auto& kv) {
    const AlertInstance& a = kv.second;
    return (a.state == AlertState::kResolved &&
            now - a.resolved_at_ns > 15 * 60 * kNanosPerSecond) ||
           (a.state == AlertState::kInactive && a.firing_id == 0 &&
            now - a.last_true_ns > kNanosPerSecond * 3600);
  });
  return out;
}

}  // namespace vigil
