// The figures of a project's HTML report (`consilium report`, docs/report.md):
// agreement per field, schema version and calibration batch with bootstrap
// confidence intervals, the pairwise Cohen's kappa matrix of the decision
// field, per-annotator reliability data of stated confidence, the histogram
// of items' normalized entropy on the decision field, the descriptive and
// interpretive layers, and the adjudication queue's status. Computed from an
// AnalyticsState with the analyses of projections/analytics.h (the same
// numbers `consilium agreement --data` and `consilium calibration` print);
// render/report_html.h shapes them into HTML and JSON.
//
// Deterministic: the same state, project and options give the same figures
// (the bootstrap's generator is std::mt19937_64, fully specified by the
// standard, seeded per field from the seed and the field's name).
//
// Thread-safety: a pure function of a const state; call it under
// ProjectionEngine::Read or on a private state.
//
//   StatusOr<ReportFigures> f =
//       ComputeReportFigures(state, "dyspnoea-dx", {.seed = 7});
#ifndef CONSILIUM_PROJECTIONS_REPORT_FIGURES_H_
#define CONSILIUM_PROJECTIONS_REPORT_FIGURES_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "projections/analytics.h"

namespace consilium::projections {

struct ReportOptions {
  uint64_t seed = 1;
  int32_t replicates = 1000;  // bootstrap replicates per field, >= 1
  double threshold = kDefaultAgreementThreshold;
  // Called (when set) after each group's bootstrap with the groups done and
  // the groups in all (every record, then each batch): a command's
  // progress. Takes no part in the figures.
  std::function<void(size_t done, size_t total)> progress = nullptr;
};

// A percentile bootstrap interval (2.5th and 97.5th percentiles of the
// replicates whose statistic was defined, linear interpolation between
// order statistics). Undefined, with a reason, when the observed statistic
// is undefined or no replicate was defined.
struct ConfidenceInterval {
  std::optional<double> lower;
  std::optional<double> upper;
  int32_t replicates = 0;  // replicates drawn
  int32_t defined = 0;     // replicates whose statistic was defined
  std::string undefined_reason;
};

struct AgreementGroup {
  std::string batch;  // a calibration batch; empty: every record
  std::vector<FieldAgreement> fields;   // as ComputeFieldAgreement
  std::vector<ConfidenceInterval> cis;  // of fields[i].primary
  LayerSummary descriptive;             // as RankFields
  LayerSummary interpretive;
};

// Pairwise Cohen's kappa (unweighted) between the raters of one field.
struct KappaMatrix {
  std::string schema_id;
  uint32_t schema_version = 0;
  std::string path;
  std::vector<std::string> raters;
  // raters × raters, row-major; the diagonal is 1; empty when undefined.
  std::vector<std::optional<double>> kappa;
  std::vector<int64_t> items;  // items each pair rated together (diagonal 0)
};

// Items (record and schema version) by the normalized entropy of their human
// values on one field: bins [0,0.1), ..., [0.9,1.0], 1.0 in the last bin.
struct EntropyHistogram {
  std::string path;
  int64_t items = 0;      // items with a defined entropy
  int64_t undefined = 0;  // items whose entropy was undefined
  std::array<int64_t, 10> counts{};
};

// Items per state of the adjudication queue (adjudication/queue.h).
struct QueueStatus {
  int64_t pending = 0, claimed = 0, decided = 0, ambiguous = 0, escalated = 0,
          reopened = 0;
};

struct ReportFigures {
  std::string project;
  uint64_t as_of_seq = 0;
  ReportOptions options;
  std::string decision_path;           // the field kappa and entropy are about
  std::vector<AgreementGroup> groups;  // every record first, then batches
  std::vector<KappaMatrix> kappa;      // per schema version of decision_path
  std::vector<AnnotatorCalibration> annotators;  // as CalibrateAnnotators
  EntropyHistogram entropy;
  int64_t decisions_recorded = 0;  // AdjudicationDecided in the project
  // Set by the caller, who holds the adjudication model (adjudication/ sits
  // above projections/): tools/cmd_report.cc's ReadQueueStatus.
  std::optional<QueueStatus> queue;
  std::string queue_unavailable_reason;  // set exactly when !queue
};

// InvalidArgument for an unknown project or options out of range.
// `outcomes`: the adjudicated outcomes calibration scores against (as
// CalibrateAnnotators takes them: the adjudication model's, at the same
// position); null reads the latest decision per item.
StatusOr<ReportFigures> ComputeReportFigures(
    const AnalyticsState& state, std::string_view project,
    const ReportOptions& options,
    const AdjudicationOutcomes* outcomes = nullptr);

// The percentile interval of `defined` (the defined replicates' values, in
// any order) out of `replicates` drawn. Exposed for tests.
ConfidenceInterval PercentileInterval(std::vector<double> defined,
                                      int32_t replicates);

}  // namespace consilium::projections

#endif  // CONSILIUM_PROJECTIONS_REPORT_FIGURES_H_
