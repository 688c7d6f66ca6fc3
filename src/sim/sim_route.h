#pragma once
// SimRoute: the parts of a route document (GET /v1/routes/{use_case}) the simulator acts on —
// which release serves a request, with which model and tools, and which drill faults apply.

#include <optional>
#include <string>
#include <vector>

namespace vigil {

struct SimRelease {
  std::string version;
  std::string model;
  std::string fallback_model;
  std::vector<std::string> tools;
  double malformed_output_rate = 0;  // release.sim defects
  double tool_error_rate = 0;
  double extra_latency_ms = 0;
};

struct SimFault {
  std::string id;
  std::string kind;  // upstream_timeout | upstream_throttle | latency | malformed_output |
                     // tool_permission_denied
  std::string target;
  double share = 1;
  std::string release;    // tool_permission_denied: only calls made by this release
  double latency_ms = 0;  // latency: added per call
};

struct SimRoute {
  std::string use_case;
  int64_t version = 0;
  SimRelease active;
  std::optional<SimRelease> canary;
  int canary_percent = 0;
  bool degraded = false;
  std::string degraded_model;               // effective model in degraded mode
  std::vector<std::string> degraded_tools;  // effective tools in degraded mode
  std::vector<SimFault> faults;
};

// Nullopt when the document has no active release.
std::optional<SimRoute> ParseSimRoute(const std::string& route_json);

}  // namespace vigil
