// The pipelined group commit (docs/group-commit.md): the committer writes
// batches without syncing, the syncer makes them durable and only then
// acknowledges them. These tests hold back or fail the write-ahead log's
// syncs through a wrapped RocksDB file system and check that nothing written
// but not yet synced is acknowledged or visible to readers, and that a failed
// sync fails the appends it covered and every later one.
#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ledger/internal/ledger_internal.h"
#include "ledger/ledger.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

using testing::FakeClock;
using testing::TempDir;

// A file system whose write-ahead-log syncs, or writes, can be held back
// (they block until released), and whose syncs can be made to fail.
class GatedWalFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  GatedWalFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "GatedWalFileSystem"; }

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok() && name.ends_with(".log"))
      *file = std::make_unique<WalFile>(std::move(*file), this);
    return s;
  }

  void Hold() {
    std::lock_guard l(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard l(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  // Holds back writes to the log (the committer's) the same way.
  void HoldWrites() {
    std::lock_guard l(mu_);
    writes_held_ = true;
  }
  void ReleaseWrites() {
    {
      std::lock_guard l(mu_);
      writes_held_ = false;
    }
    cv_.notify_all();
  }
  bool WaitForHeldWrite() {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(10),
                        [&] { return writes_waiting_ > 0; });
  }
  void FailSyncs(bool fail) {
    std::lock_guard l(mu_);
    fail_ = fail;
  }
  // Blocks until a sync is waiting behind Hold(); false after 10 s.
  bool WaitForHeldSync() {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(10),
                        [&] { return waiting_ > 0; });
  }

 private:
  class WalFile final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    WalFile(std::unique_ptr<rocksdb::FSWritableFile> f, GatedWalFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
      rocksdb::IOStatus gate = fs_->Gate();
      return gate.ok() ? target()->Sync(o, dbg) : gate;
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o,
                            rocksdb::IODebugContext* dbg) override {
      rocksdb::IOStatus gate = fs_->Gate();
      return gate.ok() ? target()->Fsync(o, dbg) : gate;
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      fs_->WriteGate();
      return target()->Append(data, o, dbg);
    }

   private:
    GatedWalFileSystem* fs_;
  };

  rocksdb::IOStatus Gate() {
    std::unique_lock l(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(l, [&] { return !held_; });
    --waiting_;
    return fail_ ? rocksdb::IOStatus::IOError("injected WAL sync failure")
                 : rocksdb::IOStatus::OK();
  }

  void WriteGate() {
    std::unique_lock l(mu_);
    ++writes_waiting_;
    cv_.notify_all();
    cv_.wait(l, [&] { return !writes_held_; });
    --writes_waiting_;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  bool writes_held_ = false;
  int writes_waiting_ = 0;
  bool fail_ = false;
  int waiting_ = 0;
};

EventDraft Record(const std::string& id) {
  return MakeRecordImported({"importer", ""}, id, "p1",
                            "{\"text\":\"Fever and cough.\"}", "{}");
}

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::Init(dir_.Sub("ledger")).ok());
    fs_ = std::make_shared<GatedWalFileSystem>();
    env_ = rocksdb::NewCompositeEnv(fs_);
    Reopen(env_.get());
  }
  void Reopen(rocksdb::Env* env) {
    ledger_.reset();
    LedgerOptions o;
    o.clock = &clock_;
    auto l = LedgerInternal::OpenWithEnv(dir_.Sub("ledger"), o, env);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(*l);
  }

  TempDir dir_;
  FakeClock clock_;
  std::shared_ptr<GatedWalFileSystem> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(SyncTest, WrittenButUnsyncedEventsAreNeitherAcknowledgedNorVisible) {
  auto first = ledger_->Append(Record("rec-1"));
  ASSERT_TRUE(first.ok()) << first.status().ToString();

  fs_->Hold();
  std::promise<StatusOr<Committed>> acked;
  ledger_->AppendAsync(Record("rec-2"), [&](StatusOr<Committed> c) {
    acked.set_value(std::move(c));
  });
  ASSERT_TRUE(fs_->WaitForHeldSync());
  // Event 2 is in the write-ahead log and the memtable, its sync is held.
  std::future<StatusOr<Committed>> ack = acked.get_future();
  EXPECT_EQ(ack.wait_for(std::chrono::milliseconds(50)),
            std::future_status::timeout);
  EXPECT_EQ(ledger_->head().seq, 1u);
  EXPECT_EQ(ledger_->Get(2).status().code(), StatusCode::kNotFound);
  std::vector<uint64_t> scanned;
  ASSERT_TRUE(ledger_
                  ->Scan(1, 0,
                         [&](const StoredEvent& e) {
                           scanned.push_back(e.seq);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(scanned, std::vector<uint64_t>{1});
  EXPECT_TRUE(ledger_->EventsForRecord("rec-2")->empty());
  EXPECT_EQ(*ledger_->EventsByActor("importer"), std::vector<uint64_t>{1});
  EXPECT_FALSE(ledger_->WaitForSeq(2, 20));
  EXPECT_EQ(ledger_->RootAt(2).status().code(), StatusCode::kOutOfRange);

  fs_->Release();
  StatusOr<Committed> c = ack.get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->seq, 2u);
  EXPECT_EQ(ledger_->head().seq, 2u);
  EXPECT_TRUE(ledger_->Get(2).ok());
  EXPECT_EQ(*ledger_->EventsForRecord("rec-2"), std::vector<uint64_t>{2});
}

TEST_F(SyncTest, AppendsWrittenDuringASyncAreCoveredByTheNextOne) {
  ASSERT_TRUE(ledger_->Append(Record("rec-0")).ok());
  fs_->Hold();
  std::mutex mu;
  std::condition_variable cv;
  std::vector<uint64_t> acked;
  ledger_->AppendAsync(Record("rec-1"), [&](StatusOr<Committed> c) {
    std::lock_guard l(mu);
    acked.push_back(c.ok() ? c->seq : 0);
    cv.notify_all();
  });
  ASSERT_TRUE(fs_->WaitForHeldSync());
  // While the first sync is held, more appends are written behind it.
  for (int i = 2; i <= 20; ++i) {
    ledger_->AppendAsync(Record("rec-" + std::to_string(i)),
                         [&](StatusOr<Committed> c) {
                           std::lock_guard l(mu);
                           acked.push_back(c.ok() ? c->seq : 0);
                           cv.notify_all();
                         });
  }
  fs_->Release();
  std::unique_lock l(mu);
  ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(10),
                          [&] { return acked.size() == 20; }));
  // Acknowledged in commit order, every one durable.
  for (size_t i = 0; i < acked.size(); ++i) EXPECT_EQ(acked[i], i + 2);
  EXPECT_EQ(ledger_->head().seq, 21u);
  EXPECT_TRUE(ledger_->Verify(1, {}).ok);
}

