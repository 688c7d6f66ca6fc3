#include "server/routes_api.h"

#include "common/time_util.h"
#include "server/api_util.h"

namespace vigil {
namespace {

std::string ETag(int64_t version) { return "\"" + std::to_string(version) + "\""; }

HttpResponse RouteResponse(const RouteSnapshot& snap) {
  HttpResponse r;
  r.body = snap.json;
  r.headers = {{"ETag", ETag(snap.version)}, {"Cache-Control", "no-cache"}};
  return r;
}

HttpResponse NotModified(int64_t version) {
  HttpResponse r;
  r.status = 304;
  r.content_type.clear();
  r.headers = {{"ETag", ETag(version)}, {"Cache-Control", "no-cache"}};
  return r;
}

// The version in an If-None-Match value: "7", W/"7" or a list of them (first one wins); -1
// when absent or not one of ours.
int64_t IfNoneMatchVersion(std::string_view header) {
  size_t open = header.find('"');
  if (open == std::string_view::npos) return -1;
  size_t close = header.find('"', open + 1);
  if (close == std::string_view::npos || close == open + 1) return -1;
  int64_t v = 0;
  for (char c : header.substr(open + 1, close - open - 1)) {
    if (c < '0' || c > '9' || v > INT64_MAX / 10) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

void RoutesApi::List(HttpRequest& req, Responder respond) {
  HttpResponse error;
  if (AuthorizeRequest(auth_, req, Role::kRead, error) == nullptr) return respond(std::move(error));
  if (!ready_.load()) {
    return respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
  }
  std::string body = "{\"routes\":[";
  bool first = true;
  for (const std::string& uc : hub_.UseCases()) {
    auto snap = hub_.Current(uc);
    if (!snap) continue;
    body += (first ? "" : ",") + snap->json;
    first = false;
  }
  body += "]}";
  HttpResponse r;
  r.body = std::move(body);
  respond(std::move(r));
}

void RoutesApi::Get(HttpRequest& req, Responder respond) {
  HttpResponse error;
  if (AuthorizeRequest(auth_, req, Role::kRead, error) == nullptr) return respond(std::move(error));
  if (!ready_.load()) {
    return respond(ErrorResponse(503, "not_ready", "the store is still opening; retry shortly"));
  }
  const std::string use_case(req.PathParam("use_case"));
  auto snap = hub_.Current(use_case);
  if (!snap) {
    return respond(
        ErrorResponse(404, "not_found", "unknown use case \"" + use_case + "\" (no releases)"));
  }
  int64_t known = IfNoneMatchVersion(req.Header("if-none-match"));
  if (const std::string* v = req.Query("version")) {
    char* end = nullptr;
    long long parsed = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || parsed < 0) {
      return respond(
          ErrorResponse(400, "invalid_field", "must be a route version (integer ≥ 0)", "version"));
    }
    known = parsed;
  }
  const std::string* wait = req.Query("wait");
  if (wait == nullptr || known < 0) {
    if (known == snap->version) return respond(NotModified(snap->version));
    return respond(RouteResponse(*snap));
  }
  Result<int64_t> wait_ns = ParseDuration(*wait);
  if (!wait_ns.ok() || *wait_ns < 0 || *wait_ns > kMaxWaitNs) {
    return respond(ErrorResponse(400, "invalid_field", "must be a duration from 0s to 5m", "wait"));
  }
  hub_.Watch(use_case, known, RouteHub::SteadyNowNs() + *wait_ns,
             [respond = std::move(respond), known](std::shared_ptr<const RouteSnapshot> s) {
               if (s) return respond(RouteResponse(*s));
               respond(NotModified(known));
             });
}

}  // namespace vigil
