#pragma once
// HttpServer: HTTP/1.1 on Boost.Beast with C++20 coroutines. The only place Beast is included.
//
// Design: one io_context run by `threads` threads; one coroutine per connection, so idle
// keep-alive connections (and long-poll waiters) hold no thread. Each request is handed to the
// handler as a plain HttpRequest; the handler answers through the Responder — possibly later,
// from another thread (ingest replies after the group commit).
//
// Contract:
//  - Bodies larger than max_body_bytes get 413 (from Content-Length before reading, or while
//    reading a chunked body) and the connection is closed.
//  - "Expect: 100-continue" is honoured.
//  - Every request body has at least body_spare_capacity bytes of capacity past its size.
//  - Stop() stops accepting, waits up to `drain` for in-flight requests to be answered, then
//    stops the threads. Thread-safety: Start/Stop from one controlling thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/http/http_types.h"

namespace vigil {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 7070;  // 0: any free port (see Start())
  int threads = 1;
  size_t max_body_bytes = 16 * 1024 * 1024;
  size_t body_spare_capacity = 64;
  std::chrono::seconds idle_timeout{120};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();

  // Binds and starts serving; returns the bound port.
  Result<uint16_t> Start();
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(5000));
  int64_t InFlight() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses "host:port" (IPv4 or [IPv6]).
Status ParseListenAddress(const std::string& text, std::string& host, uint16_t& port);

}  // namespace vigil
