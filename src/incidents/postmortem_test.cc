// Postmortems end to end below the HTTP layer: a real incident (IncidentService on a fake
// clock) over synthetic telemetry, drafted, edited, verified against rules replayed through the
// live engine, stored and found again in the knowledge base.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>

#include "common/time_util.h"
#include "config/config.h"
#include "incidents/backtest.h"
#include "incidents/incident_service.h"
#include "incidents/kb.h"
#include "incidents/postmortem_drafter.h"
#include "incidents/postmortem_json.h"
#include "incidents/postmortem_store.h"
#include "incidents/postmortem_verifier.h"

namespace vigil {
namespace {

constexpr int64_t kSec = kNanosPerSecond;
constexpr int64_t kT0 = 1'795'880'000 * kSec;  // the fault starts here

// 20 requests/s for 30 minutes; from kT0 on, 45% of refund tool calls fail with
// permission_denied and fail their task, until the rollback at kT0 + 20 s.
std::vector<Event> Traffic() {
  std::vector<Event> out;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int64_t t = kT0 - 30 * 60 * kSec; t < kT0 + 120 * kSec; t += kSec / 20) {
    const bool faulty = t >= kT0 && t < kT0 + 20 * kSec;
    const bool tool_fails = faulty ? u(rng) < 0.45 : u(rng) < 0.005;
    const std::string release =
        faulty || (t >= kT0 - 10 * 60 * kSec && t < kT0 + 20 * kSec) ? "v3" : "v2";
    Event tool;
    tool.ts_ns = t;
    tool.trace_id = "t" + std::to_string(t);
    tool.span_id = "s2";
    tool.use_case = "refund-bot";
    tool.layer = Layer::kTool;
    tool.release = release;
    tool.tool = "issue_refund";
    tool.model = "m-large";
    if (tool_fails) {
      tool.status = EventStatus::kError;
      tool.error_class = "permission_denied";
    }
    Event task = tool;
    task.span_id = "s1";
    task.layer = Layer::kTask;
    task.tool.clear();
    if (!tool_fails && u(rng) < 0.005) {
      task.status = EventStatus::kError;
      task.error_class = "tool_error";
    }
    out.push_back(tool);
    out.push_back(task);
  }
  return out;
}

AlertingConfig Rules(const std::string& rules_yaml) {
  LoadedConfig loaded = LoadConfigFromString("alerting:\n  rules:\n" + rules_yaml);
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.problems.front().ToString());
  return loaded.config.alerting;
}

const char* kLiveRules =
    "    - { name: refund-task-errors, tier: P1, use_case: refund-bot, layer: task,\n"
    "        signal: error_rate, window: 30s, threshold: '> 0.2', min_samples: 50 }\n"
    "    - { name: refund-tool-denied, tier: P1, use_case: refund-bot, layer: tool,\n"
    "        where: { error_class: permission_denied }, signal: count, window: 10s,\n"
    "        threshold: '>= 20' }\n"
    "    - { name: refund-never, tier: P1, use_case: refund-bot, layer: task,\n"
    "        signal: error_rate, window: 30s, threshold: '> 0.9', min_samples: 50 }\n"
    "    - { name: refund-noisy, tier: P1, use_case: refund-bot, layer: task,\n"
    "        signal: count, window: 10s, threshold: '> 0' }\n";

TEST(BacktestTest, ReplaysStoredEventsThroughTheLiveEngine) {
  AlertingConfig cfg = Rules(kLiveRules);
  const std::vector<Event> events = Traffic();
  const int64_t from = kT0 - 30 * 60 * kSec, to = kT0 + 120 * kSec, tick = 250'000'000;
  BacktestResult task = Backtest(cfg.rules[0], events, from, to, tick);
  ASSERT_TRUE(task.fired);
  EXPECT_GT(task.fired_at_ns, kT0);
  EXPECT_LT(task.fired_at_ns, kT0 + 15 * kSec);
  EXPECT_EQ(task.alert_id, "refund-task-errors");
  BacktestResult tool = Backtest(cfg.rules[1], events, from, to, tick);
  ASSERT_TRUE(tool.fired);
  EXPECT_LT(tool.fired_at_ns, task.fired_at_ns);  // the tool layer shows it first
  EXPECT_FALSE(Backtest(cfg.rules[2], events, from, to, tick).fired);
  BacktestResult noisy = Backtest(cfg.rules[3], events, from, to, tick);
  ASSERT_TRUE(noisy.fired);
  EXPECT_LT(noisy.fired_at_ns, kT0 - 25 * 60 * kSec);
}

