// What every connection of a server shares: the options, the TLS context,
// the dispatcher, the connection count and the list of live connections
// that Shutdown drains. Private to api/ (Asio types). The io_context and the
// blocking pool belong to Server::Impl, which outlives every session it
// runs (sessions hold this state, never the io_context).
//
// Thread-safety: the members are set before the first connection and then
// only read, except the atomics and the connection list (under its mutex).
#ifndef CONSILIUM_API_INTERNAL_SERVER_STATE_H_
#define CONSILIUM_API_INTERNAL_SERVER_STATE_H_

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/internal/dispatcher.h"
#include "api/server.h"

namespace consilium::api::internal {

// A connection Shutdown can reach: Drain is called from any thread and
// posts onto the connection's strand.
class Connection {
 public:
  virtual ~Connection() = default;
  // Close now when idle (waiting for a request that has not started);
  // otherwise finish the request in flight, answer it with Connection:
  // close, then close.
  virtual void Drain() = 0;
  // WebSocket sessions only (docs/websocket.md): close when authenticated
  // as `principal_id`; re-authenticate now. Any thread.
  virtual void CloseIfPrincipal(const std::string& /*principal_id*/,
                                const std::string& /*reason*/) {}
  virtual void Recheck() {}
};

struct ServerState {
  ServerOptions options;
  std::optional<boost::asio::ssl::context> tls;  // when options.tls
  std::unique_ptr<Dispatcher> dispatcher;
  std::shared_ptr<const WsHandlers> websocket;  // never null

  std::atomic<bool> draining{false};

  // Open connections (accepted and not yet destroyed); Shutdown waits on
  // `closed` for it to reach zero.
  std::atomic<int64_t> open{0};
  std::mutex mu;
  std::condition_variable closed;
  std::map<uint64_t, std::weak_ptr<Connection>> connections;  // under mu
  uint64_t next_id = 0;                                       // under mu

  Counter* refused = nullptr;  // connections over max_connections

  // Registers a live connection; returns its id for Forget.
  uint64_t Remember(std::weak_ptr<Connection> c);
  void Forget(uint64_t id);
  // The live connections, for a call on each outside the lock.
  std::vector<std::shared_ptr<Connection>> Live();
};

// Counts one open connection for its lifetime (held by every session object
// the connection passes through, moved from one to the next).
class OpenConnection {
 public:
  explicit OpenConnection(ServerState* state) : state_(state) {
    ++state_->open;
  }
  OpenConnection(OpenConnection&& o) noexcept : state_(o.state_) {
    o.state_ = nullptr;
  }
  OpenConnection& operator=(OpenConnection&&) = delete;
  ~OpenConnection();

 private:
  ServerState* state_;
};

// Takes ownership of an accepted socket: detects TLS, runs HTTP on it.
void StartSession(std::shared_ptr<ServerState> state,
                  boost::asio::ip::tcp::socket socket);

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_SERVER_STATE_H_
