// The WebSocket side of the server (`/v1/ws`, docs/websocket.md): JSON
// messages with a client id, each answered exactly once with a result or an
// error carrying that id, and pushes the server sends on its own (events of
// a followed stream, later queue changes and lease loss).
//
// A message type is one entry in a WsHandlers table: a blocking handler
// (run on the server's blocking pool, like a blocking route) or an async one
// (run on the session's strand; must not block, calls its WsResponder
// exactly once from any thread). The session does everything else: framing,
// authentication (the upgrade's Authorization header or a first `auth`
// message), the id/type envelope and its errors, the outgoing queue and its
// bounds, idle and authentication timeouts, re-checking the principal.
//
// Thread-safety: a WsHandlers table is built before the server starts and
// read-only afterwards. WsPeer's methods may be called from any thread.
//
//   WsHandlers ws;
//   ws.Add({.type = "echo",
//           .blocking = [](const WsRequest& r) -> StatusOr<json::object> {
//             return json::object{{"said", r.message.at("text")}};
//           }});
//   deps.websocket = std::make_shared<WsHandlers>(std::move(ws));
#ifndef CONSILIUM_API_WS_SESSION_H_
#define CONSILIUM_API_WS_SESSION_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "api/auth.h"
#include "common/status.h"

namespace consilium::api {

// The path the server upgrades to WebSocket.
inline constexpr const char* kWebSocketPath = "/v1/ws";

// A connected, authenticated WebSocket session as handlers and pushers see
// it. Handlers get a shared_ptr; code that pushes later (a subscription)
// keeps a weak_ptr, so a closed session can go.
class WsPeer {
 public:
  virtual ~WsPeer() = default;

  // Queues `text` (one JSON message, one text frame). False when the
  // session is closed or closing; when the queue would pass its bounds
  // (ServerOptions::ws_max_queue_bytes / _messages) the client is not
  // reading: the session is disconnected and this returns false.
  virtual bool Push(std::string text) = 0;

  // Bytes queued and not yet written (the message in flight included).
  virtual size_t queued_bytes() const = 0;

  // Calls `fn` once, from any thread, when queued_bytes() falls to
  // `below` or less, or when the session closes (at once if either holds
  // already). For producers that pace themselves (a stream catching up)
  // instead of hitting the queue bound.
  virtual void WhenQueueBelow(size_t below, std::function<void()> fn) = 0;

  // A subscription keeps the session from being closed as idle while it
  // is registered; `on_close` runs (once, any thread) when the session
  // closes. Returns a key for RemoveSubscription.
  virtual uint64_t AddSubscription(std::function<void()> on_close) = 0;
  // Forgets the subscription without calling its on_close.
  virtual void RemoveSubscription(uint64_t key) = 0;

  // Runs `task` on the server's blocking pool.
  virtual void RunBlocking(std::function<void()> task) = 0;

  virtual bool closed() const = 0;
};

// One client message: {"id": ..., "type": "...", ...}.
struct WsRequest {
  boost::json::value id;        // as sent: a string or an integer
  std::string type;             // "follow"
  boost::json::object message;  // the whole message, id and type included
  Principal principal;          // as authenticated (re-checked on a timer)
};

// The one answer to a message: a result object, or an error whose code and
// message the client receives ({"type":"error","error":{"code","message"}}).
using WsResult = StatusOr<boost::json::object>;
// Called exactly once, from any thread.
using WsResponder = std::function<void(WsResult)>;

struct WsMessageType {
  std::string type = {};
  // Exactly one of the two is set.
  std::function<WsResult(const WsRequest&, const std::shared_ptr<WsPeer>&)>
      blocking = {};
  std::function<void(const WsRequest&, std::shared_ptr<WsPeer>, WsResponder)>
      async = {};
};

class WsHandlers {
 public:
  // InvalidArgument for an empty type, none or both handlers set, or a
  // reserved type (`auth`, `ping`: the session's own); AlreadyExists for a
  // type already added.
  Status Add(WsMessageType handler);
  // Null when no handler has that type.
  const WsMessageType* Find(std::string_view type) const;

 private:
  std::map<std::string, WsMessageType, std::less<>> handlers_;
};

// The JSON text of a message the server sends.
//   {"id":ID,"type":"result","result":{...}}
//   {"id":ID,"type":"error","error":{"code":"INVALID_ARGUMENT","message":..}}
// (id null when the message had none, or was not JSON).
std::string WsResultText(const boost::json::value& id,
                         const boost::json::object& result);
std::string WsErrorText(const boost::json::value& id, const Status& status);

}  // namespace consilium::api

#endif  // CONSILIUM_API_WS_SESSION_H_
