// Ledger::Verify (docs/verification.md): the chain, the Merkle tree, the
// derived indexes and the latest checkpoint, re-read from one snapshot.
//
// Phases, in the order their problems are reported:
//   chain       VerifyPipeline: every event decodes, sequence numbers are
//               dense, every link holds, the recorded head matches;
//   Merkle      (from event 1) every stored node against the tree the
//               events give (NodeCheck, during the chain phase), the stored
//               root, and no stored node outside the tree;
//   index       (from event 1) every by_record, by_actor and requests entry
//               (IndexCheck, fed during the chain phase);
//   checkpoint  (from event 1) the latest signed checkpoint against the
//               root the events give at its size.
#include <rocksdb/db.h>
#include <rocksdb/perf_level.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ledger/internal/index_check.h"
#include "ledger/internal/ledger_impl.h"
#include "ledger/internal/storage_layout.h"
#include "ledger/internal/verify_pipeline.h"

namespace consilium {

using namespace ledger_internal;  // NOLINT(google-build-using-namespace)

namespace {

// A problem found after the chain verified: bad_seq stays 0; `family` names
// the derived index it is in ("" when it is about the checkpoint).
struct Finding {
  std::string family;
  std::string problem;
};

VerifyReport Fail(VerifyReport report, Finding f) {
  report.ok = false;
  report.bad_seq = 0;
  report.problem = std::move(f.problem);
  if (!f.family.empty()) report.family = std::move(f.family);
  return report;
}

// RocksDB's per-operation perf counters cost a thread-local lookup per step
// of the scan; verification reads every event.
class PerfLevelOff {
 public:
  PerfLevelOff() { rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable); }
  ~PerfLevelOff() { rocksdb::SetPerfLevel(before_); }
  PerfLevelOff(const PerfLevelOff&) = delete;
  PerfLevelOff& operator=(const PerfLevelOff&) = delete;

 private:
  rocksdb::PerfLevel before_ = rocksdb::GetPerfLevel();
};

// The head as last committed, recorded in meta in the same write as the
// newest event: it lets a change to the newest event be attributed.
std::optional<Head> ReadRecordedHead(rocksdb::DB* db,
                                     rocksdb::ColumnFamilyHandle* meta,
                                     const rocksdb::ReadOptions& ro) {
  std::string hv;
  if (!db->Get(ro, meta, kMetaHead, &hv).ok() || hv.size() != 40)
    return std::nullopt;
  Head rh;
  rh.seq = GetBigEndian64(hv.data());
  std::memcpy(rh.hash.data(), hv.data() + 8, 32);
  return rh;
}

// Compares every stored interior node with the one the events give, as the
// recomputed tree produces it: one iterator per level, each read in index
// order, so the whole check is sequential reads. Keeps the first problem.
class NodeCheck {
 public:
  NodeCheck(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* merkle,
            const rocksdb::ReadOptions& ro)
      : db_(db), merkle_(merkle), ro_(ro), level_iters_(64) {}

  void operator()(uint32_t level, uint64_t index, const Hash256& node) {
    if (level == 0 || !problem_.empty()) return;
    auto& level_it = level_iters_[level];
    std::string key = MerkleKey(level, index);
    if (!level_it) {
      level_it.reset(db_->NewIterator(ro_, merkle_));
      level_it->Seek(key);
    }
    bool same = level_it->Valid() && level_it->key() == rocksdb::Slice(key) &&
                level_it->value().size() == 32 &&
                std::memcmp(level_it->value().data(), node.data(), 32) == 0;
    if (!same) {
      uint64_t first = (index << level) + 1, last = (index + 1) << level;
      problem_ =
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
  }

  const std::string& problem() const { return problem_; }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* merkle_;
  rocksdb::ReadOptions ro_;
  std::vector<std::unique_ptr<rocksdb::Iterator>> level_iters_;
  std::string problem_;
};

// The tree recomputed from the event hashes the chain phase delivers, each
// interior node checked as it is produced, and its root at the latest
// checkpoint's size (when that size is reached).
class TreeCheck {
 public:
  TreeCheck(NodeCheck* nodes, std::optional<uint64_t> checkpoint_size)
      : nodes_(nodes), checkpoint_size_(checkpoint_size) {}

