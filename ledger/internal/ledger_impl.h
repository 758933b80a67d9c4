// Ledger::Impl: the state behind a Ledger, shared by the files that
// implement it, each along one seam:
//   ledger.cc                    the public facade, Init, Open, reads
//   internal/group_commit.cc     committer, syncer, acknowledger
//   internal/merkle_store.cc     stored Merkle nodes, roots and proofs
//   internal/checkpoint_store.cc signed checkpoints, settings, projection
//                                checkpoints
//   internal/subscriptions.cc    Subscribe
//   internal/verify.cc           Verify
// Nothing outside ledger/ includes it.
#ifndef CONSILIUM_LEDGER_INTERNAL_LEDGER_IMPL_H_
#define CONSILIUM_LEDGER_INTERNAL_LEDGER_IMPL_H_

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "common/hash.h"
#include "common/status.h"
#include "ledger/checkpoint.h"
#include "ledger/internal/group_commit.h"
#include "ledger/internal/merkle_store.h"
#include "ledger/internal/verified_nodes.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"

namespace consilium {
namespace ledger_internal {

// A RocksDB status as ours: NotFound, DataLoss for corruption, Unavailable
// for I/O (naming a held lock), Internal otherwise; `what` says what failed.
Status FromRocks(const rocksdb::Status& s, std::string_view what);

enum Family : size_t {
  kDefault = 0,
  kEvents,
  kMeta,
  kByRecord,
  kByActor,
  kRequests,
  kMerkle,
  kCheckpoints,
  kProjections,
};

}  // namespace ledger_internal

class Ledger::Impl {
 public:
  Impl(std::string dir, LedgerOptions options)
      : dir_(std::move(dir)), options_(options) {}

