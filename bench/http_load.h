#pragma once
// HttpLoad: a small single-threaded epoll HTTP/1.1 client for the benchmarks — thousands of
// keep-alive connections from one thread, so the load process costs far less than the server
// it measures. Requests are written whole; responses are parsed by Content-Length (no chunked
// encoding: Vigil does not send it).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::bench {

class HttpLoad {
 public:
  // Called for each complete response: connection index, status, body, receive time (steady ns).
  using OnResponse =
      std::function<void(size_t conn, int status, std::string_view body, int64_t received_ns)>;

  HttpLoad(std::string host, uint16_t port);
  ~HttpLoad();
  // Opens `count` more keep-alive connections; false (with `error()`) when one fails.
  bool Open(size_t count);
  size_t size() const { return conns_.size(); }
  // Queues a request on a connection and writes what the socket takes now.
  void Send(size_t conn, const std::string& request);
  // Runs the event loop until `done()` is true or `timeout_ms` passes; returns whether done.
  bool RunUntil(const std::function<bool()>& done, int64_t timeout_ms, const OnResponse& on);
  const std::string& error() const { return error_; }
  size_t closed() const { return closed_; }  // connections the server closed

  static int64_t NowNs();

 private:
  struct Conn {
    int fd = -1;
    std::string out;
    size_t out_offset = 0;
    std::string in;
  };
  void Flush(size_t conn);
  void Read(size_t conn, const OnResponse& on);

  std::string host_;
  uint16_t port_;
  int epoll_fd_ = -1;
  std::vector<Conn> conns_;
  std::string error_;
  size_t closed_ = 0;
};

}  // namespace vigil::bench
