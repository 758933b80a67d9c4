// Ledger::Backup: a RocksDB checkpoint of the open ledger (ledger.h).
#include <rocksdb/utilities/checkpoint.h>

#include <filesystem>
#include <memory>

#include "ledger/internal/ledger_impl.h"

namespace consilium {

using ledger_internal::FromRocks;

Status Ledger::Backup(const std::string& dir) const {
  if (impl_->options_.read_only) {
    return FailedPreconditionError(
        "ledger " + impl_->dir_ +
        " is open read-only: a backup is taken by the process that holds it "
        "read-write (the writer pins the files the copy needs)");
  }
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return AlreadyExistsError(dir + " already exists");
  }
  rocksdb::Checkpoint* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(impl_->db_, &raw),
                            "preparing a backup"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: the memtables are flushed, so the copy needs no
  // WAL replay to hold every committed event.
  return FromRocks(checkpoint->CreateCheckpoint(dir, 0),
                   "writing a backup to " + dir);
}

}  // namespace consilium
