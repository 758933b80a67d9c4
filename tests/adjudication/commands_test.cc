// AdjudicationCommands over a real ledger: each command's success and each
// error with its code and message and nothing appended; conflict of
// interest on every path; the model equal to a rebuild after each test.
#include <gtest/gtest.h>

#include "tests/adjudication/adjudication_fixture.h"

namespace consilium::adjudication {
namespace {

class AdjudicationCommandsTest : public ::testing::Test,
                                 public AdjudicationFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Start());
    ASSERT_NO_FATAL_FAILURE(Populate());
  }
  void TearDown() override {
    if (handler_ != nullptr) {
      EXPECT_EQ(Debug(), Rebuilt());
    }
  }

  // r1 disputed on dx: a1 says a, a2 says b.
  void Dispute(const std::string& record = "r1") {
    Ok(Submit(record + "-a1", record, "a1", Values("a", 0.9)).status());
    Ok(Submit(record + "-a2", record, "a2", Values("b", 0.6)).status());
  }

  template <typename Fn>
  void ExpectRejected(Fn&& fn, StatusCode code, const std::string& message) {
    const uint64_t before = Head();
    const Status s = fn();
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_EQ(s.message(), message);
    EXPECT_EQ(Head(), before) << "a rejected command appended";
  }
};

TEST_F(AdjudicationCommandsTest, DisagreementQueuesTheItemAndClaimTakesIt) {
  EXPECT_EQ(Depth(), 0u);
  Ok(Submit("r1-a1", "r1", "a1", Values("a")).status());
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kNotDisputed);  // 1 of 2
  Ok(Submit("r1-a2", "r1", "a2", Values("b")).status());
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kPending) << Debug();
  EXPECT_EQ(Depth(), 1u);
  const int64_t now = clock_.NowMicros();
  auto c = adj_->Claim("k1", "p");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->item.record, "r1");
  EXPECT_EQ(c->item.field, "dx");
  EXPECT_EQ(c->lease, c->committed.seq);
  EXPECT_EQ(c->expires_us, now + kDefaultLeaseMicros);
  ASSERT_EQ(c->weighed.size(), 2u);
  EXPECT_EQ(c->weighed[0].annotator, "a1");
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kClaimed);
  EXPECT_EQ(Depth(), 0u);
}

TEST_F(AdjudicationCommandsTest, ClaimErrorsAppendNothing) {
  ExpectRejected([&] { return adj_->Claim("k1", "p").status(); },
                 StatusCode::kNotFound,
                 "no item in project \"p\" is eligible for \"k1\" (0 queued)");
  Dispute();
  ExpectRejected([&] { return adj_->Claim("a1", "p").status(); },
                 StatusCode::kPermissionDenied,
                 "\"a1\" is not an adjudicator of project \"p\"");
  ExpectRejected([&] { return adj_->Claim("k1", "nope").status(); },
                 StatusCode::kNotFound, "project \"nope\" not found");
  ExpectRejected([&] { return adj_->Claim("k1", "p", 0).status(); },
                 StatusCode::kInvalidArgument,
                 "ttl: must be 1 to 86400 seconds, got 0");
  auto c = adj_->Claim("k1", "p");
  ASSERT_TRUE(c.ok());
  Dispute("r2");
  ExpectRejected([&] { return adj_->Claim("k1", "p").status(); },
                 StatusCode::kFailedPrecondition,
                 "\"k1\" already holds lease " + std::to_string(c->lease) +
                     " on record \"r1\" field \"dx\"; decide or release it "
                     "first");
}

TEST_F(AdjudicationCommandsTest, TtlSetsTheDeadline) {
  Dispute();
  const int64_t now = clock_.NowMicros();
  auto c = adj_->Claim("k1", "p", 60);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->expires_us, now + 60'000'000);
}