// The server's environment, over values: rules as loaded, events as stored, probes as given.
struct TestEnv : PostmortemEnv {
  AlertingConfig alerting;
  std::vector<Event> events;
  std::map<std::string, GateProbe> gates;
  std::map<std::string, TestProbe> tests;
  std::optional<RuleSpec> LoadedRule(const std::string& name) override {
    for (const RuleSpec& r : alerting.rules) {
      if (r.name == name) return r;
    }
    return std::nullopt;
  }
  int64_t EvaluationIntervalNs() override { return alerting.evaluation_interval_ns; }
  Result<std::vector<Event>> UseCaseEvents(const std::string& use_case, int64_t from,
                                           int64_t to) override {
    std::vector<Event> out;
    for (const Event& e : events) {
      if (e.use_case == use_case && e.ts_ns >= from && e.ts_ns <= to) out.push_back(e);
    }
    return out;
  }
  Result<GateProbe> ProbeGate(const std::string&, const std::string& ref,
                              const std::string&) override {
    auto it = gates.find(ref);
    if (it == gates.end()) return GateProbe{};
    return it->second;
  }
  Result<TestProbe> ProbeTest(const std::string&, const std::string& ref, int64_t) override {
    auto it = tests.find(ref);
    if (it == tests.end()) return TestProbe{false, "no passed drill or eval case " + ref};
    return it->second;
  }
};

class PostmortemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-pm-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = StateStore::Open(dir_ + "/v.db", {});
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto incidents = IncidentService::Create(*store_, clock_, SloTargets{});
    ASSERT_TRUE(incidents.ok());
    incidents_ = std::move(incidents).value();
    auto pms = PostmortemStore::Open(*store_, clock_);
    ASSERT_TRUE(pms.ok()) << pms.status().ToString();
    postmortems_ = std::move(pms).value();
    env_.alerting = Rules(kLiveRules);
    env_.events = Traffic();
  }
  void TearDown() override {
    postmortems_.reset();
    incidents_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The incident as the live system records it: the task rule fires at kT0 + 6 s, the action
  // map rolls back 40 ms later and the route changes; it resolves at kT0 + 26 s.
  int64_t RecordIncident() {
    const RuleSpec& rule = env_.alerting.rules[0];
    clock_.Set(kT0 + 6 * kSec);
    AlertTransition t;
    t.from = AlertState::kPending;
    t.alert.id = t.alert.rule = rule.name;
    t.alert.tier = Tier::kP1;
    t.alert.state = AlertState::kFiring;
    t.alert.firing_id = 1;
    t.alert.evidence = {0.41, 0, "> 0.2", 30 * kSec, 600, {{"refund-bot/task/v3", 0.9}}};
    const int64_t id = incidents_->OnAlertTransition(t, rule);
    clock_.Advance(40'000'000);
    incidents_->OnAction({"rollback", rule.name, rule.name, 1, Tier::kP1, "refund-bot",
                          kT0 + 6 * kSec, clock_.NowNanos(), true, "rolled back v3 → v2"});
    incidents_->OnRouteChange("refund-bot", 9, true, "release.rollback", "rollback v3 → v2",
                              "alert:" + rule.name);
    clock_.Set(kT0 + 26 * kSec);
    t.alert.state = AlertState::kResolved;
    incidents_->OnAlertTransition(t, rule);
    clock_.Set(kT0 + 600 * kSec);
    return id;
  }

  Postmortem Draft(int64_t incident_id) {
    Result<Incident> incident = incidents_->Get(incident_id);
    EXPECT_TRUE(incident.ok());
    DraftInputs in;
    in.incident = *incident;
    in.clocks = incidents_->Clocks(*incident);
    in.events = env_.events;
    in.rules = env_.alerting.rules;
    in.release_changes = {{kT0 - 10 * 60 * kSec, "v2", "v3", "maria", "new refund flow"}};
    in.author = "maria";
    in.now_ns = clock_.NowNanos();
    return DraftPostmortem(in);
  }

  std::string dir_;
  FakeClock clock_{kT0};
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<IncidentService> incidents_;
  std::unique_ptr<PostmortemStore> postmortems_;
  TestEnv env_;
};

