#pragma once
// GateEvaluator: runs a use case's release gate template (config `gates`, docs/gates.md) against
// a candidate release and says, per check, pass or fail with a reason that names the fix.
//
// Checks read the live state through GateSources (the server implements it over the release
// registry, drills, evals, incidents, postmortems and the live windows; tests over fixed
// values). A source that fails makes its check fail with the error as the reason — a gate never
// passes on missing information. `canary_healthy` is skipped (reported, not failed) when the
// gate is run for a canary promotion: the candidate cannot have canary data yet.
// Thread-safety: Evaluate() from any thread, as far as the sources allow.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "gates/eval_store.h"
#include "release/release_types.h"

namespace vigil {

struct GateDrillRef {
  std::string id, scenario;
  int64_t finished_ns = 0;
};

struct OverdueReinforcement {
  int64_t postmortem_id = 0;
  int reinforcement = 0;  // 1-based index in the postmortem
  std::string kind, ref, owner;
  int64_t due_ns = 0;
};

struct GateIncidentRef {
  int64_t id = 0;
  std::string severity, title;
};

// Canary vs active over the live window, from task events.
struct CanaryStats {
  std::string canary_version;  // "" when no canary runs
  int canary_percent = 0;
  std::string active_version;
  uint64_t canary_tasks = 0, canary_errors = 0;
  uint64_t active_tasks = 0, active_errors = 0;
  int64_t window_ns = 0;
};

class GateSources {
 public:
  virtual ~GateSources() = default;
  virtual Status ReleaseExists(const std::string& use_case, const std::string& release) = 0;
  virtual Result<std::vector<Freeze>> ActiveFreezes(const std::string& use_case) = 0;
  virtual Result<RollbackCheck> RollbackAfterPromote(const std::string& use_case,
                                                     const std::string& release) = 0;
  // The newest passed drill of the use case, if any.
  virtual Result<std::optional<GateDrillRef>> LastPassedDrill(const std::string& use_case) = 0;
  virtual Result<std::vector<OverdueReinforcement>> OverdueReinforcements(
      const std::string& use_case) = 0;
  virtual Result<std::optional<EvalRun>> LatestEval(const std::string& suite,
                                                    const std::string& use_case,
                                                    const std::string& release) = 0;
  // Open P1/P2 incidents of the use case.
  virtual Result<std::vector<GateIncidentRef>> OpenSevereIncidents(const std::string& use_case) = 0;
  virtual Result<CanaryStats> Canary(const std::string& use_case) = 0;
};

struct GateCheckResult {
  std::string check;  // the spec as written ("drill_passed_within: 14d")
  std::string name;
  bool passed = false;
  bool skipped = false;
  std::string reason;  // why it passed or failed; a failure names the fix
};

struct GateReport {
  std::string use_case, release;
  bool configured = false;  // false: no `gates` section, nothing checked
  bool for_canary = false;
  int64_t evaluated_ns = 0;
  std::vector<GateCheckResult> checks;
  bool passed() const;
  std::vector<std::string> FailedChecks() const;
};

class GateEvaluator {
 public:
  GateEvaluator(GateSources& sources, const Clock& clock) : sources_(sources), clock_(clock) {}

  // The whole template of the use case. NotFound when the release does not exist.
  Result<GateReport> Evaluate(const GatesConfig& gates, const std::string& use_case,
                              const std::string& release, bool for_canary);
  // One check (postmortem verification of a `gate` reinforcement).
  GateCheckResult EvaluateCheck(const GateCheckSpec& spec, const std::string& use_case,
                                const std::string& release, bool for_canary);

 private:
  GateSources& sources_;
  const Clock& clock_;
};

}  // namespace vigil
