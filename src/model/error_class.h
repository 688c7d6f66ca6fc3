#pragma once
// The closed vocabulary of error classes. An event's error_class is "class" or "class/detail",
// where class is one of kErrorClasses and detail is free text naming a sub-case
// (e.g. "timeout/connect", "permission_denied/refund_api").

#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil {

// In the order documented in docs/api.md; "none" means no error.
std::span<const std::string_view> ErrorClasses();

// The class part of "class/detail".
std::string_view ErrorClassBase(std::string_view error_class);

// Ok when `error_class` uses a known class and a printable detail of ≤ 128 bytes.
Status ValidateErrorClass(std::string_view error_class);

}  // namespace vigil
