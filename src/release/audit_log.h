#pragma once
// AuditLog: the append-only record of every act on Vigil's control plane — releases created,
// promoted, retired and rolled back, freezes, mode changes, config reloads, incident acts —
// with time, actor (a token name, "alert:RULE", "drill:ID" or "vigil"), target and the state
// before and after. Kept in the StateStore (component "audit").
//
// Contract: entries are never updated or deleted (the table has triggers that refuse both).
// Append(db, …) joins the caller's transaction, so an act and its audit entry commit together;
// Record() is its own transaction. Thread-safety: any thread.

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/state_store.h"

namespace vigil {

struct AuditEntry {
  int64_t id = 0;
  int64_t ts_ns = 0;
  std::string actor;
  std::string action;  // release.create | release.promote | release.rollback | freeze.on | …
  std::string target;  // "refund-bot", "refund-bot@v3", "*" (global)
  std::string before_json = "null";
  std::string after_json = "null";
  std::string detail;  // reason or message
};

struct AuditQuery {
  int64_t from_ns = 0;
  int64_t to_ns = INT64_MAX;
  std::string actor;          // exact, optional
  std::string action_prefix;  // "release." matches all release acts, optional
  std::string target_prefix;  // "refund-bot" matches "refund-bot@v3", optional
  int64_t limit = 200;
};

class AuditLog {
 public:
  static Result<std::unique_ptr<AuditLog>> Open(StateStore& store, const Clock& clock);

  // Inside a StateStore transaction; fills the timestamp when it is 0.
  Status Append(SqliteDb& db, AuditEntry entry) const;
  Status Record(AuditEntry entry);
  // Newest first.
  Result<std::vector<AuditEntry>> List(const AuditQuery& query);

 private:
  AuditLog(StateStore& store, const Clock& clock) : store_(store), clock_(clock) {}
  StateStore& store_;
  const Clock& clock_;
};

}  // namespace vigil
