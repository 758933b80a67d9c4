// The adjudicators' WebSocket messages (docs/websocket.md, "Adjudication"):
// `subscribe` / `unsubscribe` to a project's queue (optionally one field),
// `claim`, `heartbeat`, `decide`, `release`, and the pushes the server sends
// on its own: `queue_depth` (coalesced per queue and session),
// `lease_expiring` (once, a fraction of the lease's length before its
// deadline) and `lease_lost` (expired, returned, or the item changed under
// it).
//
// The commands are the REST routes' handlers in their async form
// (api/adjudication_routes.h, AdjudicationClaimAsync and
// AdjudicationLeaseActionAsync), called with the WebSocket principal, so a
// claim returns exactly what `POST .../adjudication/claim` returns (the item
// shown as render::ShowToAdjudicator shows it: the access event is durable
// before the reply is queued) and a refusal is recorded as the REST one is.
// A session's messages run one at a time in arrival order, and are answered
// in that order (internal::WsPipeline): each on the server's blocking pool
// until its event is queued, then answered from the commit's callback, so
// no thread waits while the group commit syncs and an append never blocks an
// I/O thread. At most `max_pipelined_per_session` wait or run per session;
// more are answered RESOURCE_EXHAUSTED, in their turn.
//
// Pushes come from the adjudication model's notifier thread (lease ends) and
// from one pusher thread of this object (coalesced depth, lease expiring,
// changed items, revocations); WsPeer::Push queues them and posts the write
// onto the session's strand, within the session's bounded queue.
//
// Thread-safety: every method may be called from any thread. Stop() before
// the App is destroyed (the destructor does it too).
//
//   auto adj = WsAdjudication::Start(app.get(), {});
//   WsHandlers ws;
//   RETURN_IF_ERROR(adj->AddTo(ws));
//   ... server runs ...
//   adj->Stop();
#ifndef CONSILIUM_API_WS_ADJUDICATION_H_
#define CONSILIUM_API_WS_ADJUDICATION_H_

#include <chrono>
#include <functional>
#include <memory>

#include "api/app.h"
#include "api/ws_session.h"
#include "common/status.h"

namespace consilium::api {

struct WsAdjudicationOptions {
  // At most one queue_depth push per queue (and field filter) per session
  // in this interval; the push carries the depth when it is sent.
  std::chrono::milliseconds depth_coalesce{50};
  // lease_expiring is pushed this fraction of the lease's length before its
  // deadline (once per deadline; a heartbeat sets a new one).
  double expiring_fraction = 0.2;
  // How often held leases are compared with their items' current
  // annotations (a change makes the decision ABORTED: lease_lost
  // "item_changed"); a lease end or depth change is pushed at once anyway.
  std::chrono::milliseconds lease_check{250};
  // Queue subscriptions a session may hold.
  size_t max_subscriptions_per_session = 64;
  // Adjudication messages of one session waiting or running (pipelined);
  // one more is not handled: RESOURCE_EXHAUSTED, answered in its turn.
  size_t max_pipelined_per_session = 16;
};

class WsAdjudication : public std::enable_shared_from_this<WsAdjudication> {
 public:
  // Subscribes to `app`'s adjudication model and ledger and starts the
  // pusher thread. `app` is not owned; Stop() before it is destroyed.
  static std::shared_ptr<WsAdjudication> Start(App* app,
                                               WsAdjudicationOptions options);
  ~WsAdjudication();
  WsAdjudication(const WsAdjudication&) = delete;
  WsAdjudication& operator=(const WsAdjudication&) = delete;

  // Adds subscribe, unsubscribe, claim, heartbeat, decide and release (the
  // handlers hold this object). AlreadyExists when a type is taken.
  Status AddTo(WsHandlers& handlers);

  // Called (on the pusher thread) once the write side has applied a
  // RoleRevoked or TokenRevoked event: `consilium serve` passes
  // Server::RecheckSessions, so a revoked adjudicator's sessions close at
  // once with 1008 and the reason.
  void SetRevocationHook(std::function<void()> hook);

  // Sessions with an adjudication message waiting or running (tests).
  size_t busy_sessions() const;

  // Unsubscribes, joins the pusher; messages handled afterwards are
  // UNAVAILABLE. Idempotent.
  void Stop();

  class Impl;

 private:
  explicit WsAdjudication(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What `consilium serve` gives the server: the event stream (api/
// event_stream.h, follows recorded through the App's handler) and the
// adjudication messages over `app`. `adjudication` receives the object to
// Stop() after the server stopped and before the App goes.
std::shared_ptr<const WsHandlers> WebSocketMessages(
    App* app, std::shared_ptr<WsAdjudication>* adjudication);

}  // namespace consilium::api

#endif  // CONSILIUM_API_WS_ADJUDICATION_H_
