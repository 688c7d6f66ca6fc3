#include "gates/gate_evaluator.h"

#include <cstdio>

#include "common/time_util.h"

namespace vigil {
namespace {

std::string Percent(double rate) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}

std::string Ratio(double r) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.2f", r);
  return buf;
}

}  // namespace

bool GateReport::passed() const {
  for (const GateCheckResult& c : checks) {
    if (!c.passed && !c.skipped) return false;
  }
  return true;
}

std::vector<std::string> GateReport::FailedChecks() const {
  std::vector<std::string> out;
  for (const GateCheckResult& c : checks) {
    if (!c.passed && !c.skipped) out.push_back(c.check);
  }
  return out;
}

Result<GateReport> GateEvaluator::Evaluate(const GatesConfig& gates, const std::string& use_case,
                                           const std::string& release, bool for_canary) {
  VIGIL_RETURN_IF_ERROR(sources_.ReleaseExists(use_case, release));
  GateReport report;
  report.use_case = use_case;
  report.release = release;
  report.configured = gates.configured;
  report.for_canary = for_canary;
  report.evaluated_ns = clock_.NowNanos();
  for (const GateCheckSpec& spec : gates.ForUseCase(use_case)) {
    report.checks.push_back(EvaluateCheck(spec, use_case, release, for_canary));
  }
  return report;
}

