// The JSON shapes of inclusion and consistency proofs, as printed by
// `consilium proof ...`, read by `consilium audit verify` and documented in
// docs/proofs.md for auditors. They are the shapes of the RFC 9162 test
// vectors in transparency-dev/merkle (../shared/data/merkle-vectors), with
// every hash in padded standard base64:
//
//   {"leafIdx": 3, "treeSize": 8, "root": "<b64>", "leafHash": "<b64>",
//    "proof": ["<b64>", ...]}
//   {"size1": 3, "size2": 8, "root1": "<b64>", "root2": "<b64>",
//    "proof": ["<b64>", ...]}
//
// Parsing is strict: the input is one JSON object; each of these keys is
// required with its exact type (non-negative integer, string, array of
// strings); each hash decodes to exactly 32 bytes; any other key is
// rejected except the test vectors' annotations "desc" (string) and
// "wantErr" (boolean), which are accepted and ignored. "proof": null is read
// as an empty proof (Go's encoding of an empty list, used by the vectors).
// Errors are InvalidArgument naming the key: `"proof"[2]: base64 length 43
// is not a multiple of 4`. Verification is separate (proof_verifier.h).
//
// Thread-safety: pure functions, safe to call concurrently.
//
//   StatusOr<merkle::InclusionBundle> b =
//   merkle::InclusionBundleFromJson(text); if (b.ok()) s =
//   merkle::VerifyInclusion(b->leaf_index, b->tree_size,
//                                           b->leaf_hash, b->proof, b->root);
#ifndef CONSILIUM_LEDGER_PROOF_JSON_H_
#define CONSILIUM_LEDGER_PROOF_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash.h"
#include "common/status.h"

namespace consilium::merkle {

// Everything needed to check one inclusion proof against a root.
struct InclusionBundle {
  uint64_t leaf_index = 0;  // "leafIdx": 0-based position in the tree
  uint64_t tree_size = 0;   // "treeSize"
  Hash256 root{};           // "root"
  Hash256 leaf_hash{};      // "leafHash"
  std::vector<Hash256> proof;

  friend bool operator==(const InclusionBundle&,
                         const InclusionBundle&) = default;
};

// Everything needed to check one consistency proof between two roots.
struct ConsistencyBundle {
  uint64_t size1 = 0;  // "size1"
  uint64_t size2 = 0;  // "size2"
  Hash256 root1{};     // "root1"
  Hash256 root2{};     // "root2"
  std::vector<Hash256> proof;

  friend bool operator==(const ConsistencyBundle&,
                         const ConsistencyBundle&) = default;
};

// Pretty-printed JSON (two-space indent, keys in the order above, trailing
// newline), the layout of the vector files.
std::string InclusionBundleToJson(const InclusionBundle& bundle);
std::string ConsistencyBundleToJson(const ConsistencyBundle& bundle);

// Strict parsers (see the file comment). InvalidArgument naming the key.
StatusOr<InclusionBundle> InclusionBundleFromJson(std::string_view json);
StatusOr<ConsistencyBundle> ConsistencyBundleFromJson(std::string_view json);

}  // namespace consilium::merkle

#endif  // CONSILIUM_LEDGER_PROOF_JSON_H_
