// The audit read route: who accessed a record, or what a principal accessed,
// in a time range, from the ledger's indexes (projections/access_history.h,
// docs/server.md, "Read routes"). It returns the document `consilium access
// --json` prints, byte for byte (render::AccessJson written indented).
//
//   GET /v1/audit/access?record=R|principal=P&from=TIME&to=TIME
//
// Exactly one of record and principal; from (inclusive) and to (exclusive)
// are UTC times (render/time_input.h). The answer reflects the ledger as it
// stood when the request arrived (so an access the server just recorded is
// listed; no read model is waited for). A
// reader whose roles are bound to projects sees only those projects'
// accesses (domain::Authorizer::AuditProjects). Reading access history is not
// itself recorded: it holds no record content.
//
// Thread-safety: a blocking handler; the dependencies are thread-safe and
// must outlive the server.
#ifndef CONSILIUM_API_AUDIT_ROUTES_H_
#define CONSILIUM_API_AUDIT_ROUTES_H_

#include <cstdint>
#include <vector>

#include "api/router.h"
#include "domain/write_core.h"
#include "ledger/ledger.h"

namespace consilium::api {

struct AuditDeps {
  const Ledger* ledger = nullptr;  // read through its indexes
  // The write side's state: whose accesses a reader sees.
  const domain::WriteCore* core = nullptr;
};

std::vector<Route> AuditRoutes(const AuditDeps& deps);

}  // namespace consilium::api

#endif  // CONSILIUM_API_AUDIT_ROUTES_H_
