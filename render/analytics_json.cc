#include "render/analytics_json.h"

#include <boost/json.hpp>
#include <string>
#include <utility>

#include "render/internal/json_values.h"
#include "schemas/event_json.h"
#include "schemas/task_schema.h"

namespace consilium::render {
namespace {

namespace json = boost::json;
namespace p = ::consilium::projections;
using internal::Num;
using internal::PutStatistic;

// The categorical statistics of a field (FieldAgreement::report).
void PutCategoricalReport(json::object& o, const p::FieldAgreement& f) {
  const statistics::AgreementReport& r = *f.report;
  json::array raters, categories;
  for (const auto& n : f.rater_names) raters.emplace_back(n);
  for (const auto& c : f.categories) categories.emplace_back(c);
  o["rater_names"] = std::move(raters);
  o["categories"] = std::move(categories);
  PutStatistic(o, "percent_agreement_all_raters",
               r.percent_agreement_all_raters);
  PutStatistic(o, "percent_agreement_pairwise", r.percent_agreement_pairwise);
  PutStatistic(o, "fleiss_kappa", r.fleiss.overall);
  if (r.fleiss.overall.value) {
    json::object per;
    for (size_t c = 0; c < r.fleiss.per_category.size(); ++c)
      per[f.categories[c]] = Num(r.fleiss.per_category[c].value);
    o["fleiss_kappa_per_category"] = std::move(per);
  }
  PutStatistic(o, "krippendorff_alpha_nominal", r.krippendorff_alpha_nominal);
  PutStatistic(o, "krippendorff_alpha_ordinal", r.krippendorff_alpha_ordinal);
  PutStatistic(o, "krippendorff_alpha_interval", r.krippendorff_alpha_interval);
  PutStatistic(o, "krippendorff_alpha_ratio", r.krippendorff_alpha_ratio);
  PutStatistic(o, "light_kappa", r.light_kappa);
  PutStatistic(o, "conger_kappa", r.conger_kappa);
  json::array pairs;
  for (const statistics::PairKappa& k : r.cohen) {
    json::object pair;
    pair["rater_a"] = f.rater_names[k.rater_a];
    pair["rater_b"] = f.rater_names[k.rater_b];
    PutStatistic(pair, "cohen_kappa", k.unweighted);
    PutStatistic(pair, "cohen_kappa_linear", k.linear);
    PutStatistic(pair, "cohen_kappa_quadratic", k.quadratic);
    pairs.push_back(std::move(pair));
  }
  o["cohen_kappa_pairs"] = std::move(pairs);
}

json::object LayerJson(const p::LayerSummary& s) {
  json::object o;
  o["fields"] = s.fields;
  o["defined"] = s.defined;
  o["flagged"] = s.flagged;
  o["mean"] = Num(s.mean);
  o["minimum"] = Num(s.minimum);
  return o;
}

json::object CalibrationLoopJson(const p::CalibrationLoopReport& loop) {
  json::object cal;
  cal["threshold"] = Num(loop.threshold);
  json::array ranked;
  for (const p::RankedField& r : loop.ranked) {
    json::object e;
    e["schema_id"] = r.field->schema_id;
    e["schema_version"] = r.field->schema_version;
    e["path"] = r.field->path;
    e["layer"] = schemas::LayerName(r.field->layer);
    e["statistic"] = r.field->primary_name;
    e["value"] = Num(r.field->primary.value);
    e["flagged"] = r.flagged;
    if (!r.field->primary.value)
      e["value_undefined_reason"] = r.field->primary.undefined_reason;
    ranked.push_back(std::move(e));
  }
  cal["ranked"] = std::move(ranked);
  cal["descriptive"] = LayerJson(loop.descriptive);
  cal["interpretive"] = LayerJson(loop.interpretive);
  return cal;
}

void PutRate(json::object& o, const std::string& name, const p::RateStat& r) {
  json::object e;
  e["compared"] = r.compared;
  e["matched"] = r.matched;
  e["rate"] = Num(r.rate.value);
  if (!r.rate.value) e["rate_undefined_reason"] = r.rate.undefined_reason;
  o[name] = std::move(e);
}

json::object ConfidenceJson(const p::ConfidenceCalibration& c) {
  json::object conf;
  conf["n"] = c.n;
  conf["target_path"] = c.target_path;
  conf["by_adjudication"] = c.by_adjudication;
  conf["by_gold"] = c.by_gold;
  conf["by_consensus"] = c.by_consensus;
  PutStatistic(conf, "brier_score", c.brier);
  PutStatistic(conf, "expected_calibration_error", c.ece);
  json::array bins;
  for (const p::CalibrationBin& b : c.bins) {
    json::object jb;
    jb["lower"] = Num(b.lower);
    jb["upper"] = Num(b.upper);
    jb["count"] = b.count;
    jb["mean_confidence"] = Num(b.mean_confidence);
    jb["accuracy"] = Num(b.accuracy);
    bins.push_back(std::move(jb));
  }
  conf["bins"] = std::move(bins);
  return conf;
}

json::array ConfusionsJson(const std::vector<p::FieldConfusion>& confusion) {
  json::array out;
  for (const p::FieldConfusion& f : confusion) {
    json::object jf;
    jf["schema_id"] = f.schema_id;
    jf["schema_version"] = f.schema_version;
    jf["path"] = f.path;
    jf["ratings"] = f.ratings;
    json::object m;
    const size_t k = f.classes.size();
    for (size_t t = 0; t < k; ++t) {
      json::object row;
      for (size_t l = 0; l < k; ++l)
        row[f.classes[l]] = Num(f.matrix[t * k + l]);
      m[f.classes[t]] = std::move(row);
    }
    jf["dawid_skene_confusion"] = std::move(m);
    out.push_back(std::move(jf));
  }
  return out;
}

json::object AnnotatorJson(const p::AnnotatorCalibration& c) {
  json::object a;
  a["annotator"] = c.annotator;
  a["pseudonym"] = c.pseudonym;
  a["annotations"] = c.annotations;
  json::array peers;
  for (const p::PeerAgreement& pa : c.peers) {
    json::object e;
    e["peer"] = pa.peer;
    PutRate(e, "agreement", pa.agreement);
    peers.push_back(std::move(e));
  }
  a["peers"] = std::move(peers);
  PutRate(a, "leave_one_out_majority", c.leave_one_out_majority);
  PutRate(a, "gold_accuracy", c.gold);
  PutRate(a, "adjudicated_accuracy", c.adjudicated);
  a["ambiguous_decisions"] = c.ambiguous_decisions;
  a["confidence_calibration"] = ConfidenceJson(c.confidence);
  a["confusion_matrices"] = ConfusionsJson(c.confusion);
  return a;
}

json::object CountsJson(const p::ValueCounts& vc) {
  json::object o;
  json::array values;
  for (const p::CurrentValue& v : vc.values) {
    json::object e;
    e["annotation_id"] = v.annotation_id;
    e["annotator"] = v.annotator;
    e["revision"] = v.revision;
    e["seq"] = v.seq;
    e["value"] = v.key;
    values.push_back(std::move(e));
  }
  o["values"] = std::move(values);
  json::object counts;
  for (const auto& [k, n] : vc.counts) counts[k] = n;
  o["counts"] = std::move(counts);
  o["normalized_entropy"] = Num(vc.normalized_entropy.value);
  if (!vc.normalized_entropy.value)
    o["normalized_entropy_undefined_reason"] =
        vc.normalized_entropy.undefined_reason;
  return o;
}

json::object FieldDistributionJson(const p::FieldDistribution& f) {
  json::object jf;
  jf["schema_id"] = f.schema_id;
  jf["schema_version"] = f.schema_version;
  jf["path"] = f.path;
  jf["field_path"] = f.field_path;
  jf["metric"] = schemas::MetricName(f.metric);
  jf["layer"] = schemas::LayerName(f.layer);
  jf["human"] = CountsJson(f.human);
  jf["model"] = CountsJson(f.model);
  if (!f.soft_label.empty()) {
    json::object sl;
    for (const auto& [k, prob] : f.soft_label) sl[k] = Num(prob);
    jf["soft_label"] = std::move(sl);
  } else {
    jf["soft_label"] = nullptr;
    jf["soft_label_undefined_reason"] = f.soft_label_undefined_reason;
  }
  return jf;
}

json::object RevisionJson(const p::RevisionEntry& r) {
  json::object e;
  e["annotation_id"] = r.annotation_id;
  e["annotator"] = r.annotator;
  e["by_model"] = r.by_model;
  e["seq"] = r.seq;
  if (r.revision == 0) {
    e["withdrawn"] = true;
    return e;
  }
  e["revision"] = r.revision;
  e["time"] = FormatTimestamp(r.timestamp_us);
  e["values_valid"] = r.extracted;
  json::object vals;
  for (const auto& [path, key] : r.values) vals[path] = key;
  e["values"] = std::move(vals);
  return e;
}

}  // namespace

json::object FieldAgreementJson(const p::FieldAgreement& f) {
  json::object o;
  o["schema_id"] = f.schema_id;
  o["schema_version"] = f.schema_version;
  o["path"] = f.path;
  o["field_path"] = f.field_path;
  o["metric"] = schemas::MetricName(f.metric);
  o["layer"] = schemas::LayerName(f.layer);
  o["items"] = f.items;
  o["raters"] = f.raters;
  o["ratings"] = f.ratings;
  o["primary_statistic"] = f.primary_name;
  PutStatistic(o, "primary", f.primary);
  if (f.report) PutCategoricalReport(o, f);
  if (f.set_alpha_jaccard)
    PutStatistic(o, "set_alpha_jaccard", *f.set_alpha_jaccard);
  if (f.set_alpha_masi) PutStatistic(o, "set_alpha_masi", *f.set_alpha_masi);
  if (f.regions) {
    o["iou_threshold"] = Num(f.regions->threshold);
    PutStatistic(o, "mean_iou", f.regions->mean_iou);
    PutStatistic(o, "iou_agreement", f.regions->iou_agreement);
  }
  if (f.spans) {
    PutStatistic(o, "span_mean_f1", f.spans->mean_f1);
    PutStatistic(o, "span_micro_f1", f.spans->micro_f1);
  }
  return o;
}

json::object LedgerAgreementJson(std::string_view project,
                                 std::string_view batch, uint64_t as_of_seq,
                                 const std::vector<p::FieldAgreement>& fields,
                                 const p::CalibrationLoopReport& loop) {
  json::object o;
  o["project"] = project;
  o["batch"] = batch.empty() ? json::value() : json::value(batch);
  o["as_of_seq"] = as_of_seq;
  json::array fa;
  for (const auto& f : fields) fa.push_back(FieldAgreementJson(f));
  o["fields"] = std::move(fa);
  o["calibration_loop"] = CalibrationLoopJson(loop);
  return o;
}

json::object CalibrationJson(
    std::string_view project, uint64_t as_of_seq,
    const std::vector<p::AnnotatorCalibration>& annotators) {
  json::object o;
  o["project"] = project;
  o["as_of_seq"] = as_of_seq;
  json::array list;
  for (const p::AnnotatorCalibration& c : annotators) {
    list.push_back(AnnotatorJson(c));
  }
  o["annotators"] = std::move(list);
  return o;
}

json::object DistributionJson(const p::RecordDistribution& d,
                              uint64_t as_of_seq) {
  json::object o;
  o["record"] = d.record;
  o["project"] = d.project;
  o["as_of_seq"] = as_of_seq;
  json::array fields;
  for (const p::FieldDistribution& f : d.fields) {
    fields.push_back(FieldDistributionJson(f));
  }
  o["fields"] = std::move(fields);
  json::array history;
  for (const p::RevisionEntry& r : d.history)
    history.push_back(RevisionJson(r));
  o["revision_history"] = std::move(history);
  return o;
}

json::object AccessJson(const std::vector<const p::AccessEntry*>& entries) {
  json::array list;
  for (const p::AccessEntry* e : entries) {
    json::object o;
    o["seq"] = e->seq;
    o["time"] = FormatTimestamp(e->timestamp_us);
    o["actor"] = e->actor;
    o["resource_kind"] = e->resource_kind;
    o["resource_id"] = e->resource_id;
    o["action"] = e->action;
    o["purpose"] = e->purpose;
    o["allowed"] = e->allowed;
    o["reason"] = e->reason;
    o["record_id"] = e->record;
    o["project_id"] = e->project;
    list.push_back(std::move(o));
  }
  json::object o;
  o["access"] = std::move(list);
  return o;
}

}  // namespace consilium::render
