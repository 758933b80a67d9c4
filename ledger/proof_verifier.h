// Standalone RFC 9162 proof verification: hashes in, OK or a reason out.
// No database and no I/O; links only against consilium_common (through the
// consilium_proofs target), so an auditor's program can use it as is.
//
// Thread-safety: pure functions, safe to call concurrently.
//
//   Status s = merkle::VerifyInclusion(bundle.leaf_index, bundle.tree_size,
//                                      bundle.leaf_hash, bundle.proof,
//                                      checkpoint.root);
//   if (!s.ok()) std::puts(s.ToString().c_str());
//   // DATA_LOSS: computed root 5dc9... does not match expected root 1f0a...
//
// Status codes:
//   InvalidArgument: the inputs cannot form a valid proof whatever the hashes
//     are (index not below size, size1 > size2, size1 == 0, wrong number of
//     proof hashes).
//   DataLoss: the proof is well formed but the hashes do not add up: the
//     data, the proof or the root was altered.
#ifndef CONSILIUM_LEDGER_PROOF_VERIFIER_H_
#define CONSILIUM_LEDGER_PROOF_VERIFIER_H_

#include <cstdint>
#include <span>

#include "common/hash.h"
#include "common/status.h"

namespace consilium::merkle {

// RFC 9162 section 2.1.3.2: checks that `leaf_hash` is leaf `index` of the
// tree of `size` leaves whose root is `root`, given its audit path `proof`
// (bottom-up, as merkle::InclusionProof returns it).
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash256& leaf_hash,
                       std::span<const Hash256> proof, const Hash256& root);

// RFC 9162 section 2.1.4.2: checks that the tree of `size1` leaves with root
// `root1` is a prefix of the tree of `size2` leaves with root `root2`.
// Equal sizes verify with an empty proof and equal roots. size1 == 0 is
// InvalidArgument: the empty tree is a prefix of everything, so such a
// "proof" shows nothing (the test vectors' convention).
Status VerifyConsistency(uint64_t size1, uint64_t size2,
                         std::span<const Hash256> proof, const Hash256& root1,
                         const Hash256& root2);

// The number of hashes in a valid proof; 0 for invalid arguments (which the
// Verify functions reject). Useful to explain a proof of the wrong length.
size_t InclusionProofLength(uint64_t index, uint64_t size);
size_t ConsistencyProofLength(uint64_t size1, uint64_t size2);

}  // namespace consilium::merkle

#endif  // CONSILIUM_LEDGER_PROOF_VERIFIER_H_
