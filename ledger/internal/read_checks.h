// Checks on what the ledger serves to a reader (docs/verification.md, "What
// reads check"): the events a scan delivers are dense and linked, the head
// agrees with the head recorded with the last commit, and every proof
// recomputes to the root it is served with. Each failure is DataLoss naming
// the position, so a damaged ledger answers with an error instead of a
// plausible but wrong answer. Pure functions over values the ledger has
// already read; no I/O.
//
// Thread-safety: the free functions are pure; a ScanChecker belongs to one
// scan.
#ifndef CONSILIUM_LEDGER_INTERNAL_READ_CHECKS_H_
#define CONSILIUM_LEDGER_INTERNAL_READ_CHECKS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "common/status.h"
#include "schemas/event.h"

namespace consilium::ledger_internal {

// The head as recorded in meta with the last commit (8-byte BE seq ||
// 32-byte hash). nullopt when the value is absent or malformed.
struct RecordedHead {
  uint64_t seq = 0;
  Hash256 hash{};
};
std::optional<RecordedHead> ParseRecordedHead(std::string_view value);

// OK when the newest stored event (`last_seq` 0 for none, `last_hash` its
// recomputed hash) is the recorded head; DataLoss naming both otherwise.
// `value_present` is false when meta holds no head (an empty ledger).
Status CheckHead(uint64_t last_seq, const Hash256& last_hash,
                 bool value_present,
                 const std::optional<RecordedHead>& recorded);

// Checks each event of an in-order scan as it is delivered: its key is the
// next sequence number (the first one is `first`), the sequence number
// inside the event equals its key, and (when hashes are computed) its
// recorded previous hash equals the previous delivered event's hash.
class ScanChecker {
 public:
  explicit ScanChecker(uint64_t first) : expected_(first) {}
  // `hash` is null when the scan does not compute hashes (no link check).
  Status Check(uint64_t seq, const fb::Event& event, const Hash256* hash);
  // The next sequence number the scan should deliver.
  uint64_t expected() const { return expected_; }

 private:
  uint64_t expected_;
  bool have_prev_ = false;
  Hash256 prev_{};
};

// DataLoss naming the event when its stored sequence number differs from
// the key it is stored under.
Status CheckStoredSequence(uint64_t key_seq, const fb::Event& event);

// The served proof must recompute to the served root (RFC 9162 verifiers,
// ledger/proof_verifier.h); DataLoss naming the event / sizes otherwise.
Status CheckServedInclusion(uint64_t seq, uint64_t size, const Hash256& leaf,
                            std::span<const Hash256> proof,
                            const Hash256& root);
Status CheckServedConsistency(uint64_t size1, uint64_t size2,
                              std::span<const Hash256> proof,
                              const Hash256& root1, const Hash256& root2);

// The root the stored nodes give at `size` must equal the root a stored
// signed checkpoint of that size records.
Status CheckRootAgainstCheckpoint(uint64_t size, const Hash256& root,
                                  const Hash256& checkpoint_root);

}  // namespace consilium::ledger_internal

#endif  // CONSILIUM_LEDGER_INTERNAL_READ_CHECKS_H_
