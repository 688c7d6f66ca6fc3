#include "server/api_util.h"

#include "common/text.h"

namespace vigil {

HttpResponse ErrorResponse(int http_status, const std::string& code, const std::string& message,
                           const std::string& field) {
  HttpResponse r;
  r.status = http_status;
  r.body = "{\"error\":{\"code\":\"";
  AppendJsonEscaped(r.body, code);
  r.body += "\"";
  if (!field.empty()) {
    r.body += ",\"field\":\"";
    AppendJsonEscaped(r.body, field);
    r.body += "\"";
  }
  r.body += ",\"message\":\"";
  AppendJsonEscaped(r.body, message);
  r.body += "\"}}";
  if (http_status == 429 || http_status == 503) r.headers.emplace_back("Retry-After", "1");
  if (http_status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"vigil\"");
  return r;
}

int HttpStatusFor(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return 200;
    case Status::Code::kInvalidArgument:
      return 400;
    case Status::Code::kUnauthenticated:
      return 401;
    case Status::Code::kPermissionDenied:
      return 403;
    case Status::Code::kNotFound:
      return 404;
    case Status::Code::kAlreadyExists:
      return 409;
    case Status::Code::kFailedPrecondition:
      return 409;
    case Status::Code::kResourceExhausted:
      return 429;
    case Status::Code::kUnavailable:
      return 503;
    case Status::Code::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse StatusResponse(const Status& status) {
  int http = HttpStatusFor(status.code());
  std::string code = Status::CodeName(status.code());
  if (status.code() == Status::Code::kInvalidArgument && !status.field().empty()) {
    code = "invalid_field";
  }
  return ErrorResponse(http, code, status.message(), status.field());
}

const Principal* AuthorizeRequest(const Authenticator& auth, const HttpRequest& req, Role role,
                                  HttpResponse& error) {
  Result<const Principal*> principal = auth.Authenticate(req.Header("authorization"));
  if (!principal.ok()) {
    error = StatusResponse(principal.status());
    return nullptr;
  }
  Status st = Authenticator::Require(**principal, role);
  if (!st.ok()) {
    error = StatusResponse(st);
    return nullptr;
  }
  return *principal;
}

std::string MediaType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  return AsciiLower(media);
}

}  // namespace vigil
