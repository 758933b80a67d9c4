#include "ledger/merkle.h"

#include <algorithm>
#include <string>

namespace consilium::merkle {

namespace {

std::string Str(uint64_t n) { return std::to_string(n); }

// RFC 9162 MTH of leaves [begin, end), begin < end, from stored nodes.
//
// Precondition (asserted): the range is one the RFC recursion produces, so
// `begin` is aligned to every set bit of the range's length. It is then the
// perfect subtrees for the set bits of end - begin, largest first, folded
// from the right: popcount(end - begin) reads, one fewer NodeHash calls.
StatusOr<Hash256> RangeHash(uint64_t begin, uint64_t end, NodeSource& source) {
  assert(begin < end);
  std::array<Hash256, 64> parts;
  int count = 0;
  uint64_t pos = begin;
  for (uint64_t rest = end - begin; rest != 0;) {
    const uint32_t level = static_cast<uint32_t>(std::bit_width(rest) - 1);
    const uint64_t width = uint64_t{1} << level;
    assert((pos & (width - 1)) == 0 && "range is not a right edge");
    ASSIGN_OR_RETURN(parts[count], source.PerfectSubtree(level, pos >> level));
    ++count;
    pos += width;
    rest -= width;
  }
  Hash256 hash = parts[count - 1];
  for (int i = count - 2; i >= 0; --i) hash = NodeHash(parts[i], hash);
  return hash;
}

// Fails with OutOfRange (from the source) unless leaf `size - 1` is stored.
// Nodes are stored only when complete, so this shows the source holds at
// least `size` leaves. Used where a proof would otherwise not touch that
// leaf's subtree.
Status RequireLeaves(uint64_t size, NodeSource& source) {
  StatusOr<Hash256> last = source.PerfectSubtree(0, size - 1);
  return last.status();
}

}  // namespace

StatusOr<CompactRange> CompactRange::Load(uint64_t size, NodeSource& source) {
  CompactRange range;
  int count = 0;
  uint64_t pos = 0;
  for (uint64_t rest = size; rest != 0;) {
    const uint32_t level = static_cast<uint32_t>(std::bit_width(rest) - 1);
    StatusOr<Hash256> hash = source.PerfectSubtree(level, pos >> level);
    if (!hash.ok()) {
      return hash.status().WithContext("loading compact range of size " +
                                       Str(size));
    }
    range.hashes_[count++] = *hash;
    pos += uint64_t{1} << level;
    rest -= uint64_t{1} << level;
  }
  range.size_ = size;
  return range;
}

Hash256 CompactRange::Root() const {
  const int count = std::popcount(size_);
  if (count == 0) return EmptyTreeHash();
  Hash256 hash = hashes_[count - 1];
  for (int i = count - 2; i >= 0; --i) hash = NodeHash(hashes_[i], hash);
  return hash;
}

void MemoryNodeSource::Append(const Hash256& leaf_hash) {
  range_.Append(leaf_hash,
                [this](uint32_t level, uint64_t index, const Hash256& hash) {
                  if (nodes_.size() <= level) nodes_.resize(level + 1);
                  // Nodes complete left to right at every level.
                  assert(nodes_[level].size() == index);
                  (void)index;
                  nodes_[level].push_back(hash);
                });
}

StatusOr<Hash256> MemoryNodeSource::PerfectSubtree(uint32_t level,
                                                   uint64_t index) {
  // The node exists iff (index + 1) << level <= size(), i.e.
  // index < size() >> level (no overflow either way).
  if (level > 63 || index >= (size() >> level)) {
    return OutOfRangeError(
        "no perfect subtree at level " + std::to_string(level) + " index " +
        Str(index) + ": the node source holds " + Str(size()) + " leaves");
  }
  return nodes_[level][index];
}

StatusOr<Hash256> RootAt(uint64_t size, NodeSource& source) {
  if (size == 0) return EmptyTreeHash();
  StatusOr<Hash256> root = RangeHash(0, size, source);
  if (!root.ok()) {
    return root.status().WithContext("root of tree size " + Str(size));
  }
  return root;
}

StatusOr<std::vector<Hash256>> InclusionProof(uint64_t index, uint64_t size,
                                              NodeSource& source) {
  if (index >= size) {
    return InvalidArgumentError("inclusion proof: leaf index " + Str(index) +
                                " is not below tree size " + Str(size));
  }
  const std::string context =
      "inclusion proof for leaf " + Str(index) + " in tree size " + Str(size);
  // PATH(m, D[lo:hi]) unrolled: descend towards the leaf, collecting the
  // sibling of each step top-down. Only the first sibling taken on the
  // right can be a non-perfect range (the right edge); below it every
  // range is perfect, so reads stay under 2 * ceil(log2(size)).
  std::vector<Hash256> path;
  path.reserve(std::bit_width(size));
  uint64_t lo = 0;
  uint64_t hi = size;
  bool touched_last_leaf = false;
  while (hi - lo > 1) {
    const uint64_t k = std::bit_floor(hi - lo - 1);
    const bool go_left = index < lo + k;
    touched_last_leaf |= go_left && hi == size;
    StatusOr<Hash256> sibling =
        go_left ? RangeHash(lo + k, hi, source) : RangeHash(lo, lo + k, source);
    if (!sibling.ok()) return sibling.status().WithContext(context);
    if (go_left) {
      hi = lo + k;
    } else {
      lo += k;
    }
    path.push_back(*sibling);
  }
  // Only the last leaf's own proof never reads the right edge; make sure
  // the source really holds `size` leaves.
  if (!touched_last_leaf) {
    Status s = RequireLeaves(size, source);
    if (!s.ok()) return s.WithContext(context);
  }
  std::reverse(path.begin(), path.end());
  return path;
}

StatusOr<std::vector<Hash256>> ConsistencyProof(uint64_t size1, uint64_t size2,
                                                NodeSource& source) {
  if (size1 == 0) {
    return InvalidArgumentError(
        "consistency proof from size 0: the empty tree is a prefix of every "
        "tree, there is nothing to prove");
  }
  if (size1 > size2) {
    return InvalidArgumentError("consistency proof: size1 " + Str(size1) +
                                " is greater than size2 " + Str(size2));
  }
  const std::string context =
      "consistency proof from tree size " + Str(size1) + " to " + Str(size2);
  if (size1 == size2) {
    Status s = RequireLeaves(size2, source);
    if (!s.ok()) return s.WithContext(context);
    return std::vector<Hash256>();
  }
  // SUBPROOF(m, D[lo:hi], b) unrolled. `m` counts the old tree's leaves
  // within [lo, hi); `complete` is b: true while [lo, lo + m) is the whole
  // old tree's root position, i.e. until the first step to the right.
  std::vector<Hash256> siblings;
  siblings.reserve(std::bit_width(size2));
  uint64_t lo = 0;
  uint64_t hi = size2;
  uint64_t m = size1;
  bool complete = true;
  while (m != hi - lo) {
    const uint64_t k = std::bit_floor(hi - lo - 1);
    const bool go_left = m <= k;
    StatusOr<Hash256> sibling =
        go_left ? RangeHash(lo + k, hi, source) : RangeHash(lo, lo + k, source);
    if (!sibling.ok()) return sibling.status().WithContext(context);
    if (go_left) {
      hi = lo + k;
    } else {
      lo += k;
      m -= k;
      complete = false;
    }
    siblings.push_back(*sibling);
  }
  std::vector<Hash256> proof;
  proof.reserve(siblings.size() + 1);
  if (!complete) {
    StatusOr<Hash256> subtree = RangeHash(lo, hi, source);
    if (!subtree.ok()) return subtree.status().WithContext(context);
    proof.push_back(*subtree);
  }
  proof.insert(proof.end(), siblings.rbegin(), siblings.rend());
  return proof;
}

}  // namespace consilium::merkle
