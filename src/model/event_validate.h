#pragma once
// Validation of one parsed event against the rules of the event model (docs/api.md#events).
//
// Contract: returns Ok or InvalidArgument whose field() names the offending field
// ("latency_ms", "attrs.foo", …). Pure function; thread-safe.

#include <cstdint>

#include "common/status.h"
#include "model/event.h"

namespace vigil {

struct EventLimits {
  int64_t max_age_ns = 7LL * 86400 * 1'000'000'000;  // ts no older than now − this
  int64_t max_future_ns = 5LL * 60 * 1'000'000'000;  // ts no later than now + this
  size_t max_id_bytes = 128;
  size_t max_name_bytes = 256;
  size_t max_string_bytes = 1024;
  size_t max_attrs = 32;
};

// `status_given` says whether the event carried an explicit status (task events must).
Status ValidateEvent(const Event& event, bool status_given, int64_t now_ns,
                     const EventLimits& limits = {});

}  // namespace vigil
