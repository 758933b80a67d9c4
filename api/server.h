// The Consilium HTTP server: one port, plain HTTP/1.1 or TLS detected per
// connection, a Router of handlers, bearer-token authentication, /healthz,
// /metrics and /v1/openapi.json built in. docs/server.md describes the
// limits, the error bodies and the threading model.
//
// Thread-safety: Start, Shutdown and Wait may be called from any thread;
// Shutdown and Wait are idempotent. Handlers run on the server's threads
// (see api/router.h).
//
//   Router routes;                        // the domain routes, when they come
//   ServerOptions options;
//   options.listen = "127.0.0.1:0";       // port 0: any free port
//   StatusOr<std::unique_ptr<Server>> server =
//       Server::Start(options, std::move(routes), {});
//   if (!server.ok()) return server.status();
//   std::cout << (*server)->url() << "\n";  // http://127.0.0.1:40123
//   (*server)->Wait();                    // until Shutdown() or a signal
#ifndef CONSILIUM_API_SERVER_H_
#define CONSILIUM_API_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "api/auth.h"
#include "api/metrics.h"
#include "api/router.h"
#include "api/ws_session.h"
#include "common/status.h"

namespace consilium::api {

// The default listen address: loopback only, so a server started without
// thought is not reachable from the network.
inline constexpr const char* kDefaultListen = "127.0.0.1:8443";

struct TlsFiles {
  std::string certificate_chain;  // PEM: the server certificate first
  std::string private_key;        // PEM
};

struct ServerOptions {
  std::string listen = kDefaultListen;  // "HOST:PORT", "[::1]:PORT"; port 0
  std::optional<TlsFiles> tls;    // without it a TLS ClientHello is refused
  size_t io_threads = 2;          // run Asio: read, parse, write, async routes
  size_t blocking_threads = 16;   // run blocking handlers and the denial hook
  size_t max_connections = 1024;  // more are accepted and closed at once
  uint64_t max_body_bytes = 1 << 20;     // more: 413
  uint32_t max_header_bytes = 16 << 10;  // request line + headers; more: 431
  // From when the server starts waiting for a request (connection accepted,
  // or the previous response sent on a kept-alive connection) to the end of
  // its headers: 408 then close, or a silent close when no byte arrived (an
  // idle keep-alive connection). Also bounds TLS detection and handshake.
  std::chrono::milliseconds header_timeout{10'000};
  // From the same moment to the end of the request body: 408 then close.
  std::chrono::milliseconds request_timeout{30'000};
  // Writing one response; the connection is closed when it expires.
  std::chrono::milliseconds write_timeout{30'000};
  // How long Shutdown lets in-flight requests finish before closing what is
  // left.
  std::chrono::milliseconds shutdown_grace{10'000};
  // Shut down on SIGINT and SIGTERM (the handlers are installed by Start,
  // before it returns).
  bool stop_on_signals = false;

  // WebSocket sessions (/v1/ws; docs/websocket.md).
  uint64_t ws_max_message_bytes = 1 << 20;  // a bigger frame: close 1009
  // The outgoing queue: a client that lets it pass either bound is not
  // reading, and is disconnected.
  uint64_t ws_max_queue_bytes = 16 << 20;
  size_t ws_max_queue_messages = 4096;
  // Client messages being handled at once per session; more: an error.
  size_t ws_max_in_flight = 64;
  // No `auth` message this long after the upgrade (when the upgrade had no
  // Authorization header): close 1008.
  std::chrono::milliseconds ws_auth_timeout{10'000};
  // No client message and no subscription for this long: close 1000.
  std::chrono::milliseconds ws_idle_timeout{300'000};
  // Nothing received (pongs count) for this long: the peer is gone, close.
  // A ping is sent when half of it has passed in silence.
  std::chrono::milliseconds ws_peer_timeout{60'000};
  // How often a session re-authenticates its token (a revoked token or
  // role closes it with 1008); Server::RecheckSessions does it at once.
  std::chrono::milliseconds ws_recheck_interval{1'000};
};

struct ServerDeps {
  // Null: DenyAllAuthenticator, AllowAllAuthorizer, no hook, a new registry.
  std::shared_ptr<const Authenticator> authenticator;
  std::shared_ptr<const Authorizer> authorizer;
  DenialHook on_denial;
  std::shared_ptr<MetricsRegistry> metrics;
  // The WebSocket message types beside the built-in `auth` and `ping`;
  // null: /v1/ws answers those two only.
  std::shared_ptr<const WsHandlers> websocket;
};

class Server {
 public:
  // Adds the built-in routes to `routes`, binds, listens and starts the
  // threads. InvalidArgument for a bad listen address or TLS file (naming
  // it and OpenSSL's reason), Unavailable when the address cannot be bound,
  // AlreadyExists when `routes` already holds a built-in route.
  static StatusOr<std::unique_ptr<Server>> Start(ServerOptions options,
                                                 Router routes,
                                                 ServerDeps deps);
  ~Server();  // Shutdown()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;  // the bound port (the real one when 0 was asked)
  // "http://127.0.0.1:8443", or "https://..." when TLS is configured (plain
  // HTTP is still answered on the same port).
  std::string url() const;
  MetricsRegistry& metrics();

  // Stops accepting, closes idle connections, lets in-flight requests finish
  // and answer (with Connection: close) for up to shutdown_grace, closes
  // what is left and joins the threads. Must not be called from a handler.
  void Shutdown();
  // Closes every WebSocket session of `principal_id` at once with close
  // code 1008 and `reason` (cut to the 123 bytes a close frame holds): the
  // hook for a revoked token or principal. Any thread; returns at once.
  void CloseSessionsOf(const std::string& principal_id,
                       const std::string& reason);
  // Makes every WebSocket session re-authenticate its token now (as its
  // timer does every ws_recheck_interval): call after a role or token was
  // revoked. Any thread; returns at once.
  void RecheckSessions();

  // Blocks until the server has shut down (Shutdown from another thread, or
  // a signal when stop_on_signals).
  void Wait();

  class Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace consilium::api

#endif  // CONSILIUM_API_SERVER_H_
