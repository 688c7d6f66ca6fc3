#pragma once
// EventStore: where accepted telemetry events are kept.
//
// Contract:
//  - Append() stores a batch atomically: either every new event is stored, or none is and an
//    error is returned. Events whose identity (tenant, trace_id, span_id) is already stored —
//    or appears earlier in the same batch — are skipped and reported as duplicates.
//  - When Append() returns OK the batch is durable to the degree the implementation documents
//    (SQLite: see Durability in docs/architecture.md).
//  - Thread-safety: implementations must allow Append() from one thread concurrently with reads
//    from others; concurrent Append() calls are serialized by the implementation.
//  - Rollups (rollup/rollup.h) of every newly stored event are maintained in the same
//    transaction as the events: never lost, never double-counted.

#include <cstdint>
#include <span>
#include <vector>

#include "common/status.h"
#include "model/event.h"
#include "storage/query.h"

namespace vigil {

struct AppendResult {
  std::vector<bool> is_new;  // per input event: stored now (true) or duplicate (false)
  size_t inserted = 0;
  size_t duplicates = 0;
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  virtual Result<AppendResult> Append(std::span<const Event> events) = 0;
  // Number of stored events (all tenants); for health pages and tests.
  virtual Result<int64_t> CountEvents() = 0;

  // Rollup rows covering [from, to) (widened to whole minutes; see PlanRollupRead).
  virtual Result<std::vector<RollupRow>> ReadRollups(const RollupQuery& query) = 0;
  // The trace's events in (ts, seq) order.
  virtual Result<std::vector<StoredEvent>> ReadTrace(const TenantFilter& tenants,
                                                     const std::string& trace_id) = 0;
  // Newest first; query.after continues from a previous page.
  virtual Result<EventPage> ListEvents(const EventQuery& query) = 0;
  // Tenants with stored events (for "all tenants" reads).
  virtual Result<std::vector<std::string>> KnownTenants() = 0;
};

}  // namespace vigil
