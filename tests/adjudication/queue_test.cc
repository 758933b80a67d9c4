// The adjudication queue model: items entering and leaving, claims in
// priority order, leases (heartbeat, release, expiry once), decisions and
// their refusals, escalation, re-opening, and the conflict-of-interest rule
// on every path.
#include "adjudication/queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/fake_clock.h"

namespace consilium::adjudication {
namespace {

using schemas::Layer;

constexpr int64_t kSecond = 1'000'000;

class QueueTest : public ::testing::Test {
 protected:
  QueueTest() : q_(ProjectPolicy::Default("p", 3)) {}

  uint64_t Next() { return ++seq_; }

  // Three annotations on `record`'s "dx" by `who`, values as given.
  void Annotate(const std::string& record, std::vector<std::string> who,
                std::vector<std::string> values) {
    FieldView v;
    for (size_t i = 0; i < who.size(); ++i) {
      v.annotations.push_back({who[i], values[i], std::nullopt, Next()});
    }
    q_.Apply(seq_, ItemUpdated{{record, "dx"}, Layer::kInterpretive, v});
  }
  void Dispute(const std::string& record) {
    Annotate(record, {"a1", "a2", "a3"}, {"x", "x", "y"});
  }
  std::vector<AnnotationRef> Current(const std::string& record) const {
    return q_.Find({record, "dx"})->current;
  }

  // Claims as `who` and applies the claim; returns the lease id.
  uint64_t Claim(const std::string& who) {
    StatusOr<ClaimPlan> plan = q_.CheckClaim(who, clock_.NowMicros());
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    if (!plan.ok()) return 0;
    const uint64_t lease = Next();
    q_.Apply(lease, Claimed{lease, who, plan->item, plan->expires_us});
    return lease;
  }

  // A policy asking two adjudicators per item, a disputed "r1", and k1's
  // decision on it: the first of the round.
  void FirstOfTwoDecisions(const std::string& record) {
    ProjectPolicy policy = ProjectPolicy::Default("p", 3);
    FieldPolicy dx = policy.For("dx", Layer::kInterpretive);
    dx.adjudicators = 2;
    policy.fields["dx"] = dx;
    q_.Apply(Next(), PolicySet{policy});
    Dispute(record);
    Decide(Decision(Claim("k1"), "k1", record));
  }

  // The view Dispute() made for `record`, as its current annotations show.
  FieldView DisputedView(const std::string& record) const {
    FieldView v;
    for (const AnnotationRef& r : Current(record)) {
      v.annotations.push_back(
          {r.annotator, r.annotator == "a3" ? "y" : "x", std::nullopt, r.seq});
    }
    return v;
  }

  DecideRequest Decision(uint64_t lease, const std::string& who,
                         const std::string& record) const {
    return {lease,
            who,
            {record, "dx"},
            Outcome::kDecided,
            "x",
            "two of three, and the film agrees",
            Current(record)};
  }
  void Decide(const DecideRequest& r) {
    ASSERT_TRUE(q_.CheckDecide(r, clock_.NowMicros()).ok());
    q_.Apply(Next(),
             Decided{r.lease, r.outcome, r.value_key, r.rationale, r.weighed});
  }

  testing::FakeClock clock_;
  Queue q_;
  uint64_t seq_ = 0;
};

TEST_F(QueueTest, DisputedItemEntersAndAgreementLeaves) {
  Dispute("r1");
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kPending);
  EXPECT_EQ(q_.queued(), 1u);
  Annotate("r1", {"a1", "a2", "a3"}, {"x", "x", "x"});  // a3 revised
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kNotDisputed);
  EXPECT_EQ(q_.queued(), 0u);
}

