// Authorizer: who may do what, asked of one DomainState for one actor. The
// permission rules of docs/commands.md ("Permissions") and the read rules of
// docs/authorization.md in one place, with their messages: the command sets
// call these instead of repeating the openings (project exists, actor is its
// admin, record is in the project), and the server asks the read rules
// before every route's handler runs and when it filters a listing.
//
// Read rules return OK, PermissionDenied naming the rule, or NotFound when
// what they name does not exist (the server answers 404 then, so a refusal
// never says more than a 404 would).
//
// Bootstrap: while no principal holds the global admin role, any actor may
// administer, so the first admin can be registered.
//
// Thread-safety: a view; the caller holds whatever keeps the state still
// (WriteCore's exclusive gate, or state_mu_ in a concurrent command's check).
//
//   Authorizer auth(state, "dr-a");
//   ASSIGN_OR_RETURN(const RecordState* r, auth.AdminOfRecord("p1", "rec-1"));
#ifndef CONSILIUM_DOMAIN_AUTHORIZER_H_
#define CONSILIUM_DOMAIN_AUTHORIZER_H_

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/status.h"
#include "domain/domain_state.h"

namespace consilium::domain {

// What an adjudicator's queue offers it, asked by the adjudicator branch of
// the read rules (docs/authorization.md, "Adjudicators"). The server
// implements it over the adjudication model (api/app.cc); the domain layer
// cannot see the queues. Called under the same lock as the Authorizer.
class AdjudicatorOffers {
 public:
  virtual ~AdjudicatorOffers() = default;
  // OK when some item of `record` in `project` is claimable by
  // `adjudicator` now or leased to it; otherwise PermissionDenied whose
  // message is the reason alone (the rule adds who may not do what).
  virtual Status Offers(std::string_view project, std::string_view record,
                        std::string_view adjudicator) const = 0;
};

class Authorizer {
 public:
  // `offers` (not owned, may be null): when set, an adjudicator reads only
  // records its queue offers (AdjudicatorOffers); when null (the CLI, the
  // command sets), any record of its project it has not annotated.
  Authorizer(const DomainState& state, std::string_view actor,
             const AdjudicatorOffers* offers = nullptr)
      : state_(state), actor_(actor), offers_(offers) {}

  std::string_view actor() const { return actor_; }

  // The actor holds the admin role globally (`project` empty) or in
  // `project` (a global admin is admin of every project). PermissionDenied.
  Status RequireAdmin(std::string_view project) const;

  // NotFound "project P not found", then RequireAdmin(project).
  Status AdminOfProject(std::string_view project) const;

  // AdminOfProject, then the record exists in that project (NotFound "record
  // R not found in project P"). Returns the record.
  StatusOr<const RecordState*> AdminOfRecord(std::string_view project,
                                             std::string_view record) const;

  // --- Read rules (docs/authorization.md) ---

