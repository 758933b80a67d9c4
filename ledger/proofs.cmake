# consilium_proofs: the RFC 9162 Merkle tree (node storage interface, compact
# range, proofs), the standalone proof verifier, C2SP signed checkpoints and
# the JSON proof shapes. No RocksDB: an auditor's program links this alone.
# Included from ledger/CMakeLists.txt.
add_library(consilium_proofs
  merkle.cc
  proof_verifier.cc
  checkpoint.cc
  proof_json.cc
)
target_link_libraries(consilium_proofs
  PUBLIC consilium_common
  PRIVATE OpenSSL::Crypto Boost::json)