TEST_F(QueueTest, ClaimTakesHighestPriorityThenOldest) {
  Dispute("r1");                                        // priority 333333
  Annotate("r2", {"a1", "a2", "a3"}, {"x", "y", "z"});  // 666666
  Dispute("r3");                                        // 333333, newer
  const uint64_t l1 = Claim("k1");
  const uint64_t l2 = Claim("k2");
  const uint64_t l3 = Claim("k3");
  EXPECT_EQ(q_.FindLease(l1)->item.record, "r2");
  EXPECT_EQ(q_.FindLease(l2)->item.record, "r1");
  EXPECT_EQ(q_.FindLease(l3)->item.record, "r3");
  StatusOr<ClaimPlan> none = q_.CheckClaim("k4", clock_.NowMicros());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(),
            "no item in project \"p\" is eligible for \"k4\" (0 queued)");
}

TEST_F(QueueTest, AdjudicatorWhoAnnotatedItemCannotClaimIt) {
  Annotate("r1", {"k1", "a2", "a3"}, {"x", "x", "y"});
  Dispute("r2");
  // k1 annotated r1 (older, same priority): the claim skips to r2.
  const uint64_t lease = Claim("k1");
  EXPECT_EQ(q_.FindLease(lease)->item.record, "r2");
  q_.Apply(Next(), Released{lease});
  // Only r1 would be left after r2 is taken by someone else.
  Claim("k2");  // takes r1 (older)
  StatusOr<ClaimPlan> again = q_.CheckClaim("k1", clock_.NowMicros());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->item.record, "r2");
}

TEST_F(QueueTest, AnnotatorOfAnotherFieldOfTheRecordIsStillInConflict) {
  Dispute("r1");
  q_.Apply(Next(), RecordAnnotated{"r1", "k1"});  // k1 annotated r1 elsewhere
  StatusOr<ClaimPlan> plan = q_.CheckClaim("k1", clock_.NowMicros());
  EXPECT_EQ(plan.status().code(), StatusCode::kNotFound);
}

TEST_F(QueueTest, SkippingManyConflictsFindsTheFirstEligibleItem) {
  // k1 annotated the first 50 records in claim order; r50 is the first it
  // may take. Exercises the binary search over the exclusion index.
  for (int i = 0; i < 60; ++i) {
    const std::string who = i < 50 ? "k1" : "a1";
    Annotate("r" + std::to_string(i), {who, "a2", "a3"}, {"x", "x", "y"});
  }
  StatusOr<ClaimPlan> plan = q_.CheckClaim("k1", clock_.NowMicros());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->item.record, "r50");
  plan = q_.CheckClaim("k2", clock_.NowMicros());
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->item.record, "r0");
}

TEST_F(QueueTest, OneLeasePerAdjudicator) {
  Dispute("r1");
  Dispute("r2");
  const uint64_t lease = Claim("k1");
  StatusOr<ClaimPlan> second = q_.CheckClaim("k1", clock_.NowMicros());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            "\"k1\" already holds lease " + std::to_string(lease) +
                " on record \"r1\" field \"dx\"; decide or release it first");
}

TEST_F(QueueTest, DecisionClosesTheItemAndCitesWhatItWeighed) {
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  Decide(Decision(lease, "k1", "r1"));
  const ItemInfo* item = q_.Find({"r1", "dx"});
  EXPECT_EQ(item->state, ItemState::kDecided);
  ASSERT_EQ(item->round.size(), 1u);
  EXPECT_EQ(item->round[0].weighed, Current("r1"));
  EXPECT_EQ(q_.leases(), 0u);
  EXPECT_EQ(q_.queued(), 0u);
}

TEST_F(QueueTest, AmbiguousKeepsTheDistribution) {
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  DecideRequest r = Decision(lease, "k1", "r1");
  r.outcome = Outcome::kAmbiguous;
  r.value_key.clear();
  Decide(r);
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kAmbiguous);
}

