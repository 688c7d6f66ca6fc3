#pragma once
// RuleEngine: evaluates the alert rules against the live windows on every tick and keeps the
// state of every alert instance.
//
// An alert instance is one rule × one group (the values of the rule's group_by fields; a single
// instance without group_by). States, as in Prometheus:
//   inactive ─cond→ pending ─(cond held for `for`)→ firing ─(cond false for keep_firing_for)→
//   resolved ─cond→ pending …            pending ─¬cond→ inactive
// A rule with for = 0 goes straight from inactive to firing. The condition is
// `samples ≥ min_samples ∧ threshold.Holds(value, baseline)`; for relative thresholds the
// baseline is the same signal over the baseline window just before the rule's window (no
// baseline samples → the condition is false). Each firing carries Evidence: value, threshold,
// baseline, window, samples and the top contributing keys; `firing_id` increases with every
// new firing so actions can run once per firing.
//
// Burn-rate rules (slo:) hold when, for any [long, short, factor] pair, the error rate over both
// windows divided by the error budget (1 − objective) exceeds the factor; the evidence value is
// the short window's burn rate.
// Evaluate() returns the transitions of this tick. SetRules() replaces the rule set and keeps
// the state of instances whose rule name is unchanged (config reload).
// Thread-safety: Evaluate/SetRules from one thread (the ticker); Alerts()/Rules() from any.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "config/alerting_config.h"
#include "stream/window_aggregator.h"

namespace vigil {

enum class AlertState : uint8_t { kInactive, kPending, kFiring, kResolved };
const char* AlertStateName(AlertState state);

struct Evidence {
  double value = 0;
  double baseline = 0;  // relative thresholds only
  std::string threshold;
  int64_t window_ns = 0;
  uint64_t samples = 0;
  std::vector<std::pair<std::string, double>> top_keys;  // "use_case/layer/…" → contribution
};

struct AlertInstance {
  std::string id;  // rule name, plus {label=value,…} for grouped rules
  std::string rule;
  Tier tier = Tier::kP3;
  std::vector<std::pair<std::string, std::string>> labels;  // group_by values
  AlertState state = AlertState::kInactive;
  int64_t active_since_ns = 0;  // condition first held (pending start)
  int64_t fired_at_ns = 0;
  int64_t resolved_at_ns = 0;
  int64_t last_true_ns = 0;
  uint64_t firing_id = 0;  // 0 until the first firing
  Evidence evidence;       // at the last evaluation
};

struct AlertTransition {
  AlertInstance alert;  // after the transition
  AlertState from;
};

class RuleEngine {
 public:
  // Reads rollup rows for [from, to): burn-rate windows longer than the live windows (2 h) are
  // answered from the store's rollups. Optional; without it such windows see no data.
  using RollupReader = std::function<std::vector<RollupRow>(int64_t from_ns, int64_t to_ns)>;

  RuleEngine(const WindowAggregator& windows, const Clock& clock);
  void SetRollupReader(RollupReader reader);  // before evaluation starts

  void SetRules(std::vector<RuleSpec> rules);
  std::vector<AlertTransition> Evaluate();

  std::vector<AlertInstance> Alerts() const;  // all non-inactive instances
  std::vector<RuleSpec> Rules() const;

 private:
  struct Accumulator;
  void EvaluateRule(const RuleSpec& rule, int64_t now, std::vector<AlertTransition>& out);
  std::map<std::string, Accumulator> Collect(const RuleSpec& rule, int64_t length_ns,
                                             int64_t end_ago_ns) const;
  void Step(AlertInstance& a, const RuleSpec& rule, bool cond, int64_t now,
            std::vector<AlertTransition>& out);
  void EvaluateSlo(const RuleSpec& rule, int64_t now, std::vector<AlertTransition>& out);
  // Errors and events in scope over the last `length_ns` (live windows or rollups).
  std::pair<double, double> ErrorsAndCount(const RuleSpec& rule, int64_t length_ns, int64_t now);
  RollupReader rollups_;

  const WindowAggregator& windows_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::vector<RuleSpec> rules_;
  std::map<std::string, AlertInstance> instances_;  // by id
};

}  // namespace vigil
