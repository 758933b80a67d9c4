// Property test of the adjudication engine end to end: random interleavings
// of annotations (submit, revise, withdraw), claims, heartbeats, releases,
// decisions (fresh, stale, ambiguous), escalations, clock advances with
// ExpireDue, and restarts, through AdjudicationCommands and the annotation
// commands over a real ledger, with a fake clock, several adjudicators (two
// of whom also annotate) and several records and fields. After every step:
//   - a rejected command appended nothing;
//   - no two leases hold one item; an adjudicator holds at most one lease;
//     no lease is held by an annotator of its record;
//   - every claimable item is queued exactly once (Depth counts them), and
//     none is held by an in-flight claim;
//   - an expired lease is returned exactly once, by one ExpireDue;
//   - a decision under a lease known to have ended is refused;
//   - the live model equals a model rebuilt from the ledger (DebugString).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/adjudication/adjudication_fixture.h"

namespace consilium::adjudication {
namespace {

const std::vector<std::string> kAdjudicators = {"k1", "k2", "k3", "s1"};
const std::vector<std::string> kAnnotators = {"a1", "a2", "a3",
                                              "a4", "k3", "s1"};
const std::vector<std::string> kRecords = {"r1", "r2", "r3"};
const std::vector<std::string> kFields = {"dx", "finding"};
const std::vector<std::string> kDx = {"a", "b", "c"};
const std::vector<std::string> kFinding = {"x", "y"};

// The populated project with a policy: dx by disagreement, finding (named,
// descriptive) by disagreement with two adjudicators a round; s1 senior.
// Made once, closed, and copied into each case's directory.
const std::string& Template() {
  static testing::TempDir dir;  // removed at exit
  static const bool made = [] {
    AdjudicationFixture f;
    f.Start();
    f.Populate();
    const Status s = f.adj_
                         ->SetPolicy("admin", "p", R"({
        "project": "p", "version": 1, "senior_adjudicators": ["s1"],
        "fields": {"dx": {"triggers": {"disagreement": true}},
                   "finding": {"triggers": {"disagreement": true},
                               "adjudicators": 2}}})")
                         .status();
    EXPECT_TRUE(s.ok()) << s.ToString();
    f.adj_.reset();
    f.handler_.reset();
    f.model_.reset();
    f.ledger_.reset();
    std::filesystem::copy(f.dir_.path(), dir.path(),
                          std::filesystem::copy_options::recursive);
    return true;
  }();
  (void)made;
  return dir.path();
}

struct Op {
  int kind = 0, a = 0, b = 0, c = 0;
};

class Harness : public AdjudicationFixture {
 public:
  Harness() {
    std::filesystem::copy(Template(), dir_.path(),
                          std::filesystem::copy_options::recursive);
    OpenLedger();
    Reopen();
  }

  void Step(const Op& op) {
    switch (op.kind % 14) {
      case 0:
      case 1:
      case 2:
      case 3:
        return Annotate(op);
      case 4:
      case 5:
        return Claim(op);
      case 6:
        return Heartbeat(op);
      case 7:
        return Release(op);
      case 8:
      case 9:
        return Decide(op);
      case 10:
        return Escalate(op);
      case 11:
      case 12:
        clock_.Advance(int64_t{1'000'000} * (op.c % 70));
        return Expire();
      case 13:
        if (op.c % 3 != 0) return Expire();
        ++seen["restarted"];
        return Restart();
    }
  }

