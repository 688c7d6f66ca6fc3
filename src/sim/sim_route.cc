#include "sim/sim_route.h"

#include <nlohmann/json.hpp>

namespace vigil {
namespace {

using nlohmann::json;

SimRelease ParseRelease(const json& r) {
  SimRelease out;
  out.version = r.value("version", "");
  out.model = r.value("model", "");
  out.fallback_model = r.value("fallback_model", "");
  if (r.contains("tools") && r["tools"].is_array()) {
    for (const json& t : r["tools"]) {
      if (t.is_object()) out.tools.push_back(t.value("name", ""));
      if (t.is_string()) out.tools.push_back(t.get<std::string>());
    }
  }
  if (r.contains("sim") && r["sim"].is_object()) {
    const json& sim = r["sim"];
    out.malformed_output_rate = sim.value("malformed_output_rate", 0.0);
    out.tool_error_rate = sim.value("tool_error_rate", 0.0);
    out.extra_latency_ms = sim.value("extra_latency_ms", 0.0);
  }
  return out;
}

}  // namespace

std::optional<SimRoute> ParseSimRoute(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("release") || !doc["release"].is_object()) {
    return std::nullopt;
  }
  SimRoute route;
  route.use_case = doc.value("use_case", "");
  route.version = doc.value("version", int64_t{0});
  route.active = ParseRelease(doc["release"]);
  if (doc.contains("canary") && doc["canary"].is_object() && doc["canary"].contains("release") &&
      doc["canary"]["release"].is_object()) {
    route.canary = ParseRelease(doc["canary"]["release"]);
    route.canary_percent = doc["canary"].value("percent", 0);
  }
  route.degraded = doc.value("mode", "normal") == "degraded";
  if (doc.contains("effective") && doc["effective"].is_object()) {
    const json& e = doc["effective"];
    route.degraded_model = e.value("model", route.active.model);
    if (e.contains("tools") && e["tools"].is_array()) {
      for (const json& t : e["tools"]) {
        if (t.is_string()) route.degraded_tools.push_back(t.get<std::string>());
      }
    }
  }
  if (doc.contains("faults") && doc["faults"].is_array()) {
    for (const json& f : doc["faults"]) {
      SimFault fault;
      fault.id = f.value("id", "");
      fault.kind = f.value("kind", "");
      fault.target = f.value("target", "");
      fault.share = f.value("share", 1.0);
      if (f.contains("params") && f["params"].is_object()) {
        fault.release = f["params"].value("release", "");
        fault.latency_ms = f["params"].value("latency_ms", 0.0);
      }
      route.faults.push_back(std::move(fault));
    }
  }
  return route;
}

}  // namespace vigil
