// AdjudicationCommands: heartbeats, releases, escalations, expiries,
// decisions that raced a change (Aborted), conflict of interest on every
// path, policies, subscriptions, a restart, and the projections untouched by
// a decision. Every test ends with the live model equal to a rebuild.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>

#include "common/canonical_json.h"
#include "projections/analytics.h"
#include "projections/engine.h"
#include "render/analytics_json.h"
#include "tests/adjudication/adjudication_fixture.h"

namespace consilium::adjudication {
namespace {

class LeaseCommandsTest : public ::testing::Test, public AdjudicationFixture {
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

  void Dispute(const std::string& record = "r1") {
    Ok(Submit(record + "-a1", record, "a1", Values("a", 0.9)).status());
    Ok(Submit(record + "-a2", record, "a2", Values("b", 0.6)).status());
  }

  uint64_t ClaimOk(const std::string& who,
                   std::optional<int64_t> ttl = std::nullopt) {
    auto c = adj_->Claim(who, "p", ttl);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->lease : 0;
  }

  template <typename Fn>
  void ExpectRejected(Fn&& fn, StatusCode code, const std::string& message) {
    const uint64_t before = Head();
    const Status s = fn();
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_EQ(s.message(), message);
    EXPECT_EQ(Head(), before) << "a rejected command appended";
  }

  Status DecideA(const std::string& who, uint64_t lease) {
    return adj_
        ->Decide(who, {.lease = lease,
                       .field = "dx",
                       .value_json = "\"a\"",
                       .rationale = "as seen"})
        .status();
  }

  // The policy with a senior tier (s1) and the dx field as the default.
  void SeniorPolicy(int version = 1) {
    Ok(adj_->SetPolicy("admin", "p",
                       R"({"project": "p", "version": )" +
                           std::to_string(version) +
                           R"(, "senior_adjudicators": ["s1"],
                          "fields": {"dx": {"triggers": {"disagreement": true}}}})")
           .status());
  }
};

TEST_F(LeaseCommandsTest, ReleaseReturnsTheItemAndEndsTheLease) {
  Dispute();
  const uint64_t l = ClaimOk("k1");
  ExpectRejected(
      [&] { return adj_->Release("k2", l).status(); },
      StatusCode::kPermissionDenied,
      "lease " + std::to_string(l) + " is held by \"k1\", not \"k2\"");
  ExpectRejected([&] { return adj_->Release("k1", 12345).status(); },
                 StatusCode::kNotFound, "no lease 12345");
  auto r = adj_->Release("k1", l);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kPending);
  EXPECT_EQ(Depth(), 1u);
  ExpectRejected([&] { return adj_->Release("k1", l).status(); },
                 StatusCode::kFailedPrecondition,
                 "lease " + std::to_string(l) +
                     " is no longer held: released at seq " +
                     std::to_string(r->seq));
  EXPECT_EQ(ClaimOk("k2") > l, true);
}

TEST_F(LeaseCommandsTest, HeartbeatExtendsInMemoryOnly) {
  Dispute();
  const uint64_t l = ClaimOk("k1", 60);
  const uint64_t head = Head();
  clock_.Advance(50'000'000);
  auto h = adj_->Heartbeat("k1", l);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(*h, clock_.NowMicros() + kDefaultLeaseMicros);
  EXPECT_EQ(Head(), head) << "a heartbeat appends nothing";
  ExpectRejected(
      [&] { return adj_->Heartbeat("k2", l).status(); },
      StatusCode::kPermissionDenied,
      "lease " + std::to_string(l) + " is held by \"k1\", not \"k2\"");
  clock_.Advance(kDefaultLeaseMicros + 1);
  const Status late = adj_->Heartbeat("k1", l).status();
  EXPECT_EQ(late.code(), StatusCode::kFailedPrecondition) << late.ToString();
  EXPECT_EQ(Head(), head);
}

