// Ledger::Verify (docs/verification.md): the chain, the Merkle tree, the
// derived indexes and the latest checkpoint, re-read from one snapshot.
#include <rocksdb/db.h>
#include <rocksdb/perf_level.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ledger/internal/index_check.h"
#include "ledger/internal/ledger_impl.h"
#include "ledger/internal/storage_layout.h"
#include "ledger/internal/verify_pipeline.h"

namespace consilium {

using namespace ledger_internal;  // NOLINT(google-build-using-namespace)

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