// A synced group of more than a few appends is completed on the
// acknowledger: a slow callback there (the command handler applies its
// events in them) does not hold back the next sync, and the next group's
// callbacks still wait for it, so completion order stays sequence order.
TEST_F(SyncTest, TheNextSyncRunsWhileALargeGroupsCallbacksRun) {
  std::promise<void> blocker_running, blocker_may_return;
  std::shared_future<void> may_return = blocker_may_return.get_future().share();
  std::mutex mu;
  std::condition_variable cv;
  std::vector<uint64_t> acked;
  auto record = [&](StatusOr<Committed> c) {
    std::lock_guard l(mu);
    acked.push_back(c.ok() ? c->seq : 0);
    cv.notify_all();
  };
  // However this test ends: the blocked callback returns, syncs and writes
  // run, and the ledger closes (running every callback) before the locals
  // the callbacks use go.
  struct Unblock {
    std::promise<void>* p;
    GatedWalFileSystem* fs;
    std::unique_ptr<Ledger>* ledger;
    bool done = false;
    void operator()() {
      if (!done) p->set_value();
      done = true;
    }
    ~Unblock() {
      fs->Release();
      fs->ReleaseWrites();
      (*this)();
      ledger->reset();
    }
  } unblock{&blocker_may_return, fs_.get(), &ledger_};

  // Event 1 is written alone; events 2-9 queue behind it and are written
  // together, so they form one synced group of eight appends.
  fs_->HoldWrites();
  ledger_->AppendAsync(Record("rec-0"), record);
  ASSERT_TRUE(fs_->WaitForHeldWrite());
  ledger_->AppendAsync(Record("rec-1"), [&](StatusOr<Committed> c) {
    blocker_running.set_value();
    may_return.wait();
    record(std::move(c));
  });
  for (int i = 2; i <= 8; ++i)
    ledger_->AppendAsync(Record("rec-" + std::to_string(i)), record);
  fs_->ReleaseWrites();
  blocker_running.get_future().wait();

  fs_->Hold();
  ledger_->AppendAsync(Record("rec-9"), record);
  // Event 2's callback is still running, yet event 10's sync has started.
  ASSERT_TRUE(fs_->WaitForHeldSync());
  fs_->Release();
  {
    std::unique_lock l(mu);
    EXPECT_FALSE(cv.wait_for(l, std::chrono::milliseconds(50),
                             [&] { return acked.size() > 1; }));
    EXPECT_EQ(acked, std::vector<uint64_t>{1});
  }
  unblock();
  std::unique_lock l(mu);
  ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(10),
                          [&] { return acked.size() == 10; }));
  for (size_t i = 0; i < acked.size(); ++i) EXPECT_EQ(acked[i], i + 1);
}