GateCheckResult GateEvaluator::EvaluateCheck(const GateCheckSpec& spec, const std::string& use_case,
                                             const std::string& release, bool for_canary) {
  GateCheckResult r;
  r.check = spec.Describe();
  r.name = spec.name;
  auto fail = [&](std::string reason) {
    r.passed = false;
    r.reason = std::move(reason);
    return r;
  };
  auto pass = [&](std::string reason) {
    r.passed = true;
    r.reason = std::move(reason);
    return r;
  };
  const int64_t now = clock_.NowNanos();

  if (spec.name == "no_active_freeze") {
    Result<std::vector<Freeze>> freezes = sources_.ActiveFreezes(use_case);
    if (!freezes.ok()) return fail("cannot read freezes: " + freezes.status().message());
    if (freezes->empty()) return pass("no freeze covers " + use_case);
    const Freeze& f = freezes->front();
    return fail(std::string("releases are frozen ") +
                (f.scope.empty() ? "globally" : "for " + f.scope) + " by " + f.actor + " (" +
                f.reason + ")" + (f.until_ns > 0 ? " until " + FormatRfc3339(f.until_ns) : "") +
                ": lift it with `vigil freeze off" +
                (f.scope.empty() ? "" : " --use-case " + f.scope) + "` once the cause is fixed");
  }
  if (spec.name == "rollback_target_valid") {
    Result<RollbackCheck> check = sources_.RollbackAfterPromote(use_case, release);
    if (!check.ok()) return fail("cannot check the rollback target: " + check.status().message());
    if (check->ok()) {
      return pass("after promoting " + release + ", a rollback would go to " + check->to);
    }
    std::string reasons;
    for (const std::string& p : check->problems) reasons += (reasons.empty() ? "" : "; ") + p;
    return fail("after promoting " + release + " there would be no valid rollback target: " +
                reasons + " — declare a known_good release or let the active one soak first");
  }
  if (spec.name == "drill_passed_within") {
    Result<std::optional<GateDrillRef>> drill = sources_.LastPassedDrill(use_case);
    if (!drill.ok()) return fail("cannot read drills: " + drill.status().message());
    const std::string fix = "run `vigil drill run tool-permission --use-case " + use_case + "`";
    if (!drill->has_value()) {
      return fail("no passed drill on " + use_case + " ever: " + fix);
    }
    const int64_t age = now - (*drill)->finished_ns;
    if (age > spec.within_ns) {
      return fail("no drill in " + FormatDuration(spec.within_ns) + ": the last passed drill (" +
                  (*drill)->id + ", " + (*drill)->scenario + ") finished " +
                  FormatDuration(age / kNanosPerSecond * kNanosPerSecond) + " ago; " + fix);
    }
    return pass("drill " + (*drill)->id + " (" + (*drill)->scenario + ") passed " +
                FormatElapsed(age) + " ago");
  }
  if (spec.name == "postmortem_actions_overdue") {
    Result<std::vector<OverdueReinforcement>> overdue = sources_.OverdueReinforcements(use_case);
    if (!overdue.ok()) return fail("cannot read postmortems: " + overdue.status().message());
    const int64_t n = static_cast<int64_t>(overdue->size());
    if (n <= spec.max_overdue) {
      return pass(std::to_string(n) + " overdue postmortem action(s) on " + use_case +
                  " (at most " + std::to_string(spec.max_overdue) + ")");
    }
    const OverdueReinforcement& o = overdue->front();
    return fail(
        std::to_string(n) + " overdue postmortem action(s) on " + use_case + " (at most " +
        std::to_string(spec.max_overdue) + "), e.g. postmortem " + std::to_string(o.postmortem_id) +
        " reinforcement " + std::to_string(o.reinforcement) + " (" + o.kind + " " + o.ref +
        ", owner " + o.owner + ", due " + FormatRfc3339(o.due_ns).substr(0, 10) +
        "): encode it and run `vigil postmortem verify " + std::to_string(o.postmortem_id) + "`");
  }
  if (spec.name == "eval_pass_rate") {
    Result<std::optional<EvalRun>> run = sources_.LatestEval(spec.suite, use_case, release);
    if (!run.ok()) return fail("cannot read evals: " + run.status().message());
    if (!run->has_value()) {
      return fail("no eval run of suite " + spec.suite + " for " + use_case + " " + release +
                  ": run the suite in CI and post it with `vigil eval post`");
    }
    const double rate = (*run)->pass_rate();
    const std::string counts =
        std::to_string((*run)->passed()) + "/" + std::to_string((*run)->cases.size()) + " cases";
    if (rate + 1e-12 < spec.min_pass_rate) {
      std::string first_failed;
      for (const EvalCase& c : (*run)->cases) {
        if (!c.passed) {
          first_failed = c.id;
          break;
        }
      }
      return fail("suite " + spec.suite + " passed " + Percent(rate) + " (" + counts + ", run " +
                  std::to_string((*run)->id) + ") < " + Percent(spec.min_pass_rate) +
                  (first_failed.empty() ? "" : "; first failing case " + first_failed) +
                  ": fix the release and post a new run");
    }
    return pass("suite " + spec.suite + " passed " + Percent(rate) + " (" + counts + ") ≥ " +
                Percent(spec.min_pass_rate));
  }
  if (spec.name == "no_open_incident") {
    Result<std::vector<GateIncidentRef>> open = sources_.OpenSevereIncidents(use_case);
    if (!open.ok()) return fail("cannot read incidents: " + open.status().message());
    if (open->empty()) return pass("no open P1/P2 incident on " + use_case);
    const GateIncidentRef& i = open->front();
    return fail("incident " + std::to_string(i.id) + " (" + i.severity + ", " + i.title +
                ") is open on " + use_case + ": resolve it first (`vigil incident resolve " +
                std::to_string(i.id) + "`)");
  }
  if (spec.name == "canary_healthy") {
    if (for_canary) {
      r.skipped = true;
      r.reason = "skipped for a canary promotion: it checks the canary before full promotion";
      return r;
    }
    Result<CanaryStats> c = sources_.Canary(use_case);
    if (!c.ok()) return fail("cannot read live windows: " + c.status().message());
    const std::string start =
        "start one with `vigil release promote " + use_case + " " + release + " --canary 10`";
    if (c->canary_version != release) {
      return fail(release + " is not running as a canary" +
                  (c->canary_version.empty() ? "" : " (the canary is " + c->canary_version + ")") +
                  ": " + start);
    }
    if (c->canary_tasks < static_cast<uint64_t>(spec.min_samples)) {
      return fail("the canary carried " + std::to_string(c->canary_tasks) +
                  " task(s) in the last " + FormatDuration(c->window_ns) +
                  ", fewer than min_samples " + std::to_string(spec.min_samples) +
                  ": wait or raise the canary percent");
    }
    const double canary_rate =
        static_cast<double>(c->canary_errors) / static_cast<double>(c->canary_tasks);
    const double active_rate = c->active_tasks == 0 ? 0
                                                    : static_cast<double>(c->active_errors) /
                                                          static_cast<double>(c->active_tasks);
    // A floor on the active rate keeps an error-free active release from failing every canary
    // on a single error.
    const double floor = 1.0 / static_cast<double>(std::max<int64_t>(spec.min_samples, 1));
    const double ratio = canary_rate / std::max(active_rate, floor);
    const std::string figures =
        "canary " + release + " " + Percent(canary_rate) + " task errors (" +
        std::to_string(c->canary_tasks) + " tasks) vs active " + c->active_version + " " +
        Percent(active_rate) + " (" + std::to_string(c->active_tasks) + "), ratio " + Ratio(ratio);
    if (ratio > spec.max_error_rate_ratio) {
      return fail(figures + " > " + Ratio(spec.max_error_rate_ratio) +
                  ": end the canary (`vigil release rollback " + use_case + " --to " +
                  c->active_version + "`) and fix " + release);
    }
    return pass(figures + " ≤ " + Ratio(spec.max_error_rate_ratio));
  }
  return fail("unknown check " + spec.name);
}

}  // namespace vigil
