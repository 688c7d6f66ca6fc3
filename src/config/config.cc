#include "config/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "common/text.h"
#include "config/alerting_loader.h"
#include "config/gates_loader.h"
#include "config/pending_sections.h"
#include "config/releases_loader.h"
#include "config/yaml_checker.h"

namespace vigil {
namespace {

using config_internal::YamlChecker;

bool LooksLikeListenAddress(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return false;
  std::string port = text.substr(colon + 1);
  return port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos &&
         std::stoi(port) <= 65535;
}

void LoadServer(YamlChecker& c, const YAML::Node& node, ServerConfig& out) {
  if (!c.CheckMap(node, "server", {"listen", "threads", "max_body_bytes", "otlp_listen"})) return;
  if (auto v = c.String(node, "server", "listen")) {
    if (!LooksLikeListenAddress(*v)) {
      c.Problem(node["listen"], "server.listen", "must be HOST:PORT, e.g. 127.0.0.1:7070");
    } else {
      out.listen = *v;
    }
  }
  if (auto v = c.Int(node, "server", "threads", 0, 256)) out.threads = static_cast<int>(*v);
  if (auto v = c.Int(node, "server", "max_body_bytes", 1024, 1LL << 32)) out.max_body_bytes = *v;
  if (auto v = c.String(node, "server", "otlp_listen")) out.otlp_listen = *v;
}

void LoadClickHouse(YamlChecker& c, const YAML::Node& ch, ClickHouseConfig& out) {
  const std::string path = "storage.clickhouse";
  if (!c.CheckMap(ch, path,
                  {"url", "database", "cluster", "shards", "user_env", "password_env", "timeout",
                   "dedup_window", "spool_dir", "spool_max_bytes", "retention_days",
                   "inserts_in_flight", "dedup_cache_bytes"})) {
    return;
  }
  auto http_url = [&](const YAML::Node& at, const std::string& where, const std::string& v) {
    if (v.rfind("http://", 0) != 0 || v.size() <= 7) {
      c.Problem(at, where, "must be an http:// URL of ClickHouse's HTTP interface");
      return false;
    }
    return true;
  };
  if (auto v = c.String(ch, path, "url", true)) {
    if (http_url(ch["url"], path + ".url", *v)) out.url = *v;
  }
  if (auto v = c.String(ch, path, "database")) {
    if (v->empty() || !IsIdentifierText(*v) || v->find_first_of(".:-") != std::string::npos) {
      c.Problem(ch["database"], path + ".database", "must be letters, digits and _");
    } else {
      out.database = *v;
    }
  }
  if (auto v = c.String(ch, path, "cluster")) {
    if (!IsIdentifierText(*v) || v->find_first_of(".:-") != std::string::npos) {
      c.Problem(ch["cluster"], path + ".cluster", "must be letters, digits and _");
    } else {
      out.cluster = *v;
    }
  }
  if (auto v = c.StringList(ch, path, "shards")) {
    for (const std::string& url : *v) {
      if (http_url(ch["shards"], path + ".shards", url)) out.shards.push_back(url);
    }
  }
  if (!out.cluster.empty() && out.shards.empty()) {
    c.Problem(ch, path + ".shards", "is required with a cluster: the HTTP URL of each shard");
  }
  if (out.cluster.empty() && !out.shards.empty()) {
    c.Problem(ch["shards"], path + ".shards", "needs cluster (the remote_servers name)");
  }
  if (auto v = c.String(ch, path, "user_env")) out.user_env = *v;
  if (auto v = c.String(ch, path, "password_env")) out.password_env = *v;
  if (auto v = c.Duration(ch, path, "timeout")) out.timeout_ns = *v;
  if (auto v = c.Duration(ch, path, "dedup_window")) out.dedup_window_ns = *v;
  if (auto v = c.String(ch, path, "spool_dir")) out.spool_dir = *v;
  if (auto v = c.Int(ch, path, "spool_max_bytes", 1 << 20, 1LL << 42)) out.spool_max_bytes = *v;
  if (auto v = c.Int(ch, path, "retention_days", 0, 36500)) out.retention_days = *v;
  if (auto v = c.Int(ch, path, "inserts_in_flight", 1, 64))
    out.inserts_in_flight = static_cast<int>(*v);
  if (auto v = c.Int(ch, path, "dedup_cache_bytes", 0, 1LL << 40)) out.dedup_cache_bytes = *v;
}

void LoadStorage(YamlChecker& c, const YAML::Node& node, StorageConfig& out,
                 std::vector<std::string>& notes) {
  if (!c.CheckMap(node, "storage", {"backend", "sqlite", "clickhouse"})) return;
  if (auto v = c.String(node, "storage", "backend")) {
    if (*v != "sqlite" && *v != "clickhouse") {
      c.Problem(node["backend"], "storage.backend", "must be sqlite or clickhouse");
    } else {
      out.backend = *v;
    }
  }
  YAML::Node sqlite = node["sqlite"];
  if (sqlite.IsDefined() && !sqlite.IsNull() &&
      c.CheckMap(sqlite, "storage.sqlite", {"path", "synchronous"})) {
    if (auto v = c.String(sqlite, "storage.sqlite", "path", true)) out.sqlite_path = *v;
    if (auto v = c.String(sqlite, "storage.sqlite", "synchronous")) {
      std::string lower = AsciiLower(*v);
      if (lower != "full" && lower != "normal") {
        c.Problem(sqlite["synchronous"], "storage.sqlite.synchronous", "must be full or normal");
      } else {
        out.synchronous = lower;
      }
    }
  }
  YAML::Node ch = node["clickhouse"];
  const bool has_clickhouse = ch.IsDefined() && !ch.IsNull();
  if (out.backend == "clickhouse" && !has_clickhouse) {
    c.Problem(node, "storage.clickhouse", "is required with backend clickhouse (at least url)");
  }
  if (has_clickhouse) LoadClickHouse(c, ch, out.clickhouse);
  (void)notes;
}

void LoadIngest(YamlChecker& c, const YAML::Node& node, IngestConfig& out) {
  if (!c.CheckMap(node, "ingest",
                  {"queue_max_events", "commit_max_events", "max_event_age", "max_event_future"})) {
    return;
  }
  if (auto v = c.Int(node, "ingest", "queue_max_events", 1, 100'000'000)) {
    out.queue_max_events = *v;
  }
  if (auto v = c.Int(node, "ingest", "commit_max_events", 1, 1'000'000)) {
    out.commit_max_events = *v;
  }
  if (auto v = c.Duration(node, "ingest", "max_event_age")) out.max_event_age_ns = *v;
  if (auto v = c.Duration(node, "ingest", "max_event_future")) out.max_event_future_ns = *v;
}

void LoadAuth(YamlChecker& c, const YAML::Node& node, std::vector<TokenConfig>& out) {
  if (!c.CheckMap(node, "auth", {"tokens"})) return;
  std::set<std::string> names;
  c.ForEach(node, "auth", "tokens", [&](const YAML::Node& t, const std::string& path) {
    if (!c.CheckMap(t, path, {"name", "token_env", "token_sha256", "roles", "tenants"})) return;
    TokenConfig token;
    if (auto v = c.String(t, path, "name", true)) {
      token.name = *v;
      if (!names.insert(*v).second) c.Problem(t["name"], path + ".name", "duplicate token name");
    }
    auto env = c.String(t, path, "token_env");
    auto sha = c.String(t, path, "token_sha256");
    if (env.has_value() == sha.has_value()) {
      c.Problem(t, path, "set exactly one of token_env or token_sha256");
    }
    if (env) token.token_env = *env;
    if (sha) {
      std::string lower = AsciiLower(*sha);
      bool hex =
          lower.size() == 64 && lower.find_first_not_of("0123456789abcdef") == std::string::npos;
      if (!hex) {
        c.Problem(t["token_sha256"], path + ".token_sha256", "must be 64 hex digits (SHA-256)");
      }
      token.token_sha256 = lower;
    }
    if (auto roles = c.StringList(t, path, "roles", {"ingest", "read", "operate", "admin"})) {
      if (roles->empty()) c.Problem(t["roles"], path + ".roles", "must list at least one role");
      for (const std::string& r : *roles) {
        if (r == "ingest") token.roles |= static_cast<uint8_t>(Role::kIngest);
        if (r == "read") token.roles |= static_cast<uint8_t>(Role::kRead);
        if (r == "operate") token.roles |= static_cast<uint8_t>(Role::kOperate);
        if (r == "admin") token.roles |= static_cast<uint8_t>(Role::kAdmin);
      }
    } else if (!t["roles"].IsDefined()) {
      c.Problem(t, path + ".roles", "required");
    }
    YAML::Node tenants = t["tenants"];
    if (!tenants.IsDefined()) {
      c.Problem(t, path + ".tenants", "required: a list of tenants or \"*\"");
    } else if (tenants.IsScalar() && tenants.Scalar() == "*") {
      token.all_tenants = true;
    } else if (auto list = c.StringList(t, path, "tenants")) {
      if (list->empty()) c.Problem(tenants, path + ".tenants", "must name at least one tenant");
      for (const std::string& name : *list) {
        if (name == "*") {
          token.all_tenants = true;
        } else {
          token.tenants.push_back(name);
        }
      }
    }
    out.push_back(std::move(token));
  });
}

void LoadUseCases(YamlChecker& c, const YAML::Node& node, std::vector<UseCaseConfig>& out) {
  std::set<std::string> names;
  if (!c.CheckSequence(node, "use_cases")) return;
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node u = node[i];
    const std::string path = "use_cases[" + std::to_string(i) + "]";
    if (!c.CheckMap(u, path, {"name", "critical_path", "description", "releases"})) continue;
    UseCaseConfig uc;
    if (auto v = c.String(u, path, "name", true)) {
      uc.name = *v;
      if (!HasNoControlChars(*v)) c.Problem(u["name"], path + ".name", "must be printable");
      if (!names.insert(*v).second) c.Problem(u["name"], path + ".name", "duplicate use case");
    }
    c.String(u, path, "description");
    if (auto v = c.Bool(u, path, "critical_path")) uc.critical_path = *v;
    if (u["releases"].IsDefined()) config_internal::LoadReleases(c, u, path, uc);
    out.push_back(std::move(uc));
  }
}

void LoadPricing(YamlChecker& c, const YAML::Node& node, std::map<std::string, ModelPrice>& out) {
  if (!node.IsMap()) {
    c.Problem(node, "pricing", "must be a mapping of model name to prices");
    return;
  }
  for (const auto& kv : node) {
    std::string model = kv.first.Scalar();
    std::string path = "pricing." + model;
    if (!c.CheckMap(kv.second, path,
                    {"input_per_mtok", "output_per_mtok", "cached_input_per_mtok"})) {
      continue;
    }
    ModelPrice price;
    for (const char* key : {"input_per_mtok", "output_per_mtok"}) {
      if (!kv.second[key]) c.Problem(kv.second, path + "." + key, "is required");
    }
    if (auto v = c.Number(kv.second, path, "input_per_mtok", 0)) price.input_per_mtok = *v;
    if (auto v = c.Number(kv.second, path, "output_per_mtok", 0)) price.output_per_mtok = *v;
    if (auto v = c.Number(kv.second, path, "cached_input_per_mtok", 0)) {
      price.cached_input_per_mtok = *v;
    }
    out[model] = price;
  }
}

void LoadSloTargets(YamlChecker& c, const YAML::Node& node, SloTargets& out) {
  if (!c.CheckMap(node, "slo_targets",
                  {"switchback", "core_path_recovery", "incident_update", "detection"})) {
    return;
  }
  if (auto v = c.Duration(node, "slo_targets", "switchback")) out.switchback_ns = *v;
  if (auto v = c.Duration(node, "slo_targets", "core_path_recovery")) {
    out.core_path_recovery_ns = *v;
  }
  if (auto v = c.Duration(node, "slo_targets", "incident_update")) out.incident_update_ns = *v;
  if (auto v = c.Duration(node, "slo_targets", "detection")) out.detection_ns = *v;
}

LoadedConfig LoadFromNode(const YAML::Node& root) {
  LoadedConfig loaded;
  YamlChecker c;
  Config& cfg = loaded.config;
  if (root.IsNull() || !root.IsDefined()) {
    c.Problem(root, "", "the file is empty");
    loaded.problems = c.TakeProblems();
    return loaded;
  }
  if (c.CheckMap(root, "",
                 {"server", "storage", "auth", "ingest", "slo_targets", "use_cases", "alerting",
                  "pricing", "redaction", "gates", "runbook", "release_control", "simulator"})) {
    for (const auto& kv : root) {
      const std::string key = kv.first.Scalar();
      const YAML::Node& value = kv.second;
      if (value.IsNull()) continue;
      if (key == "server") LoadServer(c, value, cfg.server);
      if (key == "storage") LoadStorage(c, value, cfg.storage, cfg.notes);
      if (key == "ingest") LoadIngest(c, value, cfg.ingest);
      if (key == "auth") LoadAuth(c, value, cfg.tokens);
      if (key == "use_cases") LoadUseCases(c, value, cfg.use_cases);
      if (key == "pricing") LoadPricing(c, value, cfg.pricing);
      if (key == "slo_targets") LoadSloTargets(c, value, cfg.slo_targets);
      if (key == "simulator") config_internal::LoadSimulator(c, value, cfg.simulator);
      if (key == "release_control") {
        config_internal::LoadReleaseControl(c, value, cfg.release_control);
      }
      if (key == "alerting") config_internal::LoadAlerting(c, value, cfg.alerting, cfg.notes);
      if (key == "redaction") config_internal::LoadRedaction(c, value, cfg.redaction);
      if (key == "gates") config_internal::LoadGates(c, value, cfg.gates);
      if (key == "runbook") config_internal::LoadRunbook(c, value, cfg.runbook);
    }
  }
  loaded.problems = c.TakeProblems();
  return loaded;
}

}  // namespace

std::string ConfigProblem::ToString() const {
  std::string out;
  if (line > 0) out += "line " + std::to_string(line) + ": ";
  return out + path + ": " + message;
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kIngest:
      return "ingest";
    case Role::kRead:
      return "read";
    case Role::kOperate:
      return "operate";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

LoadedConfig LoadConfigFromString(const std::string& yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    LoadedConfig bad;
    bad.problems.push_back({"(syntax)", e.mark.line + 1, e.msg});
    return bad;
  }
  try {
    return LoadFromNode(root);
  } catch (const YAML::Exception& e) {
    LoadedConfig bad;
    bad.problems.push_back({"(structure)", e.mark.line + 1, e.msg});
    return bad;
  }
}

LoadedConfig LoadConfigFromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadedConfig bad;
    bad.problems.push_back({path, 0, "cannot open the file"});
    return bad;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return LoadConfigFromString(buffer.str());
}

}  // namespace vigil
