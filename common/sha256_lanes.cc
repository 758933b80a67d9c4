// Sixteen-lane SHA-256 (FIPS 180-4, section 6.2) with AVX-512, and the
// one-at-a-time path it falls back to. See common/internal/sha256_lanes.h.
//
// Layout: each group of up to sixteen messages is copied, padded, into one
// scratch buffer (lane i's blocks at offset[i]); block b of every lane is
// then read with one masked gather per 32-bit word, so lanes of different
// lengths run together and a lane whose message has ended keeps its state.
// Messages are sorted by length first, so the lanes of a group end close
// together.
#include "common/internal/sha256_lanes.h"

#include <cpuid.h>
#include <immintrin.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace consilium::hash_internal {
namespace {

constexpr int kLanes = 16;
// Longer messages are hashed on their own: a lane's blocks are addressed by
// 32-bit offsets into the group's buffer, and one long message would keep
// fifteen idle lanes waiting.
constexpr size_t kMaxLaneBytes = size_t{1} << 20;

alignas(64) constexpr uint32_t kRoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr uint32_t kInitialState[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                       0xa54ff53a, 0x510e527f, 0x9b05688c,
                                       0x1f83d9ab, 0x5be0cd19};

// Padded length in 64-byte blocks of a message of `n` bytes plus the prefix:
// the 0x80 terminator and the 64-bit bit length must fit after it.
uint32_t PaddedBlocks(size_t n) { return (1 + n + 1 + 8 + 63) / 64; }

// Writes prefix || data || padding (FIPS 180-4, 5.1.1) at `dst`, which has
// PaddedBlocks(data.size()) * 64 bytes.
void WritePadded(uint8_t* dst, uint8_t prefix, std::span<const uint8_t> data) {
  size_t total = size_t{PaddedBlocks(data.size())} * 64;
  dst[0] = prefix;
  if (!data.empty()) std::memcpy(dst + 1, data.data(), data.size());
  size_t end = 1 + data.size();
  dst[end] = 0x80;
  std::memset(dst + end + 1, 0, total - end - 1 - 8);
  uint64_t bits = uint64_t{end} * 8;
  for (int i = 0; i < 8; ++i)
    dst[total - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
}

// Every function below, to the #undef, is compiled for AVX-512 and runs
// only after LanesAvailable() said the CPU has it. (A per-function attribute,
// which g++ and clang both honour for intrinsics.)
#define CONSILIUM_AVX512 __attribute__((target("avx512f,avx512bw")))
// g++ 12's _mm512_ror_epi32 passes _mm512_undefined_epi32() as the unused
// merge source, which -Wmaybe-uninitialized reports (GCC bug 105593).
#pragma GCC diagnostic push
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

CONSILIUM_AVX512 inline __m512i Xor3(__m512i a, __m512i b, __m512i c) {
  return _mm512_ternarylogic_epi32(a, b, c, 0x96);
}
// Ch(e, f, g) = (e & f) ^ (~e & g): "e ? f : g" bitwise.
CONSILIUM_AVX512 inline __m512i Choose(__m512i e, __m512i f, __m512i g) {
  return _mm512_ternarylogic_epi32(e, f, g, 0xca);
}
// Maj(a, b, c): the bitwise majority.
CONSILIUM_AVX512 inline __m512i Majority(__m512i a, __m512i b, __m512i c) {
  return _mm512_ternarylogic_epi32(a, b, c, 0xe8);
}
CONSILIUM_AVX512 inline __m512i BigSigma0(__m512i a) {
  return Xor3(_mm512_ror_epi32(a, 2), _mm512_ror_epi32(a, 13),
              _mm512_ror_epi32(a, 22));
}
CONSILIUM_AVX512 inline __m512i BigSigma1(__m512i e) {
  return Xor3(_mm512_ror_epi32(e, 6), _mm512_ror_epi32(e, 11),
              _mm512_ror_epi32(e, 25));
}
CONSILIUM_AVX512 inline __m512i SmallSigma0(__m512i w) {
  return Xor3(_mm512_ror_epi32(w, 7), _mm512_ror_epi32(w, 18),
              _mm512_srli_epi32(w, 3));
}
CONSILIUM_AVX512 inline __m512i SmallSigma1(__m512i w) {
  return Xor3(_mm512_ror_epi32(w, 17), _mm512_ror_epi32(w, 19),
              _mm512_srli_epi32(w, 10));
}

// One round; the callers rotate the roles of the eight working variables
// instead of moving them, so only d and h are written.
CONSILIUM_AVX512 inline void Round(__m512i a, __m512i b, __m512i c, __m512i& d,
                                   __m512i e, __m512i f, __m512i g, __m512i& h,
                                   __m512i k_plus_w) {
  __m512i t1 = _mm512_add_epi32(_mm512_add_epi32(h, BigSigma1(e)),
                                _mm512_add_epi32(Choose(e, f, g), k_plus_w));
  __m512i t2 = _mm512_add_epi32(BigSigma0(a), Majority(a, b, c));
  d = _mm512_add_epi32(d, t1);
  h = _mm512_add_epi32(t1, t2);
}

CONSILIUM_AVX512 inline __m512i KPlusW(int t, __m512i w) {
  return _mm512_add_epi32(
      _mm512_set1_epi32(static_cast<int>(kRoundConstants[t])), w);
}

// Sixteen rounds starting at round t0, reading w[0..15] as W[t0..t0+15].
#define CONSILIUM_SIXTEEN_ROUNDS(t0)                       \
  Round(a, b, c, d, e, f, g, h, KPlusW((t0) + 0, w[0]));   \
  Round(h, a, b, c, d, e, f, g, KPlusW((t0) + 1, w[1]));   \
  Round(g, h, a, b, c, d, e, f, KPlusW((t0) + 2, w[2]));   \
  Round(f, g, h, a, b, c, d, e, KPlusW((t0) + 3, w[3]));   \
  Round(e, f, g, h, a, b, c, d, KPlusW((t0) + 4, w[4]));   \
  Round(d, e, f, g, h, a, b, c, KPlusW((t0) + 5, w[5]));   \
  Round(c, d, e, f, g, h, a, b, KPlusW((t0) + 6, w[6]));   \
  Round(b, c, d, e, f, g, h, a, KPlusW((t0) + 7, w[7]));   \
  Round(a, b, c, d, e, f, g, h, KPlusW((t0) + 8, w[8]));   \
  Round(h, a, b, c, d, e, f, g, KPlusW((t0) + 9, w[9]));   \
  Round(g, h, a, b, c, d, e, f, KPlusW((t0) + 10, w[10])); \
  Round(f, g, h, a, b, c, d, e, KPlusW((t0) + 11, w[11])); \
  Round(e, f, g, h, a, b, c, d, KPlusW((t0) + 12, w[12])); \
  Round(d, e, f, g, h, a, b, c, KPlusW((t0) + 13, w[13])); \
  Round(c, d, e, f, g, h, a, b, KPlusW((t0) + 14, w[14])); \
  Round(b, c, d, e, f, g, h, a, KPlusW((t0) + 15, w[15]))

// W[t] for the next sixteen rounds from the previous sixteen, in place.
CONSILIUM_AVX512 inline void NextSchedule(__m512i (&w)[16]) {
  for (int i = 0; i < 16; ++i) {
    w[i] = _mm512_add_epi32(
        _mm512_add_epi32(w[i], SmallSigma0(w[(i + 1) & 15])),
        _mm512_add_epi32(w[(i + 9) & 15], SmallSigma1(w[(i + 14) & 15])));
  }
}

// Hashes lane i = the padded message of blocks[i] blocks at buffer +
// offset[i] (blocks[i] == 0: an unused lane), writing its digest to out[i].
CONSILIUM_AVX512 void HashSixteen(const uint8_t* buffer,
                                  const uint32_t (&offset)[kLanes],
                                  const uint32_t (&blocks)[kLanes],
                                  Hash256* out) {
  __m512i state[8];
  for (int i = 0; i < 8; ++i)
    state[i] = _mm512_set1_epi32(static_cast<int>(kInitialState[i]));
  const __m512i lane_offset = _mm512_loadu_si512(offset);
  const __m512i lane_blocks = _mm512_loadu_si512(blocks);
  // Big-endian words: reverse the bytes of every 32-bit element.
  const __m512i byte_swap = _mm512_set_epi8(
      12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8,
      9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6,
      7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
  uint32_t most = *std::max_element(std::begin(blocks), std::end(blocks));
  for (uint32_t block = 0; block < most; ++block) {
    const __mmask16 active = _mm512_cmpgt_epu32_mask(
        lane_blocks, _mm512_set1_epi32(static_cast<int>(block)));
    const __m512i at = _mm512_add_epi32(
        lane_offset, _mm512_set1_epi32(static_cast<int>(block * 64)));
    __m512i w[16];
    for (int i = 0; i < 16; ++i) {
      __m512i word = _mm512_mask_i32gather_epi32(
          _mm512_setzero_si512(), active,
          _mm512_add_epi32(at, _mm512_set1_epi32(4 * i)), buffer, 1);
      w[i] = _mm512_shuffle_epi8(word, byte_swap);
    }
    __m512i a = state[0], b = state[1], c = state[2], d = state[3];
    __m512i e = state[4], f = state[5], g = state[6], h = state[7];
    CONSILIUM_SIXTEEN_ROUNDS(0);
    NextSchedule(w);
    CONSILIUM_SIXTEEN_ROUNDS(16);
    NextSchedule(w);
    CONSILIUM_SIXTEEN_ROUNDS(32);
    NextSchedule(w);
    CONSILIUM_SIXTEEN_ROUNDS(48);
    const __m512i result[8] = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; ++i) {
      state[i] = _mm512_mask_add_epi32(state[i], active, state[i], result[i]);
    }
  }
  alignas(64) uint32_t words[8][kLanes];
  for (int i = 0; i < 8; ++i) _mm512_store_si512(words[i], state[i]);
  for (int lane = 0; lane < kLanes; ++lane) {
    if (blocks[lane] == 0) continue;
    for (int i = 0; i < 8; ++i) {
      uint32_t v = words[i][lane];
      out[lane][4 * i] = static_cast<uint8_t>(v >> 24);
      out[lane][4 * i + 1] = static_cast<uint8_t>(v >> 16);
      out[lane][4 * i + 2] = static_cast<uint8_t>(v >> 8);
      out[lane][4 * i + 3] = static_cast<uint8_t>(v);
    }
  }
}

#undef CONSILIUM_SIXTEEN_ROUNDS
#pragma GCC diagnostic pop
#undef CONSILIUM_AVX512

// The low-level SHA256_* calls: see common/hash.cc.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Hash256 OneAtATime(uint8_t prefix, std::span<const uint8_t> data) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, &prefix, 1);
  SHA256_Update(&ctx, data.data(), data.size());
  Hash256 out;
  SHA256_Final(out.data(), &ctx);
  return out;
}
#pragma GCC diagnostic pop

bool DecideLanes() {
  const char* setting = std::getenv("CONSILIUM_HASH_LANES");
  if (setting != nullptr && std::string_view(setting) == "off") return false;
  // With the SHA extensions (CPUID leaf 7, EBX bit 29) OpenSSL's
  // one-at-a-time code is the faster one.
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & (1u << 29)))
    return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw");
}

}  // namespace

