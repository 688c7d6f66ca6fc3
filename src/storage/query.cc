#include "storage/query.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "model/error_class.h"

namespace vigil {

bool TenantFilter::Allows(const std::string& tenant) const {
  return all || std::find(tenants.begin(), tenants.end(), tenant) != tenants.end();
}

std::string EventCursor::Encode() const {
  return std::to_string(ts_ns) + "." + std::to_string(seq);
}

std::optional<EventCursor> EventCursor::Decode(const std::string& text) {
  size_t dot = text.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == text.size()) return std::nullopt;
  auto digits = [](const std::string& s) {
    return s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  std::string ts = text.substr(0, dot), seq = text.substr(dot + 1);
  if (!digits(ts) || !digits(seq)) return std::nullopt;
  return EventCursor{std::strtoll(ts.c_str(), nullptr, 10), std::strtoll(seq.c_str(), nullptr, 10)};
}

bool MatchesEventQuery(const Event& e, const EventQuery& q) {
  if (!q.tenants.Allows(e.tenant)) return false;
  if (e.ts_ns < q.from_ns || e.ts_ns >= q.to_ns) return false;
  if (!q.use_case.empty() && e.use_case != q.use_case) return false;
  if (q.layer && e.layer != *q.layer) return false;
  if (q.status && e.status != *q.status) return false;
  if (!q.model.empty() && e.model != q.model) return false;
  if (!q.tool.empty() && e.tool != q.tool) return false;
  if (!q.release.empty() && e.release != q.release) return false;
  if (!q.error_class.empty() && e.error_class != q.error_class &&
      ErrorClassBase(e.error_class) != q.error_class) {
    return false;
  }
  return true;
}

}  // namespace vigil
