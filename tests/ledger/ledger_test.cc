#include "ledger/ledger.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "schemas/event_json.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/raw_ledger.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

using testing::FakeClock;
using testing::TempDir;

EventDraft Record(const std::string& id, const std::string& actor = "importer",
                  const std::string& request_id = "") {
  return MakeRecordImported({actor, request_id}, id, "p1",
                            "{\"text\":\"Fever and cough.\"}", "{}");
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::Init(dir_.Sub("ledger")).ok());
    Reopen();
  }
  void Reopen(bool read_only = false) {
    ledger_.reset();
    LedgerOptions o;
    o.clock = &clock_;
    o.read_only = read_only;
    auto l = Ledger::Open(dir_.Sub("ledger"), o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(*l);
  }

  TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(LedgerTest, AppendAssignsDenseSequenceNumbersAndChainsHashes) {
  Hash256 prev{};
  for (uint64_t i = 1; i <= 5; ++i) {
    auto c = ledger_->Append(Record("rec-" + std::to_string(i)));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(c->seq, i);
    EXPECT_FALSE(c->duplicate);
    auto e = ledger_->Get(i);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->hash, c->hash);
    EXPECT_EQ(e->hash, LeafHash(AsBytes(e->bytes)));
    EXPECT_EQ(SequenceOf(*e->event()), i);
    EXPECT_EQ(PrevHashOf(*e->event()), prev);
    prev = c->hash;
  }
  EXPECT_EQ(ledger_->head().seq, 5u);
  EXPECT_EQ(ledger_->head().hash, prev);
}

TEST_F(LedgerTest, HeadSurvivesReopen) {
  ASSERT_TRUE(ledger_->Append(Record("a")).ok());
  auto c = ledger_->Append(Record("b"));
  ASSERT_TRUE(c.ok());
  Reopen();
  EXPECT_EQ(ledger_->head().seq, 2u);
  EXPECT_EQ(ledger_->head().hash, c->hash);
  auto d = ledger_->Append(Record("c"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->seq, 3u);
  EXPECT_EQ(PrevHashOf(*ledger_->Get(3)->event()), c->hash);
}

TEST_F(LedgerTest, TimestampsNeverGoBackwards) {
  clock_.Set(2'000'000);
  auto a = ledger_->Append(Record("a"));
  clock_.Set(1'000'000);  // the wall clock stepped back
  auto b = ledger_->Append(Record("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->timestamp_us, 2'000'000);
  EXPECT_EQ(b->timestamp_us, 2'000'000);
  EXPECT_EQ(TimestampOf(*ledger_->Get(2)->event()), 2'000'000);
}

TEST_F(LedgerTest, RetriedRequestIdReturnsTheOriginalAndAppendsNothing) {
  auto first = ledger_->Append(Record("a", "importer", "req-1"));
  ASSERT_TRUE(first.ok());
  auto retry = ledger_->Append(Record("a", "importer", "req-1"));
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->seq, first->seq);
  EXPECT_EQ(retry->hash, first->hash);
  EXPECT_EQ(ledger_->head().seq, 1u);
  // Request ids are scoped by actor.
  auto other = ledger_->Append(Record("a", "someone-else", "req-1"));
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->duplicate);
  EXPECT_EQ(other->seq, 2u);
  // And survive a restart.
  Reopen();
  auto again = ledger_->Append(Record("a", "importer", "req-1"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->seq, 1u);
  EXPECT_EQ(ledger_->head().seq, 2u);
}

TEST_F(LedgerTest, RetriesInOneBatchCommitOnce) {
  std::vector<EventDraft> drafts;
  drafts.push_back(Record("a", "importer", "r"));
  drafts.push_back(Record("a", "importer", "r"));
  auto c = ledger_->AppendAll(std::move(drafts));
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].seq, 1u);
  EXPECT_EQ((*c)[1].seq, 1u);
  EXPECT_TRUE((*c)[1].duplicate);
  EXPECT_EQ(ledger_->head().seq, 1u);
}

TEST_F(LedgerTest, ConcurrentRetriesOfOneRequestCommitOnce) {
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seqs;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto c = ledger_->Append(Record("a", "importer", "same"));
      ASSERT_TRUE(c.ok());
      std::lock_guard l(mu);
      seqs.insert(c->seq);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(seqs, std::set<uint64_t>{1});
  EXPECT_EQ(ledger_->head().seq, 1u);
}

