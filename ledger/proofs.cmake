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

# Installed for auditors' own programs (docs/cli.md, "Packaging"): the
# static libraries and the public headers they need, under
# include/consilium/ (`-I<prefix>/include/consilium`, then
# `#include "ledger/proof_verifier.h"`; link consilium_proofs,
# consilium_common, libcrypto and Boost.JSON).
include(GNUInstallDirs)
install(TARGETS consilium_proofs consilium_common
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(FILES merkle.h proof_verifier.h checkpoint.h proof_json.h
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/consilium/ledger")
install(FILES ${PROJECT_SOURCE_DIR}/common/hash.h
              ${PROJECT_SOURCE_DIR}/common/status.h
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/consilium/common")
