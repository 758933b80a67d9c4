#include "domain/authorizer.h"

namespace consilium::domain {

Status Authorizer::RequireAdmin(std::string_view project) const {
  if (!state_.HasAdmin()) return OkStatus();  // bootstrap
  const PrincipalState* p = state_.FindPrincipal(actor_);
  if (p != nullptr && p->HasRole(fb::Role::Admin, project)) return OkStatus();
  std::string where =
      project.empty() ? std::string() : " in project " + std::string(project);
  return PermissionDeniedError("actor " + std::string(actor_) +
                               " lacks the admin role" + where);
}

Status Authorizer::AdminOfProject(std::string_view project) const {
  if (state_.FindProject(project) == nullptr)
    return NotFoundError("project " + std::string(project) + " not found");
  return RequireAdmin(project);
}

StatusOr<const RecordState*> Authorizer::AdminOfRecord(
    std::string_view project, std::string_view record) const {
  RETURN_IF_ERROR(AdminOfProject(project));
  const RecordState* rec = state_.FindRecord(record);
  if (rec == nullptr || rec->project != project) {
    return NotFoundError("record " + std::string(record) +
                         " not found in project " + std::string(project));
  }
  return rec;
}

Status Authorizer::ActorMayActFor(const std::string& annotator,
                                  const std::string& project,
                                  std::string_view verb) const {
  if (actor_ == annotator) return OkStatus();
  if (!state_.HasAdmin()) return OkStatus();  // bootstrap
  const PrincipalState* a = state_.FindPrincipal(actor_);
  if (a != nullptr && a->HasRole(fb::Role::Admin, project)) return OkStatus();
  return PermissionDeniedError("actor " + std::string(actor_) + " may not " +
                               std::string(verb) + " for annotator " +
                               annotator +
                               " (only the annotator or an admin of "
                               "project " +
                               project + ")");
}

}  // namespace consilium::domain
