// The learning loop on the real binary: a drill makes a real incident; its postmortem is
// drafted, its reinforcements are verified (a rule added by a config reload is backtested on
// the incident's stored events), it becomes complete, the knowledge base finds it and the next
// similar incident lists it. Gates: promote refused by a failing gate, allowed with an audited
// override that the next incident shows; `vigil gate check` exit codes.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "client/http_client.h"
#include "support/vigil_process.h"

namespace vigil::testing {
namespace {

using nlohmann::json;

const char kBase[] = R"(
auth:
  tokens:
    - { name: admin, token_env: T_ADMIN, roles: [admin], tenants: "*" }
    - { name: oncall, token_env: T_OPERATE, roles: [operate, read], tenants: "*" }
    - { name: sim, token_env: T_SIM, roles: [ingest, read], tenants: [acme] }
use_cases:
  - name: refund-bot
    critical_path: true
    releases:
      - { version: v1, model: m-large, prompt: refund@3, tools: [lookup_order],
          fallback_model: m-small, known_good: true }
      - { version: v2, model: m-large, prompt: refund@4, fallback_model: m-small, active: true,
          tools: [lookup_order, issue_refund] }
simulator:
  seed: 5
  rates: { refund-bot: 40 }
  models:
    m-large: { latency_ms: 60, sigma: 0.3 }
    m-small: { latency_ms: 30, sigma: 0.3 }
  errors: { inference: 0.0, tool: 0.0, refusal: 0.0 }
  timeout: 300ms
  max_retries: 1
gates:
  release: [ no_active_freeze, { postmortem_actions_overdue: 0 } ]
  use_cases:
    refund-bot: [ { eval_pass_rate: { suite: refund-golden, min: 0.9 } } ]
alerting:
  evaluation_interval: 100ms
  rules:
    - { name: refund-task-errors, tier: P1, use_case: refund-bot, layer: task,
        signal: error_rate, window: 3s, threshold: "> 0.3", min_samples: 20, for: 1s }
)";

// The reinforcements' rules, added after the incident by a reload.
const char kNewRules[] = R"(
    - { name: refund-tool-denied, tier: P2, use_case: refund-bot, layer: tool,
        where: { error_class: permission_denied }, signal: count, window: 2s, threshold: ">= 5",
        actions: [ticket] }
    - { name: refund-never, tier: P3, use_case: refund-bot, layer: task,
        signal: error_rate, window: 3s, threshold: "> 0.99", min_samples: 20 }
)";

struct Cli {
  int exit = -1;
  std::string out;
};

class LearningTest : public ::testing::Test {
 protected:
  void StartVigil(const std::string& config) {
    vigil_ = std::make_unique<VigilProcess>(
        dir_.File("data"), config,
        std::map<std::string, std::string>{
            {"T_ADMIN", "admin-s"}, {"T_OPERATE", "oncall-s"}, {"T_SIM", "sim-s"}});
    ASSERT_TRUE(vigil_->Start()) << vigil_->Log();
    ASSERT_TRUE(vigil_->WaitReady());
    std::ofstream(dir_.File("config.yaml")) << config;
  }
  void TearDown() override { StopProcess(sim_pid_); }
  void StartSimulator() {
    sim_pid_ =
        SpawnSimulator(dir_.File("config.yaml"), vigil_->base_url(), "sim-s", dir_.File("sim.log"));
    ASSERT_GT(sim_pid_, 0);
    ASSERT_TRUE(WaitFor([&] {
      const json s = Get("/v1/summary?use_case=refund-bot&from=-1m");
      return s.is_object() && s["task"]["count"].get<int>() > 200;
    }));
  }
  json Get(const std::string& path, const std::string& token = "admin-s") {
    HttpClient c(vigil_->base_url());
    auto r = c.Get(path, {"Authorization: Bearer " + token});
    return r.ok() && r->status == 200 ? json::parse(r->body) : json();
  }
  std::pair<int, json> Send(const std::string& method, const std::string& path, const json& body,
                            const std::string& token = "admin-s") {
    HttpClient c(vigil_->base_url());
    auto r = c.Request(method, path, body.dump(),
                       {"Authorization: Bearer " + token, "Content-Type: application/json"});
    if (!r.ok()) return {0, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  }
  Cli Vigil(const std::string& args, const std::string& token = "admin-s") {
    const std::string cmd = "VIGIL_TOKEN=" + token + " " + VigilBinary() + " " + args +
                            " --server " + vigil_->base_url() + " 2>/dev/null";
    FILE* pipe = popen(cmd.c_str(), "r");
    Cli r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) r.out.append(buf, n);
    r.exit = WEXITSTATUS(pclose(pipe));
    return r;
  }
  json Drill(const std::string& scenario) {
    Cli r = Vigil("drill run " + scenario +
                  " --use-case refund-bot --timeout-detect 20s --timeout-switchback 20s "
                  "--timeout-recovery 30s --json");
    json d = json::parse(r.out, nullptr, false);
    if (!d.is_object()) ADD_FAILURE() << r.out;
    return d;
  }

