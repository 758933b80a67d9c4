// Property test of the queue model over random interleavings of
// annotations (submit, revise, withdraw), claims, heartbeats, releases,
// expiries, decisions (fresh and stale), escalations, clock advances and
// restarts (the queue rebuilt from its inputs, heartbeats lost), with a fake
// clock and several adjudicators, some of whom also annotate. After every
// step:
//   - no two leases hold one item, and a claimed item has exactly its lease;
//   - every claimable item is queued exactly once, nothing else is queued;
//   - no lease is held by an annotator of its record;
//   - the claim the index proposes is the one a linear scan finds;
//   - an expired lease is returned exactly once; decisions under lost or
//     expired leases are refused;
//   - a rebuild from the same inputs has an identical state; after a
//     restart, leases whose claim deadline passed are due and expire once.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "adjudication/queue.h"
#include "tests/testing/fake_clock.h"

namespace consilium::adjudication {
namespace {

using schemas::Layer;

const std::vector<std::string> kAdjudicators = {"k0", "k1", "k2", "k3", "s0"};
const std::vector<std::string> kAnnotators = {"a0", "a1", "a2", "k0", "k1"};
const std::vector<std::string> kValues = {"x", "y", "z"};
constexpr int kRecords = 6;
constexpr int64_t kLease = 60'000'000;

// One step: `kind` picks what happens, a/b/c pick who, where and which value.
struct Op {
  int kind = 0, a = 0, b = 0, c = 0;
};

class Harness {
 public:
  explicit Harness(uint32_t adjudicators) : q_(Policy(adjudicators)) {
    Log(PolicySet{Policy(adjudicators)});
  }

  void Step(const Op& op) {
    const std::string& who = kAdjudicators[op.a % kAdjudicators.size()];
    switch (op.kind % 10) {
      case 0:
      case 1:
        return Annotate(op);
      case 2:
      case 3:
        return Claim(who);
      case 4:
        if (Held(who)) (void)q_.Heartbeat(*Held(who), who, Now());
        return;
      case 5:
        return Release(who);
      case 6:
        clock_.Advance((op.b % 45) * 1'000'000);
        return ExpireDue();
      case 7:
      case 8:
        return Decide(Holder(op.a, who), op.c);
      default:
        if (op.c % 3 == 0) return Escalate(Holder(op.a, who));
        if (op.c % 3 == 1) return StaleDecision(op.b);
        return Restart();
    }
  }

  // What happened, for rapidcheck's coverage report (RC_CLASSIFY).
  std::map<std::string, int> seen;

  void CheckInvariants() {
    std::map<ItemKey, int> holders;
    for (const auto& [lease, record] : held_by_test_) {
      const LeaseInfo* l = q_.FindLease(lease);
      RC_ASSERT(l != nullptr);
      RC_ASSERT(++holders[l->item] == 1);  // no two hold one item
      RC_ASSERT(Find(l->item)->state == ItemState::kClaimed);
      RC_ASSERT(Find(l->item)->lease == lease);
      RC_ASSERT(!ever_annotated_[l->item.record].count(l->adjudicator));
    }
    RC_ASSERT(q_.leases() == held_by_test_.size());
    size_t claimable = 0;
    for (int r = 0; r < kRecords; ++r) {
      const ItemInfo* item = Find(Key(r));
      if (item == nullptr) continue;
      if (item->state == ItemState::kClaimed) RC_ASSERT(holders[Key(r)] == 1);
      if (item->state == ItemState::kReopened) ++seen["reopened"];
      claimable += Claimable(*item);
    }
    RC_ASSERT(q_.queued() == claimable);  // nothing lost or duplicated
    for (const std::string& who : kAdjudicators) CheckClaimMatchesScan(who);
    Queue rebuilt(Policy(1));
    for (const auto& [seq, input] : log_) rebuilt.Apply(seq, input);
    RC_ASSERT(rebuilt.DebugString() == q_.DebugString());
  }

 private:
  static ProjectPolicy Policy(uint32_t adjudicators) {
    ProjectPolicy p = ProjectPolicy::Default("p", 2);
    p.version = 1;
    p.lease_micros = kLease;
    p.senior_adjudicators = {"s0"};
    FieldPolicy dx = p.For("dx", Layer::kInterpretive);
    dx.adjudicators = adjudicators;
    p.fields["dx"] = dx;
    return p;
  }
  static ItemKey Key(int record) {
    return {"r" + std::to_string(record), "dx"};
  }
  static bool Claimable(const ItemInfo& item) {
    return item.state == ItemState::kPending ||
           item.state == ItemState::kReopened ||
           item.state == ItemState::kEscalated;
  }

