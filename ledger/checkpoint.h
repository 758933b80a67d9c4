// Signed checkpoints: C2SP tlog-checkpoint bodies signed as C2SP signed-notes
// with Ed25519 (OpenSSL), plus the key strings and key files that go with
// them. Database-free, so an auditor's program can verify checkpoints with
// just a verifier key.
//
// Formats (docs/proofs.md has a worked example):
//   checkpoint body  "<origin>\n<decimal size>\n<base64 root>\n" then
//                    optional extension lines, each ending in "\n".
//   signed note      "<body>\n" then one or more signature lines
//                    "\u2014 <key name> <base64(key id || signature)>\n".
//   key id           first 4 bytes (big-endian) of
//                    SHA-256(name || 0x0A || 0x01 || 32-byte public key).
//   verifier key     "<name>+<hex8 key id>+<base64(0x01 || public key)>".
//   private key      "PRIVATE+KEY+<name>+<hex8 key id>+<base64(0x01 || seed)>"
//                    (the Go golang.org/x/mod/sumdb/note format).
// Key names are non-empty UTF-8 without Unicode white space or '+'.
//
// Thread-safety: NoteSigner and NoteVerifier are immutable after creation;
// their const methods are safe to call concurrently. The free functions are
// pure.
//
//   StatusOr<NoteSigner> signer = ReadKeyFile("/etc/consilium/log.key");
//   std::string body = FormatCheckpointBody({"log.example", 42, root});
//   StatusOr<std::string> note = signer->Sign(body);
//   ...
//   StatusOr<NoteVerifier> v = NoteVerifier::FromVerifierKey(vkey_string);
//   StatusOr<std::string> opened = v->Open(*note);  // == body
//   StatusOr<Checkpoint> cp = ParseCheckpointBody(*opened);
#ifndef CONSILIUM_LEDGER_CHECKPOINT_H_
#define CONSILIUM_LEDGER_CHECKPOINT_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "common/status.h"

namespace consilium {

// A tlog-checkpoint: the log's origin line, its tree size and its RFC 9162
// root at that size.
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash256 root{};

  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// OK when `origin` can be a checkpoint's first line: non-empty, well-formed
// UTF-8 with no control characters. InvalidArgument saying why otherwise.
Status ValidateCheckpointOrigin(std::string_view origin);

// OK when `name` can be a signed-note key name: non-empty, well-formed UTF-8
// with no control characters, no Unicode white space and no '+'.
// InvalidArgument saying why otherwise.
Status ValidateKeyName(std::string_view name);

// "<origin>\n<size>\n<base64 root>\n", no extension lines.
// Precondition (asserted): ValidateCheckpointOrigin(checkpoint.origin) is OK.
std::string FormatCheckpointBody(const Checkpoint& checkpoint);

// Parses a checkpoint body strictly: valid origin line; size in decimal
// without sign or leading zeros, fitting 64 bits; root in padded standard
// base64 of exactly 32 bytes; every line, extension lines included, ends in
// "\n"; extension lines are non-empty and are accepted but not returned.
// InvalidArgument naming the line and what is wrong.
StatusOr<Checkpoint> ParseCheckpointBody(std::string_view body);

// An Ed25519 signing key with its signed-note name. Holds the 32-byte seed,
// wiped on destruction; movable, not copyable.
class NoteSigner {
 public:
  // A fresh key from OpenSSL's CSPRNG. InvalidArgument for a bad name;
  // Internal when OpenSSL fails.
  static StatusOr<NoteSigner> Generate(std::string_view name);

  // Parses "PRIVATE+KEY+<name>+<hex8 key id>+<base64(0x01 || seed)>".
  // InvalidArgument when malformed, when the algorithm byte is not 0x01
  // (Ed25519) or when the key id does not match the name and key.
  static StatusOr<NoteSigner> FromPrivateKeyString(std::string_view key);

  NoteSigner(NoteSigner&& other) noexcept;
  NoteSigner& operator=(NoteSigner&& other) noexcept;
  NoteSigner(const NoteSigner&) = delete;
  NoteSigner& operator=(const NoteSigner&) = delete;
  ~NoteSigner();

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }

  // The signed note: `body`, a blank line, and this key's signature line.
  // InvalidArgument when `body` is not valid note text (empty, not ending in
  // "\n", not UTF-8, or holding control characters other than "\n");
  // Internal when OpenSSL fails.
  StatusOr<std::string> Sign(std::string_view body) const;

  // "<name>+<hex8 key id>+<base64(0x01 || public key)>".
  std::string VerifierKey() const;
  // "PRIVATE+KEY+<name>+<hex8 key id>+<base64(0x01 || seed)>": a secret.
  std::string PrivateKeyString() const;

 private:
  NoteSigner() = default;
  static StatusOr<NoteSigner> FromSeed(std::string_view name,
                                       const std::array<uint8_t, 32>& seed);

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> seed_{};
  std::array<uint8_t, 32> public_key_{};
};

// An Ed25519 verifier key with its name: checks signed notes.
class NoteVerifier {
 public:
  // Parses "<name>+<hex8 key id>+<base64(0x01 || public key)>".
  // InvalidArgument when malformed, when the algorithm byte is not 0x01 or
  // when the key id does not match the name and key.
  static StatusOr<NoteVerifier> FromVerifierKey(std::string_view key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  // The key string it was parsed from, in canonical form.
  std::string VerifierKey() const;

  // Returns the note's body (everything up to and including the newline
  // before the blank line) when one of its signature lines is by this key
  // and verifies. Signature lines by other keys are ignored.
  //   InvalidArgument  "malformed note: ..." (not UTF-8, control characters,
  //                    no blank line, a bad signature line, > 100 lines)
  //   NotFound         no signature line with this key's name
  //   Unauthenticated  "key id mismatch: ..." (a line with this name but
  //                    another key id) or "signature ... is invalid"
  //   Internal         OpenSSL failed
  StatusOr<std::string> Open(std::string_view note) const;

 private:
  NoteVerifier() = default;

  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> public_key_{};
};

// Reads a private key file (one line, the PrivateKeyString format).
// NotFound when missing; FailedPrecondition when group or others may read or
// write it (chmod 600); InvalidArgument when its contents do not parse;
// Internal on other I/O errors.
StatusOr<NoteSigner> ReadKeyFile(const std::string& path);

// Creates `path` with mode 0600 holding signer.PrivateKeyString() and a
// newline, synced to disk. AlreadyExists when the path exists (never
// overwrites); Internal on other I/O errors (the partial file is removed).
Status WriteKeyFile(const std::string& path, const NoteSigner& signer);

}  // namespace consilium

#endif  // CONSILIUM_LEDGER_CHECKPOINT_H_