  TempDir dir_;
  std::unique_ptr<VigilProcess> vigil_;
  pid_t sim_pid_ = -1;
};

const json* Reinforcement(const json& pm, const std::string& ref) {
  for (const json& r : pm["reinforcements"]) {
    if (r["ref"] == ref) return &r;
  }
  return nullptr;
}

TEST_F(LearningTest, DrillToCompletePostmortemToKnowledgeBase) {
  StartVigil(kBase);
  StartSimulator();
  const json drill = Drill("tool-permission");
  ASSERT_EQ(drill["status"], "passed") << drill.dump(2) << vigil_->Log();
  const int64_t incident = drill["incident_id"];

  // Draft: timeline from the incident, decisions, computed answers.
  Cli draft = Vigil("postmortem draft " + std::to_string(incident) + " --json");
  ASSERT_EQ(draft.exit, 0) << draft.out;
  const json pm = json::parse(draft.out);
  const std::string id = std::to_string(pm["id"].get<int64_t>());
  EXPECT_EQ(pm["release"], "v2");
  std::set<std::string> kinds;
  for (const json& e : pm["timeline"]) kinds.insert(e["kind"]);
  for (const char* k : {"first_anomaly", "opened", "alert_fired", "action", "route_changed"}) {
    EXPECT_TRUE(kinds.count(k)) << k << "\n" << pm["timeline"].dump(2);
  }
  bool automated_rollback = false;
  for (const json& d : pm["decision_points"]) {
    automated_rollback |= d["decision"] == "rollback" && d["automated"] == true;
  }
  EXPECT_TRUE(automated_rollback) << pm["decision_points"].dump(2);
  std::map<std::string, json> questions;
  for (const json& q : pm["questions"]) questions[q["key"]] = q;
  EXPECT_EQ(questions["observability"]["open"], false);
  EXPECT_NE(questions["observability"]["answer"].get<std::string>().find("later"),
            std::string::npos);
  EXPECT_NE(questions["rollback"]["answer"].get<std::string>().find("Switchback took"),
            std::string::npos);
  EXPECT_EQ(questions["prevention"]["open"], true);
  EXPECT_EQ(pm["signature"]["error_classes"][0], "permission_denied") << pm["signature"].dump();
  // A second draft of the same incident is refused.
  EXPECT_EQ(Send("POST", "/v1/postmortems", {{"incident_id", incident}}).first, 409);

  // Reinforcements, edited as YAML the way `vigil postmortem edit` sends them.
  std::ofstream(dir_.File("edit.yaml")) << R"(
summary: "Refunds failed: release v2 called issue_refund without its permission scope."
questions:
  - { key: guardrail, answer: "No eval case covered the refund permission scope." }
reinforcements:
  - { kind: alert_rule, ref: refund-tool-denied, owner: maria, due: "2099-01-01",
      description: "Page on permission_denied from refund tools" }
  - { kind: alert_rule, ref: refund-never, owner: maria, due: "2099-01-01" }
  - { kind: gate, ref: "eval_pass_rate:refund-golden", owner: li, due: "2099-01-01" }
  - { kind: test, ref: "refund-golden/refund-permission-scope", owner: li, due: "2099-01-01" }
)";
  Cli edit = Vigil("postmortem edit " + id + " --file " + dir_.File("edit.yaml") + " --json");
  ASSERT_EQ(edit.exit, 0) << edit.out;

  // The eval gate passes on v2 (a run without the new case): it would not have blocked it.
  ASSERT_EQ(Send("POST", "/v1/evals",
                 {{"suite", "refund-golden"},
                  {"use_case", "refund-bot"},
                  {"release", "v2"},
                  {"cases", {{{"id", "refund-basic"}, {"passed", true}}}}})
                .first,
            201);
  Cli verify = Vigil("postmortem verify " + id + " --json");
  EXPECT_EQ(verify.exit, 1);
  json v = json::parse(verify.out);
  EXPECT_EQ(v["status"], "draft");
  EXPECT_NE(
      (*Reinforcement(v, "refund-tool-denied"))["verification"]["reason"].get<std::string>().find(
          "not loaded"),
      std::string::npos);
  EXPECT_NE((*Reinforcement(v, "eval_pass_rate:refund-golden"))["verification"]["reason"]
                .get<std::string>()
                .find("would not have blocked it"),
            std::string::npos)
      << v.dump(2);
  EXPECT_EQ(
      (*Reinforcement(v, "refund-golden/refund-permission-scope"))["verification"]["verified"],
      false);

  // Encode: the rules by a config reload, the case in the suite (fails on v2, passes on v3).
  std::string config = kBase;
  config += kNewRules;
  vigil_->RewriteConfig(config);
  ASSERT_EQ(Send("POST", "/v1/admin/reload", json::object()).first, 200);
  ASSERT_EQ(Send("POST", "/v1/releases/refund-bot",
                 {{"version", "v3"},
                  {"model", "m-large"},
                  {"prompt", "refund@5"},
                  {"fallback_model", "m-small"},
                  {"tools", {"lookup_order", "issue_refund"}}})
                .first,
            201);
  for (const auto& [release, passed] : {std::pair{"v2", false}, std::pair{"v3", true}}) {
    ASSERT_EQ(Send("POST", "/v1/evals",
                   {{"suite", "refund-golden"},
                    {"use_case", "refund-bot"},
                    {"release", release},
                    {"cases",
                     {{{"id", "refund-basic"}, {"passed", true}},
                      {{"id", "refund-permission-scope"}, {"passed", passed}}}}})
                  .first,
              201);
  }
  v = json::parse(Vigil("postmortem verify " + id + " --json").out);
  const json& rule = *Reinforcement(v, "refund-tool-denied");
  EXPECT_EQ(rule["verification"]["verified"], true) << rule.dump(2);
  EXPECT_GT(rule["verification"]["lead_time_s"].get<double>(), -5.0);
  EXPECT_NE(rule["verification"]["reason"].get<std::string>().find("the original detection"),
            std::string::npos);
  const json& never = *Reinforcement(v, "refund-never");
  EXPECT_EQ(never["verification"]["verified"], false);
  EXPECT_NE(never["verification"]["reason"].get<std::string>().find("would not have fired"),
            std::string::npos);
  EXPECT_EQ((*Reinforcement(v, "eval_pass_rate:refund-golden"))["verification"]["verified"], true);
  EXPECT_EQ(
      (*Reinforcement(v, "refund-golden/refund-permission-scope"))["verification"]["verified"],
      true);
  EXPECT_EQ(v["status"], "draft");  // refund-never still fails

  // Drop the rule that cannot verify: now complete, and `verify` exits 0.
  std::ofstream(dir_.File("edit2.yaml")) << R"(
