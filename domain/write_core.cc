#include "domain/write_core.h"

#include <cassert>
#include <future>
#include <set>
#include <unordered_set>

#include "common/key_store.h"

namespace consilium::domain {
namespace {

// The ledgers with a WriteCore in this process (the single-writer claim).
std::mutex claims_mu;
std::unordered_set<const Ledger*>& Claims() {
  static auto* claims = new std::unordered_set<const Ledger*>();
  return *claims;
}

}  // namespace

StatusOr<std::vector<EventDraft>> Drafts(EventDraft draft) {
  RETURN_IF_ERROR(draft.Validate());
  std::vector<EventDraft> d;
  d.push_back(std::move(draft));
  return d;
}

StatusOr<Committed> Single(StatusOr<std::vector<Committed>> committed) {
  if (!committed.ok()) return std::move(committed).status();
  return committed->front();
}

// ---------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------

WriteCore::WriteCore(Ledger* ledger, std::span<Model* const> models)
    : ledger_(ledger), models_(models.begin(), models.end()) {}

WriteCore::~WriteCore() {
  {
    // Appends still queued in the ledger call back into this object: wait
    // until every one is applied and its callback has returned.
    std::unique_lock l(settle_mu_);
    settled_cv_.wait(l, [&] { return pending_.empty() && unapplied_ == 0; });
  }
  if (claimed_) {
    std::lock_guard l(claims_mu);
    Claims().erase(ledger_);
  }
}

StatusOr<std::unique_ptr<WriteCore>> WriteCore::Open(
    Ledger* ledger, std::span<Model* const> models, ContentKeys keys,
    DeidGate gate) {
  if (!keys.encrypted && KeyStore::Exists(ledger->dir() + "/keys")) {
    // Written as a plain ledger, an encrypted one would take record content
    // and free text in the clear (docs/encryption.md, "Opt-in"): a caller
    // that did not open DATA/keys (tools/content_keys.h) is refused.
    return FailedPreconditionError(
        "the ledger in " + ledger->dir() +
        " is encrypted (it has a key store), but its writer was opened as "
        "for a plain ledger, which would store content in the clear; "
        "nothing was written");
  }
  std::unique_ptr<WriteCore> core(new WriteCore(ledger, models));
  core->state_.set_content_keys(keys);
  core->state_.set_deid_gate(std::move(gate));
  {
    std::lock_guard l(claims_mu);
    if (!Claims().insert(ledger).second) {
      return FailedPreconditionError(
          "the ledger already has a writer in this process (a command "
          "handler is open on it); a second one would bypass its gate and "
          "reservations: use the open one, or close it first");
    }
    core->claimed_ = true;
  }
  // DomainState reads bodies only: no need to recompute each event's hash.
  RETURN_IF_ERROR(ledger->Scan(
      1, 0,
      [&](const StoredEvent& e) {
        core->state_.Apply(e, core->models_);
        return true;
      },
      /*with_hashes=*/false));
  core->applied_seq_.store(core->state_.last_seq(), std::memory_order_release);
  return core;
}

// ---------------------------------------------------------------------------
// Exclusive commands
// ---------------------------------------------------------------------------

void WriteCore::DrainPending() {
  std::unique_lock l(settle_mu_);
  settled_cv_.wait(l, [&] { return pending_.empty() && unapplied_ == 0; });
}

StatusOr<std::vector<Committed>> WriteCore::Exclusive(std::string_view actor,
                                                      Decide decide) {
  std::lock_guard g(gate_);
  DrainPending();
  // No state_mu_ while deciding: with the gate exclusive and the queue
  // drained no apply can run (appliers only write under it, and readers
  // only read), so a long decision (an import's drafting) never blocks a
  // reader of the state.
  ASSIGN_OR_RETURN(std::vector<EventDraft> drafts,
                   decide(ExclusiveTxn(state_, actor)));
  if (drafts.empty()) return std::vector<Committed>();
  return CommitStructural(std::move(drafts));
}

StatusOr<BulkReport> WriteCore::ExclusiveLines(std::string_view actor,
                                               DecideLines decide,
                                               bool atomic) {
  std::lock_guard g(gate_);
  DrainPending();
  LineSink sink;
  RETURN_IF_ERROR(decide(ExclusiveTxn(state_, actor), sink));
  BulkReport& report = sink.report_;
  if (atomic && sink.accepted_ != report.lines.size()) {
    for (size_t i : sink.draft_line_) {
      if (i == LineSink::kFollowing) continue;
      report.lines[i].status = FailedPreconditionError(
          "not appended: --atomic and the file has rejected lines");
    }
    return std::move(report);
  }
  if (sink.drafts_.empty()) return std::move(report);
  StatusOr<std::vector<Committed>> c =
      CommitStructural(std::move(sink.drafts_));
  for (size_t k = 0; k < sink.draft_line_.size(); ++k) {
    if (sink.draft_line_[k] == LineSink::kFollowing) continue;
    LineOutcome& out = report.lines[sink.draft_line_[k]];
    if (c.ok()) {
      out.committed = (*c)[k];
      ++report.appended;
    } else {
      out.status = c.status();
    }
  }
  return std::move(report);
}

StatusOr<std::vector<Committed>> WriteCore::CommitStructural(
    std::vector<EventDraft> drafts) {
  // Keep the bytes: the ledger stamps its own copy; ours lacks only the
  // stamp, which Apply takes from the Committed result. (AppendAll does not
  // hand back the stamped bytes, unlike AppendAsyncWithEvent, and reading
  // them back would cost a lookup per event.)
  std::vector<std::string> bytes;
  bytes.reserve(drafts.size());
  for (const EventDraft& d : drafts) bytes.push_back(d.bytes());
  StatusOr<std::vector<Committed>> committed =
      ledger_->AppendAll(std::move(drafts));
  if (!committed.ok()) return committed;
  // The gate is held exclusively and DrainPending has run: every earlier
  // event is applied and none can follow these until the gate is released,
  // so applying them here keeps sequence order.
  std::lock_guard a(apply_mu_);
  std::lock_guard l(state_mu_);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const Committed& c = (*committed)[i];
    if (!c.duplicate) {
      state_.Apply(c.seq, c.timestamp_us, *EventView(bytes[i]), models_);
    }
  }
  applied_seq_.store(state_.last_seq(), std::memory_order_release);
  return committed;
}

