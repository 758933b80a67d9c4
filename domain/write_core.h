// WriteCore: the write side's machinery, shared by every command set. It owns
// the domain state of one ledger and decides how a command's checks, its
// append and its apply are ordered; the command sets (domain/commands.h and
// the *_commands.cc files; adjudication later) only check and draft.
// docs/commands.md, "Concurrency", states every rule kept here:
//
//   Exclusive       structural commands: the gate exclusively, every queued
//                   event applied (DrainPending), the checks on the frozen
//                   state, one atomic append, the apply, return.
//   ExclusiveLines  the same for a bulk command: per-line outcomes, `atomic`
//                   = all lines or none.
//   Concurrent      annotation-like commands: the gate shared from phase A to
//                   D; A (Check, under state_mu_), B (Draft, no lock), C
//                   (Recheck if something was applied since A; reserve the
//                   key), D (queue). Committed events are applied in sequence
//                   order on the ledger's acknowledger, from its stamped
//                   bytes, before the caller's callback runs.
//   ConcurrentLines a bulk concurrent command: up to 256 lines in flight; a
//                   line on a key still in flight waits for it.
//   Queued(Async)   access events: the gate shared while checking and
//                   queuing, released before waiting for durability.
//   Read            a look at the state under its lock.
//
// Single writer: one WriteCore per Ledger in a process (Open claims the
// ledger, the destructor releases it); a second Open on the same Ledger is
// FailedPrecondition, since its commands would bypass this one's gate and
// reservations. (Another process is stopped by RocksDB's LOCK file.)
//
// Thread-safety: every member may be called from any thread. Callbacks run on
// the ledger's acknowledger (or sync/committer) thread, with no lock of the
// core held: keep them short; a Read is allowed (a brief look at what the
// event did), but never a command or anything that waits on the ledger.
//
//   ASSIGN_OR_RETURN(auto core, WriteCore::Open(ledger.get()));
//   auto c = core->Exclusive("admin", [&](const ExclusiveTxn& t)
//       -> StatusOr<std::vector<EventDraft>> {
//     RETURN_IF_ERROR(t.auth().RequireAdmin(""));
//     return Drafts(MakeProjectCreated({"admin", ""}, "p1", "Sepsis", 0, {}));
//   });
#ifndef CONSILIUM_DOMAIN_WRITE_CORE_H_
#define CONSILIUM_DOMAIN_WRITE_CORE_H_

#include <atomic>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/function_ref.h"
#include "common/status.h"
#include "domain/authorizer.h"
#include "domain/domain_state.h"
#include "domain/internal/gate.h"
#include "domain/replay.h"
#include "ledger/ledger.h"

namespace consilium::domain {

// Completes an asynchronous command: once its event is durable and applied,
// or with the reason it was rejected.
using Callback = std::function<void(StatusOr<Committed>)>;

// The outcome of one input line of a bulk command.
struct LineOutcome {
  size_t line = 0;   // 1-based line number in the input
  std::string id{};  // record or annotation id, when the line had one
  Status status{};
  Committed committed{};  // when status is OK
};

struct BulkReport {
  std::vector<LineOutcome> lines{};  // non-blank lines, in input order
  size_t appended = 0;
  bool all_ok() const { return appended == lines.size(); }
};

// What a concurrent command implements (annotation commands today).
template <class C>
concept ConcurrentCommand = requires(C c, const C cc, const DomainState& s) {
  // A: under state_mu_; takes pointers to immutable schema/shape objects.
  { c.Check(s) } -> std::same_as<Status>;
  // B: no lock; validates the values and builds the draft.
  { c.Draft() } -> std::same_as<StatusOr<EventDraft>>;
  // C: under state_mu_, only when something was applied since A.
  { cc.Recheck(s) } -> std::same_as<Status>;
  // The key reserved from C until applied ("a-17"): one command per key.
  { cc.reserved_key() } -> std::convertible_to<std::string_view>;
  // The verdict when the key is reserved (ABORTED / ALREADY_EXISTS).
  { cc.Conflict() } -> std::same_as<Status>;
};

// What an exclusive command's checks see: the state, frozen (gate held
// exclusively, every queued event applied), and the actor.
class ExclusiveTxn {
 public:
  ExclusiveTxn(const DomainState& state, std::string_view actor)
      : state_(state), actor_(actor) {}
  const DomainState& state() const { return state_; }
  std::string_view actor() const { return actor_; }
  Authorizer auth() const { return Authorizer(state_, actor_); }

