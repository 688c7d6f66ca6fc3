#pragma once
// Drills: a fault injected into a use case's route on purpose, and Vigil's own response to it
// measured against the targets (docs/drills.md). These are the values; DrillRunner runs them
// against a DrillEnv (the live server, or a fake in tests).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "release/release_types.h"

namespace vigil {

// What a drill asks for. Scenarios: upstream-timeout (the active model hangs → remedy: degraded
// mode), malformed-output (the active release's output breaks → rollback), tool-permission (a
// tool the active release added loses its permission → rollback), custom (`fault` as given).
struct DrillSpec {
  std::string scenario;
  std::string use_case;
  Fault custom;         // scenario custom: kind, target, share, params
  bool restore = true;  // put the route back as it was afterwards
  std::string actor;    // who asked (token name)
  // Step time limits; 0 takes the defaults from the targets (see DrillRunner).
  int64_t detect_timeout_ns = 0;
  int64_t switchback_timeout_ns = 0;
  int64_t recovery_timeout_ns = 0;
  double min_task_rate = 0.5;  // tasks/s the use case must carry for a drill to mean anything
};

struct DrillStep {
  std::string name;  // preflight | inject | detect | switchback | recovery | clear | restore
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  bool ok = false;
  std::string detail;
};

struct DrillClock {
  std::string name;         // detect | switchback | recovery
  int64_t elapsed_ns = -1;  // from injection; -1: not reached
  int64_t target_ns = 0;
  bool met() const { return elapsed_ns >= 0 && elapsed_ns <= target_ns; }
};

struct DrillResult {
  std::string id;
  DrillSpec spec;
  std::string status = "running";  // running | passed | failed | aborted
  std::string message;             // where and why it stopped, or the verdict
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  int64_t injected_ns = 0;
  Fault fault;
  std::string expected_remedy;  // "degrade to m-small", "rollback to v1"
  std::string remedy_seen;      // what the route shows after switchback
  std::string detected_by;      // rule that fired
  std::vector<DrillClock> clocks;
  int64_t first_update_ns = -1;  // the incident's automated first update, from injection
  int64_t incident_id = 0;
  std::vector<DrillStep> steps;
};

std::string DrillToMarkdown(const DrillResult& result);

}  // namespace vigil
