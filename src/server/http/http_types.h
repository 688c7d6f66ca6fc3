#pragma once
// Plain HTTP request/response values shared by the server core and the API handlers, so that
// handlers never include Boost.Beast.

#include <cstdint>
#include <functional>
#include <memory>
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
  // Called on an I/O thread once the response was written (or failed to be); for delivery
  // measurements such as how fast a route change reached its watchers.
  std::function<void(bool written)> on_written;
  // A complete HTTP/1.1 response (status line, headers, body) written as is, instead of the
  // fields above (then ignored; the connection closes after it unless the request asked for
  // keep-alive). For one response shared by thousands of requests: a route change delivered
  // to every watcher.
  std::shared_ptr<const std::string> preserialized;
  // Set by the server: how much of `preserialized` the responder already sent.
  size_t preserialized_sent = 0;
};

// The HTTP/1.1 bytes of `response` (keep-alive), for HttpResponse::preserialized.
std::string SerializeHttp11(const HttpResponse& response);

// Called exactly once per request, from any thread. A preserialized response to a keep-alive
// request is sent from the calling thread at once (the connection is idle while its request is
// being handled), so a publisher answering thousands of watchers writes them back to back.
using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest&, Responder)>;

// Splits "a=1&b=x%20y" into decoded pairs; '+' is a space.
std::vector<std::pair<std::string, std::string>> ParseQueryString(std::string_view query);
std::string PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace vigil