  void AppendLeaf(const Hash256& leaf) {
    range_.Append(leaf, *nodes_);
    NoteCheckpointRoot();
  }

  // Most of the tree arrives as subtrees the hashing threads computed.
  void AppendSubtree(const VerifyPipeline::Subtree& t) {
    uint64_t after = range_.size() + t.leaves.size();
    bool checkpoint_inside = checkpoint_size_ &&
                             *checkpoint_size_ > range_.size() &&
                             *checkpoint_size_ < after;
    if (checkpoint_inside || t.first_seq - 1 != range_.size()) {
      // The checkpoint's root needs the range at a size inside this run.
      for (const Hash256& leaf : t.leaves) AppendLeaf(leaf);
      return;
    }
    uint64_t first_index = t.first_seq - 1;
    size_t at = 0;
    for (uint32_t level = 1; level <= t.height; ++level) {
      size_t count = size_t{1} << (t.height - level);
      for (size_t j = 0; j < count; ++j)
        (*nodes_)(level, (first_index >> level) + j, t.nodes[at + j]);
      at += count;
    }
    range_.AppendSubtree(t.height, t.nodes.back(), *nodes_);
    NoteCheckpointRoot();
  }

  Hash256 Root() const { return range_.Root(); }
  const std::optional<Hash256>& root_at_checkpoint() const {
    return root_at_checkpoint_;
  }

 private:
  void NoteCheckpointRoot() {
    if (checkpoint_size_ && range_.size() == *checkpoint_size_) {
      root_at_checkpoint_ = range_.Root();
    }
  }

  NodeCheck* nodes_;
  std::optional<uint64_t> checkpoint_size_;
  merkle::CompactRange range_;
  std::optional<Hash256> root_at_checkpoint_;
};

// What Verify checks only from event 1: the Merkle tree and every derived
// index, fed by the chain phase (constructed before the pipeline runs).
// The index scan runs on a thread of its own from construction until
// CheckIndexes or destruction; `store`'s snapshot must outlive this.
class FullCheck {
 public:
  FullCheck(const IndexStore& store, const rocksdb::ReadOptions& ro,
            uint64_t last_seq, std::optional<uint64_t> checkpoint_size,
            VerifyPipeline& pipeline)
      : store_(store),
        index_check_(last_seq, store.indexer),
        nodes_(store.db, store.merkle, ro),
        tree_(&nodes_, checkpoint_size) {
    pipeline.set_events_sink([this](std::span<const SeqEvent> events) {
      index_check_.AddEvents(events);
    });
    index_check_.StartScan(store_);
    pipeline.set_leaf_sink(
        [this](const Hash256& leaf) { tree_.AppendLeaf(leaf); });
    pipeline.set_subtree_sink(
        [this](const VerifyPipeline::Subtree& t) { tree_.AppendSubtree(t); });
  }

  const TreeCheck& tree() const { return tree_; }

  // The stored nodes serve proofs: they must describe the same tree as the
  // events (`root`, of `size` events), and hold nothing else.
  std::optional<Finding> CheckTree(StoredNodes disk_nodes, uint64_t size,
                                   const Hash256& root) const {
    auto merkle = [](std::string problem) {
      return Finding{kMerkleFamily, std::move(problem)};
    };
    if (!nodes_.problem().empty()) return merkle(nodes_.problem());
    auto stored_root = merkle::RootAt(size, disk_nodes);
    if (!stored_root.ok())
      return merkle("Merkle tree: " + stored_root.status().message());
    if (*stored_root != root) {
      return merkle("Merkle tree: the stored nodes give root " +
                    ToHex(*stored_root) + " but the events give " +
                    ToHex(root) +
                    " (stored Merkle nodes were altered; proofs served "
                    "now would not verify)");
    }
    auto extra_node = FindExtraMerkleNodes(store_, size);
    if (!extra_node.ok()) return merkle(extra_node.status().message());
    if (!extra_node->empty()) return merkle(*extra_node);
    return std::nullopt;
  }

