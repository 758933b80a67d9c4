// The indexer the ledger is told (LedgerOptions::indexer,
// schemas/event_index.h): its name is stored at Init and compared at Open; a
// ledger made before names were stored reads as "consilium.v1" and opens,
// verifies and appends unchanged; another indexer is refused until
// repair-indexes rebuilt the indexes with it.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "ledger/internal/storage_layout.h"
#include "ledger/ledger.h"
#include "schemas/event_index.h"
#include "tests/testing/raw_ledger.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

using ledger_internal::kMetaFamily;
using ledger_internal::kMetaIndexer;
using testing::RawLedger;
using testing::TempDir;

// Another indexer: every event is "about" the record named by its actor.
IndexKeys ByActorAsRecord(const fb::Event& e) {
  return IndexKeys{View(e.actor())};
}
constexpr EventIndexer kActorIndexer{"test.actor-as-record", &ByActorAsRecord};

std::optional<std::string> StoredIndexerName(const std::string& dir) {
  RawLedger raw(dir);
  EXPECT_TRUE(raw.ok());
  for (const auto& [key, value] : raw.Entries(kMetaFamily)) {
    if (key == kMetaIndexer) return value;
  }
  return std::nullopt;
}

class IndexerTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = dir_.Sub("ledger"); }

  void Fill(const LedgerOptions& o, uint64_t from, uint64_t to) {
    auto l = Ledger::Open(path_, o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    for (uint64_t i = from; i <= to; ++i) {
      auto c = (*l)->Append(MakeRecordImported(
          {i % 2 ? "a" : "b", ""}, "rec-" + std::to_string(i % 3), "p1",
          "{\"n\":" + std::to_string(i) + "}", "{}"));
      ASSERT_TRUE(c.ok()) << c.status().ToString();
    }
  }

  TempDir dir_;
  std::string path_;
};

TEST_F(IndexerTest, InitStoresTheIndexersName) {
  ASSERT_TRUE(Ledger::Init(path_).ok());
  EXPECT_EQ(StoredIndexerName(path_), "consilium.v1");
  TempDir other;
  const std::string path2 = other.Sub("ledger");
  ASSERT_TRUE(Ledger::Init(path2, kActorIndexer).ok());
  EXPECT_EQ(StoredIndexerName(path2), "test.actor-as-record");
}

TEST_F(IndexerTest, LedgerWithoutAStoredNameOpensVerifiesAndAppendsAsV1) {
  ASSERT_TRUE(Ledger::Init(path_).ok());
  Fill({}, 1, 6);
  {
    // A ledger written before the name was stored.
    RawLedger raw(path_);
    ASSERT_TRUE(raw.ok());
    raw.Delete(kMetaFamily, kMetaIndexer);
  }
  ASSERT_EQ(StoredIndexerName(path_), std::nullopt);
  Fill({}, 7, 9);
  auto l = Ledger::Open(path_, {});
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  VerifyReport r = (*l)->Verify(1, nullptr);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.events, 9u);
  auto rec = (*l)->EventsForRecord("rec-0");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(*rec, (std::vector<uint64_t>{3, 6, 9}));
  auto repair = (*l)->RepairIndexes("ops");
  ASSERT_TRUE(repair.ok()) << repair.status().ToString();
  EXPECT_FALSE(repair->event.has_value());
  l->reset();
  // Opening, appending and verifying wrote nothing new into meta.
  EXPECT_EQ(StoredIndexerName(path_), std::nullopt);
  auto ro = Ledger::Open(path_, {.read_only = true});
  ASSERT_TRUE(ro.ok()) << ro.status().ToString();
  EXPECT_TRUE((*ro)->Verify(1, nullptr).ok);
}

TEST_F(IndexerTest, AnotherIndexerIsRefusedNamingBoth) {
  ASSERT_TRUE(Ledger::Init(path_).ok());
  Fill({}, 1, 3);
  for (bool read_only : {false, true}) {
    LedgerOptions o;
    o.read_only = read_only;
    o.indexer = kActorIndexer;
    auto l = Ledger::Open(path_, o);
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(l.status().message().find("\"consilium.v1\""), std::string::npos)
        << l.status().message();
    EXPECT_NE(l.status().message().find("\"test.actor-as-record\""),
              std::string::npos);
    EXPECT_NE(l.status().message().find("repair-indexes"), std::string::npos);
  }
  // A ledger without a stored name is consilium.v1's, and no other's.
  {
    RawLedger raw(path_);
    ASSERT_TRUE(raw.ok());
    raw.Delete(kMetaFamily, kMetaIndexer);
  }
  LedgerOptions o;
  o.indexer = kActorIndexer;
  auto l = Ledger::Open(path_, o);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(IndexerTest, IndexerWithoutKeysOrNameIsInvalid) {
  ASSERT_TRUE(Ledger::Init(path_).ok());
  LedgerOptions o;
  o.indexer = EventIndexer{"consilium.v1", nullptr};
  auto l = Ledger::Open(path_, o);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), StatusCode::kInvalidArgument);
  o.indexer = EventIndexer{"", &ConsiliumV1IndexKeys};
  l = Ledger::Open(path_, o);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(IndexerTest, TheToldIndexerFillsChecksAndRebuildsByRecord) {
  ASSERT_TRUE(Ledger::Init(path_, kActorIndexer).ok());
  LedgerOptions o;
  o.indexer = kActorIndexer;
  Fill(o, 1, 5);
  auto l = Ledger::Open(path_, o);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  auto rec = (*l)->EventsForRecord("a");
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(*rec, (std::vector<uint64_t>{1, 3, 5}));
  EXPECT_TRUE((*l)->EventsForRecord("rec-1")->empty());
  VerifyReport r = (*l)->Verify(1, nullptr);
  EXPECT_TRUE(r.ok) << r.problem;
  auto repair = (*l)->RepairIndexes("ops");
  ASSERT_TRUE(repair.ok()) << repair.status().ToString();
  EXPECT_FALSE(repair->event.has_value());
}

TEST_F(IndexerTest, AdoptingAnotherIndexerWaitsForRepairIndexes) {
  ASSERT_TRUE(Ledger::Init(path_).ok());
  Fill({}, 1, 4);
  LedgerOptions o;
  o.indexer = kActorIndexer;
  o.adopt_indexer = true;
  {
    auto l = Ledger::Open(path_, o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    auto refused =
        (*l)->Append(MakeRecordImported({"a", ""}, "rec-9", "p1", "{}", "{}"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
    auto repair = (*l)->RepairIndexes("ops");
    ASSERT_TRUE(repair.ok()) << repair.status().ToString();
    ASSERT_TRUE(repair->event.has_value());
    EXPECT_EQ(repair->event->seq, 5u);
    auto c =
        (*l)->Append(MakeRecordImported({"a", ""}, "rec-9", "p1", "{}", "{}"));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_TRUE((*l)->Verify(1, nullptr).ok);
  }
  EXPECT_EQ(StoredIndexerName(path_), "test.actor-as-record");
  o.adopt_indexer = false;
  auto l = Ledger::Open(path_, o);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(*(*l)->EventsForRecord("a"), (std::vector<uint64_t>{1, 3, 6}));
  l->reset();
  auto v1 = Ledger::Open(path_, {});
  ASSERT_FALSE(v1.ok());
  EXPECT_EQ(v1.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace consilium
