#pragma once
// ReleaseConfig: one immutable, self-contained configuration of a use case — everything a
// service needs to serve a request with it (model, prompt, tools, fallback, parameters) and
// the data migrations it depends on. See docs/releases.md.
//
// Free-form parts (params, degraded params, simulated defects) are kept as JSON object text so
// that this header stays light; src/release/ parses them.

#include <string>
#include <vector>

namespace vigil {

struct ToolSpec {
  std::string name;
  std::vector<std::string> permissions;  // required permissions, optional
};

// A data migration the release depends on. An irreversible one cannot be undone, so a
// rollback to a release that predates it would depend on migrated data.
struct MigrationRef {
  std::string id;
  bool reversible = true;
};

struct ReleaseConfig {
  std::string version;      // unique within the use case, e.g. "v7"
  std::string model;        // required
  std::string prompt;       // a reference such as "refund@3"
  std::string prompt_body;  // optional inline body
  std::string prompt_hash;  // "sha256:…" of prompt_body; computed when a body is given
  std::vector<ToolSpec> tools;
  std::string fallback_model;        // used in degraded mode
  std::string params_json = "{}";    // temperature, max_tokens, feature flags …
  std::string degraded_json = "{}";  // params that replace/extend `params` in degraded mode
  std::vector<MigrationRef> migrations;
  std::string sim_json = "{}";  // simulated defects for drills (the simulator reads them)
  std::string description;
  bool known_good = false;  // declared good (bootstrap); counts as last-known-good candidate
};

// What a release config lacks to be served on its own ("model is empty", …); empty when
// complete.
std::vector<std::string> ReleaseCompletenessProblems(const ReleaseConfig& config);

}  // namespace vigil
