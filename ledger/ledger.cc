#include "ledger/ledger.h"

#include <pthread.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "ledger/internal/index_check.h"
#include "ledger/internal/read_checks.h"
#include "ledger/internal/storage_layout.h"
#include "ledger/internal/verified_nodes.h"
#include "ledger/internal/verify_pipeline.h"
#include "ledger/merkle.h"

namespace consilium {

using namespace ledger_internal;  // NOLINT(google-build-using-namespace)

namespace {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return OkStatus();
  std::string m = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return NotFoundError(std::move(m));
  if (s.IsCorruption()) return DataLossError(std::move(m));
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return UnavailableError(
        std::move(m) +
        " (is another consilium process using this data directory?)");
  }
  if (s.IsIOError() || s.IsBusy() || s.IsTryAgain()) {
    return UnavailableError(std::move(m));
  }
  return InternalError(std::move(m));
}

const std::vector<std::string>& FamilyNames() {
  static const auto* names = new std::vector<std::string>{
      rocksdb::kDefaultColumnFamilyName,
      kEventsFamily,
      kMetaFamily,
      kByRecordFamily,
      kByActorFamily,
      kRequestsFamily,
      kMerkleFamily,
      kCheckpointsFamily,
      kProjectionsFamily,
  };
  return *names;
}

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

rocksdb::Options BaseOptions() {
  rocksdb::Options o;
  o.max_background_jobs = 2;
  o.keep_log_file_num = 4;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Kill -9 must never lose an acknowledged write; RocksDB's default
  // point-in-time recovery drops only a torn, never-acknowledged WAL tail.
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  return o;
}

// The id part of an index key (id || 0x00 || seq), for memtable insert hints:
// keys within one id arrive in ascending order, so the memtable can insert
// next to the previous one instead of searching from the top.
class IdPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "consilium.IdPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), 0, key.size());
    size_t n = nul ? static_cast<const char*>(nul) - key.data() : key.size();
    return rocksdb::Slice(key.data(), n);
  }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

rocksdb::ColumnFamilyOptions FamilyOptions(const std::string& name) {
  rocksdb::ColumnFamilyOptions cf;
  if (name == kEventsFamily) {
    // Sequence keys only grow: every insert lands after the previous one.
    cf.memtable_insert_with_hint_prefix_extractor.reset(
        rocksdb::NewFixedPrefixTransform(0));
  } else if (name == kByActorFamily || name == kByRecordFamily) {
    cf.memtable_insert_with_hint_prefix_extractor =
        std::make_shared<IdPrefix>();
  } else if (name == kMerkleFamily) {
    cf.memtable_insert_with_hint_prefix_extractor.reset(
        rocksdb::NewFixedPrefixTransform(1));
  }
  cf.write_buffer_size = name == kEventsFamily ? 64 << 20 : 16 << 20;
  // One block cache for every family of every ledger in the process.
  static const std::shared_ptr<rocksdb::Cache> cache =
      rocksdb::NewLRUCache(256 << 20);
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.block_size = name == kEventsFamily ? 16 << 10 : 4 << 10;
  if (name == kRequestsFamily || name == kMerkleFamily) {
    // Point lookups (request ids, Merkle nodes) skip files with a filter.
    // The record and actor indexes are only ever scanned by prefix, where a
    // whole-key filter would cost flush time and help no read.
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  // Event bytes compress well; hashes (Merkle nodes) not at all, and proofs
  // read them at random, so their blocks stay small and uncompressed.
  cf.compression = name == kMerkleFamily ? rocksdb::kNoCompression
                                         : rocksdb::kLZ4Compression;
  return cf;
}

// Adds the index entry IndexKey(id, seq) (storage_layout.h) from its parts,
// without building the key: the commit thread writes two per event.
void PutIndexEntry(rocksdb::WriteBatch& wb, rocksdb::ColumnFamilyHandle* family,
                   std::string_view id, const char (&seq_key)[8]) {
  static constexpr char kSeparator = '\0';
  const rocksdb::Slice key[3] = {rocksdb::Slice(id.data(), id.size()),
                                 rocksdb::Slice(&kSeparator, 1),
                                 rocksdb::Slice(seq_key, 8)};
  const rocksdb::Slice value;
  wb.Put(family, rocksdb::SliceParts(key, 3), rocksdb::SliceParts(&value, 1));
}

std::string HeadValue(uint64_t seq, const Hash256& hash) {
  std::string v(40, '\0');
  PutBigEndian64(v.data(), seq);
  std::memcpy(v.data() + 8, hash.data(), 32);
  return v;
}

}  // namespace

// The Merkle tree's upper levels (kUpperLevel and above) kept in memory:
// 1/32 of the nodes (about 10 MB at 10M events), yet they are three quarters
// of every proof's reads. Filled from the merkle family at open and by
// the committer after each durable write.
class UpperNodes {
 public:
  static constexpr uint32_t kUpperLevel = 5;

  // The node, if held.
  std::optional<Hash256> Find(uint32_t level, uint64_t index) const {
    if (level < kUpperLevel) return std::nullopt;
    std::shared_lock l(mu_);
    size_t i = level - kUpperLevel;
    if (i >= levels_.size() || index >= levels_[i].size()) return std::nullopt;
    return levels_[i][index];
  }

  // Nodes arrive in index order within each level (as the tree completes);
  // a node already held is replaced (RepairIndexes restores every node).
  void Add(const std::vector<std::tuple<uint32_t, uint64_t, Hash256>>& nodes) {
    std::unique_lock l(mu_);
    for (const auto& [level, index, hash] : nodes) {
      size_t i = level - kUpperLevel;
      if (levels_.size() <= i) levels_.resize(i + 1);
      if (levels_[i].size() == index) {
        levels_[i].push_back(hash);
      } else if (index < levels_[i].size()) {
        levels_[i][index] = hash;
      }
    }
  }

 private:
  mutable std::shared_mutex mu_;
  std::vector<std::vector<Hash256>> levels_;
};

// Merkle nodes as the ledger stores them: interior perfect subtrees in the
// merkle family; leaves are the event hashes, recomputed from the events
// family (storing them again would cost a write per event for the one or two
// leaves a proof reads).
//
// Which nodes a proof needs depends only on the tree size and index, never on
// hash values. Prefetch() therefore runs the proof once against a recorder to
// learn the node ids, then fetches them all with two RocksDB MultiGets
// (sorted keys, one pass per family) instead of ~2 log n point lookups.
class StoredNodes final : public merkle::NodeSource {
 public:
  StoredNodes(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
              rocksdb::ColumnFamilyHandle* merkle, const UpperNodes* upper,
              uint64_t size)
      : db_(db), events_(events), merkle_(merkle), upper_(upper), size_(size) {}

  StatusOr<Hash256> PerfectSubtree(uint32_t level, uint64_t index) override {
    RETURN_IF_ERROR(CheckInTree(level, index));
    if (auto it = prefetched_.find(NodeId(level, index));
        it != prefetched_.end()) {
      return it->second;
    }
    if (upper_ != nullptr) {
      if (auto h = upper_->Find(level, index)) return *h;
    }
    std::string v;
    if (level == 0) {
      rocksdb::Status s =
          db_->Get(rocksdb::ReadOptions(), events_, SeqKey(index + 1), &v);
      return LeafFromRead(s, index, v);
    }
    rocksdb::Status s =
        db_->Get(rocksdb::ReadOptions(), merkle_, MerkleKey(level, index), &v);
    return NodeFromRead(s, level, index, v);
  }

  // Runs `proof(source)` against a recorder to learn which nodes it reads,
  // fetches them in two batches, and leaves them for the real run.
  template <typename Proof>
  Status Prefetch(Proof&& proof) {
    Recorder recorder(size_);
    (void)proof(recorder);  // errors surface again in the real run
    std::vector<std::pair<uint32_t, uint64_t>>& ids = recorder.ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<std::string> leaf_keys, node_keys;
    std::vector<std::pair<uint32_t, uint64_t>> leaf_ids, node_ids;
    for (const auto& [level, index] : ids) {
      if (upper_ != nullptr && upper_->Find(level, index)) continue;
      if (level == 0) {
        leaf_keys.push_back(SeqKey(index + 1));
        leaf_ids.emplace_back(level, index);
      } else {
        node_keys.push_back(MerkleKey(level, index));
        node_ids.emplace_back(level, index);
      }
    }
    RETURN_IF_ERROR(Fetch(events_, leaf_keys, leaf_ids));
    return Fetch(merkle_, node_keys, node_ids);
  }

 private:
  static uint64_t NodeId(uint32_t level, uint64_t index) {
    return index << 6 | level;  // index < 2^58 for any real ledger
  }

  Status CheckInTree(uint32_t level, uint64_t index) const {
    if (level > 63 || (index + 1) > (size_ >> level)) {
      return OutOfRangeError("Merkle node (level " + std::to_string(level) +
                             ", index " + std::to_string(index) +
                             ") is beyond the tree of " +
                             std::to_string(size_) + " events");
    }
    return OkStatus();
  }

  static StatusOr<Hash256> LeafFromRead(const rocksdb::Status& s,
                                        uint64_t index, std::string_view v) {
    if (s.IsNotFound())
      return DataLossError("event " + std::to_string(index + 1) +
                           " is missing");
    RETURN_IF_ERROR(FromRocks(s, "reading event " + std::to_string(index + 1)));
    return LeafHash(AsBytes(v));
  }

