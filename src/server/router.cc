#include "server/router.h"

#include "server/api_util.h"

namespace vigil {

std::vector<std::string> Router::Split(std::string_view path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    if (path[pos] == '/') {
      ++pos;
      continue;
    }
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

void Router::Add(std::string method, std::string pattern, HttpHandler handler) {
  routes_.push_back({std::move(method), Split(pattern), std::move(handler)});
}

bool Router::Match(const Route& route, const std::vector<std::string>& segments,
                   std::vector<std::pair<std::string, std::string>>& params) {
  if (route.segments.size() != segments.size()) return false;
  params.clear();
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& pat = route.segments[i];
    if (pat.size() > 2 && pat.front() == '{' && pat.back() == '}') {
      params.emplace_back(pat.substr(1, pat.size() - 2), segments[i]);
    } else if (pat != segments[i]) {
      return false;
    }
  }
  return true;
}

void Router::Dispatch(HttpRequest& req, Responder respond) const {
  std::vector<std::string> segments = Split(req.path);
  std::vector<std::pair<std::string, std::string>> params;
  std::string allowed;
  for (const Route& route : routes_) {
    if (!Match(route, segments, params)) continue;
    if (route.method == req.method || (req.method == "HEAD" && route.method == "GET")) {
      req.path_params = std::move(params);
      route.handler(req, std::move(respond));
      return;
    }
    if (!allowed.empty()) allowed += ", ";
    allowed += route.method;
  }
  if (!allowed.empty()) {
    HttpResponse r =
        ErrorResponse(405, "method_not_allowed", req.method + " is not supported on " + req.path);
    r.headers.emplace_back("Allow", allowed);
    respond(std::move(r));
    return;
  }
  respond(ErrorResponse(404, "not_found", "no such endpoint: " + req.path));
}

}  // namespace vigil