const PostmortemQuestion& Question(const Postmortem& pm, const std::string& key) {
  for (const PostmortemQuestion& q : pm.questions) {
    if (q.key == key) return q;
  }
  static PostmortemQuestion none;
  return none;
}

TEST_F(PostmortemTest, DraftHasTheTimelineDecisionsAndComputedAnswers) {
  Postmortem pm = Draft(RecordIncident());
  EXPECT_EQ(pm.release, "v3");
  EXPECT_EQ(pm.signature.release_change, "v2 → v3");
  EXPECT_EQ(pm.signature.error_classes.front(), "permission_denied");
  EXPECT_EQ(pm.signature.tools, std::vector<std::string>{"issue_refund"});
  // Timeline: release change, first anomaly, opened, fired, action (with duration), route.
  std::vector<std::string> kinds;
  for (const PostmortemEntry& e : pm.timeline) kinds.push_back(e.kind);
  ASSERT_GE(kinds.size(), 6u);
  EXPECT_EQ(kinds[0], "release_change");
  EXPECT_EQ(kinds[1], "first_anomaly");
  EXPECT_EQ(pm.timeline[1].at_ns, kT0);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "action"), kinds.end());
  bool action_has_duration = false;
  for (const PostmortemEntry& e : pm.timeline) {
    if (e.kind == "action") action_has_duration = e.summary.find("40 ms") != std::string::npos;
  }
  EXPECT_TRUE(action_has_duration);
  ASSERT_FALSE(pm.decision_points.empty());
  EXPECT_TRUE(pm.decision_points[0].automated);
  EXPECT_EQ(pm.decision_points[0].decision, "rollback");
  // Computed answers: observability (anomaly → detection 6 s), rollback clocks; others open.
  const PostmortemQuestion& obs = Question(pm, "observability");
  EXPECT_FALSE(obs.open);
  EXPECT_NE(obs.answer.find("6.0 s later"), std::string::npos) << obs.answer;
  const PostmortemQuestion& rb = Question(pm, "rollback");
  EXPECT_FALSE(rb.open);
  EXPECT_NE(rb.answer.find("Switchback took 40 ms"), std::string::npos) << rb.answer;
  EXPECT_NE(Question(pm, "trigger").answer.find("v3 was promoted from v2"), std::string::npos);
  EXPECT_TRUE(Question(pm, "guardrail").open);
  EXPECT_TRUE(Question(pm, "prevention").open);
}