  void CheckInvariants() {
    RC_ASSERT(Debug() == Rebuilt());
    handler_->Read([&](const domain::DomainState&) {
      const Queue* q = model_->FindQueue("p");
      std::set<std::string> holders;
      std::set<std::pair<std::string, std::string>> held_items;
      size_t claimable = 0;
      for (const std::string& r : kRecords) {
        for (const std::string& f : kFields) {
          const ItemInfo* i = q->Find({r, f});
          if (i == nullptr) continue;
          RC_ASSERT(!q->IsHeld({r, f}));
          const ItemState s = i->state;
          if (s == ItemState::kPending || s == ItemState::kReopened ||
              s == ItemState::kEscalated) {
            ++claimable;
            RC_ASSERT(i->lease == 0u);
          }
          RC_ASSERT((s == ItemState::kClaimed) == (i->lease != 0));
          if (i->lease == 0) continue;
          const LeaseInfo* l = q->FindLease(i->lease);
          RC_ASSERT(l != nullptr);
          RC_ASSERT(l->item == (ItemKey{r, f}));
          RC_ASSERT(holders.insert(l->adjudicator).second);
          RC_ASSERT(held_items.insert({r, f}).second);
          RC_ASSERT(annotated_[r].count(l->adjudicator) == 0u);
        }
      }
      RC_ASSERT(q->queued() == claimable);
      RC_ASSERT(q->leases() == holders.size());
    });
  }

  std::map<std::string, int> seen;

 private:
  struct Ann {
    uint32_t revision = 1;
    bool withdrawn = false;
  };

  // Runs `fn`; a failure must leave the ledger as it was.
  template <typename Fn>
  Status Expect(Fn&& fn) {
    const uint64_t before = Head();
    const Status s = fn();
    if (!s.ok()) RC_ASSERT(Head() == before);
    return s;
  }

  void Annotate(const Op& op) {
    const std::string& who = kAnnotators[op.a % kAnnotators.size()];
    const std::string& record = kRecords[op.b % kRecords.size()];
    const std::string values =
        Values(kDx[op.c % kDx.size()], -1, kFinding[(op.c / 3) % 2]);
    const std::string id = record + "-" + who;
    auto it = anns_.find(id);
    Status s;
    if (it == anns_.end()) {
      s = Expect([&] { return Submit(id, record, who, values).status(); });
      if (s.ok()) anns_[id] = {};
    } else if (it->second.withdrawn) {
      return;
    } else if (op.c % 5 == 0) {
      s = Expect(
          [&] { return Withdraw(id, it->second.revision, who).status(); });
      if (s.ok()) it->second.withdrawn = true;
    } else {
      s = Expect([&] {
        return Revise(id, it->second.revision, who, values).status();
      });
      if (s.ok()) ++it->second.revision;
    }
    RC_ASSERT(s.ok());
    annotated_[record].insert(who);
  }

  void Claim(const Op& op) {
    const std::string& who = kAdjudicators[op.a % kAdjudicators.size()];
    StatusOr<ClaimResult> c = adj_->Claim(who, "p", 10 + op.c % 60);
    if (!c.ok()) {
      RC_ASSERT(c.status().code() == StatusCode::kNotFound ||
                c.status().code() == StatusCode::kFailedPrecondition);
      return;
    }
    RC_ASSERT(annotated_[c->item.record].count(who) == 0u);
    leases_.push_back({c->lease, who});
    ++seen["claimed"];
  }

  // A lease we claimed, and its holder (or, for c % 6 == 0, someone else).
  std::pair<uint64_t, std::string> Pick(const Op& op) const {
    if (leases_.empty()) return {0, "k1"};
    const auto& [lease, holder] = leases_[op.b % leases_.size()];
    return {lease, op.c % 6 == 0 ? kAdjudicators[op.a % kAdjudicators.size()]
                                 : holder};
  }

  bool Held(uint64_t lease) const {
    return handler_->Read([&](const domain::DomainState&) {
      return model_->FindLease(lease).held != nullptr;
    });
  }

  void Heartbeat(const Op& op) {
    const auto [lease, who] = Pick(op);
    (void)Expect([&] { return adj_->Heartbeat(who, lease).status(); });
  }

  void Release(const Op& op) {
    const auto [lease, who] = Pick(op);
    const bool was_held = Held(lease);
    const Status s = Expect([&] { return adj_->Release(who, lease).status(); });
    if (!was_held) RC_ASSERT(!s.ok());
  }

