#pragma once
// MemoryEventStore: an in-process EventStore for unit tests of components that write or read
// events (pipeline, windows, rules). Same dedup contract as the SQLite store; not durable.
// Thread-safe (one mutex). Fault injection: FailNextAppends(n) makes the next n appends fail
// with Unavailable, as a disk or lock error would.

#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "storage/event_store.h"

namespace vigil {

class MemoryEventStore final : public EventStore {
 public:
  Result<AppendResult> Append(std::span<const Event> events) override;
  Result<int64_t> CountEvents() override;
  Result<std::vector<RollupRow>> ReadRollups(const RollupQuery& query) override;
  Result<std::vector<StoredEvent>> ReadTrace(const TenantFilter& tenants,
                                             const std::string& trace_id) override;
  Result<EventPage> ListEvents(const EventQuery& query) override;
  Result<std::vector<std::string>> KnownTenants() override;

  std::vector<Event> Snapshot() const;
  void FailNextAppends(int n);

 private:
  mutable std::mutex mu_;
  std::set<std::tuple<std::string, std::string, std::string>> identities_;
  std::vector<Event> events_;  // index + 1 is the event's seq
  RollupDelta rollups_;
  int failures_to_inject_ = 0;
};

}  // namespace vigil
