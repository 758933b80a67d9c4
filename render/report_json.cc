// ReportJson (render/report_html.h): the figures of the report as JSON.
#include <boost/json.hpp>
#include <string>

#include "render/internal/json_values.h"
#include "render/report_html.h"
#include "schemas/task_schema.h"

namespace consilium::render {
namespace {

namespace json = boost::json;
namespace p = ::consilium::projections;
using internal::Num;

json::object LayerJson(const p::LayerSummary& s) {
  return {{"fields", s.fields},
          {"defined", s.defined},
          {"flagged", s.flagged},
          {"mean", Num(s.mean)},
          {"minimum", Num(s.minimum)}};
}

json::object FieldJson(const p::FieldAgreement& f,
                       const p::ConfidenceInterval& ci, double threshold) {
  json::object o{{"schema_id", f.schema_id},
                 {"schema_version", f.schema_version},
                 {"path", f.path},
                 {"field_path", f.field_path},
                 {"layer", schemas::LayerName(f.layer)},
                 {"metric", schemas::MetricName(f.metric)},
                 {"items", f.items},
                 {"raters", f.raters},
                 {"ratings", f.ratings},
                 {"statistic", f.primary_name},
                 {"value", Num(f.primary.value)}};
  if (!f.primary.value)
    o["value_undefined_reason"] = f.primary.undefined_reason;
  o["ci_lower"] = Num(ci.lower);
  o["ci_upper"] = Num(ci.upper);
  o["ci_replicates"] = ci.replicates;
  o["ci_defined_replicates"] = ci.defined;
  if (!ci.lower) o["ci_undefined_reason"] = ci.undefined_reason;
  o["flagged"] = f.primary.value && *f.primary.value < threshold;
  return o;
}

json::array AgreementJson(const p::ReportFigures& f) {
  json::array groups;
  for (const p::AgreementGroup& g : f.groups) {
    json::array fields;
    for (size_t i = 0; i < g.fields.size(); ++i)
      fields.push_back(FieldJson(g.fields[i], g.cis[i], f.options.threshold));
    groups.push_back(json::object{
        {"batch",
         g.batch.empty() ? json::value(nullptr) : json::value(g.batch)},
        {"fields", std::move(fields)},
        {"layers", json::object{{"descriptive", LayerJson(g.descriptive)},
                                {"interpretive", LayerJson(g.interpretive)}}}});
  }
  return groups;
}

json::array KappaJson(const p::ReportFigures& f) {
  json::array out;
  for (const p::KappaMatrix& m : f.kappa) {
    const size_t n = m.raters.size();
    json::array raters, kappa, items;
    for (const std::string& r : m.raters) raters.push_back(json::string(r));
    for (size_t a = 0; a < n; ++a) {
      json::array krow, irow;
      for (size_t b = 0; b < n; ++b) {
        krow.push_back(Num(m.kappa[a * n + b]));
        irow.push_back(m.items[a * n + b]);
      }
      kappa.push_back(std::move(krow));
      items.push_back(std::move(irow));
    }
    out.push_back(json::object{{"schema_id", m.schema_id},
                               {"schema_version", m.schema_version},
                               {"path", m.path},
                               {"statistic", "cohen_kappa"},
                               {"raters", std::move(raters)},
                               {"kappa", std::move(kappa)},
                               {"items", std::move(items)}});
  }
  return out;
}

json::array ReliabilityJson(const p::ReportFigures& f) {
  json::array out;
  for (const p::AnnotatorCalibration& a : f.annotators) {
    const p::ConfidenceCalibration& c = a.confidence;
    json::array bins;
    for (const p::CalibrationBin& b : c.bins) {
      bins.push_back(json::object{{"lower", b.lower},
                                  {"upper", b.upper},
                                  {"count", b.count},
                                  {"mean_confidence", Num(b.mean_confidence)},
                                  {"accuracy", Num(b.accuracy)}});
    }
    json::object o{{"annotator", a.annotator},
                   {"pseudonym", a.pseudonym},
                   {"target_path", c.target_path},
                   {"n", c.n}};
    internal::PutStatistic(o, "brier_score", c.brier);
    internal::PutStatistic(o, "expected_calibration_error", c.ece);
    o["bins"] = std::move(bins);
    out.push_back(std::move(o));
  }
  return out;
}

json::object EntropyJson(const p::EntropyHistogram& h) {
  json::array bins;
  for (size_t i = 0; i < h.counts.size(); ++i) {
    bins.push_back(json::object{{"lower", static_cast<double>(i) / 10},
                                {"upper", static_cast<double>(i + 1) / 10},
                                {"count", h.counts[i]}});
  }
  return {{"path", h.path},
          {"items", h.items},
          {"undefined", h.undefined},
          {"bins", std::move(bins)}};
}

json::object AdjudicationJson(const p::ReportFigures& f) {
  json::object o{{"decisions_recorded", f.decisions_recorded}};
  if (f.queue) {
    o["queue"] = json::object{
        {"pending", f.queue->pending},     {"claimed", f.queue->claimed},
        {"decided", f.queue->decided},     {"ambiguous", f.queue->ambiguous},
        {"escalated", f.queue->escalated}, {"reopened", f.queue->reopened}};
  } else {
    o["queue"] = nullptr;
    o["queue_undefined_reason"] = f.queue_unavailable_reason;
  }
  return o;
}

}  // namespace

json::object ReportJson(const p::ReportFigures& f) {
  return {{"project", f.project},
          {"as_of_seq", f.as_of_seq},
          {"seed", f.options.seed},
          {"replicates", f.options.replicates},
          {"confidence_level", 0.95},
          {"threshold", f.options.threshold},
          {"decision_path", f.decision_path},
          {"agreement", AgreementJson(f)},
          {"kappa", KappaJson(f)},
          {"reliability", ReliabilityJson(f)},
          {"entropy", EntropyJson(f.entropy)},
          {"adjudication", AdjudicationJson(f)}};
}

}  // namespace consilium::render
