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

Status Authorizer::MayReviewDeidentification(std::string_view project) const {
  if (state_.FindProject(project) == nullptr)
    return NotFoundError("project " + std::string(project) + " not found");
  if (RequireAdmin(project).ok() ||
      HoldsRoleIn(fb::Role::PrivacyOfficer, project)) {
    return OkStatus();
  }
  return PermissionDeniedError(
      "principal " + std::string(actor_) +
      " may not review the de-identification of project " +
      std::string(project) + ": only its admins and privacy officers");
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

Status Authorizer::Denied(std::string_view what, std::string_view why) const {
  return PermissionDeniedError("principal " + std::string(actor_) +
                               " may not " + std::string(what) + ": " +
                               std::string(why));
}

bool Authorizer::SeesProject(std::string_view project) const {
  const PrincipalState* p = principal();
  if (p == nullptr) return false;
  for (const RoleGrant& g : p->roles) {
    if (g.project.empty() || g.project == project) return true;
  }
  return false;
}

Status Authorizer::MayReadProject(std::string_view project) const {
  if (state_.FindProject(project) == nullptr)
    return NotFoundError("project " + std::string(project) + " not found");
  if (SeesProject(project)) return OkStatus();
  return Denied("read project " + std::string(project),
                "it holds no role in the project");
}

bool Authorizer::HoldsRole(fb::Role role) const {
  const PrincipalState* p = principal();
  if (p == nullptr) return false;
  for (const RoleGrant& g : p->roles) {
    if (g.role == role) return true;
  }
  return false;
}

bool Authorizer::HoldsRoleIn(fb::Role role, std::string_view project) const {
  const PrincipalState* p = principal();
  return p != nullptr && p->HasRole(role, project);
}

Status Authorizer::MayReadAdjudication(std::string_view project) const {
  if (state_.FindProject(project) == nullptr)
    return NotFoundError("project " + std::string(project) + " not found");
  if (HoldsRoleIn(fb::Role::Admin, project) ||
      HoldsRoleIn(fb::Role::Adjudicator, project)) {
    return OkStatus();
  }
  return Denied(
      "read the adjudication state of project " + std::string(project),
      "only its admins and adjudicators");
}

Status Authorizer::MayReadAdjudicationOf(std::string_view project,
                                         std::string_view record) const {
  RETURN_IF_ERROR(MayReadAdjudication(project));
  const RecordState* r = state_.FindRecord(record);
  if (r == nullptr || r->project != project) {
    return NotFoundError("record " + std::string(record) +
                         " not found in project " + std::string(project));
  }
  if (HoldsRoleIn(fb::Role::Admin, project)) return OkStatus();
  const std::string what =
      "read the adjudication of record " + std::string(record);
  if (state_.HasAnnotated(record, actor_))
    return Denied(what, "an adjudicator never sees a record it annotated");
  if (Status offered = Offered(project, record); !offered.ok())
    return Denied(what, offered.message());
  return OkStatus();
}

Status Authorizer::Offered(std::string_view project,
                           std::string_view record) const {
  if (offers_ == nullptr) return OkStatus();
  return offers_->Offers(project, record, actor_);
}

Status Authorizer::MayReadSchemas() const {
  const PrincipalState* p = principal();
  if (p != nullptr && !p->roles.empty()) return OkStatus();
  return Denied("read task schemas", "it holds no role");
}

Status Authorizer::MayReadRecord(std::string_view record) const {
  const RecordState* r = state_.FindRecord(record);
  if (r == nullptr)
    return NotFoundError("record " + std::string(record) + " not found");
  const PrincipalState* p = principal();
  const std::string what = "read record " + std::string(record);
  if (p == nullptr) return Denied(what, "it is not a registered principal");
  if (p->HasRole(fb::Role::Admin, r->project)) return OkStatus();
  if (p->HasRole(fb::Role::PrivacyOfficer, r->project)) return OkStatus();
  if (r->quarantined()) {
    return Denied(what,
                  "the de-identification gate holds it until a reviewer "
                  "releases or redacts it");
  }
  if (p->HasRole(fb::Role::Annotator, r->project) &&
      state_.IsAssigned(record, actor_)) {
    return OkStatus();
  }
  if (p->HasRole(fb::Role::Adjudicator, r->project)) {
    if (state_.HasAnnotated(record, actor_))
      return Denied(what, "an adjudicator never sees a record it annotated");
    if (Status offered = Offered(r->project, record); !offered.ok())
      return Denied(what, offered.message());
    return OkStatus();
  }
  if (p->HasRole(fb::Role::Annotator, r->project))
    return Denied(what, "the record is not assigned to it");
  if (p->HasRole(fb::Role::Researcher, r->project))
    return Denied(what, "researchers read aggregates, not record content");
  if (p->HasRole(fb::Role::Auditor, r->project))
    return Denied(what,
                  "auditors read the ledger and access history, not "
                  "record content");
  return Denied(what, "it holds no role in project " + r->project);
}

Status Authorizer::MayReadAnnotation(const AnnotationState& a) const {
  const PrincipalState* p = principal();
  const std::string what = "read annotation " + a.id;
  if (p == nullptr) return Denied(what, "it is not a registered principal");
  if (p->HasRole(fb::Role::Admin, a.project)) return OkStatus();
  // Its author, while still an annotator of the project: a revoked role
  // takes its reads away too.
  if (a.annotator == actor_ && p->HasRole(fb::Role::Annotator, a.project))
    return OkStatus();
  if (p->HasRole(fb::Role::Adjudicator, a.project)) {
    if (state_.HasAnnotated(a.record, actor_))
      return Denied(what, "an adjudicator never sees a record it annotated");
    Status offered = Offered(a.project, a.record);
    if (offered.ok()) return OkStatus();
    // An adjudicator who is also an annotator assigned to the record falls
    // through to the annotator's rule below.
    if (!(p->HasRole(fb::Role::Annotator, a.project) &&
          state_.IsAssigned(a.record, actor_))) {
      return Denied(what, offered.message());
    }
  }
  if (p->HasRole(fb::Role::Annotator, a.project) &&
      state_.IsAssigned(a.record, actor_)) {
    const ProjectState* project = state_.FindProject(a.project);
    if (project == nullptr || !project->blind_mode) return OkStatus();
    return Denied(what, "project " + a.project +
                            " is blind: annotators see only their own work");
  }
  if (p->HasRole(fb::Role::Annotator, a.project))
    return Denied(what, "record " + a.record + " is not assigned to it");
  if (p->HasRole(fb::Role::Researcher, a.project))
    return Denied(what,
                  "researchers read aggregates with pseudonyms, not "
                  "individual annotations");
  if (p->HasRole(fb::Role::Auditor, a.project))
    return Denied(what,
                  "auditors read the ledger and access history, not "
                  "annotation content");
  return Denied(what, "it holds no role in project " + a.project);
}

Status Authorizer::MayReadAnnotation(std::string_view annotation) const {
  const AnnotationState* a = state_.FindAnnotation(annotation);
  if (a == nullptr) {
    return NotFoundError("annotation " + std::string(annotation) +
                         " not found");
  }
  return MayReadAnnotation(*a);
}

Status Authorizer::MayListAnnotations(std::string_view record) const {
  return MayReadRecord(record);
}

Status Authorizer::MayReadWorklist(std::string_view annotator) const {
  if (state_.FindPrincipal(annotator) == nullptr)
    return NotFoundError("principal " + std::string(annotator) + " not found");
  if (annotator == actor_) return OkStatus();
  if (HoldsRole(fb::Role::Admin)) return OkStatus();
  return Denied("read the work list of " + std::string(annotator),
                "only the annotator or an admin");
}

}  // namespace consilium::domain
