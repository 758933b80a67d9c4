// VerifiedNodes (ledger/internal/verified_nodes.h): a proof may stop at a
// node an earlier full check verified, and is then accepted exactly when
// the full RFC 9162 check would accept it. Every proof of small trees is
// checked cold and warm, and with each served hash, the leaf and the root
// altered: an altered value is never confirmed (the caller's full check
// then reports it).
#include "ledger/internal/verified_nodes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ledger/merkle.h"
#include "ledger/proof_verifier.h"

namespace consilium::ledger_internal {
namespace {

Hash256 Leaf(uint64_t i) {
  return LeafHash(AsBytes("event " + std::to_string(i)));
}

merkle::MemoryNodeSource Tree(uint64_t n) {
  merkle::MemoryNodeSource t;
  for (uint64_t i = 0; i < n; ++i) t.Append(Leaf(i));
  return t;
}

Hash256 Flip(Hash256 h) {
  h[7] ^= 0x40;
  return h;
}

// Every leaf's proof: warm the cache with full checks of some, then every
// proof is confirmed, and any altered value is not.
TEST(VerifiedNodesTest, InclusionIsConfirmedExactlyWhenTheFullCheckPasses) {
  for (uint64_t n : {1, 2, 3, 5, 8, 12, 13, 31, 64, 70}) {
    merkle::MemoryNodeSource t = Tree(n);
    const Hash256 root = t.Root();
    VerifiedNodes v(256);
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = merkle::InclusionProof(i, n, t);
      ASSERT_TRUE(proof.ok());
      ASSERT_TRUE(merkle::VerifyInclusion(i, n, Leaf(i), *proof, root).ok());
      const bool confirmed = v.ConfirmsInclusion(i, n, Leaf(i), *proof, root);
      // The cold cache knows no root: the first proof needs the full check.
      if (i == 0) {
        EXPECT_FALSE(confirmed) << n;
      }
      if (!confirmed)
        v.AddInclusion(v.generation(), i, n, Leaf(i), *proof, root);
      // Once any proof of this size was fully checked, every correct proof
      // is confirmed (at the latest at the root).
      EXPECT_TRUE(v.ConfirmsInclusion(i, n, Leaf(i), *proof, root))
          << n << " " << i;
      EXPECT_FALSE(v.ConfirmsInclusion(i, n, Flip(Leaf(i)), *proof, root));
      EXPECT_FALSE(v.ConfirmsInclusion(i, n, Leaf(i), *proof, Flip(root)));
      for (size_t k = 0; k < proof->size(); ++k) {
        auto bad = *proof;
        bad[k] = Flip(bad[k]);
        EXPECT_FALSE(v.ConfirmsInclusion(i, n, Leaf(i), bad, root))
            << "size " << n << " leaf " << i << " hash " << k;
        EXPECT_EQ(merkle::VerifyInclusion(i, n, Leaf(i), bad, root).code(),
                  StatusCode::kDataLoss);
      }
      if (!proof->empty()) {
        auto shorter = *proof;
        shorter.pop_back();
        EXPECT_FALSE(v.ConfirmsInclusion(i, n, Leaf(i), shorter, root));
      }
    }
  }
}

TEST(VerifiedNodesTest, WarmProofsStopBelowTheRoot) {
  const uint64_t n = 1000;
  merkle::MemoryNodeSource t = Tree(n);
  VerifiedNodes v;
  for (uint64_t i = 0; i < n; ++i) {
    auto proof = merkle::InclusionProof(i, n, t);
    ASSERT_TRUE(proof.ok());
    if (!v.ConfirmsInclusion(i, n, Leaf(i), *proof, t.Root())) {
      v.AddInclusion(v.generation(), i, n, Leaf(i), *proof, t.Root());
    }
  }
  // Leaf 500's sibling and parent were verified by the walk above.
  auto proof = merkle::InclusionProof(500, n, t);
  ASSERT_TRUE(proof.ok());
  ASSERT_TRUE(v.ConfirmsInclusion(500, n, Leaf(500), *proof, t.Root()));
  EXPECT_EQ(v.last_walk().steps, proof->size());
  EXPECT_LT(v.last_walk().hashed, v.last_walk().steps);
  // A sibling altered at the bottom is still found (its parent is
  // verified: the recomputed parent differs).
  auto bad = *proof;
  bad[0] = Flip(bad[0]);
  EXPECT_FALSE(v.ConfirmsInclusion(500, n, Leaf(500), bad, t.Root()));
  EXPECT_FALSE(v.ConfirmsInclusion(500, n, Flip(Leaf(500)), *proof, t.Root()));
  bad = *proof;
  bad.back() = Flip(bad.back());
  EXPECT_FALSE(v.ConfirmsInclusion(500, n, Leaf(500), bad, t.Root()));
}

TEST(VerifiedNodesTest, ConsistencyIsConfirmedExactlyWhenTheFullCheckPasses) {
  for (uint64_t n : {2, 3, 7, 8, 12, 33, 64, 70}) {
    merkle::MemoryNodeSource t = Tree(n);
    const Hash256 root2 = t.Root();
    VerifiedNodes v(128);
    for (uint64_t m = 1; m < n; ++m) {
      auto proof = merkle::ConsistencyProof(m, n, t);
      ASSERT_TRUE(proof.ok());
      auto edge = merkle::CompactRange::Load(m, t);
      ASSERT_TRUE(edge.ok());
      const Hash256 root1 = edge->Root();
      ASSERT_TRUE(merkle::VerifyConsistency(m, n, *proof, root1, root2).ok());
      Hash256 got{};
      if (!v.ConfirmsConsistency(m, n, *proof, edge->hashes(), root2, &got)) {
        v.AddConsistency(v.generation(), m, n, *proof, root1, root2);
      }
      got = Hash256{};
      EXPECT_TRUE(
          v.ConfirmsConsistency(m, n, *proof, edge->hashes(), root2, &got))
          << n << " " << m;
      EXPECT_EQ(got, root1);
      EXPECT_FALSE(v.ConfirmsConsistency(m, n, *proof, edge->hashes(),
                                         Flip(root2), &got));
      for (size_t k = 0; k < proof->size(); ++k) {
        auto bad = *proof;
        bad[k] = Flip(bad[k]);
        EXPECT_FALSE(
            v.ConfirmsConsistency(m, n, bad, edge->hashes(), root2, &got))
            << "sizes " << m << " " << n << " hash " << k;
      }
      for (size_t k = 0; k < edge->hashes().size(); ++k) {
        std::vector<Hash256> e(edge->hashes().begin(), edge->hashes().end());
        e[k] = Flip(e[k]);
        EXPECT_FALSE(v.ConfirmsConsistency(m, n, *proof, e, root2, &got));
      }
    }
  }
}

// Values are kept for one size (the largest fully checked) and dropped by
// Reset(); an Add carrying a generation from before a Reset is ignored.
TEST(VerifiedNodesTest, ResetAndStaleGenerationsDropValues) {
  merkle::MemoryNodeSource t = Tree(16);
  auto proof = merkle::InclusionProof(3, 16, t);
  ASSERT_TRUE(proof.ok());
  VerifiedNodes v;
  const uint64_t before = v.generation();
  v.AddInclusion(before, 3, 16, Leaf(3), *proof, t.Root());
  EXPECT_GT(v.size(), 0u);
  EXPECT_TRUE(v.ConfirmsInclusion(3, 16, Leaf(3), *proof, t.Root()));
  v.Reset();
  EXPECT_EQ(v.size(), 0u);
  EXPECT_FALSE(v.ConfirmsInclusion(3, 16, Leaf(3), *proof, t.Root()));
  v.AddInclusion(before, 3, 16, Leaf(3), *proof, t.Root());
  EXPECT_EQ(v.size(), 0u);
  // A smaller size does not displace the larger one.
  v.AddInclusion(v.generation(), 3, 16, Leaf(3), *proof, t.Root());
  merkle::MemoryNodeSource small = Tree(9);
  auto p9 = merkle::InclusionProof(3, 9, small);
  ASSERT_TRUE(p9.ok());
  v.AddInclusion(v.generation(), 3, 9, Leaf(3), *p9, small.Root());
  EXPECT_FALSE(v.ConfirmsInclusion(3, 9, Leaf(3), *p9, small.Root()));
  EXPECT_TRUE(v.ConfirmsInclusion(3, 16, Leaf(3), *proof, t.Root()));
  // A larger size (a head that moved) replaces the held values.
  const size_t held16 = v.size();
  merkle::MemoryNodeSource big = Tree(20);
  auto p20 = merkle::InclusionProof(3, 20, big);
  ASSERT_TRUE(p20.ok());
  v.AddInclusion(v.generation(), 3, 20, Leaf(3), *p20, big.Root());
  EXPECT_EQ(v.size(), p20->size() + 1);
  EXPECT_GT(held16, 0u);
  EXPECT_TRUE(v.ConfirmsInclusion(3, 20, Leaf(3), *p20, big.Root()));
  EXPECT_FALSE(v.ConfirmsInclusion(3, 16, Leaf(3), *proof, t.Root()));
}

}  // namespace
}  // namespace consilium::ledger_internal
