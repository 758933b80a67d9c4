// The report route: a project's agreement and calibration report, the page
// `consilium report --out` writes or (format=json) the document `consilium
// report --json` prints, byte for byte for the same ledger position, seed
// and replicates (docs/report.md, "Serving it"). A reader who is not an
// admin of the project gets annotators by pseudonym, as `consilium report
// --pseudonyms` (projections::PseudonymizeReport).
//
//   GET /v1/projects/{project}/report?format=html|json&seed=&replicates=&as_of=
//
// Who may: admins and researchers of the project (domain::Authorizer::
// MayReadProjectAnalytics, the rule of agreement and calibration;
// docs/authorization.md). The report is made of annotations, so each one
// served records an access event (resource project, action read_report)
// that is durable before the response leaves; a request refused for its
// parameters or an unknown project appends nothing.
//
// Thread-safety: the handler is blocking (the bootstrap takes seconds on a
// large project); it copies the live state under the engine's lock and
// computes outside it, so live reads and the engine's catch-up never wait
// for a report.
//
//   RETURN_IF_ERROR(AddReportRoutes(table, app.context()));
#ifndef CONSILIUM_API_REPORT_ROUTES_H_
#define CONSILIUM_API_REPORT_ROUTES_H_

#include <string_view>

#include "api/app.h"

namespace consilium::api {

inline constexpr std::string_view kReportRoute =
    "/v1/projects/{project}/report";

// Adds the report route with its rule to `table`. RouteTable::Add's errors.
Status AddReportRoutes(RouteTable& table, const AppContext& ctx);

}  // namespace consilium::api

#endif  // CONSILIUM_API_REPORT_ROUTES_H_
