// The connection side of the server, in Beast's "server-flex" shape:
// detect TLS or plain on the first bytes, then one HTTP/1.1 session per
// connection, every handler of a connection on its own strand. All Beast
// and OpenSSL stream code of the server is in this file (compile time).
//
// A session reads one request at a time (no pipelining: the next request is
// read after the response to the previous one is written), so the per-
// connection write queue is bounded to one response. Read deadlines use a
// timer of the session's own rather than tcp_stream's expiry, because
// tcp_stream closes the socket on expiry and a slow client is owed a 408.
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "api/internal/server_state.h"
#include "api/internal/to_request.h"
#include "api/internal/ws_start.h"

namespace consilium::api::internal {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// After the last response of a connection, the server reads and discards
// what the client still sends, up to these bounds, before closing: closing
// with unread bytes makes the kernel send RST, which can destroy the
// response (a 413 to a client still uploading) before the client reads it.
constexpr size_t kMaxLingerBytes = 1 << 20;
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr auto kTlsShutdownTime = std::chrono::seconds(2);

bool IsWebSocketUpgrade(const http::request<http::string_body>& req) {
  if (!beast::websocket::is_upgrade(req)) return false;
  beast::string_view target = req.target();
  return target.substr(0, target.find('?')) == kWebSocketPath;
}

bool IsHttpError(const beast::error_code& ec) {
  return ec.category() ==
         http::make_error_code(http::error::bad_method).category();
}

std::string Millis(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

// The HTTP exchange, common to plain and TLS connections; Derived provides
// stream() and Close().
template <class Derived>
class HttpSession : public Connection,
                    public std::enable_shared_from_this<Derived> {
 public:
  void Drain() override {
    net::post(timer_.get_executor(),
              [self = this->shared_from_this()] { self->OnDrain(); });
  }

 protected:
  enum class Phase { kReading, kHandling, kWriting, kClosed };

  HttpSession(std::shared_ptr<ServerState> state, beast::flat_buffer buffer,
              OpenConnection open, bool tls, net::any_io_executor executor)
      : state_(std::move(state)),
        buffer_(std::move(buffer)),
        open_(std::move(open)),
        tls_(tls),
        timer_(executor) {}
  ~HttpSession() override { state_->Forget(id_); }

  Derived& self() { return static_cast<Derived&>(*this); }
  const ServerOptions& options() const { return state_->options; }

  // Makes the connection reachable by Shutdown; before the first read.
  void Register() { id_ = state_->Remember(this->weak_from_this()); }

  void DoRead() {
    if (draining_ || state_->draining) return self().Close();
    parser_.emplace();
    parser_->header_limit(options().max_header_bytes);
    parser_->body_limit(options().max_body_bytes);
    phase_ = Phase::kReading;
    timed_out_ = false;
    method_.clear();
    read_start_ = Clock::now();
    Arm(options().header_timeout);
    http::async_read_header(
        self().stream(), buffer_, *parser_,
        beast::bind_front_handler(&HttpSession::OnHeader,
                                  this->shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    headers_done_ = Clock::now();
    method_ = std::string(parser_->get().method_string());
    auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
        headers_done_ - read_start_);
    Arm(options().request_timeout > spent ? options().request_timeout - spent
                                          : std::chrono::milliseconds(0));
    // A client that asks (curl does for larger bodies) is told to send the
    // body; one whose declared body is too large already got 413 instead.
    if (beast::iequals(parser_->get()[http::field::expect], "100-continue") &&
        parser_->get().version() >= 11) {
      auto go_on = std::make_shared<http::response<http::empty_body>>(
          http::status::continue_, 11);
      http::async_write(self().stream(), *go_on,
                        [self = this->shared_from_this(), go_on](
                            beast::error_code write_ec, size_t) {
                          if (write_ec) return self->OnReadError(write_ec);
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(self().stream(), buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::OnBody,
                                               this->shared_from_this()));
  }

  void OnBody(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    Disarm();
    phase_ = Phase::kHandling;
    if (IsWebSocketUpgrade(parser_->get())) {
      // The WebSocket session takes the stream over (api/ws_session.cc).
      phase_ = Phase::kClosed;
      return self().UpgradeToWebSocket(parser_->release(), std::move(open_));
    }
    keep_alive_ = parser_->keep_alive();
    version_ = parser_->get().version();
    std::shared_ptr<Request> request = ToRequest(parser_->release(), tls_);
    state_->dispatcher->Dispatch(
        std::move(request),
        [self = this->shared_from_this()](Response r, std::string route) {
          // From any thread: back onto the connection's strand.
          net::post(
              self->timer_.get_executor(),
              [self, r = std::move(r), route = std::move(route)]() mutable {
                self->Write(std::move(r), std::move(route), false);
              });
        });
  }

  // A read that ended without a request: the client left, was too slow,
  // sent too much or sent something that is not HTTP.
  void OnReadError(beast::error_code ec) {
    Disarm();
    bool started = parser_->got_some();
    if (timed_out_) {
      if (!started) return self().Close();  // idle keep-alive connection
      return Refuse(408, Status(StatusCode::kDeadlineExceeded,
                                "request not received within " +
                                    Millis(parser_->is_header_done()
                                               ? options().request_timeout
                                               : options().header_timeout)));
    }
    if (ec == http::error::body_limit) {
      return Refuse(
          413, ResourceExhaustedError("request body exceeds " +
                                      std::to_string(options().max_body_bytes) +
                                      " bytes"));
    }
    if (ec == http::error::header_limit) {
      return Refuse(431,
                    ResourceExhaustedError(
                        "request line and headers exceed " +
                        std::to_string(options().max_header_bytes) + " bytes"));
    }
    if (ec == http::error::end_of_stream ||
        ec == http::error::partial_message ||
        ec == net::error::operation_aborted) {
      return self().Close();  // the client left, or Shutdown drained us
    }
    if (IsHttpError(ec)) {
      return Refuse(400,
                    InvalidArgumentError("malformed request: " + ec.message()));
    }
    // Reset, TLS failure: nothing can be said to this client.
    phase_ = Phase::kClosed;
  }

  void Refuse(int status, Status why) {
    Write(ErrorResponse(status, why), kTransportRoute, /*close_after=*/true);
  }

  void Write(Response r, std::string route, bool close_after) {
    phase_ = Phase::kWriting;
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(r.status));
    res->set(http::field::server, "consilium");
    res->set(http::field::content_type, r.content_type);
    // no-store unless the handler chose its caching (the workspace's files).
    res->set(http::field::cache_control, "no-store");
    for (auto& [name, value] : r.headers) {
      if (beast::iequals(name, "Cache-Control"))
        res->erase(http::field::cache_control);
      res->insert(name, value);
    }
    bool keep = keep_alive_ && !close_after && !draining_ && !state_->draining;
    res->keep_alive(keep);
    res->body() = std::move(r.body);
    res->prepare_payload();
    // A HEAD answer states the length of the body it does not send.
    if (method_ == "HEAD") res->body().clear();
    beast::get_lowest_layer(self().stream())
        .expires_after(options().write_timeout);
    http::async_write(
        self().stream(), *res,
        [self = this->shared_from_this(), res, keep, route = std::move(route),
         status = r.status](beast::error_code ec, size_t) {
          self->OnWrite(ec, keep, route, status);
        });
  }

  void OnWrite(beast::error_code ec, bool keep, const std::string& route,
               int status) {
    beast::get_lowest_layer(self().stream()).expires_never();
    std::chrono::duration<double> took = Clock::now() - headers_done_;
    state_->dispatcher->Record(method_, route, status,
                               method_.empty() ? 0.0 : took.count());
    keep_alive_ = true;
    version_ = 11;
    if (ec) {
      phase_ = Phase::kClosed;  // the client left during the write
      return;
    }
    if (!keep) return self().Close();
    DoRead();
  }

  // Reads and discards until the client closes, kMaxLingerBytes or
  // kLingerTime; the caller has shut down the sending side.
  void Linger() {
    beast::get_lowest_layer(self().stream()).expires_after(kLingerTime);
    LingerRead(std::make_shared<LingerBuffer>(), 0);
  }

  std::shared_ptr<ServerState> state_;
  beast::flat_buffer buffer_;
  Phase phase_ = Phase::kReading;

 private:
  using LingerBuffer = std::array<char, 16 << 10>;
  void LingerRead(std::shared_ptr<LingerBuffer> buf, size_t total) {
    beast::get_lowest_layer(self().stream())
        .async_read_some(net::buffer(*buf),
                         [self = this->shared_from_this(), buf, total](
                             beast::error_code ec, size_t n) {
                           if (ec || total + n > kMaxLingerBytes) {
                             beast::get_lowest_layer(self->stream()).close();
                             return;
                           }
                           self->LingerRead(buf, total + n);
                         });
  }

  void Arm(std::chrono::milliseconds after) {
    uint64_t generation = ++timer_generation_;
    timer_.expires_after(after);
    timer_.async_wait(
        [self = this->shared_from_this(), generation](beast::error_code ec) {
          if (!ec && generation == self->timer_generation_) self->OnTimeout();
        });
  }
  void Disarm() {
    ++timer_generation_;
    timer_.cancel();
  }
  void OnTimeout() {
    if (phase_ != Phase::kReading) return;
    timed_out_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(self().stream()).socket().cancel(ignored);
  }

  void OnDrain() {
    draining_ = true;
    // Idle: in the TLS handshake, or waiting for a request of which no
    // byte has arrived.
    if (phase_ == Phase::kReading &&
        (!parser_ || (!parser_->got_some() && buffer_.size() == 0))) {
      Disarm();
      beast::error_code ignored;
      beast::get_lowest_layer(self().stream()).socket().cancel(ignored);
    }
  }

  OpenConnection open_;
  uint64_t id_ = 0;
  bool tls_;
  net::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool timed_out_ = false;
  bool draining_ = false;
  bool keep_alive_ = true;
  unsigned version_ = 11;
  std::string method_;
  Clock::time_point read_start_;
  Clock::time_point headers_done_;
};

class PlainSession final : public HttpSession<PlainSession> {
 public:
  PlainSession(std::shared_ptr<ServerState> state, beast::tcp_stream&& stream,
               beast::flat_buffer buffer, OpenConnection open)
      : HttpSession(std::move(state), std::move(buffer), std::move(open), false,
                    stream.get_executor()),
        stream_(std::move(stream)) {}

  void Run() {
    stream_.expires_never();
    Register();
    DoRead();
  }
  beast::tcp_stream& stream() { return stream_; }

  void UpgradeToWebSocket(UpgradeRequest&& req, OpenConnection open) {
    StartWebSocket(state_, std::move(stream_), std::move(req), std::move(open));
  }

  void Close() {
    phase_ = Phase::kClosed;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    Linger();
  }

 private:
  beast::tcp_stream stream_;
};

class TlsSession final : public HttpSession<TlsSession> {
 public:
  TlsSession(std::shared_ptr<ServerState> state, beast::tcp_stream&& stream,
             beast::flat_buffer buffer, OpenConnection open)
      : HttpSession(state, std::move(buffer), std::move(open), true,
                    stream.get_executor()),
        stream_(std::move(stream), *state->tls) {}

  void Run() {
    Register();
    // The detector's bytes are the start of the ClientHello.
    beast::get_lowest_layer(stream_).expires_after(options().header_timeout);
    stream_.async_handshake(ssl::stream_base::server, buffer_.data(),
                            beast::bind_front_handler(&TlsSession::OnHandshake,
                                                      shared_from_this()));
  }
  ssl::stream<beast::tcp_stream>& stream() { return stream_; }

  void UpgradeToWebSocket(UpgradeRequest&& req, OpenConnection open) {
    StartWebSocket(state_, std::move(stream_), std::move(req), std::move(open));
  }

  void Close() {
    phase_ = Phase::kClosed;
    beast::get_lowest_layer(stream_).expires_after(kTlsShutdownTime);
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::get_lowest_layer(self->stream_).close();
    });
  }

 private:
  void OnHandshake(beast::error_code ec, size_t used) {
    if (ec) return;  // not TLS after all, an old protocol version, a timeout
    buffer_.consume(used);
    beast::get_lowest_layer(stream_).expires_never();
    DoRead();
  }

  ssl::stream<beast::tcp_stream> stream_;
};

// Reads the first bytes of a connection and hands it to the session for
// what they are.
class DetectSession final : public Connection,
                            public std::enable_shared_from_this<DetectSession> {
 public:
  DetectSession(std::shared_ptr<ServerState> state, tcp::socket&& socket)
      : state_(std::move(state)),
        stream_(std::move(socket)),
        open_(state_.get()) {}
  ~DetectSession() override { state_->Forget(id_); }

  void Run() {
    id_ = state_->Remember(weak_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_.expires_after(self->state_->options.header_timeout);
      beast::async_detect_ssl(
          self->stream_, self->buffer_,
          beast::bind_front_handler(&DetectSession::OnDetect, self));
    });
  }

  void Drain() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

 private:
  void OnDetect(beast::error_code ec, bool tls) {
    if (ec || state_->draining) return;  // closed with this object
    if (!tls) {
      std::make_shared<PlainSession>(state_, std::move(stream_),
                                     std::move(buffer_), std::move(open_))
          ->Run();
    } else if (state_->tls) {
      std::make_shared<TlsSession>(state_, std::move(stream_),
                                   std::move(buffer_), std::move(open_))
          ->Run();
    }
    // TLS without a certificate configured: closed, nothing to say in
    // plain text to a TLS client.
  }

  std::shared_ptr<ServerState> state_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  OpenConnection open_;
  uint64_t id_ = 0;
};

}  // namespace

uint64_t ServerState::Remember(std::weak_ptr<Connection> c) {
  std::lock_guard lock(mu);
  uint64_t id = ++next_id;
  connections.emplace(id, std::move(c));
  return id;
}

void ServerState::Forget(uint64_t id) {
  if (id == 0) return;
  std::lock_guard lock(mu);
  connections.erase(id);
}

std::vector<std::shared_ptr<Connection>> ServerState::Live() {
  std::vector<std::shared_ptr<Connection>> live;
  std::lock_guard lock(mu);
  for (auto& [id, weak] : connections) {
    if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  return live;
}

OpenConnection::~OpenConnection() {
  if (state_ == nullptr) return;
  std::lock_guard lock(state_->mu);
  if (--state_->open == 0) state_->closed.notify_all();
}

void StartSession(std::shared_ptr<ServerState> state, tcp::socket socket) {
  std::make_shared<DetectSession>(std::move(state), std::move(socket))->Run();
}

}  // namespace consilium::api::internal
