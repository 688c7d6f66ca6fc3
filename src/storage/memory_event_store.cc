#include "storage/memory_event_store.h"

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

}  // namespace vigil
