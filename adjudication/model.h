// AdjudicationModel: the write side's adjudication state. One Queue
// (adjudication/queue.h) per project, fed from the effects domain::Decide
// accepts (domain/replay.h), so the queues, leases and decisions are a
// projection of the ledger like every other state: rebuilt from scratch at
// WriteCore::Open, kept incrementally after, equal either way (DebugString).
//
// How effects become queue inputs (docs/adjudication.md, "The model"):
//   ProjectDefined             a queue with ProjectPolicy::Default (its overlap
//                              target) until a policy is set
//   AdjudicationPolicyDefined  PolicySet: the document parsed against the
//                              schema version the event names
//   AnnotationOpened/Revised/  RecordAnnotated (the conflict set), then one
//   Withdrawn                  ItemUpdated per policy-relevant field the old or
//                              new revision holds: value keys as the
//                              projections key them, stated confidence,
//                              normalized entropy as the projections compute
//                              it; physicians' values only, a model
//                              principal's value is the item's `prelabel`
//   BatchDefined               ItemUpdated (in_calibration_batch) for the
//                              batch's records' known items
//   AdjudicationLeaseOpened    Claimed (lease = the event's sequence number)
//   AdjudicationLeaseClosed    Released / LeaseExpired / Escalated
//   AdjudicationRecorded       Decided (weighed = the event's weighed_seqs)
// On costs O(fields of the annotation touched), independent of queue sizes.
//
// Thread-safety: none of its own. Attach it to a WriteCore (WriteCore::Open's
// `models`); the core applies it under the state lock, and every read here
// must run under that same lock: inside WriteCore::Read (the command set
// AdjudicationCommands does so). Subscribe/Unsubscribe and the delivery of
// notifications use a lock of their own and may be called from any thread.
//
//   AdjudicationModel model;
//   Model* models[] = {&model};
//   ASSIGN_OR_RETURN(auto core, domain::WriteCore::Open(ledger, models));
//   size_t depth = core->Read([&](const domain::DomainState&) {
//     return model.Depth("icu");
//   });
#ifndef CONSILIUM_ADJUDICATION_MODEL_H_
#define CONSILIUM_ADJUDICATION_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adjudication/queue.h"
#include "domain/domain_state.h"
#include "domain/replay.h"

namespace consilium::adjudication {

// What a subscriber is told (Subscribe). One notification per change, in
// sequence order of the events that caused them.
struct QueueNotice {
  enum class Kind {
    kDepth,     // the number of claimable items of `project` changed, or
                // who may take some (an annotator joined a record's
                // conflict set: their own depth may have dropped)
    kLeaseEnd,  // a lease ended: `lease`, `adjudicator`, `end`
  };
  Kind kind = Kind::kDepth;
  std::string project;
  uint64_t seq = 0;  // the event that caused it
  // kDepth: claimable items after the event, both tiers (Depth(); items
  // held by claims still being committed are not counted)
  size_t depth = 0;
  uint64_t lease = 0;       // kLeaseEnd
  std::string adjudicator;  // kLeaseEnd: who held the lease
  LeaseEndReason end = LeaseEndReason::kReleased;  // kLeaseEnd
  ItemKey item;  // kLeaseEnd: the item it held
};

// Where a lease is: its project and, while it is held, its state.
struct LeaseLookup {
  std::string project;
  const LeaseInfo* held = nullptr;  // null once the lease ended
};

class AdjudicationModel : public domain::Model {
 public:
  AdjudicationModel();
  ~AdjudicationModel() override;
  AdjudicationModel(const AdjudicationModel&) = delete;
  AdjudicationModel& operator=(const AdjudicationModel&) = delete;

  // domain::Model. OnWithState is what DomainState::Apply calls: the state
  // after it kept the event (annotation metadata, schemas, record shapes,
  // principals' kinds). On without a state keeps only what needs none
  // (projects, policies are then re-read on the next OnWithState) and is
  // there for the interface; the write side always calls OnWithState.
  void On(const domain::Applied& e, const domain::Effect& effect) override;
  void OnWithState(const domain::DomainState& state, const domain::Applied& e,
                   const domain::Effect& effect) override;

