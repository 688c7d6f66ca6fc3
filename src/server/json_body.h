#pragma once
// JSON request-body helpers shared by the API handlers that accept JSON objects.

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "server/http/http_types.h"

namespace vigil {

// Parses the body as a JSON object; an empty body is `{}` when `empty_ok`.
Result<nlohmann::json> JsonObjectBody(const HttpRequest& req, bool empty_ok = false);
// A string member: absent → "" (InvalidArgument naming the field when required); wrong type,
// empty-but-required or longer than max_len → InvalidArgument naming the field.
Result<std::string> JsonStringField(const nlohmann::json& body, const char* field, bool required,
                                    size_t max_len = 4096);

}  // namespace vigil