  ~Impl() {
    {
      std::lock_guard l(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (committer_.joinable()) committer_.join();
    // The committer is gone; the syncer makes what it wrote durable first.
    {
      std::lock_guard l(sync_mu_);
      sync_stopping_ = true;
    }
    sync_cv_.notify_all();
    if (syncer_.joinable()) syncer_.join();
    {
      std::lock_guard l(ack_mu_);
      ack_stopping_ = true;
    }
    ack_cv_.notify_all();
    if (acker_.joinable()) acker_.join();
    // A clean close leaves nothing in the WAL to replay: the next open (a
    // server start, `consilium verify`) reads tables instead of rebuilding
    // memtables from up to max_total_wal_size of log. Skipped after a failed
    // sync, where the storage is suspect; a crash loses nothing either way.
    bool healthy;
    {
      std::lock_guard l(sync_mu_);
      healthy = sync_failure_.ok();
    }
    if (db_ != nullptr && !options_.read_only && healthy) {
      rocksdb::FlushOptions wait;
      db_->Flush(wait, families_);
    }
    for (auto* h : families_) db_->DestroyColumnFamilyHandle(h);
    families_.clear();
    delete db_;
  }

  // Open, in steps: the column families (creating those a ledger made
  // before them lacks), the format version, the head (checked against the
  // recorded one), the tree (right edge and upper levels), the checkpoint
  // state; then the commit threads.
  Status Open();
  Status OpenFamilies();
  void KeepOwnFamilies();
  Status CheckFormatVersion() const;
  Status CheckIndexer();
  Status RecoverHead();
  void LoadTree();
  Status LoadCheckpointState();
  void Enqueue(std::unique_ptr<ledger_internal::PendingAppend> p);
  void CommitterLoop();
  void CommitBatch(
      std::vector<std::unique_ptr<ledger_internal::PendingAppend>>& batch);
  // CommitBatch's events into `wb` (`h`: the head they extend, then the
  // new head), with every duplicate request answered in `results`; fails
  // only when looking up a request id fails.
  Status StageBatch(
      std::vector<std::unique_ptr<ledger_internal::PendingAppend>>& batch,
      int64_t now, rocksdb::WriteBatch& wb, Head& h,
      std::vector<std::vector<Committed>>& results);
  Head StageEvent(EventDraft& draft, std::string_view request_key,
                  const Head& prev, int64_t now, rocksdb::WriteBatch& wb);
  void SyncerLoop();
  void AckLoop();
  void Complete(const Status& sync,
                std::vector<ledger_internal::WrittenBatch>& written);
  void Acknowledge(std::vector<ledger_internal::WrittenBatch>& written);
  StatusOr<std::optional<Committed>> LookupRequest(const std::string& key);
  StatusOr<std::vector<uint64_t>> IndexScan(ledger_internal::Family family,
                                            const std::string& id) const;
  VerifyReport Verify(
      uint64_t from,
      const std::function<void(uint64_t, uint64_t)>& progress) const;
  // Verify from > 1: event from-1's hash, or false with `report` saying
  // why there is none.
  bool ReadVerifyAnchor(uint64_t from, const rocksdb::ReadOptions& at_snapshot,
                        Hash256* anchor, VerifyReport* report) const;
  // The last stored event's sequence number (0 when none), through `ro`.
  uint64_t LastStoredSeq(const rocksdb::ReadOptions& ro) const;

  Head head() const {
    std::lock_guard l(head_mu_);
    return head_;
  }

  rocksdb::ColumnFamilyHandle* cf(ledger_internal::Family f) const {
    return families_[f];
  }

  std::string dir_;
  LedgerOptions options_;
  // The storage environment; null for the local file system. Not owned
  // (LedgerInternal::OpenWithEnv).
  rocksdb::Env* env_ = nullptr;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;

  // Committer queue.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<ledger_internal::PendingAppend>> queue_;
  bool stopping_ = false;
  std::thread committer_;
  // Set once a write fails; every later append gets it (the committer's view
  // of the head may no longer match the disk).
  Status broken_;
  // Committer-owned: the newest event written (synced or not), and the
  // Merkle tree's right edge there.
  Head written_;
  merkle::CompactRange range_;
  // Set at a read-write open when the stored nodes could not give the
  // tree's right edge: appends are refused (they would extend a wrong tree)
  // until RepairIndexes rebuilds it from the events. Committer-owned after
  // open.
  Status damaged_tree_;
  // Set at an Open with adopt_indexer when the indexes were built by another
  // indexer: appends are refused until RepairIndexes rebuilt them.
  // Committer-owned after open.
  Status stale_indexer_;

  // Syncer queue: written batches in write order (docs/group-commit.md).
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::vector<ledger_internal::WrittenBatch> sync_queue_;
  bool sync_stopping_ = false;
  Status sync_failure_;  // set once a WAL sync fails; guarded by sync_mu_
  std::thread syncer_;

  // Acknowledger queue: synced groups (or a failed sync's), in sync order;
  // ack_mu_ guards it and ack_busy_. Groups of at most this many appends are
  // completed on the sync thread while the acknowledger is idle.
  static constexpr size_t kInlineAcknowledgements = 4;
  struct SyncedGroup {
    Status status;
    std::vector<ledger_internal::WrittenBatch> written;
  };
  std::mutex ack_mu_;
  std::condition_variable ack_cv_;
  std::deque<SyncedGroup> ack_queue_;
  bool ack_busy_ = false;  // groups queued or being completed
  bool ack_stopping_ = false;
  std::thread acker_;

  // Checkpoints. origin_ and vkey_ are recorded with the first checkpoint;
  // the last_* fields drive the automatic cadence (committer only).
  mutable std::mutex checkpoint_mu_;
  std::string origin_;
  std::string vkey_;
  uint64_t last_checkpoint_size_ = 0;
  int64_t last_checkpoint_us_ = 0;

  ledger_internal::StoredNodes Nodes(uint64_t size) const {
    return ledger_internal::StoredNodes(db_, cf(ledger_internal::kEvents),
                                        cf(ledger_internal::kMerkle), &upper_,
                                        size);
  }
  // Stored nodes only, bypassing the in-memory levels (verification).
  ledger_internal::StoredNodes DiskNodes(uint64_t size) const {
    return ledger_internal::StoredNodes(db_, cf(ledger_internal::kEvents),
                                        cf(ledger_internal::kMerkle), nullptr,
                                        size);
  }
  ledger_internal::UpperNodes upper_;
  // Upper-level nodes of the batch being committed (committer only).
  std::vector<std::tuple<uint32_t, uint64_t, Hash256>> pending_upper_;
  // Adds the automatic checkpoint to `wb` when the cadence is reached.
  void MaybeCheckpoint(rocksdb::WriteBatch& wb, const Head& h);
  // The stored checkpoint of the largest size, if any; DataLoss when it is
  // not a signed note or its body's size differs from its key.
  StatusOr<std::optional<StoredCheckpoint>> ReadLatestCheckpoint() const;
  // Roots that served proofs recomputed, by tree size: nodes never change
  // once written, so a later proof at the same size (typically the head or
  // the latest checkpoint) is checked against the cached root instead of
  // recomputing it from popcount(size) stored nodes.
  std::optional<Hash256> CachedRoot(uint64_t size) const {
    std::lock_guard l(root_cache_mu_);
    for (const auto& [s, root] : root_cache_) {
      if (s == size && size != 0) return root;
    }
    return std::nullopt;
  }
  // `generation` is verified_.generation() read before the proof read any
  // node: a root computed from nodes that RepairIndexes has since replaced
  // is not kept.
  void CacheRoot(uint64_t generation, uint64_t size,
                 const Hash256& root) const {
    std::lock_guard l(root_cache_mu_);
    if (verified_.generation() != generation) return;
    for (const auto& [s, r] : root_cache_) {
      if (s == size) return;
    }
    root_cache_[root_cache_next_] = {size, root};
    root_cache_next_ = (root_cache_next_ + 1) % root_cache_.size();
  }
  mutable std::mutex root_cache_mu_;
  mutable std::array<std::pair<uint64_t, Hash256>, 4> root_cache_{};
  mutable size_t root_cache_next_ = 0;
  // Subtree hashes verified by earlier proofs at the largest checked size,
  // so a proof stops hashing where it meets one (verified_nodes.h).
  mutable ledger_internal::VerifiedNodes verified_;
  // After RepairIndexes rewrote the nodes: what earlier proofs computed
  // from the old ones (roots, verified nodes) is dropped. The generation is
  // bumped before the roots are cleared, so a proof that read old nodes
  // either finds its generation stale or has its root cleared.
  void ResetVerified() {
    verified_.Reset();
    std::lock_guard l(root_cache_mu_);
    root_cache_.fill({});
  }
  // OK unless a checkpoint of exactly `size` is stored and records another
  // root (or is unreadable: DataLoss).
  Status CheckRootAgainstStoredCheckpoint(uint64_t size,
                                          const Hash256& root) const;

  // The committed head; committed_seq_ mirrors head_.seq for waiters.
  mutable std::mutex head_mu_;
  Head head_;
  // Whether the newest stored event is the head recorded in meta with the
  // last commit, as found at open (read_checks.h CheckHead); a read-write
  // open refuses a mismatch, a read-only one keeps it for the reads that
  // serve the head (CheckedHead, Get, Scan, proofs). recorded_head_seq_ is
  // the recorded head's sequence number (head_.seq when they agree).
  Status head_check_;
  uint64_t recorded_head_seq_ = 0;
  mutable std::mutex commit_mu_;
  mutable std::condition_variable commit_cv_;
  std::atomic<uint64_t> committed_seq_{0};
};

}  // namespace consilium

#endif  // CONSILIUM_LEDGER_INTERNAL_LEDGER_IMPL_H_
