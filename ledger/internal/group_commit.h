// What the group committer (group_commit.cc, docs/group-commit.md) passes
// from the appending threads to the committer, the syncer and the
// acknowledger.
#ifndef CONSILIUM_LEDGER_INTERNAL_GROUP_COMMIT_H_
#define CONSILIUM_LEDGER_INTERNAL_GROUP_COMMIT_H_

#include <rocksdb/write_batch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <tuple>
#include <vector>

#include "common/hash.h"
#include "common/status.h"
#include "ledger/ledger.h"
#include "schemas/event.h"

namespace consilium::ledger_internal {

// One queued append: a single draft or an all-or-nothing group.
struct PendingAppend {
  std::vector<EventDraft> drafts;
  size_t bytes = 0;
  // Set by Acknowledge just before `done`: another append's callback follows
  // at once on the same thread (Ledger::AppendedEvent::more).
  bool more = false;
  std::function<void(StatusOr<std::vector<Committed>>)> done;
  // RepairIndexes: committed alone; the committer calls it first with the
  // batch's WriteBatch, and it adds the repairs and sets `drafts` to the
  // event recording them (or leaves it empty: nothing to repair).
  std::function<Status(rocksdb::WriteBatch&)> prepare;
};

// A batch the committer has written (to the WAL and memtables, not yet
// synced), waiting for the syncer to make it durable and acknowledge it.
struct WrittenBatch {
  std::vector<std::unique_ptr<PendingAppend>> appends;
  std::vector<std::vector<Committed>> results;
  Head head;  // the committed head once this batch is durable
  // Merkle nodes of the in-memory upper levels the batch completes.
  std::vector<std::tuple<uint32_t, uint64_t, Hash256>> upper;
};

}  // namespace consilium::ledger_internal

#endif  // CONSILIUM_LEDGER_INTERNAL_GROUP_COMMIT_H_