bool LanesAvailable() {
  static const bool available = DecideLanes();
  return available;
}

void PrefixedSha256Many(uint8_t prefix,
                        std::span<const std::span<const uint8_t>> messages,
                        std::span<Hash256> out, bool use_lanes) {
  assert(out.size() == messages.size());
  assert(!use_lanes || LanesAvailable());
  if (!use_lanes) {
    for (size_t i = 0; i < messages.size(); ++i)
      out[i] = OneAtATime(prefix, messages[i]);
    return;
  }
  // Lane-sized messages in order of length; longer ones one at a time.
  thread_local std::vector<uint32_t> order;
  thread_local std::vector<uint8_t> buffer;
  order.clear();
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].size() <= kMaxLaneBytes) {
      order.push_back(static_cast<uint32_t>(i));
    } else {
      out[i] = OneAtATime(prefix, messages[i]);
    }
  }
  auto shorter = [&](uint32_t x, uint32_t y) {
    return messages[x].size() < messages[y].size();
  };
  // Equal lengths (node hashes, uniform events) need no sorting.
  if (!std::is_sorted(order.begin(), order.end(), shorter))
    std::stable_sort(order.begin(), order.end(), shorter);
  Hash256 digests[kLanes];
  for (size_t first = 0; first < order.size(); first += kLanes) {
    size_t lanes = std::min<size_t>(kLanes, order.size() - first);
    uint32_t offset[kLanes] = {};
    uint32_t blocks[kLanes] = {};
    size_t bytes = 0;
    for (size_t lane = 0; lane < lanes; ++lane) {
      blocks[lane] = PaddedBlocks(messages[order[first + lane]].size());
      offset[lane] = static_cast<uint32_t>(bytes);
      bytes += size_t{blocks[lane]} * 64;
    }
    if (buffer.size() < bytes) buffer.resize(bytes);
    for (size_t lane = 0; lane < lanes; ++lane) {
      WritePadded(buffer.data() + offset[lane], prefix,
                  messages[order[first + lane]]);
    }
    HashSixteen(buffer.data(), offset, blocks, digests);
    for (size_t lane = 0; lane < lanes; ++lane)
      out[order[first + lane]] = digests[lane];
  }
}

}  // namespace consilium::hash_internal
