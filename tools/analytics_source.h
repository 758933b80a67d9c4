// Where the ledger-backed analytics commands (`agreement --data`,
// `calibration`, `distribution`, `access`) get their state: the ledger opened
// read-only and the analytics state built over events 1..N for --as-of, else
// from the stored projection checkpoint plus the events after it
// (projections::ProjectionEngine). Shared by tools/cmd_agreement.cc and
// tools/cmd_projections.cc so that neither calls the other.
#ifndef CONSILIUM_TOOLS_ANALYTICS_SOURCE_H_
#define CONSILIUM_TOOLS_ANALYTICS_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "ledger/ledger.h"
#include "projections/engine.h"
#include "tools/cli.h"

namespace consilium::cli {

// The state a command reads; state.last_seq() is the position it reflects.
struct LoadedAnalytics {
  std::unique_ptr<Ledger> ledger;
  projections::AnalyticsState state;
};

// Opens --data read-only and builds the state as of --as-of (a sequence
// number or a time, see ParseTime) or the head. OutOfRange when --as-of is
// beyond the head; InvalidArgument for an unreadable --as-of; the ledger's
// and engine's errors otherwise.
StatusOr<LoadedAnalytics> LoadAnalytics(const Args& args);

// The position --as-of names (a sequence number, or the last event at or
// before a time), or the head without --as-of. OutOfRange beyond the head,
// InvalidArgument for an unreadable value.
StatusOr<uint64_t> AsOfSeq(const Args& args, const Ledger& ledger);

// "2024-05-01T12:00:00Z" or with a fraction ("...:00.25Z") -> microseconds
// since the epoch. InvalidArgument otherwise.
StatusOr<int64_t> ParseTime(const std::string& text);

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_ANALYTICS_SOURCE_H_
