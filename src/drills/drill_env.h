#pragma once
// DrillEnv: what a drill needs from the running system, as one small interface — the release
// registry (route, rollback check, faults, restore), live alerts and windows, incidents. The
// server implements it over its components; unit tests use a fake.
// Thread-safety: called from the drill's thread only.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "release/release_types.h"

namespace vigil {

struct DrillFiring {
  std::string rule;
  std::string tier;
  int64_t fired_ns = 0;
  double threshold = 0;  // the rule's absolute threshold on task error rate (0: none)
  int64_t window_ns = 0;
};

struct TrafficSample {
  double tasks = 0;   // task events in the sampled window
  double errors = 0;  // of which failed
  std::map<std::string, double> by_release;
  std::map<std::string, double> by_model;
};

class DrillEnv {
 public:
  virtual ~DrillEnv() = default;
  virtual Result<RouteState> Route(const std::string& use_case) = 0;
  virtual Result<RollbackCheck> CheckRollback(const std::string& use_case) = 0;
  virtual Result<StoredRelease> Release(const std::string& use_case,
                                        const std::string& version) = 0;
  virtual Result<std::string> InjectFault(const std::string& use_case, const Fault& fault,
                                          const std::string& actor, int64_t until_ns) = 0;
  virtual Status ClearFault(const std::string& use_case, const std::string& id,
                            const std::string& actor) = 0;
  virtual Status Restore(const RouteState& before, int64_t since_ns, const std::string& actor) = 0;
  // The earliest P1/P2 firing on the use case at or after `since_ns`.
  virtual std::optional<DrillFiring> FiringSince(const std::string& use_case, int64_t since_ns) = 0;
  // Task events of the use case that arrived in the last `window_ns`.
  virtual TrafficSample Traffic(const std::string& use_case, int64_t window_ns) = 0;
  // The open incident of the use case (0: none), and marking/closing it as a drill's.
  virtual int64_t OpenIncident(const std::string& use_case) = 0;
  virtual void TagIncident(int64_t incident, const std::string& drill_id) = 0;
  // Time of the incident's automated first update (unix ns; 0 when none).
  virtual int64_t FirstAutomatedUpdate(int64_t incident) = 0;
  virtual void CloseIncident(int64_t incident, const std::string& summary,
                             const std::string& actor) = 0;
};

}  // namespace vigil