  static StatusOr<Hash256> NodeFromRead(const rocksdb::Status& s,
                                        uint32_t level, uint64_t index,
                                        std::string_view v) {
    if (s.IsNotFound() || (s.ok() && v.size() != 32)) {
      return DataLossError("Merkle node (level " + std::to_string(level) +
                           ", index " + std::to_string(index) +
                           ") is missing or malformed");
    }
    RETURN_IF_ERROR(FromRocks(s, "reading a Merkle node"));
    Hash256 h;
    std::memcpy(h.data(), v.data(), 32);
    return h;
  }

  Status Fetch(rocksdb::ColumnFamilyHandle* family,
               const std::vector<std::string>& keys,
               const std::vector<std::pair<uint32_t, uint64_t>>& ids) {
    if (keys.empty()) return OkStatus();
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->MultiGet(rocksdb::ReadOptions(), family, keys.size(), slices.data(),
                  values.data(), statuses.data(), /*sorted_input=*/true);
    for (size_t i = 0; i < keys.size(); ++i) {
      auto [level, index] = ids[i];
      std::string_view v(values[i].data(), values[i].size());
      ASSIGN_OR_RETURN(Hash256 h,
                       level == 0 ? LeafFromRead(statuses[i], index, v)
                                  : NodeFromRead(statuses[i], level, index, v));
      prefetched_.emplace(NodeId(level, index), h);
    }
    return OkStatus();
  }

  // Answers every in-tree node with a placeholder and remembers the ids.
  struct Recorder final : merkle::NodeSource {
    explicit Recorder(uint64_t n) : size(n) {}
    StatusOr<Hash256> PerfectSubtree(uint32_t level, uint64_t index) override {
      if (level > 63 || (index + 1) > (size >> level)) {
        return OutOfRangeError("beyond the tree");
      }
      ids.emplace_back(level, index);
      return Hash256{};
    }
    uint64_t size;
    std::vector<std::pair<uint32_t, uint64_t>> ids;
  };

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* events_;
  rocksdb::ColumnFamilyHandle* merkle_;
  const UpperNodes* upper_;  // may be null (nothing cached)
  uint64_t size_;
  std::unordered_map<uint64_t, Hash256> prefetched_;
};

// One queued append: a single draft or an all-or-nothing group.
struct PendingAppend {
  std::vector<EventDraft> drafts;
  size_t bytes = 0;
  // Set by Acknowledge just before `done`: another append's callback follows
  // at once on the same thread (Ledger::AppendedEvent::more).
  bool more = false;
  std::function<void(StatusOr<std::vector<Committed>>)> done;
  // RepairIndexes: committed alone; the committer calls it first with the
  // batch's WriteBatch, and it adds the repairs and sets `drafts` to the
  // event recording them (or leaves it empty: nothing to repair).
  std::function<Status(rocksdb::WriteBatch&)> prepare;
};

