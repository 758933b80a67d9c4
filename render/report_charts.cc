// The report's helpers and SVG charts (render/internal/report_markup.h).
// Charts are drawn in user units with a viewBox, so they scale with the page;
// colours come with a second cue (marker shape, position, a legend with
// numbers) so the figures read without colour too.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "common/canonical_json.h"
#include "render/internal/report_markup.h"
#include "schemas/task_schema.h"

namespace consilium::render::internal {
namespace {

namespace p = ::consilium::projections;

constexpr const char* kDescriptiveColour = "#1b7837";
constexpr const char* kInterpretiveColour = "#762a83";

std::string F(double v) {  // a coordinate
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Label(const p::FieldAgreement& f) {
  return f.path + " (" + f.schema_id + "@" + std::to_string(f.schema_version) +
         ")";
}

std::string SvgOpen(double w, double h, std::string_view id,
                    const std::string& title, const std::string& desc) {
  const std::string i(id);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + F(w) +
         " " + F(h) + "\" width=\"" + F(w) +
         "\" role=\"img\" aria-labelledby=\"" + i + "-t " + i +
         "-d\"><title id=\"" + i + "-t\">" + Esc(title) +
         "</title><desc id=\"" + i + "-d\">" + Esc(desc) + "</desc>";
}

// The x axis of the agreement chart: from the lowest value or interval end
// (rounded down to a tenth, at most 0) to 1.
double AxisMin(const p::AgreementGroup& g) {
  double lo = 0;
  for (size_t i = 0; i < g.fields.size(); ++i) {
    if (g.fields[i].primary.value)
      lo = std::min(lo, *g.fields[i].primary.value);
    if (g.cis[i].lower) lo = std::min(lo, *g.cis[i].lower);
  }
  return std::max(-1.0, std::floor(lo * 10) / 10);
}

std::string Marker(const p::FieldAgreement& f, double x, double y) {
  if (f.layer == schemas::Layer::kDescriptive) {
    return "<rect x=\"" + F(x - 4) + "\" y=\"" + F(y - 4) +
           "\" width=\"8\" height=\"8\" fill=\"" + kDescriptiveColour + "\"/>";
  }
  return "<circle cx=\"" + F(x) + "\" cy=\"" + F(y) + "\" r=\"4.5\" fill=\"" +
         kInterpretiveColour + "\"/>";
}

std::string AxisTicks(double x0, double width, double lo, double y0,
                      double y1) {
  std::string s;
  const auto X = [&](double v) { return x0 + (v - lo) / (1 - lo) * width; };
  for (int t = static_cast<int>(std::lround(lo * 10)); t <= 10; t += 1) {
    if (t % 2 != 0 && (1 - lo) > 1.01) continue;
    const double v = t / 10.0;
    s += "<line x1=\"" + F(X(v)) + "\" x2=\"" + F(X(v)) + "\" y1=\"" + F(y0) +
         "\" y2=\"" + F(y1) + "\" class=\"grid\"/><text x=\"" + F(X(v)) +
         "\" y=\"" + F(y1 + 14) + "\" text-anchor=\"middle\">" + Shown(v, 1) +
         "</text>";
  }
  return s;
}

}  // namespace

std::string Esc(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Exact(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return "null";
  std::string out;
  AppendJsonNumber(out, *v);
  return out;
}

std::string Shown(const std::optional<double>& v, int digits) {
  if (!v || !std::isfinite(*v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, *v);
  std::string s = buf;
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos)
    s.erase(0, 1);
  return s;
}

std::string KappaColour(double k) {
  k = std::clamp(k, -1.0, 1.0);
  const int lo[3] = {0xb2, 0x18, 0x2b}, mid[3] = {0xf2, 0xf2, 0xf2},
            hi[3] = {0x21, 0x66, 0xac};
  const int* end = k < 0 ? lo : hi;
  const double t = std::fabs(k);
  char buf[8];
  int c[3];
  for (int i = 0; i < 3; ++i)
    c[i] = static_cast<int>(std::lround(mid[i] + t * (end[i] - mid[i])));
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c[0], c[1], c[2]);
  return buf;
}

std::string TextOn(double k) { return std::fabs(k) > 0.55 ? "#fff" : "#111"; }

std::string AgreementChart(const p::AgreementGroup& g, double threshold,
                           std::string_view id) {
  const double left = 300, width = 420, row = 22, top = 10;
  const double height = top + row * static_cast<double>(g.fields.size()) + 30;
  const double lo = AxisMin(g);
  const auto X = [&](double v) { return left + (v - lo) / (1 - lo) * width; };
  std::string s = SvgOpen(
      left + width + 20, height, id,
      "Agreement per field with 95% bootstrap intervals",
      "One row per field: the point is the statistic, the bar its interval; "
      "squares are descriptive fields, circles interpretive; the dashed line "
      "is the threshold " +
          Shown(threshold, 2) +
          ". The table below holds "
          "the numbers.");
  const double bottom = top + row * static_cast<double>(g.fields.size());
  s += AxisTicks(left, width, lo, top, bottom);
  s += "<line x1=\"" + F(X(threshold)) + "\" x2=\"" + F(X(threshold)) +
       "\" y1=\"" + F(top) + "\" y2=\"" + F(bottom) +
       "\" class=\"threshold\"/>";
  for (size_t i = 0; i < g.fields.size(); ++i) {
    const p::FieldAgreement& f = g.fields[i];
    const double y = top + row * (static_cast<double>(i) + 0.5);
    s += "<text x=\"" + F(left - 8) + "\" y=\"" + F(y + 4) +
         "\" text-anchor=\"end\">" + Esc(Label(f)) + "</text>";
    if (g.cis[i].lower && g.cis[i].upper) {
      s += "<line x1=\"" + F(X(*g.cis[i].lower)) + "\" x2=\"" +
           F(X(*g.cis[i].upper)) + "\" y1=\"" + F(y) + "\" y2=\"" + F(y) +
           "\" class=\"ci\"/>";
    }
    if (f.primary.value) {
      s += Marker(f, X(*f.primary.value), y);
    } else {
      s += "<text x=\"" + F(left + 4) + "\" y=\"" + F(y + 4) +
           "\" class=\"muted\">undefined</text>";
    }
  }
  return s + "</svg>";
}

std::string LayerChart(const p::ReportFigures& f) {
  const double left = 170, width = 400, bar = 14;
  const double height = 20 + static_cast<double>(f.groups.size()) * 44 + 20;
  std::string s = SvgOpen(
      left + width + 60, height, "layers-chart",
      "Mean agreement of descriptive and interpretive fields",
      "For each group of records, two bars: the mean primary statistic of the "
      "descriptive fields (green, upper) and of the interpretive fields "
      "(purple, lower), on a scale from 0 to 1; negative means are drawn as "
      "empty bars. The table below holds the numbers.");
  for (size_t gi = 0; gi < f.groups.size(); ++gi) {
    const p::AgreementGroup& g = f.groups[gi];
    const double y = 20 + static_cast<double>(gi) * 44;
    s += "<text x=\"" + F(left - 8) + "\" y=\"" + F(y + bar + 4) +
         "\" text-anchor=\"end\">" +
         Esc(g.batch.empty() ? "all records" : "batch " + g.batch) + "</text>";
    int k = 0;
    for (const auto* l : {&g.descriptive, &g.interpretive}) {
      const double yy = y + k * (bar + 2);
      const char* colour = k == 0 ? kDescriptiveColour : kInterpretiveColour;
      const double m = l->mean.value_or(0);
      s += "<rect x=\"" + F(left) + "\" y=\"" + F(yy) + "\" width=\"" +
           F(std::clamp(m, 0.0, 1.0) * width) + "\" height=\"" + F(bar) +
           "\" fill=\"" + colour + "\"/><text x=\"" +
           F(left + std::clamp(m, 0.0, 1.0) * width + 4) + "\" y=\"" +
           F(yy + bar - 3) + "\">" + Shown(l->mean) + "</text>";
      ++k;
    }
  }
  return s + "</svg>";
}

std::string KappaHeatmap(const p::KappaMatrix& m, std::string_view id) {
  const size_t n = m.raters.size();
  const double cell = 56, left = 110, top = 100;
  std::string s = SvgOpen(
      left + cell * static_cast<double>(n) + 10,
      top + cell * static_cast<double>(n) + 10, id,
      "Pairwise Cohen's kappa, " + m.path + " (" + m.schema_id + "@" +
          std::to_string(m.schema_version) + ")",
      "A square per pair of annotators, coloured by kappa (legend below) and "
      "labelled with its value; the table below holds the numbers.");
  for (size_t i = 0; i < n; ++i) {
    const double c = left + cell * (static_cast<double>(i) + 0.5);
    s += "<text x=\"" + F(left - 6) + "\" y=\"" +
         F(top + cell * (static_cast<double>(i) + 0.5) + 4) +
         "\" text-anchor=\"end\">" + Esc(m.raters[i]) + "</text>";
    s += "<text transform=\"translate(" + F(c + 4) + " " + F(top - 6) +
         ") rotate(-45)\">" + Esc(m.raters[i]) + "</text>";
  }
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = 0; b < n; ++b) {
      const auto& k = m.kappa[a * n + b];
      const double x = left + cell * static_cast<double>(b);
      const double y = top + cell * static_cast<double>(a);
      s += "<rect x=\"" + F(x) + "\" y=\"" + F(y) + "\" width=\"" +
           F(cell - 2) + "\" height=\"" + F(cell - 2) + "\" fill=\"" +
           (k ? KappaColour(*k) : "#ffffff") + "\" class=\"cell\"/>";
      s += "<text x=\"" + F(x + cell / 2 - 1) + "\" y=\"" +
           F(y + cell / 2 + 3) + "\" text-anchor=\"middle\" fill=\"" +
           (k ? TextOn(*k) : "#555") + "\">" + (k ? Shown(*k, 2) : "n/a") +
           "</text>";
    }
  }
  return s + "</svg>";
}

