#pragma once
// LearningLoop: the "learn" half of Vigil wired to the live components — release gates
// (GateEvaluator over the registry, drills, evals, incidents, postmortems and live windows),
// postmortems (draft from an incident, verify against the loaded rules, the stored events, the
// gate template and passed drills/evals), the knowledge base, and gate overrides.
//
// It is the server's GateSources and PostmortemEnv. When an incident opens, OnIncidentOpened()
// attaches the most similar past postmortems with their prevention rules and the gate overrides
// made since the last incident of the use case, and returns a line for the first update.
// Thread-safety: any thread; the gates template is swapped atomically on reload.

#include <memory>
#include <mutex>
#include <string>

#include "drills/drill_runner.h"
#include "gates/eval_store.h"
#include "gates/gate_evaluator.h"
#include "gates/override_log.h"
#include "incidents/diagnosis.h"
#include "incidents/incident_service.h"
#include "incidents/kb.h"
#include "incidents/postmortem_store.h"
#include "incidents/postmortem_verifier.h"
#include "release/audit_log.h"
#include "release/release_registry.h"
#include "server/alerting_runtime.h"
#include "storage/event_store.h"

namespace vigil {

class LearningLoop final : public GateSources, public PostmortemEnv {
 public:
  struct Parts {
    StateStore& state;
    EventStore& events;
    ReleaseRegistry& releases;
    AuditLog& audit;
    AlertingRuntime& alerting;
    IncidentService& incidents;
    DrillRunner& drills;
    EvalStore& evals;
  };
  static Result<std::unique_ptr<LearningLoop>> Open(Parts parts, const Clock& clock,
                                                    GatesConfig gates, SloTargets targets);

  void SetGates(GatesConfig gates);
  GatesConfig gates() const;

  // Gates.
  Result<GateReport> CheckGate(const std::string& use_case, const std::string& release,
                               bool for_canary);
  // An admin promoted past a failing gate: audited now, shown on the next incident.
  Status RecordOverride(const GateReport& report, const std::string& actor,
                        const std::string& reason);

  // Postmortems.
  Result<Postmortem> Draft(int64_t incident_id, const std::string& author);
  Result<Postmortem> Verify(int64_t postmortem_id);
  PostmortemStore& postmortems() { return *postmortems_; }
  KnowledgeBase& kb() { return kb_; }

  std::string OnIncidentOpened(int64_t incident_id, const std::string& use_case,
                               const Diagnosis* diagnosis);

  // GateSources.
  Status ReleaseExists(const std::string& use_case, const std::string& release) override;
  Result<std::vector<Freeze>> ActiveFreezes(const std::string& use_case) override;
  Result<RollbackCheck> RollbackAfterPromote(const std::string& use_case,
                                             const std::string& release) override;
  Result<std::optional<GateDrillRef>> LastPassedDrill(const std::string& use_case) override;
  Result<std::vector<OverdueReinforcement>> OverdueReinforcements(
      const std::string& use_case) override;
  Result<std::optional<EvalRun>> LatestEval(const std::string& suite, const std::string& use_case,
                                            const std::string& release) override;
  Result<std::vector<GateIncidentRef>> OpenSevereIncidents(const std::string& use_case) override;
  Result<CanaryStats> Canary(const std::string& use_case) override;

  // PostmortemEnv.
  std::optional<RuleSpec> LoadedRule(const std::string& name) override;
  int64_t EvaluationIntervalNs() override;
  Result<std::vector<Event>> UseCaseEvents(const std::string& use_case, int64_t from_ns,
                                           int64_t to_ns) override;
  Result<GateProbe> ProbeGate(const std::string& use_case, const std::string& ref,
                              const std::string& release) override;
  Result<TestProbe> ProbeTest(const std::string& use_case, const std::string& ref,
                              int64_t since_ns) override;

  static constexpr int64_t kCanaryWindowNs = 300LL * 1'000'000'000;
  static constexpr size_t kMaxReplayEvents = 2'000'000;

 private:
  LearningLoop(Parts parts, const Clock& clock, GatesConfig gates, SloTargets targets)
      : parts_(parts),
        clock_(clock),
        gates_(std::move(gates)),
        targets_(targets),
        evaluator_(*this, clock),
        kb_(parts.state) {}

  Parts parts_;
  const Clock& clock_;
  mutable std::mutex mu_;
  GatesConfig gates_;
  const SloTargets targets_;
  GateEvaluator evaluator_;
  std::unique_ptr<PostmortemStore> postmortems_;
  std::unique_ptr<OverrideLog> overrides_;
  KnowledgeBase kb_;
};

}  // namespace vigil
