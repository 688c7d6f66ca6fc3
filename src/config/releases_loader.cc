#include "config/releases_loader.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

namespace vigil::config_internal {
namespace {

using nlohmann::json;

json ScalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text == "true") return true;
  if (text == "false") return false;
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  char* end = nullptr;
  long long as_int = std::strtoll(text.c_str(), &end, 10);
  if (end && *end == '\0') return as_int;
  double as_double = std::strtod(text.c_str(), &end);
  if (end && *end == '\0' && std::isfinite(as_double)) return as_double;
  return text;
}

json NodeToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    json out = json::object();
    for (const auto& kv : node) out[kv.first.Scalar()] = NodeToJson(kv.second);
    return out;
  }
  if (node.IsSequence()) {
    json out = json::array();
    for (const auto& item : node) out.push_back(NodeToJson(item));
    return out;
  }
  if (node.IsScalar()) return ScalarToJson(node);
  return nullptr;
}

void LoadTools(YamlChecker& c, const YAML::Node& r, const std::string& rp, ReleaseConfig& out) {
  c.ForEach(r, rp, "tools", [&](const YAML::Node& t, const std::string& tp) {
    ToolSpec tool;
    if (t.IsScalar()) {
      tool.name = t.Scalar();
    } else if (c.CheckMap(t, tp, {"name", "permissions"})) {
      if (auto v = c.String(t, tp, "name", true)) tool.name = *v;
      if (auto v = c.StringList(t, tp, "permissions")) tool.permissions = *v;
    } else {
      return;
    }
    if (tool.name.empty()) c.Problem(t, tp, "a tool needs a name");
    out.tools.push_back(std::move(tool));
  });
}

void LoadMigrations(YamlChecker& c, const YAML::Node& r, const std::string& rp,
                    ReleaseConfig& out) {
  c.ForEach(r, rp, "migrations", [&](const YAML::Node& m, const std::string& mp) {
    if (!c.CheckMap(m, mp, {"id", "reversible"})) return;
    MigrationRef ref;
    if (auto v = c.String(m, mp, "id", true)) ref.id = *v;
    if (auto v = c.Bool(m, mp, "reversible")) {
      ref.reversible = *v;
    } else if (!m["reversible"].IsDefined()) {
      c.Problem(m, mp, "say whether the migration is reversible (reversible: true|false)");
    }
    out.migrations.push_back(std::move(ref));
  });
}

}  // namespace

void LoadSimulator(YamlChecker& c, const YAML::Node& node, SimulatorConfig& out) {
  const std::string p = "simulator";
  if (!c.CheckMap(node, p,
                  {"seed", "tenants", "rates", "default_rate", "models", "errors", "business",
                   "timeout", "max_retries", "tool_latency_ms"})) {
    return;
  }
  if (auto v = c.Int(node, p, "seed", 0, INT64_MAX)) out.seed = static_cast<uint64_t>(*v);
  if (auto v = c.StringList(node, p, "tenants")) out.tenants = *v;
  if (auto v = c.Number(node, p, "default_rate", 0)) out.default_rate = *v;
  if (auto v = c.Duration(node, p, "timeout")) out.timeout_ns = *v;
  if (auto v = c.Int(node, p, "max_retries", 0, 10)) out.max_retries = static_cast<int>(*v);
  if (auto v = c.Number(node, p, "tool_latency_ms", 0)) out.tool_latency_ms = *v;
  if (const YAML::Node rates = node["rates"]; rates.IsDefined()) {
    if (!rates.IsMap()) {
      c.Problem(rates, p + ".rates", "must map use case names to requests per second");
    } else {
      for (const auto& kv : rates) {
        const std::string uc = kv.first.Scalar();
        if (auto v = c.Number(rates, p + ".rates", uc.c_str(), 0)) out.rates[uc] = *v;
      }
    }
  }
  if (const YAML::Node models = node["models"]; models.IsDefined()) {
    if (!models.IsMap()) {
      c.Problem(models, p + ".models", "must map model names to latency profiles");
    } else {
      for (const auto& kv : models) {
        const std::string model = kv.first.Scalar();
        const std::string mp = p + ".models." + model;
        if (!c.CheckMap(kv.second, mp, {"latency_ms", "sigma", "tokens_in", "tokens_out"})) {
          continue;
        }
        SimModelProfile profile;
        if (auto v = c.Number(kv.second, mp, "latency_ms", 0)) profile.latency_ms = *v;
        if (auto v = c.Number(kv.second, mp, "sigma", 0)) profile.sigma = *v;
        if (auto v = c.Int(kv.second, mp, "tokens_in", 0, 10'000'000)) profile.tokens_in = *v;
        if (auto v = c.Int(kv.second, mp, "tokens_out", 0, 10'000'000)) profile.tokens_out = *v;
        out.models[model] = profile;
      }
    }
  }
  auto rate = [&](const YAML::Node& map, const std::string& mp, const char* key, double& field) {
    if (auto v = c.Number(map, mp, key, 0)) {
      if (*v > 1) {
        c.Problem(map[key], mp + "." + key, "is a probability: must be between 0 and 1");
      } else {
        field = *v;
      }
    }
  };
  if (const YAML::Node errors = node["errors"]; errors.IsDefined()) {
    if (c.CheckMap(errors, p + ".errors", {"inference", "tool", "refusal"})) {
      rate(errors, p + ".errors", "inference", out.inference_error_rate);
      rate(errors, p + ".errors", "tool", out.tool_error_rate);
      rate(errors, p + ".errors", "refusal", out.refusal_rate);
    }
  }
  if (const YAML::Node business = node["business"]; business.IsDefined()) {
    if (c.CheckMap(business, p + ".business", {"conversion", "handoff_to_human", "complaint"})) {
      rate(business, p + ".business", "conversion", out.conversion_rate);
      rate(business, p + ".business", "handoff_to_human", out.handoff_rate);
      rate(business, p + ".business", "complaint", out.complaint_rate);
    }
  }
}

}  // namespace vigil::config_internal

