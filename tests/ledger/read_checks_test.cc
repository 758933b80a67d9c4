// Reads that serve a user or an auditor check what they serve (issue 13,
// defects 4-6): a deleted event is a gap, not a silent skip; a head that is
// not the recorded one is an error; a proof built from an altered Merkle
// node is refused instead of served; `verify --from` beyond the head is a
// usage error. Damage is done through RocksDB directly (RawLedger).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "ledger/internal/storage_layout.h"
#include "ledger/ledger.h"
#include "ledger/proof_verifier.h"
#include "tests/testing/paths.h"
#include "tests/testing/raw_ledger.h"
#include "tests/testing/sample_ledger.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

using testing::RawLedger;
using testing::TempDir;

constexpr uint64_t kEvents = 12;

class ReadChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("ledger");
    ASSERT_NO_FATAL_FAILURE(testing::CreateLedgerOfNotes(path_, kEvents));
  }

  std::unique_ptr<Ledger> OpenReadOnly() {
    auto l = Ledger::Open(path_, {.read_only = true});
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? std::move(*l) : nullptr;
  }

  void AlterNode(uint32_t level, uint64_t index) {
    RawLedger raw(path_);
    raw.db()->Put(rocksdb::WriteOptions(), raw.Family("merkle"),
                  ledger_internal::MerkleKey(level, index),
                  std::string(32, 'x'));
  }

  std::string Cli(const std::string& args, int* code) {
    return testing::RunConsilium(args + " --data " + path_, code);
  }

  TempDir dir_;
  std::string path_;
};

TEST_F(ReadChecksTest, HealthyLedgerReadsAreUnchanged) {
  auto l = OpenReadOnly();
  auto head = l->CheckedHead();
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->seq, kEvents);
  std::vector<uint64_t> seen;
  ASSERT_TRUE(l->Scan(1, 0, [&](const StoredEvent& e) {
                 seen.push_back(e.seq);
                 return true;
               }).ok());
  EXPECT_EQ(seen.size(), kEvents);
  for (uint64_t size = 1; size <= kEvents; ++size) {
    for (uint64_t seq = 1; seq <= size; ++seq) {
      auto b = l->ProveInclusion(seq, size);
      ASSERT_TRUE(b.ok()) << seq << "/" << size << ": "
                          << b.status().ToString();
      EXPECT_TRUE(merkle::VerifyInclusion(seq - 1, size, b->leaf_hash, b->proof,
                                          b->root)
                      .ok());
      EXPECT_EQ(b->leaf_hash, l->Get(seq)->hash);
      EXPECT_EQ(b->root, *l->RootAt(size));
      auto c = l->ProveConsistency(seq, size);
      ASSERT_TRUE(c.ok()) << seq << "->" << size << ": "
                          << c.status().ToString();
      EXPECT_EQ(c->root1, *l->RootAt(seq));
      EXPECT_EQ(c->root2, *l->RootAt(size));
    }
  }
}

// Defect 5: deleting event 6 made a scan from 5 deliver 5, 7, 8 and succeed.
TEST_F(ReadChecksTest, ScanStopsAtADeletedEventWithDataLossNamingIt) {
  { RawLedger(path_).DeleteEvent(6); }
  auto l = OpenReadOnly();
  std::vector<uint64_t> seen;
  Status s = l->Scan(5, 3, [&](const StoredEvent& e) {
    seen.push_back(e.seq);
    return true;
  });
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("gap: event 6 is missing (the next stored event "
                             "is 7)"),
            std::string::npos)
      << s.ToString();
  EXPECT_EQ(seen, std::vector<uint64_t>{5});
  // Without hashes (projection rebuilds) the gap is found the same way.
  EXPECT_EQ(l->Scan(
                 1, 0, [](const StoredEvent&) { return true; },
                 /*with_hashes=*/false)
                .code(),
            StatusCode::kDataLoss);
  auto e = l->Get(6);
  EXPECT_EQ(e.status().code(), StatusCode::kDataLoss) << e.status().ToString();
  EXPECT_NE(e.status().message().find("event 6 is missing"), std::string::npos);

  int code = -1;
  std::string out = Cli("events --from 5 --limit 3", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("\"seq\":5"), std::string::npos) << out;
  EXPECT_EQ(out.find("\"seq\":7"), std::string::npos) << out;
  EXPECT_NE(out.find("DATA_LOSS"), std::string::npos) << out;
  EXPECT_NE(out.find("event 6 is missing"), std::string::npos) << out;
  out = Cli("event --seq 6", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("event 6 is missing"), std::string::npos) << out;
}

// An event moved to another key is served under the wrong number no more.
TEST_F(ReadChecksTest, EventStoredUnderAnotherNumberIsDataLoss) {
  {
    RawLedger raw(path_);
    raw.PutEvent(4, raw.GetEvent(3));
  }
  auto l = OpenReadOnly();
  EXPECT_EQ(l->Get(4).status().code(), StatusCode::kDataLoss);
  Status s = l->Scan(4, 1, [](const StoredEvent&) { return true; });
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("event 4: stored under sequence number 4 but "
                             "records 3"),
            std::string::npos)
      << s.ToString();
}

