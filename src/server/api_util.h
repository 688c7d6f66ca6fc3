#pragma once
// Helpers shared by the API handlers: the JSON error shape of docs/api.md, Status → HTTP status,
// and authentication of a request.
//
// Error body: {"error":{"code":"…","field":"…","message":"…"}} ("field" only when known).

#include <string>

#include "auth/auth.h"
#include "common/status.h"
#include "server/http/http_types.h"

namespace vigil {

HttpResponse ErrorResponse(int http_status, const std::string& code, const std::string& message,
                           const std::string& field = {});
// Maps a Status to its HTTP status and error code (invalid_argument → 400 "invalid_field" when
// a field is named, …). 429 and 503 carry Retry-After.
HttpResponse StatusResponse(const Status& status);
int HttpStatusFor(Status::Code code);
// The media type of a Content-Type header, lower-cased, without parameters ("; charset=…").
std::string MediaType(std::string_view content_type);

// Authenticates the request and checks `role`; on failure returns nullptr and fills `error`.
const Principal* AuthorizeRequest(const Authenticator& auth, const HttpRequest& req, Role role,
                                  HttpResponse& error);

}  // namespace vigil
