// The ledger's RFC 9162 Merkle tree over event hashes: its right edge kept
// incrementally (CompactRange), roots at any size, and inclusion and
// consistency proofs built from stored perfect-subtree nodes.
//
// Node storage. A node is the hash of a *perfect* subtree: level L, index I
// covers leaves [I << L, (I + 1) << L), level 0 being the leaf hashes
// themselves. Nodes are immutable once their last leaf exists, so they are
// written once, in the same synced write as the event that completes them
// (CompactRange::Append reports exactly those: on average two per append).
// Any other range a proof needs is a right edge of the tree and decomposes
// into at most 64 perfect subtrees, so every function here costs O(log n)
// NodeSource reads and never recomputes the tree. The verifier lives apart in
// ledger/proof_verifier.h.
//
// Thread-safety: CompactRange and MemoryNodeSource are values with no
// internal locking: one writer, or any number of readers of a const object.
// The free functions are safe to call concurrently if the NodeSource is.
//
//   merkle::MemoryNodeSource nodes;
//   for (const Hash256& leaf : leaves) nodes.Append(leaf);
//   StatusOr<std::vector<Hash256>> proof =
//       merkle::InclusionProof(/*index=*/3, /*size=*/nodes.size(), nodes);
//   // VerifyInclusion(3, nodes.size(), leaves[3], *proof, nodes.Root()) is OK.
#ifndef CONSILIUM_LEDGER_MERKLE_H_
#define CONSILIUM_LEDGER_MERKLE_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <span>
#include <vector>

#include "common/hash.h"
#include "common/status.h"

namespace consilium::merkle {

// Read access to stored perfect-subtree nodes. The ledger implements it over
// its Merkle-node column family; MemoryNodeSource below keeps them in memory.
class NodeSource {
 public:
  virtual ~NodeSource() = default;

  // The hash of the perfect subtree at `level` (0..63) covering leaves
  // [index << level, (index + 1) << level); level 0 is the leaf hash.
  // Contract for implementations: OutOfRange when that subtree is not
  // complete in this source (its last leaf is beyond the stored leaves);
  // other codes (DataLoss, Unavailable, ...) for storage failures. The
  // functions below pass these through with context prepended.
  virtual StatusOr<Hash256> PerfectSubtree(uint32_t level, uint64_t index) = 0;
};

// The right edge of a tree of `size()` leaves: for each set bit L of the
// size, highest first, the hash of the perfect subtree of 2^L leaves that
// sits there. Enough to append and to compute the root, with no reads.
class CompactRange {
 public:
  // The empty tree.
  CompactRange() = default;

  // Rebuilds the range of a tree of `size` leaves from stored nodes: one
  // PerfectSubtree read per set bit of `size` (at most 64). Errors from the
  // source are returned with context ("loading compact range of size 9: ...").
  static StatusOr<CompactRange> Load(uint64_t size, NodeSource& source);

  // Appends leaf number size() and calls
  //   on_node(uint32_t level, uint64_t index, const Hash256& hash)
  // for every perfect-subtree node this completes, bottom-up: first the leaf
  // itself (level 0, index size()), then each merged parent. These are
  // exactly the nodes a store must persist with the event (amortized two per
  // append). No allocation; one NodeHash per merged parent. The tree may
  // hold at most 2^64 - 1 leaves (asserted).
  template <typename OnNode>
  void Append(const Hash256& leaf_hash, OnNode&& on_node);
  // Appends 2^height leaves at once, given the root of their perfect subtree
  // (computed elsewhere, e.g. many node hashes at once). size() must be a
  // multiple of 2^height. Calls on_node for each merged parent above the
  // subtree, as Append does; the subtree's own nodes are the caller's.
  template <typename OnNode>
  void AppendSubtree(uint32_t height, const Hash256& subtree_root,
                     OnNode&& on_node);
  // The same without reporting nodes.
  void Append(const Hash256& leaf_hash) {
    Append(leaf_hash, [](uint32_t, uint64_t, const Hash256&) {});
  }

  // RFC 9162 MTH of the whole tree; EmptyTreeHash() for size 0.
  // popcount(size) - 1 NodeHash computations.
  Hash256 Root() const;

  uint64_t size() const { return size_; }
  // The right-edge hashes, largest subtree first (popcount(size) of them).
  std::span<const Hash256> hashes() const {
    return {hashes_.data(), static_cast<size_t>(std::popcount(size_))};
  }

