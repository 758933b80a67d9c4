// The projection engine: ProjectionEngine keeps one AnalyticsState
// (projections/analytics_state.h) up to date from a Ledger (Scan to catch up
// or rebuild, Subscribe for live updates), checkpoints it into the ledger's
// `projections` column family with the sequence number it reflects, and
// resumes from that checkpoint after a restart.
//
// As-of queries: BuildStateAsOf(ledger, N) builds a fresh state over events
// 1..N (simple and obviously correct; O(N)); SeqAtTime maps a time to the
// last event at or before it by binary search over the event timestamps,
// which never decrease.
//
// Thread-safety: ProjectionEngine is thread-safe: the live subscription
// applies events on its own thread under the engine's mutex, and Read() runs
// a reader under the same mutex. Live checkpoints copy the state under the
// mutex and encode and store the copy on a thread of their own, so neither
// readers nor the live subscription wait for the encoding.
//
//   ASSIGN_OR_RETURN(auto engine, ProjectionEngine::Open(ledger.get(), {}));
//   engine->Read([](const AnalyticsState& s) { Use(s.annotations()); });
//   RETURN_IF_ERROR(engine->Checkpoint());
#ifndef CONSILIUM_PROJECTIONS_ENGINE_H_
#define CONSILIUM_PROJECTIONS_ENGINE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "common/status.h"
#include "ledger/ledger.h"
#include "projections/analytics_state.h"
#include "projections/value_keys.h"

namespace consilium::projections {

// A fresh state over events 1..seq (seq 0: empty; beyond the head: the
// head). From 4096 events on, the scan runs on the calling thread and the
// events are applied on a second one, in order. `progress` (may be empty) is
// called with (events applied, events to apply), from the applying thread,
// every few hundred events and once at the end, so a command can draw a bar
// (tools/progress.h). Errors from the ledger's Scan.
StatusOr<AnalyticsState> BuildStateAsOf(
    const Ledger& ledger, uint64_t seq, ContentKeys keys = {},
    const std::function<void(uint64_t done, uint64_t total)>& progress = {});

// The last sequence number whose timestamp is <= time_us (0 when the first
// event is later), by binary search over Ledger::Get. Errors from Get.
StatusOr<uint64_t> SeqAtTime(const Ledger& ledger, int64_t time_us);

struct EngineOptions {
  // The checkpoint's name in the ledger's `projections` family.
  std::string name = "analytics";
  // While live, write a checkpoint after this many applied events, or a
  // quarter of the state's position if that is more, so that encoding the
  // whole state stays a constant cost per event (0: only on Checkpoint()).
  // Written in the background from a copy of the state; one still being
  // written defers the next until it is done. Needs a read-write ledger.
  uint64_t checkpoint_every_events = 0;
  // Encryption at rest: opens sealed records for their shapes
  // (AnalyticsState::set_content_keys).
  ContentKeys content_keys{};
};

class ProjectionEngine {
 public:
  // Loads the checkpoint named options.name, if any, then applies every event
  // after it (Scan). A checkpoint that does not decode, or claims a sequence
  // number beyond the head, is discarded and the state rebuilt from event 1
  // (derived data; resumed() reports which happened). `ledger` is not owned
  // and must outlive the engine. Errors from the ledger.
  static StatusOr<std::unique_ptr<ProjectionEngine>> Open(
      Ledger* ledger, EngineOptions options = {});

  ~ProjectionEngine();
  ProjectionEngine(const ProjectionEngine&) = delete;
  ProjectionEngine& operator=(const ProjectionEngine&) = delete;

  // Applies every committed event after the state's (Scan). Safe to call
  // while live (the subscription and CatchUp skip what the other applied).
  Status CatchUp();
  // Discards the state and rebuilds it from event 1.
  Status Rebuild();
  // Stores the current state and its sequence number in the ledger.
  // FailedPrecondition on a read-only ledger.
  Status Checkpoint();

  // Starts applying newly committed events as they commit (Subscribe), from
  // the state's next sequence number. Idempotent.
  void StartLive();
  // Stops live updates (waits for an in-flight event). Idempotent.
  void StopLive();
  // Blocks until the state reflects `seq` or `timeout_ms` passes; true when
  // it does. Read-your-writes across the two sides: a command's committed
  // seq, then WaitForSeq(seq) before a read (docs/architecture.md,
  // "Positions").
  bool WaitForSeq(uint64_t seq, int64_t timeout_ms) const;

  // Runs `reader` on the current state under the engine's lock: keep it
  // short, and do not keep references past it. The state reflects one
  // position, s.last_seq(): every event up to it applied, none after.
  void Read(const std::function<void(const AnalyticsState&)>& reader) const;
  // The same, with that position passed along: `seq` == state.last_seq().
  void Read(const std::function<void(const AnalyticsState& state,
                                     uint64_t seq)>& reader) const;
  // The position the state reflects now (it may move as soon as this
  // returns while live; Read gives a state and its position together).
  uint64_t seq() const;
  // True when Open resumed from a checkpoint rather than from event 1.
  bool resumed() const { return resumed_; }
  // The first error met while applying live events (OK if none).
  Status live_status() const;

 private:
  ProjectionEngine(Ledger* ledger, EngineOptions options)
      : ledger_(ledger), options_(std::move(options)) {}
  void ApplyLive(const StoredEvent& event);
  // Copies the state and encodes and stores the copy on a thread of its own.
  // The caller holds mu_.
  void StartBackgroundCheckpoint();
  // Waits for the background checkpoint, if any; its error, if any, becomes
  // live_status(). The caller holds mu_.
  void JoinBackgroundCheckpoint();

  Ledger* ledger_;
  EngineOptions options_;
  bool resumed_ = false;
  mutable std::mutex mu_;
  mutable std::condition_variable applied_cv_;
  AnalyticsState state_;
  uint64_t since_checkpoint_ = 0;
  Status live_status_;
  std::unique_ptr<Ledger::Subscription> subscription_;
  // The background checkpoint being written, if any (valid() until joined).
  std::future<Status> checkpoint_in_flight_;
};

}  // namespace consilium::projections

#endif  // CONSILIUM_PROJECTIONS_ENGINE_H_
