// Times and as-of positions as people and scripts write them, read at the
// edge: the CLI's --as-of/--from/--to and the server's as_of/from/to query
// parameters go through these, so both accept exactly the same text.
//
// Thread-safety: pure functions.
//
//   StatusOr<int64_t> t = ParseUtcTime("2024-05-01T12:00:00.25Z");
#ifndef CONSILIUM_RENDER_TIME_INPUT_H_
#define CONSILIUM_RENDER_TIME_INPUT_H_

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "ledger/ledger.h"

namespace consilium::render {

// "2024-05-01T12:00:00Z", optionally with a fraction of a second
// ("...:00.25Z", digits past the sixth ignored) -> microseconds since the
// epoch. InvalidArgument naming the text otherwise.
StatusOr<int64_t> ParseUtcTime(std::string_view text);

// An as-of position: `text` is a sequence number (digits) or a time
// (ParseUtcTime, mapped to the last event at or before it). OutOfRange
// "WHAT N is beyond the ledger's H events" past the head; InvalidArgument
// for text that is neither (or a number past 2^64 - 1), naming `what`
// ("--as-of", "as_of"); the ledger's errors otherwise.
StatusOr<uint64_t> ResolveAsOf(const Ledger& ledger, std::string_view text,
                               std::string_view what);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_TIME_INPUT_H_
