#include "api/report_routes.h"

#include <optional>
#include <string>
#include <utility>

#include "adjudication/report_as_of.h"
#include "api/internal/query.h"
#include "api/internal/read_support.h"
#include "domain/authorizer.h"
#include "render/report_html.h"
#include "render/time_input.h"

namespace consilium::api {
namespace {

namespace p = ::consilium::projections;
using internal::Query;

// The limits of `consilium report` (docs/report.md).
constexpr uint64_t kMaxReplicates = 100000;

struct ReportQuery {
  bool json = false;
  p::ReportOptions options;
  std::string as_of;
};

StatusOr<ReportQuery> ParseReportQuery(const Request& request) {
  ASSIGN_OR_RETURN(
      Query q,
      Query::Parse(request.query, {"format", "seed", "replicates", "as_of"}));
  ReportQuery out;
  const std::string format = q.Get("format", "html");
  if (format != "html" && format != "json") {
    return InvalidArgumentError(
        "query parameter format: expects html or json, got \"" + format + "\"");
  }
  out.json = format == "json";
  ASSIGN_OR_RETURN(out.options.seed, q.Uint("seed", 1));
  ASSIGN_OR_RETURN(uint64_t replicates, q.Uint("replicates", 1000));
  if (replicates < 1 || replicates > kMaxReplicates) {
    return InvalidArgumentError(
        "query parameter replicates: must be between 1 and " +
        std::to_string(kMaxReplicates) + ", got " + std::to_string(replicates));
  }
  out.options.replicates = static_cast<int32_t>(replicates);
  out.as_of = q.Get("as_of");
  return out;
}

// The analytics state the report is computed on: a copy of the live one
// (taken under the engine's lock, so the bootstrap runs outside it), or one
// built over the prefix `as_of` names.
StatusOr<p::AnalyticsState> StateFor(const AppContext& ctx,
                                     const std::string& as_of) {
  if (as_of.empty()) {
    std::optional<p::AnalyticsState> copy;
    ctx.engine->Read([&](const p::AnalyticsState& state) { copy = state; });
    return std::move(*copy);
  }
  ASSIGN_OR_RETURN(uint64_t seq,
                   render::ResolveAsOf(*ctx.ledger, as_of, "as_of"));
  return p::BuildStateAsOf(*ctx.ledger, seq);
}

Response Report(const AppContext& ctx, const Request& request) {
  StatusOr<ReportQuery> query = ParseReportQuery(request);
  if (!query.ok()) return ErrorResponse(query.status());
  const std::string& project = request.params.at("project");
  const Principal& reader = *request.principal;
  StatusOr<p::AnalyticsState> state = StateFor(ctx, query->as_of);
  if (!state.ok()) return ErrorResponse(state.status());
  if (!state->HasProject(project)) {
    return ErrorResponse(NotFoundError("project " + project +
                                       " does not exist as of event " +
                                       std::to_string(state->last_seq())));
  }
  const bool identities = ctx.handler->Read([&](const domain::DomainState& s) {
    return domain::Authorizer(s, reader.id).SeesIdentities(project);
  });
  StatusOr<p::ReportFigures> figures = adjudication::ReportFiguresAsOf(
      *ctx.ledger, *state, project, query->options, !identities);
  if (!figures.ok()) return ErrorResponse(figures.status());
  Response out;
  if (query->json) {
    out = internal::DocumentResponse(200, render::ReportJson(*figures),
                                     JsonStyle::kIndented);
  } else {
    out.content_type = "text/html; charset=utf-8";
    out.body = render::ReportHtml(*figures);
    // The page's own meta policy, said again by the server: a browser
    // fetches nothing for it and runs no script (docs/report.md).
    out.headers.emplace_back("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'");
    out.headers.emplace_back("X-Content-Type-Options", "nosniff");
  }
  // Invariant 3: the read is durable before the report leaves.
  if (Status s =
          ctx.RecordRead(reader.id, "project", project, "read_report", request);
      !s.ok()) {
    return ErrorResponse(s);
  }
  return out;
}

}  // namespace

Status AddReportRoutes(RouteTable& table, const AppContext& ctx) {
  Route route{.method = "GET",
              .pattern = std::string(kReportRoute),
              .blocking = [ctx](const Request& r) { return Report(ctx, r); }};
  return table.Add(std::move(route),
                   [](const domain::Authorizer& auth, const Request& request) {
                     return auth.MayReadProjectAnalytics(
                         request.params.at("project"), "the report");
                   });
}

}  // namespace consilium::api
