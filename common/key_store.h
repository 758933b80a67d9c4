// The key hierarchy of encryption at rest (docs/encryption.md): a
// key-encryption key (KEK, 32 bytes, from a 0600 key file or an environment
// variable, never stored in the data directory) wraps one AES-256 data key
// per subject; content is sealed under its subject's data key (common/aead.h).
//
// The wrapped data keys live in a key store directory (DATA/keys), one file a
// subject, named by SHA-256 of the subject id so file names reveal no id.
// They are not events: shredding must destroy them, which an append-only
// ledger cannot. Shredding deletes the subject's file and leaves a marker
// (no key material) so reads say "shredded" rather than "missing".
// Rotating the KEK rewraps every data key into a fresh directory and swaps it
// in with one atomic rename; events are never rewritten.
#ifndef CONSILIUM_COMMON_KEY_STORE_H_
#define CONSILIUM_COMMON_KEY_STORE_H_

#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace consilium {

// The KEK from a key file: 64 hex digits (surrounding whitespace ignored).
// PermissionDeniedError when the file is readable or writable by group or
// others (mode must be 0600 or 0400); InvalidArgumentError on any other
// content; NotFoundError when it does not exist.
StatusOr<std::string> LoadKekFile(const std::string& path);
// The KEK from environment variable `name` (64 hex digits).
StatusOr<std::string> LoadKekEnv(const std::string& name);
// A fresh KEK as 64 hex digits, for `consilium kek new`.
StatusOr<std::string> NewKekHex();

// The text every read of shredded content answers with: error messages
// contain it, so clients and tests can tell it from other failures.
inline constexpr std::string_view kShreddedMessage =
    "the subject's data key was shredded; the content is unrecoverable";
// True for the Status that reading shredded content returns.
bool IsShredded(const Status& s);

struct SealedContent {
  std::string key_id;  // 16 hex digits
  std::string nonce;   // 12 bytes
  std::string data;    // ciphertext || 16-byte tag
};

class KeyStore {
 public:
  // A new key store in `dir` (created, mode 0700) under `kek`.
  // AlreadyExistsError when `dir` already holds one.
  static StatusOr<std::unique_ptr<KeyStore>> Create(const std::string& dir,
                                                    std::string kek);
  // The key store in `dir`. NotFoundError when there is none;
  // PermissionDeniedError when `kek` is not the KEK it was written under.
  static StatusOr<std::unique_ptr<KeyStore>> Open(const std::string& dir,
                                                  std::string kek);
  static bool Exists(const std::string& dir);

  // Rewraps every data key of the store in `dir` from `old_kek` to `new_kek`
  // and swaps the result in atomically (one rename). After it, only
  // `new_kek` opens the store. PermissionDeniedError when `old_kek` does not
  // open it; on any failure the store is left as it was.
  static Status Rotate(const std::string& dir, const std::string& old_kek,
                       const std::string& new_kek);

  ~KeyStore();  // wipes the cached data keys
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  // Seals `plaintext` under `subject`'s data key, creating the key (durably,
  // before any content depends on it) when the subject has none. The shredded
  // error (IsShredded) when the subject was shredded: a shredded subject
  // never gets a new key, so nothing new about them is stored readable.
  StatusOr<SealedContent> Seal(std::string_view subject,
                               std::string_view plaintext);
  // Creates, together, a data key for each of `subjects` that has none: the
  // key files are written, the file system synced once (syncfs), the files
  // renamed into place and the directory synced once, so a batch of new
  // subjects costs two syncs rather than two a subject (an import seals
  // thousands). Subjects that already have a key or were shredded, and
  // repeats, are skipped (Seal refuses a shredded subject). A key created
  // for a subject whose content is then not stored is harmless: it seals
  // nothing. Returns the number created. On an error the caller must not
  // rely on any of the batch (Seal creates a missing key itself); keys
  // already renamed into place are durable and seal nothing.
  StatusOr<size_t> CreateKeys(std::span<const std::string> subjects);

  // The plaintext of content sealed for `subject`. The shredded error when
  // its key was shredded; NotFoundError when the store never had a key for
  // it; DataLossError when the bytes do not authenticate.
  StatusOr<std::string> Unseal(std::string_view subject,
                               std::string_view key_id, std::string_view nonce,
                               std::string_view data);

  // Destroys `subject`'s data key: its file is deleted (and the directory
  // synced), the cached copy wiped, and a marker left. NotFoundError when the
  // subject has no key; FailedPreconditionError when already shredded.
  // Returns the key id that was destroyed.
  StatusOr<std::string> Shred(std::string_view subject);
  bool IsShreddedSubject(std::string_view subject) const;
  bool HasKey(std::string_view subject) const;

  const std::string& dir() const { return dir_; }

 private:
  struct DataKey {
    std::string key_id;
    std::string key;
  };
  KeyStore(std::string dir, std::string kek)
      : dir_(std::move(dir)), kek_(std::move(kek)) {}
  StatusOr<DataKey> LoadKey(std::string_view subject);
  StatusOr<DataKey> KeyFor(std::string_view subject);

  std::string dir_;
  std::string kek_;
  mutable std::mutex mu_;
  std::map<std::string, DataKey, std::less<>> cache_;  // by subject
};

}  // namespace consilium

#endif  // CONSILIUM_COMMON_KEY_STORE_H_
