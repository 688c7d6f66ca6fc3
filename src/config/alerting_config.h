#pragma once
// Typed alerting configuration: rules, thresholds, the action map (docs/config.md#alerting).
// Parsed and validated by the config loader so `vigil config check` reports every rule problem
// with its YAML path; evaluated by alerting/rule_engine.h.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/event.h"

namespace vigil {

enum class Tier : uint8_t { kP1 = 1, kP2 = 2, kP3 = 3 };
const char* TierName(Tier tier);

enum class Signal : uint8_t {
  kErrorRate,
  kCount,
  kRate,
  kLatencyP50,
  kLatencyP95,
  kLatencyP99,
  kCostRate,
  kTokensRate,
  kBusinessRate,
  kCollisions,
};
const char* SignalName(Signal signal);
std::optional<Signal> ParseSignal(std::string_view name);

// "> 0.2", ">= 1", "< 5", "<= 0.9", or relative "> 3x baseline(1h)".
struct Threshold {
  enum class Op : uint8_t { kGt, kGe, kLt, kLe } op = Op::kGt;
  double value = 0;  // the bound, or the factor when relative
  bool relative = false;
  int64_t baseline_ns = 0;  // relative only: length of the baseline window
  bool Holds(double observed, double baseline) const;
  std::string ToString() const;
};
Result<Threshold> ParseThreshold(std::string_view text);

// Multi-window burn rate (Google SRE workbook): a pair fires when the error budget burns faster
// than `factor` over both the long and the short window.
struct BurnWindow {
  int64_t long_ns = 0;
  int64_t short_ns = 0;
  double factor = 1;
};
struct SloSpec {
  double objective = 0.99;          // success ratio; error budget = 1 − objective
  std::vector<BurnWindow> windows;  // any pair holding fires the rule
};

struct RuleSpec {
  std::string name;
  std::string description;
  Tier tier = Tier::kP3;
  // Scope: empty / nullopt means any.
  std::string tenant, use_case, model, tool, release;
  std::optional<Layer> layer;
  std::string where_error_class;  // base class
  std::string metric;             // business metric (business_rate, or where: {metric: …})
  std::vector<std::string> group_by;
  Signal signal = Signal::kCount;
  int64_t window_ns = 60LL * 1'000'000'000;
  Threshold threshold;
  uint64_t min_samples = 0;
  int64_t for_ns = 0;
  int64_t keep_firing_for_ns = 0;
  std::vector<std::string> actions;  // overrides the tier's action list when non-empty
  std::optional<SloSpec> slo;        // burn-rate rule (signal/window/threshold unused)
};

// A notification receiver (alerting.notify.NAME). notify_oncall delivers to the channel named
// "oncall", ticket to "ticket".
struct NotifyChannel {
  std::string name;
  std::string kind;  // pagerduty_v2 | alertmanager | webhook
  std::string url;
  std::string routing_key_env;  // pagerduty_v2: the integration key's environment variable
  std::map<std::string, std::string> headers;
  int64_t timeout_ns = 5LL * 1'000'000'000;
  int64_t max_age_ns = 24LL * 3600 * 1'000'000'000;  // give up retrying after this
};

struct AlertingConfig {
  int64_t evaluation_interval_ns = 250LL * 1'000'000;
  size_t max_keys = 100'000;
  std::map<Tier, std::vector<std::string>> action_map = {
      {Tier::kP1, {"rollback", "notify_oncall", "freeze_releases"}},
      {Tier::kP2, {"degrade", "notify_oncall"}},
      {Tier::kP3, {"ticket"}},
  };
  std::vector<RuleSpec> rules;
  std::map<std::string, NotifyChannel> channels;
};

}  // namespace vigil
