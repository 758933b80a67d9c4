// How the ledger indexes events: the keys of its secondary indexes that an
// event's body gives (docs/storage.md, "Indexes and the indexer").
//
// The ledger never reads an event's body itself: it is told an EventIndexer
// (LedgerOptions::indexer) and calls it at commit to fill the by_record
// index, in Verify to check it and in RepairIndexes to rebuild it, so the
// three always derive the same keys. The actor (by_actor) and request id
// (requests) come from the envelope and need no indexer.
//
// An indexer's name is stored with the ledger (Ledger::Init) and compared at
// every Ledger::Open. Changing what `keys` returns for any event is a new
// indexer with a new name: existing ledgers then refuse to open with it
// until their indexes are rebuilt (`consilium repair-indexes`).
//
// Thread-safety: `keys` must be pure (it runs on the committer and on
// Verify's hashing threads at once) and read only the event it is given,
// whose bytes have been verified.
//
//   LedgerOptions o;
//   o.indexer = kConsiliumV1Indexer;  // the default
#ifndef CONSILIUM_SCHEMAS_EVENT_INDEX_H_
#define CONSILIUM_SCHEMAS_EVENT_INDEX_H_

#include <string_view>

#include "schemas/event.h"

namespace consilium {

// The index keys of one event; views into the event's bytes.
struct IndexKeys {
  std::string_view record;  // by_record: the record it is about; "" for none
};

struct EventIndexer {
  std::string_view name;  // stored in the ledger's metadata ("indexer")
  IndexKeys (*keys)(const fb::Event& event) = nullptr;
};

// Consilium's event bodies, version 1: the record an event is about is the
// one RecordIdOf names (batches are not indexed by record). Every ledger
// written before indexers had names was indexed this way.
IndexKeys ConsiliumV1IndexKeys(const fb::Event& event);
inline constexpr EventIndexer kConsiliumV1Indexer{"consilium.v1",
                                                  &ConsiliumV1IndexKeys};

}  // namespace consilium

#endif  // CONSILIUM_SCHEMAS_EVENT_INDEX_H_
