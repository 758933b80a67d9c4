// The Merkle tree as the ledger maintains it: proofs served from stored
// nodes, checkpoints signed and refused, verification of the root, and the
// malicious-server scenario an auditor guards against.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/proof_json.h"
#include "ledger/proof_verifier.h"
#include "tests/testing/paths.h"
#include "tests/testing/raw_ledger.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

using testing::RawLedger;
using testing::TempDir;

EventDraft Note(uint64_t i, const std::string& text = "note") {
  return MakeRecordImported(
      {"importer", ""}, "rec-" + std::to_string(i), "p1",
      "{\"text\":\"" + text + " " + std::to_string(i) + "\"}", "{}");
}

class MerkleLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("ledger");
    ASSERT_TRUE(Ledger::Init(path_).ok());
    Open();
  }
  void Open(LedgerOptions o = {}) {
    ledger_.reset();
    auto l = Ledger::Open(path_, o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(*l);
  }
  void AppendN(uint64_t n, const std::string& text = "note") {
    std::vector<EventDraft> drafts;
    uint64_t base = ledger_->head().seq;
    for (uint64_t i = 1; i <= n; ++i) drafts.push_back(Note(base + i, text));
    ASSERT_TRUE(ledger_->AppendAll(std::move(drafts)).ok());
  }
  // Closes the ledger, flips one byte near the end of event `seq` behind its
  // back and reopens it read-only.
  void FlipByteOfEventAndReopen(uint64_t seq) {
    ledger_.reset();
    {
      RawLedger raw(path_);
      std::string bytes = raw.GetEvent(seq);
      bytes[bytes.size() - 3] ^= 0x01;
      raw.PutEvent(seq, bytes);
    }
    Open({.read_only = true});
  }
  // The tree recomputed from the events' hashes, independent of stored nodes.
  // Event by event: a scan stops at a broken link, and some tests recompute
  // the tree of deliberately altered events.
  merkle::MemoryNodeSource Recompute() {
    merkle::MemoryNodeSource m;
    for (uint64_t seq = 1; seq <= ledger_->head().seq; ++seq) {
      auto e = ledger_->Get(seq);
      EXPECT_TRUE(e.ok()) << e.status().ToString();
      if (!e.ok()) break;
      m.Append(e->hash);
    }
    return m;
  }
  NoteSigner Signer(const std::string& name = "consilium.test/ledger") {
    auto s = NoteSigner::Generate(name);
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(MerkleLedgerTest, ServedProofsVerifyAgainstTheRecomputedTree) {
  AppendN(150);
  Open();  // the compact range is reloaded from stored nodes
  AppendN(150);
  merkle::MemoryNodeSource truth = Recompute();
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    uint64_t size = 1 + rng() % 300;
    uint64_t seq = 1 + rng() % size;
    auto root = ledger_->RootAt(size);
    ASSERT_TRUE(root.ok());
    ASSERT_EQ(*root, *merkle::RootAt(size, truth)) << size;
    auto proof = ledger_->InclusionProof(seq, size);
    ASSERT_TRUE(proof.ok()) << proof.status().ToString();
    Hash256 leaf = ledger_->Get(seq)->hash;
    EXPECT_TRUE(
        merkle::VerifyInclusion(seq - 1, size, leaf, *proof, *root).ok());
    uint64_t size1 = 1 + rng() % size;
    auto consistency = ledger_->ConsistencyProof(size1, size);
    ASSERT_TRUE(consistency.ok());
    EXPECT_TRUE(merkle::VerifyConsistency(size1, size, *consistency,
                                          *ledger_->RootAt(size1), *root)
                    .ok());
  }
  EXPECT_EQ(*ledger_->RootAt(0), EmptyTreeHash());
}

TEST_F(MerkleLedgerTest, ProofArgumentsOutsideTheTreeAreRejected) {
  AppendN(10);
  EXPECT_EQ(ledger_->RootAt(11).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(ledger_->RootAt(11).status().message(),
            "tree size 11 is beyond the ledger's 10 events");
  EXPECT_EQ(ledger_->InclusionProof(0, 5).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_->InclusionProof(6, 5).status().message(),
            "event 6 is not in a tree of 5 events");
  EXPECT_EQ(ledger_->ConsistencyProof(0, 5).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_->ConsistencyProof(3, 12).status().code(),
            StatusCode::kOutOfRange);
}

TEST_F(MerkleLedgerTest, SignedCheckpointVerifiesWithThePublicKeyAlone) {
  AppendN(21);
  NoteSigner signer = Signer();
  auto cp = ledger_->SignCheckpoint(signer, 0);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->checkpoint.size, 21u);
  EXPECT_EQ(cp->checkpoint.root, *ledger_->RootAt(21));
  auto verifier = NoteVerifier::FromVerifierKey(signer.VerifierKey());
  ASSERT_TRUE(verifier.ok());
  auto body = verifier->Open(cp->note);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, FormatCheckpointBody(cp->checkpoint));
  EXPECT_EQ(ledger_->CheckpointVerifierKey(), signer.VerifierKey());
  auto latest = ledger_->LatestCheckpoint();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->note, cp->note);
  // An older size is fine too; the latest stays the largest.
  ASSERT_TRUE(ledger_->SignCheckpoint(signer, 7).ok());
  EXPECT_EQ((**ledger_->LatestCheckpoint()).checkpoint.size, 21u);
}

