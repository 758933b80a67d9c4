// SHA-256 digests and the RFC 9162 hash domains, plus hex and base64 codecs.
//
// Thread-safety: all functions are pure and safe to call concurrently.
//
//   Hash256 leaf = LeafHash(stored_event_bytes);   // SHA-256(0x00 || bytes)
//   std::string shown = ToHex(leaf);
//
// LeafHash is the event hash: the hash chain and the Merkle tree share it.
#ifndef CONSILIUM_COMMON_HASH_H_
#define CONSILIUM_COMMON_HASH_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace consilium {

using Hash256 = std::array<uint8_t, 32>;

// SHA-256 of `data`.
Hash256 Sha256(std::span<const uint8_t> data);
Hash256 Sha256(std::string_view data);

// RFC 9162 section 2.1.1: MTH of one entry, SHA-256(0x00 || data).
Hash256 LeafHash(std::span<const uint8_t> data);
// RFC 9162 interior node, SHA-256(0x01 || left || right).
Hash256 NodeHash(const Hash256& left, const Hash256& right);
// MTH({}) = SHA-256 of the empty string.
Hash256 EmptyTreeHash();

// Many hashes at once, for the paths bound by hashing (verification): on a
// CPU with AVX-512 sixteen messages are hashed in step, several times faster
// than one at a time (common/internal/sha256_lanes.h). Same digests as the
// single-message functions.
// out[i] = LeafHash(events[i]); out.size() must equal events.size().
void LeafHashes(std::span<const std::span<const uint8_t>> events,
                std::span<Hash256> out);
// out[i] = NodeHash(children[2i], children[2i + 1]); children.size() must be
// 2 * out.size().
void NodeHashes(std::span<const Hash256> children, std::span<Hash256> out);

// Incremental SHA-256 for data that arrives in pieces.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  Hash256 Finish();  // The hasher may not be used again.

 private:
  struct State;
  State* state_;
};

// The leaf hash of a buffer whose first bytes are fixed while its tail may
// still change: hashes 0x00 || bytes[0, k) once, for the largest k with
// (1 + k) a multiple of the 64-byte SHA-256 block and k <= stable_prefix,
// then finishes over any tail. The ledger uses it so the appender's thread
// hashes an event's body and the single commit thread only the last blocks,
// after it has stamped the sequence number and previous hash (schemas/event.h).
class LeafHashPrefix {
 public:
  LeafHashPrefix();  // covers nothing: Finish() hashes everything
  LeafHashPrefix(std::span<const uint8_t> bytes, size_t stable_prefix);

  // LeafHash(bytes), where bytes[0, covered()) must equal the bytes the
  // prefix was computed over.
  Hash256 Finish(std::span<const uint8_t> bytes) const;
  size_t covered() const { return covered_; }

 private:
  alignas(8) unsigned char state_[112];  // an OpenSSL SHA256_CTX
  size_t covered_ = 0;
};

// Lower-case hex, two characters a byte.
std::string ToHex(std::span<const uint8_t> bytes);
// Accepts upper or lower case; InvalidArgument on odd length or a non-hex
// digit.
StatusOr<std::string> FromHex(std::string_view hex);
StatusOr<Hash256> Hash256FromHex(std::string_view hex);

// Standard base64 (RFC 4648 section 4) with padding.
std::string ToBase64(std::span<const uint8_t> bytes);
inline std::string ToBase64(std::string_view s) {
  return ToBase64(std::span<const uint8_t>(
      reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}
// Strict: rejects missing padding, characters outside the alphabet and
// non-zero trailing bits. InvalidArgument on any of those.
StatusOr<std::string> FromBase64(std::string_view b64);
StatusOr<Hash256> Hash256FromBase64(std::string_view b64);

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace consilium

#endif  // CONSILIUM_COMMON_HASH_H_