  // Waits for the index scan and compares: the first wrong entry, if any.
  std::optional<Finding> CheckIndexes(uint64_t head) {
    auto index_problem = index_check_.Finish(store_, head);
    if (!index_problem.ok())
      return Finding{"", index_problem.status().message()};
    if (index_problem->empty()) return std::nullopt;
    std::string_view family = *index_problem;
    family.remove_prefix(std::string_view("index ").size());
    return Finding{std::string(family.substr(0, family.find(':'))),
                   *index_problem};
  }

 private:
  IndexStore store_;
  IndexCheck index_check_;
  NodeCheck nodes_;
  TreeCheck tree_;
};

// The latest checkpoint (of `size` events) against the root the events give
// at its size (nullopt when fewer than `size` events are stored), checked
// with the recorded verifier key.
std::optional<Finding> CheckCheckpoint(const StoredCheckpoint& checkpoint,
                                       const std::string& vkey,
                                       const std::optional<Hash256>& root_at,
                                       uint64_t head_seq) {
  const uint64_t size = checkpoint.checkpoint.size;
  const std::string at = "checkpoint at size " + std::to_string(size);
  auto verifier = NoteVerifier::FromVerifierKey(vkey);
  if (!verifier.ok())
    return Finding{"", at + ": no usable verifier key recorded (" +
                           verifier.status().message() + ")"};
  auto body = verifier->Open(checkpoint.note);
  if (!body.ok()) return Finding{"", at + ": " + body.status().message()};
  auto cp = ParseCheckpointBody(*body);
  if (!cp.ok() || cp->size != size)
    return Finding{"", at + ": its body does not match"};
  if (!root_at) {
    return Finding{"", at + " signs more events than the " +
                           std::to_string(head_seq) +
                           " stored (events were removed)"};
  }
  if (*root_at != cp->root) {
    return Finding{"", at + ": signed root " + ToHex(cp->root) +
                           " but the events give " + ToHex(*root_at) +
                           " (the ledger was rewritten after it was signed)"};
  }
  return std::nullopt;
}

// The chain phase's source: the events family from `from` on, in key order.
class EventSource {
 public:
  EventSource(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
              const rocksdb::ReadOptions& ro, uint64_t from)
      : it_(db->NewIterator(ro, events)) {
    it_->Seek(SeqKey(from));
  }

