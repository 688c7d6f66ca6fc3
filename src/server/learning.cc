#include "server/learning.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <set>

#include "common/time_util.h"
#include "incidents/postmortem_drafter.h"
#include "server/diagnose_api.h"

namespace vigil {
namespace {

using nlohmann::json;

const std::set<std::string>& DrillScenarios() {
  static const std::set<std::string> s = {"upstream-timeout", "malformed-output", "tool-permission",
                                          "custom"};
  return s;
}

}  // namespace

Result<std::unique_ptr<LearningLoop>> LearningLoop::Open(Parts parts, const Clock& clock,
                                                         GatesConfig gates, SloTargets targets) {
  std::unique_ptr<LearningLoop> loop(new LearningLoop(parts, clock, std::move(gates), targets));
  Result<std::unique_ptr<PostmortemStore>> pms = PostmortemStore::Open(parts.state, clock);
  if (!pms.ok()) return pms.status();
  loop->postmortems_ = std::move(pms).value();
  Result<std::unique_ptr<OverrideLog>> overrides = OverrideLog::Open(parts.state, clock);
  if (!overrides.ok()) return overrides.status();
  loop->overrides_ = std::move(overrides).value();
  return loop;
}

void LearningLoop::SetGates(GatesConfig gates) {
  std::lock_guard<std::mutex> lock(mu_);
  gates_ = std::move(gates);
}

GatesConfig LearningLoop::gates() const {
  std::lock_guard<std::mutex> lock(mu_);
  return gates_;
}

Result<GateReport> LearningLoop::CheckGate(const std::string& use_case, const std::string& release,
                                           bool for_canary) {
  return evaluator_.Evaluate(gates(), use_case, release, for_canary);
}

Status LearningLoop::RecordOverride(const GateReport& report, const std::string& actor,
                                    const std::string& reason) {
  GateOverride o;
  o.use_case = report.use_case;
  o.release = report.release;
  o.actor = actor;
  o.reason = reason;
  o.failed_checks = report.FailedChecks();
  Result<GateOverride> recorded = overrides_->Record(o);
  if (!recorded.ok()) return recorded.status();
  return parts_.audit.Record({0, 0, actor, "gate.override", report.use_case + "@" + report.release,
                              "null", json{{"failed_checks", o.failed_checks}}.dump(), reason});
}

// --- GateSources -------------------------------------------------------------------------

Status LearningLoop::ReleaseExists(const std::string& use_case, const std::string& release) {
  Result<StoredRelease> r = parts_.releases.Get(use_case, release);
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<Freeze>> LearningLoop::ActiveFreezes(const std::string& use_case) {
  std::vector<Freeze> out;
  for (const Freeze& f : parts_.releases.ActiveFreezes()) {
    if (f.scope.empty() || f.scope == use_case) out.push_back(f);
  }
  return out;
}

Result<RollbackCheck> LearningLoop::RollbackAfterPromote(const std::string& use_case,
                                                         const std::string& release) {
  return parts_.releases.CheckRollbackAfterPromote(use_case, release);
}

Result<std::optional<GateDrillRef>> LearningLoop::LastPassedDrill(const std::string& use_case) {
  Result<std::vector<DrillResult>> drills = parts_.drills.List(1000);
  if (!drills.ok()) return drills.status();
  std::optional<GateDrillRef> best;
  for (const DrillResult& d : *drills) {
    if (d.spec.use_case != use_case || d.status != "passed") continue;
    if (!best || d.finished_ns > best->finished_ns) {
      best = GateDrillRef{d.id, d.spec.scenario, d.finished_ns};
    }
  }
  return best;
}

Result<std::vector<OverdueReinforcement>> LearningLoop::OverdueReinforcements(
    const std::string& use_case) {
  Result<std::vector<OverdueAction>> overdue = postmortems_->Overdue(use_case);
  if (!overdue.ok()) return overdue.status();
  std::vector<OverdueReinforcement> out;
  for (const OverdueAction& o : *overdue) {
    out.push_back({o.postmortem_id, static_cast<int>(o.index) + 1, o.reinforcement.kind,
                   o.reinforcement.ref, o.reinforcement.owner, o.reinforcement.due_ns});
  }
  return out;
}

Result<std::optional<EvalRun>> LearningLoop::LatestEval(const std::string& suite,
                                                        const std::string& use_case,
                                                        const std::string& release) {
  return parts_.evals.Latest(suite, use_case, release);
}

Result<std::vector<GateIncidentRef>> LearningLoop::OpenSevereIncidents(
    const std::string& use_case) {
  Result<std::vector<Incident>> open = parts_.incidents.List("open");
  if (!open.ok()) return open.status();
  std::vector<GateIncidentRef> out;
  for (const Incident& i : *open) {
    if (i.use_case == use_case && (i.severity == "P1" || i.severity == "P2")) {
      out.push_back({i.id, i.severity, i.title});
    }
  }
  return out;
}

Result<CanaryStats> LearningLoop::Canary(const std::string& use_case) {
  Result<RouteState> route = parts_.releases.Route(use_case);
  if (!route.ok()) return route.status();
  CanaryStats stats;
  stats.window_ns = kCanaryWindowNs;
  stats.active_version = route->active ? route->active->config.version : "";
  if (!route->canary) return stats;
  stats.canary_version = route->canary->config.version;
  stats.canary_percent = route->canary_percent;
  parts_.alerting.windows().Query(
      kCanaryWindowNs,
      [&](const RollupKey& k) { return k.use_case == use_case && k.layer == Layer::kTask; },
      [&](const RollupKey& k, const WindowResult& r) {
        if (k.release == stats.canary_version) {
          stats.canary_tasks += r.stats.count;
          stats.canary_errors += r.stats.errors;
        } else if (k.release == stats.active_version) {
          stats.active_tasks += r.stats.count;
          stats.active_errors += r.stats.errors;
        }
      });
  return stats;
}

// --- PostmortemEnv -----------------------------------------------------------------------

std::optional<RuleSpec> LearningLoop::LoadedRule(const std::string& name) {
  for (const RuleSpec& r : parts_.alerting.engine().Rules()) {
    if (r.name == name) return r;
  }
  return std::nullopt;
}

int64_t LearningLoop::EvaluationIntervalNs() {
  return parts_.alerting.config().evaluation_interval_ns;
}

Result<std::vector<Event>> LearningLoop::UseCaseEvents(const std::string& use_case, int64_t from_ns,
                                                       int64_t to_ns) {
  EventQuery q;
  q.tenants.all = true;
  q.use_case = use_case;
  q.from_ns = from_ns;
  q.to_ns = to_ns + 1;
  q.limit = 1000;
  std::vector<Event> out;
  while (true) {
    Result<EventPage> page = parts_.events.ListEvents(q);
    if (!page.ok()) return page.status();
    for (StoredEvent& e : page->events) out.push_back(std::move(e.event));
    if (out.size() > kMaxReplayEvents) {
      return Status::ResourceExhausted("more than " + std::to_string(kMaxReplayEvents) +
                                       " events in the incident's range");
    }
    if (!page->next) break;
    q.after = page->next;
  }
  return out;
}

Result<GateProbe> LearningLoop::ProbeGate(const std::string& use_case, const std::string& ref,
                                          const std::string& release) {
  GateProbe probe;
  for (const GateCheckSpec& spec : gates().ForUseCase(use_case)) {
    if (spec.Key() != ref && spec.name != ref) continue;
    GateCheckResult r = evaluator_.EvaluateCheck(spec, use_case, release, false);
    probe.in_template = true;
    probe.passed = r.passed || r.skipped;
    probe.check = r.check;
    probe.reason = r.reason;
    if (!probe.passed) break;  // one refusing check of that name is enough
  }
  return probe;
}

Result<TestProbe> LearningLoop::ProbeTest(const std::string& use_case, const std::string& ref,
                                          int64_t since_ns) {
  if (DrillScenarios().count(ref)) {
    Result<std::vector<DrillResult>> drills = parts_.drills.List(1000);
    if (!drills.ok()) return drills.status();
    std::string failed;
    for (const DrillResult& d : *drills) {
      if (d.spec.use_case != use_case || d.spec.scenario != ref || d.started_ns < since_ns) {
        continue;
      }
      if (d.status == "passed") {
        return TestProbe{true, "drill " + d.id + " (" + ref + ") passed at " +
                                   FormatRfc3339(d.finished_ns) + ", after the incident"};
      }
      if (failed.empty() && d.status != "running") {
        failed = "drill " + d.id + " (" + ref + ") " + d.status + ": " + d.message;
      }
    }
    return TestProbe{false, failed.empty()
                                ? "no " + ref + " drill on " + use_case +
                                      " since the incident: run `vigil drill run " + ref +
                                      " --use-case " + use_case + "`"
                                : failed + " — the last one since the incident did not pass"};
  }
  const size_t slash = ref.find('/');
  EvalQuery q;
  q.use_case = use_case;
  q.suite = slash == std::string::npos ? "" : ref.substr(0, slash);
  q.limit = 500;
  const std::string case_id = slash == std::string::npos ? ref : ref.substr(slash + 1);
  Result<std::vector<EvalRun>> runs = parts_.evals.List(q);
  if (!runs.ok()) return runs.status();
  // The case exists and passes on some release since the incident (it is expected to fail on
  // the incident's release: that is what makes it a regression test).
  std::string failing;
  for (const EvalRun& run : *runs) {  // newest first
    if (run.created_ns < since_ns) break;
    for (const EvalCase& c : run.cases) {
      if (c.id != case_id) continue;
      if (c.passed) {
        return TestProbe{true, "eval case " + case_id + " passed in run " + std::to_string(run.id) +
                                   " (suite " + run.suite + ", " + run.release +
                                   ") after the incident"};
      }
      if (failing.empty()) failing = std::to_string(run.id) + " (" + run.release + ")";
    }
  }
  if (!failing.empty()) {
    return TestProbe{false, "eval case " + case_id +
                                " exists but has not passed since the "
                                "incident (failed in run " +
                                failing +
                                "): fix the release and post "
                                "a passing run"};
  }
  return TestProbe{false, "test " + ref + " is neither a drill scenario (" +
                              "upstream-timeout, malformed-output, tool-permission, custom) nor an "
                              "eval case posted for " +
                              use_case +
                              " since the incident: add the case to a suite and post a run "
                              "with `vigil eval post`"};
}

// --- Postmortems -------------------------------------------------------------------------

Result<Postmortem> LearningLoop::Draft(int64_t incident_id, const std::string& author) {
  Result<Incident> incident = parts_.incidents.Get(incident_id);
  if (!incident.ok()) return incident.status();
  Result<std::optional<Postmortem>> existing = postmortems_->ForIncident(incident_id);
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    return Status::AlreadyExists("incident " + std::to_string(incident_id) +
                                 " already has postmortem " + std::to_string((*existing)->id));
  }
  const int64_t now = clock_.NowNanos();
  DraftInputs in;
  in.incident = *incident;
  in.clocks = parts_.incidents.Clocks(*incident);
  in.rules = parts_.alerting.engine().Rules();
  in.targets = targets_;
  in.author = author;
  in.now_ns = now;
  const int64_t opened = incident->opened_at_ns;
  int64_t end = incident->resolved_at_ns ? incident->resolved_at_ns : now;
  end = std::min(end, opened + 2 * 3600 * kNanosPerSecond);
  Result<std::vector<Event>> events =
      UseCaseEvents(incident->use_case, opened - 30 * 60 * kNanosPerSecond, end);
  if (!events.ok()) return events.status();
  in.events = std::move(*events);
  Result<Diagnosis> d = DiagnoseRange(parts_.events, TenantFilter{true, {}}, incident->use_case,
                                      opened - 300 * kNanosPerSecond, end, 3600 * kNanosPerSecond);
  if (d.ok()) in.diagnosis = *d;
  AuditQuery q;
  q.from_ns = opened - 7 * 86400 * kNanosPerSecond;
  q.to_ns = opened;
  q.action_prefix = "release.promote";
  q.target_prefix = incident->use_case + "@";
  q.limit = 50;
  Result<std::vector<AuditEntry>> promotions = parts_.audit.List(q);
  if (promotions.ok()) {
    for (const AuditEntry& a : *promotions) {
      json before = json::parse(a.before_json, nullptr, false);
      json after = json::parse(a.after_json, nullptr, false);
      auto version = [](const json& j) {
        return j.is_object() && j.contains("active") && j["active"].is_string()
                   ? j["active"].get<std::string>()
                   : std::string();
      };
      in.release_changes.push_back({a.ts_ns, version(before), version(after), a.actor, a.detail});
    }
    std::sort(
        in.release_changes.begin(), in.release_changes.end(),
        [](const ReleaseChangeRef& x, const ReleaseChangeRef& y) { return x.at_ns < y.at_ns; });
  }
  return postmortems_->Create(DraftPostmortem(in));
}

Result<Postmortem> LearningLoop::Verify(int64_t postmortem_id) {
  Result<Postmortem> pm = postmortems_->Get(postmortem_id);
  if (!pm.ok()) return pm.status();
  VIGIL_RETURN_IF_ERROR(VerifyPostmortem(*pm, *this, clock_.NowNanos()));
  return postmortems_->Save(std::move(*pm));
}

std::string LearningLoop::OnIncidentOpened(int64_t incident_id, const std::string& use_case,
                                           const Diagnosis* diagnosis) {
  std::string line;
  Signature sig;
  sig.use_case = use_case;
  if (diagnosis) {
    for (const Finding& f : diagnosis->findings) {
      if (f.excess <= 0) continue;
      std::vector<std::string>* list = f.dimension == "error_class" ? &sig.error_classes
                                       : f.dimension == "tool"      ? &sig.tools
                                       : f.dimension == "model"     ? &sig.models
                                       : f.dimension == "layer"     ? &sig.layers
                                                                    : nullptr;
      if (list && std::find(list->begin(), list->end(), f.value) == list->end()) {
        list->push_back(f.value);
      }
    }
  }
  Result<std::vector<KbHit>> similar = kb_.Similar(sig, incident_id, 3);
  if (similar.ok() && !similar->empty()) {
    json detail = json::array();
    std::string text = "similar past incidents:";
    for (const KbHit& h : *similar) {
      std::string rules;
      for (const std::string& r : h.prevention_rules) rules += (rules.empty() ? "" : "; ") + r;
      text += " postmortem " + std::to_string(h.postmortem_id) + " (incident " +
              std::to_string(h.incident_id) + ", " + h.title + ")" +
              (rules.empty() ? "" : " — prevention: " + rules) + ";";
      detail.push_back({{"postmortem_id", h.postmortem_id},
                        {"incident_id", h.incident_id},
                        {"title", h.title},
                        {"score", h.score},
                        {"prevention_rules", h.prevention_rules}});
    }
    text.pop_back();
    Status st = parts_.incidents.AddNote(incident_id, "similar_incidents", text,
                                         json{{"similar", detail}}.dump());
    if (!st.ok()) spdlog::warn("incidents: {}", st.ToString());
    line += " Similar past incidents: " + text.substr(text.find(':') + 2) + ".";
  }
  Result<std::vector<GateOverride>> overrides = overrides_->Claim(use_case, incident_id);
  if (overrides.ok()) {
    for (const GateOverride& o : *overrides) {
      std::string checks;
      for (const std::string& c : o.failed_checks) checks += (checks.empty() ? "" : ", ") + c;
      const std::string text = "release " + o.release + " was promoted past a failing gate (" +
                               checks + ") by " + o.actor + " at " + FormatRfc3339(o.ts_ns) + ": " +
                               o.reason;
      Status st = parts_.incidents.AddNote(incident_id, "gate_override", text,
                                           json{{"override_id", o.id}}.dump());
      if (!st.ok()) spdlog::warn("incidents: {}", st.ToString());
      line += " Note: " + text + ".";
    }
  }
  return line;
}

}  // namespace vigil
