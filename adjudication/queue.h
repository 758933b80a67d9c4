// Queue: the adjudication state of one project, as a model applied from a
// sequence of inputs (policy versions, annotation changes, claims, releases,
// expiries, decisions, escalations), plus the checks the adjudication
// commands run before drafting an event. Rebuilding from the same sequence of
// inputs gives an identical state (DebugString equal), and Apply never fails:
// an input the checks would have refused changes nothing.
//
// Per item (record + field) the state is one of ItemState. Claiming takes
// the next eligible item for an adjudicator in claim order (priority, then
// age) in O(log n) (adjudication/internal/order_index.h says how items the
// adjudicator may not take are skipped without a scan). Leases end by
// release, expiry (LeasesDue, in deadline order, each returned once),
// decision, escalation, or loss (the item left the queue or its holder
// annotated the record). Heartbeats extend a lease in memory only: a rebuild
// (a restart) knows the deadline of the claim event, so a lease whose
// heartbeats are lost expires at that deadline, exactly once.
//
// Thread-safety: none; the write side applies and checks under its lock
// (docs/design/write-side.md: a Model applied with DomainState).
//
//   Queue q(ProjectPolicy::Default("p", 3));
//   q.Apply(12, ItemUpdated{{"r-1", "primary_dx"}, Layer::kInterpretive, v});
//   StatusOr<ClaimPlan> plan = q.CheckClaim("dr-k", clock->NowMicros());
//   // ... the command appends AdjudicationClaimed at seq 13, then:
//   q.Apply(13, Claimed{13, "dr-k", plan->item, plan->expires_us});
#ifndef CONSILIUM_ADJUDICATION_QUEUE_H_
#define CONSILIUM_ADJUDICATION_QUEUE_H_

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "adjudication/policy.h"
#include "common/status.h"

namespace consilium::adjudication {

namespace internal {
class OrderIndex;
}

struct ItemKey {
  std::string record;
  std::string field;  // schema path, as in the policy

  friend auto operator<=>(const ItemKey&, const ItemKey&) = default;
};

enum class ItemState {
  kNotDisputed,  // not (or no longer) in the queue
  kPending,      // disputed, waiting for an adjudicator
  kClaimed,      // held under a lease
  kDecided,      // a value was decided
  kAmbiguous,    // genuinely ambiguous: the distribution is the answer
  kEscalated,    // waiting for the senior tier
  kReopened,     // annotations changed after a decision; waiting again
};
std::string_view ItemStateName(ItemState state);

enum class Outcome { kDecided, kAmbiguous };

// How a lease ended.
enum class LeaseEndReason {
  kReleased,   // its holder gave the item back
  kExpired,    // AdjudicationLeaseExpired
  kDecided,    // a decision was recorded under it
  kEscalated,  // sent to the senior tier
  kLost,       // the item left the queue, or its holder annotated the record
};
std::string_view LeaseEndReasonName(LeaseEndReason reason);

// A lease that ended, as Queue::TakeEndedLeases reports it.
struct LeaseEnded {
  uint64_t lease = 0;
  std::string adjudicator;
  ItemKey item;
  LeaseEndReason reason = LeaseEndReason::kReleased;
  uint64_t seq = 0;  // the event that ended it
};

// An annotation as a decision weighs it: who, and which event.
struct AnnotationRef {
  std::string annotator;
  uint64_t seq = 0;
  friend auto operator<=>(const AnnotationRef&, const AnnotationRef&) = default;
};

// ---- Inputs (each will be one event type, or derived from one) ----------

struct PolicySet {
  ProjectPolicy policy;
};
// Someone annotated the record (any field): never its adjudicator.
struct RecordAnnotated {
  std::string record;
  std::string annotator;
};
// The field's current annotations changed (submitted, revised, withdrawn).
// Its annotators are added to the record's conflict set as well.
struct ItemUpdated {
  ItemKey item;
  schemas::Layer layer = schemas::Layer::kInterpretive;
  FieldView view;
};
struct Claimed {
  uint64_t lease = 0;  // the claim event's sequence number
  std::string adjudicator;
  ItemKey item;
  int64_t expires_us = 0;
};
struct Released {
  uint64_t lease = 0;
};
struct LeaseExpired {
  uint64_t lease = 0;
};
struct Decided {
  uint64_t lease = 0;
  Outcome outcome = Outcome::kDecided;
  std::string value_key;  // empty when ambiguous
  std::string rationale;
  std::vector<AnnotationRef> weighed;
};
struct Escalated {
  uint64_t lease = 0;
  std::string rationale;
};
using Input = std::variant<PolicySet, RecordAnnotated, ItemUpdated, Claimed,
                           Released, LeaseExpired, Decided, Escalated>;

// ---- Views ------------------------------------------------------------------

struct DecisionRecord {
  uint64_t seq = 0;
  std::string adjudicator;
  Outcome outcome = Outcome::kDecided;
  std::string value_key;
  std::string rationale;
  std::vector<AnnotationRef> weighed;
};

struct ItemInfo {
  ItemKey key;
  ItemState state = ItemState::kNotDisputed;
  Evaluation evaluation;
  std::vector<AnnotationRef> current;  // sorted
  uint64_t opened_seq = 0;             // when it last entered the queue
  uint64_t lease = 0;                  // the active lease; 0 when none
  bool escalated = false;
  std::vector<DecisionRecord> round;  // decisions toward the current outcome
  std::optional<uint64_t> last_decision_seq;
  std::optional<uint64_t> reopened_from;  // the decision a re-open cites
};

struct LeaseInfo {
  uint64_t id = 0;
  std::string adjudicator;
  ItemKey item;
  int64_t expires_us = 0;   // from the claim event
  int64_t extended_us = 0;  // from heartbeats (memory only); 0 when none
  std::vector<AnnotationRef> weighed_at_claim;