reinforcements:
  - { kind: alert_rule, ref: refund-tool-denied, owner: maria, due: "2099-01-01" }
  - { kind: gate, ref: "eval_pass_rate:refund-golden", owner: li, due: "2099-01-01" }
  - { kind: test, ref: "refund-golden/refund-permission-scope", owner: li, due: "2099-01-01" }
)";
  ASSERT_EQ(Vigil("postmortem edit " + id + " --file " + dir_.File("edit2.yaml")).exit, 0);
  Cli done = Vigil("postmortem verify " + id + " --json");
  EXPECT_EQ(done.exit, 0) << done.out;
  EXPECT_EQ(json::parse(done.out)["status"], "complete");
  Cli md = Vigil("postmortem export " + id + " --format md");
  EXPECT_NE(md.out.find("## Reinforcements"), std::string::npos);
  EXPECT_NE(md.out.find("**complete**"), std::string::npos);

  // The knowledge base finds it by words from its text, with its prevention rules.
  const json hits = Get("/v1/kb/search?q=permission%20scope%20refund");
  ASSERT_EQ(hits["hits"].size(), 1u) << hits.dump(2);
  EXPECT_EQ(hits["hits"][0]["postmortem_id"], pm["id"]);
  EXPECT_EQ(hits["hits"][0]["prevention_rules"].size(), 3u);
  Cli kb = Vigil("kb search \"permission denied refund\"");
  EXPECT_EQ(kb.exit, 0);
  EXPECT_NE(kb.out.find("prevention: alert_rule refund-tool-denied"), std::string::npos) << kb.out;

  // A new similar incident lists it, with its prevention rules, on its timeline.
  const json again = Drill("tool-permission");
  ASSERT_EQ(again["status"], "passed") << again.dump(2);
  const json incident2 =
      Get("/v1/incidents/" + std::to_string(again["incident_id"].get<int64_t>()));
  bool listed = false;
  for (const json& e : incident2["timeline"]) {
    if (e["kind"] == "similar_incidents") {
      listed = e["summary"].get<std::string>().find("postmortem " + id) != std::string::npos &&
               e["summary"].get<std::string>().find("refund-tool-denied") != std::string::npos;
    }
  }
  EXPECT_TRUE(listed) << incident2["timeline"].dump(2);
}

