#include "config/config.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace vigil {
namespace {

bool HasProblem(const LoadedConfig& c, const std::string& path, const std::string& needle = "") {
  return std::any_of(c.problems.begin(), c.problems.end(), [&](const ConfigProblem& p) {
    return p.path == path && p.message.find(needle) != std::string::npos;
  });
}

std::string AllProblems(const LoadedConfig& c) {
  std::string out;
  for (const auto& p : c.problems) out += p.ToString() + "\n";
  return out;
}

TEST(ConfigTest, ExampleConfigIsValid) {
  LoadedConfig c = LoadConfigFromFile(VIGIL_SOURCE_DIR "/examples/vigil.yaml");
  ASSERT_TRUE(c.ok()) << AllProblems(c);
  EXPECT_EQ(c.config.server.listen, "127.0.0.1:7070");
  EXPECT_EQ(c.config.storage.backend, "sqlite");
  ASSERT_EQ(c.config.tokens.size(), 4u);
  EXPECT_TRUE(c.config.tokens[0].all_tenants);
  EXPECT_EQ(c.config.tokens[3].tenants, std::vector<std::string>{"acme"});
  EXPECT_EQ(c.config.tokens[3].roles,
            static_cast<uint8_t>(Role::kIngest) | static_cast<uint8_t>(Role::kRead));
  ASSERT_EQ(c.config.use_cases.size(), 2u);
  EXPECT_TRUE(c.config.use_cases[0].critical_path);
  EXPECT_DOUBLE_EQ(c.config.pricing["m-large"].output_per_mtok, 15.0);
  EXPECT_TRUE(c.config.redaction.configured);
  ASSERT_EQ(c.config.redaction.patterns.size(), 1u);
  EXPECT_EQ(c.config.redaction.patterns[0].name, "order_secret");
  // The seed's default rules ship in the example.
  EXPECT_GE(c.config.alerting.rules.size(), 10u);
  EXPECT_EQ(c.config.alerting.channels.count("oncall"), 1u);
  EXPECT_EQ(c.config.alerting.evaluation_interval_ns, 250'000'000);
  EXPECT_EQ(c.config.slo_targets.switchback_ns, 300'000'000'000);
  // Each use case declares a known-good v1 and an active v2, so rollback works at once.
  for (const UseCaseConfig& uc : c.config.use_cases) {
    ASSERT_GE(uc.releases.size(), 2u) << uc.name;
    EXPECT_TRUE(uc.releases[0].known_good) << uc.name;
    EXPECT_EQ(uc.active_version, "v2") << uc.name;
  }
}

TEST(ConfigTest, RunbooksAreTyped) {
  LoadedConfig c = LoadConfigFromString(R"(
runbook:
  P1:
    - { role: oncall, step: "Roll back", action: rollback }
    - { role: incident_commander, step: "Confirm" }
  P2:
    - { role: janitor, step: "Mop", action: sweep }
)");
  EXPECT_TRUE(HasProblem(c, "runbook.P2[0].role", "incident_commander")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "runbook.P2[0].action", "action-map action"));
  ASSERT_EQ(c.config.runbook["P1"].size(), 2u);
  EXPECT_EQ(c.config.runbook["P1"][0].action, "rollback");
  EXPECT_EQ(c.config.runbook["P1"][1].text, "Confirm");
}

TEST(ConfigTest, ReleasesAreCheckedAndTyped) {
  LoadedConfig c = LoadConfigFromString(R"(
use_cases:
  - name: a
    releases:
      - { version: v1, model: m, prompt: p@1, active: true, params: { temperature: 0.2, flags: [x] },
          tools: [lookup, { name: refund, permissions: [refunds:write] }] }
      - { version: v2, model: m, prompt: p@2, migrations: [ { id: split, reversible: false } ] }
  - name: b
    releases:
      - { version: v1, model: m, prompt: p, active: true }
      - { version: v1, model: m, active: true, migrations: [ { id: x } ], colour: red }
release_control: { soak: 10m, roles: { promote: operate, rollback: root } }
)");
  EXPECT_TRUE(HasProblem(c, "use_cases[1].releases[1].version", "duplicate version"))
      << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "use_cases[1].releases", "more than one release has active"));
  EXPECT_TRUE(HasProblem(c, "use_cases[1].releases[1].migrations[0]", "reversible"));
  EXPECT_TRUE(HasProblem(c, "use_cases[1].releases[1].colour", "unknown key"));
  EXPECT_TRUE(HasProblem(c, "use_cases[1].releases[1]", "prompt"));
  EXPECT_TRUE(HasProblem(c, "release_control.roles.rollback", "read, operate, admin"));
  const UseCaseConfig& a = c.config.use_cases[0];
  ASSERT_EQ(a.releases.size(), 2u);
  EXPECT_EQ(a.active_version, "v1");
  EXPECT_EQ(a.releases[0].params_json, R"({"flags":["x"],"temperature":0.2})");
  EXPECT_EQ(a.releases[0].tools[1].permissions, std::vector<std::string>{"refunds:write"});
  EXPECT_FALSE(a.releases[1].migrations[0].reversible);
  EXPECT_EQ(c.config.release_control.soak_ns, 600'000'000'000);
  EXPECT_EQ(c.config.release_control.roles.at("promote"), "operate");
}

