// Ledger: the append-only, hash-chained, durable store of every Consilium
// event, on an embedded RocksDB data directory.
//
// Each committed event carries its sequence number (dense, first = 1), the
// hash of its predecessor and the server time; its hash is
// SHA-256(0x00 || stored bytes), the RFC 9162 leaf hash. Append returns only
// after the event is synced to disk. Concurrent appends are written together
// in one WriteBatch by a single committer thread, which also keeps secondary
// indexes in the same write, so an index entry never points to a missing
// event; a sync thread makes the written batches durable with one WAL sync
// while the committer writes the next, and an acknowledger thread completes
// them while the next sync runs; a group of up to four appends is completed
// on the sync thread when the acknowledger is idle (pipelined group commit:
// docs/group-commit.md). Reads never see an event beyond the synced head.
//
// Thread-safety: a Ledger is safe to use from any number of threads. One
// process opens a data directory read-write at a time (RocksDB's LOCK file);
// any number may open it read-only.
//
//   Status s = Ledger::Init("/var/lib/consilium");
//   auto ledger = Ledger::Open("/var/lib/consilium", {});
//   if (!ledger.ok()) return ledger.status();
//   StatusOr<Committed> c = (*ledger)->Append(
//       MakeProjectCreated({.actor = "admin"}, "p1", "Sepsis calibration"));
#ifndef CONSILIUM_LEDGER_LEDGER_H_
#define CONSILIUM_LEDGER_LEDGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/hash.h"
#include "common/status.h"
#include "ledger/checkpoint.h"
#include "ledger/proof_json.h"
#include "schemas/event.h"
#include "schemas/event_index.h"

namespace consilium {

class LedgerInternal;  // test seams (ledger/internal/ledger_internal.h)

// The outcome of a successful append.
struct Committed {
  uint64_t seq = 0;
  Hash256 hash{};
  int64_t timestamp_us = 0;
  // True when the draft's (actor, request_id) was already committed: seq and
  // hash are the original event's and nothing was appended.
  bool duplicate = false;
};

// The newest committed event; seq 0 and an all-zero hash for an empty ledger.
struct Head {
  uint64_t seq = 0;
  Hash256 hash{};
  int64_t timestamp_us = 0;
};

// An event as read back: its sequence number, its hash, and its stored bytes
// (already checked by VerifyStoredEvent).
struct StoredEvent {
  uint64_t seq = 0;
  Hash256 hash{};
  std::string bytes;
  const fb::Event* event() const { return EventView(bytes); }
};

struct LedgerOptions {
  bool read_only = false;
  // Wall time for event timestamps. Not owned; must outlive the ledger.
  Clock* clock = SystemClock();
  // Signs a checkpoint inside the commit that reaches the cadence: at least
  // `checkpoint_every_events` events or `checkpoint_every_ms` milliseconds
  // since the last checkpoint (0 disables that trigger). Not owned; null
  // disables automatic checkpoints (SignCheckpoint still works on demand).
  const NoteSigner* checkpoint_signer = nullptr;
  uint64_t checkpoint_every_events = 0;
  int64_t checkpoint_every_ms = 0;
  // Group commit: the most events and bytes one synced write may carry.
  size_t max_batch_events = 2048;
  size_t max_batch_bytes = 8 << 20;
  // How events are indexed (schemas/event_index.h): the one function that
  // fills the by_record index at commit, checks it in Verify and rebuilds it
  // in RepairIndexes. Its name must be the one stored with the ledger (at
  // Init; a ledger made before names were stored reads as "consilium.v1"),
  // else Open is FailedPrecondition (docs/storage.md, "Indexes and the
  // indexer"). Open is InvalidArgument for an empty name or null `keys`.
  EventIndexer indexer = kConsiliumV1Indexer;
  // For `consilium repair-indexes`: a read-write Open of a ledger whose
  // stored indexer name differs from `indexer.name` succeeds, but appends
  // are refused (FailedPrecondition) until RepairIndexes has rebuilt the
  // indexes with `indexer` and stored its name.
  bool adopt_indexer = false;
};

// What Verify found. `ok` with `events` checked and the head hash, or the
// first bad sequence number and what is wrong with it.
struct VerifyReport {
  bool ok = true;
  uint64_t events = 0;
  uint64_t first_seq = 0;
  Head head;
  uint64_t bad_seq = 0;  // 0 when ok
  std::string problem;   // "hash mismatch", "broken link", ...
  // For a wrong entry of a derived index: its column family ("by_record",
  // "by_actor", "requests", "merkle"; docs/storage.md), and bad_seq is 0.
  std::string family;
  // Set when verification started at 1: the Merkle root recomputed from the
  // event hashes, and the latest stored checkpoint it was checked against
  // (size 0 when there is none).
  Hash256 root{};
  uint64_t checkpoint_size = 0;
};

// What Ledger::RepairIndexes found and fixed.
struct IndexRepairReport {
  struct Index {
    std::string name;      // by_record, by_actor, requests, merkle
    uint64_t added = 0;    // entries written: missing, or with a wrong value
    uint64_t removed = 0;  // entries deleted: pointing nowhere or wrongly
  };
  std::vector<Index> indexes;  // every derived index, in the order above
  // The IndexesRepaired event that records the repair; nullopt when every
  // index already matched the events (nothing was written).
  std::optional<Committed> event;
};

// A signed checkpoint as stored by the ledger.
struct StoredCheckpoint {
  Checkpoint checkpoint;
  std::string note;  // the signed note text
};

class Ledger {
 public:
  // Creates an empty ledger in `dir` (created if missing), recording the
  // name of the indexer its indexes will be built with (LedgerOptions::
  // indexer). AlreadyExists when `dir` already holds a ledger;
  // FailedPrecondition when it holds anything else.
  static Status Init(const std::string& dir,
                     const EventIndexer& indexer = kConsiliumV1Indexer);

