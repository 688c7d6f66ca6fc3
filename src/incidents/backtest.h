#pragma once
// Backtest: replays stored events through one alert rule with the live engine (WindowAggregator
// + RuleEngine) on a fake clock, as if the rule had been loaded when the events arrived. Used to
// verify a postmortem's `alert_rule` reinforcement: would this rule have fired on the incident,
// and how much earlier than the original detection?
//
// Events are fed in timestamp order, each at its own time as arrival time; the rule is evaluated
// every `interval_ns` from `from_ns` to `to_ns`. Burn-rate windows longer than the live windows
// see no data (no rollups in a replay). Pure; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "config/alerting_config.h"
#include "model/event.h"

namespace vigil {

struct BacktestResult {
  bool fired = false;
  int64_t fired_at_ns = 0;
  std::string alert_id;
  double value = 0;
  std::string threshold;
  uint64_t samples = 0;
  size_t events = 0;  // replayed
  int64_t evaluations = 0;
};

BacktestResult Backtest(const RuleSpec& rule, std::vector<Event> events, int64_t from_ns,
                        int64_t to_ns, int64_t interval_ns);

}  // namespace vigil