TEST_F(QueueTest, DecisionErrorsAreSpecific) {
  Dispute("r1");
  Dispute("r2");
  const uint64_t lease = Claim("k1");
  const int64_t now = clock_.NowMicros();
  DecideRequest r = Decision(lease, "k1", "r1");

  DecideRequest unknown = r;
  unknown.lease = 999;
  EXPECT_EQ(q_.CheckDecide(unknown, now).code(), StatusCode::kNotFound);
  EXPECT_EQ(q_.CheckDecide(unknown, now).message(),
            "no lease 999 in project \"p\"");

  DecideRequest wrong_who = r;
  wrong_who.adjudicator = "k2";
  EXPECT_EQ(q_.CheckDecide(wrong_who, now).code(),
            StatusCode::kPermissionDenied);

  DecideRequest other_item = r;
  other_item.item = {"r2", "dx"};
  EXPECT_EQ(q_.CheckDecide(other_item, now).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(q_.CheckDecide(other_item, now).message(),
            "lease " + std::to_string(lease) +
                " holds record \"r1\" field \"dx\", which is not the "
                "disputed item record \"r2\" field \"dx\"");

  DecideRequest blank = r;
  blank.rationale = " \n";
  EXPECT_EQ(q_.CheckDecide(blank, now).message(),
            "a decision on record \"r1\" field \"dx\" needs a rationale");

  DecideRequest no_value = r;
  no_value.value_key.clear();
  EXPECT_EQ(q_.CheckDecide(no_value, now).code(), StatusCode::kInvalidArgument);

  DecideRequest ambiguous_with_value = r;
  ambiguous_with_value.outcome = Outcome::kAmbiguous;
  EXPECT_EQ(q_.CheckDecide(ambiguous_with_value, now).code(),
            StatusCode::kInvalidArgument);

  DecideRequest partial = r;
  partial.weighed.pop_back();
  EXPECT_EQ(q_.CheckDecide(partial, now).code(), StatusCode::kInvalidArgument);

  EXPECT_TRUE(q_.CheckDecide(r, now).ok());
}

TEST_F(QueueTest, DecisionAfterAnnotationsChangedIsAbortedNamingTheChange) {
  Annotate("r1", {"a1", "a2", "a3"}, {"x", "x", "y"});  // seqs 1, 2, 3
  const uint64_t lease = Claim("k1");
  DecideRequest r = Decision(lease, "k1", "r1");
  // a2 revises to "z" (still disputed), a3 withdraws, a4 adds.
  Annotate("r1", {"a1", "a2", "a4"}, {"x", "z", "y"});  // seqs 5, 6, 7
  Status s = q_.CheckDecide(r, clock_.NowMicros());
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_EQ(s.message(),
            "annotations of record \"r1\" field \"dx\" changed since the "
            "claim (lease 4): a1 revised (seq 1 -> 5); a2 revised (seq 2 -> "
            "6); a3 withdrew (seq 3); a4 added (seq 7); read them again and "
            "claim anew");
}

TEST_F(QueueTest, DecisionUnderExpiredLeaseIsRefused) {
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  clock_.Advance(kDefaultLeaseMicros);
  Status s = q_.CheckDecide(Decision(lease, "k1", "r1"), clock_.NowMicros());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("expired"), std::string::npos) << s.message();
}

TEST_F(QueueTest, DecisionUnderLostLeaseIsRefused) {
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  q_.Apply(Next(), Released{lease});
  Status s = q_.CheckDecide(Decision(lease, "k1", "r1"), clock_.NowMicros());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "lease " + std::to_string(lease) +
                             " is no longer held: released at seq " +
                             std::to_string(seq_));
}

TEST_F(QueueTest, ItemLeavingTheQueueLosesTheLease) {
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  Annotate("r1", {"a1", "a2", "a3"}, {"x", "x", "x"});
  EXPECT_EQ(q_.FindLease(lease), nullptr);
  EXPECT_EQ(
      q_.CheckDecide(Decision(lease, "k1", "r1"), clock_.NowMicros()).code(),
      StatusCode::kFailedPrecondition);
}

TEST_F(QueueTest, HolderWhoAnnotatesTheRecordLosesTheLease) {
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  Annotate("r1", {"a1", "a2", "a3", "k1"}, {"x", "x", "y", "y"});
  EXPECT_EQ(q_.FindLease(lease), nullptr);
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kPending);
  EXPECT_EQ(q_.CheckClaim("k1", clock_.NowMicros()).status().code(),
            StatusCode::kNotFound);
}

