#include "api/audit_routes.h"

#include <algorithm>
#include <climits>
#include <optional>
#include <set>
#include <string>

#include "api/internal/query.h"
#include "api/internal/read_support.h"
#include "api/read_routes.h"
#include "domain/authorizer.h"
#include "projections/access_history.h"
#include "render/analytics_json.h"
#include "render/time_input.h"

namespace consilium::api {
namespace {

namespace p = ::consilium::projections;
using internal::Query;

// A time query parameter, or `fallback` when absent.
StatusOr<int64_t> TimeParam(const Query& q, const char* name,
                            int64_t fallback) {
  if (!q.Has(name)) return fallback;
  StatusOr<int64_t> t = render::ParseUtcTime(q.Get(name));
  if (!t.ok()) {
    return t.status().WithContext(std::string("query parameter ") + name);
  }
  return t;
}

Response Access(const AuditDeps& deps, const Request& request) {
  StatusOr<Query> q =
      Query::Parse(request.query, {"record", "principal", "from", "to"});
  if (!q.ok()) return ErrorResponse(q.status());
  if (q->Has("record") == q->Has("principal")) {
    return ErrorResponse(InvalidArgumentError(
        "give exactly one of the query parameters record and principal"));
  }
  StatusOr<int64_t> from = TimeParam(*q, "from", 0);
  if (!from.ok()) return ErrorResponse(from.status());
  StatusOr<int64_t> to = TimeParam(*q, "to", INT64_MAX);
  if (!to.ok()) return ErrorResponse(to.status());
  const std::optional<std::set<std::string>> projects =
      deps.core->Read([&](const domain::DomainState& state) {
        return domain::Authorizer(state, request.principal->id).AuditProjects();
      });
  // From the ledger's indexes, up to the head as this read starts
  // (projections/access_history.h).
  const p::AccessWindow window{
      .from_us = *from, .to_us = *to, .to_seq = deps.ledger->head().seq};
  StatusOr<std::vector<p::AccessEntry>> read =
      q->Has("record")
          ? p::AccessHistoryForRecord(*deps.ledger, q->Get("record"), window)
          : p::AccessHistoryByPrincipal(*deps.ledger, q->Get("principal"),
                                        window);
  if (!read.ok()) return ErrorResponse(read.status());
  std::vector<const p::AccessEntry*> entries = p::Pointers(*read);
  if (projects) {
    std::erase_if(entries, [&](const p::AccessEntry* e) {
      return !projects->count(e->project);
    });
  }
  return internal::DocumentResponse(200, render::AccessJson(entries),
                                    JsonStyle::kIndented);
}

}  // namespace

std::vector<Route> AuditRoutes(const AuditDeps& deps) {
  return {{.method = "GET",
           .pattern = std::string(kAccessRoute),
           .blocking = [deps](const Request& r) { return Access(deps, r); }}};
}

}  // namespace consilium::api
