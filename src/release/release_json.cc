#include "release/release_json.h"

#include <openssl/evp.h>

#include <algorithm>
#include <set>

#include "common/time_util.h"

namespace vigil {
namespace {

using nlohmann::json;

Status StringField(const json& body, const char* key, std::string& out, bool required) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) return Status::InvalidArgument("is required", key);
    return Status::Ok();
  }
  if (!it->is_string()) return Status::InvalidArgument("must be a string", key);
  out = it->get<std::string>();
  if (required && out.empty()) return Status::InvalidArgument("must not be empty", key);
  return Status::Ok();
}

Status ObjectField(const json& body, const char* key, std::string& out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return Status::Ok();
  if (!it->is_object()) return Status::InvalidArgument("must be an object", key);
  out = it->dump();
  return Status::Ok();
}

Status ParseTools(const json& tools, ReleaseConfig& out) {
  if (!tools.is_array()) return Status::InvalidArgument("must be a list", "tools");
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string path = "tools[" + std::to_string(i) + "]";
    const json& t = tools[i];
    ToolSpec tool;
    if (t.is_string()) {
      tool.name = t.get<std::string>();
    } else if (t.is_object()) {
      for (const auto& [k, v] : t.items()) {
        if (k != "name" && k != "permissions") {
          return Status::InvalidArgument("unknown key (allowed: name, permissions)",
                                         path + "." + k);
        }
      }
      if (!t.contains("name") || !t["name"].is_string()) {
        return Status::InvalidArgument("is required and must be a string", path + ".name");
      }
      tool.name = t["name"].get<std::string>();
      if (t.contains("permissions")) {
        const json& p = t["permissions"];
        if (!p.is_array()) return Status::InvalidArgument("must be a list", path + ".permissions");
        for (const json& perm : p) {
          if (!perm.is_string()) {
            return Status::InvalidArgument("must be a list of strings", path + ".permissions");
          }
          tool.permissions.push_back(perm.get<std::string>());
        }
      }
    } else {
      return Status::InvalidArgument("must be a tool name or {name, permissions}", path);
    }
    if (tool.name.empty()) return Status::InvalidArgument("must not be empty", path + ".name");
    out.tools.push_back(std::move(tool));
  }
  return Status::Ok();
}

Status ParseMigrations(const json& migrations, ReleaseConfig& out) {
  if (!migrations.is_array()) return Status::InvalidArgument("must be a list", "migrations");
  std::set<std::string> seen;
  for (size_t i = 0; i < migrations.size(); ++i) {
    const std::string path = "migrations[" + std::to_string(i) + "]";
    const json& m = migrations[i];
    if (!m.is_object()) return Status::InvalidArgument("must be {id, reversible}", path);
    for (const auto& [k, v] : m.items()) {
      if (k != "id" && k != "reversible") {
        return Status::InvalidArgument("unknown key (allowed: id, reversible)", path + "." + k);
      }
    }
    if (!m.contains("id") || !m["id"].is_string() || m["id"].get<std::string>().empty()) {
      return Status::InvalidArgument("is required and must be a non-empty string", path + ".id");
    }
    if (!m.contains("reversible") || !m["reversible"].is_boolean()) {
      return Status::InvalidArgument("is required and must be true or false", path + ".reversible");
    }
    MigrationRef ref{m["id"].get<std::string>(), m["reversible"].get<bool>()};
    if (!seen.insert(ref.id).second) {
      return Status::InvalidArgument("duplicate migration \"" + ref.id + "\"", path + ".id");
    }
    out.migrations.push_back(std::move(ref));
  }
  return Status::Ok();
}

}  // namespace

