// The derived indexes (by_record, by_actor, requests, Merkle nodes) against
// the events: `verify` finds and names a wrong entry, and RepairIndexes
// rebuilds them, recorded as an IndexesRepaired event. The damage is done
// through RocksDB directly, as `ldb` would (issue 13, defect 3).
#include "ledger/internal/index_check.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "ledger/internal/storage_layout.h"
#include "ledger/ledger.h"
#include "schemas/event_json.h"
#include "tests/testing/paths.h"
#include "tests/testing/raw_ledger.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

using ledger_internal::IndexKey;
using ledger_internal::MerkleKey;
using ledger_internal::RequestKey;
using ledger_internal::SeqKey;
using testing::RawLedger;
using testing::TempDir;

TEST(SipHashTest, MatchesTheReferenceVectors) {
  // Aumasson and Bernstein's reference: key 00..0f, messages 00..(n-1).
  const uint64_t k0 = 0x0706050403020100ULL, k1 = 0x0f0e0d0c0b0a0908ULL;
  std::string msg;
  EXPECT_EQ(ledger_internal::SipHash24(k0, k1, msg), 0x726fdb47dd0e0e31ULL);
  for (int i = 0; i < 15; ++i) msg.push_back(static_cast<char>(i));
  EXPECT_EQ(ledger_internal::SipHash24(k0, k1, msg), 0xa129ca6149be45e5ULL);
  msg.push_back(15);  // a whole number of 8-byte words
  EXPECT_EQ(ledger_internal::SipHash24(k0, k1, msg), 0x3f2acc7f57c29bdbULL);
}

class IndexCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("ledger");
    ASSERT_TRUE(Ledger::Init(path_).ok());
    auto l = Ledger::Open(path_, {});
    ASSERT_TRUE(l.ok());
    // 40 events: records of two importers, some with request ids; the
    // request "r-17" of actor "a" creates event 18.
    for (uint64_t i = 1; i <= 40; ++i) {
      std::string actor = i % 3 == 1 ? "b" : "a";
      std::string request = i % 2 == 0 ? "r-" + std::to_string(i - 1) : "";
      auto c = (*l)->Append(
          MakeRecordImported({actor, request}, "rec-" + std::to_string(i % 7),
                             "p1", "{\"n\":" + std::to_string(i) + "}", "{}"));
      ASSERT_TRUE(c.ok());
      ASSERT_EQ(c->seq, i);
    }
  }

  VerifyReport VerifyNow() {
    auto l = Ledger::Open(path_, {.read_only = true});
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    if (!l.ok()) return {};
    return (*l)->Verify(1, nullptr);
  }

  IndexRepairReport Repair() {
    auto l = Ledger::Open(path_, {});
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    if (!l.ok()) return {};
    auto r = (*l)->RepairIndexes("ops");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : IndexRepairReport{};
  }

  static uint64_t Count(const IndexRepairReport& r, const std::string& index,
                        bool added) {
    for (const auto& i : r.indexes) {
      if (i.name == index) return added ? i.added : i.removed;
    }
    return ~uint64_t{0};
  }

  TempDir dir_;
  std::string path_;
};

TEST_F(IndexCheckTest, UntouchedIndexesVerifyAndNeedNoRepair) {
  VerifyReport r = VerifyNow();
  EXPECT_TRUE(r.ok) << r.problem;
  IndexRepairReport repair = Repair();
  EXPECT_FALSE(repair.event.has_value());
  ASSERT_EQ(repair.indexes.size(), 4u);
  for (const auto& i : repair.indexes) {
    EXPECT_EQ(i.added, 0u) << i.name;
    EXPECT_EQ(i.removed, 0u) << i.name;
  }
}

