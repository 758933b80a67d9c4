#include "statistics/agreement.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "statistics/rating_table.h"
#include "tests/testing/files.h"

namespace consilium::statistics {
namespace {

// Oracle values below come from Debian 12's statsmodels 0.13.5
// (fleiss_kappa), scikit-learn 1.2.1 (cohen_kappa_score with labels= all
// categories) and nltk 3.8 (AnnotationTask alpha with binary_distance,
// interval_distance and the ordinal/ratio metrics, kappa, multi_kappa,
// avg_Ao, jaccard_distance, masi_distance); published values from Fleiss
// (1971) and Krippendorff's "Computing Krippendorff's Alpha-Reliability".
constexpr double kOracle = 1e-9;
constexpr double kPublished = 1e-3;

#define LOAD_SHARED_OR_SKIP(table, name)                                 \
  const std::string csv_##table = testing::ReadAgreementData(name);      \
  if (csv_##table.empty()) {                                             \
    GTEST_SKIP() << "reference data dir missing: CONSILIUM_SHARED_DATA/" \
                    "agreement/" name;                                   \
  }                                                                      \
  StatusOr<RatingTable> table = RatingTable::FromWideCsv(csv_##table);   \
  ASSERT_TRUE(table.ok()) << table.status().ToString()

void ExpectValue(const Statistic& s, double expected, double tolerance) {
  ASSERT_TRUE(s.value.has_value()) << s.undefined_reason;
  EXPECT_TRUE(s.undefined_reason.empty());
  EXPECT_NEAR(*s.value, expected, tolerance);
}

void ExpectUndefined(const Statistic& s, const std::string& reason) {
  EXPECT_FALSE(s.value.has_value());
  EXPECT_EQ(s.undefined_reason, reason);
}

TEST(FleissKappaTest, MatchesFleiss1971AndStatsmodelsOnDiagnoses) {
  LOAD_SHARED_OR_SKIP(t, "diagnoses.csv");
  StatusOr<FleissKappaResult> f = FleissKappa(*t);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ExpectValue(f->overall, 0.430, kPublished);
  ExpectValue(f->overall, 0.43024452006014074, kOracle);
  EXPECT_EQ(f->overall.items, 30);
  EXPECT_EQ(f->overall.ratings, 180);
  // Fleiss (1971) per-category kappas: .245 .245 .520 .471 .566.
  ASSERT_EQ(f->per_category.size(), 5u);
  const double expected[] = {0.2447552447552448, 0.2447552447552448, 0.52,
                             0.47112727272727273, 0.5661178068239687};
  for (int c = 0; c < 5; ++c) {
    ExpectValue(f->per_category[c], expected[c], kOracle);
  }
}

TEST(FleissKappaTest, UnequalRatingCountsNameTheItem) {
  StatusOr<RatingTable> t =
      RatingTable::FromWideCsv("item,a,b,c\nx,1,1,2\ny,1,NA,1\nz,,,\n");
  ASSERT_TRUE(t.ok());
  StatusOr<FleissKappaResult> f = FleissKappa(*t);
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.status().message(),
            "item \"y\" has 2 ratings but item \"x\" has 3 ratings; Fleiss' "
            "kappa needs the same number of ratings on every item "
            "(Krippendorff's alpha handles missing ratings)");
  AgreementReport report = ComputeAgreement(*t);
  ExpectUndefined(report.fleiss.overall, f.status().message());
}

TEST(FleissKappaTest, SkipsItemsWithoutRatings) {
  StatusOr<RatingTable> with_empty =
      RatingTable::FromWideCsv("a,b\n1,2\nNA,NA\n2,2\n1,1\n");
  StatusOr<RatingTable> without =
      RatingTable::FromWideCsv("a,b\n1,2\n2,2\n1,1\n");
  ASSERT_TRUE(with_empty.ok() && without.ok());
  StatusOr<FleissKappaResult> f1 = FleissKappa(*with_empty);
  StatusOr<FleissKappaResult> f2 = FleissKappa(*without);
  ASSERT_TRUE(f1.ok() && f2.ok());
  ASSERT_TRUE(f1->overall.value && f2->overall.value);
  EXPECT_EQ(*f1->overall.value, *f2->overall.value);
  EXPECT_EQ(f1->overall.items, 3);
}

TEST(KrippendorffAlphaTest, MatchesPublishedExampleAndNltk) {
  LOAD_SHARED_OR_SKIP(t, "krippendorff_C_units_x_coders.csv");
  const Statistic nominal = KrippendorffAlpha(*t, Level::kNominal);
  const Statistic ordinal = KrippendorffAlpha(*t, Level::kOrdinal);
  const Statistic interval = KrippendorffAlpha(*t, Level::kInterval);
  const Statistic ratio = KrippendorffAlpha(*t, Level::kRatio);
  ExpectValue(nominal, 0.743, kPublished);
  ExpectValue(ordinal, 0.815, kPublished);
  ExpectValue(interval, 0.849, kPublished);
  ExpectValue(ratio, 0.797, kPublished);
  ExpectValue(nominal, 0.743421052631579, kOracle);
  ExpectValue(ordinal, 0.8153875037548813, kOracle);
  ExpectValue(interval, 0.8491071428571428, kOracle);
  ExpectValue(ratio, 0.797402774711612, kOracle);
  // 11 pairable units (unit 12 has one value) holding 40 pairable values.
  EXPECT_EQ(nominal.items, 11);
  EXPECT_EQ(nominal.ratings, 40);
}

TEST(KrippendorffAlphaTest, MatchesNltkOnDiagnoses) {
  LOAD_SHARED_OR_SKIP(t, "diagnoses.csv");
  ExpectValue(KrippendorffAlpha(*t, Level::kNominal), 0.4334098282820288,
              kOracle);
  ExpectValue(KrippendorffAlpha(*t, Level::kOrdinal), 0.3358575221739841,
              kOracle);
  ExpectValue(KrippendorffAlpha(*t, Level::kInterval), 0.28804962598066053,
              kOracle);
  ExpectValue(KrippendorffAlpha(*t, Level::kRatio), 0.24001029414768882,
              kOracle);
}

TEST(CohenKappaTest, MatchesSklearnOnVision) {
  LOAD_SHARED_OR_SKIP(t, "vision.csv");
  ASSERT_EQ(t->num_raters(), 2);
  const Statistic none = CohenKappa(*t, 0, 1, KappaWeights::kUnweighted);
  ExpectValue(none, 0.5953888280894342, kOracle);
  ExpectValue(CohenKappa(*t, 0, 1, KappaWeights::kLinear), 0.6523804295005982,
              kOracle);
  ExpectValue(CohenKappa(*t, 0, 1, KappaWeights::kQuadratic),
              0.7023342524900977, kOracle);
  EXPECT_EQ(none.items, 7477);
  EXPECT_EQ(none.ratings, 2 * 7477);
}

TEST(AgreementReportTest, DiagnosesMatchesNltkAndSklearn) {
  LOAD_SHARED_OR_SKIP(t, "diagnoses.csv");
  AgreementReport r = ComputeAgreement(*t);
  EXPECT_EQ(r.items, 30);
  EXPECT_EQ(r.raters, 6);
  EXPECT_EQ(r.ratings, 180);
  ExpectValue(r.percent_agreement_all_raters, 0.16666666666666666, kOracle);
  ExpectValue(r.percent_agreement_pairwise, 0.5555555555555556, kOracle);
  ExpectValue(r.light_kappa, 0.45941214443459544, kOracle);     // nltk kappa
  ExpectValue(r.conger_kappa, 0.441808540329333, kOracle);      // multi_kappa
  ExpectValue(r.fleiss.overall, 0.43024452006014086, kOracle);  // nltk pi
  ASSERT_EQ(r.cohen.size(), 15u);
  EXPECT_EQ(r.cohen[0].rater_a, 0);
  EXPECT_EQ(r.cohen[0].rater_b, 1);
  ExpectValue(r.cohen[0].unweighted, 0.6511627906976745, kOracle);
  ExpectValue(r.cohen[0].linear, 0.6330935251798562, kOracle);
  ExpectValue(r.cohen[0].quadratic, 0.6554621848739496, kOracle);
  // Pair (2, 5) is the 12th in (a, b) order.
  const PairKappa& p = r.cohen[11];
  EXPECT_EQ(p.rater_a, 2);
  EXPECT_EQ(p.rater_b, 5);
  ExpectValue(p.unweighted, 0.33333333333333337, kOracle);
  ExpectValue(p.linear, 0.25767918088737196, kOracle);
  ExpectValue(p.quadratic, 0.1839080459770115, kOracle);
  // The pairwise matrix and the single-pair function agree.
  for (const PairKappa& q : r.cohen) {
    const Statistic s =
        CohenKappa(*t, q.rater_a, q.rater_b, KappaWeights::kQuadratic);
    ASSERT_TRUE(s.value && q.quadratic.value);
    EXPECT_EQ(*s.value, *q.quadratic.value);
  }
}

// Missing ratings; pair (a, b) never uses category 3, so rank weights over
// all categories differ from weights over the pair's own categories.
constexpr const char* kMissingCsv =
    "item,a,b,c\n"
    "i1,1,1,2\n"
    "i2,2,2,2\n"
    "i3,3,NA,3\n"
    "i4,1,2,NA\n"
    "i5,NA,4,4\n"
    "i6,4,4,1\n"
    "i7,2,NA,NA\n"
    "i8,1,1,1\n"
    "i9,5,4,5\n";

TEST(AgreementReportTest, MissingRatingsMatchSklearnAndNltk) {
  StatusOr<RatingTable> t = RatingTable::FromWideCsv(kMissingCsv);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  AgreementReport r = ComputeAgreement(*t);
  ASSERT_EQ(r.cohen.size(), 3u);
  const double expected[3][3] = {
      {0.5384615384615384, 0.7857142857142857, 0.9189189189189189},
      {0.5714285714285714, 0.5862068965517241, 0.605263157894737},
      {0.33333333333333337, 0.48275862068965525, 0.56}};
  for (int p = 0; p < 3; ++p) {
    ExpectValue(r.cohen[p].unweighted, expected[p][0], kOracle);
    ExpectValue(r.cohen[p].linear, expected[p][1], kOracle);
    ExpectValue(r.cohen[p].quadratic, expected[p][2], kOracle);
    EXPECT_EQ(r.cohen[p].unweighted.items, 6);
    EXPECT_EQ(r.cohen[p].unweighted.ratings, 12);
  }
  ExpectValue(r.krippendorff_alpha_nominal, 0.5209580838323353, kOracle);
  ExpectValue(r.krippendorff_alpha_ordinal, 0.6654778416220857, kOracle);
  ExpectValue(r.krippendorff_alpha_interval, 0.7228637413394918, kOracle);
  ExpectValue(r.krippendorff_alpha_ratio, 0.6260951026624705, kOracle);
  EXPECT_EQ(r.krippendorff_alpha_nominal.items, 8);
  EXPECT_EQ(r.krippendorff_alpha_nominal.ratings, 21);
  ExpectValue(r.percent_agreement_all_raters, 0.5, kOracle);
  ExpectValue(r.percent_agreement_pairwise, 0.625, kOracle);
  EXPECT_EQ(r.percent_agreement_pairwise.items, 8);
  EXPECT_EQ(r.percent_agreement_pairwise.ratings, 21);
  ExpectUndefined(r.conger_kappa,
                  "item \"i3\" has 2 of 3 ratings: Conger's kappa needs every "
                  "rater to rate every item");
  ExpectValue(
      r.light_kappa,
      (0.5384615384615384 + 0.5714285714285714 + 0.33333333333333337) / 3,
      kOracle);
}

TEST(AgreementReportTest, RepeatedRatingsUseTheLastOne) {
  StatusOr<RatingTable> repeated = RatingTable::FromLongCsv(
      "item,rater,label\nx,a,1\nx,b,2\nx,a,2\ny,a,1\ny,b,1\ny,b,2\ny,b,1\n");
  StatusOr<RatingTable> last =
      RatingTable::FromWideCsv("item,a,b\nx,2,2\ny,1,1\n");
  ASSERT_TRUE(repeated.ok() && last.ok());
  ExpectValue(PercentAgreementAllRaters(*repeated), 1.0, 0);
  EXPECT_EQ(ComputeAgreement(*repeated).superseded_ratings, 3);
  const Statistic a = KrippendorffAlpha(*repeated, Level::kNominal);
  const Statistic b = KrippendorffAlpha(*last, Level::kNominal);
  ASSERT_TRUE(a.value && b.value);
  EXPECT_EQ(*a.value, *b.value);
  EXPECT_EQ(a.ratings, 4);
}

TEST(CohenKappaTest, WeightsUseRanksNotValues) {
  // Values 1, 2, 10: with rank weights 1-2 and 2-10 are equally far apart.
  StatusOr<RatingTable> ranks =
      RatingTable::FromWideCsv("a,b\n1,2\n2,10\n10,10\n1,1\n");
  StatusOr<RatingTable> spaced =
      RatingTable::FromWideCsv("a,b\n1,2\n2,3\n3,3\n1,1\n");
  ASSERT_TRUE(ranks.ok() && spaced.ok());
  for (KappaWeights w : {KappaWeights::kLinear, KappaWeights::kQuadratic}) {
    const Statistic x = CohenKappa(*ranks, 0, 1, w);
    const Statistic y = CohenKappa(*spaced, 0, 1, w);
    ASSERT_TRUE(x.value && y.value);
    EXPECT_EQ(*x.value, *y.value);
  }
}

TEST(DegenerateTest, OneRater) {
  StatusOr<RatingTable> t = RatingTable::FromWideCsv("item,a\nx,1\ny,2\n");
  ASSERT_TRUE(t.ok());
  AgreementReport r = ComputeAgreement(*t);
  const std::string nothing =
      "no item has two or more ratings: nothing is pairable";
  ExpectUndefined(r.percent_agreement_all_raters, nothing);
  ExpectUndefined(r.percent_agreement_pairwise, nothing);
  ExpectUndefined(r.krippendorff_alpha_nominal, nothing);
  ExpectUndefined(r.krippendorff_alpha_ratio, nothing);
  ExpectUndefined(r.fleiss.overall,
                  "every item has one rating: no pairs to compare");
  EXPECT_TRUE(r.cohen.empty());
  ExpectUndefined(r.light_kappa, "fewer than two raters");
  ExpectUndefined(r.conger_kappa, "fewer than two raters");
}

TEST(DegenerateTest, OneCategoryEveryoneAgrees) {
  StatusOr<RatingTable> t =
      RatingTable::FromWideCsv("item,a,b,c\nx,yes,yes,yes\ny,yes,yes,yes\n");
  ASSERT_TRUE(t.ok());
  AgreementReport r = ComputeAgreement(*t);
  ExpectValue(r.percent_agreement_all_raters, 1.0, 0);
  ExpectValue(r.percent_agreement_pairwise, 1.0, 0);
  ExpectUndefined(r.krippendorff_alpha_nominal,
                  "all pairable ratings are equal: no expected disagreement");
  EXPECT_EQ(r.krippendorff_alpha_nominal.items, 2);
  EXPECT_EQ(r.krippendorff_alpha_nominal.ratings, 6);
  ExpectUndefined(r.krippendorff_alpha_interval,
                  "all pairable ratings are equal: no expected disagreement");
  ExpectUndefined(r.fleiss.overall,
                  "all ratings are in one category: no expected disagreement");
  ExpectUndefined(r.cohen[0].unweighted,
                  "raters \"a\" and \"b\" gave every common item the same "
                  "category \"yes\": no expected disagreement");
  ExpectUndefined(r.light_kappa, "no rater pair has a defined Cohen's kappa");
  ExpectUndefined(r.conger_kappa,
                  "all ratings are in one category: no expected disagreement");
}

TEST(DegenerateTest, NothingPairable) {
  StatusOr<RatingTable> t =
      RatingTable::FromWideCsv("item,a,b\nx,1,NA\ny,NA,2\n");
  ASSERT_TRUE(t.ok());
  AgreementReport r = ComputeAgreement(*t);
  ExpectUndefined(r.krippendorff_alpha_ordinal,
                  "no item has two or more ratings: nothing is pairable");
  ExpectUndefined(r.cohen[0].quadratic,
                  "raters \"a\" and \"b\" rated no item in common");
  EXPECT_EQ(r.cohen[0].quadratic.items, 0);
}

TEST(DegenerateTest, EmptyTable) {
  StatusOr<RatingTable> t = RatingTable::FromWideCsv("item,a,b\n");
  ASSERT_TRUE(t.ok());
  AgreementReport r = ComputeAgreement(*t);
  ExpectUndefined(r.fleiss.overall, "no rated item");
  EXPECT_TRUE(r.fleiss.per_category.empty());
  ExpectUndefined(r.conger_kappa, "no rated item");
}

TEST(DegenerateTest, MetricNeedsNumbersOrNonNegativeValues) {
  StatusOr<RatingTable> text =
      RatingTable::FromWideCsv("item,a,b\nx,lo,hi\ny,hi,hi\n");
  ASSERT_TRUE(text.ok());
  ExpectUndefined(KrippendorffAlpha(*text, Level::kInterval),
                  "labels are not all numbers: the interval metric needs "
                  "numeric values");
  EXPECT_TRUE(KrippendorffAlpha(*text, Level::kOrdinal).value.has_value());
  StatusOr<RatingTable> negative =
      RatingTable::FromWideCsv("item,a,b\nx,-1,2\ny,2,2\n");
  ASSERT_TRUE(negative.ok());
  ExpectUndefined(KrippendorffAlpha(*negative, Level::kRatio),
                  "the ratio metric needs non-negative values; got -1");
  EXPECT_TRUE(KrippendorffAlpha(*negative, Level::kInterval).value.has_value());
}

TEST(FleissKappaTest, PerCategoryUndefinedForUnusedCategory) {
  // Category "c" appears only in a superseded rating.
  StatusOr<RatingTable> t = RatingTable::FromLongCsv(
      "item,rater,label\nx,1,c\nx,1,a\nx,2,b\ny,1,a\ny,2,a\n");
  ASSERT_TRUE(t.ok());
  StatusOr<FleissKappaResult> f = FleissKappa(*t);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->per_category.size(), 3u);
  ExpectUndefined(f->per_category[2],
                  "category \"c\" is never used on the rated items");
  EXPECT_TRUE(f->overall.value.has_value());
}

// ---- Set-valued, regions, spans ---------------------------------------------

std::vector<SetAnnotation> SetFixture() {
  return {{"u1", "a", {"x", "y"}}, {"u1", "b", {"x"}},
          {"u1", "c", {"y", "x"}}, {"u2", "a", {"z"}},
          {"u2", "b", {"z", "z"}}, {"u3", "a", {}},
          {"u3", "b", {"y"}},      {"u3", "c", {"x", "y", "z"}},
          {"u4", "a", {"x"}},      {"u4", "c", {"y", "z"}},
          {"u5", "a", {"x"}}};
}

TEST(SetAlphaTest, MatchesNltkJaccardAndMasi) {
  const std::vector<SetAnnotation> data = SetFixture();
  const Statistic jaccard = SetKrippendorffAlpha(data, SetDistance::kJaccard);
  const Statistic masi = SetKrippendorffAlpha(data, SetDistance::kMasi);
  ExpectValue(jaccard, 0.23115577889447225, kOracle);
  ExpectValue(masi, 0.24314895570346562, kOracle);
  EXPECT_EQ(jaccard.items, 4);
  EXPECT_EQ(jaccard.ratings, 10);
}

TEST(SetAlphaTest, DistancesFollowTheirDefinitions) {
  EXPECT_DOUBLE_EQ(
      SetDistanceValue({"a", "b"}, {"b", "c"}, SetDistance::kJaccard),
      1.0 - 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(SetDistanceValue({"a", "b"}, {"b", "c"}, SetDistance::kMasi),
                   1.0 - 0.33 / 3.0);
  EXPECT_DOUBLE_EQ(SetDistanceValue({"a"}, {"a", "b"}, SetDistance::kMasi),
                   1.0 - 0.67 / 2.0);
  EXPECT_EQ(SetDistanceValue({}, {}, SetDistance::kMasi), 0.0);
  EXPECT_EQ(SetDistanceValue({}, {"a"}, SetDistance::kJaccard), 1.0);
}

TEST(SetAlphaTest, DegenerateSetsAreUndefined) {
  std::vector<SetAnnotation> same = {{"u", "a", {"x"}}, {"u", "b", {"x"}}};
  ExpectUndefined(SetKrippendorffAlpha(same, SetDistance::kJaccard),
                  "all pairable sets are equal: no expected disagreement");
  std::vector<SetAnnotation> lonely = {{"u", "a", {"x"}}, {"v", "b", {"y"}}};
  ExpectUndefined(SetKrippendorffAlpha(lonely, SetDistance::kMasi),
                  "no item has two or more ratings: nothing is pairable");
}

TEST(RegionIouTest, MeanIouAndThresholdAgreement) {
  // img1: a=[0,0,2,2], b=[1,1,3,3] -> IoU 1/7; c repeats a's box, later
  // replaced by [0,0,2,2] again (last wins). img2: identical boxes. img3:
  // one rater only (not pairable).
  std::vector<BoxAnnotation> data = {
      {"img1", "a", {0, 0, 2, 2}},  {"img1", "b", {1, 1, 3, 3}},
      {"img1", "c", {5, 5, 6, 6}},  {"img1", "c", {0, 0, 2, 2}},
      {"img2", "a", {0, 0, 10, 5}}, {"img2", "b", {0, 0, 10, 5}},
      {"img3", "a", {0, 0, 1, 1}}};
  StatusOr<RegionAgreement> r = RegionIou(data, 0.5);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // img1 pairs: (a,b)=1/7, (a,c)=1, (b,c)=1/7 -> mean (9/7)/3 = 3/7.
  ExpectValue(r->mean_iou, (3.0 / 7.0 + 1.0) / 2.0, 1e-15);
  ExpectValue(r->iou_agreement, (1.0 / 3.0 + 1.0) / 2.0, 1e-15);
  EXPECT_EQ(r->mean_iou.items, 2);
  EXPECT_EQ(r->mean_iou.ratings, 5);
  EXPECT_DOUBLE_EQ(BoxIou({0, 0, 2, 2}, {2, 2, 4, 4}), 0.0);
}

TEST(RegionIouTest, RejectsEmptyBoxesAndBadThresholds) {
  std::vector<BoxAnnotation> flat = {{"img", "a", {0, 0, 2, 0}}};
  StatusOr<RegionAgreement> r = RegionIou(flat);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "box annotation 0 (item \"img\", rater \"a\"): needs finite "
            "x_min < x_max and y_min < y_max");
  std::vector<BoxAnnotation> nan_box = {{"img", "a", {0, 0, NAN, 1}}};
  EXPECT_EQ(RegionIou(nan_box).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RegionIou({}, 0.0).status().code(), StatusCode::kInvalidArgument);
  StatusOr<RegionAgreement> none = RegionIou({}, 1.0);
  ASSERT_TRUE(none.ok());
  ExpectUndefined(none->mean_iou, "no item has boxes from two or more raters");
}

TEST(SpanOverlapTest, CharacterOverlapF1) {
  // n1: a covers [0,10) (two overlapping spans merged), b covers [5,15):
  // overlap 5, F1 = 10/20. n2: both marked nothing: F1 = 1.
  std::vector<SpanAnnotation> data = {{"n1", "a", {{0, 6}, {4, 10}}},
                                      {"n1", "b", {{5, 15}}},
                                      {"n2", "a", {}},
                                      {"n2", "b", {}},
                                      {"n3", "a", {{0, 3}}}};
  StatusOr<SpanAgreement> s = SpanOverlapF1(data);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ExpectValue(s->mean_f1, (0.5 + 1.0) / 2.0, 1e-15);
  ExpectValue(s->micro_f1, 0.5, 1e-15);
  EXPECT_EQ(s->mean_f1.items, 2);
  EXPECT_EQ(s->mean_f1.ratings, 4);
}

TEST(SpanOverlapTest, DisjointSpansScoreZeroAndEmptyMarksAreUndefinedMicro) {
  std::vector<SpanAnnotation> disjoint = {{"n", "a", {{0, 2}}},
                                          {"n", "b", {{2, 4}}}};
  StatusOr<SpanAgreement> s = SpanOverlapF1(disjoint);
  ASSERT_TRUE(s.ok());
  ExpectValue(s->mean_f1, 0.0, 0);
  std::vector<SpanAnnotation> empty = {{"n", "a", {}}, {"n", "b", {}}};
  StatusOr<SpanAgreement> e = SpanOverlapF1(empty);
  ASSERT_TRUE(e.ok());
  ExpectValue(e->mean_f1, 1.0, 0);
  ExpectUndefined(e->micro_f1,
                  "no rater marked any span on the compared items");
  std::vector<SpanAnnotation> bad = {{"n", "a", {{3, 3}}}};
  StatusOr<SpanAgreement> b = SpanOverlapF1(bad);
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.status().message(),
            "span annotation 0 (item \"n\", rater \"a\"): span [3, 3) needs "
            "0 <= begin < end");
}

}  // namespace
}  // namespace consilium::statistics
