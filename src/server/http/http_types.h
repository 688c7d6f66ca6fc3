#pragma once
// Plain HTTP request/response values shared by the server core and the API handlers, so that
// handlers never include Boost.Beast.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", …
  std::string target;                                        // path + query as received
  std::string path;                                          // percent-decoded path
  std::vector<std::pair<std::string, std::string>> query;    // decoded parameters in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;  // has spare capacity for in-place parsers (see HttpServerOptions)
  std::string remote;
  std::vector<std::pair<std::string, std::string>> path_params;  // filled by the router

  // Empty when absent.
  std::string_view Header(std::string_view lower_name) const;
  const std::string* Query(std::string_view name) const;
  std::string_view PathParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after sending
};

// Called exactly once per request, from any thread.
using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest&, Responder)>;

// Splits "a=1&b=x%20y" into decoded pairs; '+' is a space.
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view query);
std::string PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace vigil