// A re-encoded middle event breaks its successor's link inside a scan.
TEST_F(ReadChecksTest, ScanWithHashesReportsABrokenLink) {
  {
    RawLedger raw(path_);
    std::string bytes = raw.GetEvent(7);
    bytes[bytes.size() / 2] ^= 0x01;  // inside the body: still decodes
    raw.PutEvent(7, bytes);
  }
  auto l = OpenReadOnly();
  ASSERT_TRUE(l->Get(7).ok()) << "the flip must leave the event decodable";
  Status s = l->Scan(1, 0, [](const StoredEvent&) { return true; });
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_NE(s.message().find("broken link: event 8"), std::string::npos)
      << s.ToString();
}

// Defect 5: deleting the newest event made `head` print the one before.
TEST_F(ReadChecksTest, DeletedNewestEventMakesTheHeadDataLoss) {
  { RawLedger(path_).DeleteEvent(kEvents); }
  auto l = OpenReadOnly();
  auto head = l->CheckedHead();
  EXPECT_EQ(head.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(head.status().message().find(
                "event 12 is missing: the recorded head is event 12 but the "
                "newest stored event is 11"),
            std::string::npos)
      << head.status().ToString();
  EXPECT_EQ(l->Get(kEvents).status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(l->Get(kEvents - 1).ok()) << "event 11 itself is intact";
  EXPECT_EQ(l->Get(kEvents + 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(l->Scan(10, 0, [](const StoredEvent&) { return true; }).code(),
            StatusCode::kDataLoss);
  // A limited scan that stops before the head has nothing wrong to report.
  EXPECT_TRUE(l->Scan(1, 5, [](const StoredEvent&) { return true; }).ok());
  EXPECT_EQ(l->ProveInclusion(1, kEvents - 1).status().code(),
            StatusCode::kDataLoss);
  // A writer never chains new events onto it.
  EXPECT_EQ(Ledger::Open(path_, {}).status().code(), StatusCode::kDataLoss);

  int code = -1;
  std::string out = Cli("head", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("event 12 is missing"), std::string::npos) << out;
  EXPECT_EQ(out.find("\"seq\":11"), std::string::npos) << out;
  out = Cli("events --from 10", &code);
  EXPECT_EQ(code, 1) << out;
  out = Cli("proof inclusion --seq 3", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("event 12 is missing"), std::string::npos) << out;
  // verify from the stored head + 1 or the recorded one + 1 still fails.
  for (const char* from : {"12", "13"}) {
    out = Cli(std::string("verify --from ") + from, &code);
    EXPECT_EQ(code, 1) << from << ": " << out;
    EXPECT_EQ(out.rfind("FAILED at event 12", 0), 0u) << from << ": " << out;
  }
}

TEST_F(ReadChecksTest, AlteredNewestEventHashIsDataLossAtTheHead) {
  {
    RawLedger raw(path_);
    std::string bytes = raw.GetEvent(kEvents);
    bytes[bytes.size() / 2] ^= 0x01;
    raw.PutEvent(kEvents, bytes);
  }
  auto l = OpenReadOnly();
  auto head = l->CheckedHead();
  EXPECT_EQ(head.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(head.status().message().find("event 12 (the head) hashes to"),
            std::string::npos)
      << head.status().ToString();
  EXPECT_EQ(l->Get(kEvents).status().code(), StatusCode::kDataLoss);
  EXPECT_TRUE(l->Get(kEvents - 1).ok());
}

// Defect 4: a proof through an altered node was served with exit 0.
TEST_F(ReadChecksTest, InclusionProofThroughAnAlteredNodeIsDataLoss) {
  // Tree of 12 = perfect subtrees (3, 0) and (2, 2). The proof of event 1
  // climbs through node (1, 1); the root uses (3, 0), which stays intact.
  AlterNode(1, 1);
  auto l = OpenReadOnly();
  auto b = l->ProveInclusion(1, kEvents);
  EXPECT_EQ(b.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(b.status().message().find(
                "inclusion proof of event 1 in the tree of 12 events does not "
                "recompute to the stored root"),
            std::string::npos)
      << b.status().ToString();
  EXPECT_EQ(l->InclusionProof(1, kEvents).status().code(),
            StatusCode::kDataLoss);
  // Event 9's proof does not pass through (1, 1) and is still served.
  EXPECT_TRUE(l->ProveInclusion(9, kEvents).ok());
  // Consistency of 2 with 12 uses (1, 1) too.
  EXPECT_EQ(l->ProveConsistency(2, kEvents).status().code(),
            StatusCode::kDataLoss);

  int code = -1;
  std::string out = Cli("proof inclusion --seq 1", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("DATA_LOSS"), std::string::npos) << out;
  EXPECT_NE(out.find("event 1 in the tree of 12"), std::string::npos) << out;
  EXPECT_EQ(out.find("leafHash"), std::string::npos) << out;
  out = Cli("proof consistency --from 2", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("DATA_LOSS"), std::string::npos) << out;
}

// A node that both the proof and the root use moves both the same way; a
// stored checkpoint of that size still catches it.
TEST_F(ReadChecksTest, AlteredRootNodeIsCaughtByTheCheckpointOfThatSize) {
  {
    auto l = Ledger::Open(path_, {});
    ASSERT_TRUE(l.ok());
    auto signer = NoteSigner::Generate("test.example/log");
    ASSERT_TRUE(signer.ok());
    ASSERT_TRUE((*l)->SignCheckpoint(*signer, kEvents).ok());
  }
  AlterNode(2, 2);  // events 9..12: a root of the tree of 12
  auto l = OpenReadOnly();
  auto b = l->ProveInclusion(1, kEvents);
  EXPECT_EQ(b.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(b.status().message().find("but the signed checkpoint of size 12 "
                                      "records"),
            std::string::npos)
      << b.status().ToString();
  EXPECT_EQ(l->ProveConsistency(8, kEvents).status().code(),
            StatusCode::kDataLoss);
  int code = -1;
  std::string out = Cli("proof inclusion --seq 1", &code);
  EXPECT_EQ(code, 1) << out;
}

// Proofs remember roots and verified nodes per tree size; RepairIndexes
// rewrites the nodes, so what was computed from the altered ones must go.
// With no checkpoint of size 12 an altered root node is served (the proof
// and the root move together); after the repair the same process serves
// the restored root, not the remembered one.
TEST_F(ReadChecksTest, ProofsAfterRepairIndexesUseTheRepairedNodes) {
  std::optional<Hash256> healthy;
  {
    auto l = OpenReadOnly();
    auto b = l->ProveInclusion(1, kEvents);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    healthy = b->root;
  }
  AlterNode(2, 2);  // events 9..12: a root of the tree of 12
  auto l = Ledger::Open(path_, {});
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  // Events 1..8 climb to the altered node as a sibling: served, with the
  // altered root. Events 9..12 recompute it from their leaves: refused.
  for (uint64_t seq = 1; seq <= kEvents; ++seq) {
    auto b = (*l)->ProveInclusion(seq, kEvents);
    if (seq <= 8) {
      ASSERT_TRUE(b.ok()) << seq << ": " << b.status().ToString();
      EXPECT_NE(b->root, *healthy);
    } else {
      EXPECT_EQ(b.status().code(), StatusCode::kDataLoss) << seq;
    }
  }
  ASSERT_TRUE((*l)->ProveConsistency(8, kEvents).ok());
  auto r = (*l)->RepairIndexes("ops");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (uint64_t seq = 1; seq <= kEvents; ++seq) {
    auto b = (*l)->ProveInclusion(seq, kEvents);
    ASSERT_TRUE(b.ok()) << seq << ": " << b.status().ToString();
    EXPECT_EQ(b->root, *healthy);
    EXPECT_TRUE(merkle::VerifyInclusion(seq - 1, kEvents, b->leaf_hash,
                                        b->proof, b->root)
                    .ok());
  }
  auto c = (*l)->ProveConsistency(8, kEvents);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->root2, *healthy);
}

TEST_F(ReadChecksTest, CheckpointRefusesToSignAnAlteredRoot) {
  AlterNode(2, 0);  // the root of the tree of 4 events
  auto l = Ledger::Open(path_, {});
  ASSERT_TRUE(l.ok());
  auto signer = NoteSigner::Generate("test.example/log");
  ASSERT_TRUE(signer.ok());
  // The newest event's path (event 3, node (1, 0)) recomputes the true
  // root, which the stored node no longer is: nothing is signed.
  auto cp = (*l)->SignCheckpoint(*signer, 4);
  EXPECT_EQ(cp.status().code(), StatusCode::kDataLoss)
      << cp.status().ToString();
  EXPECT_NE(cp.status().message().find("inclusion proof of event 4 in the "
                                       "tree of 4 events"),
            std::string::npos)
      << cp.status().ToString();
  auto latest = (*l)->LatestCheckpoint();
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->has_value());
}

// Defect 6: --from head + 2 reported FAILED on a healthy ledger.
TEST_F(ReadChecksTest, VerifyFromBeyondTheHeadIsAUsageErrorNotAFailure) {
  int code = -1;
  std::string out = Cli("verify --from 13", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("OK: 0 events verified"), std::string::npos) << out;
  for (const char* from : {"14", "15", "1000000"}) {
    out = Cli(std::string("verify --from ") + from, &code);
    EXPECT_EQ(code, 2) << from << ": " << out;
    EXPECT_EQ(out.find("FAILED"), std::string::npos) << out;
    EXPECT_NE(out.find("OUT_OF_RANGE"), std::string::npos) << out;
    EXPECT_NE(out.find("--from may be at most 13"), std::string::npos) << out;
  }
  auto l = OpenReadOnly();
  VerifyReport r = l->Verify(14, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 0u) << r.problem;
  EXPECT_EQ(r.problem, "nothing to verify from event 14: the head is event 12");
  EXPECT_TRUE(l->Verify(13, nullptr).ok);
}

}  // namespace
}  // namespace consilium
