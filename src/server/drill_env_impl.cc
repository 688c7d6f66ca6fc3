#include "server/drill_env_impl.h"

#include <spdlog/spdlog.h>

#include "alerting/action_dispatcher.h"

namespace vigil {

Result<RouteState> ServerDrillEnv::Route(const std::string& uc) { return releases_.Route(uc); }

Result<RollbackCheck> ServerDrillEnv::CheckRollback(const std::string& uc) {
  return releases_.CheckRollbackTarget(uc, std::nullopt);
}

Result<StoredRelease> ServerDrillEnv::Release(const std::string& uc, const std::string& v) {
  return releases_.Get(uc, v);
}

Result<std::string> ServerDrillEnv::InjectFault(const std::string& uc, const Fault& fault,
                                                const std::string& actor, int64_t until_ns) {
  Result<ActResult> r = releases_.InjectFault(uc, fault, actor, until_ns);
  if (!r.ok()) return r.status();
  return r->to;
}

Status ServerDrillEnv::ClearFault(const std::string& uc, const std::string& id,
                                  const std::string& actor) {
  Result<ActResult> r = releases_.ClearFault(uc, id, actor);
  return r.ok() ? Status::Ok() : r.status();
}

Status ServerDrillEnv::Restore(const RouteState& before, int64_t since_ns,
                               const std::string& actor) {
  Result<ActResult> r = releases_.RestoreRoute(before, since_ns, actor);
  return r.ok() ? Status::Ok() : r.status();
}

std::optional<DrillFiring> ServerDrillEnv::FiringSince(const std::string& uc, int64_t since_ns) {
  std::optional<DrillFiring> best;
  const std::vector<RuleSpec> rules = alerting_.engine().Rules();
  for (const AlertInstance& a : alerting_.engine().Alerts()) {
    if (a.fired_at_ns < since_ns || a.firing_id == 0) continue;
    if (a.tier != Tier::kP1 && a.tier != Tier::kP2) continue;
    for (const RuleSpec& rule : rules) {
      if (rule.name != a.rule || ActionDispatcher::UseCaseOf(a, rule) != uc) continue;
      if (best && best->fired_ns <= a.fired_at_ns) continue;
      DrillFiring f{rule.name, TierName(rule.tier), a.fired_at_ns, 0, 0};
      const bool task_error_rate = rule.signal == Signal::kErrorRate && !rule.slo &&
                                   !rule.threshold.relative &&
                                   (!rule.layer || *rule.layer == Layer::kTask);
      if (task_error_rate) {
        f.threshold = rule.threshold.value;
        f.window_ns = rule.window_ns;
      }
      best = f;
    }
  }
  return best;
}

TrafficSample ServerDrillEnv::Traffic(const std::string& uc, int64_t window_ns) {
  TrafficSample s;
  alerting_.windows().Query(
      window_ns, [&](const RollupKey& k) { return k.use_case == uc && k.layer == Layer::kTask; },
      [&](const RollupKey& k, const WindowResult& r) {
        const double n = static_cast<double>(r.stats.count);
        s.tasks += n;
        s.errors += static_cast<double>(r.stats.errors);
        s.by_release[k.release] += n;
        s.by_model[k.model] += n;
      });
  return s;
}

int64_t ServerDrillEnv::OpenIncident(const std::string& uc) {
  Result<std::vector<Incident>> open = incidents_.List("open");
  if (!open.ok()) return 0;
  for (const Incident& i : *open) {
    if (i.use_case == uc) return i.id;
  }
  return 0;
}

void ServerDrillEnv::TagIncident(int64_t incident, const std::string& drill_id) {
  Status st = incidents_.MarkDrill(incident, drill_id);
  if (!st.ok()) spdlog::warn("drills: marking incident {}: {}", incident, st.ToString());
}

int64_t ServerDrillEnv::FirstAutomatedUpdate(int64_t incident) {
  Result<Incident> i = incidents_.Get(incident);
  if (!i.ok()) return 0;
  for (const TimelineEntry& e : i->timeline) {
    if (e.kind == "update" && e.actor == "vigil") return e.ts_ns;
  }
  return 0;
}

void ServerDrillEnv::CloseIncident(int64_t incident, const std::string& summary,
                                   const std::string& actor) {
  Status st = incidents_.Resolve(incident, summary, actor);
  if (!st.ok() && st.code() != Status::Code::kFailedPrecondition) {
    spdlog::warn("drills: resolving incident {}: {}", incident, st.ToString());
  }
}

}  // namespace vigil