TEST_F(LeaseCommandsTest, ExpireDueReturnsEachExpiredLeaseOnce) {
  Dispute("r1");
  Dispute("r2");
  const uint64_t l1 = ClaimOk("k1", 10);
  const uint64_t l2 = ClaimOk("k2", 100);
  auto none = adj_->ExpireDue(clock_.NowMicros());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  clock_.Advance(11'000'000);
  auto first = adj_->ExpireDue(clock_.NowMicros());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].lease, l1);
  EXPECT_EQ((*first)[0].adjudicator, "k1");
  EXPECT_EQ((*first)[0].item.record, "r1");
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kPending);
  const uint64_t head = Head();
  auto again = adj_->ExpireDue(clock_.NowMicros());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(Head(), head) << "an expired lease is returned once";
  // A decision under the expired lease is refused.
  ExpectRejected(
      [&] { return DecideA("k1", l1); }, StatusCode::kFailedPrecondition,
      "lease " + std::to_string(l1) + " is no longer held: expired at seq " +
          std::to_string((*first)[0].committed.seq));
  EXPECT_EQ(StateOf("r2", "dx"), ItemState::kClaimed);
  (void)l2;
}

TEST_F(LeaseCommandsTest, DeadlinePassedRefusesDecisionBeforeExpiry) {
  Dispute();
  const uint64_t l = ClaimOk("k1", 10);
  clock_.Advance(10'000'001);
  const uint64_t head = Head();
  const Status s = DecideA("k1", l);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_EQ(Head(), head);
}

TEST_F(LeaseCommandsTest, ChangedAnnotationsAbortTheDecisionNamingThem) {
  Dispute();
  Ok(Submit("r1-a3", "r1", "a3", Values("c")).status());
  const uint64_t l = ClaimOk("k1");
  auto rev = Revise("r1-a2", 1, "a2", Values("c"));
  ASSERT_TRUE(rev.ok());
  auto wd = Withdraw("r1-a3", 1, "a3");
  ASSERT_TRUE(wd.ok());
  auto add = Submit("r1-a4", "r1", "a4", Values("b"));
  ASSERT_TRUE(add.ok());
  const uint64_t before = Head();
  const Status s = DecideA("k1", l);
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s.ToString();
  EXPECT_NE(s.message().find("a2 revised"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("a3 withdrew"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("a4 added"), std::string::npos) << s.message();
  EXPECT_EQ(Head(), before);
}

TEST_F(LeaseCommandsTest, ConflictOfInterestOnClaimDecideEscalateAndReopen) {
  SeniorPolicy();
  // Claim: k3 annotated r1, so r1 is never offered to k3.
  Dispute("r1");
  Ok(Submit("r1-k3", "r1", "k3", Values("a")).status());
  ExpectRejected([&] { return adj_->Claim("k3", "p").status(); },
                 StatusCode::kNotFound,
                 "no item in project \"p\" is eligible for \"k3\" (1 queued)");
  // Re-open path: k3 holds r2, then annotates r2: the lease is lost.
  Dispute("r2");
  const uint64_t l2 = ClaimOk("k3");
  Ok(Submit("r2-k3", "r2", "k3", Values("a")).status());
  EXPECT_EQ(StateOf("r2", "dx"), ItemState::kPending);
  // Decide and escalate under the lost lease: refused, nothing appended.
  const uint64_t head = Head();
  EXPECT_EQ(DecideA("k3", l2).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(adj_->Escalate("k3", l2, "too hard").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Head(), head);
  // The senior tier: s1 annotated r3 and may not take it when escalated.
  Dispute("r3");
  Ok(Submit("r3-s1", "r3", "s1", Values("a")).status());
  for (const char* record : {"r1", "r2"}) {
    auto c = adj_->Claim("k1", "p");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->item.record, record);  // oldest first at equal priority
    Ok(DecideA("k1", c->lease));
  }
  auto c3 = adj_->Claim("k1", "p");
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(c3->item.record, "r3");
  Ok(adj_->Escalate("k1", c3->lease, "needs a senior").status());
  EXPECT_EQ(StateOf("r3", "dx"), ItemState::kEscalated);
  ExpectRejected([&] { return adj_->Claim("s1", "p").status(); },
                 StatusCode::kNotFound,
                 "no item in project \"p\" is eligible for \"s1\" (1 queued)");
}

TEST_F(LeaseCommandsTest, EscalationGoesToTheSeniorTierOnly) {
  Dispute();
  const uint64_t l = ClaimOk("k1");
  ExpectRejected([&] { return adj_->Escalate("k1", l, "beyond me").status(); },
                 StatusCode::kFailedPrecondition,
                 "project \"p\" has no senior tier (policy "
                 "\"senior_adjudicators\"): nothing to escalate to");
  Ok(adj_->Release("k1", l).status());
  SeniorPolicy();
  const uint64_t l2 = ClaimOk("k1");
  ExpectRejected([&] { return adj_->Escalate("k1", l2, " ").status(); },
                 StatusCode::kInvalidArgument,
                 "an escalation of record \"r1\" field \"dx\" needs a "
                 "rationale");
  ExpectRejected([&] { return adj_->Escalate("k1", 4242, "x").status(); },
                 StatusCode::kNotFound, "no lease 4242");
  ExpectRejected(
      [&] { return adj_->Escalate("k2", l2, "x").status(); },
      StatusCode::kPermissionDenied,
      "lease " + std::to_string(l2) + " is held by \"k1\", not \"k2\"");
  ExpectRejected([&] { return adj_->Escalate("a1", l2, "x").status(); },
                 StatusCode::kPermissionDenied,
                 "\"a1\" is not an adjudicator of project \"p\"");
  auto e = adj_->Escalate("k1", l2, "beyond me");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kEscalated);
  ExpectRejected([&] { return adj_->Claim("k2", "p").status(); },
                 StatusCode::kNotFound,
                 "no item in project \"p\" is eligible for \"k2\" (1 queued)");
  const uint64_t l3 = ClaimOk("s1");
  ASSERT_TRUE(adj_->Decide("s1", {.lease = l3,
                                  .field = "dx",
                                  .ambiguous = true,
                                  .rationale = "both readings hold"})
                  .ok());
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kAmbiguous);
}