// The issue's scenario: a deleted requests entry let a retry append twice.
TEST_F(IndexCheckTest, DeletedRequestEntryFailsVerifyAndRepairRestoresRetry) {
  {
    RawLedger raw(path_);
    raw.Delete(ledger_internal::kRequestsFamily, RequestKey("a", "r-17"));
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.family, "requests");
  EXPECT_EQ(r.problem,
            "index requests: missing entry for actor \"a\" request \"r-17\" "
            "(event 18)");

  IndexRepairReport repair = Repair();
  ASSERT_TRUE(repair.event.has_value());
  EXPECT_EQ(repair.event->seq, 41u);
  EXPECT_EQ(Count(repair, "requests", true), 1u);
  EXPECT_EQ(Count(repair, "requests", false), 0u);
  EXPECT_EQ(Count(repair, "by_actor", true), 0u);

  r = VerifyNow();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.head.seq, 41u);

  auto l = Ledger::Open(path_, {});
  ASSERT_TRUE(l.ok());
  auto retry = (*l)->Append(
      MakeRecordImported({"a", "r-17"}, "rec-4", "p1", "{\"n\":18}", "{}"));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->seq, 18u);
  EXPECT_EQ((*l)->head().seq, 41u);

  // The repair is an event like any other, readable as JSON.
  auto event = (*l)->Get(41);
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->event()->body_type(), fb::EventBody::IndexesRepaired);
  std::string json = EventToJson(event->seq, event->hash, event->bytes);
  EXPECT_NE(json.find("\"actor\":\"ops\""), std::string::npos) << json;
  EXPECT_NE(json.find("{\"entries_added\":1,\"entries_removed\":0,\"index\":"
                      "\"requests\"}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"through_seq\":40"), std::string::npos) << json;
}

// What happened before verify checked `requests`: with the entry gone, a
// retry was appended again and the entry then named the second event. The
// repair names the first one again, and the repeat is no index error.
TEST_F(IndexCheckTest, RetryAppendedTwiceIsRepairedToNameTheFirstEvent) {
  {
    RawLedger raw(path_);
    raw.Delete(ledger_internal::kRequestsFamily, RequestKey("a", "r-17"));
  }
  {
    auto l = Ledger::Open(path_, {});
    ASSERT_TRUE(l.ok());
    auto again = (*l)->Append(
        MakeRecordImported({"a", "r-17"}, "rec-4", "p1", "{\"n\":18}", "{}"));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->seq, 41u);  // the index had nothing to find
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.problem,
            "index requests: entry for actor \"a\" request \"r-17\" points to "
            "event 41, but the request created event 18 (a wrong value)");
  IndexRepairReport repair = Repair();
  EXPECT_EQ(Count(repair, "requests", true), 1u);
  r = VerifyNow();
  EXPECT_TRUE(r.ok) << r.problem;
  auto l = Ledger::Open(path_, {});
  ASSERT_TRUE(l.ok());
  auto retry = (*l)->Append(
      MakeRecordImported({"a", "r-17"}, "rec-4", "p1", "{\"n\":18}", "{}"));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->seq, 18u);
}

TEST_F(IndexCheckTest, RequestEntryPointingToAnotherEventIsNamed) {
  {
    RawLedger raw(path_);
    raw.Put(ledger_internal::kRequestsFamily, RequestKey("a", "r-17"),
            SeqKey(20));
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.family, "requests");
  EXPECT_EQ(r.problem,
            "index requests: entry for actor \"a\" request \"r-17\" points to "
            "event 20, but the request created event 18 (a wrong value)");
  IndexRepairReport repair = Repair();
  EXPECT_EQ(Count(repair, "requests", true), 1u);
  EXPECT_TRUE(VerifyNow().ok);
}

TEST_F(IndexCheckTest, RequestEntryPointingNowhereIsNamed) {
  {
    RawLedger raw(path_);
    raw.Put(ledger_internal::kRequestsFamily, RequestKey("a", "ghost"),
            SeqKey(99));
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.problem,
            "index requests: entry for actor \"a\" request \"ghost\" points to "
            "event 99, beyond the head 40 (an entry pointing nowhere)");
  IndexRepairReport repair = Repair();
  EXPECT_EQ(Count(repair, "requests", false), 1u);
  EXPECT_TRUE(VerifyNow().ok);
}

