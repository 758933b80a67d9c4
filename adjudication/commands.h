// AdjudicationCommands: the adjudication engine's command set (issue 15;
// docs/adjudication.md, "Commands"). Checks and drafts only, over the write
// side's WriteCore (docs/commands.md, "Adding a command set"); the state it
// checks against is the AdjudicationModel attached to that core.
//
//   SetPolicy    an admin versions a project's policy (AdjudicationPolicySet)
//   Claim        the next eligible item under a lease (AdjudicationClaimed;
//                the lease id is that event's sequence number)
//   Heartbeat    extends a lease, in memory only (no event)
//   Release      gives the item back (AdjudicationReleased)
//   Decide       a value or "ambiguous", with a rationale, citing the
//                annotation events weighed (AdjudicationDecided)
//   Escalate     sends the item to the senior tier (AdjudicationEscalated)
//   ExpireDue    one AdjudicationLeaseExpired per lease past its deadline,
//                exactly once (actor: AdjudicationOptions::server_actor)
//
// Every event is durable before a method returns (group commit: claims,
// releases, decisions, escalations and expiries run through
// WriteCore::Concurrent, reserved per adjudicator or lease, so many
// adjudicators share each sync; a policy is Exclusive). A rejected command
// appends nothing and returns a specific error: InvalidArgument (empty
// rationale, a value the field's schema does not allow, a field the lease
// does not hold, value with ambiguous), NotFound (unknown project or lease,
// nothing eligible), PermissionDenied (not an adjudicator of the project,
// another adjudicator's lease, conflict of interest, not senior),
// FailedPrecondition (lease ended or past its deadline, a lease already held,
// no senior tier), Aborted (the item's annotations changed since the claim:
// the message names each annotation that changed; or a concurrent event took
// the item first).
//
// The Async forms are for servers, which must not hold a thread while a
// group commit syncs: the checks run on the calling thread and the event is
// queued before the call returns; `done` runs exactly once, on the calling
// thread for a rejected command, else on the ledger's acknowledger thread
// once the event is durable and applied. Keep `done` short and never call
// this object or the core from it: post the next step to an executor. The
// plain forms wait for the Async ones.
//
// Thread-safety: every method may be called from any thread concurrently.
// Never call one from a WriteCore callback or under WriteCore::Read.
//
//   AdjudicationCommands adj(core.get(), &model, SystemClock());
//   ASSIGN_OR_RETURN(ClaimResult c, adj.Claim("dr-osei", "icu"));
//   ASSIGN_OR_RETURN(Committed d, adj.Decide("dr-osei", {
//       .lease = c.lease, .field = c.item.field, .value_json = "\"J18.9\"",
//       .rationale = "consolidation on the film; procalcitonin high"}));
#ifndef CONSILIUM_ADJUDICATION_COMMANDS_H_
#define CONSILIUM_ADJUDICATION_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adjudication/model.h"
#include "adjudication/queue.h"
#include "common/clock.h"
#include "common/status.h"
#include "domain/write_core.h"

namespace consilium::adjudication {

struct AdjudicationOptions {
  // The envelope actor of AdjudicationLeaseExpired: expiries are the
  // server's doing, not an adjudicator's.
  std::string server_actor = "server";
};

// What a successful claim gives the adjudicator.
struct ClaimResult {
  ItemKey item;
  uint64_t lease = 0;      // the AdjudicationClaimed event's sequence number
  int64_t expires_us = 0;  // the lease's deadline (server clock)
  // The annotations the decision will weigh: the item's current annotation
  // events at claim time (annotator, sequence number), sorted.
  std::vector<AnnotationRef> weighed;
  Committed committed;  // the claim event
};

// One decision under a lease.
struct DecideCommand {
  uint64_t lease = 0;
  // The schema path of the decided field: must be the leased item's field
  // (InvalidArgument otherwise, naming both).
  std::string field{};
  // The decided value as JSON ("\"J18.9\"", "true", "[\"a\",\"b\"]", 3),
  // checked against the field's definition in the task schema; absent when
  // `ambiguous`.
  std::optional<std::string> value_json{};
  // "Ambiguous: keep the distribution". Exactly one of value_json and
  // ambiguous (InvalidArgument otherwise).
  bool ambiguous = false;
  std::string rationale{};  // required, not blank
};

// One lease ExpireDue returned to its queue.
struct ExpiredLease {
  std::string project;
  uint64_t lease = 0;
  std::string adjudicator;  // who held it
  ItemKey item;
  int64_t deadline_us = 0;
  Committed committed;  // the AdjudicationLeaseExpired event
};

class AdjudicationCommands {
 public:
  using ClaimCallback = std::function<void(StatusOr<ClaimResult>)>;
  using CommittedCallback = std::function<void(StatusOr<Committed>)>;

