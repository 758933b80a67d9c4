#include "api/read_rules.h"

#include <utility>

#include "api/internal/query.h"
#include "domain/domain_state.h"

namespace consilium::api {
namespace {

// The principal holds `role` globally, or in `project` when it is not empty.
bool Holds(const Principal& p, std::string_view role,
           std::string_view project) {
  if (p.HasRole(role)) return true;
  if (project.empty()) return false;
  std::string scoped(role);
  scoped += "@";
  scoped += project;
  return p.HasRole(scoped);
}

// The principal holds `role` in some project or globally.
bool HoldsAnywhere(const Principal& p, std::string_view role) {
  for (const std::string& r : p.roles) {
    if (r == role) return true;
    if (r.size() > role.size() && r.compare(0, role.size(), role) == 0 &&
        r[role.size()] == '@') {
      return true;
    }
  }
  return false;
}

Status Denied(const Principal& p, std::string what, std::string needs) {
  return PermissionDeniedError("principal " + p.id + " may not read " +
                               std::move(what) + " (needs " + std::move(needs) +
                               ")");
}

}  // namespace

bool ReadRules::IsReadRoute(std::string_view route) {
  for (std::string_view r :
       {kDistributionRoute, kAgreementRoute, kCalibrationRoute, kAccessRoute,
        kLedgerHeadRoute, kLedgerEventsRoute, kCheckpointRoute, kInclusionRoute,
        kConsistencyRoute}) {
    if (r == route) return true;
  }
  return false;
}

std::string ReadRules::ProjectOfRecord(std::string_view id) const {
  return core_->Read([&](const domain::DomainState& s) {
    const domain::RecordState* r = s.FindRecord(id);
    return r == nullptr ? std::string() : r->project;
  });
}

Status ReadRules::Authorize(const Principal& p, std::string_view route,
                            const Request& request) const {
  auto param = [&](const char* name) -> std::string {
    auto it = request.params.find(name);
    return it == request.params.end() ? std::string() : it->second;
  };
  if (route == kDistributionRoute) {
    const std::string record = param("id");
    const std::string project = ProjectOfRecord(record);
    if (Holds(p, "admin", project) || Holds(p, "researcher", project)) {
      return OkStatus();
    }
    return Denied(p, "the label distribution of record " + record,
                  "admin or researcher in the record's project");
  }
  if (route == kAgreementRoute || route == kCalibrationRoute) {
    const std::string project = param("project");
    if (Holds(p, "admin", project) || Holds(p, "researcher", project)) {
      return OkStatus();
    }
    return Denied(
        p,
        std::string(route == kAgreementRoute ? "agreement" : "calibration") +
            " of project " + project,
        "admin or researcher in project " + project);
  }
  if (route == kAccessRoute) {
    // A query the handler will refuse (400) needs no decision here beyond
    // the role; a record's history is decided by the record's project.
    StatusOr<internal::Query> q = internal::Query::Parse(
        request.query, {"record", "principal", "from", "to"});
    if (q.ok() && q->Has("record")) {
      const std::string record = q->Get("record");
      const std::string project = ProjectOfRecord(record);
      if (Holds(p, "admin", project) || Holds(p, "auditor", project)) {
        return OkStatus();
      }
      return Denied(p, "the access history of record " + record,
                    "auditor or admin in the record's project");
    }
    if (HoldsAnywhere(p, "admin") || HoldsAnywhere(p, "auditor")) {
      return OkStatus();
    }
    return Denied(p, "access history", "auditor or admin");
  }
  // The ledger routes.
  if (p.HasRole("admin") || p.HasRole("auditor")) return OkStatus();
  return Denied(p, "the ledger", "auditor or admin, globally");
}

bool ReadRules::SeesIdentities(const Principal& p, std::string_view project) {
  return Holds(p, "admin", project);
}

std::optional<std::set<std::string>> ReadRules::AuditProjects(
    const Principal& p) {
  if (p.HasRole("admin") || p.HasRole("auditor")) return std::nullopt;
  std::set<std::string> projects;
  for (const std::string& r : p.roles) {
    for (std::string_view role : {"admin@", "auditor@"}) {
      if (r.compare(0, role.size(), role) == 0) {
        projects.insert(r.substr(role.size()));
      }
    }
  }
  return projects;
}

Status ReadAuthorizer::Authorize(const Principal& principal,
                                 std::string_view route,
                                 const Request& request) const {
  if (ReadRules::IsReadRoute(route)) {
    return rules_->Authorize(principal, route, request);
  }
  return other_->Authorize(principal, route, request);
}

}  // namespace consilium::api
