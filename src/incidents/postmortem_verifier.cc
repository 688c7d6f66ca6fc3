#include "incidents/postmortem_verifier.h"

#include <algorithm>
#include <cstdio>

#include "common/time_util.h"
#include "incidents/backtest.h"

namespace vigil {
namespace {

constexpr int64_t kMinLookbackNs = 30LL * 60 * kNanosPerSecond;

std::string Seconds(double s) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

// When the incident began: the first anomalous window on the timeline, else detection.
int64_t IncidentStart(const Postmortem& pm) {
  for (const PostmortemEntry& e : pm.timeline) {
    if (e.kind == "first_anomaly") return e.at_ns;
  }
  return pm.detected_ns ? pm.detected_ns : pm.incident_opened_ns;
}

Verification VerifyRule(const Postmortem& pm, const Reinforcement& r, PostmortemEnv& env,
                        int64_t now_ns) {
  Verification v;
  std::optional<RuleSpec> rule = env.LoadedRule(r.ref);
  if (!rule) {
    v.reason = "rule " + r.ref +
               " is not loaded: add it to alerting.rules and reload (`vigil config check`, then "
               "POST /v1/admin/reload)";
    return v;
  }
  const int64_t detected = pm.detected_ns ? pm.detected_ns : pm.incident_opened_ns;
  const int64_t from = detected - BacktestLookbackNs(*rule);
  const int64_t to = std::max(pm.incident_end_ns, detected);
  Result<std::vector<Event>> events = env.UseCaseEvents(pm.use_case, from, to);
  if (!events.ok()) {
    v.reason = "cannot read the incident's events: " + events.status().message();
    return v;
  }
  const size_t stored = events->size();
  BacktestResult bt = Backtest(*rule, std::move(*events), from, to, env.EvaluationIntervalNs());
  const std::string replay =
      " (" + std::string(bt.fired ? "fired after replaying " : "replayed ") +
      std::to_string(bt.events) + " of the " + std::to_string(stored) + " events stored from " +
      FormatRfc3339(from) + " to " + FormatRfc3339(to) + ")";
  if (!bt.fired) {
    v.reason = "rule " + r.ref + " would not have fired on the incident's events" + replay;
    return v;
  }
  // Firing well before the incident began means it fires on normal traffic: noise, not a guard.
  const int64_t start = IncidentStart(pm);
  const int64_t slack = rule->window_ns + rule->for_ns + 60 * kNanosPerSecond;
  if (bt.fired_at_ns < start - slack) {
    v.reason = "rule " + r.ref + " fires at " + FormatRfc3339(bt.fired_at_ns) + ", " +
               FormatElapsed(start - bt.fired_at_ns) +
               " before the incident began: it fires on normal traffic" + replay;
    return v;
  }
  v.verified = true;
  v.lead_time_s = static_cast<double>(detected - bt.fired_at_ns) / 1e9;
  char value[64];
  snprintf(value, sizeof value, "%.4g", bt.value);
  v.reason = "rule " + r.ref + " fires on the incident's events at " +
             FormatRfc3339(bt.fired_at_ns) + " (" + bt.alert_id + " = " + value + " " +
             bt.threshold + "), " +
             (v.lead_time_s >= 0 ? Seconds(v.lead_time_s) + " before"
                                 : Seconds(-v.lead_time_s) + " after") +
             " the original detection" + replay;
  (void)now_ns;
  return v;
}

Verification VerifyGate(const Postmortem& pm, const Reinforcement& r, PostmortemEnv& env) {
  Verification v;
  if (pm.release.empty()) {
    v.reason = "the incident's release is unknown, so the gate cannot be evaluated against it";
    return v;
  }
  Result<GateProbe> probe = env.ProbeGate(pm.use_case, r.ref, pm.release);
  if (!probe.ok()) {
    v.reason = "cannot evaluate gate check " + r.ref + ": " + probe.status().message();
    return v;
  }
  if (!probe->in_template) {
    v.reason = "gate check " + r.ref + " is not in the gate template of " + pm.use_case +
               ": add it under gates.release or gates.use_cases." + pm.use_case;
    return v;
  }
  if (probe->passed) {
    v.reason = "gate check '" + probe->check + "' passes on the incident's release " + pm.release +
               ", so it would not have blocked it (" + probe->reason + ")";
    return v;
  }
  v.verified = true;
  v.reason = "gate check '" + probe->check + "' is in the template and refuses " + pm.release +
             ": " + probe->reason;
  return v;
}

Verification VerifyTest(const Postmortem& pm, const Reinforcement& r, PostmortemEnv& env) {
  Verification v;
  Result<TestProbe> probe = env.ProbeTest(pm.use_case, r.ref, pm.incident_opened_ns);
  if (!probe.ok()) {
    v.reason = "cannot look for test " + r.ref + ": " + probe.status().message();
    return v;
  }
  v.verified = probe->passed;
  v.reason = probe->reason;
  return v;
}

}  // namespace

int64_t BacktestLookbackNs(const RuleSpec& rule) {
  return std::max(kMinLookbackNs, 2 * (rule.window_ns + rule.threshold.baseline_ns) + rule.for_ns);
}

Status VerifyPostmortem(Postmortem& pm, PostmortemEnv& env, int64_t now_ns) {
  for (Reinforcement& r : pm.reinforcements) {
    Verification v;
    if (r.kind == "alert_rule") {
      v = VerifyRule(pm, r, env, now_ns);
    } else if (r.kind == "gate") {
      v = VerifyGate(pm, r, env);
    } else if (r.kind == "test") {
      v = VerifyTest(pm, r, env);
    } else {
      v.reason = "unknown kind " + r.kind;
    }
    v.checked = true;
    v.checked_ns = now_ns;
    r.verification = v;
  }
  pm.verified_ns = now_ns;
  pm.status = pm.Complete() ? "complete" : "draft";
  return Status::Ok();
}

}  // namespace vigil