  int64_t deadline_us() const { return std::max(expires_us, extended_us); }
};

// What CheckClaim proposes: the command drafts AdjudicationClaimed from it.
struct ClaimPlan {
  ItemKey item;
  int64_t expires_us = 0;
  std::vector<AnnotationRef> weighed;  // the annotations at claim time
};

struct DecideRequest {
  uint64_t lease = 0;
  std::string adjudicator;
  ItemKey item;
  Outcome outcome = Outcome::kDecided;
  std::string value_key;
  std::string rationale;
  std::vector<AnnotationRef> weighed;
};

class Queue {
 public:
  explicit Queue(ProjectPolicy policy);
  ~Queue();
  Queue(Queue&&) noexcept;
  Queue& operator=(Queue&&) noexcept;

  // Applies one input committed at `seq` (non-decreasing: the inputs one
  // event gives share its sequence number; an input below the last is
  // ignored). Total: an
  // input that does not fit the state (a lease no longer held, ...) is
  // ignored, exactly as on the first application.
  void Apply(uint64_t seq, const Input& input);

  // ---- Checks: run before drafting; change nothing. -----------------------

  // The next item `adjudicator` may take at `now_us`. FailedPrecondition:
  // they already hold a lease in this project. NotFound: no eligible item.
  // Seniors take escalated items first, then ordinary ones.
  StatusOr<ClaimPlan> CheckClaim(std::string_view adjudicator,
                                 int64_t now_us) const;
  // NotFound: no such lease. FailedPrecondition: the lease ended (released,
  // expired, decided, lost) or its deadline passed. PermissionDenied: held
  // by someone else.
  Status CheckRelease(uint64_t lease, std::string_view adjudicator,
                      int64_t now_us) const;
  // As CheckRelease, plus: InvalidArgument for an empty rationale, a value
  // with an ambiguous outcome or none with a decided one, an item other than
  // the lease's, or weighed annotations that are not the current ones;
  // PermissionDenied when the adjudicator annotated the record; Aborted
  // naming each annotation that changed since the claim.
  Status CheckDecide(const DecideRequest& request, int64_t now_us) const;
  // As CheckRelease, plus InvalidArgument for an empty rationale,
  // FailedPrecondition when the project has no senior tier or the item is
  // already escalated, PermissionDenied on a conflict of interest.
  Status CheckEscalate(uint64_t lease, std::string_view adjudicator,
                       std::string_view rationale, int64_t now_us) const;
  // The lease is held and its deadline passed: LeaseExpired may be drafted.
  Status CheckExpire(uint64_t lease, int64_t now_us) const;

  // Extends a held lease to now + the policy's lease length, in memory.
  // Same codes as CheckRelease.
  Status Heartbeat(uint64_t lease, std::string_view adjudicator,
                   int64_t now_us);

  // Held leases whose deadline is <= now_us, earliest first.
  std::vector<uint64_t> LeasesDue(int64_t now_us) const;