// A batch the committer has written (to the WAL and memtables, not yet
// synced), waiting for the syncer to make it durable and acknowledge it.
struct WrittenBatch {
  std::vector<std::unique_ptr<PendingAppend>> appends;
  std::vector<std::vector<Committed>> results;
  Head head;  // the committed head once this batch is durable
  // Merkle nodes of the in-memory upper levels the batch completes.
  std::vector<std::tuple<uint32_t, uint64_t, Hash256>> upper;
};

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

  Status Open();
  void Enqueue(std::unique_ptr<PendingAppend> p);
  void CommitterLoop();
  void CommitBatch(std::vector<std::unique_ptr<PendingAppend>>& batch);
  void SyncerLoop();
  void AckLoop();
  void Complete(const Status& sync, std::vector<WrittenBatch>& written);
  void Acknowledge(std::vector<WrittenBatch>& written);
  StatusOr<std::optional<Committed>> LookupRequest(const std::string& key);
  StatusOr<std::vector<uint64_t>> IndexScan(Family family,
                                            const std::string& id) const;
  VerifyReport Verify(
      uint64_t from,
      const std::function<void(uint64_t, uint64_t)>& progress) const;

  Head head() const {
    std::lock_guard l(head_mu_);
    return head_;
  }

  rocksdb::ColumnFamilyHandle* cf(Family f) const { return families_[f]; }

  std::string dir_;
  LedgerOptions options_;
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> families_;

  // Committer queue.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<PendingAppend>> queue_;
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

  // Syncer queue: written batches in write order (docs/group-commit.md).
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  std::vector<WrittenBatch> sync_queue_;
  bool sync_stopping_ = false;
  Status sync_failure_;  // set once a WAL sync fails; guarded by sync_mu_
  std::thread syncer_;

  // Acknowledger queue: synced groups (or a failed sync's), in sync order;
  // ack_mu_ guards it and ack_busy_. Groups of at most this many appends are
  // completed on the sync thread while the acknowledger is idle.
  static constexpr size_t kInlineAcknowledgements = 4;
  struct SyncedGroup {
    Status status;
    std::vector<WrittenBatch> written;
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

  StoredNodes Nodes(uint64_t size) const {
    return StoredNodes(db_, cf(kEvents), cf(kMerkle), &upper_, size);
  }
  // Stored nodes only, bypassing the in-memory levels (verification).
  StoredNodes DiskNodes(uint64_t size) const {
    return StoredNodes(db_, cf(kEvents), cf(kMerkle), nullptr, size);
  }
  UpperNodes upper_;
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
  mutable VerifiedNodes verified_;
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

Status Ledger::Impl::Open() {
  std::error_code ec;
  if (!std::filesystem::exists(dir_, ec)) {
    return NotFoundError("no ledger at " + dir_ +
                         " (create one with `consilium init --data " + dir_ +
                         "`)");
  }
  if (!std::filesystem::exists(std::filesystem::path(dir_) / "CURRENT", ec)) {
    return FailedPreconditionError(
        dir_ + " is not a Consilium ledger (no RocksDB CURRENT file)");
  }
  std::vector<std::string> existing;
  rocksdb::Status ls =
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir_, &existing);
  if (!ls.ok()) return FromRocks(ls, "listing column families of " + dir_);
  // Families added after the first release (today: projections) may be
  // missing from a ledger made before them; they are created below.
  bool missing_projections = false;
  for (const auto& name : FamilyNames()) {
    if (std::find(existing.begin(), existing.end(), name) == existing.end()) {
      if (name == kProjectionsFamily) {
        missing_projections = true;
        continue;
      }
      return FailedPreconditionError(
          dir_ + " is not a Consilium ledger (column family \"" + name +
          "\" is missing)");
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : existing)
    descriptors.emplace_back(name, FamilyOptions(name));
  rocksdb::Options o = BaseOptions();
  if (options_.env != nullptr) o.env = options_.env;
  rocksdb::Status s =
      options_.read_only
          ? rocksdb::DB::OpenForReadOnly(o, dir_, descriptors, &families_, &db_)
          : rocksdb::DB::Open(o, dir_, descriptors, &families_, &db_);
  if (!s.ok()) return FromRocks(s, "opening " + dir_);
  // Keep only our families, in Family order (a newer build may have added
  // others; the format version decides whether we may proceed).
  std::vector<rocksdb::ColumnFamilyHandle*> ordered;
  for (const auto& name : FamilyNames()) {
    for (auto* h : families_) {
      if (h->GetName() == name) ordered.push_back(h);
    }
  }
  for (auto* h : families_) {
    if (std::find(ordered.begin(), ordered.end(), h) == ordered.end()) {
      db_->DestroyColumnFamilyHandle(h);
    }
  }
  families_ = std::move(ordered);
  if (missing_projections && !options_.read_only) {
    rocksdb::ColumnFamilyHandle* h = nullptr;
    s = db_->CreateColumnFamily(FamilyOptions(kProjectionsFamily),
                                kProjectionsFamily, &h);
    if (!s.ok()) return FromRocks(s, "creating column family projections");
    families_.push_back(h);
  }
  // A read-only open of a ledger without the family leaves families_ one
  // short: it has no projection checkpoints (GetProjectionCheckpoint).

  std::string version;
  s = db_->Get(rocksdb::ReadOptions(), cf(kMeta), kMetaFormatVersion, &version);
  if (!s.ok()) {
    return FailedPreconditionError(
        dir_ + " is not a Consilium ledger (no format version)");
  }
  if (version != std::to_string(kStorageFormatVersion)) {
    char* end = nullptr;
    unsigned long v = std::strtoul(version.c_str(), &end, 10);
    if (end == version.c_str() || *end != '\0') {
      return FailedPreconditionError(
          dir_ + " has an unreadable format version \"" + version + "\"");
    }
    if (v > kStorageFormatVersion) {
      return FailedPreconditionError(
          dir_ + " was written by a newer Consilium (ledger format version " +
          version + "; this build reads up to " +
          std::to_string(kStorageFormatVersion) +
          "). Upgrade consilium to open it.");
    }
    return FailedPreconditionError(dir_ + " has ledger format version " +
                                   version + ", which this build cannot read");
  }

  // The head: the last event, cross-checked against meta's record of it.
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf(kEvents)));
  it->SeekToLast();
  if (it->Valid()) {
    if (it->key().size() != 8)
      return DataLossError("events family holds a malformed key");
    // Copied: FlatBuffers reads need the buffer aligned, RocksDB slices
    // are not.
    std::string bytes(it->value().data(), it->value().size());
    head_.seq = GetBigEndian64(it->key().data());
    head_.hash = LeafHash(AsBytes(bytes));
    Status decodable = VerifyStoredEvent(bytes);
    if (decodable.ok()) {
      head_.timestamp_us = TimestampOf(*EventView(bytes));
    } else if (!options_.read_only) {
      // Never chain new events onto damaged bytes; a read-only open still
      // works, so `consilium verify` can say what is wrong.
      return decodable.WithContext("event " + std::to_string(head_.seq) +
                                   " (run `consilium verify`)");
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading the last event"));
  {
    std::string recorded;
    rocksdb::Status hs =
        db_->Get(rocksdb::ReadOptions(), cf(kMeta), kMetaHead, &recorded);
    if (!hs.ok() && !hs.IsNotFound())
      return FromRocks(hs, "reading the recorded head");
    std::optional<RecordedHead> parsed = ParseRecordedHead(recorded);
    head_check_ = CheckHead(head_.seq, head_.hash, hs.ok(), parsed);
    recorded_head_seq_ = parsed ? parsed->seq : head_.seq;
    // Never chain new events onto a head that is not the one committed.
    if (!head_check_.ok() && !options_.read_only) return head_check_;
  }
  if (head_.seq > 0) {
    StoredNodes nodes = Nodes(head_.seq);
    auto range = merkle::CompactRange::Load(head_.seq, nodes);
    if (range.ok()) {
      range_ = *range;
    } else {
      // Still opens, so `consilium repair-indexes` can rebuild the nodes.
      damaged_tree_ =
          Status(range.status().code(),
                 range.status().message() +
                     " (the stored Merkle nodes are damaged: run `consilium "
                     "verify`, then `consilium repair-indexes`)");
    }
  }
  {
    // The in-memory upper levels: a scan from the first key of kUpperLevel.
    std::vector<std::tuple<uint32_t, uint64_t, Hash256>> nodes;
    std::unique_ptr<rocksdb::Iterator> nodes_it(
        db_->NewIterator(rocksdb::ReadOptions(), cf(kMerkle)));
    for (nodes_it->Seek(MerkleKey(UpperNodes::kUpperLevel, 0));
         nodes_it->Valid(); nodes_it->Next()) {
      if (nodes_it->key().size() != 9 || nodes_it->value().size() != 32) break;
      uint32_t level = static_cast<uint8_t>(nodes_it->key()[0]);
      uint64_t index = GetBigEndian64(nodes_it->key().data() + 1);
      // Only nodes of the committed tree (a crash never leaves others, but a
      // damaged directory might); verification reports the rest. A damaged
      // key's level may be anything up to 255: never shift by it.
      if (level > 63 || index + 1 > (head_.seq >> level)) continue;
      Hash256 h;
      std::memcpy(h.data(), nodes_it->value().data(), 32);
      nodes.emplace_back(level, index, h);
    }
    upper_.Add(nodes);
  }
  std::string v;
  if (db_->Get(rocksdb::ReadOptions(), cf(kMeta), kMetaOrigin, &v).ok())
    origin_ = v;
  if (db_->Get(rocksdb::ReadOptions(), cf(kMeta), kMetaCheckpointKey, &v).ok())
    vkey_ = v;
  if (auto latest = ReadLatestCheckpoint();
      latest.ok() && latest->has_value()) {
    last_checkpoint_size_ = (*latest)->checkpoint.size;
  }
  last_checkpoint_us_ = options_.clock->NowMicros();
  if (options_.checkpoint_signer != nullptr && !origin_.empty() &&
      options_.checkpoint_signer->name() != origin_) {
    return FailedPreconditionError(
        "this ledger's checkpoints are signed as \"" + origin_ +
        "\"; the configured key is \"" + options_.checkpoint_signer->name() +
        "\"");
  }
  committed_seq_ = head_.seq;
  written_ = head_;
  if (!options_.read_only) {
    committer_ = std::thread([this] { CommitterLoop(); });
    syncer_ = std::thread([this] { SyncerLoop(); });
    acker_ = std::thread([this] { AckLoop(); });
  }
  return OkStatus();
}

void Ledger::Impl::Enqueue(std::unique_ptr<PendingAppend> p) {
  if (options_.read_only) {
    p->done(FailedPreconditionError("ledger " + dir_ + " is open read-only"));
    return;
  }
  {
    std::lock_guard l(mu_);
    queue_.push_back(std::move(p));
  }
  cv_.notify_one();
}

// Group commit, pipelined (docs/group-commit.md): the committer takes
// everything that queued up while it was busy (up to the batch limits),
// stamps it and writes it in one WriteBatch without waiting for the disk;
// the syncer makes everything written so far durable with one WAL sync and
// only then acknowledges it. So the next batch is prepared and written while
// the previous one syncs. Under light load a lone append goes out at once;
// under heavy load each sync covers every batch written meanwhile. No
// timers: waiting for more company would only add latency.
void Ledger::Impl::CommitterLoop() {
  pthread_setname_np(pthread_self(), "csl-commit");  // shows in top -H, perf
  // RocksDB's per-thread perf counters cost a TLS lookup per operation and
  // nobody reads them here.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  std::vector<std::unique_ptr<PendingAppend>> batch;
  for (;;) {
    {
      std::unique_lock l(mu_);
      cv_.wait(l, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, nothing left
      size_t events = 0;
      size_t bytes = 0;
      while (!queue_.empty()) {
        PendingAppend& next = *queue_.front();
        if (!batch.empty() &&
            (next.prepare || batch.front()->prepare ||
             events + next.drafts.size() > options_.max_batch_events ||
             bytes + next.bytes > options_.max_batch_bytes)) {
          break;
        }
        events += next.drafts.size();
        bytes += next.bytes;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
    batch.clear();
  }
}

StatusOr<std::optional<Committed>> Ledger::Impl::LookupRequest(
    const std::string& key) {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(kRequests), key, &value);
  if (s.IsNotFound()) return std::optional<Committed>();
  RETURN_IF_ERROR(FromRocks(s, "looking up a request id"));
  if (value.size() != 8)
    return DataLossError("malformed request-id index entry");
  uint64_t seq = GetBigEndian64(value.data());
  std::string bytes;
  s = db_->Get(rocksdb::ReadOptions(), cf(kEvents), SeqKey(seq), &bytes);
  RETURN_IF_ERROR(FromRocks(s, "reading event " + std::to_string(seq)));
  RETURN_IF_ERROR(VerifyStoredEvent(bytes));
  Committed c;
  c.seq = seq;
  c.hash = LeafHash(AsBytes(bytes));
  c.timestamp_us = TimestampOf(*EventView(bytes));
  c.duplicate = true;
  return std::optional<Committed>(c);
}

void Ledger::Impl::CommitBatch(
    std::vector<std::unique_ptr<PendingAppend>>& batch) {
  if (broken_.ok()) {
    std::lock_guard l(sync_mu_);
    broken_ = sync_failure_;
  }
  const bool repair = batch.size() == 1 && batch[0]->prepare;
  if (!broken_.ok() || (!repair && !damaged_tree_.ok())) {
    const Status refused = broken_.ok() ? damaged_tree_ : broken_;
    for (auto& p : batch) p->done(refused);
    return;
  }
  Head h = written_;
  int64_t now = std::max(options_.clock->NowMicros(), h.timestamp_us);
  rocksdb::WriteBatch wb;
  // Restored if the batch fails, so the tree never runs ahead of the disk.
  const merkle::CompactRange saved_range = range_;
  if (repair) {
    Status s = batch[0]->prepare(wb);
    if (!s.ok() || batch[0]->drafts.empty()) {
      range_ = saved_range;
      pending_upper_.clear();
      batch[0]->done(
          s.ok() ? StatusOr<std::vector<Committed>>(std::vector<Committed>())
                 : StatusOr<std::vector<Committed>>(s));
      return;
    }
  }
  std::vector<std::vector<Committed>> results(batch.size());
  // Request ids committed earlier in this same batch.
  std::unordered_map<std::string, Committed> batch_requests;
  Status failure;
  for (size_t i = 0; i < batch.size() && failure.ok(); ++i) {
    results[i].reserve(batch[i]->drafts.size());
    for (EventDraft& draft : batch[i]->drafts) {
      const fb::Event* e = draft.event();
      std::string request_key;
      if (e->request_id() != nullptr && e->request_id()->size() > 0) {
        request_key = RequestKey(View(e->actor()), View(e->request_id()));
        if (auto it = batch_requests.find(request_key);
            it != batch_requests.end()) {
          Committed dup = it->second;
          dup.duplicate = true;
          results[i].push_back(dup);
          continue;
        }
        auto existing = LookupRequest(request_key);
        if (!existing.ok()) {
          failure = existing.status();
          break;
        }
        if (existing->has_value()) {
          results[i].push_back(**existing);
          continue;
        }
      }
      uint64_t seq = h.seq + 1;
      Hash256 hash = draft.Stamp(seq, h.hash, now);
      char key[8];
      PutBigEndian64(key, seq);
      wb.Put(cf(kEvents), rocksdb::Slice(key, 8), draft.bytes());
      range_.Append(
          hash, [&](uint32_t level, uint64_t index, const Hash256& node) {
            if (level > 0) {
              wb.Put(cf(kMerkle), MerkleKey(level, index),
                     rocksdb::Slice(reinterpret_cast<const char*>(node.data()),
                                    32));
            }
            if (level >= UpperNodes::kUpperLevel)
              pending_upper_.emplace_back(level, index, node);
          });
      PutIndexEntry(wb, cf(kByActor), View(e->actor()), key);
      std::string_view record = RecordIdOf(*e);
      if (!record.empty()) PutIndexEntry(wb, cf(kByRecord), record, key);
      if (!request_key.empty()) {
        wb.Put(cf(kRequests), request_key, rocksdb::Slice(key, 8));
        batch_requests.emplace(request_key, Committed{seq, hash, now, false});
      }
      results[i].push_back(Committed{seq, hash, now, false});
      h = Head{seq, hash, now};
    }
  }
  if (!failure.ok()) {
    // A read failed while preparing; nothing was written.
    range_ = saved_range;
    pending_upper_.clear();
    for (auto& p : batch) p->done(failure);
    return;
  }
  if (wb.Count() > 0) {
    wb.Put(cf(kMeta), kMetaHead, HeadValue(h.seq, h.hash));
    MaybeCheckpoint(wb, h);
    // Not synced here: the WAL record reaches the OS (so a killed process
    // loses nothing written), and the syncer makes it durable before anyone
    // is told it is committed. Readers never look beyond the synced head.
    failure = FromRocks(db_->Write(rocksdb::WriteOptions(), &wb),
                        "committing " + std::to_string(wb.Count()) + " writes");
  }
  if (!failure.ok()) {
    range_ = saved_range;
    pending_upper_.clear();
    broken_ = failure;
    for (auto& p : batch) p->done(failure);
    return;
  }
  if (repair) damaged_tree_ = OkStatus();  // range_ is the events' tree now
  written_ = h;
  WrittenBatch w;
  w.appends = std::move(batch);
  w.results = std::move(results);
  w.head = h;
  w.upper = std::move(pending_upper_);
  pending_upper_.clear();
  {
    std::lock_guard l(sync_mu_);
    sync_queue_.push_back(std::move(w));
  }
  sync_cv_.notify_one();
}

// One WAL sync covers every batch the committer wrote before it began; the
// batches are then acknowledged in write order. A failed sync fails them and
// every later batch: what reached the disk is unknown until the ledger is
// reopened (recovery keeps a prefix of the WAL, never a gap).
void Ledger::Impl::SyncerLoop() {
  pthread_setname_np(pthread_self(), "csl-sync");
  std::vector<WrittenBatch> written;
  for (;;) {
    {
      std::unique_lock l(sync_mu_);
      sync_cv_.wait(l, [&] { return !sync_queue_.empty() || sync_stopping_; });
      if (sync_queue_.empty()) return;  // stopping, nothing left
      written.swap(sync_queue_);
    }
    Status s = sync_failure_.ok()
                   ? FromRocks(db_->SyncWAL(), "syncing the write-ahead log")
                   : sync_failure_;
    if (!s.ok()) {
      std::lock_guard l(sync_mu_);
      sync_failure_ = s;
    }
    // The callbacks run on the acknowledger, so the next sync starts at once
    // instead of after them (the command handler applies its events to its
    // state in them: docs/group-commit.md, "Acknowledger"). A small group's
    // run here when the acknowledger is idle (so order is kept): a lone
    // appender would otherwise pay the hand-off and gain nothing.
    size_t appends = 0;
    for (const WrittenBatch& w : written) appends += w.appends.size();
    {
      std::unique_lock l(ack_mu_);
      if (ack_busy_ || appends > kInlineAcknowledgements) {
        ack_busy_ = true;
        ack_queue_.push_back(SyncedGroup{std::move(s), std::move(written)});
        l.unlock();
        ack_cv_.notify_one();
        written = std::vector<WrittenBatch>();
        continue;
      }
    }
    Complete(s, written);
    written.clear();
  }
}

// Runs the callbacks of synced groups in sync order, one group after another
// (each group's `more` flags mark its end); the appends and their stamped
// drafts live until every callback of their group has returned.
void Ledger::Impl::AckLoop() {
  pthread_setname_np(pthread_self(), "csl-ack");
  std::deque<SyncedGroup> groups;
  for (;;) {
    {
      std::unique_lock l(ack_mu_);
      ack_cv_.wait(l, [&] { return !ack_queue_.empty() || ack_stopping_; });
      if (ack_queue_.empty()) return;  // stopping, nothing left
      groups.swap(ack_queue_);
    }
    for (SyncedGroup& g : groups) Complete(g.status, g.written);
    groups.clear();
    std::lock_guard l(ack_mu_);
    if (ack_queue_.empty()) ack_busy_ = false;
  }
}

void Ledger::Impl::Complete(const Status& sync,
                            std::vector<WrittenBatch>& written) {
  if (!sync.ok()) {
    for (WrittenBatch& w : written) {
      for (auto& p : w.appends) p->done(sync);
    }
  } else {
    Acknowledge(written);
  }
}

void Ledger::Impl::Acknowledge(std::vector<WrittenBatch>& written) {
  for (WrittenBatch& w : written) {
    if (!w.upper.empty()) upper_.Add(w.upper);
  }
  const Head& h = written.back().head;
  {
    std::lock_guard l(head_mu_);
    head_ = h;
  }
  {
    std::lock_guard l(commit_mu_);
    committed_seq_.store(h.seq, std::memory_order_release);
  }
  commit_cv_.notify_all();
  for (size_t b = 0; b < written.size(); ++b) {
    WrittenBatch& w = written[b];
    for (size_t i = 0; i < w.appends.size(); ++i) {
      // The appends (and their stamped drafts) live until every callback of
      // the group has returned: the caller clears `written` afterwards.
      w.appends[i]->more = b + 1 < written.size() || i + 1 < w.appends.size();
      w.appends[i]->done(std::move(w.results[i]));
    }
  }
}

void Ledger::Impl::MaybeCheckpoint(rocksdb::WriteBatch& wb, const Head& h) {
  const NoteSigner* signer = options_.checkpoint_signer;
  if (signer == nullptr) return;
  bool by_count =
      options_.checkpoint_every_events > 0 &&
      h.seq - last_checkpoint_size_ >= options_.checkpoint_every_events;
  bool by_time = options_.checkpoint_every_ms > 0 &&
                 h.timestamp_us - last_checkpoint_us_ >=
                     options_.checkpoint_every_ms * 1000;
  if (!by_count && !by_time) return;
  // range_ is exactly the tree these stored nodes describe, so this
  // checkpoint extends every earlier one by construction.
  auto note = signer->Sign(
      FormatCheckpointBody({signer->name(), h.seq, range_.Root()}));
  if (!note.ok()) return;  // the next commit tries again
  wb.Put(cf(kCheckpoints), SeqKey(h.seq), *note);
  std::lock_guard l(checkpoint_mu_);
  if (origin_.empty()) {
    origin_ = signer->name();
    vkey_ = signer->VerifierKey();
    wb.Put(cf(kMeta), kMetaOrigin, origin_);
    wb.Put(cf(kMeta), kMetaCheckpointKey, vkey_);
  }
  last_checkpoint_size_ = h.seq;
  last_checkpoint_us_ = h.timestamp_us;
}

StatusOr<std::vector<uint64_t>> Ledger::Impl::IndexScan(
    Family family, const std::string& id) const {
  std::vector<uint64_t> out;
  std::string prefix = IndexPrefix(id);
  const uint64_t head_seq = head().seq;  // nothing beyond the synced head
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf(family)));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    if (it->key().size() != prefix.size() + 8)
      return DataLossError("malformed index key");
    uint64_t seq = GetBigEndian64(it->key().data() + prefix.size());
    if (seq > head_seq) break;  // ascending: the rest is newer still
    out.push_back(seq);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scanning an index"));
  return out;
}

// ---------------------------------------------------------------------------

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;

Status Ledger::Init(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path path(dir);
  if (std::filesystem::exists(path / "CURRENT", ec)) {
    std::vector<std::string> names;
    if (rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names)
            .ok() &&
        std::find(names.begin(), names.end(), kEventsFamily) != names.end()) {
      return AlreadyExistsError(dir + " already holds a ledger");
    }
    return FailedPreconditionError(
        dir + " holds a RocksDB database that is not a ledger");
  }
  if (std::filesystem::exists(path, ec) &&
      !std::filesystem::is_empty(path, ec)) {
    return FailedPreconditionError(
        dir +
        " exists and is not empty; choose an empty or new "
        "directory");
  }
  std::filesystem::create_directories(path, ec);
  if (ec) return UnavailableError("cannot create " + dir + ": " + ec.message());

  rocksdb::Options o = BaseOptions();
  o.create_if_missing = true;
  o.error_if_exists = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, dir, &raw);
  if (!s.ok()) return FromRocks(s, "creating " + dir);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  for (size_t i = 1; i < FamilyNames().size(); ++i) {
    rocksdb::ColumnFamilyHandle* h = nullptr;
    s = db->CreateColumnFamily(FamilyOptions(FamilyNames()[i]),
                               FamilyNames()[i], &h);
    if (!s.ok())
      return FromRocks(s, "creating column family " + FamilyNames()[i]);
    handles.push_back(h);
  }
  // handles[kMeta - 1] is meta. Written last, so a half-made directory has no
  // format version and is refused as "not a ledger".
  rocksdb::WriteBatch wb;
  wb.Put(handles[kMeta - 1], kMetaCreatedBy, "consilium 0.1.0");
  wb.Put(handles[kMeta - 1], kMetaFormatVersion,
         std::to_string(kStorageFormatVersion));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  s = db->Write(wo, &wb);
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  return FromRocks(s, "writing ledger metadata");
}

StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir,
                                               const LedgerOptions& options) {
  auto impl = std::make_unique<Impl>(dir, options);
  RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

namespace {

// Waits for one synchronous append on the caller's thread.
struct Waiter {
  std::atomic<bool> done{false};
  std::optional<StatusOr<std::vector<Committed>>> result;

  void Set(StatusOr<std::vector<Committed>> r) {
    result.emplace(std::move(r));
    done.store(true, std::memory_order_release);
    done.notify_one();
  }
  StatusOr<std::vector<Committed>> Wait() {
    done.wait(false, std::memory_order_acquire);
    return std::move(*result);
  }
};

}  // namespace

StatusOr<Committed> Ledger::Append(EventDraft draft) {
  std::vector<EventDraft> one;
  one.push_back(std::move(draft));
  ASSIGN_OR_RETURN(std::vector<Committed> c, AppendAll(std::move(one)));
  return c.front();
}

StatusOr<std::vector<Committed>> Ledger::AppendAll(
    std::vector<EventDraft> drafts) {
  if (drafts.empty()) return std::vector<Committed>();
  auto p = std::make_unique<PendingAppend>();
  for (size_t i = 0; i < drafts.size(); ++i) {
    Status s = drafts[i].Validate();
    if (!s.ok()) {
      return drafts.size() == 1
                 ? s
                 : s.WithContext("event " + std::to_string(i + 1) + " of " +
                                 std::to_string(drafts.size()));
    }
    p->bytes += drafts[i].bytes().size();
  }
  p->drafts = std::move(drafts);
  Waiter w;
  p->done = [&w](StatusOr<std::vector<Committed>> r) { w.Set(std::move(r)); };
  impl_->Enqueue(std::move(p));
  return w.Wait();
}

void Ledger::AppendAsync(EventDraft draft, AppendCallback done) {
  Status s = draft.Validate();
  if (!s.ok()) {
    done(s);
    return;
  }
  auto p = std::make_unique<PendingAppend>();
  p->bytes = draft.bytes().size();
  p->drafts.push_back(std::move(draft));
  p->done = [done = std::move(done)](StatusOr<std::vector<Committed>> r) {
    if (!r.ok()) {
      done(r.status());
    } else {
      done(r->front());
    }
  };
  impl_->Enqueue(std::move(p));
}

void Ledger::AppendAsyncWithEvent(EventDraft draft, AppendedCallback done) {
  Status s = draft.Validate();
  if (!s.ok()) {
    done(AppendedEvent{s, {}, false});
    return;
  }
  auto p = std::make_unique<PendingAppend>();
  p->bytes = draft.bytes().size();
  p->drafts.push_back(std::move(draft));
  // The callback lives inside the append it reports on, so it may read the
  // append's draft (stamped by then) and `more`.
  const PendingAppend* self = p.get();
  p->done = [self, done = std::move(done)](StatusOr<std::vector<Committed>> r) {
    AppendedEvent e;
    if (!r.ok()) {
      e.result = r.status();
    } else {
      e.result = r->front();
      if (!r->front().duplicate) e.bytes = self->drafts.front().bytes();
      e.more = self->more;
    }
    done(e);
  };
  impl_->Enqueue(std::move(p));
}

StatusOr<IndexRepairReport> Ledger::RepairIndexes(std::string_view actor) {
  if (impl_->options_.read_only) {
    return FailedPreconditionError("ledger " + impl_->dir_ +
                                   " is open read-only");
  }
  IndexRepairReport report;
  auto p = std::make_unique<PendingAppend>();
  PendingAppend* self = p.get();
  Impl* im = impl_.get();
  const std::string who(actor);
  // On the committer, which owns the tree's right edge and writes alone:
  // the events it reads are exactly those before the repair's own event.
  p->prepare = [im, self, who, &report](rocksdb::WriteBatch& wb) -> Status {
    IndexStore store{im->db_,
                     im->cf(kEvents),
                     im->cf(kMerkle),
                     {im->cf(kByRecord), im->cf(kByActor), im->cf(kRequests)},
                     rocksdb::ReadOptions()};
    const uint64_t last = im->written_.seq;
    ASSIGN_OR_RETURN(IndexRepairPlan plan,
                     PlanIndexRepair(store, last, UpperNodes::kUpperLevel));
    std::vector<IndexRepairCount> counts;
    for (const auto& c : plan.counts) {
      report.indexes.push_back({c.index, c.added, c.removed});
      counts.push_back({c.index, c.added, c.removed});
    }
    if (!plan.changed()) return OkStatus();
    EventDraft draft = MakeIndexesRepaired({who, ""}, counts, last);
    RETURN_IF_ERROR(draft.Validate());
    for (const auto& w : plan.writes) {
      if (w.value) {
        wb.Put(w.family, w.key, *w.value);
      } else {
        wb.Delete(w.family, w.key);
      }
    }
    // The right edge as the events give it (the one loaded at open came
    // from the stored nodes), and the in-memory upper levels once durable.
    im->range_ = plan.range;
    im->pending_upper_ = std::move(plan.upper);
    self->bytes = draft.bytes().size();
    self->drafts.push_back(std::move(draft));
    return OkStatus();
  };
  Waiter w;
  p->done = [&w](StatusOr<std::vector<Committed>> r) { w.Set(std::move(r)); };
  impl_->Enqueue(std::move(p));
  StatusOr<std::vector<Committed>> committed = w.Wait();
  // The stored nodes may have been rewritten (even by a batch whose sync
  // then failed): roots and verified nodes computed from the old ones go.
  impl_->ResetVerified();
  if (!committed.ok()) return committed.status();
  if (!committed->empty()) report.event = committed->front();
  return report;
}

Head Ledger::head() const { return impl_->head(); }

const std::string& Ledger::dir() const { return impl_->dir_; }

StatusOr<Head> Ledger::CheckedHead() const {
  RETURN_IF_ERROR(impl_->head_check_);
  return head();
}

StatusOr<StoredEvent> Ledger::Get(uint64_t seq) const {
  // An event written but not yet synced is not committed: beyond the head.
  // The head is read first: every event up to it is in the store by then,
  // so a missing one is lost, not late.
  const uint64_t head_seq = head().seq;
  StoredEvent out;
  rocksdb::Status s = impl_->db_->Get(
      rocksdb::ReadOptions(), impl_->cf(kEvents), SeqKey(seq), &out.bytes);
  // Between the stored and the recorded head (the head itself when only
  // its hash differs): say so rather than serve (or deny) those events as
  // if nothing were wrong.
  if (!impl_->head_check_.ok()) {
    const uint64_t lo = std::min(head_seq, impl_->recorded_head_seq_);
    const uint64_t hi = std::max(head_seq, impl_->recorded_head_seq_);
    if (lo == hi ? seq == hi : seq > lo && seq <= hi) return impl_->head_check_;
  }
  if (seq == 0 || seq > head_seq) {
    return NotFoundError("no event " + std::to_string(seq) + " (head is " +
                         std::to_string(head_seq) + ")");
  }
  if (s.IsNotFound()) {
    return DataLossError(
        "event " + std::to_string(seq) + " is missing (the head is " +
        std::to_string(head_seq) + "; run `consilium verify`)");
  }
  RETURN_IF_ERROR(FromRocks(s, "reading event " + std::to_string(seq)));
  RETURN_IF_ERROR(
      VerifyStoredEvent(out.bytes).WithContext("event " + std::to_string(seq)));
  RETURN_IF_ERROR(CheckStoredSequence(seq, *EventView(out.bytes)));
  out.seq = seq;
  out.hash = LeafHash(AsBytes(out.bytes));
  return out;
}

Status Ledger::Scan(uint64_t from, uint64_t limit,
                    const std::function<bool(const StoredEvent&)>& fn,
                    bool with_hashes) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  // A scan reads each block once, in order: caching them would only evict
  // what point reads (proofs, Get) use, and grow the process by the cache.
  ro.fill_cache = false;
  // Nothing beyond the synced head. Read before the iterator is made, so
  // the iterator sees every event up to it (a gap is then real).
  const uint64_t head_seq = head().seq;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db_->NewIterator(ro, impl_->cf(kEvents)));
  uint64_t n = 0;
  StoredEvent ev;
  // What is delivered is dense from `from`, each event at its own key and,
  // with hashes, linked to the one before (read_checks.h).
  ScanChecker checker(std::max<uint64_t>(from, 1));
  bool stopped = false;
  for (it->Seek(SeqKey(std::max<uint64_t>(from, 1))); it->Valid(); it->Next()) {
    if (limit != 0 && n >= limit) {
      stopped = true;
      break;
    }
    if (it->key().size() != 8)
      return DataLossError("events family holds a malformed key");
    ev.seq = GetBigEndian64(it->key().data());
    if (ev.seq > head_seq) break;
    ev.bytes.assign(it->value().data(), it->value().size());
    RETURN_IF_ERROR(VerifyStoredEvent(ev.bytes).WithContext(
        "event " + std::to_string(ev.seq)));
    if (with_hashes) ev.hash = LeafHash(AsBytes(ev.bytes));
    RETURN_IF_ERROR(
        checker.Check(ev.seq, *ev.event(), with_hashes ? &ev.hash : nullptr));
    ++n;
    if (!fn(ev)) {
      stopped = true;
      break;
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "scanning events"));
  if (stopped) return OkStatus();
  // The scan reached the head: every event up to it must have come by, and
  // the head must be the one recorded with the last commit.
  if (checker.expected() <= head_seq) {
    return DataLossError("gap: event " + std::to_string(checker.expected()) +
                         " is missing (the head is " +
                         std::to_string(head_seq) +
                         "; run `consilium verify`)");
  }
  return impl_->head_check_;
}

