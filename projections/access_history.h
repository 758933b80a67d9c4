// Access history (DESIGN invariant 3, docs/audit.md): the AccessRecorded
// events of a record, of a principal, or of a time window, read from the
// ledger when asked. They are not kept in memory: a server records one per
// read, so a list of them would grow without bound (the soak of
// docs/reliability.md). A record's come from the ledger's by_record index,
// a principal's from by_actor (the actor of an access event is the
// principal who asked), both ascending and cut to the time window by binary
// search over event timestamps, which never decrease (SeqAtTime).
//
// Cost: O(log N) reads to find the window, the record's (or principal's)
// whole index list, then one Get per indexed event inside the window,
// access events or not (a principal's annotations too); a window read
// scans its events.
//
// Thread-safety: reads of a Ledger (thread-safe) only.
//
//   ASSIGN_OR_RETURN(std::vector<AccessEntry> seen,
//                    AccessHistoryForRecord(ledger, "rec-1", {.to_seq =
//                    head}));
#ifndef CONSILIUM_PROJECTIONS_ACCESS_HISTORY_H_
#define CONSILIUM_PROJECTIONS_ACCESS_HISTORY_H_

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ledger/ledger.h"

namespace consilium::projections {

// One AccessRecorded event.
struct AccessEntry {
  uint64_t seq = 0;
  int64_t timestamp_us = 0;
  std::string actor;
  std::string resource_kind;
  std::string resource_id;
  std::string action;
  std::string purpose;
  bool allowed = false;
  std::string reason;
  std::string record;
  std::string project;
};

// Which events: from_us <= timestamp < to_us, and seq <= to_seq (0: the
// head when the read starts), so a reader can pin the ledger position its
// other answers reflect.
struct AccessWindow {
  int64_t from_us = 0;
  int64_t to_us = INT64_MAX;
  uint64_t to_seq = 0;
};

// The access events about `record` in `window`, in sequence order.
StatusOr<std::vector<AccessEntry>> AccessHistoryForRecord(
    const Ledger& ledger, std::string_view record, const AccessWindow& window);
// The access events `principal` made in `window`, in sequence order.
StatusOr<std::vector<AccessEntry>> AccessHistoryByPrincipal(
    const Ledger& ledger, std::string_view principal,
    const AccessWindow& window);
// Every access event in `window`, in sequence order (a scan of the window's
// events: audit summaries and anomaly rules).
StatusOr<std::vector<AccessEntry>> AccessHistoryInWindow(
    const Ledger& ledger, const AccessWindow& window);

// Pointers to each of `entries`, in order (for readers that filter or group
// without copying).
std::vector<const AccessEntry*> Pointers(
    const std::vector<AccessEntry>& entries);

}  // namespace consilium::projections

#endif  // CONSILIUM_PROJECTIONS_ACCESS_HISTORY_H_
