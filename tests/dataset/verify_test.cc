// snapshot verify: passes on an untouched snapshot with a key alone and
// with the ledger, and fails naming the reason on a changed data.jsonl, a
// changed manifest, a checkpoint signed by another key and a snapshot of a
// different ledger.
#include <fstream>
#include <sstream>

#include "tests/dataset/snapshot_fixture.h"
#include "tests/testing/temp_dir.h"

namespace consilium::dataset {
namespace {

using ::consilium::testing::FixedSigner;
using ::consilium::testing::FixtureLedger;
using ::consilium::testing::kOtherKey;
using ::consilium::testing::TempDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Replace(const std::string& path, const std::string& from,
             const std::string& to) {
  std::string text = Slurp(path);
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

NoteVerifier LedgerVerifier() {
  return *NoteVerifier::FromVerifierKey(FixedSigner().VerifierKey());
}

class SnapshotVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    f_ = std::make_unique<FixtureLedger>(tmp_.Sub("ledger"));
    out_ = tmp_.Sub("snap");
    auto m = f_->Export({}, out_);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
  }
  Status Verify(const Ledger* ledger) {
    return VerifySnapshot(out_, LedgerVerifier(), ledger, {}).status();
  }

  TempDir tmp_;
  std::unique_ptr<FixtureLedger> f_;
  std::string out_;
};

TEST_F(SnapshotVerifyTest, UntouchedSnapshotVerifies) {
  std::vector<std::string> passed;
  auto m = VerifySnapshot(out_, LedgerVerifier(), f_->ledger.get(),
                          [&](std::string_view l) { passed.emplace_back(l); });
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(passed.size(), 6u);
  EXPECT_TRUE(Verify(nullptr).ok());
}

TEST_F(SnapshotVerifyTest, LedgerThatGrewStillVerifies) {
  ASSERT_TRUE(f_->ledger
                  ->Append(MakeRecordImported({"importer", ""}, "rec-9", "p1",
                                              R"({"text":"later"})", "{}"))
                  .ok());
  Status s = Verify(f_->ledger.get());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(SnapshotVerifyTest, ChangedDataIsDataLoss) {
  Replace(out_ + "/data.jsonl", "rec-2", "rec-X");
  Status s = Verify(nullptr);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("data.jsonl changed"), std::string::npos)
      << s.ToString();
}

TEST_F(SnapshotVerifyTest, ChangedManifestCountIsDataLoss) {
  Replace(out_ + "/manifest.json", "\"records\":4", "\"records\":5");
  Status s = Verify(nullptr);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("manifest changed"), std::string::npos)
      << s.ToString();
}

TEST_F(SnapshotVerifyTest, ReformattedManifestIsDataLoss) {
  Replace(out_ + "/manifest.json", "{\"counts\"", "{ \"counts\"");
  Status s = Verify(nullptr);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("manifest changed"), std::string::npos)
      << s.ToString();
}

TEST_F(SnapshotVerifyTest, ChangedSpecIsCaughtByTheReexport) {
  Replace(out_ + "/manifest.json", "\"content\":\"full\"",
          "\"content\":\"hash\"");
  Status s = Verify(f_->ledger.get());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("manifest changed: re-exporting"),
            std::string::npos)
      << s.ToString();
}

TEST_F(SnapshotVerifyTest, ChangedDigestAndDataTogetherAreCaughtByTheLedger) {
  // An editor who changes data.jsonl and rewrites the digest: the key-only
  // check cannot tell, the ledger can.
  Replace(out_ + "/data.jsonl", "second look", "second LOOK");
  const std::string data = Slurp(out_ + "/data.jsonl");
  auto m = ParseManifest(Slurp(out_ + "/manifest.json"));
  ASSERT_TRUE(m.ok());
  m->data_sha256 = Sha256(data);
  std::ofstream(out_ + "/manifest.json", std::ios::trunc) << ManifestText(*m);
  EXPECT_TRUE(Verify(nullptr).ok());
  Status s = Verify(f_->ledger.get());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
}

TEST_F(SnapshotVerifyTest, CheckpointByAnotherKeyIsUnauthenticated) {
  TempDir other;
  FixtureLedger g(other.Sub("ledger"), kOtherKey);
  ASSERT_TRUE(g.Export({}, other.Sub("snap")).ok());
  auto m = VerifySnapshot(other.Sub("snap"), LedgerVerifier(), nullptr, {});
  EXPECT_EQ(m.status().code(), StatusCode::kUnauthenticated)
      << m.status().ToString();
  EXPECT_NE(m.status().message().find("checkpoint not signed by"),
            std::string::npos);
}

TEST_F(SnapshotVerifyTest, SnapshotOfAnotherLedgerIsFailedPrecondition) {
  TempDir other;
  FixtureLedger g(other.Sub("ledger"), testing::kLedgerKey, "rec-0");
  Status s = Verify(g.ledger.get());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("snapshot of a different ledger"),
            std::string::npos)
      << s.ToString();
}

}  // namespace
}  // namespace consilium::dataset
