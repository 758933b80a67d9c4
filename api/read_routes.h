// The read routes in one call, for the application that serves them
// (`consilium serve`): analytics (api/analytics_routes.h), audit
// (api/audit_routes.h) and ledger (api/ledger_routes.h) routes added to a
// Router, their authorization (api/read_rules.h) put in front of the
// server's Authorizer, and the domain metrics (api/domain_metrics.h)
// registered in the server's registry.
//
// Thread-safety: call before the server starts.
//
//   RETURN_IF_ERROR(AddReadRoutes({.ledger = ..., .engine = ..., ...},
//                                 &router, &server_deps));
#ifndef CONSILIUM_API_READ_ROUTES_H_
#define CONSILIUM_API_READ_ROUTES_H_

#include "api/router.h"
#include "api/server.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "projections/engine.h"

namespace consilium::api {

struct ReadRoutesDeps {
  Ledger* ledger = nullptr;
  // Live (StartLive) over `ledger`.
  const projections::ProjectionEngine* engine = nullptr;
  // The write side: access events, and the domain state the rules read.
  domain::CommandHandler* handler = nullptr;
};

// Adds the routes to `router`; sets server_deps->authorizer to a
// ReadAuthorizer in front of the one it held (AllowAllAuthorizer when
// none) and server_deps->metrics to a new registry when it has none.
// Errors: LedgerRoutes' (the checkpoint key), Router::Add's.
Status AddReadRoutes(const ReadRoutesDeps& deps, Router* router,
                     ServerDeps* server_deps);

}  // namespace consilium::api

#endif  // CONSILIUM_API_READ_ROUTES_H_
