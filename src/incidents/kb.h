#pragma once
// Knowledge base of failure patterns: every postmortem — its title, summary, answers, guardrail
// failures, signature (use case, layers, error classes, models, tools, release change) and its
// prevention rules (the verified reinforcements) — indexed with SQLite FTS5 (table kb_docs in
// the StateStore, component "postmortems").
//
// Search: the words of a query are matched as alternatives (OR), ranked by BM25 so documents
// matching more and rarer words come first, each with a snippet. Similar incidents: signature
// overlap (same use case, shared error classes, tools, models, layers) plus the text rank of
// the signature's words; used when an incident opens. Thread-safety: any thread.

#include <string>
#include <vector>

#include "incidents/postmortem.h"
#include "storage/state_store.h"

namespace vigil {

struct KbHit {
  int64_t postmortem_id = 0;
  int64_t incident_id = 0;
  std::string use_case, title, snippet, status;
  double score = 0;                           // higher is more relevant
  std::vector<std::string> prevention_rules;  // "alert_rule refund-tool-denied", …
};

namespace kb {
// (Re)indexes one postmortem inside the caller's transaction.
Status Index(SqliteDb& db, const Postmortem& pm);
// The migration that creates the index (part of the postmortems component).
const char* Schema();
}  // namespace kb

class KnowledgeBase {
 public:
  explicit KnowledgeBase(StateStore& store) : store_(store) {}
  // InvalidArgument when the query has no words.
  Result<std::vector<KbHit>> Search(const std::string& query, size_t limit = 10);
  // Past postmortems most like `signature` (excluding `exclude_incident`), best first.
  Result<std::vector<KbHit>> Similar(const Signature& signature, int64_t exclude_incident,
                                     size_t limit = 3);

 private:
  StateStore& store_;
};

}  // namespace vigil
