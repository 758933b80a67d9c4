#include "projections/analytics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "projections/internal/human_cells.h"
#include "statistics/dawid_skene.h"
#include "statistics/rating_table.h"

namespace consilium::projections {
namespace {

using internal::BuildTable;
using internal::Categorical;
using internal::Cell;
using internal::Comparable;
using internal::Defined;
using internal::FieldKey;
using internal::HumanCells;
using internal::Plurality;
using internal::Rate;
using internal::Undefined;

using schemas::ExtractedValue;
using schemas::Metric;
using schemas::ValueKind;

statistics::Level LevelOf(Metric m) {
  switch (m) {
    case Metric::kOrdinal:
      return statistics::Level::kOrdinal;
    case Metric::kInterval:
      return statistics::Level::kInterval;
    case Metric::kRatio:
      return statistics::Level::kRatio;
    default:
      return statistics::Level::kNominal;
  }
}

const statistics::Statistic& AlphaAt(const statistics::AgreementReport& r,
                                     statistics::Level level) {
  switch (level) {
    case statistics::Level::kOrdinal:
      return r.krippendorff_alpha_ordinal;
    case statistics::Level::kInterval:
      return r.krippendorff_alpha_interval;
    case statistics::Level::kRatio:
      return r.krippendorff_alpha_ratio;
    default:
      return r.krippendorff_alpha_nominal;
  }
}

// Krippendorff's alpha at the field's level and every statistic of
// ComputeAgreement, over the rating table of `cells`.
void TableAgreement(const std::vector<Cell>& cells, FieldAgreement& f) {
  const statistics::Level level = LevelOf(f.metric);
  StatusOr<statistics::RatingTable> t = BuildTable(cells, level);
  f.primary_name =
      "krippendorff_alpha_" + std::string(statistics::LevelName(level));
  if (!t.ok()) {
    f.primary = Undefined(t.status().message(), f.items, f.ratings);
    return;
  }
  for (int32_t r = 0; r < t->num_raters(); ++r)
    f.rater_names.push_back(t->rater_name(r));
  for (int32_t c = 0; c < t->num_categories(); ++c)
    f.categories.push_back(t->category_label(c));
  f.report = statistics::ComputeAgreement(*t);
  f.primary = AlphaAt(*f.report, level);
}

// A box as itself, a polygon by its bounding box; an empty polygon as a
// zero box.
statistics::Box BoundingBox(const schemas::ImageRegion& r) {
  statistics::Box b;
  if (r.is_box) {
    b = {r.x, r.y, r.x + r.w, r.y + r.h};
  } else if (!r.polygon.empty()) {
    b = {r.polygon[0].x, r.polygon[0].y, r.polygon[0].x, r.polygon[0].y};
    for (const schemas::Point& p : r.polygon) {
      b.x_min = std::min(b.x_min, p.x);
      b.y_min = std::min(b.y_min, p.y);
      b.x_max = std::max(b.x_max, p.x);
      b.y_max = std::max(b.y_max, p.y);
    }
  }
  return b;
}

FieldAgreement AgreementOf(const FieldKey& key,
                           const std::vector<Cell>& cells) {
  FieldAgreement f;
  std::tie(f.schema_id, f.schema_version, f.path) = key;
  const ExtractedValue& first = *cells.front().value;
  f.field_path = first.field_path;
  f.metric = first.metric;
  f.layer = first.layer;
  std::set<std::string_view> items, raters;
  for (const Cell& c : cells) {
    items.insert(c.record);
    raters.insert(c.annotator);
  }
  f.items = static_cast<int64_t>(items.size());
  f.raters = static_cast<int64_t>(raters.size());
  f.ratings = static_cast<int64_t>(cells.size());
  switch (f.metric) {
    case Metric::kNominal:
    case Metric::kOrdinal:
    case Metric::kInterval:
    case Metric::kRatio:
      TableAgreement(cells, f);
      break;
    case Metric::kSetJaccard: {
      std::vector<statistics::SetAnnotation> sets;
      for (const Cell& c : cells) {
        sets.push_back({std::string(c.record), std::string(c.annotator),
                        c.value->categories});
      }
      f.set_alpha_jaccard = statistics::SetKrippendorffAlpha(
          sets, statistics::SetDistance::kJaccard);
      f.set_alpha_masi = statistics::SetKrippendorffAlpha(
          sets, statistics::SetDistance::kMasi);
      f.primary_name = "set_alpha_jaccard";
      f.primary = *f.set_alpha_jaccard;
      break;
    }
    case Metric::kIou: {
      std::vector<statistics::BoxAnnotation> boxes;
      for (const Cell& c : cells) {
        boxes.push_back({std::string(c.record), std::string(c.annotator),
                         BoundingBox(c.value->region)});
      }
      f.primary_name = "mean_iou";
      StatusOr<statistics::RegionAgreement> ra = statistics::RegionIou(boxes);
      if (!ra.ok()) {
        f.primary = Undefined(ra.status().message(), f.items, f.ratings);
        break;
      }
      f.regions = *ra;
      f.primary = ra->mean_iou;
      break;
    }
    case Metric::kSpanOverlap: {
      std::vector<statistics::SpanAnnotation> spans;
      for (const Cell& c : cells) {
        spans.push_back(
            {std::string(c.record),
             std::string(c.annotator),
             {statistics::Span{c.value->span.start, c.value->span.end}}});
      }
      f.primary_name = "span_mean_f1";
      StatusOr<statistics::SpanAgreement> sa = statistics::SpanOverlapF1(spans);
      if (!sa.ok()) {
        f.primary = Undefined(sa.status().message(), f.items, f.ratings);
        break;
      }
      f.spans = *sa;
      f.primary = sa->mean_f1;
      break;
    }
    case Metric::kNone:
      f.primary_name = "none";
      f.primary = Undefined("the field has no agreement metric");
      break;
  }
  return f;
}

int64_t ClosedCategoryCount(const AnalyticsState& state,
                            const FieldDistribution& f) {
  const SchemaVersionInfo* s = state.FindSchema(f.schema_id, f.schema_version);
  if (s == nullptr) return 0;
  const schemas::Field* field = s->schema->FindField(f.field_path);
  if (field == nullptr) return 0;
  return projections::ClosedCategoryCount(*field);
}

void FinishCounts(ValueCounts& vc, int64_t closed_k) {
  std::sort(vc.values.begin(), vc.values.end(),
            [](const CurrentValue& a, const CurrentValue& b) {
              return std::tie(a.annotator, a.annotation_id) <
                     std::tie(b.annotator, b.annotation_id);
            });
  std::map<std::string, int64_t> counts;
  for (const CurrentValue& v : vc.values) ++counts[v.key];
  vc.counts.assign(counts.begin(), counts.end());
  const int64_t n = static_cast<int64_t>(vc.values.size());
  std::vector<int64_t> per_key;
  per_key.reserve(vc.counts.size());
  for (const auto& [key, c] : vc.counts) per_key.push_back(c);
  const std::optional<double> h = NormalizedEntropy(per_key, closed_k);
  vc.normalized_entropy = h ? Defined(*h, 1, n) : Undefined("no values");
}

}  // namespace

namespace internal {
FieldAgreement AgreementOfCells(const FieldKey& key,
                                const std::vector<Cell>& cells) {
  return AgreementOf(key, cells);
}
}  // namespace internal

// ---- Label distribution
// -------------------------------------------------------

StatusOr<RecordDistribution> LabelDistribution(const AnalyticsState& state,
                                               std::string_view record,
                                               bool soft_labels) {
  const RecordInfo* info = state.FindRecord(record);
  if (info == nullptr) {
    return NotFoundError("no record \"" + std::string(record) + "\"");
  }
  RecordDistribution out;
  out.record = std::string(record);
  out.project = std::string(state.name(info->project));
  std::map<FieldKey, FieldDistribution> fields;
  for (uint32_t i : state.AnnotationsOnRecord(record)) {
    const AnnotationEntry& a = state.annotations()[i];
    const std::string id(state.annotation_id(i));
    const std::string annotator(state.name(a.annotator));
    const std::string schema_id(state.name(a.schema_id));
    for (const RevisionValues& r : state.revisions(a)) {
      RevisionEntry e{id,    annotator,      a.by_model,  r.revision,
                      r.seq, r.timestamp_us, r.extracted, {}};
      for (const ExtractedValue& v : state.values(r))
        e.values.emplace_back(v.path, ValueKey(v));
      out.history.push_back(std::move(e));
    }
    if (a.withdrawn) {
      out.history.push_back(RevisionEntry{
          id, annotator, a.by_model, 0, a.withdrawn_seq, 0, false, {}});
      continue;
    }
    const RevisionValues& cur = a.current();
    for (const ExtractedValue& v : state.values(cur)) {
      FieldKey key(schema_id, a.schema_version, v.path);
      FieldDistribution& f = fields[key];
      f.schema_id = schema_id;
      f.schema_version = a.schema_version;
      f.path = v.path;
      f.field_path = v.field_path;
      f.metric = v.metric;
      f.layer = v.layer;
      (a.by_model ? f.model : f.human)
          .values.push_back(
              {id, annotator, cur.revision, cur.seq, ValueKey(v)});
    }
  }
  std::sort(out.history.begin(), out.history.end(),
            [](const RevisionEntry& x, const RevisionEntry& y) {
              return x.seq < y.seq;
            });
  for (auto& [key, f] : fields) {
    const int64_t k = ClosedCategoryCount(state, f);
    FinishCounts(f.human, k);
    FinishCounts(f.model, k);
    if (soft_labels) {
      StatusOr<SoftLabels> sl = DawidSkeneSoftLabels(
          state, out.project, f.schema_id, f.schema_version, f.path);
      if (!sl.ok()) {
        f.soft_label_undefined_reason = sl.status().message();
      } else {
        for (const auto& [rec, post] : sl->posteriors) {
          if (rec != record) continue;
          for (size_t c = 0; c < sl->classes.size(); ++c)
            f.soft_label.emplace_back(sl->classes[c], post[c]);
        }
        if (f.soft_label.empty())
          f.soft_label_undefined_reason = "no human value on this record";
      }
    }
    out.fields.push_back(std::move(f));
  }
  return out;
}

// ---- Agreement
// ---------------------------------------------------------------

StatusOr<std::vector<FieldAgreement>> ComputeFieldAgreement(
    const AnalyticsState& state, const AgreementQuery& query) {
  if (!state.HasProject(query.project)) {
    return InvalidArgumentError("project \"" + query.project +
                                "\" has no records or annotations");
  }
  std::set<std::string, std::less<>> batch_records;
  const std::set<std::string, std::less<>>* filter = nullptr;
  if (!query.batch.empty()) {
    auto it = state.batches().find(std::make_pair(query.project, query.batch));
    if (it == state.batches().end()) {
      return NotFoundError("no calibration batch \"" + query.batch +
                           "\" in project \"" + query.project + "\"");
    }
    batch_records.insert(it->second.begin(), it->second.end());
    filter = &batch_records;
  }
  std::vector<FieldAgreement> out;
  for (const auto& [key, cells] : HumanCells(state, query.project, filter)) {
    if (!query.field.empty() && std::get<2>(key) != query.field &&
        cells.front().value->field_path != query.field) {
      continue;
    }
    out.push_back(AgreementOf(key, cells));
  }
  return out;
}

CalibrationLoopReport RankFields(const std::vector<FieldAgreement>& fields,
                                 double threshold) {
  CalibrationLoopReport r;
  r.threshold = threshold;
  for (const FieldAgreement& f : fields) {
    r.ranked.push_back({&f, f.primary.value && *f.primary.value < threshold});
  }
  std::stable_sort(r.ranked.begin(), r.ranked.end(),
                   [](const RankedField& a, const RankedField& b) {
                     const auto& x = a.field->primary.value;
                     const auto& y = b.field->primary.value;
                     if (x && y) return *x < *y;
                     return x.has_value() && !y.has_value();
                   });
  for (const RankedField& rf : r.ranked) {
    LayerSummary& s = rf.field->layer == schemas::Layer::kDescriptive
                          ? r.descriptive
                          : r.interpretive;
    ++s.fields;
    if (!rf.field->primary.value) continue;
    const double v = *rf.field->primary.value;
    s.mean = s.mean.value_or(0) + v;  // summed here, divided below
    s.minimum = s.minimum ? std::min(*s.minimum, v) : v;
    ++s.defined;
    if (rf.flagged) ++s.flagged;
  }
  for (LayerSummary* s : {&r.descriptive, &r.interpretive}) {
    if (s->defined > 0) *s->mean /= static_cast<double>(s->defined);
  }
  return r;
}

// ---- Soft labels
// -----------------------------------------------------------------

StatusOr<SoftLabels> DawidSkeneSoftLabels(const AnalyticsState& state,
                                          std::string_view project,
                                          std::string_view schema_id,
                                          uint32_t schema_version,
                                          std::string_view path) {
  std::vector<Cell> cells;
  const uint32_t p = state.FindName(project);
  const uint32_t sid = state.FindName(schema_id);
  for (uint32_t i : p == UINT32_MAX || sid == UINT32_MAX
                        ? std::vector<uint32_t>()
                        : state.AnnotationsById()) {
    const AnnotationEntry& a = state.annotations()[i];
    if (a.project != p || a.by_model || a.withdrawn || a.schema_id != sid ||
        a.schema_version != schema_version) {
      continue;
    }
    for (const ExtractedValue& v : state.values(a.current())) {
      if (v.path != path) continue;
      if (!Categorical(v.kind)) {
        return FailedPreconditionError(
            "Dawid-Skene needs a categorical or ordinal field; \"" +
            std::string(path) + "\" is not");
      }
      cells.push_back({&a, &v, state.name(a.record), state.name(a.annotator)});
    }
  }
  if (cells.empty()) {
    return InvalidArgumentError("no human values at \"" + std::string(path) +
                                "\"");
  }
  ASSIGN_OR_RETURN(statistics::RatingTable t,
                   BuildTable(cells, statistics::Level::kNominal));
  statistics::DawidSkeneOptions options;
  options.max_iterations = 50;
  ASSIGN_OR_RETURN(statistics::DawidSkeneResult ds,
                   statistics::DawidSkene(t, options));
  SoftLabels out;
  for (int32_t c = 0; c < t.num_categories(); ++c)
    out.classes.push_back(t.category_label(c));
  out.iterations = ds.iterations;
  out.converged = ds.converged;
  for (int32_t i = 0; i < t.num_items(); ++i) {
    std::vector<double> post(ds.posteriors.begin() + i * ds.num_classes,
                             ds.posteriors.begin() + (i + 1) * ds.num_classes);
    out.posteriors.emplace_back(t.item_id(i), std::move(post));
  }
  std::sort(out.posteriors.begin(), out.posteriors.end());
  return out;
}

// ---- Per-annotator calibration
// ---------------------------------------------------

ConfidenceCalibration BrierAndEce(
    const std::vector<std::pair<double, bool>>& predictions) {
  ConfidenceCalibration c;
  for (int b = 0; b < 10; ++b) {
    c.bins[b].lower = b / 10.0;
    c.bins[b].upper = (b + 1) / 10.0;
  }
  c.n = static_cast<int64_t>(predictions.size());
  if (c.n == 0) {
    c.brier = Undefined("no stated confidence with a reference outcome");
    c.ece = c.brier;
    return c;
  }
  double brier = 0;
  std::array<double, 10> conf_sum{}, hits{};
  for (const auto& [p_raw, y] : predictions) {
    const double p = std::clamp(p_raw, 0.0, 1.0);
    const double d = p - (y ? 1.0 : 0.0);
    brier += d * d;
    // [0,0.1), ..., [0.9,1.0]: floor(10 p), with 1.0 in the last bin.
    const int b = std::min(9, static_cast<int>(std::floor(p * 10.0)));
    ++c.bins[b].count;
    conf_sum[b] += p;
    hits[b] += y ? 1.0 : 0.0;
  }
  double ece = 0;
  for (int b = 0; b < 10; ++b) {
    CalibrationBin& bin = c.bins[b];
    if (bin.count == 0) continue;
    bin.mean_confidence = conf_sum[b] / bin.count;
    bin.accuracy = hits[b] / bin.count;
    ece += static_cast<double>(bin.count) / c.n *
           std::abs(bin.accuracy - bin.mean_confidence);
  }
  c.brier = Defined(brier / c.n, c.n, c.n);
  c.ece = Defined(ece, c.n, c.n);
  return c;
}

namespace {

// (record, schema, version, path): one field of one record.
using Slot = std::tuple<std::string, std::string, uint32_t, std::string>;

// The project's current human annotations, as calibration reads them.
struct HumanAnnotations {
  // slot -> annotator -> value key, for comparable values.
  std::map<Slot, std::map<std::string, std::string>> slots;
  std::map<std::string, int64_t> counts;  // annotator -> annotations
  std::vector<const AnnotationEntry*> current;
};

HumanAnnotations CollectHumanAnnotations(const AnalyticsState& state,
                                         std::string_view project) {
  HumanAnnotations h;
  const uint32_t project_name = state.FindName(project);
  for (uint32_t i : project_name == UINT32_MAX ? std::vector<uint32_t>()
                                               : state.AnnotationsById()) {
    const AnnotationEntry& a = state.annotations()[i];
    if (a.project != project_name || a.by_model || a.withdrawn) continue;
    const std::string by(state.name(a.annotator));
    ++h.counts[by];
    h.current.push_back(&a);
    for (const ExtractedValue& v : state.values(a.current())) {
      if (!Comparable(v.kind)) continue;
      h.slots[Slot(state.name(a.record), state.name(a.schema_id),
                   a.schema_version, v.path)][by] = ValueKey(v);
    }
  }
  return h;
}

// Dawid–Skene of one categorical field, shared by every annotator.
struct FieldDs {
  FieldKey key;
  statistics::RatingTable table;
  statistics::DawidSkeneResult ds;
};

std::vector<FieldDs> FieldDawidSkene(const AnalyticsState& state,
                                     std::string_view project) {
  std::map<FieldKey, std::vector<Cell>> cells =
      HumanCells(state, project, nullptr);
  std::vector<FieldDs> field_ds;
  for (const auto& [key, field_cells] : cells) {
    if (!Categorical(field_cells.front().value->kind)) continue;
    StatusOr<statistics::RatingTable> t =
        BuildTable(field_cells, statistics::Level::kNominal);
    if (!t.ok()) continue;
    statistics::DawidSkeneOptions options;
    options.max_iterations = 50;
    StatusOr<statistics::DawidSkeneResult> ds =
        statistics::DawidSkene(*t, options);
    if (!ds.ok()) continue;
    field_ds.push_back({key, std::move(*t), std::move(*ds)});
  }
  return field_ds;
}

// `who` against the other annotators of each slot (peers, leave-one-out
// majority) and against decided adjudications; counts ambiguous decisions.
void RateAgainstOthers(std::string_view project, const HumanAnnotations& h,
                       const std::string& who,
                       const AdjudicationOutcomes& decisions,
                       AnnotatorCalibration& c) {
  std::map<std::string, std::pair<int64_t, int64_t>> peers;
  int64_t loo_n = 0, loo_hit = 0, adj_n = 0, adj_hit = 0;
  for (const auto& [slot, by] : h.slots) {
    auto mine = by.find(who);
    if (mine == by.end()) continue;
    std::vector<std::string> others;
    for (const auto& [peer, key] : by) {
      if (peer == who) continue;
      others.push_back(key);
      auto& [n, hit] = peers[peer];
      ++n;
      if (key == mine->second) ++hit;
    }
    const std::string majority = Plurality(others);
    if (!majority.empty()) {
      ++loo_n;
      if (majority == mine->second) ++loo_hit;
    }
    auto d =
        decisions.find(std::make_pair(std::get<0>(slot), std::get<3>(slot)));
    if (d != decisions.end() && d->second.project == project) {
      if (d->second.outcome == fb::AdjudicationOutcome::Ambiguous) {
        ++c.ambiguous_decisions;
      } else if (!d->second.value_key.empty()) {
        ++adj_n;
        if (d->second.value_key == mine->second) ++adj_hit;
      }
    }
  }
  for (const auto& [peer, nh] : peers) {
    c.peers.push_back(
        {peer, Rate(nh.first, nh.second, "no value in common with this peer")});
  }
  c.leave_one_out_majority =
      Rate(loo_n, loo_hit, "no value with a strict majority among the others");
  c.adjudicated = Rate(adj_n, adj_hit,
                       "no decided adjudication on a value "
                       "this annotator gave");
}

// The primary decision of a schema, the first top-level single-choice
// categorical field, and its confidence, the first probability-scale
// confidence field; both empty when the schema lacks one.
std::pair<std::string, std::string> ConfidenceTarget(
    const SchemaVersionInfo& schema) {
  std::string target, confidence_path;
  for (const schemas::Field& f : schema.schema->fields()) {
    if (target.empty() && f.type == schemas::FieldType::kCategorical)
      target = f.path;
    if (confidence_path.empty() && f.type == schemas::FieldType::kConfidence &&
        f.scale == schemas::ConfidenceScale::kProbability) {
      confidence_path = f.path;
    }
  }
  if (target.empty() || confidence_path.empty()) return {};
  return {target, confidence_path};
}

// The reference outcome of `target` on annotation `a` (of `who`): a decided
// adjudication (source 1), else the gold answer (2), else the strict
// plurality of the other annotators (3); empty when there is none.
std::pair<std::string, int> ReferenceOutcome(
    const AnalyticsState& state, const AdjudicationOutcomes& decisions,
    const HumanAnnotations& h, const AnnotationEntry& a, const GoldAnswer* gold,
    const std::string& target, const std::string& who) {
  const std::string record(state.name(a.record));
  auto d = decisions.find(std::make_pair(record, target));
  if (d != decisions.end() &&
      d->second.outcome == fb::AdjudicationOutcome::Decided &&
      !d->second.value_key.empty()) {
    return {d->second.value_key, 1};
  }
  std::string reference;
  int source = 0;
  if (gold != nullptr) {
    for (const ExtractedValue& gv : gold->values) {
      if (gv.path == target) {
        reference = ValueKey(gv);
        source = 2;
      }
    }
  }
  if (!reference.empty()) return {reference, source};
  auto s = h.slots.find(Slot(record, std::string(state.name(a.schema_id)),
                             a.schema_version, target));
  if (s == h.slots.end()) return {};
  std::vector<std::string> others;
  for (const auto& [peer, key] : s->second) {
    if (peer != who) others.push_back(key);
  }
  return {Plurality(others), 3};
}

// `who`'s values against gold answers, and the stated confidence of each
// of `who`'s annotations against its reference outcome.
void RateAgainstGoldAndConfidence(const AnalyticsState& state,
                                  const AdjudicationOutcomes& decisions,
                                  const HumanAnnotations& h,
                                  const std::string& who,
                                  AnnotatorCalibration& c) {
  int64_t gold_n = 0, gold_hit = 0;
  std::vector<std::pair<double, bool>> predictions;
  for (const AnnotationEntry* a : h.current) {
    if (state.name(a->annotator) != who) continue;
    const RevisionValues& cur = a->current();
    const std::string record(state.name(a->record));
    const std::string schema_id(state.name(a->schema_id));
    auto g = state.gold().find(std::make_pair(
        record, schema_id + "@" + std::to_string(a->schema_version)));
    const GoldAnswer* gold =
        g != state.gold().end() && g->second.extracted ? &g->second : nullptr;
    if (gold != nullptr) {
      for (const ExtractedValue& v : state.values(cur)) {
        if (!Comparable(v.kind)) continue;
        for (const ExtractedValue& gv : gold->values) {
          if (gv.path != v.path) continue;
          ++gold_n;
          if (ValueKey(gv) == ValueKey(v)) ++gold_hit;
        }
      }
    }
    const SchemaVersionInfo* schema =
        state.FindSchema(schema_id, a->schema_version);
    if (schema == nullptr) continue;
    const auto [target, confidence_path] = ConfidenceTarget(*schema);
    if (target.empty()) continue;
    c.confidence.target_path = target;
    const ExtractedValue* mine = nullptr;
    const ExtractedValue* stated = nullptr;
    for (const ExtractedValue& v : state.values(cur)) {
      if (v.path == target) mine = &v;
      if (v.path == confidence_path) stated = &v;
    }
    if (mine == nullptr || stated == nullptr) continue;
    const auto [reference, source] =
        ReferenceOutcome(state, decisions, h, *a, gold, target, who);
    if (reference.empty()) continue;
    predictions.emplace_back(stated->number, ValueKey(*mine) == reference);
    ++(source == 1   ? c.confidence.by_adjudication
       : source == 2 ? c.confidence.by_gold
                     : c.confidence.by_consensus);
  }
  c.gold = Rate(gold_n, gold_hit,
                "no gold answer on a value this "
                "annotator gave");
  ConfidenceCalibration cc = BrierAndEce(predictions);
  cc.target_path = c.confidence.target_path;
  cc.by_adjudication = c.confidence.by_adjudication;
  cc.by_gold = c.confidence.by_gold;
  cc.by_consensus = c.confidence.by_consensus;
  c.confidence = std::move(cc);
}

// `who`'s Dawid–Skene confusion matrix in each field `who` rated.
void AddConfusions(const std::vector<FieldDs>& field_ds, const std::string& who,
                   AnnotatorCalibration& c) {
  for (const FieldDs& f : field_ds) {
    int32_t rater = -1;
    for (int32_t r = 0; r < f.table.num_raters(); ++r) {
      if (f.table.rater_name(r) == who) rater = r;
    }
    if (rater < 0) continue;
    FieldConfusion fc;
    std::tie(fc.schema_id, fc.schema_version, fc.path) = f.key;
    const int32_t k = f.ds.num_classes;
    for (int32_t i = 0; i < k; ++i)
      fc.classes.push_back(f.table.category_label(i));
    for (int32_t t = 0; t < k; ++t) {
      for (int32_t l = 0; l < k; ++l)
        fc.matrix.push_back(f.ds.confusion(rater, t, l));
    }
    for (const statistics::Rating& r : f.table.ratings()) {
      if (r.rater == rater) ++fc.ratings;
    }
    c.confusion.push_back(std::move(fc));
  }
}

}  // namespace

StatusOr<std::vector<AnnotatorCalibration>> CalibrateAnnotators(
    const AnalyticsState& state, std::string_view project,
    std::string_view annotator, const AdjudicationOutcomes* outcomes) {
  const AdjudicationOutcomes& decisions =
      outcomes != nullptr ? *outcomes : state.decisions();
  const HumanAnnotations h = CollectHumanAnnotations(state, project);
  if (h.counts.empty()) {
    return InvalidArgumentError("project \"" + std::string(project) +
                                "\" has no human annotations");
  }
  if (!annotator.empty() && !h.counts.count(std::string(annotator))) {
    return NotFoundError("annotator \"" + std::string(annotator) +
                         "\" has no current annotation in project \"" +
                         std::string(project) + "\"");
  }
  const std::vector<FieldDs> field_ds = FieldDawidSkene(state, project);
  std::vector<AnnotatorCalibration> out;
  for (const auto& [who, count] : h.counts) {
    if (!annotator.empty() && who != annotator) continue;
    AnnotatorCalibration c;
    c.annotator = who;
    auto p = state.principals().find(who);
    if (p != state.principals().end()) c.pseudonym = p->second.pseudonym;
    c.annotations = count;
    RateAgainstOthers(project, h, who, decisions, c);
    RateAgainstGoldAndConfidence(state, decisions, h, who, c);
    AddConfusions(field_ds, who, c);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace consilium::projections
