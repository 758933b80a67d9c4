// The Merkle tree's nodes as the ledger keeps them: the upper levels in
// memory (UpperNodes) and every node as read from RocksDB (StoredNodes, the
// merkle::NodeSource proofs and roots are computed from). Ledger::RootAt and
// the proofs (ledger.h) are defined in merkle_store.cc beside them.
//
// Thread-safety: UpperNodes may be used from any thread; a StoredNodes
// belongs to one proof.
#ifndef CONSILIUM_LEDGER_INTERNAL_MERKLE_STORE_H_
#define CONSILIUM_LEDGER_INTERNAL_MERKLE_STORE_H_

#include <rocksdb/db.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/hash.h"
#include "common/status.h"
#include "ledger/internal/storage_layout.h"
#include "ledger/merkle.h"

namespace consilium::ledger_internal {

// The Merkle tree's upper levels (kUpperLevel and above) kept in memory:
// 1/32 of the nodes (about 10 MB at 10M events), yet they are three quarters
// of every proof's reads. Filled from the merkle family at open and by
// the committer after each durable write.
class UpperNodes {
 public:
  static constexpr uint32_t kUpperLevel = 5;

  // The node, if held.
  std::optional<Hash256> Find(uint32_t level, uint64_t index) const {
    if (level < kUpperLevel) return std::nullopt;
    std::shared_lock l(mu_);
    size_t i = level - kUpperLevel;
    if (i >= levels_.size() || index >= levels_[i].size()) return std::nullopt;
    return levels_[i][index];
  }

  // Nodes arrive in index order within each level (as the tree completes);
  // a node already held is replaced (RepairIndexes restores every node).
  void Add(const std::vector<std::tuple<uint32_t, uint64_t, Hash256>>& nodes) {
    std::unique_lock l(mu_);
    for (const auto& [level, index, hash] : nodes) {
      size_t i = level - kUpperLevel;
      if (levels_.size() <= i) levels_.resize(i + 1);
      if (levels_[i].size() == index) {
        levels_[i].push_back(hash);
      } else if (index < levels_[i].size()) {
        levels_[i][index] = hash;
      }
    }
  }

 private:
  mutable std::shared_mutex mu_;
  std::vector<std::vector<Hash256>> levels_;
};

// Merkle nodes as the ledger stores them: interior perfect subtrees in the
// merkle family; leaves are the event hashes, recomputed from the events
// family (storing them again would cost a write per event for the one or two
// leaves a proof reads).
//
// Which nodes a proof needs depends only on the tree size and index, never on
// hash values. Prefetch() therefore runs the proof once against a recorder to
// learn the node ids, then fetches them all with two RocksDB MultiGets
// (sorted keys, one pass per family) instead of ~2 log n point lookups.
class StoredNodes final : public merkle::NodeSource {
 public:
  StoredNodes(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* events,
              rocksdb::ColumnFamilyHandle* merkle, const UpperNodes* upper,
              uint64_t size)
      : db_(db), events_(events), merkle_(merkle), upper_(upper), size_(size) {}

  StatusOr<Hash256> PerfectSubtree(uint32_t level, uint64_t index) override;

  // Runs `proof(source)` against a recorder to learn which nodes it reads,
  // fetches them in two batches, and leaves them for the real run.
  template <typename Proof>
  Status Prefetch(Proof&& proof) {
    Recorder recorder(size_);
    (void)proof(recorder);  // errors surface again in the real run
    std::vector<std::pair<uint32_t, uint64_t>>& ids = recorder.ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<std::string> leaf_keys, node_keys;
    std::vector<std::pair<uint32_t, uint64_t>> leaf_ids, node_ids;
    for (const auto& [level, index] : ids) {
      if (upper_ != nullptr && upper_->Find(level, index)) continue;
      if (level == 0) {
        leaf_keys.push_back(SeqKey(index + 1));
        leaf_ids.emplace_back(level, index);
      } else {
        node_keys.push_back(MerkleKey(level, index));
        node_ids.emplace_back(level, index);
      }
    }
    RETURN_IF_ERROR(Fetch(events_, leaf_keys, leaf_ids));
    return Fetch(merkle_, node_keys, node_ids);
  }

 private:
  static uint64_t NodeId(uint32_t level, uint64_t index) {
    return index << 6 | level;  // index < 2^58 for any real ledger
  }

  Status CheckInTree(uint32_t level, uint64_t index) const {
    if (level > 63 || (index + 1) > (size_ >> level)) {
      return OutOfRangeError("Merkle node (level " + std::to_string(level) +
                             ", index " + std::to_string(index) +
                             ") is beyond the tree of " +
                             std::to_string(size_) + " events");
    }
    return OkStatus();
  }

  static StatusOr<Hash256> LeafFromRead(const rocksdb::Status& s,
                                        uint64_t index, std::string_view v);

  static StatusOr<Hash256> NodeFromRead(const rocksdb::Status& s,
                                        uint32_t level, uint64_t index,
                                        std::string_view v);

  Status Fetch(rocksdb::ColumnFamilyHandle* family,
               const std::vector<std::string>& keys,
               const std::vector<std::pair<uint32_t, uint64_t>>& ids);

  // Answers every in-tree node with a placeholder and remembers the ids.
  struct Recorder final : merkle::NodeSource {
    explicit Recorder(uint64_t n) : size(n) {}
    StatusOr<Hash256> PerfectSubtree(uint32_t level, uint64_t index) override {
      if (level > 63 || (index + 1) > (size >> level)) {
        return OutOfRangeError("beyond the tree");
      }
      ids.emplace_back(level, index);
      return Hash256{};
    }
    uint64_t size;
    std::vector<std::pair<uint32_t, uint64_t>> ids;
  };

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* events_;
  rocksdb::ColumnFamilyHandle* merkle_;
  const UpperNodes* upper_;  // may be null (nothing cached)
  uint64_t size_;
  std::unordered_map<uint64_t, Hash256> prefetched_;
};

// OutOfRange when `size` is beyond the ledger's `head` events.
Status CheckTreeSize(uint64_t size, uint64_t head);

}  // namespace consilium::ledger_internal

#endif  // CONSILIUM_LEDGER_INTERNAL_MERKLE_STORE_H_
