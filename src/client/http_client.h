#pragma once
// HttpClient: a small blocking HTTP/1.1 client on libcurl for the CLI, the simulator, the
// benchmarks and the integration tests. One client keeps one keep-alive connection.
//
// Contract: Request() never throws; transport failures (refused, timeout) come back as
// Unavailable with curl's message, any HTTP status as a ClientResponse. TCP_NODELAY is on
// (libcurl's default) so small keep-alive requests don't stall on delayed ACKs.
// Thread-safety: one client per thread.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace vigil {

struct ClientResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string_view Header(std::string_view lower_name) const;
};

class HttpClient {
 public:
  explicit HttpClient(std::string base_url,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `headers` are "Name: value" lines. A body is sent for any method when non-empty.
  Result<ClientResponse> Request(const std::string& method, const std::string& path,
                                 std::string_view body = {},
                                 const std::vector<std::string>& headers = {});
  Result<ClientResponse> Get(const std::string& path,
                             const std::vector<std::string>& headers = {}) {
    return Request("GET", path, {}, headers);
  }

  const std::string& base_url() const { return base_url_; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  // While *abort is true, a request in progress stops within ~100 ms (Unavailable "aborted").
  void set_abort_flag(const std::atomic<bool>* abort) { abort_ = abort; }

 private:
  std::string base_url_;
  std::chrono::milliseconds timeout_;
  const std::atomic<bool>* abort_ = nullptr;
  void* curl_ = nullptr;  // CURL*, kept opaque so callers don't include curl.h
};

}  // namespace vigil
