#pragma once
// Verifies a postmortem's reinforcements — a reinforcement counts only when Vigil can check it:
//  - alert_rule: the rule is loaded, and replaying the incident's stored events through it (a
//    backtest with the live engine on a fake clock, backtest.h) fires before the incident ended
//    and not on the traffic before it began; the lead time against the original detection is
//    reported (negative: it would have fired later).
//  - gate: the check is in the gate template that applies to the use case, and evaluated
//    against the incident's release it fails (a gate that passes the bad release guards nothing).
//  - test: a drill of that scenario on the use case passed after the incident opened, or an
//    eval run of the use case posted after it contains that case, passed.
// The results are written into the postmortem (each reinforcement's verification; verified_ns).
// Thread-safety: as the environment allows.

#include <optional>
#include <string>
#include <vector>

#include "config/alerting_config.h"
#include "incidents/postmortem.h"
#include "model/event.h"

namespace vigil {

struct GateProbe {
  bool in_template = false;
  bool passed = false;
  std::string check;   // as in the template
  std::string reason;  // the check's own reason
};

struct TestProbe {
  bool passed = false;
  std::string reason;
};

class PostmortemEnv {
 public:
  virtual ~PostmortemEnv() = default;
  virtual std::optional<RuleSpec> LoadedRule(const std::string& name) = 0;
  virtual int64_t EvaluationIntervalNs() = 0;
  // Stored events of the use case with from ≤ ts ≤ to, any order.
  virtual Result<std::vector<Event>> UseCaseEvents(const std::string& use_case, int64_t from_ns,
                                                   int64_t to_ns) = 0;
  virtual Result<GateProbe> ProbeGate(const std::string& use_case, const std::string& ref,
                                      const std::string& release) = 0;
  virtual Result<TestProbe> ProbeTest(const std::string& use_case, const std::string& ref,
                                      int64_t since_ns) = 0;
};

// How far before detection a backtest starts: enough history for the rule's window, its
// baseline and `for`, and at least 30 minutes.
int64_t BacktestLookbackNs(const RuleSpec& rule);

Status VerifyPostmortem(Postmortem& pm, PostmortemEnv& env, int64_t now_ns);

}  // namespace vigil
