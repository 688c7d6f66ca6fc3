#include "model/error_class.h"

#include <array>

#include "common/text.h"

namespace vigil {
namespace {

constexpr std::array<std::string_view, 13> kClasses = {"none",
                                                       "timeout",
                                                       "upstream_5xx",
                                                       "throttled",
                                                       "malformed_output",
                                                       "refusal",
                                                       "permission_denied",
                                                       "unauthorized_action",
                                                       "sensitive_data",
                                                       "idempotency_collision",
                                                       "validation_failed",
                                                       "tool_error",
                                                       "other"};

}  // namespace

std::span<const std::string_view> ErrorClasses() { return kClasses; }

std::string_view ErrorClassBase(std::string_view error_class) {
  size_t slash = error_class.find('/');
  return slash == std::string_view::npos ? error_class : error_class.substr(0, slash);
}

Status ValidateErrorClass(std::string_view error_class) {
  std::string_view base = ErrorClassBase(error_class);
  bool known = false;
  for (std::string_view c : kClasses) known = known || c == base;
  if (!known) {
    std::string list;
    for (std::string_view c : kClasses) {
      if (!list.empty()) list += ", ";
      list += c;
    }
    return Status::InvalidArgument("unknown error class \"" + std::string(base) +
                                   "\"; valid classes: " + list);
  }
  if (base.size() < error_class.size()) {
    std::string_view detail = error_class.substr(base.size() + 1);
    if (base == "none") return Status::InvalidArgument("\"none\" takes no detail");
    if (detail.empty() || detail.size() > 128 || !HasNoControlChars(detail)) {
      return Status::InvalidArgument(
          "error class detail must be 1–128 printable characters after the '/'");
    }
  }
  return Status::Ok();
}

}  // namespace vigil
