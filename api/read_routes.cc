#include "api/read_routes.h"

#include <memory>
#include <utility>
#include <vector>

#include "api/analytics_routes.h"
#include "api/audit_routes.h"
#include "api/domain_metrics.h"
#include "api/ledger_routes.h"
#include "api/read_rules.h"

namespace consilium::api {

Status AddReadRoutes(const ReadRoutesDeps& deps, Router* router,
                     ServerDeps* server_deps) {
  if (server_deps->metrics == nullptr) {
    server_deps->metrics = std::make_shared<MetricsRegistry>();
  }
  ASSIGN_OR_RETURN(std::vector<Route> routes, LedgerRoutes(deps.ledger));
  for (Route& r :
       AnalyticsRoutes({.engine = deps.engine,
       .ledger = deps.ledger,
       .access = deps.handler,
       .metrics = RegisterDomainMetrics(server_deps->metrics.get())})) {
    routes.push_back(std::move(r));
  }
  for (Route& r : AuditRoutes({.engine = deps.engine, .ledger = deps.ledger})) {
    routes.push_back(std::move(r));
  }
  for (Route& r : routes) RETURN_IF_ERROR(router->Add(std::move(r)));
  std::shared_ptr<const Authorizer> other = server_deps->authorizer;
  if (other == nullptr) other = std::make_shared<AllowAllAuthorizer>();
  server_deps->authorizer = std::make_shared<ReadAuthorizer>(
      std::make_shared<ReadRules>(&deps.handler->core()), std::move(other));
  return OkStatus();
}

}  // namespace consilium::api
