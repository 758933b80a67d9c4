// Backup and restore of a data directory (docs/snapshots.md, "Backup and
// restore"): the ledger (a RocksDB checkpoint, Ledger::Backup) and the
// pseudonym key, so that a restored directory verifies and exports every
// snapshot byte for byte.
//
// Layout of a backup directory B:
//   B/ledger/         the ledger's RocksDB directory as of the backup
//   B/pseudonym.key   DIR/pseudonym.key, mode 0600 (absent if DIR had none)
//   B/backup.json     {"format":"consilium-backup/1","head":{"seq","hash"},
//                      "pseudonym_key":bool} (canonical JSON)
// The checkpoint signing key is not in the data directory and not in a
// backup: it is the ledger's identity (whoever holds it can sign
// checkpoints auditors trust), kept and backed up apart by the operator;
// the ledger records only its path (`consilium configure`).
//
// Thread-safety: no shared state.
#ifndef CONSILIUM_DATASET_BACKUP_H_
#define CONSILIUM_DATASET_BACKUP_H_

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"
#include "ledger/ledger.h"

namespace consilium::dataset {

struct BackupInfo {
  Head head;  // the ledger's head in the backup
  bool pseudonym_key = false;
};

// Progress of a backup or a restore, for a bar (tools/progress.h); every
// member may be empty. `copied(done, total)`: bytes copied so far of the
// total to copy (the restore's copy of the ledger; the backup's checkpoint
// is one RocksDB call, reported once, as the bytes of the copy it made).
// `verified(done, total)`: events verified (the restore's Ledger::Verify).
// Called on the calling thread.
struct CopyProgress {
  std::function<void(uint64_t done, uint64_t total)> copied{};
  std::function<void(uint64_t done, uint64_t total)> verified{};
};

// Backs up `ledger` (open read-write; Ledger::Backup's codes) and the
// pseudonym key of its directory to `out`, which must not exist
// (AlreadyExists). Internal on I/O errors; the partial `out` is removed.
StatusOr<BackupInfo> BackupDataDir(const Ledger& ledger, const std::string& out,
                                   const CopyProgress& progress = {});

// Restores the backup in `backup` into `data_dir`, which must not exist or
// be empty (AlreadyExists otherwise), then opens it read-only and verifies
// every event, index and checkpoint from event 1 (Ledger::Verify): DataLoss
// naming the problem when it does not verify or its head is not the one
// backup.json records (the restored directory is left for inspection).
// NotFound / InvalidArgument when `backup` is not a backup.
StatusOr<BackupInfo> RestoreDataDir(const std::string& backup,
                                    const std::string& data_dir,
                                    const CopyProgress& progress = {});

}  // namespace consilium::dataset

#endif  // CONSILIUM_DATASET_BACKUP_H_