  // The actor holds some role in `project` (or a global one).
  bool SeesProject(std::string_view project) const;
  // NotFound for an unknown project, then SeesProject.
  Status MayReadProject(std::string_view project) const;
  // The actor holds `role` globally or in some project.
  bool HoldsRole(fb::Role role) const;
  // The actor holds `role` in `project` (or globally).
  bool HoldsRoleIn(fb::Role role, std::string_view project) const;
  // The adjudication state of `project` (queues, policy): an admin of it or
  // an adjudicator in it; NotFound for an unknown project. What an
  // adjudicator sees of a queue is then filtered by the caller (docs/
  // authorization.md, "Adjudicators").
  Status MayReadAdjudication(std::string_view project) const;
  // The de-identification review of `project` (its queue; releasing and
  // redacting its held records): an admin of the project or one of its
  // privacy officers. NotFound for an unknown project.
  Status MayReviewDeidentification(std::string_view project) const;
  // One record's adjudication state in `project` (its items, their
  // history): an admin of the project, or an adjudicator who may read the
  // record (MayReadRecord: not annotated by it, offered by its queue).
  // NotFound for an unknown project or a record not in it.
  Status MayReadAdjudicationOf(std::string_view project,
                               std::string_view record) const;
  // Any principal with a role may read task schemas (they hold no content).
  Status MayReadSchemas() const;
  // Record content: an admin of its project; an annotator of the project
  // assigned to it; an adjudicator of the project who has not annotated it.
  // Researchers and auditors read no content (unless they also hold one of
  // those roles: that is how an auditor is granted content).
  Status MayReadRecord(std::string_view record) const;
  // One annotation: its author (still an annotator of the project); an
  // admin of its project; an adjudicator of
  // the project who has not annotated the record; an annotator assigned to
  // the record when the project is not blind.
  Status MayReadAnnotation(const AnnotationState& annotation) const;
  // The same, for an annotation id (NotFound when unknown).
  Status MayReadAnnotation(std::string_view annotation) const;
  // Listing a record's annotations: MayReadRecord; the list then holds what
  // MayReadAnnotation allows (in a blind project an annotator's own only).
  Status MayListAnnotations(std::string_view record) const;
  // `annotator`'s work list: the annotator themselves, or an admin (global,
  // or of every project the list covers: checked per entry by the caller
  // with AdminOfProject).
  Status MayReadWorklist(std::string_view annotator) const;

  // --- Read rules of the analytics, audit and ledger routes ---
  // (docs/authorization.md, "Read routes"). Unlike the rules above, a
  // record the domain does not know is readable only with a global role (so
  // the 404 that follows tells a project-bound reader nothing), and
  // PermissionDenied reads "principal A may not read WHAT (needs WHO)".

  // A record's label distribution: admin or researcher, globally or in the
  // record's project.
  Status MayReadDistribution(std::string_view record) const;
  // A project's agreement or calibration (`what`: "agreement",
  // "calibration"): admin or researcher, globally or in `project`.
  Status MayReadProjectAnalytics(std::string_view project,
                                 std::string_view what) const;
  // Access history: with `record` set, admin or auditor globally or in the
  // record's project; without, admin or auditor anywhere (the answer then
  // holds only AuditProjects()).
  Status MayReadAccessHistory(std::optional<std::string_view> record) const;
  // The ledger (head, events, checkpoint, proofs): admin or auditor,
  // globally (the ledger spans every project).
  Status MayReadLedger() const;
  // The reader of `project`'s analytics sees annotator ids: an admin,
  // globally or there. Everyone else allowed in (researchers) sees
  // pseudonyms.
  bool SeesIdentities(std::string_view project) const;
  // The projects whose access history the actor reads; nullopt for all (a
  // global admin or auditor).
  std::optional<std::set<std::string>> AuditProjects() const;

  // The actor is the annotator, or an admin of `project` acting for them.
  // PermissionDenied "actor X may not VERB for annotator A (...)".
  Status ActorMayActFor(const std::string& annotator,
                        const std::string& project,
                        std::string_view verb) const;

 private:
  const DomainState& state_;
  const PrincipalState* principal() const {
    return state_.FindPrincipal(actor_);
  }
  // PermissionDenied "principal A may not WHAT: WHY".
  Status Denied(std::string_view what, std::string_view why) const;
  // The actor holds `role` globally, or in `project` when it is not empty.
  bool Holds(fb::Role role, std::string_view project) const;
  // PermissionDenied "principal A may not read WHAT (needs NEEDS)".
  Status ReadDenied(std::string_view what, std::string_view needs) const;

  // The adjudicator branch of MayReadRecord/MayReadAnnotation for a record
  // the actor has not annotated: what its queue offers (OK without offers_).
  Status Offered(std::string_view project, std::string_view record) const;

  std::string_view actor_;
  const AdjudicatorOffers* offers_ = nullptr;
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_AUTHORIZER_H_