TEST_F(LeaseCommandsTest, SetPolicyChecksWhatTheDocumentCannot) {
  ExpectRejected(
      [&] {
        return adj_
            ->SetPolicy("a1", "p",
                        R"({"project": "p", "version": 1, "fields": {}})")
            .status();
      },
      StatusCode::kPermissionDenied,
      "actor a1 lacks the admin role in project p");
  ExpectRejected(
      [&] {
        return adj_
            ->SetPolicy("admin", "p",
                        R"({"project": "q", "version": 1, "fields": {}})")
            .status();
      },
      StatusCode::kInvalidArgument,
      "adjudication policy: project: the document names \"q\", not \"p\"");
  ExpectRejected(
      [&] {
        return adj_
            ->SetPolicy("admin", "p",
                        R"({"project": "p", "version": 2, "fields": {}})")
            .status();
      },
      StatusCode::kInvalidArgument,
      "adjudication policy: version: must be 1 (the current version of \"p\" "
      "is 0), got 2");
  ExpectRejected(
      [&] {
        return adj_
            ->SetPolicy("admin", "p",
                        R"({"project": "p", "version": 1,
                                   "senior_adjudicators": ["a1"],
                                   "fields": {}})")
            .status();
      },
      StatusCode::kInvalidArgument,
      "adjudication policy: senior_adjudicators: \"a1\" is not a registered "
      "adjudicator of project \"p\"");
  ExpectRejected(
      [&] {
        return adj_
            ->SetPolicy("admin", "p",
                        R"({"project": "p", "version": 1, "fields": {}})",
                        "nope")
            .status();
      },
      StatusCode::kNotFound, "schema \"nope\" not found");
  // Entropy trigger: a, a, b among three is 0.58 (K = 3), under 0.6.
  Ok(adj_->SetPolicy("admin", "p", R"({"project": "p", "version": 1,
        "fields": {"dx": {"triggers": {"entropy_at_least": 0.6}}}})")
         .status());
  Ok(Submit("r1-a1", "r1", "a1", Values("a")).status());
  Ok(Submit("r1-a2", "r1", "a2", Values("a")).status());
  Ok(Submit("r1-a3", "r1", "a3", Values("b")).status());
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kNotDisputed);
  Ok(Submit("r1-a4", "r1", "a4", Values("c")).status());
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kPending);  // a a b c: 0.95
}

