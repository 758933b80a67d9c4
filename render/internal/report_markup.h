// Markup helpers of the HTML report (render/report_html.h): escaping, number
// forms, the colour scale, and the SVG charts (render/report_charts.cc).
// Private to render/.
#ifndef CONSILIUM_RENDER_INTERNAL_REPORT_MARKUP_H_
#define CONSILIUM_RENDER_INTERNAL_REPORT_MARKUP_H_

#include <optional>
#include <string>
#include <string_view>

#include "projections/report_figures.h"

namespace consilium::render::internal {

// Text and attribute values: & < > " ' escaped.
std::string Esc(std::string_view s);

// Shortest round-trip decimal (as the JSON documents write it), for data-
// attributes; "null" when absent or not finite.
std::string Exact(const std::optional<double>& v);

// For reading: fixed `digits` decimals ("-0.000" written "0.000"); "n/a"
// when absent.
std::string Shown(const std::optional<double>& v, int digits = 3);

// The kappa colour scale: diverging from -1 (red) through 0 (light grey) to
// 1 (blue), "#rrggbb"; and the text colour readable on it.
std::string KappaColour(double k);
std::string TextOn(double k);

// The charts. Each is an <svg role="img"> with a <title> and <desc>; the
// table after it holds the same numbers.
std::string AgreementChart(const projections::AgreementGroup& g,
                           double threshold, std::string_view id);
std::string LayerChart(const projections::ReportFigures& f);
std::string KappaHeatmap(const projections::KappaMatrix& m,
                         std::string_view id);
std::string KappaLegend();
std::string ReliabilityDiagram(const projections::AnnotatorCalibration& a,
                               std::string_view id);
std::string EntropyChart(const projections::EntropyHistogram& h);

}  // namespace consilium::render::internal

#endif  // CONSILIUM_RENDER_INTERNAL_REPORT_MARKUP_H_
