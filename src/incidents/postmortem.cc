#include "incidents/postmortem.h"

#include <set>

namespace vigil {

const std::vector<std::pair<std::string, std::string>>& PostmortemQuestions() {
  static const std::vector<std::pair<std::string, std::string>> questions = {
      {"trigger", "What exactly triggered it?"},
      {"guardrail", "Which guardrail should have blocked it, and why did it not?"},
      {"observability", "Why did observability not trigger earlier?"},
      {"rollback", "Why was rollback fast or slow?"},
      {"prevention", "Which mechanism changes prevent a recurrence?"},
  };
  return questions;
}

std::vector<std::string> Postmortem::MissingKinds() const {
  std::set<std::string> have;
  for (const Reinforcement& r : reinforcements) have.insert(r.kind);
  std::vector<std::string> missing;
  for (const char* kind : {"gate", "test", "alert_rule"}) {
    if (!have.count(kind)) missing.push_back(kind);
  }
  return missing;
}

std::vector<size_t> Postmortem::Overdue(int64_t now_ns) const {
  std::vector<size_t> out;
  for (size_t i = 0; i < reinforcements.size(); ++i) {
    const Reinforcement& r = reinforcements[i];
    if (r.due_ns != 0 && r.due_ns < now_ns && !r.verification.verified) out.push_back(i);
  }
  return out;
}

bool Postmortem::Complete() const {
  if (reinforcements.empty()) return false;
  for (const Reinforcement& r : reinforcements) {
    if (!r.verification.verified) return false;
  }
  return true;
}

}  // namespace vigil