TEST(ConfigTest, ClickHouseStorageIsTypedAndChecked) {
  LoadedConfig c = LoadConfigFromString(R"(
storage:
  backend: clickhouse
  clickhouse:
    url: http://127.0.0.1:8123
    database: vigil_events
    cluster: vigil_shards
    shards: [http://127.0.0.1:8123, http://127.0.0.1:8124]
    user_env: CH_USER
    password_env: CH_PASSWORD
    timeout: 5s
    spool_max_bytes: 10485760
    retention_days: 30
    inserts_in_flight: 2
    dedup_cache_bytes: 0
)");
  ASSERT_TRUE(c.ok()) << AllProblems(c);
  const ClickHouseConfig& ch = c.config.storage.clickhouse;
  EXPECT_EQ(c.config.storage.backend, "clickhouse");
  EXPECT_EQ(ch.url, "http://127.0.0.1:8123");
  EXPECT_EQ(ch.database, "vigil_events");
  EXPECT_EQ(ch.shards.size(), 2u);
  EXPECT_EQ(ch.timeout_ns, 5'000'000'000);
  EXPECT_EQ(ch.spool_max_bytes, 10485760);
  EXPECT_EQ(ch.retention_days, 30);
  EXPECT_EQ(ch.inserts_in_flight, 2);
  EXPECT_EQ(ch.dedup_cache_bytes, 0);
  EXPECT_EQ(ch.spool_dir, "spool");

  LoadedConfig missing = LoadConfigFromString("storage: { backend: clickhouse }\n");
  EXPECT_TRUE(HasProblem(missing, "storage.clickhouse", "required")) << AllProblems(missing);
  LoadedConfig bad = LoadConfigFromString(R"(
storage:
  backend: clickhouse
  clickhouse: { url: "127.0.0.1:8123", database: "my-db", cluster: two }
)");
  EXPECT_TRUE(HasProblem(bad, "storage.clickhouse.url", "http://")) << AllProblems(bad);
  EXPECT_TRUE(HasProblem(bad, "storage.clickhouse.database")) << AllProblems(bad);
  EXPECT_TRUE(HasProblem(bad, "storage.clickhouse.shards", "each shard")) << AllProblems(bad);
}

TEST(ConfigTest, EmptyObjectGivesDefaults) {
  LoadedConfig c = LoadConfigFromString("server: {}\n");
  ASSERT_TRUE(c.ok()) << AllProblems(c);
  EXPECT_EQ(c.config.server.max_body_bytes, 16 * 1024 * 1024);
  EXPECT_EQ(c.config.storage.sqlite_path, "vigil.db");
}

TEST(ConfigTest, UnknownKeysAnywhereAreNamedByPath) {
  LoadedConfig c = LoadConfigFromString(
      "server: { listen: 127.0.0.1:1, lisen: x }\n"
      "bogus: 1\n"
      "alerting:\n"
      "  rules:\n"
      "    - { name: a, tier: P1, signal: count, window: 1m, threshold: '>= 1', colour: red }\n");
  EXPECT_TRUE(HasProblem(c, "server.lisen", "unknown key")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "bogus", "unknown key")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "alerting.rules[0].colour", "unknown key")) << AllProblems(c);
}