std::string KappaLegend() {
  std::string s = SvgOpen(
      460, 46, "kappa-legend", "Colour scale of kappa",
      "From -1 (red) through 0 (light grey) to 1 (blue), in steps of 0.2.");
  for (int i = 0; i <= 10; ++i) {
    const double k = -1 + 0.2 * i;
    s += "<rect x=\"" + F(10 + 40 * i) +
         "\" y=\"4\" width=\"40\" "
         "height=\"18\" fill=\"" +
         KappaColour(k) + "\"/>";
    if (i % 5 == 0) {
      s += "<text x=\"" + F(30 + 40 * i) +
           "\" y=\"38\" "
           "text-anchor=\"middle\">" +
           Shown(k, 1) + "</text>";
    }
  }
  return s + "</svg>";
}

std::string ReliabilityDiagram(const p::AnnotatorCalibration& a,
                               std::string_view id) {
  const double size = 180, pad = 34;
  const auto X = [&](double v) { return pad + v * size; };
  const auto Y = [&](double v) { return pad / 2 + (1 - v) * size; };
  const p::ConfidenceCalibration& c = a.confidence;
  std::string s = SvgOpen(
      size + pad + 10, size + pad + 14, id,
      "Reliability diagram, " + a.annotator,
      "Accuracy against mean stated confidence per bin of confidence; the "
      "diagonal is perfect calibration, a point's area grows with the bin's "
      "count. The table beside holds the numbers.");
  s += "<rect x=\"" + F(X(0)) + "\" y=\"" + F(Y(1)) + "\" width=\"" + F(size) +
       "\" height=\"" + F(size) + "\" class=\"frame\"/>";
  s += "<line x1=\"" + F(X(0)) + "\" y1=\"" + F(Y(0)) + "\" x2=\"" + F(X(1)) +
       "\" y2=\"" + F(Y(1)) + "\" class=\"threshold\"/>";
  for (double t : {0.0, 0.5, 1.0}) {
    s += "<text x=\"" + F(X(t)) + "\" y=\"" + F(Y(0) + 13) +
         "\" text-anchor=\"middle\">" + Shown(t, 1) + "</text><text x=\"" +
         F(X(0) - 4) + "\" y=\"" + F(Y(t) + 4) + "\" text-anchor=\"end\">" +
         Shown(t, 1) + "</text>";
  }
  std::string path;
  for (const p::CalibrationBin& b : c.bins) {
    if (b.count == 0) continue;
    path += (path.empty() ? "M" : " L") + F(X(b.mean_confidence)) + " " +
            F(Y(b.accuracy));
    const double r = 2 + 2.5 * std::sqrt(static_cast<double>(b.count) /
                                         std::max<double>(1, c.n) * 10);
    s += "<circle cx=\"" + F(X(b.mean_confidence)) + "\" cy=\"" +
         F(Y(b.accuracy)) + "\" r=\"" + F(r) + "\" class=\"bin\"/>";
  }
  if (!path.empty()) s += "<path d=\"" + path + "\" class=\"curve\"/>";
  if (c.n == 0) {
    s += "<text x=\"" + F(X(0.5)) + "\" y=\"" + F(Y(0.5)) +
         "\" text-anchor=\"middle\" class=\"muted\">no stated confidence"
         "</text>";
  }
  return s + "</svg>";
}