TEST_F(LedgerTest, ConcurrentAppendersGetDenseDistinctSequenceNumbers) {
  constexpr int kThreads = 16, kEach = 50;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seqs;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto c = ledger_->Append(
            Record("r" + std::to_string(t) + "-" + std::to_string(i)));
        ASSERT_TRUE(c.ok());
        std::lock_guard l(mu);
        EXPECT_TRUE(seqs.insert(c->seq).second);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(seqs.size(), size_t{kThreads * kEach});
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), uint64_t{kThreads * kEach});
  VerifyReport r = ledger_->Verify(1, nullptr);
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.events, uint64_t{kThreads * kEach});
}

TEST_F(LedgerTest, AppendAllIsAllOrNothing) {
  std::vector<EventDraft> drafts;
  drafts.push_back(Record("a"));
  drafts.push_back(EventDraft(std::string("not a flatbuffer at all")));
  drafts.push_back(Record("c"));
  auto c = ledger_->AppendAll(std::move(drafts));
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(),
            "event 2 of 3: event draft is not a valid consilium.fb.Event");
  EXPECT_EQ(ledger_->head().seq, 0u);

  std::vector<EventDraft> good;
  good.push_back(Record("a"));
  good.push_back(Record("b"));
  auto ok = ledger_->AppendAll(std::move(good));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].seq, 1u);
  EXPECT_EQ((*ok)[1].seq, 2u);
}

TEST_F(LedgerTest, MalformedDraftsAreRejectedAndNothingIsAppended) {
  EXPECT_EQ(ledger_->Append(EventDraft(std::string())).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_->Append(Record("a", "")).status().message(),
            "actor is required");
  EXPECT_EQ(ledger_->Append(Record(std::string("a\0b", 3))).status().message(),
            "record_id contains a NUL character");
  EXPECT_EQ(ledger_->Append(Record(std::string(kMaxIdBytes + 1, 'r')))
                .status()
                .message(),
            "record_id is 257 bytes; the limit is 256");
  EventDraft huge = MakeRecordImported({"importer", ""}, "big", "p1",
                                       std::string(kMaxEventBytes, 'x'), "{}");
  Status s = ledger_->Append(std::move(huge)).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("the limit is 1048576"), std::string::npos)
      << s.message();
  EXPECT_EQ(ledger_->head().seq, 0u);
}

TEST_F(LedgerTest, AsyncValidationErrorsArriveThroughTheCallback) {
  std::atomic<bool> called{false};
  ledger_->AppendAsync(
      EventDraft(std::string("junk")), [&](StatusOr<Committed> c) {
        EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
        called = true;
      });
  EXPECT_TRUE(called);
  EXPECT_EQ(ledger_->head().seq, 0u);
}

TEST_F(LedgerTest, IndexesFindEventsByRecordAndByActor) {
  ASSERT_TRUE(ledger_->Append(Record("rec-1", "alice")).ok());
  ASSERT_TRUE(ledger_->Append(Record("rec-2", "bob")).ok());
  ASSERT_TRUE(ledger_->Append(Record("rec-1", "bob")).ok());
  ASSERT_TRUE(
      ledger_->Append(MakeProjectCreated({"alice", ""}, "p2", "Other")).ok());
  EXPECT_EQ(*ledger_->EventsForRecord("rec-1"), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(*ledger_->EventsForRecord("rec-2"), (std::vector<uint64_t>{2}));
  EXPECT_TRUE(
      ledger_->EventsForRecord("rec-").value().empty());  // no prefix matches
  EXPECT_EQ(*ledger_->EventsByActor("alice"), (std::vector<uint64_t>{1, 4}));
  EXPECT_EQ(*ledger_->EventsByActor("bob"), (std::vector<uint64_t>{2, 3}));
}

TEST_F(LedgerTest, GetAndScanReadBackWhatWasAppended) {
  std::vector<Committed> committed;
  for (int i = 0; i < 10; ++i)
    committed.push_back(*ledger_->Append(Record(std::to_string(i))));
  EXPECT_EQ(ledger_->Get(11).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ledger_->Get(0).status().code(), StatusCode::kNotFound);
  std::vector<uint64_t> seen;
  ASSERT_TRUE(ledger_
                  ->Scan(4, 3,
                         [&](const StoredEvent& e) {
                           EXPECT_EQ(e.hash, committed[e.seq - 1].hash);
                           seen.push_back(e.seq);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{4, 5, 6}));
}

TEST_F(LedgerTest, ScanWithoutHashesStillReturnsTheStoredBytes) {
  std::vector<std::string> bytes;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(ledger_->Append(Record(std::to_string(i))).ok());
    bytes.push_back(ledger_->Get(i + 1)->bytes);
  }
  std::vector<uint64_t> seen;
  ASSERT_TRUE(ledger_
                  ->Scan(
                      2, 0,
                      [&](const StoredEvent& e) {
                        EXPECT_EQ(e.bytes, bytes[e.seq - 1]);
                        EXPECT_EQ(e.hash, Hash256{});
                        seen.push_back(e.seq);
                        return true;
                      },
                      /*with_hashes=*/false)
                  .ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{2, 3, 4, 5}));
}