TEST_F(AdjudicationCommandsTest, DecideRecordsTheValueAndKeepsTheAnnotations) {
  Dispute();
  auto c = adj_->Claim("k1", "p");
  ASSERT_TRUE(c.ok());
  auto d = adj_->Decide("k1", {.lease = c->lease,
                               .field = "dx",
                               .value_json = "\"a\"",
                               .rationale = "the film shows it"});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kDecided);
  handler_->Read([&](const domain::DomainState& s) {
    EXPECT_EQ(s.FindAnnotation("r1-a1")->revision, 1u);
    EXPECT_FALSE(s.FindAnnotation("r1-a2")->withdrawn);
    const ItemInfo* i = model_->FindItem("p", {"r1", "dx"});
    ASSERT_EQ(i->round.size(), 1u);
    EXPECT_EQ(i->round[0].value_key, "a");
    EXPECT_EQ(i->round[0].weighed.size(), 2u);
  });
  auto e = ledger_->Get(d->seq);
  ASSERT_TRUE(e.ok());
}

TEST_F(AdjudicationCommandsTest, DecideErrorsAppendNothing) {
  Dispute();
  auto c = adj_->Claim("k1", "p");
  ASSERT_TRUE(c.ok());
  const uint64_t l = c->lease;
  const std::string ls = std::to_string(l);
  ExpectRejected(
      [&] {
        return adj_
            ->Decide("k1", {.lease = 999,
                            .field = "dx",
                            .value_json = "\"a\"",
                            .rationale = "r"})
            .status();
      },
      StatusCode::kNotFound, "no lease 999");
  ExpectRejected(
      [&] {
        return adj_
            ->Decide("k2", {.lease = l,
                            .field = "dx",
                            .value_json = "\"a\"",
                            .rationale = "r"})
            .status();
      },
      StatusCode::kPermissionDenied,
      "lease " + ls + " is held by \"k1\", not \"k2\"");
  ExpectRejected(
      [&] {
        return adj_
            ->Decide("k1", {.lease = l,
                            .field = "dx",
                            .value_json = "\"a\"",
                            .rationale = "  "})
            .status();
      },
      StatusCode::kInvalidArgument,
      "a decision on record \"r1\" field \"dx\" needs a rationale");
  ExpectRejected(
      [&] {
        return adj_
            ->Decide("k1", {.lease = l,
                            .field = "dx",
                            .value_json = "\"z\"",
                            .rationale = "r"})
            .status();
      },
      StatusCode::kInvalidArgument,
      "decision on field \"dx\": value \"z\" is not allowed: \"z\" is not a "
      "category of adj@1");
  ExpectRejected(
      [&] {
        return adj_
            ->Decide("k1", {.lease = l,
                            .field = "finding",
                            .value_json = "\"x\"",
                            .rationale = "r"})
            .status();
      },
      StatusCode::kInvalidArgument,
      "lease " + ls +
          " holds record \"r1\" field \"dx\", which is not the disputed item "
          "record \"r1\" field \"finding\"");
  ExpectRejected(
      [&] {
        return adj_
            ->Decide("k1", {.lease = l,
                            .field = "dx",
                            .value_json = "\"a\"",
                            .ambiguous = true,
                            .rationale = "r"})
            .status();
      },
      StatusCode::kInvalidArgument,
      "decision under lease " + ls +
          ": a value and \"ambiguous\" exclude each other");
  ExpectRejected(
      [&] {
        return adj_->Decide("k1", {.lease = l, .field = "dx", .rationale = "r"})
            .status();
      },
      StatusCode::kInvalidArgument,
      "decision under lease " + ls + ": give a value or mark it ambiguous");
  ExpectRejected(
      [&] {
        return adj_
            ->Decide("k1", {.lease = l,
                            .field = "dx",
                            .value_json = "a",
                            .rationale = "r"})
            .status();
      },
      StatusCode::kInvalidArgument,
      "decision on field \"dx\": value is not JSON (syntax error)");
}

}  // namespace
}  // namespace consilium::adjudication
