// Dataset snapshots: a reproducible dataset version of one project, written
// as `data.jsonl` (one canonical JSON line per record, records sorted by id)
// and `manifest.json` (where it came from and how to check it). The format,
// field by field, and the decisions behind it: docs/snapshots.md; a JSON
// Schema of one line: docs/schemas/snapshot-line.schema.json.
//
// A snapshot is a pure function of (ledger prefix, export spec, pseudonym
// key) (DESIGN.md invariant 5): the lines are built from an analytics state
// over events 1..as_of and from those events' stored bytes, never from the
// clock, the machine or the order of a hash map, and written by the one
// canonical JSON writer (common/canonical_json.h).
//
// Streamed: one record's line is built, handed to the sink and dropped
// before the next; the analytics state over the prefix is the only thing
// held for the whole export.
//
// Thread-safety: pure functions over const inputs; the state and the ledger
// may be read by other threads meanwhile.
//
//   ASSIGN_OR_RETURN(AnalyticsState state, BuildStateAsOf(*ledger, 120));
//   ExportSpec spec{.project = "icu-demo", .as_of_seq = 120};
//   ASSIGN_OR_RETURN(ExportCounts n, WriteSnapshotLines(*ledger, state, spec,
//       pseudonyms, [&](std::string_view line) { return out.Write(line); }));
#ifndef CONSILIUM_DATASET_SNAPSHOT_H_
#define CONSILIUM_DATASET_SNAPSHOT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "dataset/pseudonyms.h"
#include "ledger/ledger.h"
#include "projections/analytics_state.h"
#include "schemas/sealed_content.h"
#include "schemas/task_schema.h"

namespace consilium::dataset {

// What each line carries of the record itself: its content and metadata
// (kFull) or only the content's SHA-256 (kHash; both modes carry the hash).
enum class ContentMode { kFull, kHash };

// "full" / "hash"; ParseContentMode is InvalidArgument for anything else.
std::string_view ContentModeName(ContentMode mode);
StatusOr<ContentMode> ParseContentMode(std::string_view name);

// The export spec: which dataset version. Part of the manifest.
struct ExportSpec {
  std::string project{};
  uint64_t as_of_seq = 0;  // the ledger prefix: events 1..as_of_seq
  std::string tag{};       // the SnapshotTagged name it was asked by, or ""
  // Layers kept, each at most once, in enum order; empty: every layer.
  std::vector<schemas::Layer> layers{};
  ContentMode content = ContentMode::kFull;
};

// "descriptive,interpretive" -> layers in enum order. InvalidArgument naming
// an unknown or repeated layer.
StatusOr<std::vector<schemas::Layer>> ParseLayers(std::string_view list);

struct ExportCounts {
  uint64_t records = 0;
  uint64_t annotations = 0;  // annotations listed (withdrawn included)
  uint64_t revisions = 0;    // their revisions
  uint64_t fields = 0;       // per-record field distributions
  uint64_t adjudications = 0;
  // [compliance, issue 20] Records whose content is a tombstone: their
  // subject's data key was shredded (docs/encryption.md). Sorted; listed in
  // the manifest only when not empty.
  std::vector<std::string> shredded_records{};

  friend bool operator==(const ExportCounts&, const ExportCounts&) = default;
};

// Receives each line, "\n" included. A non-OK status stops the export and
// is returned as is.
using LineSink = std::function<Status(std::string_view line)>;

// Writes spec's lines to `sink`, records sorted by id (byte order).
// `state` must reflect exactly events 1..spec.as_of_seq (FailedPrecondition
// otherwise), `ledger` must hold them (record content and annotation values
// are read from the events). InvalidArgument when the project has no record
// in that prefix; DataLoss when a stored event does not read back.
// `keys` (compliance, issue 20): opens sealed content; a record whose key
// was shredded is written as a tombstone (content and metadata null,
// "content_shredded": true); sealed content without a key store is
// FailedPrecondition naming the missing key-encryption key (--content hash
// needs none).
StatusOr<ExportCounts> WriteSnapshotLines(
    const Ledger& ledger, const projections::AnalyticsState& state,
    const ExportSpec& spec, const Pseudonymizer& pseudonyms,
    const LineSink& sink, const ContentKeys& keys = {});

}  // namespace consilium::dataset

#endif  // CONSILIUM_DATASET_SNAPSHOT_H_
