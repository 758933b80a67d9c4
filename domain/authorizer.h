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

class Authorizer {
 public:
  Authorizer(const DomainState& state, std::string_view actor)
      : state_(state), actor_(actor) {}

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

  std::string_view actor_;
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_AUTHORIZER_H_