  friend bool operator==(const CompactRange& a, const CompactRange& b) {
    if (a.size_ != b.size_) return false;
    auto ha = a.hashes();
    auto hb = b.hashes();
    return std::equal(ha.begin(), ha.end(), hb.begin());
  }

 private:
  uint64_t size_ = 0;
  // hashes_[0 .. popcount(size_)) hold the right edge, largest first.
  std::array<Hash256, 64> hashes_{};
};

template <typename OnNode>
void CompactRange::Append(const Hash256& leaf_hash, OnNode&& on_node) {
  assert(size_ != UINT64_MAX && "a Merkle tree holds at most 2^64 - 1 leaves");
  int count = std::popcount(size_);
  Hash256 hash = leaf_hash;
  on_node(uint32_t{0}, size_, static_cast<const Hash256&>(hash));
  // Each set low bit of size_ is a perfect subtree of the same height as
  // `hash` sitting immediately to its left: merge them, as binary carry.
  uint32_t level = 0;
  for (uint64_t bits = size_; bits & 1; bits >>= 1) {
    --count;
    hash = NodeHash(hashes_[count], hash);
    ++level;
    on_node(level, size_ >> level, static_cast<const Hash256&>(hash));
  }
  hashes_[count] = hash;
  ++size_;
}

template <typename OnNode>
void CompactRange::AppendSubtree(uint32_t height, const Hash256& subtree_root,
                                 OnNode&& on_node) {
  assert(height < 64 && size_ % (uint64_t{1} << height) == 0);
  assert(UINT64_MAX - size_ >= (uint64_t{1} << height));
  int count = std::popcount(size_);
  Hash256 hash = subtree_root;
  uint32_t level = height;
  for (uint64_t bits = size_ >> height; bits & 1; bits >>= 1) {
    --count;
    hash = NodeHash(hashes_[count], hash);
    ++level;
    on_node(level, size_ >> level, static_cast<const Hash256&>(hash));
  }
  hashes_[count] = hash;
  size_ += uint64_t{1} << height;
}

// Every perfect-subtree node of a tree, in memory: a NodeSource for tests,
// tools and auditors who rebuild a tree from a list of leaf hashes. Memory:
// about 2n hashes for n leaves.
class MemoryNodeSource final : public NodeSource {
 public:
  MemoryNodeSource() = default;

  // Appends a leaf hash and stores every node it completes.
  void Append(const Hash256& leaf_hash);

  uint64_t size() const { return range_.size(); }
  Hash256 Root() const { return range_.Root(); }
  const CompactRange& range() const { return range_; }

  // OutOfRange, naming the node and the number of leaves held, when the
  // subtree extends beyond size() leaves or level > 63.
  StatusOr<Hash256> PerfectSubtree(uint32_t level, uint64_t index) override;

 private:
  CompactRange range_;
  // nodes_[level][index]; every level's vector is dense from index 0.
  std::vector<std::vector<Hash256>> nodes_;
};

// RFC 9162 MTH of the first `size` leaves: popcount(size) reads.
// EmptyTreeHash() for size 0; OutOfRange (from the source) when the source
// holds fewer than `size` leaves.
StatusOr<Hash256> RootAt(uint64_t size, NodeSource& source);

// RFC 9162 section 2.1.3.1 PATH(index, D[size]): the audit path of leaf
// `index` in the tree of the first `size` leaves, bottom-up (the order
// VerifyInclusion expects). At most 2 * ceil(log2(size)) reads.
// InvalidArgument when index >= size; OutOfRange when the source holds fewer
// than `size` leaves.
StatusOr<std::vector<Hash256>> InclusionProof(uint64_t index, uint64_t size,
                                              NodeSource& source);

// RFC 9162 section 2.1.4.1 PROOF(size1, D[size2]): proves that the tree of
// `size1` leaves is a prefix of the tree of `size2` leaves. Empty when
// size1 == size2. At most 2 * ceil(log2(size2)) + 1 reads. InvalidArgument
// when size1 == 0 (nothing to prove) or size1 > size2; OutOfRange when the
// source holds fewer than `size2` leaves.
StatusOr<std::vector<Hash256>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                                NodeSource& source);

}  // namespace consilium::merkle

#endif  // CONSILIUM_LEDGER_MERKLE_H_
