// dataset/outcomes.h: a snapshot's adjudication outcomes are the engine's
// final outcomes as of the snapshot's sequence number, not the latest
// AdjudicationDecided: a decided value with the details of its event, a
// round counted only once complete, nothing for a re-opened item, and
// earlier prefixes answered as they were.
#include "dataset/outcomes.h"

#include <gtest/gtest.h>

#include "adjudication/as_of.h"
#include "tests/adjudication/adjudication_fixture.h"

namespace consilium::dataset {
namespace {

using adjudication::AdjudicationFixture;

class SnapshotOutcomesTest : public ::testing::Test,
                             public AdjudicationFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Start());
    ASSERT_NO_FATAL_FAILURE(Populate());
  }

  std::vector<projections::AdjudicationDecision> Outcomes(
      uint64_t seq, const std::string& record) {
    auto o = ProjectOutcomes(*ledger_, seq, "p");
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    if (!o.ok()) return {};
    auto r = RecordOutcomes(*ledger_, *o, record);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<projections::AdjudicationDecision>{};
  }

  // Claims the next item as `who` and decides `value` on it.
  uint64_t Decide(const std::string& who, const std::string& value) {
    auto c = adj_->Claim(who, "p");
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (!c.ok()) return 0;
    auto d = adj_->Decide(who, {.lease = c->lease,
                                .field = "dx",
                                .value_json = value,
                                .rationale = "the film"});
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? d->seq : 0;
  }
};

TEST_F(SnapshotOutcomesTest, ADecisionCarriesItsValueAndEventAsOfItsSeq) {
  Ok(Submit("r1-a1", "r1", "a1", Values("a")).status());
  Ok(Submit("r1-a2", "r1", "a2", Values("b")).status());
  const uint64_t before = Head();
  const uint64_t decided = Decide("k1", "\"a\"");
  ASSERT_NE(decided, 0u);

  EXPECT_TRUE(Outcomes(before, "r1").empty()) << "pending: no outcome yet";
  auto o = Outcomes(decided, "r1");
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].field_path, "dx");
  EXPECT_EQ(o[0].outcome, fb::AdjudicationOutcome::Decided);
  EXPECT_EQ(o[0].value_json, "\"a\"");
  EXPECT_EQ(o[0].value_key, "a");
  EXPECT_EQ(o[0].adjudicator, "k1");
  EXPECT_EQ(o[0].rationale, "the film");
  EXPECT_EQ(o[0].seq, decided);
  EXPECT_NE(o[0].timestamp_us, 0);
  EXPECT_TRUE(Outcomes(decided, "r2").empty());
}

TEST_F(SnapshotOutcomesTest, ARoundCountsOnlyOnceComplete) {
  Ok(adj_->SetPolicy("admin", "p",
                     R"({"project": "p", "version": 1,)"
                     R"( "fields": {"dx": {"adjudicators": 2}}})")
         .status());
  Ok(Submit("r1-a1", "r1", "a1", Values("a")).status());
  Ok(Submit("r1-a2", "r1", "a2", Values("b")).status());
  const uint64_t first = Decide("k1", "\"a\"");
  ASSERT_NE(first, 0u);
  // The latest AdjudicationDecided says "a"; the engine: one of two.
  EXPECT_TRUE(Outcomes(first, "r1").empty());
  const uint64_t second = Decide("k2", "\"a\"");
  ASSERT_NE(second, 0u);
  auto o = Outcomes(second, "r1");
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].outcome, fb::AdjudicationOutcome::Decided);
  EXPECT_EQ(o[0].value_key, "a");
  EXPECT_EQ(o[0].seq, second);
  // As of the first decision, still none: the prefix answers as it was.
  EXPECT_TRUE(Outcomes(first, "r1").empty());
}

TEST_F(SnapshotOutcomesTest, AReopenedItemHasNoOutcomeAfterTheReopen) {
  Ok(Submit("r1-a1", "r1", "a1", Values("a")).status());
  Ok(Submit("r1-a2", "r1", "a2", Values("b")).status());
  const uint64_t decided = Decide("k1", "\"a\"");
  ASSERT_NE(decided, 0u);
  Ok(Revise("r1-a2", 1, "a2", Values("c")).status());
  auto a = adjudication::ReplayAdjudication(*ledger_, Head());
  ASSERT_TRUE(a.ok());
  const adjudication::ItemInfo* i = a->model->FindItem("p", {"r1", "dx"});
  ASSERT_NE(i, nullptr);
  ASSERT_EQ(i->state, adjudication::ItemState::kReopened)
      << "the revision after the decision re-opens the item";
  EXPECT_TRUE(Outcomes(Head(), "r1").empty());
  EXPECT_EQ(Outcomes(decided, "r1").size(), 1u)
      << "a snapshot before the re-open keeps the decision";
}

TEST_F(SnapshotOutcomesTest, BeyondTheHeadIsOutOfRange) {
  EXPECT_EQ(ProjectOutcomes(*ledger_, Head() + 1, "p").status().code(),
            StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace consilium::dataset
