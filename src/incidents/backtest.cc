#include "incidents/backtest.h"

#include <algorithm>
#include <span>

#include "alerting/rule_engine.h"
#include "common/clock.h"
#include "stream/window_aggregator.h"

namespace vigil {

BacktestResult Backtest(const RuleSpec& rule, std::vector<Event> events, int64_t from_ns,
                        int64_t to_ns, int64_t interval_ns) {
  BacktestResult out;
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.ts_ns < b.ts_ns; });
  FakeClock clock(from_ns);
  WindowAggregator windows(clock);
  RuleEngine engine(windows, clock);
  RuleSpec replayed = rule;
  replayed.actions.clear();
  engine.SetRules({replayed});
  interval_ns = std::max<int64_t>(interval_ns, 1'000'000);
  size_t next = 0;
  while (next < events.size() && events[next].ts_ns < from_ns) ++next;  // before the replay
  for (int64_t t = from_ns; t <= to_ns; t += interval_ns) {
    // Feed what arrived up to t, each event at its own time.
    while (next < events.size() && events[next].ts_ns <= t) {
      size_t end = next;
      while (end < events.size() && events[end].ts_ns == events[next].ts_ns) ++end;
      clock.Set(events[next].ts_ns);
      windows.Add(std::span<const Event>(events.data() + next, end - next));
      out.events += end - next;
      next = end;
    }
    clock.Set(t);
    ++out.evaluations;
    for (const AlertTransition& tr : engine.Evaluate()) {
      if (tr.alert.state != AlertState::kFiring) continue;
      out.fired = true;
      out.fired_at_ns = t;
      out.alert_id = tr.alert.id;
      out.value = tr.alert.evidence.value;
      out.threshold = tr.alert.evidence.threshold;
      out.samples = tr.alert.evidence.samples;
      return out;
    }
  }
  return out;
}

}  // namespace vigil
