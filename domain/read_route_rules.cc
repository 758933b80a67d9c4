// domain::Authorizer's read rules of the analytics, audit and ledger routes
// (docs/authorization.md, "Read routes"); the rest is in authorizer.cc.
#include "domain/authorizer.h"

namespace consilium::domain {

bool Authorizer::Holds(fb::Role role, std::string_view project) const {
  const PrincipalState* p = principal();
  if (p == nullptr) return false;
  for (const RoleGrant& g : p->roles) {
    if (g.role == role && (g.project.empty() || g.project == project)) {
      return true;
    }
  }
  return false;
}

Status Authorizer::ReadDenied(std::string_view what,
                              std::string_view needs) const {
  return PermissionDeniedError("principal " + std::string(actor_) +
                               " may not read " + std::string(what) +
                               " (needs " + std::string(needs) + ")");
}

namespace {

// The project of `record`, or empty when the domain does not know it (then
// only global roles match in Holds).
std::string ProjectOf(const DomainState& state, std::string_view record) {
  const RecordState* r = state.FindRecord(record);
  return r == nullptr ? std::string() : r->project;
}

}  // namespace

Status Authorizer::MayReadDistribution(std::string_view record) const {
  const std::string project = ProjectOf(state_, record);
  if (Holds(fb::Role::Admin, project) || Holds(fb::Role::Researcher, project)) {
    return OkStatus();
  }
  return ReadDenied("the label distribution of record " + std::string(record),
                    "admin or researcher in the record's project");
}

Status Authorizer::MayReadProjectAnalytics(std::string_view project,
                                           std::string_view what) const {
  if (Holds(fb::Role::Admin, project) || Holds(fb::Role::Researcher, project)) {
    return OkStatus();
  }
  return ReadDenied(std::string(what) + " of project " + std::string(project),
                    "admin or researcher in project " + std::string(project));
}

Status Authorizer::MayReadAccessHistory(
    std::optional<std::string_view> record) const {
  if (record.has_value()) {
    const std::string project = ProjectOf(state_, *record);
    if (Holds(fb::Role::Admin, project) || Holds(fb::Role::Auditor, project)) {
      return OkStatus();
    }
    return ReadDenied("the access history of record " + std::string(*record),
                      "auditor or admin in the record's project");
  }
  if (HoldsRole(fb::Role::Admin) || HoldsRole(fb::Role::Auditor)) {
    return OkStatus();
  }
  return ReadDenied("access history", "auditor or admin");
}

Status Authorizer::MayReadLedger() const {
  if (Holds(fb::Role::Admin, "") || Holds(fb::Role::Auditor, "")) {
    return OkStatus();
  }
  return ReadDenied("the ledger", "auditor or admin, globally");
}

bool Authorizer::SeesIdentities(std::string_view project) const {
  return Holds(fb::Role::Admin, project);
}

std::optional<std::set<std::string>> Authorizer::AuditProjects() const {
  if (Holds(fb::Role::Admin, "") || Holds(fb::Role::Auditor, "")) {
    return std::nullopt;
  }
  std::set<std::string> projects;
  const PrincipalState* p = principal();
  if (p == nullptr) return projects;
  for (const RoleGrant& g : p->roles) {
    if (g.role == fb::Role::Admin || g.role == fb::Role::Auditor) {
      projects.insert(g.project);
    }
  }
  return projects;
}

}  // namespace consilium::domain
