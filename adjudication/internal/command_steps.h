// The pieces AdjudicationCommands shares between its files: a concurrent
// command built from a check and a draft (WriteCore::Concurrent's phases),
// running one to completion, and the eligibility rules every command asks.
//
// Thread-safety: a Steps object belongs to one command on one thread; the
// core calls its check under the state lock (phases A and C).
#ifndef CONSILIUM_ADJUDICATION_INTERNAL_COMMAND_STEPS_H_
#define CONSILIUM_ADJUDICATION_INTERNAL_COMMAND_STEPS_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "domain/domain_state.h"
#include "domain/write_core.h"

namespace consilium::adjudication::internal {

// A ConcurrentCommand (domain/write_core.h) from callables: `check` runs in
// phase A and again in C (when something was applied since A), `draft` in B
// with no lock, and the core reserves `key` from C until the event is
// applied, so two commands on one key never both commit.
class Steps {
 public:
  using CheckFn = std::function<Status(const domain::DomainState&, bool)>;
  using DraftFn = std::function<StatusOr<EventDraft>()>;

  Steps(std::string key, std::string conflict, CheckFn check, DraftFn draft)
      : key_(std::move(key)),
        conflict_(std::move(conflict)),
        check_(std::move(check)),
        draft_(std::move(draft)) {}

  Status Check(const domain::DomainState& s) { return check_(s, false); }
  StatusOr<EventDraft> Draft() { return draft_(); }
  Status Recheck(const domain::DomainState& s) const { return check_(s, true); }
  std::string_view reserved_key() const { return key_; }
  Status Conflict() const { return AbortedError(conflict_); }

 private:
  std::string key_;
  std::string conflict_;
  CheckFn check_;
  DraftFn draft_;
};

// Waits on the calling thread for the one result an Async command gives.
//
//   Waiter<Committed> w;
//   adj.DecideAsync(actor, cmd, w.Callback());
//   return w.Wait();
template <typename T>
class Waiter {
 public:
  std::function<void(StatusOr<T>)> Callback() {
    return [this](StatusOr<T> r) {
      // Notified under the lock: Wait cannot return (and destroy this)
      // before the callback is done with it.
      std::lock_guard l(mu_);
      result_.emplace(std::move(r));
      cv_.notify_one();
    };
  }
  StatusOr<T> Wait() {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return result_.has_value(); });
    return *std::move(result_);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<StatusOr<T>> result_;
};

// The actor may adjudicate in `project`: the project exists, the actor is a
// registered person holding the adjudicator role there (or globally).
// NotFound for the project, PermissionDenied otherwise.
Status RequireAdjudicator(const domain::DomainState& state,
                          std::string_view actor, std::string_view project);

}  // namespace consilium::adjudication::internal

#endif  // CONSILIUM_ADJUDICATION_INTERNAL_COMMAND_STEPS_H_
