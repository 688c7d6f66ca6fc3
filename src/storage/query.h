#pragma once
// Read-side query types of EventStore: tenant filters, rollup reads, trace reads and paged event
// listings.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/event.h"
#include "rollup/rollup.h"

namespace vigil {

// Which tenants a read may see. Built from the caller's token scope; never empty-and-not-all.
struct TenantFilter {
  bool all = false;
  std::vector<std::string> tenants;
  bool Allows(const std::string& tenant) const;
};

struct RollupQuery {
  TenantFilter tenants;
  std::string use_case;  // empty: any
  std::string release;   // empty: any
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  // kMinute: read minute cells over the whole range (time series finer than an hour need them);
  // kHour: whole hours from hour cells (fewer rows; see PlanRollupRead).
  RollupGrain coarsest_grain = RollupGrain::kHour;
};

struct StoredEvent {
  int64_t seq = 0;  // arrival order, unique
  Event event;
};

// Position after the last event of a page, in (ts, seq) descending order.
struct EventCursor {
  int64_t ts_ns = 0;
  int64_t seq = 0;
  std::string Encode() const;
  static std::optional<EventCursor> Decode(const std::string& text);
};

struct EventQuery {
  TenantFilter tenants;
  std::string use_case, error_class, model, tool, release;  // empty: any
  std::optional<Layer> layer;
  std::optional<EventStatus> status;  // unset: ok and error
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  size_t limit = 100;
  std::optional<EventCursor> after;
};

struct EventPage {
  std::vector<StoredEvent> events;  // newest first
  std::optional<EventCursor> next;  // set when more may follow
};

// True when the event matches every set filter of `q` (error_class matches its base class or
// the exact "class/detail").
bool MatchesEventQuery(const Event& e, const EventQuery& q);

}  // namespace vigil