StatusOr<std::vector<uint64_t>> Ledger::EventsForRecord(
    const std::string& record_id) const {
  return impl_->IndexScan(kByRecord, record_id);
}

StatusOr<std::vector<uint64_t>> Ledger::EventsByActor(
    const std::string& actor) const {
  return impl_->IndexScan(kByActor, actor);
}

bool Ledger::WaitForSeq(uint64_t seq, int64_t timeout_ms) const {
  std::unique_lock l(impl_->commit_mu_);
  return impl_->commit_cv_.wait_for(
      l, std::chrono::milliseconds(timeout_ms), [&] {
        return impl_->committed_seq_.load(std::memory_order_acquire) >= seq;
      });
}

// ---------------------------------------------------------------------------
// Merkle proofs and checkpoints

namespace {

Status CheckTreeSize(uint64_t size, uint64_t head) {
  if (size > head) {
    return OutOfRangeError("tree size " + std::to_string(size) +
                           " is beyond the ledger's " + std::to_string(head) +
                           " events");
  }
  return OkStatus();
}

}  // namespace

StatusOr<Hash256> Ledger::RootAt(uint64_t size) const {
  uint64_t head_seq = head().seq;
  RETURN_IF_ERROR(CheckTreeSize(size, head_seq));
  StoredNodes nodes = impl_->Nodes(head_seq);
  auto run = [&](merkle::NodeSource& source) {
    return merkle::RootAt(size, source);
  };
  RETURN_IF_ERROR(nodes.Prefetch(run));
  return run(nodes);
}