TEST_F(PostmortemTest, ReinforcementsVerifyOnlyWhenVigilCanCheckThem) {
  Postmortem pm = Draft(RecordIncident());
  ASSERT_TRUE(ApplyPostmortemEdit(nlohmann::json::parse(R"({
    "reinforcements": [
      {"kind": "alert_rule", "ref": "no-such-rule", "owner": "maria", "due": "2026-12-05"},
      {"kind": "alert_rule", "ref": "refund-tool-denied", "owner": "maria", "due": "2026-12-05"},
      {"kind": "alert_rule", "ref": "refund-never", "owner": "maria", "due": "2026-12-05"},
      {"kind": "alert_rule", "ref": "refund-noisy", "owner": "maria", "due": "2026-12-05"},
      {"kind": "gate", "ref": "eval_pass_rate:refund-golden", "owner": "li", "due": "2026-12-05"},
      {"kind": "test", "ref": "tool-permission", "owner": "li", "due": "2026-12-05"}
    ]})"),
                                  pm)
                  .ok());
  env_.gates["eval_pass_rate:refund-golden"] = {true, true,
                                                "eval_pass_rate: {suite: refund-golden, min: 0.9}",
                                                "suite refund-golden passed 100.0%"};
  ASSERT_TRUE(VerifyPostmortem(pm, env_, clock_.NowNanos()).ok());
  const auto& r = pm.reinforcements;
  EXPECT_FALSE(r[0].verification.verified);
  EXPECT_NE(r[0].verification.reason.find("not loaded"), std::string::npos);
  EXPECT_TRUE(r[1].verification.verified) << r[1].verification.reason;
  EXPECT_GT(r[1].verification.lead_time_s, 0);  // the tool rule fires before the task rule did
  EXPECT_NE(r[1].verification.reason.find("before the original detection"), std::string::npos);
  EXPECT_FALSE(r[2].verification.verified);
  EXPECT_NE(r[2].verification.reason.find("would not have fired"), std::string::npos);
  EXPECT_FALSE(r[3].verification.verified);
  EXPECT_NE(r[3].verification.reason.find("fires on normal traffic"), std::string::npos);
  EXPECT_FALSE(r[4].verification.verified);  // passes on the bad release: guards nothing
  EXPECT_NE(r[4].verification.reason.find("would not have blocked it"), std::string::npos);
  EXPECT_FALSE(r[5].verification.verified);
  EXPECT_FALSE(pm.Complete());

  // Encode the fixes: drop what cannot verify, make the gate refuse v3, pass the drill.
  ASSERT_TRUE(ApplyPostmortemEdit(nlohmann::json::parse(R"({
    "reinforcements": [
      {"kind": "alert_rule", "ref": "refund-tool-denied", "owner": "maria", "due": "2026-12-05"},
      {"kind": "gate", "ref": "eval_pass_rate:refund-golden", "owner": "li", "due": "2026-12-05"},
      {"kind": "test", "ref": "tool-permission", "owner": "li", "due": "2026-12-05"}
    ]})"),
                                  pm)
                  .ok());
  EXPECT_TRUE(pm.reinforcements[0].verification.verified);  // unchanged: kept
  env_.gates["eval_pass_rate:refund-golden"].passed = false;
  env_.tests["tool-permission"] = {true, "drill d9 (tool-permission) passed after the incident"};
  ASSERT_TRUE(VerifyPostmortem(pm, env_, clock_.NowNanos()).ok());
  EXPECT_TRUE(pm.Complete());
  EXPECT_TRUE(pm.MissingKinds().empty());
}