TEST_F(QueueTest, HeartbeatExtendsAndExpiryReturnsTheItemOnce) {
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  clock_.Advance(kDefaultLeaseMicros - kSecond);
  ASSERT_TRUE(q_.Heartbeat(lease, "k1", clock_.NowMicros()).ok());
  clock_.Advance(2 * kSecond);  // past the claim's deadline, not the beat's
  EXPECT_TRUE(q_.LeasesDue(clock_.NowMicros()).empty());
  EXPECT_EQ(q_.CheckExpire(lease, clock_.NowMicros()).code(),
            StatusCode::kFailedPrecondition);
  clock_.Advance(kDefaultLeaseMicros);
  ASSERT_EQ(q_.LeasesDue(clock_.NowMicros()), std::vector<uint64_t>{lease});
  ASSERT_TRUE(q_.CheckExpire(lease, clock_.NowMicros()).ok());
  q_.Apply(Next(), LeaseExpired{lease});
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kPending);
  EXPECT_EQ(q_.queued(), 1u);
  EXPECT_TRUE(q_.LeasesDue(clock_.NowMicros()).empty());
  EXPECT_EQ(q_.CheckExpire(lease, clock_.NowMicros()).code(),
            StatusCode::kFailedPrecondition);
  q_.Apply(Next(), LeaseExpired{lease});  // a duplicate changes nothing
  EXPECT_EQ(q_.queued(), 1u);
}

TEST_F(QueueTest, RestartForgetsHeartbeatsAndExpiresOnce) {
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  clock_.Advance(kDefaultLeaseMicros - kSecond);
  ASSERT_TRUE(q_.Heartbeat(lease, "k1", clock_.NowMicros()).ok());
  // The rebuilt queue sees only the claim's deadline.
  Queue rebuilt(ProjectPolicy::Default("p", 3));
  rebuilt.Apply(
      3, ItemUpdated{{"r1", "dx"}, Layer::kInterpretive, DisputedView("r1")});
  rebuilt.Apply(
      lease,
      Claimed{lease, "k1", {"r1", "dx"}, q_.FindLease(lease)->expires_us});
  EXPECT_EQ(rebuilt.DebugString(), q_.DebugString());
  clock_.Advance(2 * kSecond);
  EXPECT_EQ(rebuilt.LeasesDue(clock_.NowMicros()),
            std::vector<uint64_t>{lease});
  EXPECT_TRUE(q_.LeasesDue(clock_.NowMicros()).empty());
}

TEST_F(QueueTest, RevisionAfterDecisionReopensCitingTheDecision) {
  Dispute("r1");
  Decide(Decision(Claim("k1"), "k1", "r1"));
  const uint64_t decision = seq_;
  Annotate("r1", {"a1", "a2", "a3"}, {"x", "y", "y"});
  const ItemInfo* item = q_.Find({"r1", "dx"});
  EXPECT_EQ(item->state, ItemState::kReopened);
  EXPECT_EQ(item->reopened_from, decision);
  EXPECT_TRUE(item->round.empty());
  EXPECT_EQ(q_.queued(), 1u);
}

TEST_F(QueueTest, EscalationGoesToTheSeniorTierOnly) {
  ProjectPolicy policy = ProjectPolicy::Default("p", 3);
  policy.version = 1;
  policy.senior_adjudicators = {"s1"};
  q_.Apply(Next(), PolicySet{policy});
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  const int64_t now = clock_.NowMicros();
  EXPECT_EQ(q_.CheckEscalate(lease, "k1", "", now).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(q_.CheckEscalate(lease, "k1", "beyond me", now).ok());
  q_.Apply(Next(), Escalated{lease, "beyond me"});
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kEscalated);
  EXPECT_EQ(q_.CheckClaim("k2", now).status().code(), StatusCode::kNotFound);
  const uint64_t senior = Claim("s1");
  EXPECT_EQ(q_.CheckEscalate(senior, "s1", "again", now).code(),
            StatusCode::kFailedPrecondition);
  Decide(Decision(senior, "s1", "r1"));
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kDecided);
}