TEST_F(IndexCheckTest, DeletedByRecordEntryIsNamedAndRepaired) {
  {
    RawLedger raw(path_);
    raw.Delete(ledger_internal::kByRecordFamily, IndexKey("rec-5", 12));
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.family, "by_record");
  EXPECT_EQ(r.problem,
            "index by_record: missing entry for record \"rec-5\" (event 12)");
  {
    auto l = Ledger::Open(path_, {.read_only = true});
    ASSERT_TRUE(l.ok());
    auto seqs = (*l)->EventsForRecord("rec-5");
    ASSERT_TRUE(seqs.ok());
    EXPECT_EQ(*seqs, (std::vector<uint64_t>{5, 19, 26, 33, 40}));
  }
  IndexRepairReport repair = Repair();
  EXPECT_EQ(Count(repair, "by_record", true), 1u);
  EXPECT_TRUE(VerifyNow().ok);
  auto l = Ledger::Open(path_, {.read_only = true});
  ASSERT_TRUE(l.ok());
  auto seqs = (*l)->EventsForRecord("rec-5");
  ASSERT_TRUE(seqs.ok());
  EXPECT_EQ(*seqs, (std::vector<uint64_t>{5, 12, 19, 26, 33, 40}));
}

TEST_F(IndexCheckTest, ByActorEntryPointingToAnotherActorsEventIsNamed) {
  {
    RawLedger raw(path_);
    raw.Put(ledger_internal::kByActorFamily, IndexKey("b", 6), "");
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.family, "by_actor");
  EXPECT_EQ(r.problem,
            "index by_actor: entry for actor \"b\" points to event 6, which "
            "was made by actor \"a\" (an entry pointing to the wrong event)");
  IndexRepairReport repair = Repair();
  EXPECT_EQ(Count(repair, "by_actor", false), 1u);
  EXPECT_TRUE(VerifyNow().ok);
}

TEST_F(IndexCheckTest, IndexEntryWithAValueOrAMalformedKeyIsNamed) {
  {
    RawLedger raw(path_);
    raw.Put(ledger_internal::kByActorFamily, IndexKey("a", 6), "x");
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.problem,
            "index by_actor: entry for actor \"a\" (event 6) has a 1-byte "
            "value; index entries are empty");
  Repair();
  ASSERT_TRUE(VerifyNow().ok);
  {
    RawLedger raw(path_);
    raw.Put(ledger_internal::kByRecordFamily, "rec-1", "");
  }
  r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.family, "by_record");
  EXPECT_NE(r.problem.find("index by_record: malformed key 7265632d31"),
            std::string::npos)
      << r.problem;
  IndexRepairReport repair = Repair();
  EXPECT_EQ(Count(repair, "by_record", false), 1u);
  EXPECT_TRUE(VerifyNow().ok);
}

TEST_F(IndexCheckTest, ExtraMerkleNodeBeyondTheTreeIsNamed) {
  {
    RawLedger raw(path_);
    // 40 events: level 3 holds nodes 0..4; node 5 would cover 41..48.
    raw.Put(ledger_internal::kMerkleFamily, MerkleKey(3, 5),
            std::string(32, 'x'));
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.family, "merkle");
  EXPECT_EQ(r.problem,
            "Merkle tree: the stored node (level 3, index 5) is not a node of "
            "the tree of 40 events (an extra entry)");
  IndexRepairReport repair = Repair();
  EXPECT_EQ(Count(repair, "merkle", false), 1u);
  EXPECT_TRUE(VerifyNow().ok);
}

// A damaged key's level byte can be anything: opening must not shift by it
// (UBSan found this through the property test) and verify names the entry.
TEST_F(IndexCheckTest, MerkleKeyWithALevelAbove63IsNamedAndRepaired) {
  {
    RawLedger raw(path_);
    raw.Put(ledger_internal::kMerkleFamily, MerkleKey(72, 0),
            std::string(32, 'x'));
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.problem,
            "Merkle tree: the stored node (level 72, index 0) is not a node of "
            "the tree of 40 events (an extra entry)");
  IndexRepairReport repair = Repair();
  EXPECT_EQ(Count(repair, "merkle", false), 1u);
  EXPECT_TRUE(VerifyNow().ok);
}