std::string EntropyChart(const p::EntropyHistogram& h) {
  const double left = 50, width = 400, height = 160, top = 10;
  int64_t most = 1;
  for (int64_t c : h.counts) most = std::max(most, c);
  std::string s = SvgOpen(
      left + width + 20, top + height + 40, "entropy-chart",
      "Items by normalized entropy of " + h.path,
      "Ten bars, one per tenth of normalized entropy from 0 (every annotator "
      "gave the same value) to 1 (values spread evenly over the categories); "
      "the table below holds the counts.");
  const double bw = width / 10;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    const double bh =
        height * static_cast<double>(h.counts[i]) / static_cast<double>(most);
    const double x = left + bw * static_cast<double>(i);
    s += "<rect x=\"" + F(x + 1) + "\" y=\"" + F(top + height - bh) +
         "\" width=\"" + F(bw - 2) + "\" height=\"" + F(bh) +
         "\" class=\"bar\"/><text x=\"" + F(x + bw / 2) + "\" y=\"" +
         F(top + height - bh - 3) + "\" text-anchor=\"middle\">" +
         std::to_string(h.counts[i]) + "</text>";
  }
  for (int t = 0; t <= 10; t += 2) {
    s += "<text x=\"" + F(left + bw * t) + "\" y=\"" + F(top + height + 14) +
         "\" text-anchor=\"middle\">" + Shown(t / 10.0, 1) + "</text>";
  }
  s += "<text x=\"" + F(left + width / 2) + "\" y=\"" + F(top + height + 32) +
       "\" text-anchor=\"middle\">normalized entropy</text>";
  return s + "</svg>";
}

}  // namespace consilium::render::internal
