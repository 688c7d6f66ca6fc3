#pragma once
// JSON forms of releases (docs/releases.md): parsing a release a person or CI posts, and
// rendering stored releases. Internal JSON (nlohmann) stays inside src/release/ and the server.
//
// Contract: ReleaseFromJson never throws; a bad body yields InvalidArgument naming the field
// ("tools[1].name"). Unknown keys are refused, as in the YAML config, so a typo never silently
// drops a setting.

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "model/release_config.h"
#include "release/release_types.h"

namespace vigil {

Result<ReleaseConfig> ReleaseFromJson(const nlohmann::json& body);
// The config alone (what a service needs), params/degraded/sim as objects.
nlohmann::json ReleaseConfigToJson(const ReleaseConfig& config);

// A stored release with its history fields and its role in the route ("active", "canary",
// "last_known_good", "retired" or "available").
nlohmann::json StoredReleaseToJson(const StoredRelease& release, const std::string& role);
nlohmann::json FreezeToJson(const Freeze& freeze);
nlohmann::json FaultToJson(const Fault& fault);
// Parses {id?, kind, target, share?, params?}; `until` and the actor are the caller's.
Result<Fault> FaultFromJson(const nlohmann::json& body);
// The document services read: {use_case, version, release, canary, mode, frozen, freeze,
// effective, last_known_good, faults, updated_at}. `effective` is what to serve with now: in
// degraded mode the fallback model, params merged with the release's `degraded` params, and
// the tools it keeps (`degraded.tools` names them; `degraded.disable_tools: true` drops all).
nlohmann::json RouteToJson(const RouteState& route);
// The role of `version` in `route` (see StoredReleaseToJson).
std::string ReleaseRole(const RouteState& route, const StoredRelease& release);

// "sha256:<hex>" of a prompt body.
std::string PromptHash(const std::string& body);

}  // namespace vigil
