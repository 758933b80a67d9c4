// The content keys of the ledger a command opens (encryption at rest,
// docs/encryption.md, "Opt-in"): a ledger is encrypted when DATA/keys holds
// a key store; the key-encryption key comes from the environment,
// CONSILIUM_KEK_FILE (a mode-0600 key file) or CONSILIUM_KEK (64 hex
// digits), never from a flag a process listing would show.
#ifndef CONSILIUM_TOOLS_CONTENT_KEYS_H_
#define CONSILIUM_TOOLS_CONTENT_KEYS_H_

#include <cstdlib>
#include <memory>
#include <string>

#include "common/key_store.h"
#include "schemas/sealed_content.h"

namespace consilium::cli {

inline constexpr char kKekFileEnv[] = "CONSILIUM_KEK_FILE";
inline constexpr char kKekEnv[] = "CONSILIUM_KEK";

inline std::string KeyStoreDir(const std::string& data) {
  return data + "/keys";
}

// Holds the open store (when any) for as long as the command runs.
struct OpenedKeys {
  std::unique_ptr<KeyStore> store;
  bool encrypted = false;
  ContentKeys keys() const { return {encrypted, store.get()}; }
};

// The KEK from the environment; NotFound when neither variable is set.
inline StatusOr<std::string> KekFromEnvironment() {
  const char* file = std::getenv(kKekFileEnv);
  if (file != nullptr && *file != '\0') {
    StatusOr<std::string> kek = LoadKekFile(file);
    if (!kek.ok()) return kek.status().WithContext(kKekFileEnv);
    return kek;
  }
  const char* hex = std::getenv(kKekEnv);
  if (hex != nullptr && *hex != '\0') return LoadKekEnv(kKekEnv);
  return NotFoundError("no key-encryption key given");
}

// Not encrypted: empty keys. Encrypted without a KEK in the environment: no
// store (imports fail and sealed reads say which key is missing); with one:
// the open store, or PermissionDenied when the KEK does not open it.
inline StatusOr<OpenedKeys> OpenContentKeys(const std::string& data) {
  OpenedKeys out;
  const std::string dir = KeyStoreDir(data);
  if (!KeyStore::Exists(dir)) return out;
  out.encrypted = true;
  StatusOr<std::string> kek = KekFromEnvironment();
  if (kek.status().code() == StatusCode::kNotFound) return out;
  if (!kek.ok()) return kek.status();
  ASSIGN_OR_RETURN(out.store, KeyStore::Open(dir, std::move(*kek)));
  return out;
}

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_CONTENT_KEYS_H_