  // `core`, `model` (attached to `core` at WriteCore::Open) and `clock` are
  // not owned and must outlive this object.
  AdjudicationCommands(domain::WriteCore* core, AdjudicationModel* model,
                       Clock* clock, AdjudicationOptions options = {});

  // Sets the project's policy (docs/adjudication.md, "Policy document").
  // Actor: admin of the project. NotFound: unknown project. InvalidArgument:
  // the document's own errors (ParsePolicy, naming the path), a `project`
  // other than `project`, a `version` other than the current one + 1, a
  // senior adjudicator who is not a registered principal with the
  // adjudicator role in the project.
  StatusOr<Committed> SetPolicy(std::string_view actor,
                                std::string_view project,
                                std::string_view policy_json);
  // The same, checked against the latest version of schema `schema_id`
  // (NotFound when unpublished); empty: as above, the schema of the
  // project's latest annotation, else the only schema id published
  // (FailedPrecondition when there are several and no annotation).
  StatusOr<Committed> SetPolicy(std::string_view actor,
                                std::string_view project,
                                std::string_view policy_json,
                                std::string_view schema_id);

  // Claims the next eligible item of `project` for `actor` (an adjudicator
  // of the project) for `ttl_seconds` (default: the policy's lease length;
  // 1..86400). PermissionDenied: not an adjudicator there. FailedPrecondition:
  // `actor` already holds a lease in the project (named). NotFound: no
  // eligible item (items they annotated are never offered).
  StatusOr<ClaimResult> Claim(std::string_view actor, std::string_view project,
                              std::optional<int64_t> ttl_seconds = {});
  void ClaimAsync(std::string_view actor, std::string_view project,
                  std::optional<int64_t> ttl_seconds, ClaimCallback done);

  // Extends `lease` to now + the policy's lease length, in memory only (a
  // restart forgets it: docs/adjudication.md, "Leases"). Returns the new
  // deadline. NotFound / FailedPrecondition / PermissionDenied as Release.
  StatusOr<int64_t> Heartbeat(std::string_view actor, uint64_t lease);

  // Gives the item back. NotFound: no such lease. FailedPrecondition: the
  // lease ended or its deadline passed. PermissionDenied: held by another.
  StatusOr<Committed> Release(std::string_view actor, uint64_t lease);
  void ReleaseAsync(std::string_view actor, uint64_t lease,
                    CommittedCallback done);

  // Records a decision (or "ambiguous") under `cmd.lease`. Codes as Release,
  // plus those at the top of this file; Aborted names each annotation that
  // changed since the claim.
  StatusOr<Committed> Decide(std::string_view actor, const DecideCommand& cmd);
  void DecideAsync(std::string_view actor, const DecideCommand& cmd,
                   CommittedCallback done);

  // Sends the leased item to the senior tier. Codes as Release, plus
  // InvalidArgument (blank rationale), FailedPrecondition (no senior tier,
  // already escalated), PermissionDenied (conflict of interest).
  StatusOr<Committed> Escalate(std::string_view actor, uint64_t lease,
                               std::string_view rationale);
  void EscalateAsync(std::string_view actor, uint64_t lease,
                     std::string_view rationale, CommittedCallback done);

  // Appends one AdjudicationLeaseExpired for each held lease whose deadline
  // is at or before `now_us`, in deadline order, every one durable before
  // this returns. A lease is expired once: a concurrent ExpireDue or a
  // decision/release that wins the lease leaves it out. Errors are the
  // ledger's (what was appended before stays appended and applied).
  StatusOr<std::vector<ExpiredLease>> ExpireDue(int64_t now_us);

 private:
  domain::WriteCore* core_;
  AdjudicationModel* model_;
  Clock* clock_;
  AdjudicationOptions options_;
};

}  // namespace consilium::adjudication

#endif  // CONSILIUM_ADJUDICATION_COMMANDS_H_