std::string PromptHash(const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(body.data(), body.size(), digest, &length, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

Result<ReleaseConfig> ReleaseFromJson(const json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  static const std::set<std::string> kAllowed = {
      "version", "model",          "prompt",    "prompt_body", "prompt_hash",
      "tools",   "fallback_model", "params",    "degraded",    "migrations",
      "sim",     "description",    "known_good"};
  for (const auto& [key, value] : body.items()) {
    if (!kAllowed.count(key)) {
      return Status::InvalidArgument(
          "unknown key (allowed: version, model, prompt, prompt_body, tools, fallback_model, "
          "params, degraded, migrations, sim, description, known_good)",
          key);
    }
  }
  ReleaseConfig c;
  VIGIL_RETURN_IF_ERROR(StringField(body, "version", c.version, true));
  VIGIL_RETURN_IF_ERROR(StringField(body, "model", c.model, true));
  VIGIL_RETURN_IF_ERROR(StringField(body, "prompt", c.prompt, false));
  VIGIL_RETURN_IF_ERROR(StringField(body, "prompt_body", c.prompt_body, false));
  VIGIL_RETURN_IF_ERROR(StringField(body, "fallback_model", c.fallback_model, false));
  VIGIL_RETURN_IF_ERROR(StringField(body, "description", c.description, false));
  std::string claimed_hash;
  VIGIL_RETURN_IF_ERROR(StringField(body, "prompt_hash", claimed_hash, false));
  if (c.prompt.empty() && c.prompt_body.empty()) {
    return Status::InvalidArgument("a release needs a prompt reference or a prompt_body", "prompt");
  }
  if (!c.prompt_body.empty()) {
    c.prompt_hash = PromptHash(c.prompt_body);
    if (!claimed_hash.empty() && claimed_hash != c.prompt_hash) {
      return Status::InvalidArgument("does not match the prompt_body (" + c.prompt_hash + ")",
                                     "prompt_hash");
    }
  } else {
    c.prompt_hash = claimed_hash;
  }
  if (body.contains("tools")) VIGIL_RETURN_IF_ERROR(ParseTools(body["tools"], c));
  if (body.contains("migrations")) VIGIL_RETURN_IF_ERROR(ParseMigrations(body["migrations"], c));
  VIGIL_RETURN_IF_ERROR(ObjectField(body, "params", c.params_json));
  VIGIL_RETURN_IF_ERROR(ObjectField(body, "degraded", c.degraded_json));
  VIGIL_RETURN_IF_ERROR(ObjectField(body, "sim", c.sim_json));
  if (body.contains("known_good")) {
    if (!body["known_good"].is_boolean()) {
      return Status::InvalidArgument("must be true or false", "known_good");
    }
    c.known_good = body["known_good"].get<bool>();
  }
  return c;
}

json ReleaseConfigToJson(const ReleaseConfig& c) {
  json tools = json::array();
  for (const ToolSpec& t : c.tools) {
    json tool = {{"name", t.name}};
    if (!t.permissions.empty()) tool["permissions"] = t.permissions;
    tools.push_back(std::move(tool));
  }
  json migrations = json::array();
  for (const MigrationRef& m : c.migrations) {
    migrations.push_back({{"id", m.id}, {"reversible", m.reversible}});
  }
  auto object = [](const std::string& text) {
    json parsed = json::parse(text, nullptr, false);
    return parsed.is_object() ? parsed : json::object();
  };
  json out = {{"version", c.version},
              {"model", c.model},
              {"prompt", c.prompt},
              {"tools", std::move(tools)},
              {"fallback_model", c.fallback_model},
              {"params", object(c.params_json)},
              {"degraded", object(c.degraded_json)},
              {"migrations", std::move(migrations)},
              {"sim", object(c.sim_json)},
              {"known_good", c.known_good}};
  if (!c.prompt_body.empty()) out["prompt_body"] = c.prompt_body;
  if (!c.prompt_hash.empty()) out["prompt_hash"] = c.prompt_hash;
  if (!c.description.empty()) out["description"] = c.description;
  return out;
}

}  // namespace vigil

namespace vigil {

std::string ReleaseRole(const RouteState& route, const StoredRelease& r) {
  if (route.active && route.active->config.version == r.config.version) return "active";
  if (route.canary && route.canary->config.version == r.config.version) return "canary";
  if (r.retired()) return "retired";
  if (route.last_known_good == r.config.version) return "last_known_good";
  return "available";
}

nlohmann::json StoredReleaseToJson(const StoredRelease& r, const std::string& role) {
  nlohmann::json out = ReleaseConfigToJson(r.config);
  out["use_case"] = r.use_case;
  out["seq"] = r.seq;
  out["created_at"] = FormatRfc3339(r.created_ns);
  out["created_by"] = r.created_by;
  out["retired"] = r.retired();
  if (r.retired()) {
    out["retired_at"] = FormatRfc3339(r.retired_ns);
    out["retired_by"] = r.retired_by;
  }
  if (!role.empty()) out["role"] = role;
  return out;
}

nlohmann::json FreezeToJson(const Freeze& f) {
  nlohmann::json out = {
      {"scope", f.global() ? "global" : f.scope},
      {"reason", f.reason},
      {"actor", f.actor},
      {"since", FormatRfc3339(f.since_ns)},
      {"until", f.until_ns ? nlohmann::json(FormatRfc3339(f.until_ns)) : nlohmann::json(nullptr)},
      {"message", f.Describe()}};
  if (!f.global()) out["use_case"] = f.scope;
  return out;
}

nlohmann::json RouteToJson(const RouteState& route) {
  using nlohmann::json;
  json out = {{"use_case", route.use_case},
              {"version", route.version},
              {"mode", RouteModeName(route.mode)},
              {"frozen", route.frozen()},
              {"faults",
               [&] {
                 json faults = json::array();
                 for (const Fault& f : route.faults) faults.push_back(FaultToJson(f));
                 return faults;
               }()},
              {"updated_at", FormatRfc3339(route.updated_ns)}};
  out["release"] = route.active ? StoredReleaseToJson(*route.active, "") : json(nullptr);
  out["canary"] = route.canary ? json{{"release", StoredReleaseToJson(*route.canary, "")},
                                      {"percent", route.canary_percent}}
                               : json(nullptr);
  out["freeze"] = route.freezes.empty() ? json(nullptr) : FreezeToJson(route.freezes.front());
  out["last_known_good"] =
      route.last_known_good.empty() ? json(nullptr) : json(route.last_known_good);
  if (!route.mode_reason.empty()) out["mode_reason"] = route.mode_reason;
  if (route.active) {
    const ReleaseConfig& c = route.active->config;
    json params = json::parse(c.params_json, nullptr, false);
    if (!params.is_object()) params = json::object();
    json tools = json::array();
    for (const ToolSpec& t : c.tools) tools.push_back(t.name);
    std::string model = c.model;
    if (route.mode == RouteMode::kDegraded) {
      json degraded = json::parse(c.degraded_json, nullptr, false);
      if (degraded.is_object()) {
        if (degraded.contains("tools") && degraded["tools"].is_array()) {
          json kept = json::array();
          for (const json& name : degraded["tools"]) {
            if (std::find(tools.begin(), tools.end(), name) != tools.end()) kept.push_back(name);
          }
          tools = kept;
        }
        if (degraded.value("disable_tools", false)) tools = json::array();
        for (const auto& [k, v] : degraded.items()) {
          if (k != "tools" && k != "disable_tools") params[k] = v;
        }
      }
      if (!c.fallback_model.empty()) model = c.fallback_model;
    }
    out["effective"] = {
        {"release", c.version}, {"model", model}, {"tools", tools}, {"params", params}};
  } else {
    out["effective"] = nullptr;
  }
  return out;
}

std::string CheckFaultKind(const std::string& kind) {
  static const char* kKinds[] = {"upstream_timeout", "upstream_throttle", "latency",
                                 "malformed_output", "tool_permission_denied"};
  for (const char* k : kKinds) {
    if (kind == k) return "";
  }
  return "unknown fault kind \"" + kind +
         "\" (known: upstream_timeout, upstream_throttle, latency, malformed_output, "
         "tool_permission_denied)";
}

nlohmann::json FaultToJson(const Fault& f) {
  nlohmann::json params = nlohmann::json::parse(f.params_json, nullptr, false);
  return {
      {"id", f.id},
      {"kind", f.kind},
      {"target", f.target},
      {"share", f.share},
      {"params", params.is_object() ? params : nlohmann::json::object()},
      {"actor", f.actor},
      {"created_at", FormatRfc3339(f.created_ns)},
      {"until", f.until_ns ? nlohmann::json(FormatRfc3339(f.until_ns)) : nlohmann::json(nullptr)}};
}

Result<Fault> FaultFromJson(const nlohmann::json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (key != "id" && key != "kind" && key != "target" && key != "share" && key != "params" &&
        key != "until" && key != "drill") {
      return Status::InvalidArgument(
          "unknown key (allowed: id, kind, target, share, params, until, drill)", key);
    }
  }
  Fault f;
  VIGIL_RETURN_IF_ERROR(StringField(body, "kind", f.kind, true));
  if (std::string problem = CheckFaultKind(f.kind); !problem.empty()) {
    return Status::InvalidArgument(problem, "kind");
  }
  VIGIL_RETURN_IF_ERROR(StringField(body, "target", f.target, true));
  VIGIL_RETURN_IF_ERROR(StringField(body, "id", f.id, false));
  if (body.contains("share") && !body["share"].is_null()) {
    if (!body["share"].is_number()) return Status::InvalidArgument("must be a number", "share");
    f.share = body["share"].get<double>();
    if (!(f.share > 0 && f.share <= 1)) {
      return Status::InvalidArgument("must be in (0, 1]", "share");
    }
  }
  VIGIL_RETURN_IF_ERROR(ObjectField(body, "params", f.params_json));
  return f;
}

const char* RouteModeName(RouteMode mode) {
  return mode == RouteMode::kDegraded ? "degraded" : "normal";
}

std::string Freeze::Describe() const {
  std::string out =
      global() ? "releases are frozen globally" : "releases of " + scope + " are frozen";
  out += " since " + FormatRfc3339(since_ns) + " by " + actor;
  if (!reason.empty()) out += ": " + reason;
  if (until_ns) out += " (until " + FormatRfc3339(until_ns) + ")";
  return out;
}

}  // namespace vigil