TEST_F(LeaseCommandsTest, LowConfidenceAndPrelabelTriggersReadTheAnnotations) {
  Ok(adj_->SetPolicy("admin", "p", R"({"project": "p", "version": 1,
        "fields": {"dx": {"triggers": {"mean_confidence_at_most": 0.5}},
                   "finding": {"triggers": {"prelabel_contradicted": true}}}})")
         .status());
  Ok(Submit("r1-a1", "r1", "a1", Values("a", 0.4, "x")).status());
  Ok(Submit("r1-a2", "r1", "a2", Values("a", 0.5, "x")).status());
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kPending);  // unanimous, unsure
  EXPECT_EQ(StateOf("r1", "finding"), ItemState::kNotDisputed);
  Ok(Submit("r1-m1", "r1", "m1", R"({"finding":"y"})").status());
  EXPECT_EQ(StateOf("r1", "finding"), ItemState::kPending);
}

TEST_F(LeaseCommandsTest, SubscribersHearDepthAndLeaseEndsOffTheLock) {
  std::mutex mu;
  std::vector<QueueNotice> heard;
  const uint64_t id = model_->Subscribe([&](const QueueNotice& n) {
    // Off the state lock: reading the core from here must not deadlock.
    (void)Depth();
    std::lock_guard l(mu);
    heard.push_back(n);
  });
  Dispute();
  const uint64_t l = ClaimOk("k3");
  Ok(Submit("r1-k3", "r1", "k3", Values("a")).status());  // k3 conflicted
  model_->WaitDelivered();
  model_->Unsubscribe(id);
  std::lock_guard g(mu);
  ASSERT_EQ(heard.size(), 4u);
  EXPECT_EQ(heard[0].kind, QueueNotice::Kind::kDepth);
  EXPECT_EQ(heard[0].depth, 1u);
  EXPECT_EQ(heard[1].kind, QueueNotice::Kind::kDepth);
  EXPECT_EQ(heard[1].depth, 0u);
  EXPECT_EQ(heard[2].kind, QueueNotice::Kind::kLeaseEnd);
  EXPECT_EQ(heard[2].lease, l);
  EXPECT_EQ(heard[2].adjudicator, "k3");
  EXPECT_EQ(heard[2].end, LeaseEndReason::kLost);
  EXPECT_EQ(heard[3].kind, QueueNotice::Kind::kDepth);
  EXPECT_EQ(heard[3].depth, 1u);
}

TEST_F(LeaseCommandsTest, RestartRebuildsAndExpiresWhatLapsedWhileDown) {
  Dispute("r1");
  Dispute("r2");
  const uint64_t l1 = ClaimOk("k1", 30);
  const uint64_t l2 = ClaimOk("k2", 30);
  clock_.Advance(20'000'000);
  ASSERT_TRUE(adj_->Heartbeat("k2", l2).ok());  // forgotten by the restart
  const std::string before = Debug();
  Restart();
  EXPECT_EQ(Debug(), before);
  clock_.Advance(20'000'000);  // both claim deadlines have passed
  auto e = adj_->ExpireDue(clock_.NowMicros());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->size(), 2u);
  EXPECT_EQ((*e)[0].lease, l1);
  EXPECT_EQ((*e)[1].lease, l2);
  Restart();
  auto again = adj_->ExpireDue(clock_.NowMicros());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(Depth(), 2u);
}

