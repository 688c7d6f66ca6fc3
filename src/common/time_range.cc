#include "common/time_range.h"

#include "common/time_util.h"

namespace vigil {

Result<int64_t> ParseTimePoint(const std::string& text, int64_t now_ns, const char* field) {
  if (text.empty()) return Status::InvalidArgument("empty time", field);
  if (text == "now") return now_ns;
  if (text[0] == '-') {
    Result<int64_t> d = ParseDuration(std::string_view(text).substr(1));
    if (!d.ok()) {
      return Status::InvalidArgument("invalid relative time \"" + text + "\" (e.g. -15m, -24h)",
                                     field);
    }
    return now_ns - *d;
  }
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 15) {
      return Status::InvalidArgument("unix time must be in milliseconds", field);
    }
    return std::stoll(text) * kNanosPerMilli;
  }
  Result<int64_t> t = ParseRfc3339(text);
  if (!t.ok()) {
    return Status::InvalidArgument(
        "invalid time \"" + text + "\": use RFC 3339, unix milliseconds, -15m or now", field);
  }
  return *t;
}

Result<TimeRange> ParseTimeRange(const std::string* from, const std::string* to, int64_t now_ns) {
  TimeRange range;
  range.to_ns = now_ns;
  if (to != nullptr) {
    Result<int64_t> t = ParseTimePoint(*to, now_ns, "to");
    if (!t.ok()) return t.status();
    range.to_ns = *t;
  }
  range.from_ns = range.to_ns - 3600 * kNanosPerSecond;
  if (from != nullptr) {
    Result<int64_t> f = ParseTimePoint(*from, now_ns, "from");
    if (!f.ok()) return f.status();
    range.from_ns = *f;
  }
  if (range.from_ns >= range.to_ns) {
    return Status::InvalidArgument("must be earlier than \"to\"", "from");
  }
  return range;
}

}  // namespace vigil
