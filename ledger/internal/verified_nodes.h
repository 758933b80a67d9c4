// Subtree hashes that a served proof's full check has already verified
// against the root of one tree size, so the next proof at that size stops
// hashing where its path meets one (docs/verification.md, "What reads
// check"). The checks keep their verdicts; only the work shrinks.
//
// Every value in an RFC 9162 proof check is MTH(D[a:b]) for a known range
// [a, b) of leaves: the leaf, each served sibling, each node computed on the
// way up, the root [0, size). Once a full check has recomputed a path to a
// root that was accepted (and compared with the checkpoint of that size),
// every value on that path is the tree's value for its range: two paths
// that hash to the same root agree on every range they share, or SHA-256
// has a collision. A later proof is accepted early at level i only when the
// node it computed there and every served sibling above it equal verified
// values; the chain above is then the verified one, which hashes to the
// root. Anything else (a sibling or node that differs, a different size or
// root) falls through to the full check, with its messages unchanged.
//
// The values belong to one tree size and its root (the largest size a full
// check accepted, so a head that moves takes the cache along; a smaller
// size is checked in full); Reset() drops them when the stored nodes are
// rewritten (RepairIndexes). Bounded: at most `capacity` values in a
// direct-mapped table where a wider range wins a slot, so a full cache
// keeps the levels every proof shares.
//
// Thread-safety: all members may be called concurrently; hashing happens
// outside the lock.
//
//   VerifiedNodes v;
//   auto gen = v.generation();               // before reading the nodes
//   if (!v.ConfirmsInclusion(i, n, leaf, proof, root)) {
//     full check; then v.AddInclusion(gen, i, n, leaf, proof, root);
//   }
#ifndef CONSILIUM_LEDGER_INTERNAL_VERIFIED_NODES_H_
#define CONSILIUM_LEDGER_INTERNAL_VERIFIED_NODES_H_

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "common/hash.h"

namespace consilium::ledger_internal {

class VerifiedNodes {
 public:
  // 4,096 slots of 56 bytes (224 KiB, within a core's L2): the top 12
  // levels of any tree.
  static constexpr size_t kDefaultCapacity = size_t{1} << 12;
  // `capacity` is rounded up to a power of two.
  explicit VerifiedNodes(size_t capacity = kDefaultCapacity)
      : capacity_(std::bit_ceil(std::max<size_t>(capacity, 1))) {}

  // True when the inclusion proof of leaf `index` (hash `leaf`) in the tree
  // of `size` with root `root` is shown valid by verified values; the
  // values it computed on the way are added. False says nothing: the caller
  // runs the full check (CheckServedInclusion).
  bool ConfirmsInclusion(uint64_t index, uint64_t size, const Hash256& leaf,
                         std::span<const Hash256> proof, const Hash256& root);
  // The same for a consistency proof from size1 to size2, where root2 must
  // be the verified root of size2 and `edge1` is the tree of size1's right
  // edge as read from the stored nodes (CompactRange::hashes()). root1 is
  // always recomputed: the proof's hashes that make it (the RFC's `fr`)
  // must be `edge1`'s, and then their fold is both the served root1 and
  // the proof's recomputation of it, so it is computed once, into *root1.
  bool ConfirmsConsistency(uint64_t size1, uint64_t size2,
                           std::span<const Hash256> proof,
                           std::span<const Hash256> edge1, const Hash256& root2,
                           Hash256* root1);

  // After a full check of the same arguments passed (and the root was
  // compared with a stored checkpoint of that size, if any): records `root`
  // for `size` and the path's values, unless Reset() was called since
  // `generation` was read (the values may come from the nodes it replaced).
  void AddInclusion(uint64_t generation, uint64_t index, uint64_t size,
                    const Hash256& leaf, std::span<const Hash256> proof,
                    const Hash256& root);
  void AddConsistency(uint64_t generation, uint64_t size1, uint64_t size2,
                      std::span<const Hash256> proof, const Hash256& root1,
                      const Hash256& root2);

  // Read before the proof reads any node.
  uint64_t generation() const;
  // Drops every value (the stored nodes were rewritten).
  void Reset();

  // Number of values held (tests).
  size_t size() const;
  // Ends of the last confirmation: the steps hashed and the path's length
  // (tests: a proof at a verified size stops early).
  struct LastWalk {
    size_t hashed = 0;
    size_t steps = 0;
  };
  LastWalk last_walk() const;

 private:
  struct Range {
    uint64_t a, b;
    bool operator==(const Range&) const = default;
  };
  struct RangeHasher {
    // splitmix64's finalizer over both ends: the ranges of one path share
    // their bits, and a weak mix put them in few buckets.
    size_t operator()(const Range& r) const {
      uint64_t h = r.a * 0x9E3779B97F4A7C15ULL ^ (r.b + 0x632BE59BD9B4E019ULL);
      h ^= h >> 30;
      h *= 0xBF58476D1CE4E5B9ULL;
      h ^= h >> 27;
      h *= 0x94D049BB133111EBULL;
      return static_cast<size_t>(h ^ (h >> 31));
    }
  };
  // One step of a path, bottom-up: the sibling's range and side, and the
  // parent's range.
  struct Step {
    Range sibling;
    bool sibling_left;
    Range parent;
  };
  static constexpr size_t kMaxSteps = 64;
  // The path from the perfect node (level, index) to the root of `size`;
  // returns the number of steps (fills steps[0..] bottom-up) or SIZE_MAX
  // when the node is not in the tree.
  static size_t PathOf(uint32_t level, uint64_t index, uint64_t size,
                       Step* steps);
  bool Confirms(uint64_t size, const Hash256& root, Range start_range,
                const Hash256& start, std::span<const Step> steps,
                std::span<const Hash256> siblings);
  void Add(uint64_t generation, uint64_t size, const Hash256& root,
           Range start_range, const Hash256& start, std::span<const Step> steps,
           std::span<const Hash256> siblings);
  void InsertLocked(const Range& r, const Hash256& h);
  const Hash256* FindLocked(const Range& r) const;

  // A direct-mapped table: one slot per hash of the range, no allocation
  // after the first use. A wider range takes a slot from a narrower one,
  // never the reverse, so the upper levels every proof shares stay. A slot
  // holds a value only when its epoch is the table's: a new size or Reset()
  // empties the table by bumping the epoch, not by writing every slot (a
  // head that moves changes the size with each proof).
  struct Slot {
    Range range{0, 0};
    uint64_t epoch = 0;
    Hash256 hash{};
  };
  bool LiveLocked(const Slot& s) const { return s.epoch == epoch_; }
  const size_t capacity_;  // a power of two
  mutable std::mutex mu_;
  uint64_t generation_ = 0;
  uint64_t size_ = 0;  // the tree the values belong to; 0: none
  Hash256 root_{};
  std::vector<Slot> slots_;  // empty until the first value
  uint64_t epoch_ = 1;
  size_t held_ = 0;
  LastWalk last_walk_;
};

}  // namespace consilium::ledger_internal

#endif  // CONSILIUM_LEDGER_INTERNAL_VERIFIED_NODES_H_
