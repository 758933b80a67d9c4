// ReportHtml (render/report_html.h): the page, its sections and the tables
// behind each chart (render/report_charts.cc draws the charts). Tables carry
// data- attributes with the exact numbers of `consilium report --json`.
#include "render/report_html.h"

#include <string>

#include "render/internal/report_markup.h"
#include "schemas/task_schema.h"

namespace consilium::render {
namespace {

namespace p = ::consilium::projections;
using internal::Esc;
using internal::Exact;
using internal::Shown;

constexpr const char* kStyle = R"(<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#111;background:#fff;margin:0 auto;max-width:1100px;padding:1.5em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px
solid #ccc;padding-bottom:.2em}h3{margin-top:1.4em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}
caption{text-align:left;font-weight:600;padding:.3em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}.wide{overflow-x:auto}
tr.flagged td{background:#fdecea}
svg{max-width:100%;height:auto;font-size:11px;display:block}
svg text{fill:#222}.grid{stroke:#e3e3e3}.threshold{stroke:#888;
stroke-dasharray:4 3}.ci{stroke:#444;stroke-width:2}.muted{fill:#777}
.frame{fill:none;stroke:#bbb}.bin{fill:#2166ac;fill-opacity:.75}
.curve{fill:none;stroke:#2166ac}.bar{fill:#4d7ea8}.cell{stroke:#fff}
.legend span{display:inline-block;margin-right:1.2em}
.sw{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;
margin-right:.3em}.small{display:flex;flex-wrap:wrap;gap:1.5em}
.small figure{margin:0}figcaption{font-size:.9em;color:#333}
.note{color:#444;font-size:.9em}
</style>)";

std::string Th(const std::string& text, bool num = false) {
  return std::string("<th scope=\"col\"") + (num ? " class=\"num\"" : "") +
         ">" + text + "</th>";
}
std::string Td(const std::string& text, const std::string& attrs = "") {
  return "<td class=\"num\"" + attrs + ">" + text + "</td>";
}
std::string TdText(const std::string& text) {
  return "<td>" + Esc(text) + "</td>";
}
std::string Attr(const char* name, const std::string& value) {
  return std::string(" ") + name + "=\"" + Esc(value) + "\"";
}

std::string GroupTitle(const p::AgreementGroup& g) {
  return g.batch.empty() ? "All records" : "Calibration batch " + g.batch;
}

std::string FieldRow(const p::FieldAgreement& f,
                     const p::ConfidenceInterval& ci, double threshold) {
  const bool flagged = f.primary.value && *f.primary.value < threshold;
  std::string s = std::string("<tr") + (flagged ? " class=\"flagged\"" : "") +
                  Attr("data-schema", f.schema_id) +
                  Attr("data-version", std::to_string(f.schema_version)) +
                  Attr("data-path", f.path) +
                  Attr("data-statistic", f.primary_name) +
                  Attr("data-value", Exact(f.primary.value)) +
                  Attr("data-ci-lower", Exact(ci.lower)) +
                  Attr("data-ci-upper", Exact(ci.upper)) +
                  Attr("data-items", std::to_string(f.items)) +
                  Attr("data-ratings", std::to_string(f.ratings)) + ">";
  s += "<th scope=\"row\">" + Esc(f.path) + "</th>";
  s += TdText(f.schema_id + "@" + std::to_string(f.schema_version));
  s += TdText(std::string(schemas::LayerName(f.layer)));
  s += Td(std::to_string(f.items)) + Td(std::to_string(f.raters)) +
       Td(std::to_string(f.ratings));
  s += TdText(f.primary_name);
  s += Td(f.primary.value ? Shown(f.primary.value)
                          : "undefined: " + Esc(f.primary.undefined_reason));
  s += Td(ci.lower ? "[" + Shown(ci.lower) + ", " + Shown(ci.upper) + "]"
                   : "n/a: " + Esc(ci.undefined_reason));
  s += Td(std::to_string(ci.defined) + " of " + std::to_string(ci.replicates));
  s += TdText(flagged ? "below" : "");
  return s + "</tr>";
}

std::string AgreementSection(const p::ReportFigures& f) {
  std::string s =
      "<section id=\"agreement\" aria-labelledby=\"agreement-h\"><h2 "
      "id=\"agreement-h\">Agreement per field, schema version and batch</h2>"
      "<p>Each field is a (schema, version, path); the statistic is the one "
      "the calibration loop ranks by (Krippendorff's alpha at the field's "
      "level, alpha with Jaccard distance for sets, mean IoU for regions, "
      "mean F1 for spans). Intervals: 95% percentile bootstrap over items "
      "(records), " +
      std::to_string(f.options.replicates) + " replicates, seed " +
      std::to_string(f.options.seed) + ". Rows under the threshold " +
      Shown(f.options.threshold, 2) +
      " are marked.</p><p class=\"legend\"><span><svg class=\"sw\" "
      "viewBox=\"0 0 10 10\" aria-hidden=\"true\"><rect width=\"10\" "
      "height=\"10\" fill=\"#1b7837\"/></svg>descriptive (square)</span>"
      "<span><svg class=\"sw\" viewBox=\"0 0 10 10\" aria-hidden=\"true\">"
      "<circle cx=\"5\" cy=\"5\" r=\"5\" fill=\"#762a83\"/></svg>interpretive "
      "(circle)</span><span>bar: 95% interval; dashed line: threshold</span>"
      "</p>";
  for (size_t gi = 0; gi < f.groups.size(); ++gi) {
    const p::AgreementGroup& g = f.groups[gi];
    const std::string id = "agreement-" + std::to_string(gi);
    s += "<h3 id=\"" + id + "-h\">" + Esc(GroupTitle(g)) + "</h3><figure>" +
         internal::AgreementChart(g, f.options.threshold, id + "-chart") +
         "</figure><table data-figure=\"agreement\"" +
         Attr("data-batch", g.batch) + "><caption>" + Esc(GroupTitle(g)) +
         ": agreement per field</caption><thead><tr>" + Th("Field") +
         Th("Schema") + Th("Layer") + Th("Items", true) + Th("Raters", true) +
         Th("Ratings", true) + Th("Statistic") + Th("Value", true) +
         Th("95% interval", true) + Th("Defined replicates", true) +
         Th("Flag") + "</tr></thead><tbody>";
    for (size_t i = 0; i < g.fields.size(); ++i)
      s += FieldRow(g.fields[i], g.cis[i], f.options.threshold);
    s += "</tbody></table>";
  }
  return s + "</section>";
}

std::string LayerRow(const p::AgreementGroup& g, const char* layer,
                     const p::LayerSummary& l) {
  return "<tr" + Attr("data-batch", g.batch) + Attr("data-layer", layer) +
         Attr("data-mean", Exact(l.mean)) +
         Attr("data-minimum", Exact(l.minimum)) +
         Attr("data-flagged", std::to_string(l.flagged)) +
         "><th scope=\"row\">" + Esc(GroupTitle(g)) + "</th>" + TdText(layer) +
         Td(std::to_string(l.fields)) + Td(std::to_string(l.defined)) +
         Td(std::to_string(l.flagged)) + Td(Shown(l.mean)) +
         Td(Shown(l.minimum)) + "</tr>";
}

std::string LayerSection(const p::ReportFigures& f) {
  std::string s =
      "<section id=\"layers\" aria-labelledby=\"layers-h\"><h2 "
      "id=\"layers-h\">Descriptive against interpretive layers</h2><p>"
      "Descriptive fields record what is there (findings, regions, evidence "
      "spans); interpretive fields what it means (diagnosis, differential, "
      "confidence). Low agreement on interpretive fields with high agreement "
      "on descriptive ones points at genuine disagreement in reasoning "
      "rather than at careless reading.</p><figure>" +
      internal::LayerChart(f) +
      "</figure><table data-figure=\"layers\"><caption>Agreement by layer"
      "</caption><thead><tr>" +
      Th("Records") + Th("Layer") + Th("Fields", true) + Th("Defined", true) +
      Th("Flagged", true) + Th("Mean", true) + Th("Minimum", true) +
      "</tr></thead><tbody>";
  for (const p::AgreementGroup& g : f.groups) {
    s += LayerRow(g, "descriptive", g.descriptive);
    s += LayerRow(g, "interpretive", g.interpretive);
  }
  return s + "</tbody></table></section>";
}

std::string KappaTable(const p::KappaMatrix& m, size_t index) {
  const size_t n = m.raters.size();
  std::string s =
      "<table data-figure=\"kappa\"" + Attr("data-schema", m.schema_id) +
      Attr("data-version", std::to_string(m.schema_version)) +
      Attr("data-path", m.path) + "><caption>Cohen's kappa, " + Esc(m.path) +
      " (" + Esc(m.schema_id) + "@" + std::to_string(m.schema_version) +
      "); items rated by both in brackets</caption><thead><tr>" +
      Th("Annotator");
  for (const std::string& r : m.raters) s += Th(Esc(r), true);
  s += "</tr></thead><tbody>";
  for (size_t a = 0; a < n; ++a) {
    s += "<tr><th scope=\"row\">" + Esc(m.raters[a]) + "</th>";
    for (size_t b = 0; b < n; ++b) {
      const auto& k = m.kappa[a * n + b];
      s += Td(
          Shown(k) +
              (a == b ? "" : " (" + std::to_string(m.items[a * n + b]) + ")"),
          Attr("data-a", m.raters[a]) + Attr("data-b", m.raters[b]) +
              Attr("data-kappa", Exact(k)));
    }
    s += "</tr>";
  }
  (void)index;
  return s + "</tbody></table>";
}

std::string KappaSection(const p::ReportFigures& f) {
  std::string s =
      "<section id=\"kappa\" aria-labelledby=\"kappa-h\"><h2 id=\"kappa-h\">"
      "Annotator kappa matrix</h2><p>Pairwise Cohen's kappa (unweighted) "
      "between annotators on the decision field <code>" +
      Esc(f.decision_path) +
      "</code>, over the items both rated, one matrix per schema version."
      "</p><figure>" +
      internal::KappaLegend() +
      "<figcaption>Colour scale: red below 0 (worse than chance), grey at 0, "
      "blue towards 1 (perfect agreement).</figcaption></figure>";
  if (f.kappa.empty()) s += "<p>No categorical decision field to compare.</p>";
  for (size_t i = 0; i < f.kappa.size(); ++i) {
    const p::KappaMatrix& m = f.kappa[i];
    s += "<h3>" + Esc(m.path) + " (" + Esc(m.schema_id) + "@" +
         std::to_string(m.schema_version) + ")</h3><figure>" +
         internal::KappaHeatmap(m, "kappa-" + std::to_string(i)) + "</figure>" +
         KappaTable(m, i);
  }
  return s + "</section>";
}

std::string ReliabilityTable(const p::AnnotatorCalibration& a) {
  const p::ConfidenceCalibration& c = a.confidence;
  std::string s = "<table data-figure=\"reliability\"" +
                  Attr("data-annotator", a.annotator) +
                  Attr("data-n", std::to_string(c.n)) +
                  Attr("data-brier", Exact(c.brier.value)) +
                  Attr("data-ece", Exact(c.ece.value)) + "><caption>" +
                  Esc(a.annotator) + ": n " + std::to_string(c.n) + ", Brier " +
                  Shown(c.brier.value) + ", ECE " + Shown(c.ece.value) +
                  "</caption><thead><tr>" + Th("Confidence bin") +
                  Th("Count", true) + Th("Mean confidence", true) +
                  Th("Accuracy", true) + "</tr></thead><tbody>";
  for (const p::CalibrationBin& b : c.bins) {
    s += "<tr" + Attr("data-lower", Exact(b.lower)) +
         Attr("data-count", std::to_string(b.count)) +
         Attr("data-mean-confidence", Exact(b.mean_confidence)) +
         Attr("data-accuracy", Exact(b.accuracy)) + "><th scope=\"row\">" +
         Shown(b.lower, 1) + "&#8211;" + Shown(b.upper, 1) + "</th>" +
         Td(std::to_string(b.count)) +
         Td(b.count ? Shown(b.mean_confidence) : "&#8212;") +
         Td(b.count ? Shown(b.accuracy) : "&#8212;") + "</tr>";
  }
  return s + "</tbody></table>";
}

std::string ReliabilitySection(const p::ReportFigures& f) {
  std::string s =
      "<section id=\"reliability\" aria-labelledby=\"reliability-h\"><h2 "
      "id=\"reliability-h\">Reliability of stated confidence</h2><p>Per "
      "annotator, the confidence they stated in their decision against how "
      "often that decision was right (reference: an adjudicated decision, "
      "else the gold answer, else the leave-one-out consensus), in ten bins "
      "of confidence. Points under the diagonal are overconfidence, above it "
      "underconfidence. Brier score and expected calibration error (ECE) as "
      "<code>consilium calibration</code> computes them.</p><div "
      "class=\"small\">";
  for (size_t i = 0; i < f.annotators.size(); ++i) {
    const p::AnnotatorCalibration& a = f.annotators[i];
    s += "<figure><h3>" + Esc(a.annotator) + "</h3>" +
         internal::ReliabilityDiagram(a, "reliability-" + std::to_string(i)) +
         ReliabilityTable(a) + "</figure>";
  }
  return s + "</div></section>";
}

std::string EntropySection(const p::ReportFigures& f) {
  const p::EntropyHistogram& h = f.entropy;
  std::string s =
      "<section id=\"entropy\" aria-labelledby=\"entropy-h\"><h2 "
      "id=\"entropy-h\">Entropy of items</h2><p>For each item (a record "
      "under one schema version), the Shannon entropy of the annotators' "
      "values on <code>" +
      Esc(h.path) +
      "</code> divided by ln K, as <code>consilium distribution</code> reports "
      "it (K: "
      "the field's number of categories when they are closed, otherwise the "
      "number of distinct values given): 0 when all agree, 1 when the values "
      "spread evenly over K. " +
      std::to_string(h.items) + " items";
  if (h.undefined > 0)
    s += ", " + std::to_string(h.undefined) + " without a defined entropy";
  s += ".</p><figure>" + internal::EntropyChart(h) +
       "</figure><table data-figure=\"entropy\"" + Attr("data-path", h.path) +
       Attr("data-items", std::to_string(h.items)) +
       "><caption>Items by normalized entropy</caption><thead><tr>" +
       Th("Entropy") + Th("Items", true) + "</tr></thead><tbody>";
  for (size_t i = 0; i < h.counts.size(); ++i) {
    s += "<tr" + Attr("data-bin", std::to_string(i)) +
         Attr("data-count", std::to_string(h.counts[i])) +
         "><th scope=\"row\">" + Shown(i / 10.0, 1) +
         (i == 9 ? "&#8211;1.0" : "&#8211;&lt;" + Shown((i + 1) / 10.0, 1)) +
         "</th>" + Td(std::to_string(h.counts[i])) + "</tr>";
  }
  return s + "</tbody></table></section>";
}

std::string QueueSection(const p::ReportFigures& f) {
  std::string s =
      "<section id=\"queue\" aria-labelledby=\"queue-h\"><h2 id=\"queue-h\">"
      "Adjudication</h2><p data-figure=\"decisions\"" +
      Attr("data-decisions", std::to_string(f.decisions_recorded)) + ">" +
      std::to_string(f.decisions_recorded) +
      " adjudication decision(s) recorded in the ledger.</p>";
  if (!f.queue) {
    return s +
           "<p data-figure=\"queue\" data-available=\"false\"><strong>"
           "queue status: not available</strong> (" +
           Esc(f.queue_unavailable_reason) + ").</p></section>";
  }
  const p::QueueStatus& q = *f.queue;
  s += "<table data-figure=\"queue\" data-available=\"true\"><caption>Items "
       "by queue state</caption><thead><tr>" +
       Th("State") + Th("Items", true) + "</tr></thead><tbody>";
  for (const auto& [name, n] :
       {std::pair{"pending", q.pending}, std::pair{"claimed", q.claimed},
        std::pair{"decided", q.decided}, std::pair{"ambiguous", q.ambiguous},
        std::pair{"escalated", q.escalated},
        std::pair{"reopened", q.reopened}}) {
    s += "<tr" + Attr("data-state", name) +
         Attr("data-count", std::to_string(n)) + "><th scope=\"row\">" + name +
         "</th>" + Td(std::to_string(n)) + "</tr>";
  }
  return s + "</tbody></table></section>";
}

}  // namespace

std::string ReportHtml(const p::ReportFigures& f) {
  std::string s =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
      "'none'; style-src 'unsafe-inline'\"><title>"
      "Agreement and calibration: " +
      Esc(f.project) + "</title>" + kStyle +
      "</head><body><header><h1>Agreement and calibration: " + Esc(f.project) +
      "</h1><p id=\"provenance\"" + Attr("data-project", f.project) +
      Attr("data-as-of-seq", std::to_string(f.as_of_seq)) +
      Attr("data-seed", std::to_string(f.options.seed)) +
      Attr("data-replicates", std::to_string(f.options.replicates)) +
      ">Project <strong>" + Esc(f.project) + "</strong>, as of ledger event " +
      std::to_string(f.as_of_seq) +
      ". Bootstrap: " + std::to_string(f.options.replicates) +
      " replicates over items, seed " + std::to_string(f.options.seed) +
      ", 95% percentile intervals. Model "
      "pre-labels are not included.</p></header><nav aria-label=\"Sections\">"
      "<ul><li><a href=\"#agreement\">Agreement</a></li><li><a "
      "href=\"#layers\">Layers</a></li><li><a href=\"#kappa\">Kappa matrix"
      "</a></li><li><a href=\"#reliability\">Reliability</a></li><li><a "
      "href=\"#entropy\">Entropy</a></li><li><a href=\"#queue\">Adjudication"
      "</a></li></ul></nav><main>";
  s += AgreementSection(f) + LayerSection(f) + KappaSection(f) +
       ReliabilitySection(f) + EntropySection(f) + QueueSection(f);
  return s +
         "</main><footer class=\"note\"><p>Made by consilium report "
         "(docs/report.md). The same ledger position and seed give the "
         "same bytes.</p></footer></body></html>\n";
}

}  // namespace consilium::render
