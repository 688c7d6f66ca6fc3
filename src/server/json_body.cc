#include "server/json_body.h"

namespace vigil {

Result<nlohmann::json> JsonObjectBody(const HttpRequest& req, bool empty_ok) {
  if (empty_ok && req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return nlohmann::json::object();
  }
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Status::InvalidArgument("the body must be a JSON object", "body");
  }
  return body;
}

Result<std::string> JsonStringField(const nlohmann::json& body, const char* field, bool required,
                                    size_t max_len) {
  if (!body.contains(field) || body[field].is_null()) {
    if (required) return Status::InvalidArgument("required", field);
    return std::string();
  }
  if (!body[field].is_string()) return Status::InvalidArgument("must be a string", field);
  std::string v = body[field];
  if (required && v.empty()) return Status::InvalidArgument("must not be empty", field);
  if (v.size() > max_len) return Status::InvalidArgument("too long", field);
  return v;
}

}  // namespace vigil
