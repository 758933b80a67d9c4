// Authorizer: who may do what, asked of one DomainState for one actor. The
// permission rules of docs/commands.md ("Permissions") in one place, with
// their messages: the command sets call these instead of repeating the
// openings (project exists, actor is its admin, record is in the project).
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

  // The actor is the annotator, or an admin of `project` acting for them.
  // PermissionDenied "actor X may not VERB for annotator A (...)".
  Status ActorMayActFor(const std::string& annotator,
                        const std::string& project,
                        std::string_view verb) const;

 private:
  const DomainState& state_;
  std::string_view actor_;
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_AUTHORIZER_H_
