#pragma once
// TimeRange: the [from, to) interval every read endpoint takes.
//
// `from` / `to` accept RFC 3339 ("2026-11-28T15:00:00Z"), unix milliseconds ("1795880841000"),
// relative offsets from now ("-15m", "-24h", "-7d") and "now". Defaults: to = now,
// from = to − 1h. Errors are InvalidArgument with field() "from" or "to".

#include <cstdint>
#include <string>

#include "common/status.h"

namespace vigil {

struct TimeRange {
  int64_t from_ns = 0;
  int64_t to_ns = 0;  // exclusive
};

// Either pointer may be null (parameter absent).
Result<TimeRange> ParseTimeRange(const std::string* from, const std::string* to, int64_t now_ns);
Result<int64_t> ParseTimePoint(const std::string& text, int64_t now_ns, const char* field);

}  // namespace vigil
