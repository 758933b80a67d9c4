#include "common/hash.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

#include "common/internal/sha256_lanes.h"

namespace consilium {

// The low-level SHA256_* calls are deprecated in OpenSSL 3 in favour of EVP,
// but EVP costs an allocation and a provider lookup per digest, which is a
// third of the time on 600-byte events. The low-level calls are still the
// same assembly and remain supported throughout 3.x.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

struct Sha256Hasher::State {
  SHA256_CTX ctx;
};

Sha256Hasher::Sha256Hasher() : state_(new State) { SHA256_Init(&state_->ctx); }
Sha256Hasher::~Sha256Hasher() { delete state_; }

void Sha256Hasher::Update(std::span<const uint8_t> data) {
  SHA256_Update(&state_->ctx, data.data(), data.size());
}
void Sha256Hasher::Update(std::string_view data) { Update(AsBytes(data)); }

Hash256 Sha256Hasher::Finish() {
  Hash256 out;
  SHA256_Final(out.data(), &state_->ctx);
  return out;
}

// Not the one-shot SHA256(): in OpenSSL 3 that is EVP_Q_digest, which looks
// the algorithm up by name on every call (a lock, a hash table, a strdup).
Hash256 Sha256(std::span<const uint8_t> data) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  Hash256 out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

Hash256 Sha256(std::string_view data) { return Sha256(AsBytes(data)); }

Hash256 LeafHash(std::span<const uint8_t> data) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  const uint8_t prefix = 0x00;
  SHA256_Update(&ctx, &prefix, 1);
  SHA256_Update(&ctx, data.data(), data.size());
  Hash256 out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

Hash256 NodeHash(const Hash256& left, const Hash256& right) {
  uint8_t buf[65];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), 32);
  std::memcpy(buf + 33, right.data(), 32);
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, buf, sizeof buf);
  Hash256 out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

void LeafHashes(std::span<const std::span<const uint8_t>> events,
                std::span<Hash256> out) {
  hash_internal::PrefixedSha256Many(0x00, events, out,
                                    hash_internal::LanesAvailable());
}

void NodeHashes(std::span<const Hash256> children, std::span<Hash256> out) {
  assert(children.size() == 2 * out.size());
  thread_local std::vector<std::span<const uint8_t>> pairs;
  pairs.clear();
  // Hash256 is 32 bytes with no padding: children 2i and 2i + 1 are the 64
  // contiguous bytes left || right.
  static_assert(sizeof(Hash256) == 32);
  const auto* bytes = reinterpret_cast<const uint8_t*>(children.data());
  for (size_t i = 0; i < out.size(); ++i)
    pairs.emplace_back(bytes + 64 * i, 64);
  hash_internal::PrefixedSha256Many(0x01, pairs, out,
                                    hash_internal::LanesAvailable());
}

static_assert(sizeof(SHA256_CTX) <= 112, "LeafHashPrefix::state_ is too small");

LeafHashPrefix::LeafHashPrefix() {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  const uint8_t prefix = 0x00;
  SHA256_Update(&ctx, &prefix, 1);
  std::memcpy(state_, &ctx, sizeof ctx);
}

LeafHashPrefix::LeafHashPrefix(std::span<const uint8_t> bytes,
                               size_t stable_prefix) {
  stable_prefix = std::min(stable_prefix, bytes.size());
  // 0x00 || bytes[0, covered_) fills whole blocks, so the saved context holds
  // no partial block: copying it is all Finish() needs.
  size_t blocks = (1 + stable_prefix) / 64;
  covered_ = blocks == 0 ? 0 : blocks * 64 - 1;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  const uint8_t prefix = 0x00;
  SHA256_Update(&ctx, &prefix, 1);
  SHA256_Update(&ctx, bytes.data(), covered_);
  std::memcpy(state_, &ctx, sizeof ctx);
}

Hash256 LeafHashPrefix::Finish(std::span<const uint8_t> bytes) const {
  SHA256_CTX ctx;
  std::memcpy(&ctx, state_, sizeof ctx);
  SHA256_Update(&ctx, bytes.data() + covered_, bytes.size() - covered_);
  Hash256 out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

#pragma GCC diagnostic pop

Hash256 EmptyTreeHash() { return Sha256(std::string_view()); }

std::string ToHex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

StatusOr<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return InvalidArgumentError("hex string has odd length " +
                                std::to_string(hex.size()));
  }
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return InvalidArgumentError("not a hex digit at offset " +
                                  std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

StatusOr<Hash256> Hash256FromHex(std::string_view hex) {
  if (hex.size() != 64) {
    return InvalidArgumentError("a SHA-256 hash is 64 hex digits, got " +
                                std::to_string(hex.size()));
  }
  ASSIGN_OR_RETURN(std::string raw, FromHex(hex));
  Hash256 h;
  std::memcpy(h.data(), raw.data(), 32);
  return h;
}

std::string ToBase64(std::span<const uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    out += kBase64Alphabet[v >> 18];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += kBase64Alphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = bytes[i] << 16;
    out += kBase64Alphabet[v >> 18];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = bytes[i] << 16 | bytes[i + 1] << 8;
    out += kBase64Alphabet[v >> 18];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

StatusOr<std::string> FromBase64(std::string_view b64) {
  if (b64.size() % 4 != 0) {
    return InvalidArgumentError("base64 length " + std::to_string(b64.size()) +
                                " is not a multiple of 4");
  }
  std::string out;
  out.reserve(b64.size() / 4 * 3);
  for (size_t i = 0; i < b64.size(); i += 4) {
    bool last = i + 4 == b64.size();
    int pad = 0;
    if (last) {
      if (b64[i + 3] == '=') pad = 1;
      if (pad == 1 && b64[i + 2] == '=') pad = 2;
    }
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      if (k >= 4 - pad) {
        v <<= 6;
        continue;
      }
      int d = Base64Value(b64[i + k]);
      if (d < 0) {
        return InvalidArgumentError("invalid base64 character at offset " +
                                    std::to_string(i + k));
      }
      v = v << 6 | static_cast<uint32_t>(d);
    }
    if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) {
      return InvalidArgumentError("base64 has non-zero padding bits");
    }
    out += static_cast<char>(v >> 16);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

StatusOr<Hash256> Hash256FromBase64(std::string_view b64) {
  ASSIGN_OR_RETURN(std::string raw, FromBase64(b64));
  if (raw.size() != 32) {
    return InvalidArgumentError("a SHA-256 hash is 32 bytes, got " +
                                std::to_string(raw.size()));
  }
  Hash256 h;
  std::memcpy(h.data(), raw.data(), 32);
  return h;
}

}  // namespace consilium
