// Stored Merkle nodes, roots and proofs (ledger_impl.h, merkle_store.h).
#include "ledger/internal/merkle_store.h"

#include <rocksdb/db.h>

#include <cstring>
#include <mutex>

#include "ledger/internal/ledger_impl.h"
#include "ledger/internal/read_checks.h"
#include "ledger/proof_verifier.h"

namespace consilium {

using namespace ledger_internal;  // NOLINT(google-build-using-namespace)

namespace ledger_internal {

StatusOr<Hash256> StoredNodes::PerfectSubtree(uint32_t level, uint64_t index) {
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

StatusOr<Hash256> StoredNodes::LeafFromRead(const rocksdb::Status& s,
                                            uint64_t index,
                                            std::string_view v) {
  if (s.IsNotFound())
    return DataLossError("event " + std::to_string(index + 1) + " is missing");
  RETURN_IF_ERROR(FromRocks(s, "reading event " + std::to_string(index + 1)));
  return LeafHash(AsBytes(v));
}

StatusOr<Hash256> StoredNodes::NodeFromRead(const rocksdb::Status& s,
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

Status StoredNodes::Fetch(
    rocksdb::ColumnFamilyHandle* family, const std::vector<std::string>& keys,
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

Status CheckTreeSize(uint64_t size, uint64_t head) {
  if (size > head) {
    return OutOfRangeError("tree size " + std::to_string(size) +
                           " is beyond the ledger's " + std::to_string(head) +
                           " events");
  }
  return OkStatus();
}

}  // namespace ledger_internal

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

}  // namespace consilium
