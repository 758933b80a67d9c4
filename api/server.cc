#include "api/server.h"

#include <openssl/ssl.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "api/internal/server_state.h"

namespace consilium::api {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using internal::ServerState;

// "127.0.0.1:8443", "[::1]:0", "0.0.0.0:443".
StatusOr<tcp::endpoint> ParseListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError("listen address \"" + listen +
                                "\": expected HOST:PORT");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [end, err] = std::from_chars(port_text.data(),
                                    port_text.data() + port_text.size(), port);
  if (err != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535 || port_text.empty()) {
    return InvalidArgumentError("listen address \"" + listen +
                                "\": bad port \"" + port_text + "\"");
  }
  boost::system::error_code ec;
  net::ip::address address = net::ip::make_address(host, ec);
  if (ec) {
    return InvalidArgumentError("listen address \"" + listen +
                                "\": bad IP address \"" + host +
                                "\" (a numeric address, not a name)");
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

// TLS 1.2 and 1.3 only, the chain and key from PEM files; OpenSSL's
// reason in the message when a file is refused.
StatusOr<std::unique_ptr<ssl::context>> MakeTlsContext(const TlsFiles& files) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                   ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) !=
      1) {
    return InternalError("OpenSSL refused TLS 1.2 as the minimum version");
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(files.certificate_chain, ec);
  if (ec) {
    return InvalidArgumentError("TLS certificate " + files.certificate_chain +
                                ": " + ec.message());
  }
  ctx->use_private_key_file(files.private_key, ssl::context::pem, ec);
  if (ec) {
    return InvalidArgumentError("TLS private key " + files.private_key + ": " +
                                ec.message());
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return InvalidArgumentError("TLS private key " + files.private_key +
                                " does not match the certificate " +
                                files.certificate_chain);
  }
  return ctx;
}

// Accepts connections until closed; over max_connections a connection is
// closed as soon as it is accepted (counted), so the backlog cannot pile up.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& io, std::shared_ptr<ServerState> state)
      : io_(io),
        state_(std::move(state)),
        acceptor_(net::make_strand(io)),
        retry_(acceptor_.get_executor()) {}

  Status Listen(const tcp::endpoint& endpoint) {
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return UnavailableError(
          "cannot listen on " + endpoint.address().to_string() + ":" +
          std::to_string(endpoint.port()) + ": " + ec.message());
    }
    return OkStatus();
  }
  tcp::endpoint local() const { return acceptor_.local_endpoint(); }

  void Accept() {
    acceptor_.async_accept(
        net::make_strand(io_),
        [self = shared_from_this()](boost::system::error_code ec,
                                    tcp::socket socket) {
          self->OnAccept(ec, std::move(socket));
        });
  }

  void Close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
    });
  }

 private:
  void OnAccept(boost::system::error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open() || state_->draining) return;
    if (ec) {
      // Out of descriptors, for instance: try again shortly rather than
      // spinning on the same error.
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait(
          [self = shared_from_this()](boost::system::error_code e) {
            if (!e) self->Accept();
          });
      return;
    }
    if (state_->open.load() >=
        static_cast<int64_t>(state_->options.max_connections)) {
      state_->refused->Add({});
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      internal::StartSession(state_, std::move(socket));
    }
    Accept();
  }

  net::io_context& io_;
  std::shared_ptr<ServerState> state_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
};

}  // namespace

// Member order is destruction order reversed: the pool goes before the
// io_context (its abandoned tasks hold sessions whose sockets use it).
class Server::Impl {
 public:
  explicit Impl(size_t blocking_threads) : pool_(blocking_threads) {}

  net::io_context io_;
  // Keeps the I/O threads running while nothing is pending on the
  // io_context, as when every connection waits for a blocking handler
  // after the acceptor closed.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  net::thread_pool pool_;
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<Listener> listener_;
  std::optional<net::signal_set> signals_;
  std::vector<std::thread> threads_;
  tcp::endpoint local_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;  // under mu_
  bool stopped_ = false;         // under mu_
  std::mutex shutdown_mu_;       // one Shutdown at a time

  void Stop();
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Shutdown(); }

StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options,
                                                Router routes,
                                                ServerDeps deps) {
  ASSIGN_OR_RETURN(tcp::endpoint endpoint, ParseListen(options.listen));
  if (options.io_threads == 0 || options.blocking_threads == 0) {
    return InvalidArgumentError("io_threads and blocking_threads must be > 0");
  }
  auto impl = std::make_unique<Impl>(options.blocking_threads);
  auto state = std::make_shared<ServerState>();
  if (options.tls) {
    ASSIGN_OR_RETURN(std::unique_ptr<ssl::context> ctx,
                     MakeTlsContext(*options.tls));
    state->tls.emplace(std::move(*ctx));
  }
  state->options = std::move(options);
  if (!deps.authenticator) {
    deps.authenticator = std::make_shared<DenyAllAuthenticator>();
  }
  if (!deps.authorizer)
    deps.authorizer = std::make_shared<AllowAllAuthorizer>();
  if (!deps.metrics) deps.metrics = std::make_shared<MetricsRegistry>();
  RETURN_IF_ERROR(internal::AddBuiltinRoutes(routes, deps.metrics));
  std::weak_ptr<ServerState> weak = state;
  deps.metrics->AddGaugeCallback(
      "consilium_http_open_connections", "connections open now", [weak] {
        auto s = weak.lock();
        return s ? static_cast<double>(s->open.load()) : 0.0;
      });
  state->refused = deps.metrics->AddCounter(
      "consilium_http_connections_refused_total",
      "connections closed on accept because max_connections were open", {});
  net::thread_pool* pool = &impl->pool_;
  state->dispatcher = std::make_unique<internal::Dispatcher>(
      std::move(routes), deps.authenticator, deps.authorizer,
      std::move(deps.on_denial), deps.metrics,
      [pool](std::function<void()> task) {
        net::post(*pool, std::move(task));
      });

  state->websocket = deps.websocket ? std::move(deps.websocket)
                                    : std::make_shared<const WsHandlers>();
  impl->state_ = state;
  impl->listener_ = std::make_shared<Listener>(impl->io_, state);
  RETURN_IF_ERROR(impl->listener_->Listen(endpoint));
  impl->local_ = impl->listener_->local();
  if (state->options.stop_on_signals) {
    impl->signals_.emplace(impl->io_, SIGINT, SIGTERM);
    Impl* raw = impl.get();
    impl->signals_->async_wait([raw](boost::system::error_code ec, int) {
      if (ec) return;
      std::lock_guard lock(raw->mu_);
      raw->stop_requested_ = true;
      raw->cv_.notify_all();
    });
  }
  impl->listener_->Accept();
  impl->work_.emplace(impl->io_.get_executor());
  for (size_t i = 0; i < state->options.io_threads; ++i) {
    impl->threads_.emplace_back([io = &impl->io_] { io->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->local_.port(); }

std::string Server::url() const {
  std::string host = impl_->local_.address().to_string();
  if (impl_->local_.address().is_v6()) host = "[" + host + "]";
  return std::string(impl_->state_->tls ? "https" : "http") + "://" + host +
         ":" + std::to_string(port());
}

MetricsRegistry& Server::metrics() {
  return impl_->state_->dispatcher->metrics();
}

void Server::Shutdown() {
  std::lock_guard once(impl_->shutdown_mu_);
  {
    std::lock_guard lock(impl_->mu_);
    if (impl_->stopped_) return;
  }
  impl_->Stop();
  std::lock_guard lock(impl_->mu_);
  impl_->stopped_ = true;
  impl_->cv_.notify_all();
}

void Server::Impl::Stop() {
  state_->draining = true;
  listener_->Close();
  if (signals_) {
    net::post(io_, [this] {
      boost::system::error_code ignored;
      signals_->cancel(ignored);
    });
  }
  std::vector<std::shared_ptr<internal::Connection>> live = state_->Live();
  for (auto& c : live) c->Drain();
  live.clear();  // a session must be able to finish and go
  {
    std::unique_lock lock(state_->mu);
    state_->closed.wait_for(lock, state_->options.shutdown_grace,
                            [this] { return state_->open.load() == 0; });
  }
  // What is left after the grace period is abandoned: its sockets close
  // when the io_context is destroyed with this object.
  work_.reset();
  io_.stop();
  for (std::thread& t : threads_) t.join();
  pool_.stop();
  pool_.join();
}

void Server::CloseSessionsOf(const std::string& principal_id,
                             const std::string& reason) {
  for (auto& c : impl_->state_->Live())
    c->CloseIfPrincipal(principal_id, reason);
}

void Server::RecheckSessions() {
  for (auto& c : impl_->state_->Live()) c->Recheck();
}

void Server::Wait() {
  {
    std::unique_lock lock(impl_->mu_);
    impl_->cv_.wait(
        lock, [this] { return impl_->stop_requested_ || impl_->stopped_; });
  }
  Shutdown();
}

}  // namespace consilium::api