  // Opens an existing ledger. NotFound when `dir` holds no ledger;
  // FailedPrecondition when its format version is newer than this build, it
  // is not a Consilium ledger, or its indexes were built by another indexer
  // than `options.indexer` (unless adopt_indexer); InvalidArgument for an
  // unusable indexer; Unavailable when another process holds it.
  static StatusOr<std::unique_ptr<Ledger>> Open(const std::string& dir,
                                                const LedgerOptions& options);

  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Validates the draft, commits it durably and returns its sequence number
  // and hash. InvalidArgument for a malformed draft (nothing appended);
  // FailedPrecondition on a read-only ledger; Unavailable/Internal when the
  // store failed (the ledger then refuses further appends until reopened).
  StatusOr<Committed> Append(EventDraft draft);

  // Appends every draft in one synced write, with consecutive sequence
  // numbers, or none of them: the first invalid draft's error (prefixed with
  // its position) is returned and nothing is appended. Drafts whose request
  // id is already committed report their original event (duplicate = true).
  StatusOr<std::vector<Committed>> AppendAll(std::vector<EventDraft> drafts);

  // Asynchronous append: `done` runs on the ledger's acknowledger thread (or
  // its sync thread, for a small group), in sequence order, one callback at a
  // time, once the event is durable (or failed; validation errors and store
  // failures may also be reported on the committer thread or the caller's);
  // it must be quick and must not block on the ledger.
  using AppendCallback = std::function<void(StatusOr<Committed>)>;
  void AppendAsync(EventDraft draft, AppendCallback done);

  // What AppendAsyncWithEvent's callback sees.
  struct AppendedEvent {
    StatusOr<Committed> result = Committed{};
    // The event's stored bytes (stamped: sequence number, previous hash,
    // time) when `result` is OK and not a duplicate; empty otherwise. Valid
    // until the callback of the group's last event (`more` false) returns.
    std::string_view bytes;
    // True when the ledger calls another AppendAsyncWithEvent callback right
    // after this one, on the same thread, for the next event of the same
    // synced group (in sequence order). A consumer may gather events while
    // `more` and act on the whole group when it is false. Always false for
    // failures.
    bool more = false;
  };
  using AppendedCallback = std::function<void(const AppendedEvent&)>;
  // AppendAsync for consumers of the committed event itself (a projection
  // that applies it): the callback gets the stored bytes, so it need not
  // keep a copy of the draft, and learns where a synced group ends, so it
  // can apply the group at once. Same threads and rules as AppendAsync.
  void AppendAsyncWithEvent(EventDraft draft, AppendedCallback done);

  Head head() const;

  // The head, checked: DataLoss (naming the missing or changed event) when
  // the newest stored event is not the head recorded with the last commit
  // (sequence number and hash), as found when the ledger was opened. A
  // read-write Open refuses such a ledger; a read-only one opens so that
  // `consilium verify` can say what is wrong, and its reads of the head
  // (this, Get, Scan, proofs at the head's size) return this error.
  StatusOr<Head> CheckedHead() const;