  void Decide(const Op& op) {
    const auto [lease, who] = Pick(op);
    const bool was_held = Held(lease);
    std::string field = "dx";
    handler_->Read([&](const domain::DomainState&) {
      LeaseLookup l = model_->FindLease(lease);
      if (l.held != nullptr) field = l.held->item.field;
    });
    DecideCommand cmd{.lease = lease, .field = field, .rationale = "seen"};
    if (op.a % 4 == 0) {
      cmd.ambiguous = true;
    } else {
      cmd.value_json =
          "\"" + (field == "dx" ? kDx[op.a % 3] : kFinding[op.a % 2]) + "\"";
    }
    const Status s = Expect([&] { return adj_->Decide(who, cmd).status(); });
    if (!was_held) RC_ASSERT(!s.ok());  // stale leases are refused
    if (s.ok()) ++seen["decided"];
    if (s.code() == StatusCode::kAborted) ++seen["aborted"];
  }

  void Escalate(const Op& op) {
    const auto [lease, who] = Pick(op);
    const bool was_held = Held(lease);
    const Status s = Expect(
        [&] { return adj_->Escalate(who, lease, "senior, please").status(); });
    if (!was_held) RC_ASSERT(!s.ok());
    if (s.ok()) ++seen["escalated"];
  }

  void Expire() {
    StatusOr<std::vector<ExpiredLease>> e = adj_->ExpireDue(clock_.NowMicros());
    RC_ASSERT(e.ok());
    for (const ExpiredLease& x : *e) {
      RC_ASSERT(expired_.insert(x.lease).second);  // returned once
      RC_ASSERT(!Held(x.lease));
      ++seen["expired"];
    }
    // Nothing left due at this instant.
    handler_->Read([&](const domain::DomainState&) {
      RC_ASSERT(model_->FindQueue("p")->LeasesDue(clock_.NowMicros()).empty());
    });
  }

  std::map<std::string, Ann> anns_;
  std::map<std::string, std::set<std::string>> annotated_;
  std::vector<std::pair<uint64_t, std::string>> leases_;
  std::set<uint64_t> expired_;
};

rc::Gen<Op> GenOp() {
  return rc::gen::build<Op>(rc::gen::set(&Op::kind, rc::gen::inRange(0, 14)),
                            rc::gen::set(&Op::a, rc::gen::inRange(0, 100)),
                            rc::gen::set(&Op::b, rc::gen::inRange(0, 100)),
                            rc::gen::set(&Op::c, rc::gen::inRange(0, 100)));
}

void Property() {
  const size_t steps = *rc::gen::resize(100, rc::gen::inRange<size_t>(30, 60));
  const std::vector<Op> ops = *rc::gen::container<std::vector<Op>>(
      steps, rc::gen::resize(100, GenOp()));
  Harness h;
  for (const Op& op : ops) {
    h.Step(op);
    h.CheckInvariants();
  }
  for (const char* what :
       {"claimed", "decided", "aborted", "expired", "escalated", "restarted"}) {
    RC_CLASSIFY(h.seen[what] > 0, what);
  }
}

// Each case copies and opens a RocksDB ledger and syncs every command (tens
// of milliseconds a step on a shared disk), so 30 cases rather than 100, not
// shrunk; RC_PARAMS in the environment still wins ("max_success=500").
TEST(AdjudicationCommandsPropertyTest,
     RandomInterleavingsThroughTheLedgerKeepEveryInvariant) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  if (std::getenv("RC_PARAMS") == nullptr) {
    params.maxSuccess = 30;
    // Shrinking replays a ledger per attempt: minutes. A failure prints its
    // seed; RC_PARAMS="seed=... max_success=30" shrinks it on demand.
    params.disableShrinking = true;
  }
  rc::detail::TestMetadata metadata;
  metadata.id =
      "AdjudicationCommandsPropertyTest/"
      "RandomInterleavingsThroughTheLedgerKeepEveryInvariant";
  metadata.description = metadata.id;
  const rc::detail::TestResult result =
      rc::detail::checkTestable(&Property, metadata, params);
  std::ostringstream out;
  rc::detail::printResultMessage(result, out);
  if (!result.template is<rc::detail::SuccessResult>()) FAIL() << out.str();
  std::cout << out.str() << "\n";
}

}  // namespace
}  // namespace consilium::adjudication
