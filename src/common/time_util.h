#pragma once
// Parsing and formatting of the time values that appear in config files, API parameters and
// events: durations ("250ms", "30s", "5m", "1h", "14d", "1h30m") and RFC 3339 timestamps.
//
// Contract: parsers never throw; they return InvalidArgument with a message a user can act on.
// Durations and timestamps are carried as int64 nanoseconds.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil {

inline constexpr int64_t kNanosPerMilli = 1'000'000;
inline constexpr int64_t kNanosPerSecond = 1'000'000'000;

// Accepts a sequence of <non-negative integer><unit> with units ns, us, ms, s, m, h, d, w.
Result<int64_t> ParseDuration(std::string_view text);
// The shortest exact form, e.g. "250ms", "5m", "1h30m"; "0s" for zero.
std::string FormatDuration(int64_t nanos);
// For people reading measured times: "850 ms", "14.4 s", "2.5 min" (not exact; FormatDuration is).
std::string FormatElapsed(int64_t nanos);

// RFC 3339: "2026-11-28T15:47:21Z", fractional seconds and numeric offsets allowed.
Result<int64_t> ParseRfc3339(std::string_view text);
// UTC with millisecond precision: "2026-11-28T15:47:21.123Z".
std::string FormatRfc3339(int64_t unix_nanos);

}  // namespace vigil
