#include "support/webhook_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace vigil::testing {

WebhookReceiver::WebhookReceiver() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  listen(listen_fd_, 16);
  socklen_t len = sizeof(addr);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

WebhookReceiver::~WebhookReceiver() {
  stop_ = true;
  thread_.join();
  close(listen_fd_);
}

std::vector<std::string> WebhookReceiver::Bodies() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bodies_;
}

void WebhookReceiver::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::string data;
    char buf[8192];
    size_t header_end = std::string::npos, content_length = 0;
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      data.append(buf, static_cast<size_t>(n));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          std::string headers = data.substr(0, header_end);
          for (char& c : headers)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          size_t cl = headers.find("content-length:");
          if (cl != std::string::npos) content_length = std::stoul(headers.substr(cl + 15));
        }
      }
      if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) break;
    }
    const char* reply;
    if (down_) {
      refused_++;
      reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    } else {
      if (header_end != std::string::npos) {
        std::lock_guard<std::mutex> lock(mu_);
        bodies_.push_back(data.substr(header_end + 4, content_length));
      }
      reply = "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    }
    send(fd, reply, std::strlen(reply), MSG_NOSIGNAL);
    close(fd);
  }
}

}  // namespace vigil::testing
