#include "api/read_routes.h"

#include <optional>
#include <utility>
#include <vector>

#include "api/analytics_routes.h"
#include "api/audit_routes.h"
#include "api/domain_metrics.h"
#include "api/internal/query.h"
#include "api/ledger_routes.h"

namespace consilium::api {

Rule ReadRouteRule(std::string_view pattern) {
  if (pattern == kDistributionRoute) {
    return [](const domain::Authorizer& auth, const Request& request) {
      return auth.MayReadDistribution(request.params.at("id"));
    };
  }
  if (pattern == kAgreementRoute || pattern == kCalibrationRoute) {
    const std::string_view what =
        pattern == kAgreementRoute ? "agreement" : "calibration";
    return [what](const domain::Authorizer& auth, const Request& request) {
      return auth.MayReadProjectAnalytics(request.params.at("project"), what);
    };
  }
  if (pattern == kAccessRoute) {
    return [](const domain::Authorizer& auth, const Request& request) {
      // A query the handler refuses (400) needs no decision beyond the
      // role; a record's history is decided by the record's project.
      StatusOr<internal::Query> q = internal::Query::Parse(
          request.query, {"record", "principal", "from", "to"});
      if (q.ok() && q->Has("record")) {
        const std::string record = q->Get("record");
        return auth.MayReadAccessHistory(record);
      }
      return auth.MayReadAccessHistory(std::nullopt);
    };
  }
  for (std::string_view ledger :
       {kLedgerHeadRoute, kLedgerEventsRoute, kCheckpointRoute,
        kVerifierKeyRoute, kInclusionRoute, kConsistencyRoute}) {
    if (pattern == ledger) {
      return [](const domain::Authorizer& auth, const Request&) {
        return auth.MayReadLedger();
      };
    }
  }
  return {};
}

Status AddReadRoutes(RouteTable& table, const AppContext& ctx,
                     MetricsRegistry* metrics) {
  const domain::WriteCore* core = &ctx.handler->core();
  ASSIGN_OR_RETURN(std::vector<Route> routes, LedgerRoutes(ctx.ledger));
  for (Route& r : AnalyticsRoutes({.engine = ctx.engine,
                  .ledger = ctx.ledger,
                  .access = ctx.handler,
                  .core = core,
                  .metrics = RegisterDomainMetrics(metrics)})) {
    routes.push_back(std::move(r));
  }
  for (Route& r : AuditRoutes({.ledger = ctx.ledger, .core = core})) {
    routes.push_back(std::move(r));
  }
  for (Route& r : routes) {
    Rule rule = ReadRouteRule(r.pattern);
    RETURN_IF_ERROR(table.Add(std::move(r), std::move(rule)));
  }
  return OkStatus();
}

}  // namespace consilium::api
