#pragma once
// Router: maps (method, path pattern) to handlers. Patterns are literal segments and
// "{name}" placeholders matching one segment, e.g. "/v1/releases/{use_case}/{version}/promote".
//
// Contract: Dispatch() fills HttpRequest::path_params and calls the first matching route; it
// answers 404 for an unknown path and 405 (with Allow) for a known path and another method.
// Routes are added before serving; Dispatch() is then thread-safe.

#include <string>
#include <vector>

#include "server/http/http_types.h"

namespace vigil {

class Router {
 public:
  void Add(std::string method, std::string pattern, HttpHandler handler);
  void Dispatch(HttpRequest& req, Responder respond) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    HttpHandler handler;
  };
  static std::vector<std::string> Split(std::string_view path);
  static bool Match(const Route& route, const std::vector<std::string>& segments,
                    std::vector<std::pair<std::string, std::string>>& params);
  std::vector<Route> routes_;
};

}  // namespace vigil
