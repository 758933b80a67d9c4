// Backup and restore of a data directory (dataset/backup.h,
// docs/snapshots.md "Backup and restore"):
//   consilium backup --data DIR --out B [--progress | --quiet]
//   consilium restore B --data DIR2 [--progress | --quiet]
// backup opens the ledger read-write for the moment of the RocksDB
// checkpoint: a copy is consistent only when taken by the process that
// decides when the ledger's files are deleted. While a server holds the
// ledger it refuses and says so: the server takes backups through its admin
// route, POST /v1/admin/backup, which calls the same dataset::BackupDataDir.
#include <cstdio>
#include <memory>
#include <string>

#include "common/hash.h"
#include "dataset/backup.h"
#include "tools/cli.h"
#include "tools/open_ledger.h"
#include "tools/progress.h"

namespace consilium::cli {
namespace {

int RunBackup(const Args& args) {
  auto ledger = OpenLedger(args, false);
  if (!ledger.ok()) {
    if (ledger.status().code() == StatusCode::kUnavailable) {
      return Fail(FailedPreconditionError(
          "the ledger is held by another process (a running server?): " +
          ledger.status().message() +
          "; a consistent backup is taken by the process holding it: stop "
          "the server, or back up through it: POST /v1/admin/backup "
          "{\"out\": \"/path/B\"} as a global admin"));
    }
    return Fail(ledger.status());
  }
  Progress bar("backing up (bytes)", 0, ProgressWanted(args));
  auto info = dataset::BackupDataDir(**ledger, args.Get("out"),
                                     {.copied = bar.Callback()});
  bar.Finish();
  if (!info.ok()) return Fail(info.status(), 1);
  std::printf("backup of %s at event %llu (%s) in %s%s\n",
              (*ledger)->dir().c_str(),
              static_cast<unsigned long long>(info->head.seq),
              ToHex(info->head.hash).c_str(), args.Get("out").c_str(),
              info->pseudonym_key ? ", with the pseudonym key" : "");
  return 0;
}

int RunRestore(const Args& args) {
  // Two bars, one after the other: the copy (bytes), then the verification
  // of every event of the copy.
  const bool wanted = ProgressWanted(args);
  Progress copying("restoring (bytes)", 0, wanted);
  std::unique_ptr<Progress> verifying;
  auto info = dataset::RestoreDataDir(
      args.positional[0], args.Get("data"),
      {.copied = copying.Callback(),
       .verified = [&](uint64_t done, uint64_t total) {
         if (verifying == nullptr) {
           copying.Finish();
           verifying = std::make_unique<Progress>("verifying", 0, wanted);
         }
         verifying->Update(done, total);
       }});
  copying.Finish();
  if (verifying != nullptr) verifying->Finish();
  if (!info.ok()) return Fail(info.status(), 1);
  std::printf("restored %s to %s: %llu events verified, head %s%s\n",
              args.positional[0].c_str(), args.Get("data").c_str(),
              static_cast<unsigned long long>(info->head.seq),
              ToHex(info->head.hash).c_str(),
              info->pseudonym_key ? ", pseudonym key restored" : "");
  return 0;
}

Registrar backup_cmd(Command{
    .words = {"backup"},
    .summary = "copy the ledger and its pseudonym key to a new directory",
    .flags = {DataFlag(),
              {"out", "B", "the backup directory (new)", true},
              ProgressFlag(),
              QuietFlag()},
    .run = RunBackup,
    .notes = "The checkpoint signing key is not included (back it up apart)."});
Registrar restore_cmd(Command{
    .words = {"restore"},
    .summary = "restore a backup into a new data directory and verify it",
    .positionals = {{"B", "a directory made by `consilium backup`"}},
    .flags = {DataFlag(), ProgressFlag(), QuietFlag()},
    .run = RunRestore});

}  // namespace
}  // namespace consilium::cli
