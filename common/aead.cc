#include "common/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace consilium {
namespace {

using CipherCtx =
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Status CheckSizes(std::string_view key, std::string_view nonce) {
  if (key.size() != kAeadKeyBytes) {
    return InvalidArgumentError("AES-256-GCM key must be 32 bytes, got " +
                                std::to_string(key.size()));
  }
  if (nonce.size() != kAeadNonceBytes) {
    return InvalidArgumentError("AES-256-GCM nonce must be 12 bytes, got " +
                                std::to_string(nonce.size()));
  }
  return OkStatus();
}

// A context initialised for `encrypt` with key, nonce and associated data.
StatusOr<CipherCtx> Begin(bool encrypt, std::string_view key,
                          std::string_view nonce, std::string_view aad) {
  RETURN_IF_ERROR(CheckSizes(key, nonce));
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  bool ok =
      ctx != nullptr &&
      EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr,
                        encrypt ? 1 : 0) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kAeadNonceBytes,
                          nullptr) == 1 &&
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, Bytes(key), Bytes(nonce),
                        encrypt ? 1 : 0) == 1 &&
      (aad.empty() || EVP_CipherUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                                       static_cast<int>(aad.size())) == 1);
  if (!ok) return InternalError("AES-256-GCM: cannot initialise the cipher");
  return ctx;
}

}  // namespace

StatusOr<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                          static_cast<int>(n)) != 1) {
    return InternalError("the OpenSSL random generator failed");
  }
  return out;
}

StatusOr<std::string> AeadSeal(std::string_view key, std::string_view nonce,
                               std::string_view plaintext,
                               std::string_view aad) {
  ASSIGN_OR_RETURN(CipherCtx ctx, Begin(true, key, nonce, aad));
  std::string out(plaintext.size() + kAeadTagBytes, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  int len = 0;
  int fin = 0;
  if (EVP_EncryptUpdate(ctx.get(), o, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAeadTagBytes,
                          o + plaintext.size()) != 1) {
    return InternalError("AES-256-GCM: encryption failed");
  }
  return out;
}

StatusOr<std::string> AeadOpen(std::string_view key, std::string_view nonce,
                               std::string_view sealed, std::string_view aad) {
  if (sealed.size() < kAeadTagBytes) {
    return DataLossError("sealed content shorter than its 16-byte tag");
  }
  ASSIGN_OR_RETURN(CipherCtx ctx, Begin(false, key, nonce, aad));
  size_t n = sealed.size() - kAeadTagBytes;
  std::string out(n, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  std::string tag(sealed.substr(n));
  int len = 0;
  int fin = 0;
  bool ok = EVP_DecryptUpdate(ctx.get(), o, &len, Bytes(sealed),
                              static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAeadTagBytes,
                                tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), o + len, &fin) == 1;
  if (!ok) {
    Wipe(out);
    return DataLossError(
        "sealed content does not authenticate (wrong key or altered bytes)");
  }
  return out;
}

void Wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace consilium
