#pragma once
// ServerDrillEnv: the DrillEnv of `vigil serve` — the release registry, the live alert engine
// and windows, and incidents.

#include "drills/drill_env.h"
#include "incidents/incident_service.h"
#include "release/release_registry.h"
#include "server/alerting_runtime.h"

namespace vigil {

class ServerDrillEnv final : public DrillEnv {
 public:
  ServerDrillEnv(ReleaseRegistry& releases, AlertingRuntime& alerting, IncidentService& incidents)
      : releases_(releases), alerting_(alerting), incidents_(incidents) {}
  Result<RouteState> Route(const std::string& use_case) override;
  Result<RollbackCheck> CheckRollback(const std::string& use_case) override;
  Result<StoredRelease> Release(const std::string& use_case, const std::string& version) override;
  Result<std::string> InjectFault(const std::string& use_case, const Fault& fault,
                                  const std::string& actor, int64_t until_ns) override;
  Status ClearFault(const std::string& use_case, const std::string& id,
                    const std::string& actor) override;
  Status Restore(const RouteState& before, int64_t since_ns, const std::string& actor) override;
  std::optional<DrillFiring> FiringSince(const std::string& use_case, int64_t since_ns) override;
  TrafficSample Traffic(const std::string& use_case, int64_t window_ns) override;
  int64_t OpenIncident(const std::string& use_case) override;
  void TagIncident(int64_t incident, const std::string& drill_id) override;
  int64_t FirstAutomatedUpdate(int64_t incident) override;
  void CloseIncident(int64_t incident, const std::string& summary,
                     const std::string& actor) override;

 private:
  ReleaseRegistry& releases_;
  AlertingRuntime& alerting_;
  IncidentService& incidents_;
};

}  // namespace vigil