TEST_F(LedgerTest, SubscriptionDeliversEveryCommittedEventInOrder) {
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(ledger_->Append(Record(std::to_string(i))).ok());
  std::mutex mu;
  std::vector<uint64_t> got;
  auto sub = ledger_->Subscribe(5, [&](const StoredEvent& e) {
    std::lock_guard l(mu);
    got.push_back(e.seq);
  });
  for (int i = 20; i < 60; ++i)
    ASSERT_TRUE(ledger_->Append(Record(std::to_string(i))).ok());
  for (int spin = 0; spin < 500 && sub->next_seq() <= 60; ++spin) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sub.reset();
  std::vector<uint64_t> want;
  for (uint64_t s = 5; s <= 60; ++s) want.push_back(s);
  EXPECT_EQ(got, want);
}

TEST_F(LedgerTest, SlowSubscriberDoesNotBlockAppenders) {
  std::atomic<bool> release{false};
  auto sub = ledger_->Subscribe(1, [&](const StoredEvent&) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(ledger_->Append(Record(std::to_string(i))).ok());
  EXPECT_EQ(ledger_->head().seq, 50u);
  EXPECT_LE(sub->next_seq(), 2u);
  release = true;
  for (int spin = 0; spin < 500 && sub->next_seq() <= 50; ++spin) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(sub->next_seq(), 51u);
}

// Destroying a subscription while it catches up must return: the consumer
// refuses the rest of the scan, and the thread used to rescan forever.
TEST_F(LedgerTest, SubscriptionStoppedWhileCatchingUpReturns) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(ledger_->Append(Record(std::to_string(i))).ok());
  std::promise<void> entered;
  std::atomic<int> calls{0};
  auto sub = ledger_->Subscribe(1, [&](const StoredEvent&) {
    if (calls++ == 0) {
      entered.set_value();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  entered.get_future().wait();
  auto done = std::async(std::launch::async, [&] { sub.reset(); });
  EXPECT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(LedgerTest, WaitForSeqSeesCommits) {
  EXPECT_FALSE(ledger_->WaitForSeq(1, 10));
  ASSERT_TRUE(ledger_->Append(Record("a")).ok());
  EXPECT_TRUE(ledger_->WaitForSeq(1, 10));
}

TEST_F(LedgerTest, ReadOnlyLedgerRefusesAppends) {
  ASSERT_TRUE(ledger_->Append(Record("a")).ok());
  Reopen(/*read_only=*/true);
  auto c = ledger_->Append(Record("b"));
  EXPECT_EQ(c.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ledger_->head().seq, 1u);
}

TEST(LedgerOpenTest, MissingDirectoryIsNotFound) {
  TempDir dir;
  auto l = Ledger::Open(dir.Sub("nothing-here"), {});
  EXPECT_EQ(l.status().code(), StatusCode::kNotFound);
  EXPECT_NE(l.status().message().find("consilium init"), std::string::npos);
}

TEST(LedgerOpenTest, DirectoryThatIsNotALedgerIsRefused) {
  TempDir dir;
  std::ofstream(dir.Sub("notes.txt")) << "hello";
  auto l = Ledger::Open(dir.path(), {});
  EXPECT_EQ(l.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      l.status().message(),
      dir.path() + " is not a Consilium ledger (no RocksDB CURRENT file)");
  // Nor will init write into a non-empty directory.
  EXPECT_EQ(Ledger::Init(dir.path()).code(), StatusCode::kFailedPrecondition);
}

TEST(LedgerOpenTest, PlainRocksDbIsNotALedger) {
  TempDir dir;
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, dir.Sub("db"), &db).ok());
  delete db;
  auto l = Ledger::Open(dir.Sub("db"), {});
  EXPECT_EQ(l.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(l.status().message().find("column family \"events\" is missing"),
            std::string::npos)
      << l.status().message();
  EXPECT_EQ(Ledger::Init(dir.Sub("db")).code(),
            StatusCode::kFailedPrecondition);
}

TEST(LedgerOpenTest, InitTwiceIsAlreadyExists) {
  TempDir dir;
  ASSERT_TRUE(Ledger::Init(dir.Sub("l")).ok());
  EXPECT_EQ(Ledger::Init(dir.Sub("l")).code(), StatusCode::kAlreadyExists);
}

TEST(LedgerOpenTest, NewerFormatVersionIsRefusedWithAClearError) {
  TempDir dir;
  ASSERT_TRUE(Ledger::Init(dir.Sub("l")).ok());
  {
    testing::RawLedger raw(dir.Sub("l"));
    ASSERT_TRUE(raw.ok());
    raw.PutMeta(ledger_internal::kMetaFormatVersion, "2");
  }
  auto l = Ledger::Open(dir.Sub("l"), {});
  EXPECT_EQ(l.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(l.status().message(),
            dir.Sub("l") +
                " was written by a newer Consilium (ledger format version 2; "
                "this build reads up "
                "to 1). Upgrade consilium to open it.");
}

TEST(LedgerOpenTest, SecondWriterIsUnavailable) {
  TempDir dir;
  ASSERT_TRUE(Ledger::Init(dir.Sub("l")).ok());
  auto first = Ledger::Open(dir.Sub("l"), {});
  ASSERT_TRUE(first.ok());
  auto second = Ledger::Open(dir.Sub("l"), {});
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  // Readers are welcome.
  EXPECT_TRUE(Ledger::Open(dir.Sub("l"), {.read_only = true}).ok());
}

}  // namespace
}  // namespace consilium

namespace consilium {
namespace {

// A ledger made before the `projections` column family existed: Open
// creates the family (read-write) or reports no checkpoints (read-only).
TEST(LedgerProjectionFamilyTest, OpenCreatesTheFamilyInAnOlderLedger) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("l");
  ASSERT_TRUE(Ledger::Init(dir).ok());
  {
    testing::RawLedger raw(dir);
    ASSERT_TRUE(raw.ok());
    rocksdb::ColumnFamilyHandle* h =
        raw.Family(ledger_internal::kProjectionsFamily);
    ASSERT_NE(h, nullptr);
    ASSERT_TRUE(raw.db()->DropColumnFamily(h).ok());
  }
  {
    auto ro = Ledger::Open(dir, {.read_only = true});
    ASSERT_TRUE(ro.ok()) << ro.status().ToString();
    auto none = (*ro)->GetProjectionCheckpoint("analytics");
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
    EXPECT_EQ((*ro)->PutProjectionCheckpoint("analytics", 0, "x").code(),
              StatusCode::kFailedPrecondition);
  }
  {
    auto rw = Ledger::Open(dir, {});
    ASSERT_TRUE(rw.ok()) << rw.status().ToString();
    ASSERT_TRUE((*rw)->PutProjectionCheckpoint("analytics", 0, "state").ok());
  }
  auto again = Ledger::Open(dir, {.read_only = true});
  ASSERT_TRUE(again.ok());
  auto cp = (*again)->GetProjectionCheckpoint("analytics");
  ASSERT_TRUE(cp.ok());
  ASSERT_TRUE(cp->has_value());
  EXPECT_EQ((*cp)->first, 0u);
  EXPECT_EQ((*cp)->second, "state");
}

}  // namespace
}  // namespace consilium
