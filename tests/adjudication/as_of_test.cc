// The read side's adjudication state (adjudication/as_of.h): the model
// replayed over a ledger prefix equals the write side's live model at the
// head, answers as of any earlier event, and gives calibration the items'
// final outcomes only (a round once complete, nothing while it is open).
#include "adjudication/as_of.h"

#include <gtest/gtest.h>

#include "tests/adjudication/adjudication_fixture.h"

namespace consilium::adjudication {
namespace {

class AdjudicationAsOfTest : public ::testing::Test,
                             public AdjudicationFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(Start());
    ASSERT_NO_FATAL_FAILURE(Populate());
  }

  ItemState StateAsOf(uint64_t seq, const std::string& record) {
    auto a = ReplayAdjudication(*ledger_, seq);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    if (!a.ok()) return ItemState::kNotDisputed;
    EXPECT_EQ(a->seq, seq);
    const ItemInfo* i = a->model->FindItem("p", {record, "dx"});
    return i == nullptr ? ItemState::kNotDisputed : i->state;
  }
};

TEST_F(AdjudicationAsOfTest, ReplayEqualsTheLiveModelAndAnswersAsOfAnyEvent) {
  Ok(Submit("r1-a1", "r1", "a1", Values("a")).status());
  const uint64_t one = Head();
  Ok(Submit("r1-a2", "r1", "a2", Values("b")).status());
  const uint64_t disputed = Head();
  auto c = adj_->Claim("k1", "p");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto d = adj_->Decide("k1", {.lease = c->lease,
                               .field = "dx",
                               .value_json = "\"a\"",
                               .rationale = "the film"});
  ASSERT_TRUE(d.ok()) << d.status().ToString();

  auto head = ReplayAdjudication(*ledger_, Head());
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->model->DebugString(), Debug());
  EXPECT_EQ(StateAsOf(one, "r1"), ItemState::kNotDisputed);
  EXPECT_EQ(StateAsOf(disputed, "r1"), ItemState::kPending);
  EXPECT_EQ(StateAsOf(c->lease, "r1"), ItemState::kClaimed);
  EXPECT_EQ(StateAsOf(d->seq, "r1"), ItemState::kDecided);
  EXPECT_EQ(StateAsOf(0, "r1"), ItemState::kNotDisputed);
  EXPECT_EQ(ReplayAdjudication(*ledger_, Head() + 1).status().code(),
            StatusCode::kOutOfRange);

  projections::AdjudicationOutcomes o = OutcomesOf(*head->model, "p");
  ASSERT_EQ(o.size(), 1u);
  const projections::AdjudicationDecision& r1 = o.at({"r1", "dx"});
  EXPECT_EQ(r1.outcome, fb::AdjudicationOutcome::Decided);
  EXPECT_EQ(r1.value_key, "a");
  EXPECT_EQ(r1.seq, d->seq);
  EXPECT_EQ(r1.adjudicator, "k1");
  EXPECT_TRUE(OutcomesOf(*head->model, "nope").empty());
}

TEST_F(AdjudicationAsOfTest, OutcomesCountARoundOnlyOnceComplete) {
  Ok(adj_->SetPolicy("admin", "p",
                     R"({"project": "p", "version": 1,)"
                     R"( "fields": {"dx": {"adjudicators": 2}}})")
         .status());
  Ok(Submit("r1-a1", "r1", "a1", Values("a")).status());
  Ok(Submit("r1-a2", "r1", "a2", Values("b")).status());
  for (const char* who : {"k1", "k2"}) {
    auto c = adj_->Claim(who, "p");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    Ok(adj_->Decide(who,
                    {.lease = c->lease,
                     .field = "dx",
                     .value_json = std::string(who) == "k1" ? "\"a\"" : "\"b\"",
                     .rationale = "r"})
           .status());
    auto a = ReplayAdjudication(*ledger_, Head());
    ASSERT_TRUE(a.ok());
    projections::AdjudicationOutcomes o = OutcomesOf(*a->model, "p");
    if (std::string(who) == "k1") {
      EXPECT_TRUE(o.empty()) << "one decision of two is no outcome";
    } else {
      ASSERT_EQ(o.size(), 1u);
      EXPECT_EQ(o.at({"r1", "dx"}).outcome, fb::AdjudicationOutcome::Ambiguous);
      EXPECT_TRUE(o.at({"r1", "dx"}).value_key.empty());
    }
  }
}

}  // namespace
}  // namespace consilium::adjudication