// ---------------------------------------------------------------------------
// Concurrent commands
// ---------------------------------------------------------------------------

Status WriteCore::Reserve(std::string_view key, uint64_t seq_at_a,
                          FunctionRef<Status(const DomainState&)> recheck,
                          FunctionRef<Status()> conflict) {
  // Phase C: re-check what may have changed since phase A (only concurrent
  // commands can commit meanwhile: the gate keeps exclusive ones out) and
  // reserve the key, so no second command on it can commit. When nothing was
  // applied since phase A (every apply advances applied_seq_ before it
  // releases its keys), phase A's checks still hold and only settle_mu_ is
  // taken, never state_mu_, which the ledger's acknowledger holds while it
  // applies a group.
  Status verdict;
  // Lock order: state_mu_ before settle_mu_. Once taken, state_mu_ is held
  // until the reservation: no apply can run meanwhile, so the re-check holds.
  std::unique_lock state_lock(state_mu_, std::defer_lock);
  std::unique_lock s(settle_mu_);
  if (!pending_.contains(key) &&
      applied_seq_.load(std::memory_order_acquire) != seq_at_a) {
    s.unlock();
    state_lock.lock();
    verdict = recheck(state_);
    s.lock();
  }
  if (verdict.ok() && pending_.contains(key)) verdict = conflict();
  if (verdict.ok()) {
    pending_.emplace(key);
    ++unapplied_;  // AppendAndApply's precondition
  }
  return verdict;
}

void WriteCore::AppendAndApply(EventDraft draft, std::string reserved,
                               Callback done) {
  ledger_->AppendAsyncWithEvent(
      std::move(draft),
      [this, reserved = std::move(reserved),
       done = std::move(done)](const Ledger::AppendedEvent& e) mutable {
        OnAppended(e, std::move(reserved), std::move(done));
      });
}

