#pragma once
// Values of the release registry: stored releases, freezes, a use case's route state, and the
// results of acts. Plain values; copy freely.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/release_config.h"

namespace vigil {

struct StoredRelease {
  std::string use_case;
  ReleaseConfig config;
  int64_t seq = 0;  // creation order within the use case, from 1
  int64_t created_ns = 0;
  std::string created_by;
  int64_t retired_ns = 0;  // 0: not retired
  std::string retired_by;
  bool retired() const { return retired_ns != 0; }
};

struct Freeze {
  std::string scope;  // "" = global, else a use case
  std::string reason;
  std::string actor;
  int64_t since_ns = 0;
  int64_t until_ns = 0;  // 0: until lifted
  bool global() const { return scope.empty(); }
  // "frozen globally since … by alert:X: reason (until …)"
  std::string Describe() const;
};

// A drill fault carried by the route: services (and the simulator) apply it to their own
// calls. Kinds and targets: upstream_timeout, upstream_throttle, latency → a model;
// malformed_output → a release version; tool_permission_denied → a tool (params.release
// narrows it to the release that added the call).
struct Fault {
  std::string id;
  std::string kind;
  std::string target;
  double share = 1.0;  // fraction of the targeted calls affected, (0, 1]
  std::string params_json = "{}";
  std::string actor;  // "drill:ID" or a token name
  int64_t created_ns = 0;
  int64_t until_ns = 0;  // 0: until cleared
};

// The fault kinds Vigil knows; empty when `kind` is one, else a message listing them.
std::string CheckFaultKind(const std::string& kind);

enum class RouteMode { kNormal, kDegraded };
const char* RouteModeName(RouteMode mode);

// What services read for a use case (GET /v1/routes/{use_case}).
struct RouteState {
  std::string use_case;
  int64_t version = 0;  // bumps on every change of what follows
  std::optional<StoredRelease> active;
  std::optional<StoredRelease> canary;
  int canary_percent = 0;
  RouteMode mode = RouteMode::kNormal;
  std::string mode_reason;
  std::vector<Freeze> freezes;  // in force for this use case (global and its own)
  std::string last_known_good;  // empty: none
  std::vector<Fault> faults;    // in force (not expired)
  int64_t active_since_ns = 0;
  int64_t updated_ns = 0;
  bool frozen() const { return !freezes.empty(); }
};

// The outcome of an act (promote, rollback, mode, freeze, retire).
struct ActResult {
  bool changed = false;  // false: a no-op, `message` says why
  std::string message;
  std::string from;  // release versions, for promote/rollback
  std::string to;
  int64_t duration_ns = 0;  // request to route published
  int64_t route_version = 0;
};

// Whether a release can be rolled back to. `problems` name each reason it cannot.
struct RollbackCheck {
  std::string use_case;
  std::string from;
  std::string to;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty() && !to.empty(); }
};

// Handed to the change listener after each committed change of a route.
struct RouteChange {
  std::string use_case;
  int64_t version = 0;
  bool moves_traffic = false;  // active, canary or mode changed (not only the freeze flag)
  std::string action;          // release.promote | release.rollback | mode.set | freeze.on | …
  std::string summary;
  std::string actor;
};

}  // namespace vigil