  // ---- In-flight claims (memory only, like heartbeats). -------------------
  // A claim between its check and its event's apply holds the item so that
  // concurrent claims pick other items: Hold takes it out of the claim order
  // (FailedPrecondition when it is not claimable), Unhold puts it back when
  // the claim failed before its event was applied. Applying the claim event
  // ends the hold whatever it decides. Not part of DebugString.
  Status Hold(const ItemKey& item);
  void Unhold(const ItemKey& item);
  bool IsHeld(const ItemKey& item) const;
  // Whether `adjudicator` may still take `item` (held or in the claim
  // order): the recheck of an in-flight claim. FailedPrecondition when the
  // item is no longer claimable, PermissionDenied on a conflict of interest
  // or a senior-only item.
  Status CheckClaimItem(std::string_view adjudicator,
                        const ItemKey& item) const;

  // How and at which event `lease` ended; nullopt while held or unknown.
  std::optional<std::pair<LeaseEndReason, uint64_t>> EndOf(
      uint64_t lease) const;

  // Leases ended by Apply since the last call, in order (notifications).
  std::vector<LeaseEnded> TakeEndedLeases();

  // ---- Reads ----------------------------------------------------------------
  const ProjectPolicy& policy() const { return policy_; }
  const ItemInfo* Find(const ItemKey& key) const;
  const LeaseInfo* FindLease(uint64_t lease) const;
  // Every item the queue has evaluated, in order of first appearance (also
  // those never or no longer disputed); for listings (`queue list`).
  std::vector<const ItemInfo*> Items() const;
  size_t queued() const;  // claimable items, both tiers
  // The claimable items, not held by an in-flight claim, on records
  // `adjudicator` annotated (which they may never take): of `field`, or of
  // every field when it is empty; escalated ones only when `senior`. What an
  // adjudicator's queue depth leaves out. O(records they annotated).
  size_t ConflictedClaimable(std::string_view adjudicator,
                             std::string_view field, bool senior) const;
  size_t leases() const { return leases_.size(); }
  uint64_t seq() const { return seq_; }

  // Every piece of state the inputs determine (items, leases, ended leases,
  // conflict sets, both claim indexes), one fact a line, in a fixed order;
  // heartbeat extensions are left out (memory only). Equal for a rebuild.
  std::string DebugString() const;

 private:
  struct Item;
  using EndReason = LeaseEndReason;
  struct Ended {
    EndReason reason;
    uint64_t seq;
  };

  void On(uint64_t seq, const PolicySet& in);
  void On(uint64_t seq, const RecordAnnotated& in);
  void On(uint64_t seq, const ItemUpdated& in);
  void On(uint64_t seq, const Claimed& in);
  void On(uint64_t seq, const Released& in);
  void On(uint64_t seq, const LeaseExpired& in);
  void On(uint64_t seq, const Decided& in);
  void On(uint64_t seq, const Escalated& in);

  uint32_t ItemIndex(const ItemKey& key);
  void Reevaluate(uint32_t index, uint64_t seq, bool annotations_changed);
  void Enqueue(uint32_t index);
  void Dequeue(uint32_t index);
  void ReturnToQueue(uint32_t index);
  void EndLease(uint64_t lease, EndReason reason, uint64_t seq);
  std::vector<std::string> ExcludedFrom(const Item& item) const;
  bool IsClaimable(const Item& item) const;

  Status CheckHeld(uint64_t lease, std::string_view adjudicator,
                   int64_t now_us) const;
  Status CheckConflict(const Item& item, std::string_view who) const;
  Status CheckUnchanged(const LeaseInfo& lease, const Item& item) const;

  ProjectPolicy policy_;
  uint64_t seq_ = 0;
  std::vector<Item> items_;  // dense; index = order of first appearance
  std::map<ItemKey, uint32_t> item_index_;
  std::map<std::string, std::set<std::string>, std::less<>> conflicts_;
  // The same pairs by annotator: the records each annotated.
  std::map<std::string, std::vector<std::string>, std::less<>> annotated_by_;
  std::map<std::string, std::vector<uint32_t>, std::less<>> by_record_;
  std::map<uint64_t, LeaseInfo> leases_;
  std::map<std::string, uint64_t, std::less<>> lease_of_;  // adjudicator
  std::map<uint64_t, Ended> ended_;
  std::set<std::pair<int64_t, uint64_t>> deadlines_;  // (deadline, lease)
  std::unique_ptr<internal::OrderIndex> ordinary_;
  std::unique_ptr<internal::OrderIndex> senior_;
  std::vector<LeaseEnded> recently_ended_;  // until TakeEndedLeases
};

}  // namespace consilium::adjudication

#endif  // CONSILIUM_ADJUDICATION_QUEUE_H_
