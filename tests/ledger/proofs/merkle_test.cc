// ledger/merkle.h and ledger/proof_verifier.h against RFC 9162 taken
// literally: a naive recursive MTH, PATH and SUBPROOF over a leaf list,
// random trees up to 10,000 leaves, tampering, and read counts.
//
// Randomized tests print their seed on failure; rerun one with
// CONSILIUM_TEST_SEED=<seed>.
#include "ledger/merkle.h"

#include <bit>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "common/hash.h"
#include "gtest/gtest.h"
#include "ledger/proof_verifier.h"

namespace consilium::merkle {
namespace {

// ---- RFC 9162 section 2.1, literally ------------------------------------

using Leaves = std::vector<Hash256>;

Hash256 NaiveMth(const Leaves& d, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (n == 0) return EmptyTreeHash();
  if (n == 1) return d[begin];
  const uint64_t k = std::bit_floor(n - 1);
  return NodeHash(NaiveMth(d, begin, begin + k), NaiveMth(d, begin + k, end));
}

// PATH(m, D[begin:end]).
Leaves NaivePath(uint64_t m, const Leaves& d, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (n == 1) return {};
  const uint64_t k = std::bit_floor(n - 1);
  Leaves out;
  if (m < k) {
    out = NaivePath(m, d, begin, begin + k);
    out.push_back(NaiveMth(d, begin + k, end));
  } else {
    out = NaivePath(m - k, d, begin + k, end);
    out.push_back(NaiveMth(d, begin, begin + k));
  }
  return out;
}

// SUBPROOF(m, D[begin:end], b).
Leaves NaiveSubproof(uint64_t m, const Leaves& d, uint64_t begin, uint64_t end,
                     bool b) {
  const uint64_t n = end - begin;
  if (m == n) return b ? Leaves{} : Leaves{NaiveMth(d, begin, end)};
  const uint64_t k = std::bit_floor(n - 1);
  Leaves out;
  if (m <= k) {
    out = NaiveSubproof(m, d, begin, begin + k, b);
    out.push_back(NaiveMth(d, begin + k, end));
  } else {
    out = NaiveSubproof(m - k, d, begin + k, end, false);
    out.push_back(NaiveMth(d, begin, begin + k));
  }
  return out;
}

// ---- Helpers ----------------------------------------------------------------

uint64_t TestSeed() {
  if (const char* s = std::getenv("CONSILIUM_TEST_SEED")) {
    return std::strtoull(s, nullptr, 10);
  }
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) | rd();
}

std::string SeedTrace(uint64_t seed) {
  return "seed " + std::to_string(seed) +
         " (rerun with CONSILIUM_TEST_SEED=" + std::to_string(seed) + ")";
}

// Distinct leaves (like events, which carry their sequence number and
// predecessor's hash): equal neighbours would make a swapped index verify.
Leaves RandomLeaves(std::mt19937_64& rng, size_t n) {
  Leaves leaves;
  leaves.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    std::string data(rng() % 64, '\0');
    for (char& c : data) c = static_cast<char>(rng());
    data += "#" + std::to_string(i);
    leaves.push_back(LeafHash(AsBytes(data)));
  }
  return leaves;
}

MemoryNodeSource Build(const Leaves& leaves) {
  MemoryNodeSource nodes;
  for (const Hash256& leaf : leaves) nodes.Append(leaf);
  return nodes;
}

// Counts PerfectSubtree reads through to another source.
class CountingNodeSource : public NodeSource {
 public:
  explicit CountingNodeSource(NodeSource& inner) : inner_(inner) {}
  StatusOr<Hash256> PerfectSubtree(uint32_t level, uint64_t index) override {
    ++reads_;
    return inner_.PerfectSubtree(level, index);
  }
  int reads() const { return reads_; }
  void Reset() { reads_ = 0; }

 private:
  NodeSource& inner_;
  int reads_ = 0;
};

int CeilLog2(uint64_t n) {
  return n <= 1 ? 0 : static_cast<int>(std::bit_width(n - 1));
}

