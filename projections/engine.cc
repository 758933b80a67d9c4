#include "projections/engine.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <thread>

namespace consilium::projections {

namespace {

// Events handed from the reading thread to the applying one: bytes back to
// back, each starting at a multiple of kEventAlign (FlatBuffers reads scalars
// in place; the verifier checked them at an aligned address too).
struct EventBatch {
  static constexpr size_t kEvents = 512;
  static constexpr size_t kEventAlign = 16;
  std::string bytes;
  std::vector<std::pair<uint64_t, size_t>> events;  // (seq, offset)
  void Clear() {
    bytes.clear();
    events.clear();
  }
  void Add(const StoredEvent& e) {
    const size_t offset =
        (bytes.size() + kEventAlign - 1) / kEventAlign * kEventAlign;
    bytes.resize(offset);
    bytes.append(e.bytes);
    events.emplace_back(e.seq, offset);
  }
};

// Below this many events a catch-up applies in the scanning thread; above,
// the pipeline's thread start is negligible.
constexpr uint64_t kPipelineMinEvents = 4096;

// Below kPipelineMinEvents: applies `total` events from `from` on in the
// scan's callback, telling `progress` (when set) every EventBatch::kEvents
// events and at the end.
Status ScanAndApplyHere(
    const Ledger& ledger, uint64_t from, uint64_t total, AnalyticsState& state,
    const Ledger* shapes,
    const std::function<void(uint64_t, uint64_t)>& progress) {
  if (total == 0) {  // nothing to apply (a Scan limit of 0 means "to the head")
    if (progress) progress(0, 0);
    return OkStatus();
  }
  uint64_t applied = 0;
  RETURN_IF_ERROR(ledger.Scan(
      from, total,
      [&](const StoredEvent& e) {
        state.Apply(e, shapes);
        if (progress && ++applied % EventBatch::kEvents == 0)
          progress(applied, total);
        return true;
      },
      /*with_hashes=*/false));
  if (progress) progress(total, total);
  return OkStatus();
}

// Applies events from `from` on (at most `limit`; 0: to the head) to `state`,
// in order. Ledger::Scan (read, copy, verify; no hashes) runs on the calling
// thread and a thread of its own applies, batches of EventBatch::kEvents
// passing between them (a pool of kDepth + 2 batches), so a rebuild on
// two cores costs about the larger of the two rather than their sum. The
// result and the state are exactly those of applying in the scan callback.
// Reading stays on the calling thread so that what RocksDB allocates while
// scanning (block cache entries) comes from the same malloc arena as any other
// scan's, while the state, long-lived, is allocated by the applying thread.
// `progress`, when set, hears (applied, to apply) after each batch's worth of
// events and once at the end.
Status ScanAndApply(const Ledger& ledger, uint64_t from, uint64_t limit,
                    AnalyticsState& state, const Ledger* shapes,
                    const std::function<void(uint64_t, uint64_t)>& progress) {
  const uint64_t head = ledger.head().seq;
  const uint64_t last = limit == 0 ? head : std::min(head, from + limit - 1);
  const uint64_t total = last < from ? 0 : last - from + 1;
  if (total < kPipelineMinEvents)
    return ScanAndApplyHere(ledger, from, total, state, shapes, progress);
  uint64_t applied = 0;
  auto report = [&](uint64_t n) {
    applied += n;
    if (progress) progress(applied, total);
  };
  constexpr size_t kDepth = 4;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::unique_ptr<EventBatch>> full, empty;
  bool done = false;
  for (size_t i = 0; i < kDepth + 2; ++i)
    empty.push_back(std::make_unique<EventBatch>());

  // The applying thread: takes full batches in order until the reader is
  // done and nothing is left.
  std::thread applier([&] {
    for (;;) {
      std::unique_ptr<EventBatch> batch;
      {
        std::unique_lock l(mu);
        cv.wait(l, [&] { return !full.empty() || done; });
        if (full.empty()) return;
        batch = std::move(full.front());
        full.pop_front();
      }
      for (const auto& [seq, offset] : batch->events) {
        const fb::Event* e =
            EventView(std::string_view(batch->bytes).substr(offset));
        state.Apply(seq, TimestampOf(*e), *e, shapes);
      }
      report(batch->events.size());
      batch->Clear();
      std::lock_guard l(mu);
      empty.push_back(std::move(batch));
      cv.notify_all();
    }
  });

  // The reading (calling) thread.
  std::unique_ptr<EventBatch> batch;
  auto hand_over = [&] {
    std::unique_lock l(mu);
    full.push_back(std::move(batch));
    cv.notify_all();
    // The applying thread returns every batch it takes, so this wait ends.
    cv.wait(l, [&] { return !empty.empty(); });
    batch = std::move(empty.front());
    empty.pop_front();
    return true;
  };
  batch = std::move(empty.front());
  empty.pop_front();
  Status scan_status = ledger.Scan(
      from, last - from + 1,
      [&](const StoredEvent& e) {
        batch->Add(e);
        return batch->events.size() < EventBatch::kEvents || hand_over();
      },
      /*with_hashes=*/false);
  {
    std::lock_guard l(mu);
    if (!batch->events.empty()) full.push_back(std::move(batch));
    done = true;
    cv.notify_all();
  }
  applier.join();
  RETURN_IF_ERROR(scan_status);
  if (progress && applied != total) progress(applied, applied);
  return OkStatus();
}

}  // namespace

StatusOr<AnalyticsState> BuildStateAsOf(
    const Ledger& ledger, uint64_t seq, ContentKeys keys,
    const std::function<void(uint64_t, uint64_t)>& progress) {
  AnalyticsState s;
  s.set_content_keys(keys);
  if (seq == 0) {
    if (progress) progress(0, 0);
    return s;
  }
  s.Reserve(std::min(seq, ledger.head().seq));
  RETURN_IF_ERROR(ScanAndApply(ledger, 1, seq, s, &ledger, progress));
  return s;
}

StatusOr<uint64_t> SeqAtTime(const Ledger& ledger, int64_t time_us) {
  // Invariant: events 1..lo have timestamps <= time_us; events hi+1.. have
  // timestamps > time_us. Timestamps never decrease (docs/storage.md).
  uint64_t lo = 0, hi = ledger.head().seq;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    ASSIGN_OR_RETURN(StoredEvent e, ledger.Get(mid));
    if (TimestampOf(*e.event()) <= time_us) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

// ---- ProjectionEngine
// --------------------------------------------------------

namespace {

// While the live state trails the ledger's head, WaitForSeq's waiters are
// woken every this many events (and always once it reaches the head).
constexpr uint64_t kWakeEvery = 64;

// Encoding a checkpoint allocates and frees a document as large as the
// state, in many small blocks; glibc keeps such freed memory in its arenas,
// so a server's RSS rose by tens of MB with every checkpoint (36 to 326 MB
// over five in a minute of tests/reliability/soak.py; one malloc_trim took
// it back to 80 MB). Called after each checkpoint.
void ReturnFreedMemory() { malloc_trim(0); }

}  // namespace

StatusOr<std::unique_ptr<ProjectionEngine>> ProjectionEngine::Open(
    Ledger* ledger, EngineOptions options) {
  std::unique_ptr<ProjectionEngine> engine(
      new ProjectionEngine(ledger, std::move(options)));
  ASSIGN_OR_RETURN(auto checkpoint,
                   ledger->GetProjectionCheckpoint(engine->options_.name));
  if (checkpoint && checkpoint->first <= ledger->head().seq) {
    StatusOr<AnalyticsState> s =
        AnalyticsState::Deserialize(checkpoint->second);
    // A checkpoint is derived data: one this build cannot read, or whose
    // claimed sequence number disagrees with its contents, is rebuilt.
    if (s.ok() && s->last_seq() == checkpoint->first) {
      engine->state_ = std::move(*s);
      engine->resumed_ = true;
    }
  }
  engine->state_.set_content_keys(engine->options_.content_keys);
  RETURN_IF_ERROR(engine->CatchUp());
  return engine;
}

ProjectionEngine::~ProjectionEngine() {
  StopLive();
  std::lock_guard l(mu_);
  JoinBackgroundCheckpoint();
}

Status ProjectionEngine::CatchUp() {
  std::lock_guard l(mu_);
  Status s =
      ScanAndApply(*ledger_, state_.last_seq() + 1, 0, state_, ledger_, {});
  applied_cv_.notify_all();
  return s;
}

Status ProjectionEngine::Rebuild() {
  {
    std::lock_guard l(mu_);
    state_ = AnalyticsState();
    state_.set_content_keys(options_.content_keys);
  }
  return CatchUp();
}

Status ProjectionEngine::Checkpoint() {
  std::string bytes;
  uint64_t seq = 0;
  {
    std::lock_guard l(mu_);
    // A background checkpoint still being written would land after this
    // one and leave the older position stored.
    JoinBackgroundCheckpoint();
    bytes = state_.Serialize();
    seq = state_.last_seq();
    since_checkpoint_ = 0;
  }
  Status s = ledger_->PutProjectionCheckpoint(options_.name, seq, bytes);
  bytes = std::string();
  ReturnFreedMemory();
  return s;
}

void ProjectionEngine::ApplyLive(const StoredEvent& event) {
  std::lock_guard l(mu_);
  state_.Apply(event, ledger_);
  ++since_checkpoint_;
  // Waiters (WaitForSeq) are woken when the state reaches the ledger's head
  // (the last event of a group commit: every position a waiter can have
  // been given is applied then), and every kWakeEvery events while it
  // trails a head that keeps moving. Waking every waiter for every event
  // made a few hundred threads waiting for their claims contend with this
  // thread for mu_ on each event, and the read side fell behind (issue 17).
  if (event.seq % kWakeEvery == 0 || event.seq >= ledger_->head().seq) {
    applied_cv_.notify_all();
  }
  // Encoding the whole state under mu_ held every reader and every waiter
  // for its length (p99 of a claim's round trip 0.7 s, issue 17); copying
  // it is several times cheaper, and the copy is encoded beside.
  // Every checkpoint encodes the whole state, O(position): spaced by a
  // quarter of the position, their cost per event stays constant (every
  // 10 000 events at 900 000 was 90 full encodings of a state with 450 000
  // annotations, each a few hundred MB for a moment; tests/reliability/
  // soak.py). A restart replays at most a quarter of the ledger.
  if (options_.checkpoint_every_events != 0 &&
      since_checkpoint_ >=
          std::max(options_.checkpoint_every_events, state_.last_seq() / 4) &&
      (!checkpoint_in_flight_.valid() ||
       checkpoint_in_flight_.wait_for(std::chrono::seconds(0)) ==
           std::future_status::ready)) {
    StartBackgroundCheckpoint();
  }
}

void ProjectionEngine::StartBackgroundCheckpoint() {
  JoinBackgroundCheckpoint();
  since_checkpoint_ = 0;
  checkpoint_in_flight_ = std::async(
      std::launch::async, [ledger = ledger_, name = options_.name,
                           copy = std::make_shared<AnalyticsState>(state_)]() {
        const uint64_t seq = copy->last_seq();
        std::string bytes = copy->Serialize();
        // The copy's captured pointer lives as long as the future's shared
        // state; its memory is given back before the ledger copies the bytes.
        *copy = AnalyticsState();
        Status s = ledger->PutProjectionCheckpoint(name, seq, bytes);
        bytes = std::string();
        ReturnFreedMemory();
        return s;
      });
}

void ProjectionEngine::JoinBackgroundCheckpoint() {
  if (!checkpoint_in_flight_.valid()) return;
  Status s = checkpoint_in_flight_.get();
  if (!s.ok() && live_status_.ok()) live_status_ = s;
}

void ProjectionEngine::StartLive() {
  if (subscription_ != nullptr) return;
  subscription_ = ledger_->Subscribe(
      seq() + 1, [this](const StoredEvent& e) { ApplyLive(e); });
}

void ProjectionEngine::StopLive() { subscription_.reset(); }

bool ProjectionEngine::WaitForSeq(uint64_t seq, int64_t timeout_ms) const {
  std::unique_lock l(mu_);
  return applied_cv_.wait_for(l, std::chrono::milliseconds(timeout_ms),
                              [&] { return state_.last_seq() >= seq; });
}

void ProjectionEngine::Read(
    const std::function<void(const AnalyticsState&)>& reader) const {
  std::lock_guard l(mu_);
  reader(state_);
}

void ProjectionEngine::Read(
    const std::function<void(const AnalyticsState&, uint64_t)>& reader) const {
  std::lock_guard l(mu_);
  reader(state_, state_.last_seq());
}

uint64_t ProjectionEngine::seq() const {
  std::lock_guard l(mu_);
  return state_.last_seq();
}

Status ProjectionEngine::live_status() const {
  std::lock_guard l(mu_);
  return live_status_;
}

}  // namespace consilium::projections