 private:
  const DomainState& state_;
  std::string_view actor_;
};

// The lines of a bulk exclusive command, gathered in input order.
class LineSink {
 public:
  // A line that appends nothing; `out.status` says why.
  void Reject(LineOutcome out) { report_.lines.push_back(std::move(out)); }
  // A line whose draft is appended with the others.
  void Accept(LineOutcome out, EventDraft draft) {
    draft_line_.push_back(report_.lines.size());
    report_.lines.push_back(std::move(out));
    drafts_.push_back(std::move(draft));
    ++accepted_;
  }
  // The same, and `follow` appended right after `draft` (a record and the
  // RecordQuarantined that holds it); the line reports `draft`'s event.
  void Accept(LineOutcome out, EventDraft draft, EventDraft follow) {
    Accept(std::move(out), std::move(draft));
    draft_line_.push_back(kFollowing);
    drafts_.push_back(std::move(follow));
  }

 private:
  friend class WriteCore;
  static constexpr size_t kFollowing = static_cast<size_t>(-1);
  BulkReport report_;
  std::vector<EventDraft> drafts_;
  std::vector<size_t> draft_line_;  // index into report_.lines, or kFollowing
  size_t accepted_ = 0;             // lines accepted
};

// One draft as the vector Exclusive's `decide` returns, Validate()d.
StatusOr<std::vector<EventDraft>> Drafts(EventDraft draft);
// The single event of an Exclusive command.
StatusOr<Committed> Single(StatusOr<std::vector<Committed>> committed);

class WriteCore {
 public:
  // Builds the state by scanning `ledger` from its first event and claims the
  // ledger's writer slot (FailedPrecondition when a WriteCore already holds
  // it). `ledger` is not owned and must outlive the core. Other errors are
  // the ledger's.
  //
  // `models` (not owned; they must outlive the core) are other modules'
  // write-side state (adjudication's queue): each is handed every accepted
  // effect (domain/replay.h) with DomainState, in sequence order, under the
  // state lock, from the first event on. A command set that reads a model
  // does so under that lock (Read), so its checks see the state and the
  // models at the same event.
  // `keys`: the ledger's content keys (encryption at rest), set on the
  // state before the scan (DomainState::set_content_keys); `gate`: the
  // de-identification gate imports go through (DomainState::set_deid_gate).
  static StatusOr<std::unique_ptr<WriteCore>> Open(
      Ledger* ledger, std::span<Model* const> models = {},
      ContentKeys keys = {}, DeidGate gate = {});

  // Waits until every queued event is applied and its callback has returned;
  // releases the writer slot.
  ~WriteCore();
  WriteCore(const WriteCore&) = delete;
  WriteCore& operator=(const WriteCore&) = delete;

  // A structural command: `decide` runs with the gate held exclusively and
  // every queued event applied; it checks and returns the drafts, appended
  // atomically (an empty vector appends nothing) and applied before this
  // returns. Its error is returned as is, with nothing appended.
  using Decide =
      FunctionRef<StatusOr<std::vector<EventDraft>>(const ExclusiveTxn&)>;
  StatusOr<std::vector<Committed>> Exclusive(std::string_view actor,
                                             Decide decide);

  // A bulk structural command: `decide` fills the sink line by line (or
  // fails the whole command). With `atomic`, any rejected line means nothing
  // is appended and each accepted line says so; otherwise the accepted lines
  // are appended together.
  using DecideLines = FunctionRef<Status(const ExclusiveTxn&, LineSink&)>;
  StatusOr<BulkReport> ExclusiveLines(std::string_view actor,
                                      DecideLines decide, bool atomic);

  // A concurrent command: phases A-D (see the top of this file). `done` runs
  // once the event is durable and applied, or, when rejected, on this thread
  // before Concurrent returns (with no lock held).
  template <ConcurrentCommand C>
  void Concurrent(C& cmd, Callback done);

  // A bulk concurrent command. `lines` holds the outcome of each line, its
  // line number and id set, status not OK for a line that could not be read
  // (not run). `run(i, done)` starts line i (Concurrent); at most 256 run at
  // once, and a line whose id is in flight waits for it. Fills the outcomes.
  BulkReport ConcurrentLines(std::vector<LineOutcome> lines,
                             FunctionRef<void(size_t, Callback)> run);

  // An access-like event: `check` under the state lock, then `draft` with
  // the gate still shared; queued before the gate is released. Queued waits
  // for durability (after releasing the gate); QueuedAsync calls `done` then.
  using Check = FunctionRef<Status(const DomainState&)>;
  using Draft = FunctionRef<StatusOr<EventDraft>()>;
  StatusOr<Committed> Queued(Check check, Draft draft);
  void QueuedAsync(Check check, Draft draft, Callback done);