StatusOr<std::vector<Hash256>> Ledger::InclusionProof(uint64_t seq,
                                                      uint64_t size) const {
  ASSIGN_OR_RETURN(merkle::InclusionBundle b, ProveInclusion(seq, size));
  return std::move(b.proof);
}

StatusOr<std::vector<Hash256>> Ledger::ConsistencyProof(uint64_t size1,
                                                        uint64_t size2) const {
  ASSIGN_OR_RETURN(merkle::ConsistencyBundle b, ProveConsistency(size1, size2));
  return std::move(b.proof);
}

StatusOr<merkle::InclusionBundle> Ledger::ProveInclusion(uint64_t seq,
                                                         uint64_t size) const {
  uint64_t head_seq = head().seq;
  RETURN_IF_ERROR(CheckTreeSize(size, head_seq));
  if (seq == 0 || seq > size) {
    return InvalidArgumentError("event " + std::to_string(seq) +
                                " is not in a tree of " + std::to_string(size) +
                                " events");
  }
  if (size == head_seq) RETURN_IF_ERROR(impl_->head_check_);
  merkle::InclusionBundle b;
  b.leaf_index = seq - 1;
  b.tree_size = size;
  const uint64_t generation = impl_->verified_.generation();
  StoredNodes nodes = impl_->Nodes(head_seq);
  const std::optional<Hash256> cached_root = impl_->CachedRoot(size);
  merkle::CompactRange edge;
  // The leaf, the proof and the root in one pass, so one prefetch covers
  // the reads of all three.
  auto run = [&](merkle::NodeSource& source) -> Status {
    ASSIGN_OR_RETURN(b.leaf_hash, source.PerfectSubtree(0, seq - 1));
    ASSIGN_OR_RETURN(b.proof, merkle::InclusionProof(seq - 1, size, source));
    // The root's nodes only: folding them waits for the real run (the
    // prefetch's recording run hashes placeholders).
    if (!cached_root) {
      ASSIGN_OR_RETURN(edge, merkle::CompactRange::Load(size, source));
    }
    return OkStatus();
  };
  RETURN_IF_ERROR(nodes.Prefetch(run));
  RETURN_IF_ERROR(run(nodes));
  b.root = cached_root ? *cached_root : edge.Root();
  // The leaf is always recomputed from the event (above); the path may stop
  // at a node an earlier full check verified against this root.
  if (cached_root && impl_->verified_.ConfirmsInclusion(
                         seq - 1, size, b.leaf_hash, b.proof, b.root)) {
    return b;
  }
  RETURN_IF_ERROR(
      CheckServedInclusion(seq, size, b.leaf_hash, b.proof, b.root));
  if (!cached_root) {
    RETURN_IF_ERROR(impl_->CheckRootAgainstStoredCheckpoint(size, b.root));
    impl_->CacheRoot(generation, size, b.root);
  }
  impl_->verified_.AddInclusion(generation, seq - 1, size, b.leaf_hash, b.proof,
                                b.root);
  return b;
}

StatusOr<merkle::ConsistencyBundle> Ledger::ProveConsistency(
    uint64_t size1, uint64_t size2) const {
  uint64_t head_seq = head().seq;
  RETURN_IF_ERROR(CheckTreeSize(size2, head_seq));
  if (size2 == head_seq) RETURN_IF_ERROR(impl_->head_check_);
  merkle::ConsistencyBundle b;
  b.size1 = size1;
  b.size2 = size2;
  const uint64_t generation = impl_->verified_.generation();
  StoredNodes nodes = impl_->Nodes(head_seq);
  const std::optional<Hash256> cached1 = impl_->CachedRoot(size1);
  const std::optional<Hash256> cached2 = impl_->CachedRoot(size2);
  merkle::CompactRange edge1, edge2;
  auto run = [&](merkle::NodeSource& source) -> Status {
    ASSIGN_OR_RETURN(b.proof, merkle::ConsistencyProof(size1, size2, source));
    // The roots' nodes only, folded after the real run (as above). The
    // old tree's edge is in the proof already (no extra reads); it is
    // loaded to be compared with the proof's hashes.
    if (!cached1 || (cached2 && size1 > 0)) {
      ASSIGN_OR_RETURN(edge1, merkle::CompactRange::Load(size1, source));
    }
    if (!cached2) {
      ASSIGN_OR_RETURN(edge2, merkle::CompactRange::Load(size2, source));
    }
    return OkStatus();
  };
  RETURN_IF_ERROR(nodes.Prefetch(run));
  RETURN_IF_ERROR(run(nodes));
  b.root2 = cached2 ? *cached2 : edge2.Root();
  // root1 is always recomputed from the proof (and is the fold of the old
  // edge's stored nodes, computed once when they are the proof's); the path
  // to root2 may stop at a node an earlier full check verified against it.
  Hash256 folded;
  const bool confirmed =
      cached2 &&
      impl_->verified_.ConfirmsConsistency(size1, size2, b.proof,
                                           edge1.hashes(), b.root2, &folded) &&
      (!cached1 || folded == *cached1);
  b.root1 = cached1 ? *cached1 : confirmed ? folded : edge1.Root();
  if (!confirmed) {
    RETURN_IF_ERROR(
        CheckServedConsistency(size1, size2, b.proof, b.root1, b.root2));
  }
  if (!cached1) {
    RETURN_IF_ERROR(impl_->CheckRootAgainstStoredCheckpoint(size1, b.root1));
  }
  if (!cached2) {
    RETURN_IF_ERROR(impl_->CheckRootAgainstStoredCheckpoint(size2, b.root2));
    impl_->CacheRoot(generation, size2, b.root2);
  }
  if (!confirmed) {
    impl_->verified_.AddConsistency(generation, size1, size2, b.proof, b.root1,
                                    b.root2);
  }
  return b;
}

Status Ledger::Impl::CheckRootAgainstStoredCheckpoint(
    uint64_t size, const Hash256& root) const {
  std::string note;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(kCheckpoints), SeqKey(size), &note);
  if (s.IsNotFound()) return OkStatus();
  RETURN_IF_ERROR(
      FromRocks(s, "reading the checkpoint of size " + std::to_string(size)));
  size_t end = note.find("\n\n");
  auto body = ParseCheckpointBody(
      std::string_view(note).substr(0, end == std::string::npos ? 0 : end + 1));
  if (end == std::string::npos || !body.ok() || body->size != size) {
    return DataLossError("the stored checkpoint of size " +
                         std::to_string(size) +
                         " is not a signed checkpoint of that size (run "
                         "`consilium verify`)");
  }
  return CheckRootAgainstCheckpoint(size, root, body->root);
}

StatusOr<std::optional<StoredCheckpoint>> Ledger::Impl::ReadLatestCheckpoint()
    const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cf(kCheckpoints)));
  // A checkpoint written with a batch that is not yet synced is not yet
  // committed: the newest at or below the head.
  it->SeekForPrev(SeqKey(head().seq));
  RETURN_IF_ERROR(FromRocks(it->status(), "reading checkpoints"));
  if (!it->Valid()) return std::optional<StoredCheckpoint>();
  StoredCheckpoint cp;
  cp.note = it->value().ToString();
  // The body is everything before the blank line that starts the signatures.
  size_t end = cp.note.find("\n\n");
  if (end == std::string::npos)
    return DataLossError("stored checkpoint is not a signed note");
  auto body = ParseCheckpointBody(std::string_view(cp.note).substr(0, end + 1));
  if (!body.ok())
    return DataLossError("stored checkpoint: " + body.status().message());
  if (it->key().size() != 8 || GetBigEndian64(it->key().data()) != body->size) {
    return DataLossError("stored checkpoint: its body's tree size " +
                         std::to_string(body->size) +
                         " does not match the size it is stored under");
  }
  cp.checkpoint = *body;
  return std::optional<StoredCheckpoint>(std::move(cp));
}

StatusOr<std::optional<StoredCheckpoint>> Ledger::LatestCheckpoint() const {
  return impl_->ReadLatestCheckpoint();
}

namespace {

Status CheckSettingName(std::string_view name) {
  if (name != "checkpoint_key_file") {
    return InvalidArgumentError("unknown setting \"" + std::string(name) +
                                "\" (known: checkpoint_key_file)");
  }
  return OkStatus();
}

}  // namespace