TEST_F(QueueTest, EscalationWithoutSeniorTierIsRefused) {
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  Status s = q_.CheckEscalate(lease, "k1", "beyond me", clock_.NowMicros());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "project \"p\" has no senior tier (policy \"senior_adjudicators\"):"
            " nothing to escalate to");
}

TEST_F(QueueTest, TwoAdjudicatorsWhoDisagreeLeaveTheItemAmbiguous) {
  FirstOfTwoDecisions("r1");
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kPending);
  // k1 decided in this round: it may not take the item again.
  EXPECT_EQ(q_.CheckClaim("k1", clock_.NowMicros()).status().code(),
            StatusCode::kNotFound);
  const uint64_t second = Claim("k2");
  DecideRequest r = Decision(second, "k2", "r1");
  r.value_key = "y";
  Decide(r);
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kAmbiguous);
  EXPECT_EQ(q_.Find({"r1", "dx"})->round.size(), 2u);
}

TEST_F(QueueTest, AnnotationChangeDuringARoundStartsTheRoundAgain) {
  FirstOfTwoDecisions("r1");
  ASSERT_EQ(q_.Find({"r1", "dx"})->round.size(), 1u);
  Annotate("r1", {"a1", "a2", "a3"}, {"x", "y", "y"});
  EXPECT_TRUE(q_.Find({"r1", "dx"})->round.empty());
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kPending);
  // k1 weighed the old annotations; it may decide again on the new ones.
  StatusOr<ClaimPlan> plan = q_.CheckClaim("k1", clock_.NowMicros());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->item.record, "r1");
}

TEST_F(QueueTest, CalibrationMembershipDoesNotReopenADecision) {
  Dispute("r1");
  Decide(Decision(Claim("k1"), "k1", "r1"));
  FieldView v = DisputedView("r1");
  v.in_calibration_batch = true;
  q_.Apply(Next(), ItemUpdated{{"r1", "dx"}, Layer::kInterpretive, v});
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kDecided);
}

TEST_F(QueueTest, NewPolicyVersionReevaluatesButKeepsDecisions) {
  Annotate("r1", {"a1", "a2", "a3"}, {"x", "x", "x"});  // unanimous
  Dispute("r2");
  Decide(Decision(Claim("k1"), "k1", "r2"));
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kNotDisputed);
  ProjectPolicy policy = ProjectPolicy::Default("p", 3);
  policy.version = 2;
  FieldPolicy dx = policy.For("dx", Layer::kInterpretive);
  dx.calibration_batch = true;
  dx.priority = PriorityRule::kExplicit;
  dx.explicit_priority = 7;
  policy.fields["dx"] = dx;
  FieldView v = DisputedView("r1");
  for (AnnotationView& a : v.annotations) a.value_key = "x";
  v.in_calibration_batch = true;
  q_.Apply(Next(), ItemUpdated{{"r1", "dx"}, Layer::kInterpretive, v});
  EXPECT_EQ(q_.Find({"r1", "dx"})->state, ItemState::kNotDisputed);
  q_.Apply(Next(), PolicySet{policy});
  const ItemInfo* r1 = q_.Find({"r1", "dx"});
  EXPECT_EQ(r1->state, ItemState::kPending);
  EXPECT_EQ(r1->opened_seq, seq_);
  EXPECT_EQ(r1->evaluation.priority, 7);
  EXPECT_EQ(r1->evaluation.reason,
            "calibration_batch: the record is in a calibration batch");
  EXPECT_EQ(q_.Find({"r2", "dx"})->state, ItemState::kDecided);
}

TEST_F(QueueTest, ReleaseByAnotherAdjudicatorIsRefused) {
  Dispute("r1");
  const uint64_t lease = Claim("k1");
  Status s = q_.CheckRelease(lease, "k2", clock_.NowMicros());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "lease " + std::to_string(lease) +
                             " is held by \"k1\", not \"k2\"");
}

}  // namespace
}  // namespace consilium::adjudication