  // Runs fn(const DomainState&) under the state lock and returns its result.
  // `fn` must be short and must not call the core.
  template <typename Fn>
  auto Read(Fn&& fn) const {
    std::lock_guard l(state_mu_);
    return fn(state_);
  }

 private:
  WriteCore(Ledger* ledger, std::span<Model* const> models);

  // Waits until no command is between reservation and apply and every
  // appended event is applied. Call with the gate held exclusively.
  void DrainPending();
  // Appends atomically and applies. Gate held exclusively, drained.
  StatusOr<std::vector<Committed>> CommitStructural(
      std::vector<EventDraft> drafts);
  // Phase C: reserves `key` (and counts one unapplied event) unless it is
  // reserved (`conflict`) or, when something was applied since `seq_at_a`,
  // `recheck` fails. Returns the verdict.
  Status Reserve(std::string_view key, uint64_t seq_at_a,
                 FunctionRef<Status(const DomainState&)> recheck,
                 FunctionRef<Status()> conflict);
  // Appends one draft asynchronously; applies it in commit order, releases
  // `reserved` (may be empty) and then calls `done`. The caller has already
  // counted it in unapplied_ (under settle_mu_).
  void AppendAndApply(EventDraft draft, std::string reserved, Callback done);
  // AppendAndApply's ledger callback (see write_core.cc).
  void OnAppended(const Ledger::AppendedEvent& e, std::string reserved,
                  Callback done);

  Ledger* ledger_;
  bool claimed_ = false;  // this core holds the ledger's writer slot
  internal::Gate gate_;
  mutable std::mutex state_mu_;
  DomainState state_;  // guarded by state_mu_ (written only under it)
  // Applied with state_ (same order, same lock); fixed at Open.
  const std::vector<Model*> models_;
  // state_.last_seq(), stored under state_mu_ after every apply, so phase C
  // can tell without state_mu_ that nothing was applied since phase A.
  std::atomic<uint64_t> applied_seq_{0};
  // Keys with a command between reservation and apply, and the number of
  // appended events not yet applied or whose callback has not yet returned;
  // guarded by settle_mu_ (taken after state_mu_ when both are held).
  // settled_cv_ is notified when both reach zero.
  std::mutex settle_mu_;
  // Pooled: a reservation costs no malloc on the submitting thread and no
  // cross-thread free on the acknowledger.
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view id) const {
      return std::hash<std::string_view>()(id);
    }
  };
  std::pmr::unsynchronized_pool_resource pending_pool_;
  std::pmr::unordered_set<std::pmr::string, IdHash, std::equal_to<>> pending_{
      &pending_pool_};
  size_t unapplied_ = 0;
  std::condition_variable settled_cv_;

  // Committed events of the synced group being gathered (OnAppended).
  struct Appended {
    StatusOr<Committed> result = Committed{};
    std::string_view bytes;  // stamped; valid until the group is complete
    std::string reserved;    // key to release, or empty
    Callback done;
  };
  std::mutex apply_mu_;          // taken before state_mu_ when both are held
  std::vector<Appended> group_;  // guarded by apply_mu_
};

// Phases A-D. A template so that they cost no allocation and no virtual
// call on the annotate path; the protocol of phase C is Reserve's.
template <ConcurrentCommand C>
void WriteCore::Concurrent(C& cmd, Callback done) {
  std::shared_lock g(gate_);
  uint64_t seq_at_a = 0;
  Status s;
  {  // A: what depends on the state, under the lock (a few lookups).
    std::lock_guard l(state_mu_);
    seq_at_a = state_.last_seq();
    s = cmd.Check(state_);
  }
  if (!s.ok()) {
    done(std::move(s));
    return;
  }
  StatusOr<EventDraft> draft = cmd.Draft();  // B: on this thread, no lock
  if (!draft.ok()) {
    done(std::move(draft).status());
    return;
  }
  s = Reserve(
      cmd.reserved_key(), seq_at_a,
      [&](const DomainState& now) { return cmd.Recheck(now); },
      [&] { return cmd.Conflict(); });
  if (!s.ok()) {
    done(std::move(s));  // no lock held: `done` may call back into the core
    return;
  }
  // D: queue the append while still holding the gate, so an exclusive
  // command cannot slip in between this validation and this event.
  AppendAndApply(std::move(*draft), std::string(cmd.reserved_key()),
                 std::move(done));
}

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_WRITE_CORE_H_
