#include "api/internal/ws_pipeline.h"

#include <atomic>
#include <utility>

namespace consilium::api::internal {

void WsPipeline::Enqueue(const std::shared_ptr<WsPeer>& peer,
                         const std::string& type, WsResponder respond,
                         Run run) {
  bool start = false;
  {
    std::lock_guard lock(mu_);
    auto [it, inserted] = lines_.try_emplace(peer.get());
    Line& line = it->second;
    Entry e{std::move(respond), std::move(run), std::nullopt};
    if (line.to_run >= max_) {
      e.answer = ResourceExhaustedError(
          type + ": at most " + std::to_string(max_) +
          " adjudication messages of a session wait or run at once; this "
          "one was not handled (send more once earlier ones are answered)");
    } else {
      ++line.to_run;
    }
    line.entries.push_back(std::move(e));
    // A new line has nothing running: start it. Otherwise the running
    // message's Done starts the next.
    start = inserted;
  }
  if (start) Post(peer);
}

size_t WsPipeline::busy_sessions() const {
  std::lock_guard lock(mu_);
  return lines_.size();
}

void WsPipeline::Post(const std::shared_ptr<WsPeer>& peer) {
  peer->RunBlocking([self = shared_from_this(), peer] { self->Step(peer); });
}

void WsPipeline::Step(const std::shared_ptr<WsPeer>& peer) {
  for (;;) {
    Run run;
    std::optional<Entry> refused;
    {
      std::lock_guard lock(mu_);
      auto it = lines_.find(peer.get());
      // Invariant: a line exists while it has entries, and only the one
      // Step/Done chain of that line touches its front.
      if (it == lines_.end()) return;
      Line& line = it->second;
      if (line.entries.empty()) {
        lines_.erase(it);
        return;
      }
      Entry& front = line.entries.front();
      if (front.answer) {
        refused.emplace(std::move(front));
        line.entries.pop_front();
      } else {
        run = std::move(front.run);  // the front stays until Done pops it
      }
    }
    if (refused) {
      // Answered here, in its turn; the line stays ours meanwhile.
      refused->respond(std::move(*refused->answer));
      continue;
    }
    if (peer->closed()) {
      Done(peer, UnavailableError("the session closed before this message "
                                  "was handled"));
      return;
    }
    auto once = std::make_shared<std::atomic<bool>>(false);
    Finish finish = [self = shared_from_this(), peer, once](WsResult r) {
      if (once->exchange(true)) return;
      self->Done(peer, std::move(r));
    };
    try {
      run(finish);
    } catch (...) {
      finish(InternalError("the handler of this message failed"));
    }
    return;
  }
}

void WsPipeline::Done(const std::shared_ptr<WsPeer>& peer, WsResult result) {
  WsResponder respond;
  {
    std::lock_guard lock(mu_);
    Line& line = lines_.at(peer.get());
    respond = std::move(line.entries.front().respond);
    line.entries.pop_front();
    --line.to_run;
  }
  // Answered while the line still exists: a message arriving now queues
  // behind, so its answer cannot overtake this one.
  respond(std::move(result));
  // The next step (or retiring the line) on the pool: Done may run on the
  // ledger's thread, which must not run a message.
  Post(peer);
}

}  // namespace consilium::api::internal
