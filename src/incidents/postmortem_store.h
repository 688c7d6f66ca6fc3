#pragma once
// PostmortemStore: postmortem documents in the StateStore (component "postmortems"), one per
// incident, and the knowledge base index (kb.h) kept in the same transaction as every change,
// so search never shows a postmortem in a state that was not stored.
//
// Errors: NotFound for an unknown id; AlreadyExists (HTTP 409) when the incident already has a
// postmortem — the message names it. Thread-safety: any thread.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "incidents/postmortem.h"
#include "storage/state_store.h"

namespace vigil {

struct OverdueAction {
  int64_t postmortem_id = 0;
  size_t index = 0;  // 0-based in reinforcements
  Reinforcement reinforcement;
};

class PostmortemStore {
 public:
  static Result<std::unique_ptr<PostmortemStore>> Open(StateStore& store, const Clock& clock);

  // Stores a new draft; fills id, created/updated times.
  Result<Postmortem> Create(Postmortem draft);
  Result<Postmortem> Get(int64_t id);
  Result<std::optional<Postmortem>> ForIncident(int64_t incident_id);
  // Newest first; empty filters match all; status "draft" | "complete" | "".
  Result<std::vector<Postmortem>> List(const std::string& use_case, const std::string& status,
                                       size_t limit = 100);
  // Replaces the stored document (edits, verification results); bumps updated time.
  Result<Postmortem> Save(Postmortem pm);
  // Reinforcements past due and not verified, of the use case's postmortems ("" = all).
  Result<std::vector<OverdueAction>> Overdue(const std::string& use_case);

 private:
  PostmortemStore(StateStore& store, const Clock& clock) : store_(store), clock_(clock) {}
  StateStore& store_;
  const Clock& clock_;
};

}  // namespace vigil
