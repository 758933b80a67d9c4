// Checking and rebuilding the ledger's derived indexes (by_record, by_actor,
// requests, and the Merkle nodes) against the events they are derived from.
//
// Verification (IndexCheck) streams. The hashing threads add a fingerprint of
// every index entry each event should have; a scan of each index family adds
// a fingerprint of every entry it holds. Fingerprints are summed per bucket
// of 1,024 sequence numbers (the entry's event), so the two sides meet in any
// order and in constant memory per bucket. A fingerprint is a keyed hash with
// a key drawn per run (SipHash-2-4 of the id, mixed with the sequence
// number), so no stored entry can be crafted to cancel another's. A bucket
// whose sums differ is then compared entry by entry (DiagnoseIndex), which
// names the entry: missing, extra (pointing nowhere or to the wrong event),
// or with a wrong value.
//
// Repair (PlanIndexRepair) reads every event and every index entry and
// returns the writes that make the indexes what the events give.
//
// Thread-safety: IndexCheck::AddEvents may run on many threads at once;
// everything else is single-threaded.
#ifndef CONSILIUM_LEDGER_INTERNAL_INDEX_CHECK_H_
#define CONSILIUM_LEDGER_INTERNAL_INDEX_CHECK_H_

#include <rocksdb/db.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "common/hash.h"
#include "common/status.h"
#include "ledger/internal/verify_pipeline.h"
#include "ledger/merkle.h"
#include "schemas/event.h"
#include "schemas/event_index.h"

namespace consilium::ledger_internal {

// The entry-per-event indexes, in the order they are checked and reported.
enum class IndexFamily : size_t { kByRecord = 0, kByActor = 1, kRequests = 2 };
inline constexpr size_t kIndexFamilies = 3;
std::string_view IndexFamilyName(IndexFamily f);

// SipHash-2-4 (Aumasson and Bernstein) with the 128-bit key (k0, k1).
uint64_t SipHash24(uint64_t k0, uint64_t k1, std::string_view data);

// The column families and read options the checks read through, and the
// indexer that gives each event's by_record key (LedgerOptions::indexer).
struct IndexStore {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* events = nullptr;
  rocksdb::ColumnFamilyHandle* merkle = nullptr;
  rocksdb::ColumnFamilyHandle* families[kIndexFamilies] = {};  // IndexFamily
  rocksdb::ReadOptions read;  // a snapshot, for verification
  EventIndexer indexer;
};

class IndexCheck {
 public:
  // Checks index entries of events 1..last_seq (the recorded head), the
  // by_record keys as `indexer` gives them. A stored entry naming an event
  // beyond it is reported as pointing nowhere.
  IndexCheck(uint64_t last_seq, const EventIndexer& indexer);
  ~IndexCheck();  // stops a started scan and waits for it
  IndexCheck(const IndexCheck&) = delete;
  IndexCheck& operator=(const IndexCheck&) = delete;

  // Expected side: the entries `events` should have. Thread-safe.
  void AddEvents(std::span<const SeqEvent> events);

  // Stored side: scans one family (through store.read). Returns the first
  // entry that is wrong on its own (malformed key or value, an event number
  // out of range) as a problem message, or "" after adding every entry.
  // A read failure is returned as an error.
  StatusOr<std::string> ScanStored(const IndexStore& store, IndexFamily f);

  // ScanStored of every family, in order, on a thread of its own at a lower
  // priority than the caller's (the in-order reader of Verify goes first).
  // `store` (its snapshot) must stay valid until Finish or destruction.
  void StartScan(const IndexStore& store);

  // Waits for the scan and compares both sides for events 1..head: the
  // first problem the scan found, else the first wrong entry of the first
  // bucket that differs (DiagnoseIndex), else "".
  StatusOr<std::string> Finish(const IndexStore& store, uint64_t head);

  // After both sides: for events 1..head, the first bucket whose sums
  // differ, per family, as (family, first seq, last seq), lowest first.
  std::vector<std::tuple<IndexFamily, uint64_t, uint64_t>> Mismatches(
      uint64_t head) const;

 private:
  static constexpr uint32_t kBucketShift = 10;
  size_t Bucket(uint64_t seq) const { return (seq - 1) >> kBucketShift; }
  uint64_t EntryPrint(uint64_t id_hash, uint64_t seq, IndexFamily f) const;

  uint64_t last_seq_;
  EventIndexer indexer_;
  size_t buckets_;
  uint64_t k0_, k1_, mix_[kIndexFamilies];
  std::unique_ptr<std::atomic<uint64_t>[]> expected_[kIndexFamilies];
  std::vector<uint64_t> stored_[kIndexFamilies];
  std::atomic<bool> stop_{false};  // the scan's result is no longer wanted
  std::thread scanner_;
  StatusOr<std::string> scan_result_ = std::string();
};

// Compares family `f` with the events lo..hi entry by entry and describes the
// first wrong entry ("index requests: missing entry for actor \"a\" request
// \"r-17\" (event 42)"), or returns "" when they agree. A request id that an
// earlier event already created is no entry of its own (it was a retry).
StatusOr<std::string> DiagnoseIndex(const IndexStore& store, IndexFamily f,
                                    uint64_t lo, uint64_t hi);

// After every stored Merkle node of a tree of `size` events was matched in
// key order level by level (Verify's node check): finds a stored entry that
// is no node of that tree (beyond it, at level 0 or above 63, or a malformed
// key) and describes it, or returns "".
StatusOr<std::string> FindExtraMerkleNodes(const IndexStore& store,
                                           uint64_t size);

// What the indexes of events 1..last_seq should be and the writes that make
// them so.
struct IndexRepairPlan {
  struct Count {
    std::string index;     // by_record, by_actor, requests, merkle
    uint64_t added = 0;    // entries written (missing or with a wrong value)
    uint64_t removed = 0;  // entries deleted (pointing nowhere or wrongly)
  };
  std::vector<Count> counts;  // every index, in the order above
  struct Write {
    rocksdb::ColumnFamilyHandle* family;
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };
  std::vector<Write> writes;
  // The tree of events 1..last_seq, and its nodes of level >= upper_level.
  merkle::CompactRange range;
  std::vector<std::tuple<uint32_t, uint64_t, Hash256>> upper;
  bool changed() const { return !writes.empty(); }
};

// Reads events 1..last_seq and every index entry. FailedPrecondition when
// the events themselves do not verify (a gap, undecodable bytes, a broken
// link): indexes are rebuilt only from a sound chain.
// `progress` (may be empty) gets the events read so far and last_seq.
using RepairProgress = std::function<void(uint64_t, uint64_t)>;
StatusOr<IndexRepairPlan> PlanIndexRepair(const IndexStore& store,
                                          uint64_t last_seq,
                                          uint32_t upper_level,
                                          const RepairProgress& progress = {});

}  // namespace consilium::ledger_internal

#endif  // CONSILIUM_LEDGER_INTERNAL_INDEX_CHECK_H_
