// backup and restore: a restored data directory verifies and exports every
// snapshot byte for byte (the pseudonym key travels with it).
#include "dataset/backup.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "tests/dataset/snapshot_fixture.h"
#include "tests/testing/temp_dir.h"

namespace consilium::dataset {
namespace {

using ::consilium::testing::FixtureLedger;
using ::consilium::testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(BackupTest, RestoredLedgerVerifiesAndExportsIdentically) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  auto before = f.Export({}, tmp.Sub("before"));
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  auto info = BackupDataDir(*f.ledger, tmp.Sub("backup"));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(info->pseudonym_key);
  EXPECT_EQ(info->head.seq, f.ledger->head().seq);
  // The live ledger goes on; the backup keeps its point in time.
  ASSERT_TRUE(f.ledger
                  ->Append(MakeRecordImported({"importer", ""}, "rec-9", "p1",
                                              R"({"text":"later"})", "{}"))
                  .ok());
  auto restored = RestoreDataDir(tmp.Sub("backup"), tmp.Sub("restored"));
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->head.seq, info->head.seq);
  struct stat st;
  ASSERT_EQ(::stat(tmp.Sub("restored/pseudonym.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Snapshot verify against the restored ledger (its key file re-exports).
  LedgerOptions o;
  o.read_only = true;
  auto copy = Ledger::Open(tmp.Sub("restored"), o);
  ASSERT_TRUE(copy.ok());
  auto verifier =
      NoteVerifier::FromVerifierKey((*copy)->CheckpointVerifierKey());
  ASSERT_TRUE(verifier.ok());
  auto checked = VerifySnapshot(tmp.Sub("before"), *verifier, copy->get(), {});
  EXPECT_TRUE(checked.ok()) << checked.status().ToString();
  // And a fresh export from it has the same bytes.
  auto state = projections::BuildStateAsOf(**copy, f.head);
  auto cp = (*copy)->CheckpointAt(f.head);
  auto ps = Pseudonymizer::LoadOrCreate(tmp.Sub("restored"), false);
  ASSERT_TRUE(state.ok() && cp.ok() && cp->has_value() && ps.ok());
  auto again = ExportSnapshot(
      **copy, *state, {.project = "p1", .as_of_seq = f.head}, *ps, **cp,
      (*copy)->CheckpointVerifierKey(), {"0.1.0", "test"}, tmp.Sub("again"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Slurp(tmp.Sub("before/data.jsonl")),
            Slurp(tmp.Sub("again/data.jsonl")));
}

TEST(BackupTest, RefusesExistingTargetsAndNonBackups) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  ASSERT_TRUE(BackupDataDir(*f.ledger, tmp.Sub("b")).ok());
  EXPECT_EQ(BackupDataDir(*f.ledger, tmp.Sub("b")).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(RestoreDataDir(tmp.Sub("b"), tmp.Sub("ledger")).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(RestoreDataDir(tmp.Sub("nothing"), tmp.Sub("x")).status().code(),
            StatusCode::kNotFound);
  LedgerOptions o;
  o.read_only = true;
  f.ledger.reset();
  auto ro = Ledger::Open(tmp.Sub("ledger"), o);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ((*ro)->Backup(tmp.Sub("c")).code(),
            StatusCode::kFailedPrecondition);
}

TEST(BackupTest, DamagedBackupIsDataLoss) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  auto info = BackupDataDir(*f.ledger, tmp.Sub("b"));
  ASSERT_TRUE(info.ok());
  std::string desc = Slurp(tmp.Sub("b/backup.json"));
  const std::string seq = "\"seq\":" + std::to_string(info->head.seq);
  size_t at = desc.find(seq);
  ASSERT_NE(at, std::string::npos) << desc;
  desc.replace(at, seq.size(), "\"seq\":" + std::to_string(info->head.seq + 1));
  std::ofstream(tmp.Sub("b/backup.json"), std::ios::trunc) << desc;
  EXPECT_EQ(RestoreDataDir(tmp.Sub("b"), tmp.Sub("r")).status().code(),
            StatusCode::kDataLoss);
}

}  // namespace
}  // namespace consilium::dataset