  int64_t Now() const { return clock_.NowMicros(); }
  const ItemInfo* Find(const ItemKey& key) const { return q_.Find(key); }
  void Log(Input in) {
    ++seq_;
    q_.Apply(seq_, in);
    log_.emplace_back(seq_, std::move(in));
  }
  std::optional<uint64_t> Held(const std::string& who) const {
    for (const auto& [lease, holder] : held_by_test_) {
      if (holder == who) return lease;
    }
    return std::nullopt;
  }
  // Mostly someone who holds a lease (decisions need one), else `who`.
  std::string Holder(int pick, const std::string& who) const {
    if (held_by_test_.empty() || pick % 4 == 0) return who;
    auto it = held_by_test_.begin();
    std::advance(it, pick % held_by_test_.size());
    return it->second;
  }
  // Leases the model ended behind the test's back (an item left the queue,
  // its holder annotated the record) are lost: forget them here too.
  void SyncLeases() {
    for (auto it = held_by_test_.begin(); it != held_by_test_.end();) {
      if (q_.FindLease(it->first) == nullptr) {
        ++seen["lost"];
        ended_.insert(it->first);
        it = held_by_test_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void Annotate(const Op& op) {
    const int r = op.b % kRecords;
    const std::string& who = kAnnotators[op.a % kAnnotators.size()];
    auto& current = annotations_[r];
    if (op.c % 5 == 4) {
      current.erase(who);  // withdrawn
    } else {
      current[who] = {kValues[op.c % kValues.size()], seq_ + 1};
      ever_annotated_[Key(r).record].insert(who);
    }
    FieldView view;
    for (const auto& [annotator, value] : current) {
      view.annotations.push_back(
          {annotator, value.first, std::nullopt, value.second});
    }
    if (!first_seen_.count(r)) {
      const size_t order = first_seen_.size();
      first_seen_[r] = order;
    }
    Log(ItemUpdated{Key(r), Layer::kInterpretive, view});
    SyncLeases();
  }

  void Claim(const std::string& who) {
    StatusOr<ClaimPlan> plan = q_.CheckClaim(who, Now());
    if (!plan.ok()) return;
    RC_ASSERT(!Held(who));
    const uint64_t lease = seq_ + 1;
    Log(Claimed{lease, who, plan->item, plan->expires_us});
    RC_ASSERT(q_.FindLease(lease) != nullptr);
    held_by_test_[lease] = who;
    ++seen["claimed"];
    weighed_[lease] = plan->weighed;
  }

  void Release(const std::string& who) {
    const std::optional<uint64_t> lease = Held(who);
    if (!lease) return;
    if (!q_.CheckRelease(*lease, who, Now()).ok()) return;  // expired
    Log(Released{*lease});
    held_by_test_.erase(*lease);
    ended_.insert(*lease);
  }

  void ExpireDue() {
    for (uint64_t lease : q_.LeasesDue(Now())) {
      RC_ASSERT(q_.CheckExpire(lease, Now()).ok());
      RC_ASSERT(!ended_.count(lease));  // returned exactly once
      Log(LeaseExpired{lease});
      ++seen["expired"];
      RC_ASSERT(q_.FindLease(lease) == nullptr);
      RC_ASSERT(q_.CheckExpire(lease, Now()).code() ==
                StatusCode::kFailedPrecondition);
      held_by_test_.erase(lease);
      ended_.insert(lease);
    }
  }

  void Decide(const std::string& who, int value) {
    const std::optional<uint64_t> lease = Held(who);
    if (!lease) return;
    const LeaseInfo& l = *q_.FindLease(*lease);
    DecideRequest r{*lease,
                    who,
                    l.item,
                    Outcome::kDecided,
                    kValues[value % kValues.size()],
                    "weighed all",
                    weighed_[*lease]};
    if (value % 4 == 3) {
      r.outcome = Outcome::kAmbiguous;
      r.value_key.clear();
    }
    const Status s = q_.CheckDecide(r, Now());
    const bool changed = Find(l.item)->current != weighed_[*lease];
    if (l.deadline_us() <= Now()) {
      RC_ASSERT(s.code() == StatusCode::kFailedPrecondition);
    } else if (changed) {
      RC_ASSERT(s.code() == StatusCode::kAborted);
    } else {
      RC_ASSERT(s.ok());
    }
    if (s.code() == StatusCode::kAborted) ++seen["aborted"];
    if (!s.ok()) return;
    Log(Decided{*lease, r.outcome, r.value_key, r.rationale, r.weighed});
    ++seen["decided"];
    held_by_test_.erase(*lease);
    ended_.insert(*lease);
  }

  void Escalate(const std::string& who) {
    const std::optional<uint64_t> lease = Held(who);
    if (!lease || !q_.CheckEscalate(*lease, who, "hard", Now()).ok()) return;
    Log(Escalated{*lease, "hard"});
    ++seen["escalated"];
    held_by_test_.erase(*lease);
    ended_.insert(*lease);
  }

  // A restart: the queue is rebuilt from the inputs. Heartbeats are gone, so
  // each lease's deadline is its claim's; what expired while down is due at
  // once, and ExpireDue returns it (once: it asserts so).
  void Restart() {
    Queue rebuilt(Policy(1));
    for (const auto& [seq, input] : log_) rebuilt.Apply(seq, input);
    for (const auto& [lease, holder] : held_by_test_) {
      RC_ASSERT(rebuilt.FindLease(lease)->deadline_us() ==
                q_.FindLease(lease)->expires_us);
    }
    q_ = std::move(rebuilt);
    ++seen["restarted"];
    ExpireDue();
  }

  void StaleDecision(int pick) {
    if (ended_.empty()) return;
    auto it = ended_.begin();
    std::advance(it, pick % ended_.size());
    DecideRequest r{*it, "k0", Key(0), Outcome::kDecided, "x", "late", {}};
    for (const std::string& who : kAdjudicators) {
      r.adjudicator = who;
      RC_ASSERT(q_.CheckDecide(r, Now()).code() ==
                StatusCode::kFailedPrecondition);
    }
  }

  // The linear oracle for CheckClaim: every claimable item `who` may take,
  // in (tier, priority desc, opened asc, first appearance) order.
  void CheckClaimMatchesScan(const std::string& who) {
    const bool senior = who == "s0";
    std::optional<std::tuple<int, int64_t, uint64_t, size_t, int>> best;
    for (int r = 0; r < kRecords; ++r) {
      const ItemInfo* item = Find(Key(r));
      if (item == nullptr || !Claimable(*item)) continue;
      if (item->escalated && !senior) continue;
      if (ever_annotated_[Key(r).record].count(who)) continue;
      bool decided = false;
      for (const DecisionRecord& d : item->round)
        decided |= d.adjudicator == who;
      if (decided) continue;
      auto key =
          std::make_tuple(item->escalated ? 0 : 1, -item->evaluation.priority,
                          item->opened_seq, first_seen_[r], r);
      if (!best || key < *best) best = key;
    }
    StatusOr<ClaimPlan> plan = q_.CheckClaim(who, Now());
    if (Held(who)) {
      RC_ASSERT(plan.status().code() == StatusCode::kFailedPrecondition);
    } else if (!best) {
      RC_ASSERT(plan.status().code() == StatusCode::kNotFound);
    } else {
      RC_ASSERT(plan.ok());
      RC_ASSERT(plan->item == Key(std::get<4>(*best)));
    }
  }

  testing::FakeClock clock_;
  Queue q_;
  uint64_t seq_ = 0;
  std::vector<std::pair<uint64_t, Input>> log_;
  std::map<int, std::map<std::string, std::pair<std::string, uint64_t>>>
      annotations_;
  std::map<std::string, std::set<std::string>> ever_annotated_;
  std::map<int, size_t> first_seen_;
  std::map<uint64_t, std::string> held_by_test_;  // lease -> holder
  std::map<uint64_t, std::vector<AnnotationRef>> weighed_;
  std::set<uint64_t> ended_;
};

rc::Gen<Op> GenOp() {
  return rc::gen::build<Op>(rc::gen::set(&Op::kind, rc::gen::inRange(0, 10)),
                            rc::gen::set(&Op::a, rc::gen::inRange(0, 100)),
                            rc::gen::set(&Op::b, rc::gen::inRange(0, 100)),
                            rc::gen::set(&Op::c, rc::gen::inRange(0, 100)));
}

RC_GTEST_PROP(QueuePropertyTest,
              RandomInterleavingsKeepLeasesExclusiveAndRebuildIdentical, ()) {
  const uint32_t adjudicators = *rc::gen::inRange<uint32_t>(1, 3);
  // Long enough for items to be decided, re-opened and decided again.
  // rapidcheck scales inRange with the case's size, and small sizes give
  // only the first kinds of step: fix the size, keep shrinking.
  const size_t steps = *rc::gen::resize(100, rc::gen::inRange<size_t>(60, 250));
  const std::vector<Op> ops = *rc::gen::container<std::vector<Op>>(
      steps, rc::gen::resize(100, GenOp()));
  Harness h(adjudicators);
  for (const Op& op : ops) {
    h.Step(op);
    h.CheckInvariants();
  }
  for (const char* what : {"decided", "aborted", "expired", "escalated", "lost",
                           "reopened", "restarted"}) {
    RC_CLASSIFY(h.seen[what] > 0, what);
  }
}

}  // namespace
}  // namespace consilium::adjudication