TEST_F(LearningTest, PromoteRunsTheGateAndAnOverrideIsAuditedAndNoted) {
  StartVigil(kBase);
  ASSERT_EQ(Send("POST", "/v1/releases/refund-bot",
                 {{"version", "v3"},
                  {"model", "m-large"},
                  {"prompt", "refund@5"},
                  {"fallback_model", "m-small"},
                  {"tools", {"lookup_order"}}})
                .first,
            201);
  // No eval run for v3: refused, with the report naming the fix; nothing changed.
  auto [status, body] = Send("POST", "/v1/releases/refund-bot/v3/promote", json::object());
  EXPECT_EQ(status, 409) << body.dump();
  EXPECT_EQ(body["error"]["code"], "gate_failed");
  EXPECT_EQ(body["gate"]["failed"][0], "eval_pass_rate: {suite: refund-golden, min: 0.9}");
  EXPECT_EQ(Get("/v1/routes/refund-bot")["release"]["version"], "v2");
  Cli check = Vigil("gate check --use-case refund-bot --release v3");
  EXPECT_EQ(check.exit, 1);
  EXPECT_NE(check.out.find("vigil eval post"), std::string::npos) << check.out;
  EXPECT_EQ(Vigil("gate check --use-case refund-bot --release v404").exit, 2);

  // Overrides: an operator may not; an admin must give a reason.
  EXPECT_EQ(Send("POST", "/v1/releases/refund-bot/v3/promote",
                 {{"override", true}, {"reason", "hotfix"}}, "oncall-s")
                .first,
            403);
  EXPECT_EQ(Send("POST", "/v1/releases/refund-bot/v3/promote", {{"override", true}}).first, 400);
  Cli forced = Vigil(
      "release promote refund-bot v3 --override --reason \"hotfix for a stuck queue\" --json");
  EXPECT_EQ(forced.exit, 0) << forced.out;
  EXPECT_EQ(Get("/v1/routes/refund-bot")["release"]["version"], "v3");
  const json audit = Get("/v1/audit?action=gate.override");
  ASSERT_EQ(audit["entries"].size(), 1u) << audit.dump(2);
  EXPECT_EQ(audit["entries"][0]["actor"], "admin");
  EXPECT_EQ(audit["entries"][0]["detail"], "hotfix for a stuck queue");

  // The next incident of the use case says so.
  auto [opened, incident] =
      Send("POST", "/v1/incidents",
           {{"use_case", "refund-bot"}, {"severity", "P2"}, {"title", "refund latency"}});
  ASSERT_EQ(opened, 201) << incident.dump();
  const json full = Get("/v1/incidents/" + std::to_string(incident["id"].get<int64_t>()));
  bool noted = false;
  for (const json& e : full["timeline"]) {
    noted |= e["kind"] == "gate_override" &&
             e["summary"].get<std::string>().find("hotfix for a stuck queue") != std::string::npos;
  }
  EXPECT_TRUE(noted) << full["timeline"].dump(2);

  // `vigil postmortem edit` round-trips the YAML through $EDITOR (here a sed script).
  Cli draft =
      Vigil("postmortem draft " + std::to_string(incident["id"].get<int64_t>()) + " --json");
  ASSERT_EQ(draft.exit, 0) << draft.out;
  const std::string pm_id = std::to_string(json::parse(draft.out)["id"].get<int64_t>());
  std::ofstream(dir_.File("add.yaml")) << R"(
reinforcements:
  - { kind: test, ref: tool-permission, owner: maria, due: "2099-01-01" }
)";
  ASSERT_EQ(Vigil("postmortem edit " + pm_id + " --file " + dir_.File("add.yaml")).exit, 0);
  Cli edited = Vigil("postmortem edit " + pm_id + " --json",
                     "admin-s EDITOR='sed -i s/owner:.*maria.*/owner:\\ \\\"li\\\"/'");
  ASSERT_EQ(edited.exit, 0) << edited.out;
  EXPECT_EQ(json::parse(edited.out)["reinforcements"][0]["owner"], "li") << edited.out;
  Cli yaml = Vigil("postmortem export " + pm_id + " --format yaml");
  EXPECT_NE(yaml.out.find("owner: \"li\""), std::string::npos) << yaml.out;
  Cli bad = Vigil("postmortem edit " + pm_id + " --file " + dir_.File("missing.yaml"));
  EXPECT_EQ(bad.exit, 2);

  // With a passing eval run (and no open P2 gate in the template) the gate passes.
  ASSERT_EQ(Send("POST", "/v1/evals",
                 {{"suite", "refund-golden"},
                  {"use_case", "refund-bot"},
                  {"release", "v1"},
                  {"cases", {{{"id", "a"}, {"passed", true}}}}})
                .first,
            201);
  Cli pass = Vigil("gate check --use-case refund-bot --release v1 --json");
  EXPECT_EQ(pass.exit, 0) << pass.out;
  EXPECT_EQ(json::parse(pass.out)["passed"], true);
  EXPECT_EQ(Send("POST", "/v1/releases/refund-bot/v1/promote", json::object()).first, 200);
}

}  // namespace
}  // namespace vigil::testing
