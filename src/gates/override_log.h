#pragma once
// OverrideLog: promotions an admin forced past a failing gate (`--override --reason`). Each is
// audited by the caller and kept here until the next incident of its use case opens, which
// claims it and shows it on its timeline — an override is a bet, and the next incident should
// say it was made. StateStore component "gate_overrides". Thread-safety: any thread.

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/state_store.h"

namespace vigil {

struct GateOverride {
  int64_t id = 0;
  int64_t ts_ns = 0;
  std::string use_case, release, actor, reason;
  std::vector<std::string> failed_checks;
  int64_t claimed_by_incident = 0;  // 0: not yet
};

class OverrideLog {
 public:
  static Result<std::unique_ptr<OverrideLog>> Open(StateStore& store, const Clock& clock);
  Result<GateOverride> Record(GateOverride o);
  // Marks the unclaimed overrides of the use case as claimed by `incident_id` and returns them.
  Result<std::vector<GateOverride>> Claim(const std::string& use_case, int64_t incident_id);
  Result<std::vector<GateOverride>> List(const std::string& use_case, size_t limit = 100);

 private:
  OverrideLog(StateStore& store, const Clock& clock) : store_(store), clock_(clock) {}
  StateStore& store_;
  const Clock& clock_;
};

}  // namespace vigil
