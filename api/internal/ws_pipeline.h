// WsPipeline: a session's messages of one kind (the adjudication messages,
// api/ws_adjudication.h) run one at a time, in the order they arrived, and
// answered in that order (docs/websocket.md, "Adjudication": pipelining).
//
// A message runs on the server's blocking pool (WsPeer::RunBlocking) once
// every earlier one of its session has been answered; it answers through its
// Finish, from any thread (the ledger's included: the next message is then
// posted onto the pool, never run there). So a client may send claim,
// heartbeat and decide without waiting, and each sees the state the earlier
// ones left, exactly as if it had waited for each answer; and no thread
// waits while a message's event is being synced.
//
// Bound: at most `max_per_session` messages of a session wait or run; one
// that arrives beyond that is not run and is answered RESOURCE_EXHAUSTED in
// its turn (after the answers of the messages before it). The session's own
// bound (ServerOptions::ws_max_in_flight) caps the unanswered ones of every
// type.
//
// Thread-safety: every method may be called from any thread.
#ifndef CONSILIUM_API_INTERNAL_WS_PIPELINE_H_
#define CONSILIUM_API_INTERNAL_WS_PIPELINE_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "api/ws_session.h"

namespace consilium::api::internal {

// Runs a step on `peer`'s blocking pool: the executor the async handlers
// hand what follows a commit to (api/adjudication_routes.h, PostStep).
inline std::function<void(std::function<void()>)> OnPool(
    std::shared_ptr<WsPeer> peer) {
  return [peer = std::move(peer)](std::function<void()> step) {
    peer->RunBlocking(std::move(step));
  };
}

class WsPipeline : public std::enable_shared_from_this<WsPipeline> {
 public:
  // A message's answer; call exactly once, from any thread.
  using Finish = std::function<void(WsResult)>;
  // A message's work: runs on the blocking pool; must not wait for a
  // commit (use the commands' async forms and answer from their callback).
  using Run = std::function<void(Finish)>;

  static std::shared_ptr<WsPipeline> Make(size_t max_per_session) {
    return std::shared_ptr<WsPipeline>(new WsPipeline(max_per_session));
  }

  // Queues `run` behind `peer`'s earlier messages; `respond` gets its
  // answer in turn. A session that closed meanwhile gets UNAVAILABLE for
  // what had not started (nobody reads it; nothing runs).
  void Enqueue(const std::shared_ptr<WsPeer>& peer, const std::string& type,
               WsResponder respond, Run run);

  size_t max_per_session() const { return max_; }
  // Sessions with a message waiting or running (tests).
  size_t busy_sessions() const;

 private:
  explicit WsPipeline(size_t max_per_session) : max_(max_per_session) {}

  struct Entry {
    WsResponder respond;
    Run run;
    std::optional<WsResult> answer;  // refused on arrival: not run
  };
  struct Line {
    std::deque<Entry> entries;  // front: running, or next
    size_t to_run = 0;          // entries without an answer
  };

  void Post(const std::shared_ptr<WsPeer>& peer);
  // On the pool: answers the refused entries at the front, then runs the
  // next one, or retires the line when nothing is left.
  void Step(const std::shared_ptr<WsPeer>& peer);
  void Done(const std::shared_ptr<WsPeer>& peer, WsResult result);

  const size_t max_;
  mutable std::mutex mu_;
  std::map<const WsPeer*, Line> lines_;
};

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_WS_PIPELINE_H_