// The left/right decisions RFC 9162's inclusion verifier makes for (index,
// size): true where the proof hash goes on the left. Two (index, size)
// pairs with the same decisions hash a proof identically, so the verifier
// cannot tell them apart given the same root; the size is pinned by the
// signed checkpoint instead (docs/proofs.md).
std::vector<bool> InclusionShape(uint64_t index, uint64_t size) {
  std::vector<bool> shape;
  uint64_t fn = index;
  uint64_t sn = size - 1;
  for (size_t i = 0; i < InclusionProofLength(index, size); ++i) {
    if ((fn & 1) != 0 || fn == sn) {
      shape.push_back(true);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      shape.push_back(false);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return shape;
}

Hash256 FlipBit(Hash256 h, int bit) {
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

// ---- Known answers (../shared/data/merkle-vectors/README.md) ---------------

Hash256 FromHexOrDie(std::string_view hex) {
  StatusOr<Hash256> h = Hash256FromHex(hex);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return h.ok() ? *h : Hash256{};
}

Leaves StandardLeaves() {
  Leaves leaves;
  for (std::string_view hex :
       {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
        "606162636465666768696a6b6c6d6e6f"}) {
    StatusOr<std::string> raw = FromHex(hex);
    EXPECT_TRUE(raw.ok());
    leaves.push_back(LeafHash(AsBytes(*raw)));
  }
  return leaves;
}

TEST(MerkleKnownAnswerTest, EmptyTreeRootIsSha256OfNothing) {
  const Hash256 want = FromHexOrDie(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(CompactRange().Root(), want);
  MemoryNodeSource nodes;
  StatusOr<Hash256> root = RootAt(0, nodes);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(*root, want);
}

TEST(MerkleKnownAnswerTest, EmptyLeafHash) {
  EXPECT_EQ(ToHex(LeafHash({})),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(MerkleKnownAnswerTest, EightStandardLeavesRoot) {
  const Hash256 want = FromHexOrDie(
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  const Leaves leaves = StandardLeaves();
  MemoryNodeSource nodes = Build(leaves);
  EXPECT_EQ(nodes.Root(), want);
  StatusOr<Hash256> root = RootAt(8, nodes);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(*root, want);
  EXPECT_EQ(NaiveMth(leaves, 0, 8), want);
}

// ---- CompactRange
// -------------------------------------------------------------

TEST(CompactRangeTest, AppendReportsExactlyTheCompletedNodes) {
  std::mt19937_64 rng(7);
  const Leaves leaves = RandomLeaves(rng, 300);
  CompactRange range;
  size_t reported = 0;
  for (uint64_t n = 0; n < leaves.size(); ++n) {
    std::vector<std::pair<uint32_t, uint64_t>> got;
    range.Append(leaves[n], [&](uint32_t level, uint64_t index,
                                const Hash256& hash) {
      got.emplace_back(level, index);
      EXPECT_EQ(hash, NaiveMth(leaves, index << level, (index + 1) << level))
          << "level " << level << " index " << index;
    });
    // Leaf n completes the nodes whose last leaf is n: levels 0 up to the
    // number of trailing one bits of n.
    std::vector<std::pair<uint32_t, uint64_t>> want;
    for (uint32_t level = 0; level <= static_cast<uint32_t>(std::countr_one(n));
         ++level) {
      want.emplace_back(level, n >> level);
    }
    EXPECT_EQ(got, want) << "appending leaf " << n;
    reported += got.size();
  }
  // Amortized: fewer than two nodes per append.
  EXPECT_LT(reported, 2 * leaves.size());
  EXPECT_EQ(range.size(), leaves.size());
}

TEST(CompactRangeTest, AppendSubtreeEqualsAppendingItsLeaves) {
  std::mt19937_64 rng(9);
  const Leaves leaves = RandomLeaves(rng, 8 + 8 + 16 + 32 + 64 + 1);
  // Subtrees of 8, 8, 16, 32 and 64 leaves, then one leaf: each appended
  // where the size is a multiple of its leaf count.
  const std::vector<uint32_t> heights = {3, 3, 4, 5, 6};
  CompactRange by_leaf, by_subtree;
  uint64_t at = 0;
  for (uint32_t height : heights) {
    uint64_t n = uint64_t{1} << height;
    std::vector<std::pair<uint32_t, uint64_t>> want, got;
    for (uint64_t i = at; i < at + n; ++i) {
      by_leaf.Append(leaves[i],
                     [&](uint32_t level, uint64_t index, const Hash256&) {
                       if (level > height) want.emplace_back(level, index);
                     });
    }
    by_subtree.AppendSubtree(
        height, NaiveMth(leaves, at, at + n),
        [&](uint32_t level, uint64_t index, const Hash256& hash) {
          got.emplace_back(level, index);
          EXPECT_EQ(hash,
                    NaiveMth(leaves, index << level, (index + 1) << level));
        });
    at += n;
    EXPECT_EQ(got, want) << "after " << at << " leaves";
    EXPECT_EQ(by_subtree, by_leaf) << "after " << at << " leaves";
    EXPECT_EQ(by_subtree.Root(), NaiveMth(leaves, 0, at));
  }
  by_subtree.AppendSubtree(0, leaves[at],
                           [](uint32_t, uint64_t, const Hash256&) {});
  by_leaf.Append(leaves[at]);
  EXPECT_EQ(by_subtree, by_leaf);
}

TEST(CompactRangeTest, RootEqualsRootAtAndNaiveMthAtEverySize) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(SeedTrace(seed));
  std::mt19937_64 rng(seed);
  const Leaves leaves = RandomLeaves(rng, 1100);
  MemoryNodeSource nodes;
  CompactRange range;
  for (uint64_t n = 0; n <= leaves.size(); ++n) {
    StatusOr<Hash256> at = RootAt(n, nodes);
    ASSERT_TRUE(at.ok()) << at.status().ToString();
    ASSERT_EQ(range.Root(), *at) << "size " << n;
    if (n <= 300 || n % 97 == 0) {
      ASSERT_EQ(range.Root(), NaiveMth(leaves, 0, n)) << "size " << n;
    }
    if (n == leaves.size()) break;
    range.Append(leaves[n]);
    nodes.Append(leaves[n]);
  }
}

TEST(CompactRangeTest, LoadEqualsIncrementallyBuiltRange) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(SeedTrace(seed));
  std::mt19937_64 rng(seed);
  const Leaves leaves = RandomLeaves(rng, 10000);
  MemoryNodeSource nodes = Build(leaves);
  CompactRange range;
  for (uint64_t n = 0; n <= leaves.size(); ++n) {
    if (n <= 2048 || rng() % 16 == 0 || n == leaves.size()) {
      CountingNodeSource counting(nodes);
      StatusOr<CompactRange> loaded = CompactRange::Load(n, counting);
      ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
      ASSERT_TRUE(*loaded == range) << "size " << n;
      ASSERT_EQ(loaded->Root(), range.Root());
      ASSERT_EQ(counting.reads(), std::popcount(n)) << "size " << n;
      // A loaded range keeps appending like the original.
      if (n < leaves.size()) {
        CompactRange continued = *loaded;
        continued.Append(leaves[n]);
        CompactRange original = range;
        original.Append(leaves[n]);
        ASSERT_TRUE(continued == original) << "size " << n;
      }
    }
    if (n < leaves.size()) range.Append(leaves[n]);
  }
}

TEST(CompactRangeTest, LoadBeyondTheSourceIsOutOfRange) {
  std::mt19937_64 rng(1);
  MemoryNodeSource nodes = Build(RandomLeaves(rng, 10));
  StatusOr<CompactRange> loaded = CompactRange::Load(11, nodes);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(loaded.status().message().find("loading compact range of size 11"),
            std::string::npos)
      << loaded.status().message();
}

// ---- Proof generation against RFC 9162 ------------------------------------

TEST(MerkleProofTest, SmallTreesMatchRfcExhaustively) {
  std::mt19937_64 rng(42);
  const Leaves leaves = RandomLeaves(rng, 70);
  MemoryNodeSource nodes = Build(leaves);
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    const Hash256 root = NaiveMth(leaves, 0, size);
    for (uint64_t index = 0; index < size; ++index) {
      StatusOr<Leaves> proof = InclusionProof(index, size, nodes);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      ASSERT_EQ(*proof, NaivePath(index, leaves, 0, size))
          << "index " << index << " size " << size;
      Status s = VerifyInclusion(index, size, leaves[index], *proof, root);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    for (uint64_t size1 = 1; size1 <= size; ++size1) {
      StatusOr<Leaves> proof = ConsistencyProof(size1, size, nodes);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      ASSERT_EQ(*proof, NaiveSubproof(size1, leaves, 0, size, true))
          << "size1 " << size1 << " size2 " << size;
      Status s = VerifyConsistency(size1, size, *proof,
                                   NaiveMth(leaves, 0, size1), root);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }
}

TEST(MerkleProofTest, RandomTreesUpTo10kLeavesVerify) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(SeedTrace(seed));
  std::mt19937_64 rng(seed);
  const Leaves leaves = RandomLeaves(rng, 10000);
  MemoryNodeSource nodes = Build(leaves);
  CountingNodeSource counting(nodes);
  for (int trial = 0; trial < 300; ++trial) {
    const uint64_t size =
        trial == 0 ? leaves.size() : 1 + rng() % leaves.size();
    StatusOr<Hash256> root = RootAt(size, nodes);
    ASSERT_TRUE(root.ok()) << root.status().ToString();
    const uint64_t index = rng() % size;
    const int bound = 2 * CeilLog2(size) + 2;

    counting.Reset();
    StatusOr<Leaves> incl = InclusionProof(index, size, counting);
    ASSERT_TRUE(incl.ok()) << incl.status().ToString();
    EXPECT_LE(counting.reads(), bound) << "index " << index << " size " << size;
    ASSERT_EQ(incl->size(), InclusionProofLength(index, size));
    Status s = VerifyInclusion(index, size, leaves[index], *incl, *root);
    ASSERT_TRUE(s.ok()) << "index " << index << " size " << size << ": "
                        << s.ToString();
    if (trial % 10 == 0) {
      ASSERT_EQ(*incl, NaivePath(index, leaves, 0, size));
    }

    const uint64_t size1 = 1 + rng() % size;
    StatusOr<Hash256> root1 = RootAt(size1, nodes);
    ASSERT_TRUE(root1.ok());
    counting.Reset();
    StatusOr<Leaves> cons = ConsistencyProof(size1, size, counting);
    ASSERT_TRUE(cons.ok()) << cons.status().ToString();
    EXPECT_LE(counting.reads(), bound)
        << "size1 " << size1 << " size2 " << size;
    s = VerifyConsistency(size1, size, *cons, *root1, *root);
    ASSERT_TRUE(s.ok()) << "size1 " << size1 << " size2 " << size << ": "
                        << s.ToString();
    if (trial % 10 == 0) {
      ASSERT_EQ(*cons, NaiveSubproof(size1, leaves, 0, size, true));
    }

    counting.Reset();
    ASSERT_TRUE(RootAt(size, counting).ok());
    EXPECT_EQ(counting.reads(), std::popcount(size));
  }
}

TEST(MerkleProofTest, ReadsStayLogarithmicForEveryLeafOfA10kTree) {
  std::mt19937_64 rng(3);
  const Leaves leaves = RandomLeaves(rng, 10000);
  MemoryNodeSource nodes = Build(leaves);
  CountingNodeSource counting(nodes);
  const uint64_t size = leaves.size();
  const int bound = 2 * CeilLog2(size) + 2;  // 30
  int worst_inclusion = 0;
  int worst_consistency = 0;
  for (uint64_t i = 0; i < size; ++i) {
    counting.Reset();
    ASSERT_TRUE(InclusionProof(i, size, counting).ok());
    worst_inclusion = std::max(worst_inclusion, counting.reads());
    counting.Reset();
    ASSERT_TRUE(ConsistencyProof(i + 1, size, counting).ok());
    worst_consistency = std::max(worst_consistency, counting.reads());
  }
  EXPECT_LE(worst_inclusion, bound);
  EXPECT_LE(worst_consistency, bound);
}

// ---- Tampering
// ---------------------------------------------------------------

TEST(MerkleProofTest, AlteredInclusionProofsAreRejected) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(SeedTrace(seed));
  std::mt19937_64 rng(seed);
  const Leaves leaves = RandomLeaves(rng, 10000);
  MemoryNodeSource nodes = Build(leaves);
  int same_shape_sizes = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const uint64_t size = 2 + rng() % (leaves.size() - 1);
    const uint64_t index = rng() % size;
    SCOPED_TRACE("index " + std::to_string(index) + " size " +
                 std::to_string(size));
    const Hash256 root = *RootAt(size, nodes);
    const Hash256& leaf = leaves[index];
    const Leaves proof = *InclusionProof(index, size, nodes);
    ASSERT_TRUE(VerifyInclusion(index, size, leaf, proof, root).ok());

    // Any bit of any proof element.
    for (size_t e = 0; e < proof.size(); ++e) {
      Leaves bad = proof;
      bad[e] = FlipBit(bad[e], static_cast<int>(rng() % 256));
      EXPECT_EQ(VerifyInclusion(index, size, leaf, bad, root).code(),
                StatusCode::kDataLoss)
          << "element " << e;
    }
    // The leaf and the root.
    EXPECT_EQ(
        VerifyInclusion(index, size, FlipBit(leaf, rng() % 256), proof, root)
            .code(),
        StatusCode::kDataLoss);
    EXPECT_EQ(
        VerifyInclusion(index, size, leaf, proof, FlipBit(root, rng() % 256))
            .code(),
        StatusCode::kDataLoss);
    // An added or a removed element.
    Leaves longer = proof;
    longer.push_back(leaves[rng() % leaves.size()]);
    EXPECT_EQ(VerifyInclusion(index, size, leaf, longer, root).code(),
              StatusCode::kInvalidArgument);
    Leaves front = proof;
    front.insert(front.begin(), leaves[rng() % leaves.size()]);
    EXPECT_EQ(VerifyInclusion(index, size, leaf, front, root).code(),
              StatusCode::kInvalidArgument);
    if (!proof.empty()) {
      Leaves shorter(proof.begin(), proof.end() - 1);
      EXPECT_EQ(VerifyInclusion(index, size, leaf, shorter, root).code(),
                StatusCode::kInvalidArgument);
    }
    // Another index: a different path shape always changes the hashing.
    for (uint64_t other : {index + 1, index - 1, index ^ 1, index ^ 2,
                           index * 2, index / 2, rng() % size}) {
      if (other == index || other >= size) continue;
      const Status s = VerifyInclusion(other, size, leaf, proof, root);
      EXPECT_FALSE(s.ok()) << "index changed to " << other;
      EXPECT_EQ(s.code(), InclusionProofLength(other, size) == proof.size()
                              ? StatusCode::kDataLoss
                              : StatusCode::kInvalidArgument)
          << s.ToString();
    }
    EXPECT_EQ(VerifyInclusion(size, size, leaf, proof, root).code(),
              StatusCode::kInvalidArgument);
    // Another size with the same root: rejected unless the verifier's hash
    // sequence is identical (then the root, pinned to its size by the
    // signed checkpoint, is what tells them apart).
    for (uint64_t other :
         {size + 1, size - 1, size * 2, size / 2, size + 1 + rng() % 1000}) {
      if (other == size || other <= index) continue;
      const Status s = VerifyInclusion(index, other, leaf, proof, root);
      if (InclusionShape(index, other) == InclusionShape(index, size)) {
        ++same_shape_sizes;
        EXPECT_TRUE(s.ok()) << s.ToString();
        // With the real root of that size it fails.
        if (other <= leaves.size()) {
          EXPECT_EQ(
              VerifyInclusion(index, other, leaf, proof, *RootAt(other, nodes))
                  .code(),
              StatusCode::kDataLoss);
        }
        continue;
      }
      EXPECT_EQ(s.code(), InclusionProofLength(index, other) == proof.size()
                              ? StatusCode::kDataLoss
                              : StatusCode::kInvalidArgument)
          << "size changed to " << other << ": " << s.ToString();
    }
  }
  RecordProperty("same_shape_sizes", same_shape_sizes);
}

TEST(MerkleProofTest, AlteredConsistencyProofsAreRejected) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE(SeedTrace(seed));
  std::mt19937_64 rng(seed);
  const Leaves leaves = RandomLeaves(rng, 10000);
  MemoryNodeSource nodes = Build(leaves);
  for (int trial = 0; trial < 150; ++trial) {
    const uint64_t size2 = 2 + rng() % (leaves.size() - 1);
    const uint64_t size1 = 1 + rng() % (size2 - 1);  // < size2
    SCOPED_TRACE("size1 " + std::to_string(size1) + " size2 " +
                 std::to_string(size2));
    const Hash256 root1 = *RootAt(size1, nodes);
    const Hash256 root2 = *RootAt(size2, nodes);
    const Leaves proof = *ConsistencyProof(size1, size2, nodes);
    ASSERT_TRUE(VerifyConsistency(size1, size2, proof, root1, root2).ok());

    for (size_t e = 0; e < proof.size(); ++e) {
      Leaves bad = proof;
      bad[e] = FlipBit(bad[e], static_cast<int>(rng() % 256));
      EXPECT_EQ(VerifyConsistency(size1, size2, bad, root1, root2).code(),
                StatusCode::kDataLoss)
          << "element " << e;
    }
    EXPECT_EQ(VerifyConsistency(size1, size2, proof,
                                FlipBit(root1, rng() % 256), root2)
                  .code(),
              StatusCode::kDataLoss);
    EXPECT_EQ(VerifyConsistency(size1, size2, proof, root1,
                                FlipBit(root2, rng() % 256))
                  .code(),
              StatusCode::kDataLoss);
    EXPECT_EQ(VerifyConsistency(size1, size2, proof, root2, root1).code(),
              StatusCode::kDataLoss);
    Leaves longer = proof;
    longer.push_back(leaves[rng() % leaves.size()]);
    EXPECT_EQ(VerifyConsistency(size1, size2, longer, root1, root2).code(),
              StatusCode::kInvalidArgument);
    Leaves shorter(proof.begin(), proof.end() - 1);
    EXPECT_EQ(VerifyConsistency(size1, size2, shorter, root1, root2).code(),
              StatusCode::kInvalidArgument);
    // Other sizes with the real roots of those sizes.
    for (uint64_t other1 : {size1 + 1, size1 - 1, size1 * 2, size1 / 2}) {
      if (other1 == size1 || other1 == 0 || other1 >= size2) continue;
      const Status s = VerifyConsistency(other1, size2, proof,
                                         *RootAt(other1, nodes), root2);
      EXPECT_EQ(s.code(), ConsistencyProofLength(other1, size2) == proof.size()
                              ? StatusCode::kDataLoss
                              : StatusCode::kInvalidArgument)
          << "size1 changed to " << other1 << ": " << s.ToString();
    }
    for (uint64_t other2 : {size2 + 1, size2 - 1, size2 * 2}) {
      if (other2 == size2 || other2 <= size1 || other2 > leaves.size()) {
        continue;
      }
      const Status s = VerifyConsistency(size1, other2, proof, root1,
                                         *RootAt(other2, nodes));
      EXPECT_EQ(s.code(), ConsistencyProofLength(size1, other2) == proof.size()
                              ? StatusCode::kDataLoss
                              : StatusCode::kInvalidArgument)
          << "size2 changed to " << other2 << ": " << s.ToString();
    }
    // A proof for a tree whose old part was rewritten does not verify.
    if (trial % 5 != 0) continue;
    Leaves forged = leaves;
    forged[rng() % size1] = leaves[size2 - 1];
    const Hash256 forged_root2 = NaiveMth(forged, 0, size2);
    MemoryNodeSource forged_nodes = Build(Leaves(
        forged.begin(), forged.begin() + static_cast<std::ptrdiff_t>(size2)));
    const Leaves forged_proof = *ConsistencyProof(size1, size2, forged_nodes);
    EXPECT_EQ(VerifyConsistency(size1, size2, forged_proof, root1, forged_root2)
                  .code(),
              StatusCode::kDataLoss);
  }
}

// ---- Arguments and messages
// --------------------------------------------------

TEST(MerkleProofTest, BadArgumentsAreRejectedWithSpecificMessages) {
  std::mt19937_64 rng(5);
  const Leaves leaves = RandomLeaves(rng, 10);
  MemoryNodeSource nodes = Build(leaves);

  StatusOr<Leaves> p = InclusionProof(10, 10, nodes);
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(),
            "inclusion proof: leaf index 10 is not below tree size 10");
  EXPECT_EQ(InclusionProof(0, 0, nodes).status().code(),
            StatusCode::kInvalidArgument);

  p = ConsistencyProof(0, 5, nodes);
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("size 0"), std::string::npos);
  p = ConsistencyProof(6, 5, nodes);
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(),
            "consistency proof: size1 6 is greater than size2 5");
  p = ConsistencyProof(5, 5, nodes);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->empty());

  // Sizes beyond what the source holds, including the cases whose proof
  // would not otherwise touch the last leaf.
  p = InclusionProof(3, 12, nodes);
  EXPECT_EQ(p.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(p.status().message().find(
                "inclusion proof for leaf 3 in tree size 12: no perfect "
                "subtree at level"),
            std::string::npos)
      << p.status().message();
  EXPECT_NE(p.status().message().find("the node source holds 10 leaves"),
            std::string::npos);
  EXPECT_EQ(InclusionProof(10, 11, nodes).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(ConsistencyProof(3, 11, nodes).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(ConsistencyProof(11, 11, nodes).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(RootAt(11, nodes).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(nodes.PerfectSubtree(64, 0).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(nodes.PerfectSubtree(3, 1).status().code(),
            StatusCode::kOutOfRange);  // leaves 8..15
  EXPECT_TRUE(nodes.PerfectSubtree(3, 0).ok());
  EXPECT_TRUE(nodes.PerfectSubtree(1, 4).ok());  // leaves 8, 9
}

TEST(ProofVerifierTest, MessagesSayWhatFailed) {
  const Leaves leaves = StandardLeaves();
  MemoryNodeSource nodes = Build(leaves);
  const Hash256 root = nodes.Root();
  const Leaves proof = *InclusionProof(5, 8, nodes);
  ASSERT_EQ(proof.size(), 3u);

  Status s = VerifyInclusion(5, 8, leaves[5],
                             std::span<const Hash256>(proof).first(2), root);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "proof has 2 hashes, expected 3 for index 5 in a tree of 8");

  s = VerifyInclusion(5, 8, leaves[4], proof, root);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message().rfind("computed root ", 0), 0u) << s.message();
  EXPECT_NE(s.message().find(" does not match expected root " + ToHex(root)),
            std::string::npos)
      << s.message();

  s = VerifyInclusion(8, 8, leaves[5], proof, root);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "leaf index 8 is not below tree size 8");

  const Hash256 root3 = *RootAt(3, nodes);
  s = VerifyConsistency(3, 8, {}, root3, root);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "proof has 0 hashes, expected 4 for consistency from tree size 3 "
            "to 8");
  s = VerifyConsistency(0, 8, {}, EmptyTreeHash(), root);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  s = VerifyConsistency(0, 0, {}, EmptyTreeHash(), EmptyTreeHash());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  s = VerifyConsistency(9, 8, {}, root, root);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "size1 9 is greater than size2 8");
  s = VerifyConsistency(8, 8, {}, root, root);
  EXPECT_TRUE(s.ok()) << s.ToString();
  s = VerifyConsistency(8, 8, {}, root, root3);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  const Leaves one = {root};
  s = VerifyConsistency(8, 8, one, root, root);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "sizes are equal (8) but the proof has 1 hash, "
            "expected none");
  const Leaves cons = *ConsistencyProof(3, 8, nodes);
  s = VerifyConsistency(3, 8, cons, root, root);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message().rfind("computed root1 ", 0), 0u) << s.message();
  s = VerifyConsistency(3, 8, cons, root3, root3);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message().rfind("computed root2 ", 0), 0u) << s.message();
}

