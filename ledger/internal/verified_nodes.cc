#include "ledger/internal/verified_nodes.h"

#include <algorithm>
#include <array>
#include <bit>

namespace consilium::ledger_internal {

size_t VerifiedNodes::PathOf(uint32_t level, uint64_t index, uint64_t size,
                             Step* steps) {
  if (level >= 64 || index >= (uint64_t{1} << (63 - level))) return SIZE_MAX;
  const Range target{index << level, (index + 1) << level};
  if (target.b > size) return SIZE_MAX;
  // Top-down through RFC 9162's split (the largest power of two below the
  // width), then reversed: a perfect aligned range is always a node.
  std::array<Step, kMaxSteps> down;
  size_t n = 0;
  Range cur{0, size};
  while (cur != target) {
    const uint64_t width = cur.b - cur.a;
    if (width <= 1 || n == kMaxSteps) return SIZE_MAX;
    const uint64_t split = cur.a + std::bit_floor(width - 1);
    Step& s = down[n++];
    s.parent = cur;
    if (target.a < split) {
      s.sibling = {split, cur.b};
      s.sibling_left = false;
      cur = {cur.a, split};
    } else {
      s.sibling = {cur.a, split};
      s.sibling_left = true;
      cur = {split, cur.b};
    }
    if (target.b > cur.b) return SIZE_MAX;
  }
  std::reverse_copy(down.begin(), down.begin() + n, steps);
  return n;
}

bool VerifiedNodes::Confirms(uint64_t size, const Hash256& root,
                             Range start_range, const Hash256& start,
                             std::span<const Step> steps,
                             std::span<const Hash256> siblings) {
  const size_t k = steps.size();
  if (siblings.size() != k) return false;
  // What is known about the path, read under the lock; hashing outside it.
  // above[i]: every served sibling from step i up equals its verified
  // value. node[i]: the verified value of the node below step i (step k:
  // the root), when held.
  std::array<bool, kMaxSteps + 1> above{};
  std::array<const Hash256*, kMaxSteps + 1> node{};
  std::array<Hash256, kMaxSteps + 1> node_value;
  uint64_t generation;
  {
    std::lock_guard l(mu_);
    if (size_ != size || root_ != root) return false;
    generation = generation_;
    above[k] = true;
    node_value[k] = root_;
    node[k] = &node_value[k];
    for (size_t i = k; i-- > 0;) {
      const Hash256* h = FindLocked(steps[i].sibling);
      above[i] = h != nullptr && *h == siblings[i];
      if (!above[i]) break;
      if (const Hash256* n =
              FindLocked(i == 0 ? start_range : steps[i - 1].parent)) {
        node_value[i] = *n;
        node[i] = &node_value[i];
      }
    }
  }
  // Up from the start until a verified node with verified siblings above
  // it; at the root (always verified) this is the full RFC recomputation.
  std::array<Hash256, kMaxSteps + 1> computed;
  computed[0] = start;
  size_t met = 0;
  size_t last_hashed = 0;
  for (size_t i = 0;; ++i) {
    if (above[i] && node[i] != nullptr) {
      if (*node[i] != computed[i]) return false;  // the full check says why
      met = i;
      break;
    }
    // Unreachable: step k always stops above.
    if (i == k) return false;
    last_hashed = i + 1;
    computed[i + 1] = steps[i].sibling_left
                          ? NodeHash(siblings[i], computed[i])
                          : NodeHash(computed[i], siblings[i]);
  }
  // Everything below the node met hashes to it: verified now. Only the
  // level just below it is added (the node and its sibling): a lookup in
  // the table costs about what a node hash does, so the verified frontier
  // grows down one level per proof where proofs are dense instead of
  // filling the table with leaves that random proofs rarely meet again.
  std::lock_guard l(mu_);
  last_walk_ = {last_hashed, k};
  if (generation_ != generation || size_ != size || root_ != root) return true;
  if (met > 0) {
    InsertLocked(steps[met - 1].sibling, siblings[met - 1]);
    InsertLocked(met == 1 ? start_range : steps[met - 2].parent,
                 computed[met - 1]);
  }
  return true;
}

void VerifiedNodes::Add(uint64_t generation, uint64_t size, const Hash256& root,
                        Range start_range, const Hash256& start,
                        std::span<const Step> steps,
                        std::span<const Hash256> siblings) {
  if (siblings.size() != steps.size()) return;
  std::lock_guard l(mu_);
  if (generation_ != generation) return;
  if (size != size_) {
    // The cache follows the largest tree a full check accepted.
    if (size < size_) return;
    ++epoch_;
    held_ = 0;
    size_ = size;
    root_ = root;
  } else if (root != root_) {
    return;  // not the verified root of this size: keep what is held
  }
  // The served siblings and the start passed the full check: they are the
  // tree's values (no hashing here; Confirms adds the computed nodes).
  for (size_t i = steps.size(); i-- > 0;) {
    InsertLocked(steps[i].sibling, siblings[i]);
  }
  InsertLocked(start_range, start);
}

void VerifiedNodes::InsertLocked(const Range& r, const Hash256& h) {
  if (slots_.empty()) slots_.resize(capacity_);
  Slot& s = slots_[RangeHasher()(r) & (capacity_ - 1)];
  const bool live = LiveLocked(s);
  if (live && s.range == r) return;
  if (live && s.range.b - s.range.a > r.b - r.a) return;
  held_ += live ? 0 : 1;
  s.range = r;
  s.epoch = epoch_;
  s.hash = h;
}

const Hash256* VerifiedNodes::FindLocked(const Range& r) const {
  if (slots_.empty()) return nullptr;
  const Slot& s = slots_[RangeHasher()(r) & (capacity_ - 1)];
  return LiveLocked(s) && s.range == r ? &s.hash : nullptr;
}

bool VerifiedNodes::ConfirmsInclusion(uint64_t index, uint64_t size,
                                      const Hash256& leaf,
                                      std::span<const Hash256> proof,
                                      const Hash256& root) {
  std::array<Step, kMaxSteps> steps;
  const size_t k = PathOf(0, index, size, steps.data());
  if (k == SIZE_MAX || k != proof.size()) return false;
  return Confirms(size, root, {index, index + 1}, leaf,
                  std::span<const Step>(steps.data(), k), proof);
}

void VerifiedNodes::AddInclusion(uint64_t generation, uint64_t index,
                                 uint64_t size, const Hash256& leaf,
                                 std::span<const Hash256> proof,
                                 const Hash256& root) {
  std::array<Step, kMaxSteps> steps;
  const size_t k = PathOf(0, index, size, steps.data());
  if (k == SIZE_MAX) return;
  Add(generation, size, root, {index, index + 1}, leaf,
      std::span<const Step>(steps.data(), k), proof);
}

namespace {

// RFC 9162 section 2.1.4: the proof from size1 (0 < size1 < size2) starts
// at the perfect node ending at size1 (level countr_zero(size1)); when
// size1 is a power of two that node is root1 itself, otherwise the proof's
// first hash.
struct ConsistencyStart {
  uint32_t level;
  uint64_t index;
  bool prepend;
};
ConsistencyStart StartOf(uint64_t size1) {
  const auto level = static_cast<uint32_t>(std::countr_zero(size1));
  return {level, (size1 - 1) >> level, std::has_single_bit(size1)};
}

}  // namespace

bool VerifiedNodes::ConfirmsConsistency(uint64_t size1, uint64_t size2,
                                        std::span<const Hash256> proof,
                                        std::span<const Hash256> edge1,
                                        const Hash256& root2, Hash256* root1) {
  if (size1 == 0 || size1 >= size2) return false;
  if (edge1.size() != static_cast<size_t>(std::popcount(size1))) return false;
  const ConsistencyStart s = StartOf(size1);
  if (!s.prepend && proof.empty()) return false;
  // With size1 a power of two the start is root1 itself (edge1's one hash).
  const Hash256& start = s.prepend ? edge1[0] : proof[0];
  std::span<const Hash256> siblings = s.prepend ? proof : proof.subspan(1);
  std::array<Step, kMaxSteps> steps;
  const size_t k = PathOf(s.level, s.index, size2, steps.data());
  if (k == SIZE_MAX || k != siblings.size()) return false;
  // The RFC's `fr`: the start folded with the siblings on its left, which
  // are edge1's hashes from the smallest up; CompactRange::Root() folds
  // the same values in the same order.
  size_t e = edge1.size() - 1;
  if (start != edge1[e]) return false;
  Hash256 fr = start;
  for (size_t i = 0; i < k; ++i) {
    if (!steps[i].sibling_left) continue;
    if (e == 0 || siblings[i] != edge1[--e]) return false;
    fr = NodeHash(siblings[i], fr);
  }
  if (e != 0) return false;
  const Range start_range{s.index << s.level, (s.index + 1) << s.level};
  if (!Confirms(size2, root2, start_range, start,
                std::span<const Step>(steps.data(), k), siblings)) {
    return false;
  }
  *root1 = fr;
  return true;
}

void VerifiedNodes::AddConsistency(uint64_t generation, uint64_t size1,
                                   uint64_t size2,
                                   std::span<const Hash256> proof,
                                   const Hash256& root1, const Hash256& root2) {
  if (size1 == 0 || size1 >= size2) return;
  const ConsistencyStart s = StartOf(size1);
  if (!s.prepend && proof.empty()) return;
  const Hash256& start = s.prepend ? root1 : proof[0];
  std::span<const Hash256> siblings = s.prepend ? proof : proof.subspan(1);
  std::array<Step, kMaxSteps> steps;
  const size_t k = PathOf(s.level, s.index, size2, steps.data());
  if (k == SIZE_MAX || k != siblings.size()) return;
  Add(generation, size2, root2, {s.index << s.level, (s.index + 1) << s.level},
      start, std::span<const Step>(steps.data(), k), siblings);
}

uint64_t VerifiedNodes::generation() const {
  std::lock_guard l(mu_);
  return generation_;
}

void VerifiedNodes::Reset() {
  std::lock_guard l(mu_);
  ++generation_;
  size_ = 0;
  root_ = Hash256{};
  ++epoch_;
  held_ = 0;
}

size_t VerifiedNodes::size() const {
  std::lock_guard l(mu_);
  return held_;
}

VerifiedNodes::LastWalk VerifiedNodes::last_walk() const {
  std::lock_guard l(mu_);
  return last_walk_;
}

}  // namespace consilium::ledger_internal
