#include "server/http/http_server.h"

#include <sys/socket.h>

#include <cerrno>

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>
#include <utility>
#include <vector>

#include "common/text.h"

namespace vigil {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

const char* ReasonJson(int status) {
  switch (status) {
    case 400:
      return R"({"error":{"code":"bad_request","message":"malformed HTTP request"}})";
    case 413:
      return R"({"error":{"code":"payload_too_large","message":"request body exceeds server.max_body_bytes"}})";
    default:
      return R"({"error":{"code":"internal","message":"internal error"}})";
  }
}

HttpRequest Convert(http::request<http::string_body>&& msg, const std::string& remote) {
  HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  std::string_view target = req.target;
  size_t q = target.find('?');
  req.path = PercentDecode(target.substr(0, q), false);
  if (q != std::string_view::npos) req.query = ParseQueryString(target.substr(q + 1));
  for (const auto& field : msg) {
    auto name = field.name_string();
    req.headers.emplace_back(AsciiLower(std::string_view(name.data(), name.size())),
                             std::string(field.value()));
  }
  req.body = std::move(msg.body());
  req.remote = remote;
  return req;
}

http::response<http::string_body> ToBeast(HttpResponse&& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "vigil");
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  for (auto& [k, v] : r.headers) res.set(k, v);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive && !r.close);
  res.prepare_payload();
  return res;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, HttpHandler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        ioc_(options_.threads),
        acceptor_(ioc_) {}

  Result<uint16_t> Start() {
    beast::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return Status::InvalidArgument("invalid listen host \"" + options_.host + "\"");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("cannot listen on " + options_.host + ":" +
                                 std::to_string(options_.port) + ": " + ec.message());
    }
    uint16_t port = acceptor_.local_endpoint().port();
    asio::co_spawn(ioc_, Accept(), asio::detached);
    for (int i = 0; i < std::max(1, options_.threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    return port;
  }

  void Stop(std::chrono::milliseconds drain) {
    if (threads_.empty()) return;
    asio::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    auto deadline = std::chrono::steady_clock::now() + drain;
    while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  int64_t InFlight() const { return in_flight_.load(); }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor_.is_open() || ec == asio::error::operation_aborted) co_return;
        spdlog::warn("http: accept failed: {}", ec.message());
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(ioc_, Session(std::move(socket)), asio::detached);
    }
  }

  // Runs the handler and resumes this coroutine when the Responder is called (any thread).
  // `fd` is the connection's socket: while the request is being handled nothing else uses it,
  // so a preserialized response can be sent straight from the responding thread.
  template <typename Token>
  auto AsyncHandle(HttpRequest& req, int fd, bool keep_alive, Token&& token) {
    return asio::async_initiate<Token, void(HttpResponse)>(
        [this, &req, fd, keep_alive](auto completion) {
          auto shared = std::make_shared<decltype(completion)>(std::move(completion));
          auto executor = asio::get_associated_executor(*shared, ioc_.get_executor());
          handler_(req, [shared, executor, fd, keep_alive](HttpResponse response) {
            if (response.preserialized && keep_alive && !response.close) {
              SendInline(fd, response);
            }
            asio::post(executor, [shared, response = std::move(response)]() mutable {
              (*shared)(std::move(response));
            });
          });
        },
        token);
  }

  static void SendInline(int fd, HttpResponse& response) {
    const std::string& raw = *response.preserialized;
    while (response.preserialized_sent < raw.size()) {
      ssize_t n = ::send(fd, raw.data() + response.preserialized_sent,
                         raw.size() - response.preserialized_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        response.preserialized_sent += static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        return;  // the socket buffer is full (or the peer left): the session finishes it
      }
    }
    if (response.on_written) {
      response.on_written(true);
      response.on_written = nullptr;
    }
  }

  asio::awaitable<void> WriteSimple(beast::tcp_stream& stream, int status, unsigned version) {
    HttpResponse r;
    r.status = status;
    r.body = ReasonJson(status);
    r.close = true;
    auto res = ToBeast(std::move(r), version, false);
    beast::error_code ec;
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::awaitable<void> Session(tcp::socket socket) {
    beast::error_code ec;
    std::string remote = socket.remote_endpoint(ec).address().to_string();
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options_.max_body_bytes);
      parser.header_limit(64 * 1024);
      stream.expires_after(options_.idle_timeout);
      co_await http::async_read_header(stream, buffer, parser,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::body_limit) {  // Content-Length above the limit
        co_await WriteSimple(stream, 413, 11);
        break;
      }
      if (ec) {
        if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted &&
            ec != beast::error::timeout && ec != asio::error::connection_reset) {
          co_await WriteSimple(stream, 400, 11);
        }
        break;
      }
      auto& header = parser.get();
      const unsigned version = header.version();
      if (auto length = parser.content_length(); length && *length > options_.max_body_bytes) {
        co_await WriteSimple(stream, 413, version);
        break;
      }
      if (auto length = parser.content_length()) {
        header.body().reserve(*length + options_.body_spare_capacity);
      }
      if (beast::iequals(header[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, version};
        co_await http::async_write(stream, cont, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
      }
      stream.expires_after(std::chrono::seconds(60));
      co_await http::async_read(stream, buffer, parser,
                                asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::body_limit) {
        co_await WriteSimple(stream, 413, version);
        break;
      }
      if (ec) break;
      stream.expires_never();
      // An idle long-poll should not keep a read buffer: thousands of them wait at once.
      if (buffer.size() == 0) buffer.shrink_to_fit();
      const bool keep_alive = parser.get().keep_alive();
      HttpRequest req = Convert(parser.release(), remote);
      if (req.body.capacity() < req.body.size() + options_.body_spare_capacity) {
        req.body.reserve(req.body.size() + options_.body_spare_capacity);
      }
      in_flight_.fetch_add(1);
      HttpResponse response = co_await AsyncHandle(req, stream.socket().native_handle(), keep_alive,
                                                   asio::use_awaitable);
      in_flight_.fetch_sub(1);
      auto on_written = std::move(response.on_written);
      if (response.preserialized) {
        // Shared bytes: no per-request serialization or copy. They are HTTP/1.1 without a
        // Connection header; a client that did not ask for keep-alive gets them and a close.
        auto raw = std::move(response.preserialized);
        const size_t sent = response.preserialized_sent;
        const bool close = !keep_alive || response.close;
        if (sent < raw->size()) {
          stream.expires_after(std::chrono::seconds(60));
          co_await asio::async_write(stream, asio::buffer(raw->data() + sent, raw->size() - sent),
                                     asio::redirect_error(asio::use_awaitable, ec));
        }
        if (on_written) on_written(!ec);
        if (ec || close) break;
        continue;
      }
      auto res = ToBeast(std::move(response), version, keep_alive);
      const bool close = !res.keep_alive();
      stream.expires_after(std::chrono::seconds(60));
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (on_written) on_written(!ec);
      if (ec || close) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  HttpServerOptions options_;
  HttpHandler handler_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::atomic<int64_t> in_flight_{0};
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { impl_->Stop(std::chrono::milliseconds(0)); }

Result<uint16_t> HttpServer::Start() { return impl_->Start(); }
void HttpServer::Stop(std::chrono::milliseconds drain) { impl_->Stop(drain); }
int64_t HttpServer::InFlight() const { return impl_->InFlight(); }

Status ParseListenAddress(const std::string& text, std::string& host, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::InvalidArgument("expected HOST:PORT, got \"" + text + "\"");
  }
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int value = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return Status::InvalidArgument("invalid port in \"" + text + "\"");
    value = value * 10 + (c - '0');
    if (value > 65535) return Status::InvalidArgument("port out of range in \"" + text + "\"");
  }
  port = static_cast<uint16_t>(value);
  return Status::Ok();
}

}  // namespace vigil
