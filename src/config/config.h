#pragma once
// Config: the typed form of vigil.yaml (docs/config.md), and its loader.
//
// Contract: LoadConfig* never throws. Every problem found is returned as a ConfigProblem naming
// the YAML path ("alerting.rules[2].tier") and line; a config with problems is not usable.
// Unknown keys are errors.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/alerting_config.h"
#include "model/release_config.h"

namespace vigil {

struct ConfigProblem {
  std::string path;  // YAML path, e.g. "auth.tokens[0].roles[1]"
  int line = 0;      // 1-based; 0 when unknown
  std::string message;
  std::string ToString() const;
};

enum class Role : uint8_t { kIngest = 1, kRead = 2, kOperate = 4, kAdmin = 8 };

struct TokenConfig {
  std::string name;
  std::string token_env;     // one of token_env / token_sha256
  std::string token_sha256;  // lower-case hex
  uint8_t roles = 0;         // bit set of Role
  bool all_tenants = false;  // tenants: "*"
  std::vector<std::string> tenants;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:7070";
  int threads = 0;                              // 0: one per core
  int64_t max_body_bytes = 16LL * 1024 * 1024;  // request body, after decompression too
  std::string otlp_listen;                      // optional OTLP/HTTP listener (docs/otlp.md)
};

// The scale-out event store (docs/clickhouse.md). Control-plane state stays in SQLite.
struct ClickHouseConfig {
  std::string url;  // HTTP interface, e.g. http://127.0.0.1:8123
  std::string database = "vigil";
  std::string cluster;              // a remote_servers name; empty: single node
  std::vector<std::string> shards;  // with a cluster: each shard's HTTP URL, in shard order
  std::string user_env;             // environment variables holding the credentials
  std::string password_env;
  int64_t timeout_ns = 10LL * 1'000'000'000;
  int64_t dedup_window_ns = 3600LL * 1'000'000'000;
  std::string spool_dir = "spool";  // resolved against the data directory
  int64_t spool_max_bytes = 1LL << 30;
  int64_t retention_days = 0;               // 0: keep everything
  int inserts_in_flight = 4;                // concurrent INSERTs a large group is cut into
  int64_t dedup_cache_bytes = 512LL << 20;  // identities known in process; 0: always ask
};

struct StorageConfig {
  std::string backend = "sqlite";        // sqlite | clickhouse (events only)
  std::string sqlite_path = "vigil.db";  // resolved against the data directory
  std::string synchronous = "full";      // full | normal
  ClickHouseConfig clickhouse;
};

struct IngestConfig {
  int64_t queue_max_events = 200'000;  // events accepted but not yet committed; 429 beyond
  int64_t commit_max_events = 20'000;  // group-commit transaction size cap
  int64_t max_event_age_ns = 7LL * 86400 * 1'000'000'000;
  int64_t max_event_future_ns = 5LL * 60 * 1'000'000'000;
};

struct UseCaseConfig {
  std::string name;
  bool critical_path = false;
  // Bootstrap releases (applied on the first start only; the store wins afterwards).
  std::vector<ReleaseConfig> releases;
  std::string active_version;  // the release declared `active: true`
};

// release_control: how long a release must stay active without a P1/P2 firing to become a
// last-known-good candidate, and which role each act needs.
struct ReleaseControlConfig {
  int64_t soak_ns = 30LL * 60 * 1'000'000'000;
  // act (create | promote | retire | rollback | freeze | mode | fault) → role
  // (read | operate | admin)
  std::map<std::string, std::string> roles = {
      {"create", "admin"},   {"promote", "admin"}, {"retire", "admin"}, {"rollback", "operate"},
      {"freeze", "operate"}, {"mode", "operate"},  {"fault", "operate"}};
};

// pricing: USD per million tokens of one model. Cached input tokens (attrs.cached_tokens_in)
// cost `cached_input_per_mtok` when given, else the input price.
struct ModelPrice {
  double input_per_mtok = 0;
  double output_per_mtok = 0;
  double cached_input_per_mtok = -1;  // < 0: not given
};

// Targets the incident clocks are measured against (slo_targets).
struct SloTargets {
  int64_t switchback_ns = 5LL * 60 * 1'000'000'000;
  int64_t core_path_recovery_ns = 15LL * 60 * 1'000'000'000;
  int64_t incident_update_ns = 30LL * 60 * 1'000'000'000;
  int64_t detection_ns = 60LL * 1'000'000'000;
};

// simulator: the traffic `vigil sim` generates (docs/simulator.md). Everything has a default,
// so the section is optional.
struct SimModelProfile {
  double latency_ms = 1000;  // median of a log-normal
  double sigma = 0.45;       // log-normal shape
  int64_t tokens_in = 800;   // mean per call
  int64_t tokens_out = 250;
};

struct SimulatorConfig {
  uint64_t seed = 42;
  std::vector<std::string> tenants;               // empty: the token's own tenant
  std::map<std::string, double> rates;            // use case → requests/s
  double default_rate = 5;                        // use cases without an entry
  std::map<std::string, SimModelProfile> models;  // unknown models get the default profile
  double inference_error_rate = 0.01;             // per call attempt (upstream_5xx)
  double tool_error_rate = 0.01;                  // per tool call (tool_error)
  double refusal_rate = 0.005;
  double conversion_rate = 0.3;               // per successful task
  double handoff_rate = 0.04;                 // per task (×5 after a failure)
  double complaint_rate = 0.01;               // per task (×8 after a failure)
  int64_t timeout_ns = 10LL * 1'000'000'000;  // the client's call timeout
  int max_retries = 2;                        // retries after a failed model call
  double tool_latency_ms = 120;               // median tool call latency
};

// runbook: per tier, the ordered steps an incident of that tier follows. A step with an
// `action` (an action-map action such as rollback) checks itself when that action succeeds.
struct RunbookStep {
  std::string role;  // incident_commander | oncall | comms | owner
  std::string text;
  std::string action;  // optional automation reference
};
using RunbookConfig = std::map<std::string, std::vector<RunbookStep>>;  // "P1" → steps

// gates: the checks a release must pass before promotion (docs/gates.md). One spec per check;
// only the fields of its kind are meaningful.
struct GateCheckSpec {
  std::string name;          // no_active_freeze | rollback_target_valid | drill_passed_within |
                             // postmortem_actions_overdue | eval_pass_rate | no_open_incident |
                             // canary_healthy
  int64_t within_ns = 0;     // drill_passed_within
  int64_t max_overdue = 0;   // postmortem_actions_overdue
  std::string suite;         // eval_pass_rate
  double min_pass_rate = 0;  // eval_pass_rate
  double max_error_rate_ratio = 0;  // canary_healthy
  int64_t min_samples = 0;          // canary_healthy
  // "eval_pass_rate:SUITE" for eval checks, else the name: one check per key in a template.
  std::string Key() const;
  // "drill_passed_within: 14d", "eval_pass_rate: {suite: s, min: 0.95}".
  std::string Describe() const;
  // True when `other` (same key) asks at least as much as this one.
  bool AtLeastAsStrictAs(const GateCheckSpec& other) const;
};

struct GatesConfig {
  bool configured = false;             // a `gates` section exists
  std::vector<GateCheckSpec> release;  // the base template: every release of every use case
  std::map<std::string, std::vector<GateCheckSpec>> use_cases;  // additions per use case
  // The effective template for a use case: the base, with a use case's stricter versions of
  // the same checks in their place, then its additional checks.
  std::vector<GateCheckSpec> ForUseCase(const std::string& use_case) const;
};

// redaction: detectors run over free-text fields at ingest, before anything is stored
// (docs/redaction.md).
struct RedactionPattern {
  std::string name;
  std::string regex;  // RE2 syntax
};
struct RedactionConfig {
  bool configured = false;
  std::vector<std::string> detectors;  // email | payment_card | api_key | phone | iban | ip_address
  std::vector<RedactionPattern> patterns;
};

struct Config {
  ServerConfig server;
  StorageConfig storage;
  IngestConfig ingest;
  std::vector<TokenConfig> tokens;
  std::vector<UseCaseConfig> use_cases;
  std::map<std::string, ModelPrice> pricing;
  AlertingConfig alerting;
  SloTargets slo_targets;
  ReleaseControlConfig release_control;
  SimulatorConfig simulator;
  RunbookConfig runbook;
  GatesConfig gates;
  RedactionConfig redaction;
  std::vector<std::string> notes;  // informational lines for the log (inactive sections, …)
};

struct LoadedConfig {
  Config config;
  std::vector<ConfigProblem> problems;
  bool ok() const { return problems.empty(); }
};

LoadedConfig LoadConfigFromString(const std::string& yaml_text);
LoadedConfig LoadConfigFromFile(const std::string& path);

// Converts a YAML document to JSON text (scalars typed as in the config: true/false, numbers,
// null, else strings); for release files given to `vigil release create`.
Result<std::string> YamlDocumentToJson(const std::string& yaml_text);

// Names of roles, for messages and docs: "ingest", "read", "operate", "admin".
const char* RoleName(Role role);

}  // namespace vigil
