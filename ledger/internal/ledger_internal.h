// LedgerInternal: what tests reach behind Ledger's public API, so that no
// RocksDB type appears in ledger/ledger.h (the pattern of leveldb's
// db/write_batch_internal.h). Nothing outside ledger/ and its tests uses it.
//
//   auto env = rocksdb::NewCompositeEnv(faulty_file_system);
//   auto ledger = LedgerInternal::OpenWithEnv(dir, {}, env.get());
#ifndef CONSILIUM_LEDGER_INTERNAL_LEDGER_INTERNAL_H_
#define CONSILIUM_LEDGER_INTERNAL_LEDGER_INTERNAL_H_

#include <memory>
#include <string>

#include "common/status.h"
#include "ledger/ledger.h"

namespace rocksdb {
class Env;
}  // namespace rocksdb

namespace consilium {

class LedgerInternal {
 public:
  // Ledger::Open with its storage on `env` instead of the local file
  // system (null: the local file system). Not owned; must outlive the
  // ledger. Tests use it to delay or fail writes and syncs.
  static StatusOr<std::unique_ptr<Ledger>> OpenWithEnv(
      const std::string& dir, const LedgerOptions& options, rocksdb::Env* env);
};

}  // namespace consilium

#endif  // CONSILIUM_LEDGER_INTERNAL_LEDGER_INTERNAL_H_