TEST_F(MerkleLedgerTest, CheckpointsKeepOneOriginAndOneKey) {
  AppendN(3);
  ASSERT_TRUE(ledger_->SignCheckpoint(Signer("a.example/log"), 0).ok());
  auto other_name = ledger_->SignCheckpoint(Signer("b.example/log"), 0);
  EXPECT_EQ(other_name.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(other_name.status().message(),
            "this ledger's checkpoints are signed as \"a.example/log\", not "
            "\"b.example/log\"");
  auto other_key = ledger_->SignCheckpoint(Signer("a.example/log"), 0);
  EXPECT_EQ(other_key.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ledger_->SignCheckpoint(Signer("a.example/log"), 4).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(MerkleLedgerTest, EmptyLedgerHasNothingToCheckpoint) {
  EXPECT_EQ(ledger_->SignCheckpoint(Signer(), 0).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(MerkleLedgerTest,
       RefusesToSignWhenTheTreeNoLongerMatchesTheLastCheckpoint) {
  AppendN(12);
  NoteSigner signer = Signer();
  ASSERT_TRUE(ledger_->SignCheckpoint(signer, 10).ok());
  ledger_.reset();
  {
    // Tree of 10 = perfect subtrees (3, 0) and (1, 4): alter the first.
    RawLedger raw(path_);
    raw.db()->Put(rocksdb::WriteOptions(), raw.Family("merkle"),
                  ledger_internal::MerkleKey(3, 0), std::string(32, 'x'));
  }
  Open();
  auto cp = ledger_->SignCheckpoint(signer, 0);
  EXPECT_EQ(cp.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(cp.status().message(),
            "refusing to sign: the ledger no longer reproduces the root of the "
            "checkpoint at size "
            "10 (run `consilium verify`)");
}

TEST_F(MerkleLedgerTest, AutomaticCheckpointsFollowTheCadence) {
  NoteSigner signer = Signer();
  LedgerOptions o;
  o.checkpoint_signer = &signer;
  o.checkpoint_every_events = 5;
  Open(o);
  for (uint64_t i = 1; i <= 12; ++i) ASSERT_TRUE(ledger_->Append(Note(i)).ok());
  auto latest = ledger_->LatestCheckpoint();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->checkpoint.size, 10u);
  EXPECT_EQ((*latest)->checkpoint.root, *ledger_->RootAt(10));
  VerifyReport r = ledger_->Verify(1, nullptr);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.checkpoint_size, 10u);
  // Reopening with a key of another name is refused.
  NoteSigner other = Signer("other.example/log");
  o.checkpoint_signer = &other;
  ledger_.reset();
  EXPECT_EQ(Ledger::Open(path_, o).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(MerkleLedgerTest, VerifyRecomputesTheRootAndChecksTheCheckpoint) {
  AppendN(33);
  ASSERT_TRUE(ledger_->SignCheckpoint(Signer(), 30).ok());
  AppendN(4);
  VerifyReport r = ledger_->Verify(1, nullptr);
  ASSERT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.root, *ledger_->RootAt(37));
  EXPECT_EQ(r.checkpoint_size, 30u);
}

TEST_F(MerkleLedgerTest, VerifyFindsAlteredMerkleNodes) {
  AppendN(16);
  ledger_.reset();
  {
    RawLedger raw(path_);
    raw.db()->Put(rocksdb::WriteOptions(), raw.Family("merkle"),
                  ledger_internal::MerkleKey(2, 1), std::string(32, '\7'));
  }
  Open({.read_only = true});
  VerifyReport r = ledger_->Verify(1, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 0u);
  EXPECT_NE(r.problem.find("stored Merkle nodes were altered"),
            std::string::npos)
      << r.problem;
}

// Verification hands whole aligned runs of 1,024 events to the hashing
// threads, which compute their subtrees; the rest of the tree is built leaf by
// leaf. A ledger of 2,600 events has two such runs and a partial one.
TEST_F(MerkleLedgerTest, VerifyChecksTreesBuiltFromWholeRunsAndSingleLeaves) {
  NoteSigner signer = Signer();
  AppendN(1500);
  // A checkpoint inside the second run: its root needs the range at 1,500.
  ASSERT_TRUE(ledger_->SignCheckpoint(signer, 1500).ok());
  AppendN(1100);
  VerifyReport r = ledger_->Verify(1, nullptr);
  ASSERT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.events, 2600u);
  EXPECT_EQ(r.root, *ledger_->RootAt(2600));
  EXPECT_EQ(r.root, Recompute().Root());
  EXPECT_EQ(r.checkpoint_size, 1500u);

  ASSERT_TRUE(ledger_->SignCheckpoint(signer, 2048).ok());
  r = ledger_->Verify(1, nullptr);
  ASSERT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.checkpoint_size, 2048u);
}

TEST_F(MerkleLedgerTest, VerifyFindsAlteredNodesInsideAndAboveWholeRuns) {
  AppendN(2600);
  ledger_.reset();
  // (level, index): a level-1 node and the root of the first run (computed
  // by the hashing threads), the parent of the two runs (merged by the
  // range), and a node in the partial third run (leaf by leaf).
  const std::pair<uint32_t, uint64_t> nodes[] = {
      {1, 100}, {10, 0}, {11, 0}, {3, 300}};
  for (auto [level, index] : nodes) {
    SCOPED_TRACE("level " + std::to_string(level) + " index " +
                 std::to_string(index));
    std::string key = ledger_internal::MerkleKey(level, index);
    std::string original;
    {
      RawLedger raw(path_);
      ASSERT_TRUE(raw.db()
                      ->Get(rocksdb::ReadOptions(), raw.Family("merkle"), key,
                            &original)
                      .ok());
      std::string altered = original;
      altered[5] ^= 0x20;
      raw.db()->Put(rocksdb::WriteOptions(), raw.Family("merkle"), key,
                    altered);
    }
    Open({.read_only = true});
    VerifyReport r = ledger_->Verify(1, nullptr);
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.problem.find("(level " + std::to_string(level) + ", index " +
                             std::to_string(index) + ")"),
              std::string::npos)
        << r.problem;
    ledger_.reset();
    RawLedger raw(path_);
    raw.db()->Put(rocksdb::WriteOptions(), raw.Family("merkle"), key, original);
  }
  Open({.read_only = true});
  VerifyReport r = ledger_->Verify(1, nullptr);
  EXPECT_TRUE(r.ok) << r.problem;
}

TEST_F(MerkleLedgerTest, VerifyNamesAnAlteredEventInsideAWholeRun) {
  AppendN(2600);
  FlipByteOfEventAndReopen(1700);
  VerifyReport r = ledger_->Verify(1, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 1700u) << r.problem;
}

// A failure in the first chunk returns while later chunks are still queued
// or being hashed; they must be dropped safely (ASan catches a chunk freed
// under a hashing thread).
TEST_F(MerkleLedgerTest, VerifyStopsCleanlyWithManyChunksInFlight) {
  AppendN(12000);
  FlipByteOfEventAndReopen(5);
  for (int i = 0; i < 3; ++i) {
    VerifyReport r = ledger_->Verify(1, nullptr);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.bad_seq, 5u) << r.problem;
  }
}

// A rewritten history: every event, link and Merkle node is consistent, but
// the signed checkpoint remembers the old root.
TEST_F(MerkleLedgerTest, VerifyFindsAHistoryRewrittenAfterItWasSigned) {
  NoteSigner signer = Signer();
  AppendN(9, "original");
  ASSERT_TRUE(ledger_->SignCheckpoint(signer, 0).ok());
  std::string forged_dir = dir_.Sub("forged");
  ASSERT_TRUE(Ledger::Init(forged_dir).ok());
  {
    auto forged = Ledger::Open(forged_dir, {});
    ASSERT_TRUE(forged.ok());
    for (uint64_t i = 1; i <= 9; ++i)
      ASSERT_TRUE((*forged)->Append(Note(i, "forged")).ok());
  }
  std::string note = (**ledger_->LatestCheckpoint()).note;
  ledger_.reset();
  {
    RawLedger raw(forged_dir);
    raw.db()->Put(rocksdb::WriteOptions(), raw.Family("checkpoints"),
                  ledger_internal::SeqKey(9), note);
    raw.PutMeta(ledger_internal::kMetaOrigin, signer.name());
    raw.PutMeta(ledger_internal::kMetaCheckpointKey, signer.VerifierKey());
  }
  auto forged = Ledger::Open(forged_dir, {.read_only = true});
  ASSERT_TRUE(forged.ok());
  VerifyReport r = (*forged)->Verify(1, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("the ledger was rewritten after it was signed"),
            std::string::npos)
      << r.problem;
}

// Issue 3's malicious server: after a checkpoint is signed the operator
// alters an event. Whether or not it also rebuilds the Merkle nodes to match,
// the ledger refuses to serve a proof (issue 13: reads check what they
// serve), and a proof served anyway fails against the auditor's old
// checkpoint.
TEST_F(MerkleLedgerTest,
       ProofsServedAfterTamperingFailAgainstTheOldCheckpoint) {
  AppendN(40);
  NoteSigner signer = Signer();
  auto cp = ledger_->SignCheckpoint(signer, 0);
  ASSERT_TRUE(cp.ok());
  const Checkpoint old = cp->checkpoint;
  // The siblings a server that skips the checks serves for event 17 while
  // the nodes are left alone.
  auto stored_path = ledger_->InclusionProof(17, 40);
  ASSERT_TRUE(stored_path.ok());
  ledger_.reset();

  // 1. Event 17 rewritten in place, nodes left alone.
  {
    RawLedger raw(path_);
    std::string bytes = raw.GetEvent(17);
    const fb::Event* e = EventView(bytes);
    EventDraft forged = Note(17, "forged");
    ASSERT_TRUE(forged.Validate().ok());
    forged.Stamp(17, PrevHashOf(*e), TimestampOf(*e));
    raw.PutEvent(17, forged.bytes());
  }
  Open({.read_only = true});
  EXPECT_EQ(ledger_->InclusionProof(17, 40).status().code(),
            StatusCode::kDataLoss);
  Hash256 leaf = ledger_->Get(17)->hash;
  Status s = merkle::VerifyInclusion(16, 40, leaf, *stored_path, old.root);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();

  // 2. The operator also rebuilds every Merkle node from the altered events.
  merkle::MemoryNodeSource rebuilt = Recompute();
  ledger_.reset();
  {
    RawLedger raw(path_);
    for (uint32_t level = 1; level < 6; ++level) {
      for (uint64_t index = 0; ((index + 1) << level) <= 40; ++index) {
        Hash256 h = *rebuilt.PerfectSubtree(level, index);
        raw.db()->Put(rocksdb::WriteOptions(), raw.Family("merkle"),
                      ledger_internal::MerkleKey(level, index),
                      std::string(reinterpret_cast<const char*>(h.data()), 32));
      }
    }
  }
  Open({.read_only = true});
  // The tree is self-consistent now, but the stored checkpoint of size 40
  // records the old root: still refused.
  auto refused = ledger_->InclusionProof(17, 40);
  EXPECT_EQ(refused.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(refused.status().message().find("signed checkpoint of size 40"),
            std::string::npos)
      << refused.status().ToString();
  auto served = merkle::InclusionProof(16, 40, rebuilt);
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(*ledger_->RootAt(40), rebuilt.Root());
  EXPECT_TRUE(
      merkle::VerifyInclusion(16, 40, leaf, *served, *ledger_->RootAt(40)).ok())
      << "the rebuilt tree is self-consistent";
  s = merkle::VerifyInclusion(16, 40, leaf, *served, old.root);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  // And no consistency proof links the old checkpoint to the rewritten tree.
  EXPECT_EQ(ledger_->ConsistencyProof(40, 40).status().code(),
            StatusCode::kDataLoss);
  auto consistency = merkle::ConsistencyProof(40, 40, rebuilt);
  ASSERT_TRUE(consistency.ok());
  EXPECT_EQ(merkle::VerifyConsistency(40, 40, *consistency, old.root,
                                      *ledger_->RootAt(40))
                .code(),
            StatusCode::kDataLoss);
}

// The auditor's side, end to end through the command line: the files the
// server hands out verify offline with only the public key, and stop
// verifying once the server tampers.
TEST_F(MerkleLedgerTest, AuditVerifyFromFilesPassesThenCatchesTampering) {
  AppendN(25);
  std::string key_file = dir_.Sub("log.key");
  NoteSigner signer = Signer("audit.example/log");
  ASSERT_TRUE(WriteKeyFile(key_file, signer).ok());
  ledger_.reset();
  auto run = [](const std::string& args, int* code) {
    return testing::RunConsilium(args, code);
  };
  int code = -1;
  std::string cp_file = dir_.Sub("cp.note"),
              proof_file = dir_.Sub("proof.json"),
              event_file = dir_.Sub("event.bin");
  std::string out =
      run("checkpoint --data " + path_ + " --key " + key_file + " > " + cp_file,
          &code);
  ASSERT_EQ(code, 0) << out;
  out = run("proof inclusion --data " + path_ + " --seq 11 > " + proof_file,
            &code);
  ASSERT_EQ(code, 0) << out;
  out = run("event --data " + path_ + " --seq 11 --raw > " + event_file, &code);
  ASSERT_EQ(code, 0) << out;
  std::string audit = "audit verify --vkey '" + signer.VerifierKey() +
                      "' --checkpoint " + cp_file + " --event " + event_file +
                      " --proof " + proof_file;
  out = run(audit, &code);
  EXPECT_EQ(code, 0) << out;

  {
    RawLedger raw(path_);
    std::string bytes = raw.GetEvent(11);
    bytes[bytes.size() / 2] ^= 0x20;
    raw.PutEvent(11, bytes);
  }
  // The ledger no longer serves a proof for the altered event (issue 13)...
  out = run("proof inclusion --data " + path_ + " --seq 11", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("DATA_LOSS: inclusion proof of event 11"),
            std::string::npos)
      << out;
  // ...and the auditor holding the earlier proof rejects the altered bytes.
  out = run("event --data " + path_ + " --seq 11 --raw > " + event_file, &code);
  out = run(audit, &code);
  EXPECT_EQ(code, 1) << out;
  out = run("verify --data " + path_, &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_EQ(out.rfind("FAILED at event 11: ", 0), 0u) << out;
}

// An auditor who saw last month's checkpoint checks that today's extends it,
// offline; and the key named once in the ledger's settings signs both.
TEST_F(MerkleLedgerTest,
       ConsistencyBetweenCheckpointsVerifiesOfflineWithAConfiguredKey) {
  AppendN(13);
  std::string key_file = dir_.Sub("log.key");
  NoteSigner signer = Signer("audit.example/log");
  ASSERT_TRUE(WriteKeyFile(key_file, signer).ok());
  ledger_.reset();
  auto run = [](const std::string& args, int* code) {
    return testing::RunConsilium(args, code);
  };
  int code = -1;
  std::string out = run("checkpoint --data " + path_, &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("no signing key"), std::string::npos) << out;
  out =
      run("configure --data " + path_ + " --checkpoint-key " + key_file, &code);
  ASSERT_EQ(code, 0) << out;
  std::string old_cp = dir_.Sub("old.note"), new_cp = dir_.Sub("new.note"),
              proof = dir_.Sub("consistency.json");
  ASSERT_EQ((run("checkpoint --data " + path_ + " > " + old_cp, &code), code),
            0);
  Open();
  AppendN(22);
  ledger_.reset();
  ASSERT_EQ((run("checkpoint --data " + path_ + " > " + new_cp, &code), code),
            0);
  out =
      run("proof consistency --data " + path_ + " --from 13 --to 35 > " + proof,
          &code);
  ASSERT_EQ(code, 0) << out;
  std::string audit = "audit verify --vkey '" + signer.VerifierKey() +
                      "' --checkpoint " + new_cp + " --old-checkpoint " +
                      old_cp + " --consistency " + proof;
  out = run(audit, &code);
  EXPECT_EQ(code, 0) << out;
  // Swapped checkpoints do not verify.
  out = run("audit verify --vkey '" + signer.VerifierKey() + "' --checkpoint " +
                old_cp + " --old-checkpoint " + new_cp + " --consistency " +
                proof,
            &code);
  EXPECT_EQ(code, 1) << out;
  out = run("verify --data " + path_, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(
      out.find(
          "OK: signed checkpoint at size 35 verifies and matches the events"),
      std::string::npos)
      << out;
}

}  // namespace
}  // namespace consilium
