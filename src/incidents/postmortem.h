#pragma once
// Postmortems, mechanism first (docs/postmortems.md): timeline → decision points → guardrail
// failures → reinforcements → owner & due date, plus the five questions.
//
// A draft is built from an incident (postmortem_drafter.h); people edit the prose, the guardrail
// failures and the reinforcements; Vigil verifies each reinforcement (postmortem_verifier.h). A
// postmortem is complete only when it has at least one reinforcement and every one verified at
// the last verification. Values here; PostmortemStore keeps them, the JSON/YAML/Markdown forms
// are in postmortem_json.h.

#include <cstdint>
#include <string>
#include <vector>

namespace vigil {

struct PostmortemEntry {  // one line of the timeline
  int64_t at_ns = 0;
  std::string kind;  // as on the incident timeline (alert_fired, action, route_changed, …)
  std::string actor;
  std::string summary;
};

struct DecisionPoint {
  int64_t at_ns = 0;
  std::string decided_by;  // "vigil (action map P1)", "alert:RULE", a person's token name
  bool automated = false;
  std::string decision;  // what was decided
  std::string outcome;   // what it did, with its duration when known
};

struct PostmortemQuestion {
  std::string key;  // trigger | guardrail | observability | rollback | prevention
  std::string question;
  std::string answer;
  bool open = true;  // nobody (neither Vigil nor a person) has answered it yet
};

struct Verification {
  bool checked = false;
  bool verified = false;
  std::string reason;  // why it verified or not
  int64_t checked_ns = 0;
  double lead_time_s = 0;  // alert_rule: how much earlier than the original detection
};

// kind: alert_rule (ref = rule name), gate (ref = a gate check, "drill_passed_within" or
// "eval_pass_rate:SUITE"), test (ref = a drill scenario or an eval case "SUITE/CASE" or "CASE").
struct Reinforcement {
  std::string kind;
  std::string ref;
  std::string description;
  std::string owner;
  int64_t due_ns = 0;  // 0: no due date
  Verification verification;
};

// What the incident looked like: for the knowledge base and similar-incident matching.
struct Signature {
  std::string use_case;
  std::vector<std::string> layers, error_classes, models, tools;
  std::string release_change;  // "v2 → v3" when a promotion preceded the incident
};

struct Postmortem {
  int64_t id = 0;
  int64_t incident_id = 0;
  std::string use_case;
  std::string title;
  std::string status = "draft";  // draft | complete
  std::string author;
  int64_t created_ns = 0, updated_ns = 0;
  int64_t incident_opened_ns = 0, detected_ns = 0, incident_end_ns = 0;
  std::string release;  // the release the failing traffic ran on
  Signature signature;
  std::string summary;
  std::string diagnosis;
  std::vector<PostmortemEntry> timeline;
  std::vector<DecisionPoint> decision_points;
  std::vector<PostmortemQuestion> questions;
  std::vector<std::string> guardrail_failures;
  std::vector<Reinforcement> reinforcements;
  int64_t verified_ns = 0;  // last verification
  // Which of gate / test / alert_rule no reinforcement covers.
  std::vector<std::string> MissingKinds() const;
  // Reinforcements past due and not verified at `now_ns` (indexes).
  std::vector<size_t> Overdue(int64_t now_ns) const;
  bool Complete() const;  // ≥ 1 reinforcement and all verified
};

// The five questions in order, with their keys.
const std::vector<std::pair<std::string, std::string>>& PostmortemQuestions();

}  // namespace vigil
