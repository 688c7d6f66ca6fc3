#include "config/alerting_config.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/time_util.h"

namespace vigil {

const char* TierName(Tier tier) {
  switch (tier) {
    case Tier::kP1:
      return "P1";
    case Tier::kP2:
      return "P2";
    case Tier::kP3:
      return "P3";
  }
  return "P3";
}

namespace {
constexpr std::pair<Signal, const char*> kSignals[] = {
    {Signal::kErrorRate, "error_rate"},
    {Signal::kCount, "count"},
    {Signal::kRate, "rate"},
    {Signal::kLatencyP50, "latency_p50"},
    {Signal::kLatencyP95, "latency_p95"},
    {Signal::kLatencyP99, "latency_p99"},
    {Signal::kCostRate, "cost_rate"},
    {Signal::kTokensRate, "tokens_rate"},
    {Signal::kBusinessRate, "business_rate"},
    {Signal::kCollisions, "collisions"},
};
}  // namespace

const char* SignalName(Signal signal) {
  for (const auto& [s, name] : kSignals) {
    if (s == signal) return name;
  }
  return "count";
}

std::optional<Signal> ParseSignal(std::string_view name) {
  for (const auto& [s, n] : kSignals) {
    if (name == n) return s;
  }
  return std::nullopt;
}

bool Threshold::Holds(double observed, double baseline) const {
  const double bound = relative ? value * baseline : value;
  switch (op) {
    case Op::kGt:
      return observed > bound;
    case Op::kGe:
      return observed >= bound;
    case Op::kLt:
      return observed < bound;
    case Op::kLe:
      return observed <= bound;
  }
  return false;
}

std::string Threshold::ToString() const {
  const char* ops[] = {">", ">=", "<", "<="};
  char buf[96];
  if (relative) {
    std::snprintf(buf, sizeof(buf), "%s %gx baseline(%s)", ops[static_cast<int>(op)], value,
                  FormatDuration(baseline_ns).c_str());
  } else {
    std::snprintf(buf, sizeof(buf), "%s %g", ops[static_cast<int>(op)], value);
  }
  return buf;
}

Result<Threshold> ParseThreshold(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("invalid threshold \"" + std::string(text) + "\": " + why +
                                   " (e.g. \"> 0.2\", \">= 1\", \"> 3x baseline(1h)\")");
  };
  std::string_view s = text;
  auto skip_spaces = [&] {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  };
  skip_spaces();
  Threshold t;
  if (s.substr(0, 2) == ">=") {
    t.op = Threshold::Op::kGe;
    s.remove_prefix(2);
  } else if (s.substr(0, 2) == "<=") {
    t.op = Threshold::Op::kLe;
    s.remove_prefix(2);
  } else if (!s.empty() && s.front() == '>') {
    t.op = Threshold::Op::kGt;
    s.remove_prefix(1);
  } else if (!s.empty() && s.front() == '<') {
    t.op = Threshold::Op::kLt;
    s.remove_prefix(1);
  } else {
    return bad("missing comparison >, >=, < or <=");
  }
  skip_spaces();
  std::string number;
  while (!s.empty() && (std::isdigit(static_cast<unsigned char>(s.front())) || s.front() == '.' ||
                        s.front() == '-' || s.front() == 'e')) {
    number += s.front();
    s.remove_prefix(1);
  }
  char* end = nullptr;
  t.value = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(t.value)) {
    return bad("missing number");
  }
  skip_spaces();
  if (!s.empty() && s.front() == 'x') {
    s.remove_prefix(1);
    skip_spaces();
    if (s.substr(0, 9) != "baseline(" || s.back() != ')') return bad("expected baseline(DURATION)");
    Result<int64_t> d = ParseDuration(s.substr(9, s.size() - 10));
    if (!d.ok() || *d <= 0) return bad("bad baseline duration");
    if (t.value <= 0) return bad("the factor must be positive");
    t.relative = true;
    t.baseline_ns = *d;
    s = {};
  }
  skip_spaces();
  if (!s.empty()) return bad("unexpected \"" + std::string(s) + "\"");
  return t;
}

}  // namespace vigil
