#include "ledger/internal/read_checks.h"

#include <cstring>

#include "ledger/internal/storage_layout.h"
#include "ledger/proof_verifier.h"

namespace consilium::ledger_internal {
namespace {

constexpr char kRunVerify[] = " (run `consilium verify`)";

std::string Short(const Hash256& h) { return ToHex(h).substr(0, 16); }

}  // namespace

std::optional<RecordedHead> ParseRecordedHead(std::string_view value) {
  if (value.size() != 40) return std::nullopt;
  RecordedHead h;
  h.seq = GetBigEndian64(value.data());
  std::memcpy(h.hash.data(), value.data() + 8, 32);
  return h;
}

Status CheckHead(uint64_t last_seq, const Hash256& last_hash,
                 bool value_present,
                 const std::optional<RecordedHead>& recorded) {
  if (!value_present) {
    if (last_seq == 0) return OkStatus();
    return DataLossError("the recorded head is missing but events 1.." +
                         std::to_string(last_seq) + " are stored" + kRunVerify);
  }
  if (!recorded) {
    return DataLossError("the recorded head is malformed (not 40 bytes)" +
                         std::string(kRunVerify));
  }
  if (recorded->seq > last_seq) {
    return DataLossError(
        "event " + std::to_string(last_seq + 1) +
        " is missing: the recorded head is event " +
        std::to_string(recorded->seq) + " but the newest stored event is " +
        (last_seq == 0 ? std::string("none") : std::to_string(last_seq)) +
        kRunVerify);
  }
  if (recorded->seq < last_seq) {
    return DataLossError("event " + std::to_string(recorded->seq + 1) +
                         " is stored beyond the recorded head (event " +
                         std::to_string(recorded->seq) + ")" + kRunVerify);
  }
  if (recorded->hash != last_hash) {
    return DataLossError("event " + std::to_string(last_seq) +
                         " (the head) hashes to " + Short(last_hash) +
                         "... but the recorded head hash is " +
                         Short(recorded->hash) + "..." + kRunVerify);
  }
  return OkStatus();
}

Status CheckStoredSequence(uint64_t key_seq, const fb::Event& event) {
  uint64_t inside = SequenceOf(event);
  if (inside == key_seq) return OkStatus();
  return DataLossError("event " + std::to_string(key_seq) +
                       ": stored under sequence number " +
                       std::to_string(key_seq) + " but records " +
                       std::to_string(inside) + kRunVerify);
}

Status ScanChecker::Check(uint64_t seq, const fb::Event& event,
                          const Hash256* hash) {
  if (seq != expected_) {
    return DataLossError("gap: event " + std::to_string(expected_) +
                         " is missing (the next stored event is " +
                         std::to_string(seq) + ")" + kRunVerify);
  }
  RETURN_IF_ERROR(CheckStoredSequence(seq, event));
  if (hash != nullptr) {
    if (have_prev_ && PrevHashOf(event) != prev_) {
      return DataLossError("broken link: event " + std::to_string(seq) +
                           " records a previous hash that is not event " +
                           std::to_string(seq - 1) + "'s hash" + kRunVerify);
    }
    prev_ = *hash;
    have_prev_ = true;
  }
  ++expected_;
  return OkStatus();
}

Status CheckServedInclusion(uint64_t seq, uint64_t size, const Hash256& leaf,
                            std::span<const Hash256> proof,
                            const Hash256& root) {
  Status s = merkle::VerifyInclusion(seq - 1, size, leaf, proof, root);
  if (s.ok()) return s;
  return DataLossError(
      "inclusion proof of event " + std::to_string(seq) + " in the tree of " +
      std::to_string(size) + " events does not recompute to the stored root " +
      Short(root) + "... (" + s.message() +
      "): a stored Merkle node or event was altered" + kRunVerify);
}

Status CheckServedConsistency(uint64_t size1, uint64_t size2,
                              std::span<const Hash256> proof,
                              const Hash256& root1, const Hash256& root2) {
  Status s = merkle::VerifyConsistency(size1, size2, proof, root1, root2);
  if (s.ok()) return s;
  return DataLossError(
      "consistency proof from size " + std::to_string(size1) + " to " +
      std::to_string(size2) + " does not recompute to the stored roots (" +
      s.message() + "): a stored Merkle node or event was altered" +
      kRunVerify);
}

Status CheckRootAgainstCheckpoint(uint64_t size, const Hash256& root,
                                  const Hash256& checkpoint_root) {
  if (root == checkpoint_root) return OkStatus();
  return DataLossError(
      "tree of " + std::to_string(size) +
      " events: the stored Merkle nodes give root " + Short(root) +
      "... but the signed checkpoint of size " + std::to_string(size) +
      " records " + Short(checkpoint_root) +
      "...: a stored Merkle node or event was altered" + kRunVerify);
}

}  // namespace consilium::ledger_internal
