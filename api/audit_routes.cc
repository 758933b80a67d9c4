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
#include "projections/analytics.h"
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
  const uint64_t head = deps.ledger->head().seq;
  if (!deps.engine->WaitForSeq(head, deps.catch_up_timeout_ms)) {
    return ErrorResponse(
        UnavailableError("the read model has not reached event " +
                         std::to_string(head) + " yet; try again"));
  }
  const std::optional<std::set<std::string>> projects =
      deps.core->Read([&](const domain::DomainState& state) {
        return domain::Authorizer(state, request.principal->id).AuditProjects();
      });
  Response out;
  deps.engine->Read([&](const p::AnalyticsState& state) {
    std::vector<const p::AccessEntry*> entries =
        q->Has("record")
            ? p::AccessHistoryForRecord(state, q->Get("record"), *from, *to)
            : p::AccessHistoryByPrincipal(state, q->Get("principal"), *from,
                                          *to);
    if (projects) {
      std::erase_if(entries, [&](const p::AccessEntry* e) {
        return !projects->count(e->project);
      });
    }
    out = internal::DocumentResponse(200, render::AccessJson(entries),
                                     JsonStyle::kIndented);
  });
  return out;
}

}  // namespace

std::vector<Route> AuditRoutes(const AuditDeps& deps) {
  return {{.method = "GET",
           .pattern = std::string(kAccessRoute),
           .blocking = [deps](const Request& r) { return Access(deps, r); }}};
}

}  // namespace consilium::api
