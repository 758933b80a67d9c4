// Tamper evidence: rewrite stored events through RocksDB directly, as someone
// with disk access would, and check that verification fails at the right
// sequence number every time.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "ledger/ledger.h"
#include "tests/testing/paths.h"
#include "tests/testing/raw_ledger.h"
#include "tests/testing/sample_ledger.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

using testing::RawLedger;
using testing::TempDir;

constexpr uint64_t kEvents = 12;

class TamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("ledger");
    ASSERT_NO_FATAL_FAILURE(testing::CreateLedgerOfNotes(path_, kEvents));
  }

  VerifyReport VerifyNow(uint64_t from = 1) {
    auto l = Ledger::Open(path_, {.read_only = true});
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    if (!l.ok()) return {};
    return (*l)->Verify(from, nullptr);
  }

  TempDir dir_;
  std::string path_;
};

TEST_F(TamperTest, UntouchedLedgerVerifies) {
  VerifyReport r = VerifyNow();
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.events, kEvents);
  EXPECT_EQ(r.head.seq, kEvents);
}

TEST_F(TamperTest, FlippedByteInAMiddleEventIsFoundAtThatEvent) {
  {
    RawLedger raw(path_);
    std::string bytes = raw.GetEvent(5);
    bytes[bytes.size() / 2] ^= 0x01;
    raw.PutEvent(5, bytes);
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 5u) << r.problem;
}

TEST_F(TamperTest, FlippedByteInThePreviousHashFieldIsFoundAtThatEvent) {
  {
    RawLedger raw(path_);
    std::string bytes = raw.GetEvent(7);
    const auto* stamp =
        reinterpret_cast<const char*>(EventView(bytes)->stamp()->prev_hash());
    bytes[stamp - bytes.data()] ^= 0x80;
    raw.PutEvent(7, bytes);
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 7u) << r.problem;
  EXPECT_NE(r.problem.find("broken link"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, FlippedByteInTheNewestEventIsFoundAgainstTheRecordedHead) {
  {
    RawLedger raw(path_);
    std::string bytes = raw.GetEvent(kEvents);
    bytes[bytes.size() - 3] ^= 0x10;
    raw.PutEvent(kEvents, bytes);
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, kEvents) << r.problem;
}

TEST_F(TamperTest, EveryFlippedByteOfAnEventIsDetectedAtThatEvent) {
  std::string original;
  {
    RawLedger raw(path_);
    original = raw.GetEvent(3);
  }
  for (size_t i = 0; i < original.size(); i += 7) {
    {
      RawLedger raw(path_);
      std::string bytes = original;
      bytes[i] ^= 0x04;
      raw.PutEvent(3, bytes);
    }
    VerifyReport r = VerifyNow();
    EXPECT_FALSE(r.ok) << "byte " << i;
    EXPECT_EQ(r.bad_seq, 3u) << "byte " << i << ": " << r.problem;
  }
}

TEST_F(TamperTest, DeletedEventIsAGapAtItsSequenceNumber) {
  {
    RawLedger raw(path_);
    raw.DeleteEvent(6);
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 6u);
  EXPECT_EQ(r.problem, "gap: event 6 is missing (the next stored event is 7)");
}

TEST_F(TamperTest, DeletedNewestEventIsMissing) {
  {
    RawLedger raw(path_);
    raw.DeleteEvent(kEvents);
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, kEvents) << r.problem;
}

TEST_F(TamperTest, SwappedEventsAreFoundAtTheFirstOfThem) {
  {
    RawLedger raw(path_);
    std::string a = raw.GetEvent(4), b = raw.GetEvent(5);
    raw.PutEvent(4, b);
    raw.PutEvent(5, a);
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 4u);
  EXPECT_EQ(r.problem,
            "sequence mismatch: stored as event 4 but records sequence 5 "
            "(events moved or "
            "swapped)");
}

// The immudb lesson (GHSA-672p-m5jq-mrh8): an attacker re-encodes an event
// with new content, keeping its stamp, so the event itself is well formed and
// its own hash is consistent; only the successor's link gives it away.
TEST_F(TamperTest,
       ReencodedEventWithConsistentOwnHashIsFoundByItsSuccessorsLink) {
  {
    RawLedger raw(path_);
    std::string old_bytes = raw.GetEvent(8);
    const fb::Event* old_event = EventView(old_bytes);
    EventDraft forged =
        MakeRecordImported({"importer", ""}, "rec-8", "p1",
                           "{\"text\":\"a different diagnosis\"}", "{}");
    ASSERT_TRUE(forged.Validate().ok());
    forged.Stamp(8, PrevHashOf(*old_event), TimestampOf(*old_event));
    raw.PutEvent(8, forged.bytes());
  }
  VerifyReport r = VerifyNow();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 8u);
  EXPECT_EQ(r.problem,
            "hash mismatch: the stored bytes of event 8 no longer hash to the "
            "previous hash that "
            "event 9 records (event 8 was altered)");
}

TEST_F(TamperTest, VerifyFromAMiddleEventStillChecksTheFirstLink) {
  {
    RawLedger raw(path_);
    std::string bytes = raw.GetEvent(10);
    bytes[bytes.size() - 1] ^= 0x01;
    raw.PutEvent(10, bytes);
  }
  EXPECT_TRUE(VerifyNow(1).bad_seq == 10u);
  VerifyReport r = VerifyNow(9);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_seq, 10u) << r.problem;
  EXPECT_EQ(r.first_seq, 9u);
}

TEST_F(TamperTest, CommandLineVerifyNamesTheBadEventAndExitsNonZero) {
  auto run = [&](int* code) {
    return testing::RunConsilium("verify --data " + path_, code);
  };
  int code = -1;
  std::string out = run(&code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.rfind("OK: 12 events verified (1..12), head ", 0), 0u) << out;
  {
    RawLedger raw(path_);
    raw.DeleteEvent(2);
  }
  out = run(&code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(out,
            "FAILED at event 2: gap: event 2 is missing (the next stored event "
            "is 3)\n");
}

}  // namespace
}  // namespace consilium
