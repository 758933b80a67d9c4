// Inter-rater agreement statistics on a RatingTable, and agreement for
// set-valued fields, image regions (boxes) and text spans.
//
// Every statistic returns a Statistic: a value, or no value plus the reason it
// is undefined (one rater, one category, nothing pairable, ...), never NaN;
// and the number of items and ratings behind it. The exact definitions, the
// package each one matches (statsmodels, scikit-learn, nltk) and the result
// on degenerate input are in docs/statistics.md. All functions are pure and
// deterministic (fixed summation order); they use the table's current
// ratings: one per (item, rater), the last in input order.
//
// Thread-safety: no shared state; call concurrently on the same const table.
//
// Example:
//   StatusOr<RatingTable> t = RatingTable::FromWideCsv(csv);
//   Statistic a = KrippendorffAlpha(*t, Level::kOrdinal);
//   if (a.value) Print(*a.value, a.items, a.ratings);
//   else Print(a.undefined_reason);
#ifndef CONSILIUM_STATISTICS_AGREEMENT_H_
#define CONSILIUM_STATISTICS_AGREEMENT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "statistics/rating_table.h"

namespace consilium::statistics {

// One statistic's outcome.
struct Statistic {
  std::optional<double> value;   // empty when undefined
  std::string undefined_reason;  // non-empty exactly when value is empty
  int64_t items = 0;             // items that entered the computation
  int64_t ratings = 0;           // ratings that entered the computation
};

// Share of items with >= 2 ratings on which all ratings agree.
Statistic PercentAgreementAllRaters(const RatingTable& table);

// Mean over items with >= 2 ratings of the share of agreeing rater pairs on
// the item (Fleiss' P-bar, extended to unequal rating counts).
Statistic PercentAgreementPairwise(const RatingTable& table);

// Weights of the weighted kappas, on category indices (ranks) i, j over all
// the table's categories: linear |i-j|, quadratic (i-j)^2, as scikit-learn's
// cohen_kappa_score(labels=<all categories>).
enum class KappaWeights { kUnweighted, kLinear, kQuadratic };

// Cohen's kappa of two raters on the items both rated. Requires
// 0 <= rater_a, rater_b < table.num_raters() and rater_a != rater_b.
Statistic CohenKappa(const RatingTable& table, int32_t rater_a, int32_t rater_b,
                     KappaWeights weights);

struct PairKappa {
  int32_t rater_a = 0;  // rater_a < rater_b
  int32_t rater_b = 0;
  Statistic unweighted;
  Statistic linear;
  Statistic quadratic;
};

// Cohen's kappa (all three weightings) for every rater pair a < b, in
// lexicographic (a, b) order: the pairwise kappa matrix's upper triangle.
std::vector<PairKappa> PairwiseCohenKappa(const RatingTable& table);

// Light's kappa: the mean of the defined unweighted pairwise kappas (nltk's
// AnnotationTask.kappa on complete data). Undefined when no pair is defined.
Statistic LightKappa(const RatingTable& table,
                     std::span<const PairKappa> pairs);

// Conger's (1980) exact kappa, as nltk's AnnotationTask.multi_kappa (Davies
// and Fleiss 1982). Defined on complete data only: every rated item rated by
// every rater; undefined (reason names an item) otherwise.
Statistic CongerKappa(const RatingTable& table);

struct FleissKappaResult {
  Statistic overall;
  std::vector<Statistic> per_category;  // by category index
};

// Fleiss' (1971) kappa, as statsmodels' fleiss_kappa(method="fleiss"), and
// Fleiss' per-category kappa. Items without ratings are skipped. Returns
// InvalidArgument naming the first item whose rating count differs from the
// first rated item's (Fleiss' kappa needs equal counts).
StatusOr<FleissKappaResult> FleissKappa(const RatingTable& table);

// Krippendorff's alpha with the metric of `level`, from the coincidence
// matrix (each pairable value weighted 1/(m_u - 1)); units with fewer than
// two ratings are not pairable. Interval and ratio need a numeric table,
// ratio non-negative values; otherwise undefined with the reason.
Statistic KrippendorffAlpha(const RatingTable& table, Level level);

// Everything above for one field, computed with shared passes over the table
// (what `consilium agreement` prints). FleissKappa's InvalidArgument becomes
// an undefined `fleiss_kappa` carrying its message.
struct AgreementReport {
  int32_t items = 0;  // items in the table, rated or not
  int32_t raters = 0;
  int64_t ratings = 0;             // current ratings
  int64_t superseded_ratings = 0;  // repeats not used by agreement
  Statistic percent_agreement_all_raters;
  Statistic percent_agreement_pairwise;
  FleissKappaResult fleiss;
  Statistic krippendorff_alpha_nominal;
  Statistic krippendorff_alpha_ordinal;
  Statistic krippendorff_alpha_interval;
  Statistic krippendorff_alpha_ratio;
  std::vector<PairKappa> cohen;
  Statistic light_kappa;
  Statistic conger_kappa;
};
AgreementReport ComputeAgreement(const RatingTable& table);

// ---- Set-valued fields ------------------------------------------------------

// One rater's set of labels for one item. An empty set is a rating ("none").
struct SetAnnotation {
  std::string item;
  std::string rater;
  std::vector<std::string> labels;  // duplicates ignored
};

// Jaccard: 1 - |A∩B|/|A∪B|. MASI (Passonneau 2006, nltk's masi_distance):
// 1 - J*M, M = 1 if A = B, 0.67 if one contains the other, 0.33 if they
// intersect, 0 otherwise. Two empty sets are at distance 0.
enum class SetDistance { kJaccard, kMasi };

// Distance between two label sets under `distance`.
double SetDistanceValue(const std::vector<std::string>& a,
                        const std::vector<std::string>& b,
                        SetDistance distance);

// Krippendorff's alpha with a set distance (as nltk's AnnotationTask alpha
// with jaccard_distance / masi_distance on frozensets). A repeated (item,
// rater) keeps its last annotation.
Statistic SetKrippendorffAlpha(std::span<const SetAnnotation> annotations,
                               SetDistance distance);

// ---- Regions (bounding boxes) -----------------------------------------------

// Axis-aligned box, x_min < x_max and y_min < y_max, finite.
struct Box {
  double x_min = 0;
  double y_min = 0;
  double x_max = 0;
  double y_max = 0;
};

// One rater's box for one item (one region per item and rater).
struct BoxAnnotation {
  std::string item;
  std::string rater;
  Box box;
};

// Intersection over union of two valid boxes.
double BoxIou(const Box& a, const Box& b);

struct RegionAgreement {
  double threshold = 0.5;
  // Mean over items with >= 2 boxes of the mean IoU over their rater pairs.
  Statistic mean_iou;
  // Same mean of the share of rater pairs with IoU >= threshold.
  Statistic iou_agreement;
};

// InvalidArgument for a box that is not finite or has no area (naming the
// annotation's index, item and rater), or a threshold outside (0, 1]. A
// repeated (item, rater) keeps its last box.
StatusOr<RegionAgreement> RegionIou(std::span<const BoxAnnotation> annotations,
                                    double threshold = 0.5);

// ---- Text spans -------------------------------------------------------------

// Half-open character range [begin, end), 0 <= begin < end.
struct Span {
  int64_t begin = 0;
  int64_t end = 0;
};

// One rater's spans on one item; overlapping spans are merged; an empty list
// is a rating ("no span").
struct SpanAnnotation {
  std::string item;
  std::string rater;
  std::vector<Span> spans;
};

struct SpanAgreement {
  // Mean over items with >= 2 raters of the mean over rater pairs of the
  // character-overlap F1 2|A∩B| / (|A| + |B|); a pair that both marked
  // nothing scores 1.
  Statistic mean_f1;
  // 2 Σ|A∩B| / Σ(|A| + |B|) over all those pairs; undefined when nothing was
  // marked at all.
  Statistic micro_f1;
};

// InvalidArgument for a span with begin < 0 or end <= begin (naming the
// annotation's index, item and rater). A repeated (item, rater) keeps its
// last spans.
StatusOr<SpanAgreement> SpanOverlapF1(
    std::span<const SpanAnnotation> annotations);

}  // namespace consilium::statistics

#endif  // CONSILIUM_STATISTICS_AGREEMENT_H_
