// A snapshot on disk: a directory holding data.jsonl and manifest.json
// (dataset/manifest.h), written by ExportSnapshot and checked by
// VerifySnapshot (docs/snapshots.md, "Verifying a snapshot").
//
// Thread-safety: no shared state; a directory must not be written by two
// exports at once (the second finds it not empty and refuses).
//
//   ASSIGN_OR_RETURN(Manifest m, ExportSnapshot(*ledger, state, spec, ps, cp,
//                                               vkey, software, "out/v1"));
//   Status ok = VerifySnapshot("out/v1", verifier, ledger.get(), print);
#ifndef CONSILIUM_DATASET_SNAPSHOT_DIR_H_
#define CONSILIUM_DATASET_SNAPSHOT_DIR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "dataset/manifest.h"
#include "dataset/pseudonyms.h"
#include "dataset/snapshot.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "projections/analytics_state.h"

namespace consilium::dataset {

// Writes `outdir`/data.jsonl (streamed through a temporary file, synced,
// then renamed) and `outdir`/manifest.json (likewise), creating `outdir`
// when missing. `checkpoint` must be the signed checkpoint of exactly
// spec.as_of_seq events (InvalidArgument otherwise). AlreadyExists when
// `outdir` exists and is not empty (a snapshot is never overwritten);
// Internal on I/O errors (nothing is left behind but the directory);
// WriteSnapshotLines' errors. `progress` (may be empty) is called with the
// records written so far and the project's record count as of
// spec.as_of_seq: (0, total) first, then after each line, on this thread.
StatusOr<Manifest> ExportSnapshot(
    const Ledger& ledger, const projections::AnalyticsState& state,
    const ExportSpec& spec, const Pseudonymizer& pseudonyms,
    const StoredCheckpoint& checkpoint, const std::string& verifier_key,
    const SoftwareInfo& software, const std::string& outdir,
    const ContentKeys& keys = {},
    const std::function<void(uint64_t done, uint64_t total)>& progress = {});

// Checks the snapshot in `outdir`; `passed` (may be empty) gets one line
// per check as it passes. Without a ledger: manifest.json parses strictly
// (ParseManifest), data.jsonl's size and SHA-256 are the manifest's, its
// lines are JSON objects of the manifest's project, sorted by record id,
// adding up to the manifest's counts, and the checkpoint note verifies
// with `verifier` (whose key must be the manifest's verifier key). With
// `ledger` (not null) also: the ledger's origin is the snapshot's, the
// ledger's root at the snapshot's size is the snapshot's root and a
// consistency proof from that size to the ledger's head verifies, and
// re-exporting the manifest's spec from the ledger (with the pseudonym key
// in its data directory) gives data.jsonl's digest again.
// The first failure is returned, its message naming what differs:
//   DataLoss         "data.jsonl changed: ..." / "manifest changed: ..."
//   Unauthenticated  "checkpoint not signed by <key>: ..."
//   FailedPrecondition "snapshot of a different ledger: ..." (or the ledger
//                    is shorter than the snapshot, or lacks the pseudonym key)
//   NotFound         a file is missing
// `keys` (encryption at rest) open what the re-export opens: sealed record
// content of a full-content snapshot and annotations' sealed free text.
StatusOr<Manifest> VerifySnapshot(
    const std::string& outdir, const NoteVerifier& verifier,
    const Ledger* ledger, const std::function<void(std::string_view)>& passed,
    const ContentKeys& keys = {});

}  // namespace consilium::dataset

#endif  // CONSILIUM_DATASET_SNAPSHOT_DIR_H_
