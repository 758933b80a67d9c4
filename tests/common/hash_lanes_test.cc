// The many-at-once hashing paths against one-at-a-time OpenSSL digests and
// published SHA-256 vectors. Every test runs each path this CPU has: the
// one-at-a-time path always, the sixteen-lane path when AVX-512 is present.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/hash.h"
#include "common/internal/sha256_lanes.h"

namespace consilium {
namespace {

using hash_internal::LanesAvailable;
using hash_internal::PrefixedSha256Many;

std::vector<bool> Paths() {
  if (LanesAvailable()) return {false, true};
  return {false};
}

std::vector<Hash256> Many(uint8_t prefix, const std::vector<std::string>& msgs,
                          bool lanes) {
  std::vector<std::span<const uint8_t>> spans;
  for (const auto& m : msgs) spans.push_back(AsBytes(m));
  std::vector<Hash256> out(msgs.size());
  PrefixedSha256Many(prefix, spans, out, lanes);
  return out;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(HashLanesTest, PublishedVectors) {
  for (bool lanes : Paths()) {
    SCOPED_TRACE(lanes ? "sixteen lanes" : "one at a time");
    // FIPS 180-4 examples: SHA-256("abc") and the 56-byte message whose
    // padding needs a second block; the prefix byte is the first 'a'.
    auto out = Many(
        'a', {"bc", "bcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"},
        lanes);
    EXPECT_EQ(
        ToHex(out[0]),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(
        ToHex(out[1]),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    // RFC 9162: the leaf hash of the empty entry.
    EXPECT_EQ(
        ToHex(Many(0x00, {""}, lanes)[0]),
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  }
}

TEST(HashLanesTest, EveryLengthAcrossPaddingBoundariesMatchesLeafHash) {
  std::mt19937_64 rng(7);
  std::vector<std::string> msgs;
  for (size_t n = 0; n <= 300; ++n) msgs.push_back(RandomBytes(rng, n));
  for (bool lanes : Paths()) {
    SCOPED_TRACE(lanes ? "sixteen lanes" : "one at a time");
    auto out = Many(0x00, msgs, lanes);
    for (size_t i = 0; i < msgs.size(); ++i)
      EXPECT_EQ(out[i], LeafHash(AsBytes(msgs[i]))) << "length " << i;
  }
}

TEST(HashLanesTest, PartialGroupsAndMixedLengthsKeepTheirOrder) {
  std::mt19937_64 rng(11);
  for (size_t count : {1u, 2u, 15u, 16u, 17u, 31u, 33u, 100u}) {
    std::vector<std::string> msgs;
    for (size_t i = 0; i < count; ++i)
      msgs.push_back(RandomBytes(rng, rng() % 3000));
    for (bool lanes : Paths()) {
      SCOPED_TRACE(std::to_string(count) +
                   (lanes ? " in lanes" : " one at a time"));
      auto out = Many(0x00, msgs, lanes);
      for (size_t i = 0; i < count; ++i)
        EXPECT_EQ(out[i], LeafHash(AsBytes(msgs[i]))) << "message " << i;
    }
  }
}

TEST(HashLanesTest, MessagesLongerThanALaneTakesAreHashedOnTheirOwn) {
  std::mt19937_64 rng(13);
  std::vector<std::string> msgs = {RandomBytes(rng, 40),
                                   RandomBytes(rng, (1 << 20) + 5),
                                   RandomBytes(rng, 600)};
  for (bool lanes : Paths()) {
    auto out = Many(0x00, msgs, lanes);
    for (size_t i = 0; i < msgs.size(); ++i)
      EXPECT_EQ(out[i], LeafHash(AsBytes(msgs[i]))) << "message " << i;
  }
}

TEST(HashLanesTest, PublicBatchFunctionsMatchSingleOnes) {
  std::mt19937_64 rng(17);
  std::vector<std::string> events;
  for (int i = 0; i < 1000; ++i)
    events.push_back(RandomBytes(rng, 400 + rng() % 400));
  std::vector<std::span<const uint8_t>> spans;
  for (const auto& e : events) spans.push_back(AsBytes(e));
  std::vector<Hash256> leaves(events.size());
  LeafHashes(spans, leaves);
  for (size_t i = 0; i < events.size(); ++i)
    ASSERT_EQ(leaves[i], LeafHash(spans[i])) << "event " << i;

  std::vector<Hash256> parents(leaves.size() / 2);
  NodeHashes(leaves, parents);
  for (size_t i = 0; i < parents.size(); ++i)
    ASSERT_EQ(parents[i], NodeHash(leaves[2 * i], leaves[2 * i + 1]))
        << "node " << i;
  NodeHashes({}, {});  // nothing to do is fine
}

TEST(HashLanesTest, ChangingOneByteChangesOnlyThatDigest) {
  std::mt19937_64 rng(19);
  std::vector<std::string> msgs;
  for (int i = 0; i < 16; ++i) msgs.push_back(RandomBytes(rng, 513));
  for (bool lanes : Paths()) {
    auto before = Many(0x00, msgs, lanes);
    auto changed = msgs;
    changed[9][512] ^= 0x01;
    auto after = Many(0x00, changed, lanes);
    for (int i = 0; i < 16; ++i) {
      if (i == 9) {
        EXPECT_NE(after[i], before[i]);
      } else {
        EXPECT_EQ(after[i], before[i]) << "lane " << i;
      }
    }
  }
}

}  // namespace
}  // namespace consilium