  // One event. NotFound beyond the head; DataLoss if it is missing at or
  // below the head, its bytes don't decode, it records another sequence
  // number than its key, or the head does not match the recorded one
  // (CheckedHead) and seq lies between the two (or is the head, when only
  // the hash differs).
  StatusOr<StoredEvent> Get(uint64_t seq) const;

  // Calls `fn` for events from `from` on, in order, at most `limit` of them
  // (0 = no limit), while it returns true. Every event's bytes are checked
  // by VerifyStoredEvent; its hash is recomputed from them unless
  // `with_hashes` is false (then StoredEvent::hash is all zero): consumers
  // that only read bodies, such as projection rebuilds, skip the SHA-256,
  // which is most of a scan's cost. What is delivered is checked as it
  // goes: DataLoss, before the event is delivered, when a sequence number is
  // missing (a gap), an event records another sequence number than its key,
  // or (with hashes) its previous hash is not the previous delivered event's
  // hash; and, when the scan reaches the head, when events up to the head
  // are missing or the head does not match the recorded one. The events
  // delivered before the error are sound. Verify checks everything else
  // (the link into `from`, the Merkle tree, checkpoints).
  Status Scan(uint64_t from, uint64_t limit,
              const std::function<bool(const StoredEvent&)>& fn,
              bool with_hashes = true) const;

  // Sequence numbers of events about `record_id` / made by `actor`, ascending.
  StatusOr<std::vector<uint64_t>> EventsForRecord(
      const std::string& record_id) const;
  StatusOr<std::vector<uint64_t>> EventsByActor(const std::string& actor) const;

  // Re-reads every event from `from` on, recomputes each hash, checks each
  // chain link, dense sequence numbers and decodability. With from > 1, event
  // from-1's stored bytes anchor the chain. From event 1 it also checks every
  // derived index against the events: every stored Merkle node, and every
  // by_record, by_actor and requests entry (docs/verification.md), naming the
  // first wrong entry (VerifyReport::family). from = head + 1 verifies nothing
  // and is OK (0 events); from beyond head + 1 is not OK with bad_seq 0 and
  // a problem saying there is nothing to verify (`consilium verify` refuses
  // it as an OutOfRange usage error before calling this). `progress` (may be
  // empty) is called now and then with the number checked so far and the total.
  VerifyReport Verify(
      uint64_t from,
      const std::function<void(uint64_t, uint64_t)>& progress) const;

  // Rebuilds the derived indexes (by_record, by_actor, requests and the
  // stored Merkle nodes) from events 1..head: writes every missing or wrong
  // entry and deletes every entry the events do not give, in one synced
  // write with an IndexesRepaired event by `actor` that records the counts
  // (nothing is written when every index already matches). Runs on the
  // committer, so appends wait for it; it reads every event and index
  // entry and holds the expected entries in memory. FailedPrecondition when
  // the ledger is read-only or its events do not verify (indexes are rebuilt
  // only from a sound chain); InvalidArgument for a bad actor. `progress`
  // (may be empty) is called now and then, on the committer, with the
  // number of events read so far and the total.
  StatusOr<IndexRepairReport> RepairIndexes(
      std::string_view actor,
      const std::function<void(uint64_t, uint64_t)>& progress = {});

  // Delivers committed events in order, starting at `from`, to `consumer` on
  // a thread of the subscription's own. A consumer that falls behind reads
  // from disk; appenders never wait for it. Delivery stops when the
  // Subscription is destroyed (which waits for an in-flight call to return).
  class Subscription {
   public:
    virtual ~Subscription() = default;
    // The next sequence number the consumer will receive.
    virtual uint64_t next_seq() const = 0;
  };
  std::unique_ptr<Subscription> Subscribe(
      uint64_t from, std::function<void(const StoredEvent&)> consumer);

  // Blocks until `seq` is committed or `timeout_ms` elapses; true if it is.
  bool WaitForSeq(uint64_t seq, int64_t timeout_ms) const;

  const std::string& dir() const;

  // --- Merkle tree (RFC 9162) over the event hashes: leaf i is event i+1.
  // Sizes are tree sizes (numbers of events), at most head().seq; beyond
  // it: OutOfRange.

