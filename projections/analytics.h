// Ledger-backed analytics over an AnalyticsState (projections/engine.h):
// label distributions per record and field, agreement per project, field,
// schema version and calibration batch, the calibration loop (fields ranked
// by agreement, flagged under a threshold, descriptive vs interpretive
// layers), per-annotator calibration (peers, leave-one-out majority, gold,
// adjudicated decisions, Dawid–Skene confusion, stated-confidence Brier
// score and ECE), Dawid–Skene soft labels, and the access index by time.
//
// Conventions (docs/statistics.md, "Ledger-backed analytics"):
//   * items are records, raters are annotators, a rating is an annotator's
//     current value (latest revision; withdrawn annotations excluded) at one
//     concrete values path ("primary_dx", "differential[1].alternative":
//     list elements compare by position);
//   * model annotations (pre-labels) are reported apart and never enter
//     agreement or calibration;
//   * fields group by (schema id, schema version, path): a new schema
//     version is reported on its own;
//   * undefined results carry a reason and are never NaN.
//
// Thread-safety: pure functions of a const state; call them under
// ProjectionEngine::Read or on a private state.
//
//   AgreementQuery q{.project = "p1", .batch = "cal-1"};
//   std::vector<FieldAgreement> fields = ComputeFieldAgreement(state, q);
//   CalibrationLoopReport loop = RankFields(fields, 0.67);
#ifndef CONSILIUM_PROJECTIONS_ANALYTICS_H_
#define CONSILIUM_PROJECTIONS_ANALYTICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "projections/engine.h"
#include "statistics/agreement.h"

