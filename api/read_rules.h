// Who may use the read routes (distribution, agreement, calibration, audit,
// ledger) and what each reader is shown: the one place these rules are
// decided, as an api::Authorizer, so a refusal goes through the server's
// denial hook like every other (docs/server.md, "Read routes: who may read
// what", lists the rules).
//
// MERGE (issue 16, part A): the record- and role-level read rules of the
// whole server live in one authorizer there; ReadRules::Authorize and
// SeesIdentities are meant to move into it unchanged, and ReadAuthorizer
// then goes away.
//
// Roles are the principal's, as the Authenticator found them for this very
// request ("admin" global, "researcher@p1" in project p1), so a revoked role
// bites at once; a record's project is looked up in the write side's domain
// state (in memory, under its lock: cheap enough for the I/O threads).
//
// Thread-safety: const methods, safe from any thread; `core` must outlive
// the rules.
//
//   ReadRules rules(&handler->core());
//   Status s = rules.Authorize(principal, "/v1/ledger/head", request);
#ifndef CONSILIUM_API_READ_RULES_H_
#define CONSILIUM_API_READ_RULES_H_

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "api/auth.h"
#include "api/http.h"
#include "domain/write_core.h"

namespace consilium::api {

// The patterns of the read routes.
inline constexpr std::string_view kDistributionRoute =
    "/v1/records/{id}/distribution";
inline constexpr std::string_view kAgreementRoute =
    "/v1/projects/{project}/agreement";
inline constexpr std::string_view kCalibrationRoute =
    "/v1/projects/{project}/calibration";
inline constexpr std::string_view kAccessRoute = "/v1/audit/access";
inline constexpr std::string_view kLedgerHeadRoute = "/v1/ledger/head";
inline constexpr std::string_view kLedgerEventsRoute = "/v1/ledger/events";
inline constexpr std::string_view kCheckpointRoute = "/v1/ledger/checkpoint";
inline constexpr std::string_view kInclusionRoute =
    "/v1/ledger/proofs/inclusion";
inline constexpr std::string_view kConsistencyRoute =
    "/v1/ledger/proofs/consistency";

class ReadRules {
 public:
  explicit ReadRules(const domain::WriteCore* core) : core_(core) {}

  // True when `route` is one of the patterns above.
  static bool IsReadRoute(std::string_view route);

  // OK, or PermissionDenied saying what the principal lacks, for a read
  // route (precondition: IsReadRoute(route)):
  //   distribution            admin or researcher, globally or in the
  //                           record's project;
  //   agreement, calibration  admin or researcher, globally or in {project};
  //   audit/access            admin or auditor, globally or (for ?record=)
  //                           in the record's project; ?principal= needs the
  //                           role anywhere, and is answered only with the
  //                           accesses of the reader's projects;
  //   ledger/*                admin or auditor, globally (the ledger spans
  //                           every project).
  // A record the domain does not know is readable only by a global role (so
  // the answer, 404, tells a project-bound reader nothing).
  Status Authorize(const Principal& principal, std::string_view route,
                   const Request& request) const;

  // True when the reader of `project`'s analytics sees annotator ids: an
  // admin, globally or there. Everyone else allowed in (researchers) sees
  // pseudonyms.
  static bool SeesIdentities(const Principal& principal,
                             std::string_view project);

  // The projects whose access history the principal reads; nullopt for all
  // (a global admin or auditor).
  static std::optional<std::set<std::string>> AuditProjects(
      const Principal& principal);

 private:
  // The project of record `id`, or empty when the domain does not know it.
  std::string ProjectOfRecord(std::string_view id) const;

  const domain::WriteCore* core_;
};

// An api::Authorizer: ReadRules for the read routes, `other` for the rest.
class ReadAuthorizer final : public Authorizer {
 public:
  ReadAuthorizer(std::shared_ptr<const ReadRules> rules,
                 std::shared_ptr<const Authorizer> other)
      : rules_(std::move(rules)), other_(std::move(other)) {}
  Status Authorize(const Principal& principal, std::string_view route,
                   const Request& request) const override;

 private:
  std::shared_ptr<const ReadRules> rules_;
  std::shared_ptr<const Authorizer> other_;
};

}  // namespace consilium::api

#endif  // CONSILIUM_API_READ_RULES_H_
