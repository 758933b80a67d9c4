// Many SHA-256 digests at once, for the hashing-bound paths (verification
// recomputes every event's leaf hash and the whole Merkle tree).
//
// On a CPU with AVX-512 (F and BW) and without the SHA extensions, sixteen
// messages are hashed in step, one in each 32-bit lane of a 512-bit register:
// SHA-256 has no parallelism inside one message, but independent messages
// fill the lanes, which gives several times the throughput of one-at-a-time
// hashing. Elsewhere (with the SHA extensions OpenSSL is faster one at a
// time), or with CONSILIUM_HASH_LANES=off in the environment, the messages
// are hashed one at a time with OpenSSL. Both give the same
// digests (tests/common/hash_lanes_test.cc compares them).
//
// Every message is `prefix || data`, the RFC 9162 domain byte first: 0x00 for
// leaves, 0x01 for interior nodes. common/hash.h's LeafHashes and NodeHashes
// are the public face; this header lets tests pick the path.
//
// Thread-safety: pure functions, safe to call concurrently.
#ifndef CONSILIUM_COMMON_INTERNAL_SHA256_LANES_H_
#define CONSILIUM_COMMON_INTERNAL_SHA256_LANES_H_

#include <cstdint>
#include <span>

#include "common/hash.h"

namespace consilium::hash_internal {

// True when this CPU can run the sixteen-lane path and the environment does
// not turn it off (decided once per process).
bool LanesAvailable();

// out[i] = SHA-256(prefix || messages[i]); out.size() == messages.size().
// `use_lanes` must be false unless LanesAvailable().
void PrefixedSha256Many(uint8_t prefix,
                        std::span<const std::span<const uint8_t>> messages,
                        std::span<Hash256> out, bool use_lanes);

}  // namespace consilium::hash_internal

#endif  // CONSILIUM_COMMON_INTERNAL_SHA256_LANES_H_