TEST_F(PostmortemTest, EditsNameTheField) {
  Postmortem pm = Draft(RecordIncident());
  Status bad_due = ApplyPostmortemEdit(
      nlohmann::json::parse(
          R"({"reinforcements": [{"kind": "gate", "ref": "x", "owner": "li", "due": "soon"}]})"),
      pm);
  EXPECT_EQ(bad_due.field(), "reinforcements[0].due");
  Status bad_kind = ApplyPostmortemEdit(
      nlohmann::json::parse(
          R"({"reinforcements": [{"kind": "hope", "ref": "x", "owner": "li", "due": "2026-12-01"}]})"),
      pm);
  EXPECT_EQ(bad_kind.field(), "reinforcements[0].kind");
  EXPECT_EQ(ApplyPostmortemEdit(nlohmann::json::parse(R"({"timeline": []})"), pm).field(),
            "timeline");
  EXPECT_EQ(
      ApplyPostmortemEdit(nlohmann::json::parse(R"({"questions": [{"key": "why"}]})"), pm).field(),
      "questions[0].key");
  ASSERT_TRUE(
      ApplyPostmortemEdit(
          nlohmann::json::parse(
              R"({"questions": [{"key": "guardrail", "answer": "No eval covered refunds above the limit."}]})"),
          pm)
          .ok());
  EXPECT_FALSE(Question(pm, "guardrail").open);
  // JSON round trip keeps everything the store keeps.
  Result<Postmortem> back = PostmortemFromJson(PostmortemToJson(pm, clock_.NowNanos()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(PostmortemToJson(*back, 0).dump(), PostmortemToJson(pm, 0).dump());
}

TEST_F(PostmortemTest, OverdueReinforcementsAreListed) {
  Postmortem pm = Draft(RecordIncident());
  ASSERT_TRUE(ApplyPostmortemEdit(nlohmann::json::parse(R"({"reinforcements": [
      {"kind": "test", "ref": "tool-permission", "owner": "li", "due": "2026-11-01"}]})"),
                                  pm)
                  .ok());
  Result<Postmortem> stored = postmortems_->Create(pm);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  clock_.Set(*ParseRfc3339("2026-11-02T00:00:00Z"));
  Result<std::vector<OverdueAction>> overdue = postmortems_->Overdue("refund-bot");
  ASSERT_TRUE(overdue.ok());
  ASSERT_EQ(overdue->size(), 1u);
  EXPECT_EQ((*overdue)[0].reinforcement.owner, "li");
  EXPECT_TRUE(postmortems_->Overdue("faq-assistant")->empty());
  // A second draft for the same incident is refused, naming the first.
  Result<Postmortem> again = postmortems_->Create(pm);
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists);
  EXPECT_NE(again.status().message().find("postmortem " + std::to_string(stored->id)),
            std::string::npos);
}

TEST_F(PostmortemTest, KnowledgeBaseFindsItByWordsAndBySignature) {
  Postmortem pm = Draft(RecordIncident());
  ASSERT_TRUE(ApplyPostmortemEdit(nlohmann::json::parse(R"({
      "summary": "Refunds failed: the new release called issue_refund without the refund:write scope, permission denied.",
      "reinforcements": [{"kind": "alert_rule", "ref": "refund-tool-denied", "owner": "maria", "due": "2026-12-05"}]})"),
                                  pm)
                  .ok());
  ASSERT_TRUE(VerifyPostmortem(pm, env_, clock_.NowNanos()).ok());
  Result<Postmortem> stored = postmortems_->Create(pm);
  ASSERT_TRUE(stored.ok());
  KnowledgeBase kb(*store_);
  Result<std::vector<KbHit>> hits = kb.Search("permission denied refund");
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].postmortem_id, stored->id);
  EXPECT_NE((*hits)[0].snippet.find("["), std::string::npos) << (*hits)[0].snippet;
  EXPECT_EQ((*hits)[0].prevention_rules.size(), 1u);
  EXPECT_NE((*hits)[0].prevention_rules[0].find("refund-tool-denied"), std::string::npos);
  EXPECT_TRUE(kb.Search("latency budget tokens")->empty());
  EXPECT_EQ(kb.Search("  ;; ").status().code(), Status::Code::kInvalidArgument);
  // Stemming: "denies" finds "denied".
  EXPECT_EQ(kb.Search("denies")->size(), 1u);

  Signature similar{"refund-bot", {"tool"}, {"permission_denied"}, {}, {"issue_refund"}, ""};
  Result<std::vector<KbHit>> like = kb.Similar(similar, /*exclude_incident=*/999);
  ASSERT_TRUE(like.ok());
  ASSERT_EQ(like->size(), 1u);
  EXPECT_EQ((*like)[0].incident_id, pm.incident_id);
  EXPECT_TRUE(kb.Similar(similar, pm.incident_id)->empty());  // not itself
  Signature other{"faq-assistant", {"inference"}, {"timeout"}, {"m-small"}, {}, ""};
  EXPECT_TRUE(kb.Similar(other, 999)->empty());
}

}  // namespace
}  // namespace vigil
