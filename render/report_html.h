// The project report (`consilium report`, docs/report.md): one
// self-contained HTML page (inline CSS and SVG, no script, nothing fetched)
// and the JSON document of the figures it shows, both from the figures of
// projections/report_figures.h. Pure string out, so a route
// (`/v1/projects/P/report`) can return the same bytes as the CLI writes.
//
// Deterministic: the same figures give the same bytes (no generation time).
// Every number the page shows is also in a data- attribute of its table
// cell or row in shortest round-trip form (as in the JSON documents), so a
// reader of the DOM gets exactly the JSON's numbers.
//
// Thread-safety: pure functions of their arguments.
//
//   auto f = projections::ComputeReportFigures(state, "p1", {.seed = 7});
//   if (f.ok()) html = render::ReportHtml(*f);
#ifndef CONSILIUM_RENDER_REPORT_HTML_H_
#define CONSILIUM_RENDER_REPORT_HTML_H_

#include <boost/json/object.hpp>
#include <string>

#include "projections/report_figures.h"

namespace consilium::render {

// The page: agreement per field, schema version and batch with intervals,
// the kappa heatmap, reliability diagrams, the entropy histogram, layers and
// queue status; each chart followed by the table of its numbers.
std::string ReportHtml(const projections::ReportFigures& f);

// `consilium report --json`: the same figures (docs/report.md, "JSON").
boost::json::object ReportJson(const projections::ReportFigures& f);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_REPORT_HTML_H_
