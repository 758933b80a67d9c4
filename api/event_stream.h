// The resumable event stream over the WebSocket (docs/websocket.md,
// "Following the ledger"): `follow` from a cursor sends every committed
// event after it, in order, then the live ones; `unfollow` stops. Checkpoints
// are announced as they appear in the ledger's checkpoint store.
//
// How it keeps "no gap, no duplicate": a follower catches up with range
// reads (Ledger::Scan) in batches on the blocking pool, paced by its
// session's outgoing queue; once it has read up to where the stream's one
// ledger subscription has delivered, it is attached to that subscription's
// fan-out under the stream's lock, and from then on takes the live events
// whose sequence number is exactly its next one. A follower whose queue is
// full when a live event comes is detached and catches up from disk again,
// so a slow reader never holds up the others nor grows memory.
//
// What a follower sees depends on its roles (decided per event, by the
// event's project): admin -> the event as `consilium events` prints it;
// auditor -> metadata (no record content, annotation values, rationales,
// definitions, names); neither for that event's project -> sequence number
// and hashes only (the chain stays checkable). docs/websocket.md lists the
// fields.
//
// Thread-safety: all methods may be called from any thread.
//
//   auto stream = EventStream::Start(ledger, {}, record_access);
//   WsHandlers ws;
//   RETURN_IF_ERROR(stream->AddTo(ws));
#ifndef CONSILIUM_API_EVENT_STREAM_H_
#define CONSILIUM_API_EVENT_STREAM_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "api/auth.h"
#include "api/ws_session.h"
#include "common/status.h"
#include "ledger/ledger.h"

namespace consilium::domain {
class CommandHandler;
}

namespace consilium::api {

struct EventStreamOptions {
  // One catch-up frame carries at most this many events / bytes.
  size_t batch_events = 1024;
  size_t batch_bytes = 256 << 10;
  // A follower reads the next batch once its session's queue is below
  // this; a live event that finds the queue above it sends the follower
  // back to catching up. Must stay well under ServerOptions::
  // ws_max_queue_bytes.
  size_t window_bytes = 1 << 20;
  // Follows open at once per session.
  size_t max_follows_per_session = 8;
  // How often the checkpoint store is looked at for a new checkpoint.
  std::chrono::milliseconds checkpoint_poll{500};
};

// Records that `principal` followed (allowed) or was refused (`reason`) the
// event stream: an AccessRecorded event, durable before anything is sent
// (DESIGN.md invariant 3). Runs on the blocking pool. Empty: nothing is
// recorded (tests of the transport).
using StreamAccessRecorder = std::function<Status(
    const Principal& principal, bool allowed, const std::string& detail)>;

class EventStream : public std::enable_shared_from_this<EventStream> {
 public:
  // Subscribes to `ledger` from its head; `ledger` must outlive the stream.
  static std::shared_ptr<EventStream> Start(Ledger* ledger,
                                            EventStreamOptions options,
                                            StreamAccessRecorder record_access);
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Adds `follow` and `unfollow` (the handlers hold the stream).
  Status AddTo(WsHandlers& handlers);

  class Impl;

 private:
  explicit EventStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What `consilium serve` gives the server: the event stream over `ledger`,
// with follows recorded by `handler`'s RecordAccess (both must outlive the
// server).
std::shared_ptr<const WsHandlers> EventStreamMessages(
    Ledger* ledger, domain::CommandHandler* handler);

}  // namespace consilium::api

#endif  // CONSILIUM_API_EVENT_STREAM_H_
