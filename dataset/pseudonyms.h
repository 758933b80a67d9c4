// Pseudonyms for snapshot exports: a principal or an annotation id becomes
// a keyed hash, HMAC-SHA-256 under a 32-byte key of the ledger's own, so
// that a researcher never sees an annotator's identity (DESIGN.md, "Who uses
// it") and the same ledger always gives the same pseudonym (exports made
// years apart join on it).
//
// The key lives outside the ledger's events and outside RocksDB: a file
// `pseudonym.key` in the data directory (64 hex digits and a newline, mode
// 0600), created on first use. It is not derivable from the ledger, so
// anyone holding only the ledger (an auditor with a copy) cannot reverse a
// pseudonym by hashing candidate names; losing it changes every pseudonym of
// later exports (earlier snapshots keep theirs but no longer reproduce): it
// is part of `consilium backup` (docs/snapshots.md, "Pseudonyms").
//
// Spelling: "ps-" + the first 12 bytes of HMAC(key, "principal\0" + id) in
// lowercase hex for principals, "an-" + those of HMAC(key, "annotation\0" +
// id) for annotation ids (annotation ids are often made of the annotator's
// name: "dr-ada-rec-0001"). 96 bits: no collision is expected below 2^40
// ids.
//
// Thread-safety: a Pseudonymizer is immutable; its methods are safe to call
// concurrently.
//
//   ASSIGN_OR_RETURN(Pseudonymizer p, Pseudonymizer::LoadOrCreate(dir));
//   p.Principal("dr-ada");  // "ps-3f9c..." (24 hex digits)
#ifndef CONSILIUM_DATASET_PSEUDONYMS_H_
#define CONSILIUM_DATASET_PSEUDONYMS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace consilium::dataset {

inline constexpr char kPseudonymKeyFile[] = "pseudonym.key";

class Pseudonymizer {
 public:
  // The key in `data_dir`/pseudonym.key, created (32 bytes from OpenSSL's
  // CSPRNG, written to a temporary file, synced, then linked into place so
  // two processes creating it at once agree on one key) when missing and
  // `create` is true. NotFound when missing and !create; FailedPrecondition
  // when group or others may read or write it (chmod 600); DataLoss when it
  // does not hold 64 hex digits; Internal on other I/O errors.
  static StatusOr<Pseudonymizer> LoadOrCreate(const std::string& data_dir,
                                              bool create = true);
  // A key given as bytes (tests). InvalidArgument unless 32 bytes.
  static StatusOr<Pseudonymizer> FromKey(std::string_view key);

  std::string Principal(std::string_view id) const;
  std::string Annotation(std::string_view id) const;
  // Names the key without revealing it: the first 8 bytes of SHA-256("consilium
  // pseudonym key id\0" + key), hex. The manifest records it, so that a
  // snapshot made under another key is told apart from a changed one.
  std::string KeyId() const;

 private:
  Pseudonymizer() = default;
  std::string Mac(std::string_view domain, std::string_view id,
                  std::string_view prefix) const;
  std::array<uint8_t, 32> key_{};
};

}  // namespace consilium::dataset

#endif  // CONSILIUM_DATASET_PSEUDONYMS_H_
