#include "ledger/proof_verifier.h"

#include <bit>
#include <string>

namespace consilium::merkle {

namespace {

std::string Str(uint64_t n) { return std::to_string(n); }

std::string Hashes(size_t n) { return Str(n) + (n == 1 ? " hash" : " hashes"); }

// Splits an inclusion proof for `index` in a tree of `size` (index < size)
// into the hashes below the point where the leaf's path leaves the
// right edge (`inner`) and the perfect left subtrees above it (`border`).
struct ProofShape {
  size_t inner;
  size_t border;
};
ProofShape Decompose(uint64_t index, uint64_t size) {
  const auto inner = static_cast<size_t>(std::bit_width(index ^ (size - 1)));
  // inner is 64 only for index 0, whose border is empty (and a shift by 64
  // would be undefined).
  const auto border = inner >= 64
                          ? size_t{0}
                          : static_cast<size_t>(std::popcount(index >> inner));
  return {inner, border};
}

}  // namespace

size_t InclusionProofLength(uint64_t index, uint64_t size) {
  if (index >= size) return 0;
  const ProofShape shape = Decompose(index, size);
  return shape.inner + shape.border;
}

size_t ConsistencyProofLength(uint64_t size1, uint64_t size2) {
  if (size1 == 0 || size1 >= size2) return 0;
  // The old root is the node at `level` whose last leaf is size1 - 1; the
  // proof is that node's inclusion proof in the new tree, taken at that
  // level, plus the node itself unless it is the old tree's whole root
  // (size1 a power of two), which the verifier already holds.
  const int level = std::countr_zero(size1);
  const uint64_t index = (size1 - 1) >> level;
  const ProofShape shape = Decompose(index, ((size2 - 1) >> level) + 1);
  return (index != 0 ? 1 : 0) + shape.inner + shape.border;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash256& leaf_hash,
                       std::span<const Hash256> proof, const Hash256& root) {
  if (index >= size) {
    return InvalidArgumentError("leaf index " + Str(index) +
                                " is not below tree size " + Str(size));
  }
  const size_t want = InclusionProofLength(index, size);
  if (proof.size() != want) {
    return InvalidArgumentError("proof has " + Hashes(proof.size()) +
                                ", expected " + Str(want) + " for index " +
                                Str(index) + " in a tree of " + Str(size));
  }
  // RFC 9162 section 2.1.3.2, step by step.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash256 r = leaf_hash;
  for (const Hash256& p : proof) {
    // The length check above makes this unreachable; it is the RFC's own
    // guard, kept so the loop is correct on its own.
    if (sn == 0) {
      return InvalidArgumentError("proof is longer than the path of index " +
                                  Str(index) + " in a tree of " + Str(size));
    }
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return InvalidArgumentError("proof is shorter than the path of index " +
                                Str(index) + " in a tree of " + Str(size));
  }
  if (r != root) {
    return DataLossError("computed root " + ToHex(r) +
                         " does not match expected root " + ToHex(root) +
                         " (leaf " + Str(index) + " in a tree of " + Str(size) +
                         ")");
  }
  return OkStatus();
}

Status VerifyConsistency(uint64_t size1, uint64_t size2,
                         std::span<const Hash256> proof, const Hash256& root1,
                         const Hash256& root2) {
  if (size1 == 0) {
    return InvalidArgumentError(
        "consistency from tree size 0 proves nothing: the empty tree is a "
        "prefix of every tree");
  }
  if (size1 > size2) {
    return InvalidArgumentError("size1 " + Str(size1) +
                                " is greater than size2 " + Str(size2));
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return InvalidArgumentError("sizes are equal (" + Str(size1) +
                                  ") but the proof has " +
                                  Hashes(proof.size()) + ", expected none");
    }
    if (root1 != root2) {
      return DataLossError("sizes are equal (" + Str(size1) + ") but root1 " +
                           ToHex(root1) + " differs from root2 " +
                           ToHex(root2));
    }
    return OkStatus();
  }
  const size_t want = ConsistencyProofLength(size1, size2);
  if (proof.size() != want) {
    return InvalidArgumentError(
        "proof has " + Hashes(proof.size()) + ", expected " + Str(want) +
        " for consistency from tree size " + Str(size1) + " to " + Str(size2));
  }
  // RFC 9162 section 2.1.4.2. Step 2 prepends root1 when size1 is a power
  // of two; `path(i)` reads the path with that prefix applied.
  const bool prepend = std::has_single_bit(size1);
  const size_t n = proof.size() + (prepend ? 1 : 0);
  auto path = [&](size_t i) -> const Hash256& {
    if (prepend) return i == 0 ? root1 : proof[i - 1];
    return proof[i];
  };
  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash256 fr = path(0);
  Hash256 sr = path(0);
  for (size_t i = 1; i < n; ++i) {
    const Hash256& c = path(i);
    // Unreachable after the length check; the RFC's own guard.
    if (sn == 0) {
      return InvalidArgumentError(
          "proof is longer than needed for consistency from tree size " +
          Str(size1) + " to " + Str(size2));
    }
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return InvalidArgumentError(
        "proof is shorter than needed for consistency from tree size " +
        Str(size1) + " to " + Str(size2));
  }
  if (fr != root1) {
    return DataLossError("computed root1 " + ToHex(fr) +
                         " does not match expected root1 " + ToHex(root1) +
                         " (tree size " + Str(size1) + ")");
  }
  if (sr != root2) {
    return DataLossError("computed root2 " + ToHex(sr) +
                         " does not match expected root2 " + ToHex(root2) +
                         " (tree size " + Str(size2) + ")");
  }
  return OkStatus();
}

}  // namespace consilium::merkle
