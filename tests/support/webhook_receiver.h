#pragma once
// WebhookReceiver: a tiny HTTP/1.1 server on a free loopback port for integration tests of
// outgoing notifications. It records every POST body and answers 200, or 503 while "down".
// Plain POSIX sockets, one connection at a time, Connection: close.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vigil::testing {

class WebhookReceiver {
 public:
  WebhookReceiver();
  ~WebhookReceiver();
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void SetDown(bool down) { down_ = down; }
  std::vector<std::string> Bodies() const;
  int refused() const { return refused_.load(); }

 private:
  void Serve();
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> down_{false};
  std::atomic<int> refused_{0};
  mutable std::mutex mu_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};

}  // namespace vigil::testing
