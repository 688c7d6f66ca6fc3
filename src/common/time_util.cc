#include "common/time_util.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <limits>

namespace vigil {
namespace {

struct Unit {
  std::string_view name;
  int64_t nanos;
};

// Longest names first so "ms" wins over "m".
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"ms", kNanosPerMilli},
    {"s", kNanosPerSecond},
    {"m", 60 * kNanosPerSecond},
    {"h", 3600 * kNanosPerSecond},
    {"d", 86400 * kNanosPerSecond},
    {"w", 7 * 86400 * kNanosPerSecond},
};

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ReadDigits(std::string_view s, size_t& pos, size_t count, int& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += count;
  return true;
}

}  // namespace

Result<int64_t> ParseDuration(std::string_view text) {
  if (text.empty()) return Status::InvalidArgument("empty duration");
  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[pos]))) {
      return Status::InvalidArgument("invalid duration \"" + std::string(text) +
                                     "\": expected a number such as 30s, 5m, 1h, 14d");
    }
    int64_t value = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (value > std::numeric_limits<int64_t>::max() / 10) {
        return Status::InvalidArgument("duration \"" + std::string(text) + "\" is too large");
      }
      value = value * 10 + (text[pos] - '0');
      ++pos;
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(pos, u.name.size()) == u.name) {
        // "m" must not swallow the "m" of "ms".
        if (u.name == "m" && text.substr(pos, 2) == "ms") continue;
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return Status::InvalidArgument("invalid duration \"" + std::string(text) +
                                     "\": missing or unknown unit (use ms, s, m, h, d, w)");
    }
    pos += unit->name.size();
    if (value > std::numeric_limits<int64_t>::max() / unit->nanos) {
      return Status::InvalidArgument("duration \"" + std::string(text) + "\" is too large");
    }
    total += value * unit->nanos;
  }
  return total;
}

std::string FormatDuration(int64_t nanos) {
  if (nanos == 0) return "0s";
  std::string out;
  if (nanos < 0) {
    out = "-";
    nanos = -nanos;
  }
  // Only whole-second multiples get compound forms; sub-second values use one unit.
  if (nanos % kNanosPerSecond != 0) {
    if (nanos % kNanosPerMilli == 0) return out + std::to_string(nanos / kNanosPerMilli) + "ms";
    if (nanos % 1000 == 0) return out + std::to_string(nanos / 1000) + "us";
    return out + std::to_string(nanos) + "ns";
  }
  static constexpr Unit kCompound[] = {{"d", 86400 * kNanosPerSecond},
                                       {"h", 3600 * kNanosPerSecond},
                                       {"m", 60 * kNanosPerSecond},
                                       {"s", kNanosPerSecond}};
  for (const Unit& u : kCompound) {
    if (nanos >= u.nanos) {
      out += std::to_string(nanos / u.nanos) + std::string(u.name);
      nanos %= u.nanos;
    }
  }
  return out;
}

Result<int64_t> ParseRfc3339(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument("invalid RFC 3339 timestamp \"" + std::string(s) +
                                   "\" (expected e.g. 2026-11-28T15:04:05Z)");
  };
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!ReadDigits(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, pos, 2, month) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, pos, 2, day) || pos >= s.size() ||
      (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) {
    return bad();
  }
  ++pos;
  if (!ReadDigits(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':' ||
      !ReadDigits(s, pos, 2, minute) || pos >= s.size() || s[pos++] != ':' ||
      !ReadDigits(s, pos, 2, second)) {
    return bad();
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  int64_t frac_nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    size_t digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (scale > 0) frac_nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) return bad();
  }
  if (pos >= s.size()) return bad();
  int64_t offset_seconds = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos] == '+' ? 1 : -1;
    ++pos;
    int oh, om;
    if (!ReadDigits(s, pos, 2, oh) || pos >= s.size() || s[pos++] != ':' ||
        !ReadDigits(s, pos, 2, om) || oh > 23 || om > 59) {
      return bad();
    }
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return secs * kNanosPerSecond + frac_nanos;
}

std::string FormatRfc3339(int64_t unix_nanos) {
  int64_t secs = unix_nanos / kNanosPerSecond;
  int64_t rem = unix_nanos % kNanosPerSecond;
  if (rem < 0) {
    rem += kNanosPerSecond;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(rem / kNanosPerMilli));
  return buf;
}

std::string FormatElapsed(int64_t nanos) {
  char buf[32];
  const double ms = static_cast<double>(nanos) / 1e6;
  if (ms < 1000) {
    std::snprintf(buf, sizeof(buf), "%.0f ms", ms);
  } else if (ms < 120'000) {
    std::snprintf(buf, sizeof(buf), "%.1f s", ms / 1000);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f min", ms / 60'000);
  }
  return buf;
}

}  // namespace vigil