// A node on the tree's right edge: the committer loads the edge from stored
// nodes at open, so appends must wait for the repair rather than extend a
// wrong tree; after it, proofs verify again.
TEST_F(IndexCheckTest, DeletedRightEdgeNodeBlocksAppendsUntilRepaired) {
  {
    RawLedger raw(path_);
    raw.Delete(ledger_internal::kMerkleFamily, MerkleKey(5, 0));  // 1..32
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.family, "merkle");
  EXPECT_NE(r.problem.find("(level 5, index 0)"), std::string::npos)
      << r.problem;
  {
    auto l = Ledger::Open(path_, {});
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    auto refused =
        (*l)->Append(MakeRecordImported({"a", ""}, "rec-x", "p1", "{}", "{}"));
    EXPECT_EQ(refused.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(refused.status().message().find("repair-indexes"),
              std::string::npos)
        << refused.status().message();
    auto repair = (*l)->RepairIndexes("ops");
    ASSERT_TRUE(repair.ok()) << repair.status().ToString();
    ASSERT_TRUE(repair->event.has_value());
    auto after =
        (*l)->Append(MakeRecordImported({"a", ""}, "rec-x", "p1", "{}", "{}"));
    ASSERT_TRUE(after.ok()) << after.status().ToString();
    EXPECT_EQ(after->seq, 42u);
    auto root = (*l)->RootAt(42);
    ASSERT_TRUE(root.ok());
    auto proof = (*l)->InclusionProof(7, 42);
    EXPECT_TRUE(proof.ok()) << proof.status().ToString();
  }
  r = VerifyNow();
  EXPECT_TRUE(r.ok) << r.problem;
}

TEST_F(IndexCheckTest, RepairRefusesEventsThatDoNotVerify) {
  {
    RawLedger raw(path_);
    raw.DeleteEvent(7);
  }
  auto l = Ledger::Open(path_, {});
  ASSERT_TRUE(l.ok());
  auto r = (*l)->RepairIndexes("ops");
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("event 7 is missing"), std::string::npos)
      << r.status().message();
}

TEST(IndexCheckCliTest, VerifyNamesTheEntryAndRepairIndexesFixesIt) {
  TempDir tmp;
  std::string dir = tmp.Sub("l");
  int code = -1;
  testing::RunConsilium("init --data " + dir, &code, false);
  ASSERT_EQ(code, 0);
  std::string input = tmp.Sub("in.jsonl");
  std::ofstream(input)
      << R"({"type":"ProjectCreated","actor":"a","request_id":"r-17","body":{"project_id":"p","name":"x"}})"
      << "\n";
  testing::RunConsilium("append --data " + dir + " < " + input, &code, false);
  ASSERT_EQ(code, 0);
  {
    RawLedger raw(dir);
    raw.Delete(ledger_internal::kRequestsFamily, RequestKey("a", "r-17"));
  }
  std::string out = testing::RunConsilium("verify --data " + dir, &code, false);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(out,
            "FAILED: index requests: missing entry for actor \"a\" request "
            "\"r-17\" (event 1)\n");
  out = testing::RunConsilium("repair-indexes --data " + dir + " --actor ops",
                              &code, false);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("requests  1 added, 0 removed"), std::string::npos) << out;
  EXPECT_NE(out.find("recorded as event 2 (IndexesRepaired)"),
            std::string::npos)
      << out;
  out = testing::RunConsilium("append --data " + dir + " < " + input, &code,
                              false);
  EXPECT_NE(out.find("\"seq\":1,"), std::string::npos) << out;
  EXPECT_NE(out.find("\"duplicate\":true"), std::string::npos) << out;
  out = testing::RunConsilium("verify --data " + dir, &code, false);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("OK: indexes by_record, by_actor and requests match the "
                     "events\n"),
            std::string::npos)
      << out;
  out =
      testing::RunConsilium("verify --data " + dir + " --from 2", &code, false);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out.find("OK: indexes"), std::string::npos) << out;
  EXPECT_NE(out.find("checked by a verify from event 1"), std::string::npos)
      << out;
  // Nobody can append a repair record that did not happen.
  std::ofstream(input) << R"({"type":"IndexesRepaired","actor":"x","body":{}})"
                       << "\n";
  out = testing::RunConsilium("append --data " + dir + " < " + input, &code,
                              false);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("written only by `consilium repair-indexes`"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace consilium
