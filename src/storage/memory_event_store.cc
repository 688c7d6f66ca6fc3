#include "storage/memory_event_store.h"

#include <algorithm>
#include <set>

namespace vigil {

Result<AppendResult> MemoryEventStore::Append(std::span<const Event> events) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failures_to_inject_ > 0) {
    --failures_to_inject_;
    return Status::Unavailable("injected store failure");
  }
  AppendResult result;
  result.is_new.reserve(events.size());
  for (const Event& e : events) {
    bool inserted = identities_.emplace(e.tenant, e.trace_id, e.span_id).second;
    result.is_new.push_back(inserted);
    if (inserted) {
      events_.push_back(e);
      AccumulateRollups(std::span<const Event>(&e, 1), rollups_);
      ++result.inserted;
    } else {
      ++result.duplicates;
    }
  }
  return result;
}

Result<int64_t> MemoryEventStore::CountEvents() {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(events_.size());
}

std::vector<Event> MemoryEventStore::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

void MemoryEventStore::FailNextAppends(int n) {
  std::lock_guard<std::mutex> lock(mu_);
  failures_to_inject_ = n;
}

Result<std::vector<RollupRow>> MemoryEventStore::ReadRollups(const RollupQuery& q) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RollupRow> rows;
  for (const RollupPlanPart& part : PlanRollupRead(q.from_ns, q.to_ns, q.coarsest_grain)) {
    for (const auto& [id, cell] : rollups_) {
      if (id.grain != part.grain || id.bucket_ns < part.from_ns || id.bucket_ns >= part.to_ns) {
        continue;
      }
      if (!q.tenants.Allows(id.key.tenant)) continue;
      if (!q.use_case.empty() && id.key.use_case != q.use_case) continue;
      if (!q.release.empty() && id.key.release != q.release) continue;
      rows.push_back({id.bucket_ns, id.grain, id.key, cell});
    }
  }
  return rows;
}

Result<std::vector<StoredEvent>> MemoryEventStore::ReadTrace(const TenantFilter& tenants,
                                                             const std::string& trace_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredEvent> out;
  for (size_t i = 0; i < events_.size(); ++i) {
    const Event& e = events_[i];
    if (e.trace_id == trace_id && tenants.Allows(e.tenant)) {
      out.push_back({static_cast<int64_t>(i + 1), e});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const StoredEvent& a, const StoredEvent& b) {
    return a.event.ts_ns != b.event.ts_ns ? a.event.ts_ns < b.event.ts_ns : a.seq < b.seq;
  });
  return out;
}

Result<EventPage> MemoryEventStore::ListEvents(const EventQuery& q) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<StoredEvent> matches;
  for (size_t i = 0; i < events_.size(); ++i) {
    const Event& e = events_[i];
    int64_t seq = static_cast<int64_t>(i + 1);
    if (!MatchesEventQuery(e, q)) continue;
    if (q.after &&
        !(e.ts_ns < q.after->ts_ns || (e.ts_ns == q.after->ts_ns && seq < q.after->seq))) {
      continue;
    }
    matches.push_back({seq, e});
  }
  std::sort(matches.begin(), matches.end(), [](const StoredEvent& a, const StoredEvent& b) {
    return a.event.ts_ns != b.event.ts_ns ? a.event.ts_ns > b.event.ts_ns : a.seq > b.seq;
  });
  EventPage page;
  if (matches.size() > q.limit) {
    matches.resize(q.limit);
    page.next = EventCursor{matches.back().event.ts_ns, matches.back().seq};
  }
  page.events = std::move(matches);
  return page;
}

Result<std::vector<std::string>> MemoryEventStore::KnownTenants() {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> tenants;
  for (const Event& e : events_) tenants.insert(e.tenant);
  return std::vector<std::string>(tenants.begin(), tenants.end());
}

}  // namespace vigil