Status Ledger::SetSetting(std::string_view name, std::string_view value) {
  RETURN_IF_ERROR(CheckSettingName(name));
  if (impl_->options_.read_only) {
    return FailedPreconditionError("ledger " + impl_->dir_ +
                                   " is open read-only");
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(
      impl_->db_->Put(wo, impl_->cf(kMeta),
                      std::string(kMetaSettingPrefix) + std::string(name),
                      rocksdb::Slice(value.data(), value.size())),
      "storing a setting");
}

StatusOr<std::optional<std::string>> Ledger::GetSetting(
    std::string_view name) const {
  RETURN_IF_ERROR(CheckSettingName(name));
  std::string v;
  rocksdb::Status s =
      impl_->db_->Get(rocksdb::ReadOptions(), impl_->cf(kMeta),
                      std::string(kMetaSettingPrefix) + std::string(name), &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "reading a setting"));
  return std::optional<std::string>(std::move(v));
}

namespace {

Status CheckProjectionName(std::string_view name) {
  if (name.empty() || name.size() > kMaxIdBytes ||
      name.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("projection name must be 1 to " +
                                std::to_string(kMaxIdBytes) +
                                " bytes without NUL");
  }
  return OkStatus();
}

}  // namespace

Status Ledger::PutProjectionCheckpoint(std::string_view name, uint64_t seq,
                                       std::string_view bytes) {
  RETURN_IF_ERROR(CheckProjectionName(name));
  if (impl_->options_.read_only) {
    return FailedPreconditionError("ledger " + impl_->dir_ +
                                   " is open read-only");
  }
  const uint64_t head_seq = head().seq;
  if (seq > head_seq) {
    return OutOfRangeError("projection checkpoint at " + std::to_string(seq) +
                           " is beyond the ledger's " +
                           std::to_string(head_seq) + " events");
  }
  std::string value(8, '\0');
  PutBigEndian64(value.data(), seq);
  value.append(bytes);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(
      impl_->db_->Put(wo, impl_->cf(kProjections),
                      rocksdb::Slice(name.data(), name.size()), value),
      "storing projection checkpoint " + std::string(name));
}

StatusOr<std::optional<std::pair<uint64_t, std::string>>>
Ledger::GetProjectionCheckpoint(std::string_view name) const {
  using Result = std::optional<std::pair<uint64_t, std::string>>;
  RETURN_IF_ERROR(CheckProjectionName(name));
  // Read-only open of a ledger made before the family existed.
  if (impl_->families_.size() <= kProjections) return Result();
  std::string value;
  rocksdb::Status s =
      impl_->db_->Get(rocksdb::ReadOptions(), impl_->cf(kProjections),
                      rocksdb::Slice(name.data(), name.size()), &value);
  if (s.IsNotFound()) return Result();
  RETURN_IF_ERROR(
      FromRocks(s, "reading projection checkpoint " + std::string(name)));
  if (value.size() < 8) {
    return DataLossError("projection checkpoint " + std::string(name) +
                         " is shorter than its 8-byte sequence number");
  }
  return Result(std::in_place, GetBigEndian64(value.data()), value.substr(8));
}

std::string Ledger::CheckpointVerifierKey() const {
  std::lock_guard l(impl_->checkpoint_mu_);
  return impl_->vkey_;
}