TEST(ConfigTest, ReportsEveryProblemWithLine) {
  LoadedConfig c = LoadConfigFromString(
      "auth:\n"
      "  tokens:\n"
      "    - { name: a, roles: [ingest, superuser], tenants: [acme] }\n"
      "alerting:\n"
      "  evaluation_interval: 10\n"
      "  rules:\n"
      "    - { name: r, tier: P4, signal: error_rate, window: 30s, threshold: '> 1' }\n");
  EXPECT_TRUE(HasProblem(c, "auth.tokens[0]", "exactly one of token_env")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "auth.tokens[0].roles[1]", "superuser")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "alerting.evaluation_interval", "unit")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "alerting.rules[0].tier", "P1")) << AllProblems(c);
  auto tier = std::find_if(c.problems.begin(), c.problems.end(), [](const ConfigProblem& p) {
    return p.path == "alerting.rules[0].tier";
  });
  ASSERT_NE(tier, c.problems.end());
  EXPECT_EQ(tier->line, 7);
}

TEST(ConfigTest, TypesAreChecked) {
  LoadedConfig c = LoadConfigFromString(
      "server: { threads: many, max_body_bytes: 12, listen: localhost }\n"
      "storage: { backend: postgres, sqlite: { synchronous: sometimes } }\n"
      "use_cases: [ { name: a }, { name: a, critical_path: maybe } ]\n"
      "pricing: { m: { input_per_mtok: -1 } }\n");
  EXPECT_TRUE(HasProblem(c, "server.threads", "integer")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "server.listen", "HOST:PORT")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "server.max_body_bytes", "between")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "storage.backend")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "storage.sqlite.synchronous")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "use_cases[1].name", "duplicate")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "use_cases[1].critical_path")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "pricing.m.input_per_mtok")) << AllProblems(c);
}

TEST(ConfigTest, SloBurnRateRules) {
  LoadedConfig c = LoadConfigFromString(
      "alerting:\n"
      "  rules:\n"
      "    - { name: s, tier: P1, use_case: refund-bot,\n"
      "        slo: { objective: 0.99, page: [[1h, 5m, 14.4], [6h, 30m, 6]] } }\n"
      "    - { name: bad, tier: P1, slo: { objective: 1.5, page: [[5m, 1h, 2], [1h]] } }\n");
  EXPECT_TRUE(HasProblem(c, "alerting.rules[1].slo.objective")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "alerting.rules[1].slo.page[0]", "shorter")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "alerting.rules[1].slo.page[1]", "[long window")) << AllProblems(c);
  ASSERT_GE(c.config.alerting.rules.size(), 1u);
  const RuleSpec& r = c.config.alerting.rules[0];
  ASSERT_TRUE(r.slo.has_value());
  ASSERT_EQ(r.slo->windows.size(), 2u);
  EXPECT_EQ(r.slo->windows[1].long_ns, 6LL * 3600 * 1'000'000'000);
  EXPECT_DOUBLE_EQ(r.slo->windows[0].factor, 14.4);
}

TEST(ConfigTest, SyntaxErrorsAreProblemsNotExceptions) {
  LoadedConfig c = LoadConfigFromString("server: { listen: [unclosed\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.problems[0].path, "(syntax)");
  EXPECT_GT(c.problems[0].line, 0);
}

TEST(ConfigTest, TokenShaAndTenantWildcard) {
  LoadedConfig c =
      LoadConfigFromString("auth: { tokens: [ { name: t, token_sha256: " + std::string(64, 'A') +
                           ", roles: [read], tenants: '*' }, { name: t, token_sha256: abc, roles: "
                           "[], tenants: [] } ] }\n");
  EXPECT_TRUE(HasProblem(c, "auth.tokens[1].name", "duplicate")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "auth.tokens[1].token_sha256", "64 hex")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "auth.tokens[1].roles", "at least one")) << AllProblems(c);
  EXPECT_TRUE(HasProblem(c, "auth.tokens[1].tenants", "at least one")) << AllProblems(c);
  ASSERT_GE(c.config.tokens.size(), 1u);
  EXPECT_TRUE(c.config.tokens[0].all_tenants);
  EXPECT_EQ(c.config.tokens[0].token_sha256, std::string(64, 'a'));
}

}  // namespace
}  // namespace vigil