  Status operator()(std::string_view* key, std::string_view* value) {
    if (started_) it_->Next();
    started_ = true;
    if (!it_->Valid()) return FromRocks(it_->status(), "scanning events");
    *key = std::string_view(it_->key().data(), it_->key().size());
    *value = std::string_view(it_->value().data(), it_->value().size());
    return OkStatus();
  }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
  bool started_ = false;
};

// After the chain verified from event 1: the Merkle, index and checkpoint
// phases, the first problem into `report`. `vkey` is read under `vkey_mu`.
VerifyReport FinishFullCheck(
    VerifyReport report, FullCheck& full, StoredNodes disk_nodes,
    const StatusOr<std::optional<StoredCheckpoint>>& checkpoint,
    std::mutex& vkey_mu, const std::string& vkey) {
  report.root = full.tree().Root();
  if (auto f = full.CheckTree(disk_nodes, report.head.seq, report.root))
    return Fail(std::move(report), std::move(*f));
  if (auto f = full.CheckIndexes(report.head.seq))
    return Fail(std::move(report), std::move(*f));
  if (!checkpoint.ok())
    return Fail(std::move(report), {"", checkpoint.status().message()});
  if (!checkpoint->has_value()) return report;
  const StoredCheckpoint& cp = **checkpoint;
  report.checkpoint_size = cp.checkpoint.size;
  std::string key;
  {
    std::lock_guard l(vkey_mu);
    key = vkey;
  }
  if (auto f = CheckCheckpoint(cp, key, full.tree().root_at_checkpoint(),
                               report.head.seq)) {
    return Fail(std::move(report), std::move(*f));
  }
  return report;
}

}  // namespace

VerifyReport Ledger::Verify(
    uint64_t from,
    const std::function<void(uint64_t, uint64_t)>& progress) const {
  return impl_->Verify(from, progress);
}

bool Ledger::Impl::ReadVerifyAnchor(uint64_t from,
                                    const rocksdb::ReadOptions& at_snapshot,
                                    Hash256* anchor,
                                    VerifyReport* report) const {
  std::string bytes;
  rocksdb::Status s =
      db_->Get(at_snapshot, cf(kEvents), SeqKey(from - 1), &bytes);
  if (s.ok()) {
    *anchor = LeafHash(AsBytes(bytes));
    return true;
  }
  report->ok = false;
  // Beyond head + 1 nothing is missing: there is nothing to verify, and
  // no event to blame (the CLI refuses such a --from as OutOfRange).
  if (from - 1 > head().seq && from - 1 > recorded_head_seq_) {
    report->problem = "nothing to verify from event " + std::to_string(from) +
                      ": the head is event " +
                      std::to_string(std::max(head().seq, recorded_head_seq_));
    return false;
  }
  report->bad_seq = from - 1;
  report->problem = "missing event (needed as the anchor for --from " +
                    std::to_string(from) + ")";
  return false;
}

uint64_t Ledger::Impl::LastStoredSeq(const rocksdb::ReadOptions& ro) const {
  std::unique_ptr<rocksdb::Iterator> last_it(db_->NewIterator(ro, cf(kEvents)));
  last_it->SeekToLast();
  if (last_it->Valid() && last_it->key().size() == 8)
    return GetBigEndian64(last_it->key().data());
  return 0;
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
  if (from > 1 && !ReadVerifyAnchor(from, at_snapshot, &anchor, &report))
    return report;
  const std::optional<Head> recorded =
      ReadRecordedHead(db_, cf(kMeta), at_snapshot);
  const uint64_t total = recorded ? recorded->seq : 0;

  rocksdb::ReadOptions ro = at_snapshot;
  ro.readahead_size = 4 << 20;
  ro.fill_cache = false;
  EventSource source(db_, cf(kEvents), ro, from);
  VerifyPipeline pipeline(from, anchor, total,
                          recorded ? recorded->hash : Hash256{});
  PerfLevelOff perf_level_off;
  // From event 1 the whole tree is recomputed (the root at the latest
  // checkpoint's size, and at the head) and every index checked.
  StatusOr<std::optional<StoredCheckpoint>> checkpoint =
      std::optional<StoredCheckpoint>();
  std::optional<FullCheck> full;
  if (from == 1) {
    checkpoint = ReadLatestCheckpoint();
    std::optional<uint64_t> checkpoint_size;
    if (checkpoint.ok() && checkpoint->has_value())
      checkpoint_size = (*checkpoint)->checkpoint.size;
    // Index entries may name events up to the recorded head (or, without
    // one, the last stored event; the chain check says whether the two
    // agree). Declared after the snapshot, so the scan ends before the
    // snapshot is released.
    full.emplace(IndexStore{db_,
                            cf(kEvents),
                            cf(kMerkle),
                            {cf(kByRecord), cf(kByActor), cf(kRequests)},
                            at_snapshot,
                            options_.indexer},
                 ro, recorded ? total : LastStoredSeq(at_snapshot),
                 checkpoint_size, pipeline);
  }
  report = pipeline.Run(std::ref(source), [&](uint64_t done) {
    if (progress) progress(done, total >= from ? total - from + 1 : 0);
  });
  report.first_seq = from;
  if (!report.ok || from != 1) return report;
  StoredNodes disk_nodes = DiskNodes(report.head.seq);
  return FinishFullCheck(std::move(report), *full, std::move(disk_nodes),
                         checkpoint, checkpoint_mu_, vkey_);
}

}  // namespace consilium