  StatusOr<Hash256> RootAt(uint64_t size) const;
  // What an auditor is served, checked before it is returned: event `seq`'s
  // leaf hash (recomputed from its stored bytes), its audit path in the tree
  // of `size` events and that tree's root, after the path has been verified
  // to lead from the leaf to the root (proof_verifier.h) and the root
  // compared with the signed checkpoint of that size, when one is stored.
  // DataLoss naming the event and size when either check fails (a stored
  // Merkle node or event was altered), or when `size` is the head and the
  // head does not match the recorded one; InvalidArgument when seq is not in
  // 1..size; OutOfRange when size is beyond the head.
  StatusOr<merkle::InclusionBundle> ProveInclusion(uint64_t seq,
                                                   uint64_t size) const;
  // Proof that the tree of size2 extends the tree of size1 (0 < size1 <=
  // size2) with both roots, checked the same way (VerifyConsistency, and
  // each root against a stored checkpoint of its size).
  StatusOr<merkle::ConsistencyBundle> ProveConsistency(uint64_t size1,
                                                       uint64_t size2) const;
  // The proofs alone, with the same checks and codes as above.
  StatusOr<std::vector<Hash256>> InclusionProof(uint64_t seq,
                                                uint64_t size) const;
  StatusOr<std::vector<Hash256>> ConsistencyProof(uint64_t size1,
                                                  uint64_t size2) const;

  // --- Checkpoints (C2SP tlog-checkpoint signed notes).

  // Signs and stores a checkpoint of the first `size` events (0: the head)
  // with origin = the signer's key name. Refuses (FailedPrecondition) when
  // the ledger's origin is already another name, or when the current tree
  // no longer reproduces the root of the latest stored checkpoint: the
  // ledger never signs two inconsistent checkpoints. Returns the note.
  StatusOr<StoredCheckpoint> SignCheckpoint(const NoteSigner& signer,
                                            uint64_t size);
  // The stored checkpoint of the largest size, if any.
  StatusOr<std::optional<StoredCheckpoint>> LatestCheckpoint() const;
  // The stored checkpoint of exactly `size` events, if any (the snapshot
  // export's manifest carries one). DataLoss when the stored note is not a
  // signed checkpoint of that size.
  StatusOr<std::optional<StoredCheckpoint>> CheckpointAt(uint64_t size) const;
  // Ledger settings kept in the data directory. The only setting today is
  // "checkpoint_key_file": the path of the key `consilium checkpoint` signs
  // with when no --key is given. InvalidArgument for an unknown name.
  Status SetSetting(std::string_view name, std::string_view value);
  StatusOr<std::optional<std::string>> GetSetting(std::string_view name) const;

  // --- Projection checkpoints: a projection's serialized state and the
  // sequence number it reflects, kept beside the events so a projection
  // resumes after a restart instead of replaying from event 1
  // (projections/engine.h). The bytes are the projection's own format; the
  // ledger stores them verbatim in the `projections` column family
  // (docs/storage.md). A checkpoint is derived data: deleting it only costs a
  // rebuild.

  // Stores (seq, bytes) under `name`, replacing any earlier checkpoint of
  // that name, synced. InvalidArgument for an empty name, one longer than
  // 256 bytes or containing NUL; OutOfRange when seq > head().seq;
  // FailedPrecondition on a read-only ledger; Unavailable/Internal when the
  // store failed.
  Status PutProjectionCheckpoint(std::string_view name, uint64_t seq,
                                 std::string_view bytes);
  // The checkpoint stored under `name`, or nullopt when there is none.
  // InvalidArgument for a bad name (as above); DataLoss for a stored value
  // too short to hold its sequence number.
  StatusOr<std::optional<std::pair<uint64_t, std::string>>>
  GetProjectionCheckpoint(std::string_view name) const;

  // Writes a consistent copy of the whole ledger (every column family, at
  // one point in time, the memtables flushed first) to `dir`, which must not
  // exist: a RocksDB checkpoint, hard links where `dir` is on the same file
  // system, copies otherwise, synced. Appends may go on meanwhile; the copy
  // holds the events committed when it was taken. Only the process that
  // holds the ledger read-write can take it (that writer decides when its
  // files are deleted): FailedPrecondition on a read-only ledger;
  // AlreadyExists when `dir` exists; Internal when RocksDB fails. The copy
  // opens with Ledger::Open like any data directory (docs/snapshots.md,
  // "Backup and restore").
  Status Backup(const std::string& dir) const;

  // The verifier key of the checkpoints' signer (recorded when the first
  // checkpoint is signed); empty when none was signed.
  std::string CheckpointVerifierKey() const;

 private:
  friend class LedgerInternal;
  class Impl;
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace consilium

#endif  // CONSILIUM_LEDGER_LEDGER_H_
