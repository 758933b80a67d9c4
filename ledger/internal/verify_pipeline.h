// VerifyPipeline: checks a run of stored events for decodability, dense
// sequence numbers and an unbroken hash chain, hashing on all cores while the
// caller's thread reads from disk and checks links in order.
//
// Attribution: when the link into event f breaks (f's recorded previous hash
// differs from event f-1's hash), either event f-1's bytes changed or event
// f's did. A change to f also changes f's own hash, so the link out of f (into
// f+1, or into the recorded head) breaks too. The pipeline looks one link
// further and blames f when both break, f-1 when only the first does.
//
// Thread-safety: one Run per object.
#ifndef CONSILIUM_LEDGER_INTERNAL_VERIFY_PIPELINE_H_
#define CONSILIUM_LEDGER_INTERNAL_VERIFY_PIPELINE_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "common/status.h"
#include "ledger/ledger.h"
#include "schemas/event.h"

namespace consilium::ledger_internal {

// A decoded event, by its key's sequence number.
struct SeqEvent {
  uint64_t seq;
  const fb::Event* event;
};

class VerifyPipeline {
 public:
  // `from`: first sequence number expected; `anchor`: hash event from-1 must
  // have (all zero for from = 1); `recorded_head_*`: the head as recorded in
  // metadata (seq 0 when unknown).
  VerifyPipeline(uint64_t from, const Hash256& anchor,
                 uint64_t recorded_head_seq, const Hash256& recorded_head_hash);

  // `next` points `key` and `value` at the next stored entry (valid until
  // the following call) and returns OK, leaves `key` empty at the end, or
  // returns an error (reported as the problem).
  using Source =
      std::function<Status(std::string_view* key, std::string_view* value)>;
  VerifyReport Run(const Source& next,
                   const std::function<void(uint64_t)>& progress);

  // For callers that already hold the hashes: the sequence of leaf hashes
  // verified by the last Run, in order (used to recompute the Merkle root).
  void set_leaf_sink(std::function<void(const Hash256&)> sink) {
    leaf_sink_ = std::move(sink);
  }

  // A run of 2^height verified events starting at a leaf index (first_seq -
  // 1) that is a multiple of 2^height, with the nodes of its perfect
  // subtree: the 2^(height-1) level-1 nodes first, level by level, the
  // subtree's root last.
  struct Subtree {
    uint64_t first_seq;
    uint32_t height;
    std::span<const Hash256> leaves;
    std::span<const Hash256> nodes;
  };
  // When set, the hashing threads also compute the Merkle subtree of every
  // aligned full chunk of events (many node hashes at once), and such runs
  // reach this sink, in order, instead of the leaf sink.
  void set_subtree_sink(std::function<void(const Subtree&)> sink) {
    subtree_sink_ = std::move(sink);
  }

  // When set, called on a hashing thread with each chunk's decodable events
  // (up to 1,024, in key order), chunks in any order and concurrently: the
  // index check collects the entries each event should have there. The
  // events are valid for the call only.
  using EventsSink = std::function<void(std::span<const SeqEvent>)>;
  void set_events_sink(EventsSink sink) { events_sink_ = std::move(sink); }

 private:
  uint64_t from_;
  Hash256 anchor_;
  uint64_t recorded_head_seq_;
  Hash256 recorded_head_hash_;
  std::function<void(const Hash256&)> leaf_sink_;
  std::function<void(const Subtree&)> subtree_sink_;
  EventsSink events_sink_;
};

}  // namespace consilium::ledger_internal

#endif  // CONSILIUM_LEDGER_INTERNAL_VERIFY_PIPELINE_H_