StatusOr<StoredCheckpoint> Ledger::SignCheckpoint(const NoteSigner& signer,
                                                  uint64_t size) {
  if (impl_->options_.read_only) {
    return FailedPreconditionError("ledger " + impl_->dir_ +
                                   " is open read-only");
  }
  std::lock_guard l(impl_->checkpoint_mu_);
  if (!impl_->origin_.empty() && impl_->origin_ != signer.name()) {
    return FailedPreconditionError(
        "this ledger's checkpoints are signed as \"" + impl_->origin_ +
        "\", not \"" + signer.name() + "\"");
  }
  if (!impl_->vkey_.empty() && impl_->vkey_ != signer.VerifierKey()) {
    return FailedPreconditionError(
        "this ledger's checkpoints are signed by key " + impl_->vkey_ +
        "; refusing to sign with another key of the same name");
  }
  uint64_t head_seq = head().seq;
  if (size == 0) size = head_seq;
  RETURN_IF_ERROR(CheckTreeSize(size, head_seq));
  if (size == 0)
    return FailedPreconditionError(
        "the ledger is empty; nothing to checkpoint");
  // The root to sign, checked as served to an auditor: the newest event of
  // the tree is included in it (ProveInclusion).
  ASSIGN_OR_RETURN(merkle::InclusionBundle newest, ProveInclusion(size, size));
  const Hash256 root = newest.root;
  // Never sign something inconsistent with what was signed before: the
  // current tree must still reproduce the latest checkpoint's root, and
  // the new tree must provably extend (or be a prefix of) the old one.
  ASSIGN_OR_RETURN(std::optional<StoredCheckpoint> latest, LatestCheckpoint());
  if (latest) {
    const Checkpoint& prev = latest->checkpoint;
    auto prev_root = RootAt(prev.size);
    if (!prev_root.ok() || *prev_root != prev.root) {
      return FailedPreconditionError(
          "refusing to sign: the ledger no longer reproduces the root of the "
          "checkpoint at size " +
          std::to_string(prev.size) + " (run `consilium verify`)");
    }
    RETURN_IF_ERROR(
        ProveConsistency(std::min(prev.size, size), std::max(prev.size, size))
            .status()
            .WithContext("refusing to sign"));
  }
  StoredCheckpoint out;
  out.checkpoint = Checkpoint{signer.name(), size, root};
  ASSIGN_OR_RETURN(out.note, signer.Sign(FormatCheckpointBody(out.checkpoint)));
  rocksdb::WriteBatch wb;
  wb.Put(impl_->cf(kCheckpoints), SeqKey(size), out.note);
  if (impl_->origin_.empty()) {
    wb.Put(impl_->cf(kMeta), kMetaOrigin, signer.name());
    wb.Put(impl_->cf(kMeta), kMetaCheckpointKey, signer.VerifierKey());
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RETURN_IF_ERROR(
      FromRocks(impl_->db_->Write(wo, &wb), "storing a checkpoint"));
  impl_->origin_ = signer.name();
  impl_->vkey_ = signer.VerifierKey();
  return out;
}

// ---------------------------------------------------------------------------
// Subscriptions

namespace {

class SubscriptionImpl final : public Ledger::Subscription {
 public:
  SubscriptionImpl(const Ledger* ledger, std::mutex* mu,
                   std::condition_variable* cv,
                   const std::atomic<uint64_t>* committed, uint64_t from,
                   std::function<void(const StoredEvent&)> consumer)
      : ledger_(ledger),
        mu_(mu),
        cv_(cv),
        committed_(committed),
        next_(std::max<uint64_t>(from, 1)),
        consumer_(std::move(consumer)) {
    thread_ = std::thread([this] { Run(); });
  }

  ~SubscriptionImpl() override {
    stop_flag_.store(true, std::memory_order_relaxed);
    {
      std::lock_guard l(*mu_);
      stop_ = true;
    }
    cv_->notify_all();
    thread_.join();
  }

  uint64_t next_seq() const override { return next_.load(); }

 private:
  void Run() {
    for (;;) {
      uint64_t target = committed_->load(std::memory_order_acquire);
      if (next_ <= target) {
        // Catch up from disk: committed events are immutable, so reading
        // them needs no coordination with the committer.
        Status s =
            ledger_->Scan(next_, target - next_ + 1, [&](const StoredEvent& e) {
              if (stop_flag_.load(std::memory_order_relaxed)) return false;
              consumer_(e);
              next_ = e.seq + 1;
              return true;
            });
        if (!s.ok()) return;  // the ledger is damaged; verify reports it
        continue;
      }
      std::unique_lock l(*mu_);
      cv_->wait(l, [&] { return stop_ || committed_->load() >= next_; });
      if (stop_) return;
    }
  }

  const Ledger* ledger_;
  std::mutex* mu_;
  std::condition_variable* cv_;
  const std::atomic<uint64_t>* committed_;
  std::atomic<uint64_t> next_;
  std::function<void(const StoredEvent&)> consumer_;
  bool stop_ = false;  // guarded by *mu_
  std::atomic<bool> stop_flag_{false};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<Ledger::Subscription> Ledger::Subscribe(
    uint64_t from, std::function<void(const StoredEvent&)> consumer) {
  return std::make_unique<SubscriptionImpl>(
      this, &impl_->commit_mu_, &impl_->commit_cv_, &impl_->committed_seq_,
      from, std::move(consumer));
}

// ---------------------------------------------------------------------------
// Verification

VerifyReport Ledger::Verify(
    uint64_t from,
    const std::function<void(uint64_t, uint64_t)>& progress) const {
  return impl_->Verify(from, progress);
}

VerifyReport Ledger::Impl::Verify(
    uint64_t from,
    const std::function<void(uint64_t, uint64_t)>& progress) const {
  from = std::max<uint64_t>(from, 1);
  VerifyReport report;
  report.first_seq = from;
  // One snapshot for every read, so the recorded head and the events agree
  // while appends go on.
  std::shared_ptr<const rocksdb::Snapshot> snapshot(
      db_->GetSnapshot(),
      [db = db_](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  rocksdb::ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot.get();
  Hash256 anchor{};
  if (from > 1) {
    std::string bytes;
    rocksdb::Status s =
        db_->Get(at_snapshot, cf(kEvents), SeqKey(from - 1), &bytes);
    if (!s.ok()) {
      report.ok = false;
      // Beyond head + 1 nothing is missing: there is nothing to verify, and
      // no event to blame (the CLI refuses such a --from as OutOfRange).
      if (from - 1 > head().seq && from - 1 > recorded_head_seq_) {
        report.problem =
            "nothing to verify from event " + std::to_string(from) +
            ": the head is event " +
            std::to_string(std::max(head().seq, recorded_head_seq_));
        return report;
      }
      report.bad_seq = from - 1;
      report.problem = "missing event (needed as the anchor for --from " +
                       std::to_string(from) + ")";
      return report;
    }
    anchor = LeafHash(AsBytes(bytes));
  }
  // The head as last committed, recorded in meta in the same write as the
  // newest event: it lets a change to the newest event be attributed.
  std::optional<Head> recorded;
  std::string hv;
  if (db_->Get(at_snapshot, cf(kMeta), kMetaHead, &hv).ok() &&
      hv.size() == 40) {
    Head rh;
    rh.seq = GetBigEndian64(hv.data());
    std::memcpy(rh.hash.data(), hv.data() + 8, 32);
    recorded = rh;
  }
  uint64_t total = recorded ? recorded->seq : 0;

  rocksdb::ReadOptions ro = at_snapshot;
  ro.readahead_size = 4 << 20;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kEvents)));
  it->Seek(SeqKey(from));
  VerifyPipeline pipeline(from, anchor, recorded ? recorded->seq : 0,
                          recorded ? recorded->hash : Hash256{});
  // RocksDB's per-operation perf counters cost a thread-local lookup per
  // step of the scan; verification reads every event.
  struct PerfLevelOff {
    rocksdb::PerfLevel before = rocksdb::GetPerfLevel();
    PerfLevelOff() { rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable); }
    ~PerfLevelOff() { rocksdb::SetPerfLevel(before); }
  } perf_level_off;
  bool started = false;
  auto source = [&](std::string_view* key, std::string_view* value) -> Status {
    if (started) it->Next();
    started = true;
    if (!it->Valid()) return FromRocks(it->status(), "scanning events");
    *key = std::string_view(it->key().data(), it->key().size());
    *value = std::string_view(it->value().data(), it->value().size());
    return OkStatus();
  };
  // From event 1 the whole tree is recomputed: the root at the latest
  // checkpoint's size, and at the head.
  std::optional<StoredCheckpoint> checkpoint;
  Status checkpoint_status;
  if (from == 1) {
    auto latest = ReadLatestCheckpoint();
    if (latest.ok()) {
      checkpoint = std::move(*latest);
    } else {
      checkpoint_status = latest.status();
    }
  }
  // The derived indexes, from event 1: the hashing threads add the entries
  // each event should have while a thread of the check's own scans the
  // stored ones (ledger/internal/index_check.h). Declared after the
  // snapshot, so the scan ends before the snapshot is released.
  IndexStore index_store{db_,
                         cf(kEvents),
                         cf(kMerkle),
                         {cf(kByRecord), cf(kByActor), cf(kRequests)},
                         at_snapshot};
  std::optional<IndexCheck> index_check;
  if (from == 1) {
    // Entries may name events up to the recorded head (or, without one, the
    // last stored event; the chain check says whether the two agree).
    uint64_t last = total;
    if (!recorded) {
      std::unique_ptr<rocksdb::Iterator> last_it(
          db_->NewIterator(at_snapshot, cf(kEvents)));
      last_it->SeekToLast();
      if (last_it->Valid() && last_it->key().size() == 8)
        last = GetBigEndian64(last_it->key().data());
    }
    index_check.emplace(last);
    pipeline.set_events_sink([&](std::span<const SeqEvent> events) {
      index_check->AddEvents(events);
    });
    index_check->StartScan(index_store);
  }
  merkle::CompactRange range;
  std::optional<Hash256> root_at_checkpoint;
  // Every stored interior node is compared with the one the events give, as
  // the recomputed tree produces it: one iterator per level, each read in
  // index order, so the whole check is sequential reads.
  std::vector<std::unique_ptr<rocksdb::Iterator>> level_iters(64);
  std::string node_problem;
  auto check_node = [&](uint32_t level, uint64_t index, const Hash256& node) {
    if (level == 0 || !node_problem.empty()) return;
    auto& level_it = level_iters[level];
    std::string key = MerkleKey(level, index);
    if (!level_it) {
      level_it.reset(db_->NewIterator(ro, cf(kMerkle)));
      level_it->Seek(key);
    }
    bool same = level_it->Valid() && level_it->key() == rocksdb::Slice(key) &&
                level_it->value().size() == 32 &&
                std::memcmp(level_it->value().data(), node.data(), 32) == 0;
    if (!same) {
      uint64_t first = (index << level) + 1, last = (index + 1) << level;
      node_problem =
          "Merkle tree: the stored node (level " + std::to_string(level) +
          ", index " + std::to_string(index) + ") over events " +
          std::to_string(first) + ".." + std::to_string(last) +
          (level_it->Valid() && level_it->key() == rocksdb::Slice(key)
               ? " differs from"
               : " is missing from") +
          " the tree the events give (stored Merkle nodes were altered; proofs "
          "served now would not verify)";
      return;
    }
    level_it->Next();
  };
  if (from == 1) {
    auto append_leaf = [&](const Hash256& leaf) {
      range.Append(leaf, check_node);
      if (checkpoint && range.size() == checkpoint->checkpoint.size) {
        root_at_checkpoint = range.Root();
      }
    };
    pipeline.set_leaf_sink(append_leaf);
    // Most of the tree arrives as subtrees the hashing threads computed.
    pipeline.set_subtree_sink(
        [&, append_leaf](const VerifyPipeline::Subtree& t) {
          uint64_t after = range.size() + t.leaves.size();
          bool checkpoint_inside = checkpoint &&
                                   checkpoint->checkpoint.size > range.size() &&
                                   checkpoint->checkpoint.size < after;
          if (checkpoint_inside || t.first_seq - 1 != range.size()) {
            // The checkpoint's root needs the range at a size inside this run.
            for (const Hash256& leaf : t.leaves) append_leaf(leaf);
            return;
          }
          uint64_t first_index = t.first_seq - 1;
          size_t at = 0;
          for (uint32_t level = 1; level <= t.height; ++level) {
            size_t count = size_t{1} << (t.height - level);
            for (size_t j = 0; j < count; ++j)
              check_node(level, (first_index >> level) + j, t.nodes[at + j]);
            at += count;
          }
          range.AppendSubtree(t.height, t.nodes.back(), check_node);
          if (checkpoint && range.size() == checkpoint->checkpoint.size) {
            root_at_checkpoint = range.Root();
          }
        });
  }
  report = pipeline.Run(source, [&](uint64_t done) {
    if (progress) progress(done, total >= from ? total - from + 1 : 0);
  });
  report.first_seq = from;
  if (!report.ok || from != 1) return report;
  report.root = range.Root();
  auto fail = [&](std::string problem) {
    report.ok = false;
    report.bad_seq = 0;
    report.problem = std::move(problem);
    return report;
  };
  auto fail_in = [&](std::string_view family, std::string problem) {
    report.family = family;
    return fail(std::move(problem));
  };
  // The stored nodes serve proofs: they must describe the same tree, and
  // hold nothing else.
  if (!node_problem.empty()) return fail_in(kMerkleFamily, node_problem);
  StoredNodes nodes = DiskNodes(report.head.seq);
  auto stored_root = merkle::RootAt(report.head.seq, nodes);
  if (!stored_root.ok())
    return fail_in(kMerkleFamily,
                   "Merkle tree: " + stored_root.status().message());
  if (*stored_root != report.root) {
    return fail_in(kMerkleFamily,
                   "Merkle tree: the stored nodes give root " +
                       ToHex(*stored_root) + " but the events give " +
                       ToHex(report.root) +
                       " (stored Merkle nodes were altered; proofs served "
                       "now would not verify)");
  }
  auto extra_node = FindExtraMerkleNodes(index_store, report.head.seq);
  if (!extra_node.ok())
    return fail_in(kMerkleFamily, extra_node.status().message());
  if (!extra_node->empty()) return fail_in(kMerkleFamily, *extra_node);
  auto index_problem = index_check->Finish(index_store, report.head.seq);
  if (!index_problem.ok()) return fail(index_problem.status().message());
  if (!index_problem->empty()) {
    std::string_view family = *index_problem;
    family.remove_prefix(std::string_view("index ").size());
    return fail_in(family.substr(0, family.find(':')), *index_problem);
  }
  if (!checkpoint_status.ok()) return fail(checkpoint_status.message());
  if (checkpoint) {
    uint64_t size = checkpoint->checkpoint.size;
    report.checkpoint_size = size;
    std::string vkey;
    {
      std::lock_guard l(checkpoint_mu_);
      vkey = vkey_;
    }
    auto verifier = NoteVerifier::FromVerifierKey(vkey);
    if (!verifier.ok())
      return fail("checkpoint at size " + std::to_string(size) +
                  ": no usable verifier key recorded (" +
                  verifier.status().message() + ")");
    auto body = verifier->Open(checkpoint->note);
    if (!body.ok())
      return fail("checkpoint at size " + std::to_string(size) + ": " +
                  body.status().message());
    auto cp = ParseCheckpointBody(*body);
    if (!cp.ok() || cp->size != size) {
      return fail("checkpoint at size " + std::to_string(size) +
                  ": its body does not match");
    }
    if (!root_at_checkpoint) {
      return fail("checkpoint at size " + std::to_string(size) +
                  " signs more events than the " +
                  std::to_string(report.head.seq) +
                  " stored (events were removed)");
    }
    if (*root_at_checkpoint != cp->root) {
      return fail("checkpoint at size " + std::to_string(size) +
                  ": signed root " + ToHex(cp->root) + " but the events give " +
                  ToHex(*root_at_checkpoint) +
                  " (the ledger was rewritten after it was signed)");
    }
  }
  return report;
}

}  // namespace consilium