namespace vigil {

Result<std::string> YamlDocumentToJson(const std::string& yaml_text) {
  try {
    return config_internal::NodeToJsonText(YAML::Load(yaml_text));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("not valid JSON or YAML: ") + e.what());
  }
}

}  // namespace vigil

namespace vigil::config_internal {

std::string NodeToJsonText(const YAML::Node& node) { return NodeToJson(node).dump(); }

std::string YamlMapToJson(YamlChecker& c, const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) {
    c.Problem(node, path, "must be a mapping");
    return "{}";
  }
  return NodeToJson(node).dump();
}

void LoadReleases(YamlChecker& c, const YAML::Node& use_case, const std::string& path,
                  UseCaseConfig& uc) {
  std::set<std::string> versions;
  std::vector<std::string> active;
  c.ForEach(use_case, path, "releases", [&](const YAML::Node& r, const std::string& rp) {
    if (!c.CheckMap(
            r, rp,
            {"version", "model", "prompt", "prompt_body", "tools", "fallback_model", "params",
             "degraded", "migrations", "known_good", "active", "sim", "description"})) {
      return;
    }
    ReleaseConfig rel;
    if (auto v = c.String(r, rp, "version", true)) {
      rel.version = *v;
      if (!versions.insert(*v).second) {
        c.Problem(r["version"], rp + ".version", "duplicate version \"" + *v + "\"");
      }
    }
    if (auto v = c.String(r, rp, "model", true)) rel.model = *v;
    if (auto v = c.String(r, rp, "prompt")) rel.prompt = *v;
    if (auto v = c.String(r, rp, "prompt_body")) rel.prompt_body = *v;
    if (rel.prompt.empty() && rel.prompt_body.empty()) {
      c.Problem(r, rp, "a release needs a prompt reference (prompt) or a body (prompt_body)");
    }
    if (auto v = c.String(r, rp, "fallback_model")) rel.fallback_model = *v;
    if (auto v = c.String(r, rp, "description")) rel.description = *v;
    if (auto v = c.Bool(r, rp, "known_good")) rel.known_good = *v;
    LoadTools(c, r, rp, rel);
    LoadMigrations(c, r, rp, rel);
    if (r["params"].IsDefined()) rel.params_json = YamlMapToJson(c, r["params"], rp + ".params");
    if (r["degraded"].IsDefined()) {
      rel.degraded_json = YamlMapToJson(c, r["degraded"], rp + ".degraded");
    }
    if (r["sim"].IsDefined()) rel.sim_json = YamlMapToJson(c, r["sim"], rp + ".sim");
    if (auto v = c.Bool(r, rp, "active"); v && *v) {
      active.push_back(rel.version);
      if (rel.known_good) {
        c.Problem(r["known_good"], rp + ".known_good",
                  "the active release cannot also be the declared known-good fallback");
      }
    }
    uc.releases.push_back(std::move(rel));
  });
  if (uc.releases.empty()) return;
  if (active.size() > 1) {
    c.Problem(use_case["releases"], path + ".releases",
              "more than one release has active: true (" + active[0] + ", " + active[1] + ")");
  } else if (active.empty()) {
    c.Problem(use_case["releases"], path + ".releases", "one release must have active: true");
  } else {
    uc.active_version = active[0];
  }
}

void LoadReleaseControl(YamlChecker& c, const YAML::Node& node, ReleaseControlConfig& out) {
  if (!c.CheckMap(node, "release_control", {"soak", "roles"})) return;
  if (auto v = c.Duration(node, "release_control", "soak")) out.soak_ns = *v;
  const YAML::Node roles = node["roles"];
  if (!roles.IsDefined()) return;
  if (!c.CheckMap(roles, "release_control.roles",
                  {"create", "promote", "retire", "rollback", "freeze", "mode", "fault"})) {
    return;
  }
  for (const auto& kv : roles) {
    const std::string act = kv.first.Scalar();
    const std::string rp = "release_control.roles." + act;
    auto v = c.String(roles, "release_control.roles", act.c_str());
    if (!v) continue;
    if (*v != "read" && *v != "operate" && *v != "admin") {
      c.Problem(kv.second, rp, "must be one of read, operate, admin");
      continue;
    }
    out.roles[act] = *v;
  }
}

}  // namespace vigil::config_internal