TEST_F(LeaseCommandsTest, CalibrationBatchTriggerQueuesItsRecords) {
  Ok(adj_->SetPolicy("admin", "p", R"({"project": "p", "version": 1,
        "fields": {"dx": {"triggers": {"calibration_batch": true}}}})")
         .status());
  Ok(Submit("r1-a1", "r1", "a1", Values("a")).status());
  Ok(Submit("r1-a2", "r1", "a2", Values("a")).status());
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kNotDisputed);  // unanimous
  const std::vector<std::string> records = {"r1"};
  Ok(handler_->CreateBatch("admin", "p", "cal-1", records).status());
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kPending);
}

TEST_F(LeaseCommandsTest, TwoAdjudicatorRoundEndsAmbiguousWhenTheyDisagree) {
  Ok(adj_->SetPolicy("admin", "p", R"({"project": "p", "version": 1,
        "fields": {"dx": {"triggers": {"disagreement": true},
                          "adjudicators": 2}}})")
         .status());
  Dispute();
  const uint64_t l1 = ClaimOk("k1");
  Ok(DecideA("k1", l1));
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kPending);  // 1 of 2 decided
  // The first decider is out for the rest of the round.
  ExpectRejected([&] { return adj_->Claim("k1", "p").status(); },
                 StatusCode::kNotFound,
                 "no item in project \"p\" is eligible for \"k1\" (1 queued)");
  const uint64_t l2 = ClaimOk("k2");
  Ok(adj_->Decide("k2", {.lease = l2,
                         .field = "dx",
                         .value_json = "\"b\"",
                         .rationale = "I read it otherwise"})
         .status());
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kAmbiguous);
  // A revision re-opens the item, citing the round's last decision.
  Ok(Revise("r1-a2", 1, "a2", Values("c")).status());
  EXPECT_EQ(StateOf("r1", "dx"), ItemState::kReopened);
  handler_->Read([&](const domain::DomainState&) {
    const ItemInfo* i = model_->FindItem("p", {"r1", "dx"});
    ASSERT_TRUE(i->reopened_from.has_value());
    EXPECT_EQ(*i->reopened_from, *i->last_decision_seq);
  });
}

// Every field's distribution, soft label and the record's revision history,
// rendered, with any adjudication keys a renderer may add left out.
std::string DistributionOf(const Ledger& ledger, uint64_t seq,
                           const std::string& record) {
  auto state = projections::BuildStateAsOf(ledger, seq);
  EXPECT_TRUE(state.ok());
  auto d = projections::LabelDistribution(*state, record, true);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  boost::json::object doc = render::DistributionJson(*d, 0);
  std::function<void(boost::json::value&)> strip = [&](boost::json::value& v) {
    if (v.is_object()) {
      auto& o = v.as_object();
      for (auto it = o.begin(); it != o.end();) {
        if (it->key().starts_with("adjudicat")) {
          it = o.erase(it);
        } else {
          strip(it->value());
          ++it;
        }
      }
    } else if (v.is_array()) {
      for (auto& x : v.as_array()) strip(x);
    }
  };
  boost::json::value v = doc;
  strip(v);
  return WriteStoredJson(v);
}

TEST_F(LeaseCommandsTest, DecisionLeavesAnnotationsDistributionAndSoftLabel) {
  Dispute("r1");
  Ok(Revise("r1-a2", 1, "a2", Values("c", 0.7)).status());
  Ok(Submit("r1-a3", "r1", "a3", Values("b")).status());
  const uint64_t before = Head();
  const std::string doc_before = DistributionOf(*ledger_, before, "r1");
  const uint64_t l = ClaimOk("k1");
  Ok(DecideA("k1", l));
  const std::string doc_after = DistributionOf(*ledger_, Head(), "r1");
  EXPECT_EQ(doc_after, doc_before);
  EXPECT_NE(doc_before.find("\"c\""), std::string::npos) << doc_before;
}

}  // namespace
}  // namespace consilium::adjudication
