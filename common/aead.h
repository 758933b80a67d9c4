// AES-256-GCM sealing of clinical content (OpenSSL EVP), the primitive under
// encryption at rest (docs/encryption.md). A sealed value is the ciphertext
// followed by its 16-byte tag; the nonce travels beside it (Payload.nonce).
// The associated data binds a sealed value to where it belongs (the subject
// and key id), so a ciphertext moved to another subject fails to open.
#ifndef CONSILIUM_COMMON_AEAD_H_
#define CONSILIUM_COMMON_AEAD_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace consilium {

inline constexpr size_t kAeadKeyBytes = 32;
inline constexpr size_t kAeadNonceBytes = 12;
inline constexpr size_t kAeadTagBytes = 16;

// `n` bytes from the OpenSSL CSPRNG; InternalError when it fails.
StatusOr<std::string> RandomBytes(size_t n);

// Ciphertext || tag of `plaintext` under `key` (32 bytes) and `nonce` (12
// bytes, never reused with the same key: callers draw it with RandomBytes).
// InvalidArgumentError on a wrong key or nonce size.
StatusOr<std::string> AeadSeal(std::string_view key, std::string_view nonce,
                               std::string_view plaintext,
                               std::string_view aad);

// The plaintext of AeadSeal's output. DataLossError when the tag does not
// verify (wrong key, wrong associated data, or altered bytes); the partial
// plaintext is wiped, never returned.
StatusOr<std::string> AeadOpen(std::string_view key, std::string_view nonce,
                               std::string_view sealed, std::string_view aad);

// Overwrites `s` with zeros (OPENSSL_cleanse: not optimized away).
void Wipe(std::string& s);

}  // namespace consilium

#endif  // CONSILIUM_COMMON_AEAD_H_