// Runs on the ledger's acknowledger thread, once per event in sequence order
// (or on the committer's or the caller's for a failure). Events are gathered
// while the ledger says more of the same synced group follow, then the group is
// applied under one acquisition of state_mu_, straight from the ledger's
// stamped bytes, and only then are the callers completed (read-your-writes).
// The ledger's committer never waits here: it keeps writing the next batch
// while the acknowledger applies this one, so no thread of our own is needed
// between the two (an applier thread cost a futex hand-off per group).
void WriteCore::OnAppended(const Ledger::AppendedEvent& e, std::string reserved,
                           Callback done) {
  std::vector<Appended> ready;
  {
    // apply_mu_ is held across the apply so that groups completed on
    // different threads (a store failure reported by the committer while the
    // acknowledger completes) are still applied one after the other.
    std::lock_guard a(apply_mu_);
    group_.push_back(
        Appended{e.result, e.bytes, std::move(reserved), std::move(done)});
    if (e.more) return;
    ready.swap(group_);
    group_.reserve(ready.size());
    {
      std::lock_guard l(state_mu_);
      for (Appended& t : ready) {
        if (t.result.ok() && !t.result->duplicate) {
          state_.Apply(t.result->seq, t.result->timestamp_us,
                       *EventView(t.bytes), models_);
        }
      }
      applied_seq_.store(state_.last_seq(), std::memory_order_release);
    }
    // Released after the apply (a command that finds its key free and
    // applied_seq_ unchanged since its phase A may trust that phase) and
    // before the callbacks run (a caller woken by its callback may at once
    // send the next command on the same key).
    std::lock_guard s(settle_mu_);
    for (Appended& t : ready) {
      if (t.reserved.empty()) continue;
      auto it = pending_.find(std::string_view(t.reserved));
      assert(it != pending_.end());  // reserved in phase C, released once
      pending_.erase(it);
    }
  }
  for (Appended& t : ready) t.done(std::move(t.result));
  // Counted down only after the callbacks returned, so the destructor (and
  // DrainPending) never returns while one is still running.
  std::lock_guard l(settle_mu_);
  unapplied_ -= ready.size();
  if (pending_.empty() && unapplied_ == 0) settled_cv_.notify_all();
}

BulkReport WriteCore::ConcurrentLines(std::vector<LineOutcome> lines,
                                      FunctionRef<void(size_t, Callback)> run) {
  BulkReport report;
  report.lines = std::move(lines);
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;
  std::set<std::string> ids_in_flight;
  constexpr size_t kWindow = 256;
  auto wait_until = [&](auto pred) {
    std::unique_lock l(mu);
    cv.wait(l, pred);
  };
  for (size_t i = 0; i < report.lines.size(); ++i) {
    LineOutcome& out = report.lines[i];
    if (!out.status.ok()) continue;
    const std::string id = out.id;
    // A line that depends on an earlier line's id waits for it.
    wait_until([&] { return !ids_in_flight.count(id) && in_flight < kWindow; });
    {
      std::lock_guard l(mu);
      ++in_flight;
      ids_in_flight.insert(id);
    }
    run(i, [&, slot = &out, id](StatusOr<Committed> c) {
      std::lock_guard l(mu);
      if (c.ok()) {
        slot->committed = *c;
      } else {
        slot->status = c.status();
      }
      ids_in_flight.erase(id);
      --in_flight;
      cv.notify_all();
    });
  }
  wait_until([&] { return in_flight == 0; });
  for (const LineOutcome& out : report.lines)
    report.appended += out.status.ok();
  return report;
}

// ---------------------------------------------------------------------------
// Queued commands
// ---------------------------------------------------------------------------

void WriteCore::QueuedAsync(Check check, Draft draft, Callback done) {
  std::shared_lock g(gate_);
  {
    std::lock_guard l(state_mu_);
    if (Status s = check(state_); !s.ok()) {
      g.unlock();
      done(std::move(s));
      return;
    }
  }
  StatusOr<EventDraft> d = draft();
  if (!d.ok()) {
    g.unlock();
    done(std::move(d).status());
    return;
  }
  {
    std::lock_guard l(settle_mu_);
    ++unapplied_;  // AppendAndApply's precondition
  }
  AppendAndApply(std::move(*d), "", std::move(done));
}

StatusOr<Committed> WriteCore::Queued(Check check, Draft draft) {
  std::promise<StatusOr<Committed>> p;
  std::future<StatusOr<Committed>> f = p.get_future();
  // The gate is released when QueuedAsync returns: the event is queued, its
  // order fixed; the wait need not block others.
  QueuedAsync(check, draft,
              [&p](StatusOr<Committed> c) { p.set_value(std::move(c)); });
  return f.get();
}

}  // namespace consilium::domain
