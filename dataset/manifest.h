// The snapshot manifest (`manifest.json`, docs/snapshots.md "manifest.json"):
// where a dataset version came from (ledger origin, tree size, Merkle root
// and the signed checkpoint of exactly that size), how it was asked for (the
// export spec), by which software, what it holds (counts) and the SHA-256 of
// data.jsonl. Written as canonical JSON and a newline; read back strictly:
// every key known and present, the bytes canonical, so that any edit of the
// file is noticed (a reformatted manifest is a changed manifest).
//
// Thread-safety: pure functions.
#ifndef CONSILIUM_DATASET_MANIFEST_H_
#define CONSILIUM_DATASET_MANIFEST_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "common/status.h"
#include "dataset/snapshot.h"
#include "ledger/ledger.h"

namespace consilium::dataset {

// The value of the manifest's "format" key.
inline constexpr char kSnapshotFormat[] = "consilium-snapshot/1";
inline constexpr char kDataFile[] = "data.jsonl";
inline constexpr char kManifestFile[] = "manifest.json";

struct SoftwareInfo {
  std::string version;   // "0.1.0"
  std::string revision;  // the git revision it was built from, or "unknown"
};

struct Manifest {
  ExportSpec spec;
  StoredCheckpoint checkpoint;  // of exactly spec.as_of_seq events
  std::string verifier_key;     // the checkpoint signer's, for reference
  SoftwareInfo software;
  ExportCounts counts;
  Hash256 data_sha256{};
  uint64_t data_bytes = 0;
  std::string pseudonym_key_id;  // Pseudonymizer::KeyId()
};

// Canonical JSON and "\n".
std::string ManifestText(const Manifest& m);

// Inverse of ManifestText. InvalidArgument naming the key when a key is
// missing, unknown or of the wrong type, the format is not
// kSnapshotFormat, the checkpoint note's body does not agree with the
// ledger fields beside it, or the bytes are not exactly ManifestText of what
// they hold.
StatusOr<Manifest> ParseManifest(std::string_view text);

}  // namespace consilium::dataset

#endif  // CONSILIUM_DATASET_MANIFEST_H_
