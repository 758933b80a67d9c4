// The limits on what the tools read from files and stdin (issue 13), in one
// place; docs/input-limits.md lists them with their reasons. The readers are
// common/input.h.
#ifndef CONSILIUM_TOOLS_INPUT_LIMITS_H_
#define CONSILIUM_TOOLS_INPUT_LIMITS_H_

#include <cstddef>

#include "common/input.h"
#include "schemas/event.h"
#include "schemas/task_schema.h"

namespace consilium::cli {

// `schema publish FILE`: the task-schema parser's own limit, so a file it
// would refuse is not read past that point.
inline constexpr size_t kSchemaFileLimit = schemas::kMaxSchemaBytes;

// One JSON line (append's stdin, import records, annotate). An event is at
// most kMaxEventBytes (1 MiB) and a JSON escape spells one byte in at most 6
// ("\u0001"), so no line longer than this can become a valid event.
inline constexpr size_t kJsonLineLimit = 8 * kMiB;
static_assert(kJsonLineLimit >= 6 * kMaxEventBytes);

// A whole JSON-lines file for import records / annotate, which hold every
// line (--atomic validates all before appending any); counts 32 bytes of
// bookkeeping per line besides its bytes.
inline constexpr size_t kBulkFileLimit = 256 * kMiB;

// `agreement --csv` / `aggregate --csv`: a rating table is parsed in memory
// into cells of a few bytes each; 64 MiB is ~10M ratings.
inline constexpr size_t kCsvFileLimit = 64 * kMiB;

// Proofs, checkpoints, keys and events handed to `audit verify`/`proof
// verify` (all far smaller).
inline constexpr size_t kProofFileLimit = 16 * kMiB;

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_INPUT_LIMITS_H_
