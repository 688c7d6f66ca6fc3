#include "bench/http_load.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace vigil::bench {

int64_t HttpLoad::NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

HttpLoad::HttpLoad(std::string host, uint16_t port) : host_(std::move(host)), port_(port) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
}

HttpLoad::~HttpLoad() {
  for (Conn& c : conns_) {
    if (c.fd >= 0) close(c.fd);
  }
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

bool HttpLoad::Open(size_t count) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  inet_pton(AF_INET, host_.c_str(), &addr.sin_addr);
  for (size_t i = 0; i < count; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error_ = std::string("socket: ") + std::strerror(errno);
      return false;
    }
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      error_ = std::string("connect: ") + std::strerror(errno);
      close(fd);
      return false;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    // Non-blocking after connect: writes and reads go through epoll.
    int flags = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = conns_.size();
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    conns_.push_back({fd, {}, 0, {}});
  }
  return true;
}

void HttpLoad::Send(size_t conn, const std::string& request) {
  Conn& c = conns_[conn];
  c.out.append(request);
  Flush(conn);
}

void HttpLoad::Flush(size_t conn) {
  Conn& c = conns_[conn];
  while (c.out_offset < c.out.size()) {
    ssize_t n = write(c.fd, c.out.data() + c.out_offset, c.out.size() - c.out_offset);
    if (n > 0) {
      c.out_offset += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EAGAIN: epoll tells us when to continue
  }
  epoll_event ev{};
  ev.data.u64 = conn;
  ev.events = EPOLLIN | (c.out_offset < c.out.size() ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  if (c.out_offset == c.out.size()) {
    c.out.clear();
    c.out_offset = 0;
  }
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev);
}

void HttpLoad::Read(size_t conn, const OnResponse& on) {
  Conn& c = conns_[conn];
  char buf[65536];
  for (;;) {
    ssize_t n = read(c.fd, buf, sizeof(buf));
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      // The server closed this connection: stop watching it.
      epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
      close(c.fd);
      c.fd = -1;
      ++closed_;
    }
    break;
  }
  const int64_t now = NowNs();
  for (;;) {
    size_t header_end = c.in.find("\r\n\r\n");
    if (header_end == std::string::npos) return;
    std::string_view head(c.in.data(), header_end);
    int status = 0;
    if (head.size() > 12) status = std::atoi(std::string(head.substr(9, 3)).c_str());
    size_t length = 0;
    for (size_t pos = head.find("\r\n"); pos != std::string_view::npos;
         pos = head.find("\r\n", pos + 2)) {
      std::string_view line = head.substr(pos + 2, head.find("\r\n", pos + 2) - pos - 2);
      if (line.size() > 15 && strncasecmp(line.data(), "content-length:", 15) == 0) {
        length = static_cast<size_t>(std::atoll(std::string(line.substr(15)).c_str()));
      }
    }
    const size_t total = header_end + 4 + length;
    if (c.in.size() < total) return;
    on(conn, status, std::string_view(c.in).substr(header_end + 4, length), now);
    c.in.erase(0, total);
  }
}

bool HttpLoad::RunUntil(const std::function<bool()>& done, int64_t timeout_ms,
                        const OnResponse& on) {
  const int64_t deadline = NowNs() + timeout_ms * 1'000'000;
  std::vector<epoll_event> events(1024);
  while (!done()) {
    const int64_t left_ms = (deadline - NowNs()) / 1'000'000;
    if (left_ms <= 0) return false;
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                       static_cast<int>(std::min<int64_t>(left_ms, 100)));
    for (int i = 0; i < n; ++i) {
      const size_t conn = events[static_cast<size_t>(i)].data.u64;
      if (events[static_cast<size_t>(i)].events & EPOLLOUT) Flush(conn);
      if (events[static_cast<size_t>(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Read(conn, on);
    }
  }
  return true;
}

}  // namespace vigil::bench