TEST(ProofVerifierTest, ProofLengthsMatchGeneratedProofs) {
  std::mt19937_64 rng(11);
  const Leaves leaves = RandomLeaves(rng, 200);
  MemoryNodeSource nodes = Build(leaves);
  for (uint64_t size = 1; size <= 200; ++size) {
    for (uint64_t i = 0; i < size; ++i) {
      ASSERT_EQ(InclusionProof(i, size, nodes)->size(),
                InclusionProofLength(i, size));
    }
    for (uint64_t m = 1; m < size; ++m) {
      ASSERT_EQ(ConsistencyProof(m, size, nodes)->size(),
                ConsistencyProofLength(m, size));
    }
  }
  EXPECT_EQ(InclusionProofLength(5, 5), 0u);
  EXPECT_EQ(ConsistencyProofLength(0, 5), 0u);
  // 64-bit arithmetic at the top of the range.
  EXPECT_EQ(InclusionProofLength(UINT64_MAX - 1, UINT64_MAX), 63u);
  EXPECT_EQ(InclusionProofLength(0, UINT64_MAX), 64u);
  EXPECT_EQ(ConsistencyProofLength(uint64_t{1} << 63, UINT64_MAX), 1u);
  EXPECT_EQ(ConsistencyProofLength(3, uint64_t{1} << 63), 64u);
}

}  // namespace
}  // namespace consilium::merkle