namespace consilium::projections {

// ---- Label distribution
// ------------------------------------------------------

struct CurrentValue {
  std::string annotation_id;
  std::string annotator;
  uint32_t revision = 0;
  uint64_t seq = 0;
  std::string key;  // ValueKey
};

struct ValueCounts {
  std::vector<CurrentValue> values;                     // by annotator id
  std::vector<std::pair<std::string, int64_t>> counts;  // by value key
  // Shannon entropy of the counts divided by ln K (K: the field's number of
  // categories when closed — categorical list, ordinal levels, boolean 2 —
  // otherwise the number of distinct values seen). Undefined with no values;
  // 0 when K <= 1.
  statistics::Statistic normalized_entropy;
};

struct FieldDistribution {
  std::string schema_id;
  uint32_t schema_version = 0;
  std::string path;
  std::string field_path;
  schemas::Metric metric = schemas::Metric::kNone;
  schemas::Layer layer = schemas::Layer::kInterpretive;
  ValueCounts human;
  ValueCounts model;
  // Dawid–Skene posterior of this record on this field, over the project's
  // human current values (category and ordinal fields); empty otherwise or
  // when not requested. Pairs (category, probability) in category order.
  std::vector<std::pair<std::string, double>> soft_label;
  std::string soft_label_undefined_reason;
};

struct RevisionEntry {
  std::string annotation_id;
  std::string annotator;
  bool by_model = false;
  uint32_t revision = 0;
  uint64_t seq = 0;
  int64_t timestamp_us = 0;
  bool extracted = false;
  std::vector<std::pair<std::string, std::string>> values;  // (path, key)
};

struct RecordDistribution {
  std::string record;
  std::string project;
  std::vector<FieldDistribution> fields;  // by (schema, version, path)
  // Every revision of every annotation on the record, in sequence order;
  // withdrawals as entries with revision 0 and no values.
  std::vector<RevisionEntry> history;
};

// NotFound when the state has no record `record`. `soft_labels` runs
// Dawid–Skene per field over the record's project (costs one pass over the
// project's annotations per field).
StatusOr<RecordDistribution> LabelDistribution(const AnalyticsState& state,
                                               std::string_view record,
                                               bool soft_labels);

// ---- Agreement
// ---------------------------------------------------------------

struct AgreementQuery {
  std::string project{};  // required
  std::string field{};    // a path or schema path; empty: every field
  std::string batch{};    // a calibration batch of the project; empty: all
};

struct FieldAgreement {
  std::string schema_id;
  uint32_t schema_version = 0;
  std::string path;
  std::string field_path;
  schemas::Metric metric = schemas::Metric::kNone;
  schemas::Layer layer = schemas::Layer::kInterpretive;
  int64_t items = 0;    // records with at least one rating
  int64_t raters = 0;   // annotators with at least one rating
  int64_t ratings = 0;  // current values
  // Nominal/ordinal/interval/ratio fields: the rating table's raters and
  // categories and every statistic of ComputeAgreement.
  std::vector<std::string> rater_names;
  std::vector<std::string> categories;
  std::optional<statistics::AgreementReport> report;
  // Set fields: Krippendorff's alpha with Jaccard and MASI distances.
  std::optional<statistics::Statistic> set_alpha_jaccard;
  std::optional<statistics::Statistic> set_alpha_masi;
  // Regions: mean IoU and IoU >= 0.5 agreement (polygons by their bounding
  // box). Spans: overlap F1.
  std::optional<statistics::RegionAgreement> regions;
  std::optional<statistics::SpanAgreement> spans;
  // The statistic the calibration loop ranks by, and its name:
  // krippendorff_alpha_<level>, set_alpha_jaccard, mean_iou or span_mean_f1.
  std::string primary_name;
  statistics::Statistic primary;
};

// InvalidArgument when the project is unknown; NotFound for an unknown
// batch. Fields are sorted by (schema id, version, path).
StatusOr<std::vector<FieldAgreement>> ComputeFieldAgreement(
    const AnalyticsState& state, const AgreementQuery& query);

// ---- Calibration loop
// --------------------------------------------------------

// Krippendorff's conventional lowest level for tentative conclusions
// (alpha >= .667), rounded to two places.
inline constexpr double kDefaultAgreementThreshold = 0.67;

struct RankedField {
  const FieldAgreement* field = nullptr;
  bool flagged = false;  // primary defined and below the threshold
};

struct LayerSummary {
  int64_t fields = 0;          // fields of the layer
  int64_t defined = 0;         // fields whose primary is defined
  int64_t flagged = 0;         // defined and under the threshold
  std::optional<double> mean;  // mean primary over the defined fields
  std::optional<double> minimum;
};

struct CalibrationLoopReport {
  double threshold = kDefaultAgreementThreshold;
  // Least to most agreement; undefined primaries last (in field order).
  std::vector<RankedField> ranked;
  LayerSummary descriptive;
  LayerSummary interpretive;
};

// `fields` must outlive the report (it points into them).
CalibrationLoopReport RankFields(const std::vector<FieldAgreement>& fields,
                                 double threshold);

// ---- Per-annotator calibration
// -----------------------------------------------

struct RateStat {
  int64_t compared = 0;
  int64_t matched = 0;
  statistics::Statistic
      rate;  // matched / compared; undefined when nothing compared
};

struct PeerAgreement {
  std::string peer;
  RateStat agreement;
};

struct CalibrationBin {
  double lower = 0;
  double upper = 0;
  int64_t count = 0;
  double mean_confidence = 0;  // 0 when empty
  double accuracy = 0;         // 0 when empty
};

struct ConfidenceCalibration {
  // Number of annotations with a probability confidence and a reference
  // outcome for the schema's primary decision.
  int64_t n = 0;
  std::string target_path;  // the decision field the confidence is about
  int64_t by_adjudication = 0, by_gold = 0, by_consensus = 0;
  statistics::Statistic brier;
  statistics::Statistic ece;
  std::array<CalibrationBin, 10> bins{};
};

struct FieldConfusion {
  std::string schema_id;
  uint32_t schema_version = 0;
  std::string path;
  std::vector<std::string> classes;
  std::vector<double> matrix;  // classes × classes: P(given | true)
  int64_t ratings = 0;         // this annotator's ratings in the table
};

struct AnnotatorCalibration {
  std::string annotator;
  std::string pseudonym;
  int64_t annotations = 0;           // current human annotations in the project
  std::vector<PeerAgreement> peers;  // by peer id
  RateStat leave_one_out_majority;
  RateStat gold;
  RateStat adjudicated;
  int64_t ambiguous_decisions = 0;  // decisions on fields the annotator rated
  ConfidenceCalibration confidence;
  std::vector<FieldConfusion> confusion;
};

// Adjudication outcomes by (record, field path), the shape of
// AnalyticsState::decisions(): what "accuracy against adjudicated" and the
// confidence reference read.
using AdjudicationOutcomes =
    std::map<std::pair<std::string, std::string>, AdjudicationDecision>;

// Every human annotator of the project (or only `annotator` when non-empty),
// by id. InvalidArgument for an unknown project; NotFound when `annotator`
// has no annotation in it. `outcomes`: the items' adjudication outcomes
// (the adjudication model's: a round's outcome, void decisions left out;
// docs/adjudication.md, "Rounds and what the read side must read"); null
// reads the latest decision event per item (AnalyticsState::decisions()),
// which is the same with one adjudicator per item and no races.
StatusOr<std::vector<AnnotatorCalibration>> CalibrateAnnotators(
    const AnalyticsState& state, std::string_view project,
    std::string_view annotator, const AdjudicationOutcomes* outcomes = nullptr);

// ---- Soft labels ------------------------------------------------------------

struct SoftLabels {
  std::vector<std::string> classes;
  // (record, posterior over classes) for every rated record, by record id.
  std::vector<std::pair<std::string, std::vector<double>>> posteriors;
  int32_t iterations = 0;
  bool converged = false;
};

// Dawid–Skene (50 iterations at most, tolerance 1e-10) over the project's
// human current values at (schema, version, path). FailedPrecondition when
// the field is not categorical or ordinal; InvalidArgument when it has no
// values.
StatusOr<SoftLabels> DawidSkeneSoftLabels(const AnalyticsState& state,
                                          std::string_view project,
                                          std::string_view schema_id,
                                          uint32_t schema_version,
                                          std::string_view path);

// ---- Confidence calibration, pure
// ---------------------------------------------

// Brier score and expected calibration error of stated probabilities against
// 0/1 outcomes. Bins: [0,0.1), [0.1,0.2), ..., [0.9,1.0], 1.0 in the last
// bin; ECE = sum over bins of (count/n) |accuracy - mean confidence|.
// Probabilities outside [0, 1] are clamped. Undefined with no pairs.
ConfidenceCalibration BrierAndEce(
    const std::vector<std::pair<double, bool>>& predictions);

}  // namespace consilium::projections

#endif  // CONSILIUM_PROJECTIONS_ANALYTICS_H_