  // ---- Reads: under the write core's lock (WriteCore::Read). ---------------

  // The project's queue, or nullptr for a project the ledger does not have.
  const Queue* FindQueue(std::string_view project) const;
  // The item, or nullptr when the project or item is unknown.
  const ItemInfo* FindItem(std::string_view project, const ItemKey& item) const;
  // The lease's project (empty when no claim event has this sequence
  // number) and, while held, its state.
  LeaseLookup FindLease(uint64_t lease) const;
  // Claimable items of the project (both tiers), less those held by claims
  // still being committed; 0 for an unknown project.
  size_t Depth(std::string_view project) const;
  // The current physicians' annotations of the item: (event sequence
  // number, annotation id), by sequence number. What a claim and a decision
  // cite.
  std::vector<std::pair<uint64_t, std::string>> ItemAnnotations(
      std::string_view project, const ItemKey& item) const;
  // The schema id the project's latest annotation named; empty when none.
  std::string LatestSchemaId(std::string_view project) const;
  // Projects with a queue, sorted.
  std::vector<std::string> Projects() const;
  // The last sequence number applied.
  uint64_t seq() const { return seq_; }

  // Every queue's DebugString, by project id, after a header line per
  // project; equal for a rebuild from the same ledger prefix. In-flight
  // claim holds and heartbeat extensions (memory only) are left out.
  std::string DebugString() const;

  // ---- Subscriptions: any thread. ---------------------------------------

  using Listener = std::function<void(const QueueNotice&)>;
  // Registers `listener`; returns its id for Unsubscribe. Notices are queued
  // while the core applies events (under its lock, in sequence order) and
  // delivered by the model's notifier thread (started by the first
  // Subscribe, joined by the destructor), outside every lock of the core, one
  // at a time, in order. A listener runs on that thread: it must be short,
  // must not call Subscribe/Unsubscribe, and may call AdjudicationCommands or
  // WriteCore::Read. Notices of events applied before Subscribe are not
  // replayed.
  uint64_t Subscribe(Listener listener);
  // After it returns, `id`'s listener is not running and is never called
  // again (unless called from that listener, which is refused: it returns
  // at once and the listener is removed after it returns).
  void Unsubscribe(uint64_t id);
  // Blocks until every notice queued so far has been delivered (tests,
  // orderly shutdown). Never call it under the core's lock or from a
  // listener.
  void WaitDelivered();

  // ---- For AdjudicationCommands (under the write core's lock). -----------

  // The project's queue for checks that mutate memory only (heartbeats,
  // claim holds); nullptr when unknown.
  Queue* MutableQueue(std::string_view project);

 private:
  struct Project;
  struct Pending;

  Project* FindProject(std::string_view project);
  void Apply(const domain::DomainState* state, const domain::Applied& e,
             const domain::Effect& effect);
  // Applies `input` to the project's queue and posts the notices it causes.
  void Feed(Project& p, uint64_t seq, const Input& input);
  void OnProject(const domain::ProjectDefined& x);
  void OnPolicy(const domain::DomainState& state, const domain::Applied& e,
                const fb::AdjudicationPolicySet& b);
  // A submission or revision (`values` its payload) or a withdrawal (null).
  void OnAnnotation(const domain::DomainState& state, const domain::Applied& e,
                    std::string_view annotation_id, const fb::Payload* values);
  void OnBatch(const domain::Applied& e, const fb::CalibrationBatchCreated& b);
  void OnClaim(const domain::Applied& e, const fb::AdjudicationClaimed& b);
  void OnLeaseClosed(const domain::Applied& e,
                     const domain::AdjudicationLeaseClosed& x);
  void OnDecision(const domain::Applied& e, const fb::AdjudicationDecided& b);

  uint64_t seq_ = 0;
  std::map<std::string, std::unique_ptr<Project>, std::less<>> projects_;
  std::unordered_map<uint64_t, std::string> lease_project_;  // every claim
  std::unique_ptr<Pending> pending_;  // notifications and listeners
};

}  // namespace consilium::adjudication

#endif  // CONSILIUM_ADJUDICATION_MODEL_H_