// AppendAsyncWithEvent: callbacks in sequence order, each with its event's
// stored (stamped) bytes; `more` is true exactly for the callbacks that
// another one of the same synced group follows.
TEST_F(SyncTest, AppendedEventsCarryTheirStoredBytesAndMarkTheirGroup) {
  struct Seen {
    uint64_t seq = 0;
    std::string bytes;
    bool more = false;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Seen> seen;
  auto record = [&](const Ledger::AppendedEvent& e) {
    ASSERT_TRUE(e.result.ok()) << e.result.status().ToString();
    std::lock_guard l(mu);
    seen.push_back({e.result->seq, std::string(e.bytes), e.more});
    cv.notify_all();
  };
  // The committer blocks writing event 1, so events 2-20 queue up behind it
  // and go out as one batch: one group of 19.
  fs_->HoldWrites();
  ledger_->AppendAsyncWithEvent(Record("rec-1"), record);
  ASSERT_TRUE(fs_->WaitForHeldWrite());
  for (int i = 2; i <= 20; ++i)
    ledger_->AppendAsyncWithEvent(Record("rec-" + std::to_string(i)), record);
  fs_->ReleaseWrites();
  std::unique_lock l(mu);
  ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(10),
                          [&] { return seen.size() == 20; }));
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].seq, i + 1);
    auto stored = ledger_->Get(seen[i].seq);
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    EXPECT_EQ(seen[i].bytes, stored->bytes) << "event " << seen[i].seq;
  }
  // Event 1 may or may not share a sync with the batch behind it; events
  // 2-19 are followed by the rest of their batch, event 20 ends the group.
  for (size_t i = 1; i + 1 < seen.size(); ++i)
    EXPECT_TRUE(seen[i].more) << "event " << seen[i].seq;
  EXPECT_FALSE(seen.back().more);
}

TEST_F(SyncTest, AppendedEventFailuresCarryNoBytesAndEndTheirGroup) {
  ASSERT_TRUE(ledger_->Append(Record("rec-1")).ok());
  std::promise<Ledger::AppendedEvent> invalid;
  ledger_->AppendAsyncWithEvent(
      EventDraft(std::string("junk")),
      [&](const Ledger::AppendedEvent& e) { invalid.set_value(e); });
  Ledger::AppendedEvent bad = invalid.get_future().get();
  EXPECT_EQ(bad.result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(bad.bytes.empty());
  EXPECT_FALSE(bad.more);

  fs_->FailSyncs(true);
  std::promise<Ledger::AppendedEvent> failed;
  ledger_->AppendAsyncWithEvent(
      Record("rec-2"),
      [&](const Ledger::AppendedEvent& e) { failed.set_value(e); });
  Ledger::AppendedEvent f = failed.get_future().get();
  EXPECT_FALSE(f.result.ok());
  EXPECT_NE(f.result.status().message().find("injected WAL sync failure"),
            std::string::npos)
      << f.result.status().ToString();
  EXPECT_TRUE(f.bytes.empty());
  EXPECT_FALSE(f.more);
}

TEST_F(SyncTest, AFailedSyncFailsItsAppendsAndEveryLaterOne) {
  ASSERT_TRUE(ledger_->Append(Record("rec-1")).ok());
  fs_->FailSyncs(true);
  auto failed = ledger_->Append(Record("rec-2"));
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("injected WAL sync failure"),
            std::string::npos)
      << failed.status().ToString();
  EXPECT_EQ(ledger_->head().seq, 1u);
  EXPECT_EQ(ledger_->Get(2).status().code(), StatusCode::kNotFound);

  // The disk is fine again, but what reached it is unknown: the ledger
  // refuses appends until it is reopened.
  fs_->FailSyncs(false);
  auto refused = ledger_->Append(Record("rec-3"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(), failed.status().message());

  Reopen(nullptr);
  // Event 2 reached the operating system, so it may survive; it was never
  // acknowledged, and either way the chain is whole.
  uint64_t head = ledger_->head().seq;
  EXPECT_TRUE(head == 1 || head == 2) << head;
  VerifyReport r = ledger_->Verify(1, {});
  EXPECT_TRUE(r.ok) << r.problem;
  auto next = ledger_->Append(Record("rec-4"));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->seq, head + 1);
}

}  // namespace
}  // namespace consilium
