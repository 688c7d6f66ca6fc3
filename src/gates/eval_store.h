#pragma once
// EvalStore: results of evaluation suites that CI runs against a release (POST /v1/evals) —
// which cases passed. Release gates read the pass rate of a candidate release
// (`eval_pass_rate`), and postmortem `test` reinforcements look for a passing case. Kept in the
// StateStore (component "evals"); runs are never changed once recorded.
// Thread-safety: any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/state_store.h"

namespace vigil {

struct EvalCase {
  std::string id;
  bool passed = false;
  std::string detail;
};

struct EvalRun {
  int64_t id = 0;
  std::string suite;
  std::string use_case;
  std::string release;
  std::vector<EvalCase> cases;
  int64_t created_ns = 0;
  std::string actor;
  size_t passed() const;
  double pass_rate() const;  // 0 for a run without cases
};

struct EvalQuery {
  std::string suite, use_case, release;  // empty: any
  size_t limit = 50;
};

class EvalStore {
 public:
  static Result<std::unique_ptr<EvalStore>> Open(StateStore& store, const Clock& clock);
  // Validates (suite, use case and release named; 1–10,000 cases with unique ids) and stores.
  Result<EvalRun> Record(EvalRun run, const std::string& actor);
  Result<std::vector<EvalRun>> List(const EvalQuery& query);  // newest first
  // The newest run of `suite` for the release, if any.
  Result<std::optional<EvalRun>> Latest(const std::string& suite, const std::string& use_case,
                                        const std::string& release);

 private:
  EvalStore(StateStore& store, const Clock& clock) : store_(store), clock_(clock) {}
  StateStore& store_;
  const Clock& clock_;
};

}  // namespace vigil
