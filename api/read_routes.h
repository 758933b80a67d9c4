// The read routes as one App route group (api/app.h): analytics
// (api/analytics_routes.h: distribution, agreement, calibration), audit
// (api/audit_routes.h: access history) and ledger (api/ledger_routes.h:
// head, events, checkpoint, proofs), each added to the App's RouteTable with
// its rule, a check against domain::Authorizer's read rules
// (docs/authorization.md, "Read routes"). The domain metrics
// (api/domain_metrics.h: append latency) are registered in `metrics`, the
// registry the server serves at /metrics.
//
// Thread-safety: call before the server starts.
//
//   RETURN_IF_ERROR(AddReadRoutes(table, app.context(), metrics.get()));
#ifndef CONSILIUM_API_READ_ROUTES_H_
#define CONSILIUM_API_READ_ROUTES_H_

#include <string_view>

#include "api/app.h"
#include "api/metrics.h"

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
inline constexpr std::string_view kVerifierKeyRoute = "/v1/ledger/verifier-key";
inline constexpr std::string_view kInclusionRoute =
    "/v1/ledger/proofs/inclusion";
inline constexpr std::string_view kConsistencyRoute =
    "/v1/ledger/proofs/consistency";

// The rule of a read route (`pattern`, one of the above): domain::
// Authorizer's read rule for it. Empty for any other pattern.
Rule ReadRouteRule(std::string_view pattern);

// Adds the read routes with their rules to `table`. `metrics` (not owned)
// receives the domain metrics. Errors: LedgerRoutes' (the checkpoint key),
// RouteTable::Add's.
Status AddReadRoutes(RouteTable& table, const AppContext& ctx,
                     MetricsRegistry* metrics);

}  // namespace consilium::api

#endif  // CONSILIUM_API_READ_ROUTES_H_
