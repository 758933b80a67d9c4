#include "statistics/dawid_skene.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "statistics/rating_table.h"
#include "tests/testing/files.h"

namespace consilium::statistics {
namespace {

#define LOAD_TOY_OR_SKIP(table)                                          \
  const std::string csv_##table =                                        \
      testing::ReadAgreementData("crowdkit_ds_toy_5tasks.csv");          \
  if (csv_##table.empty()) {                                             \
    GTEST_SKIP() << "reference data dir missing: CONSILIUM_SHARED_DATA/" \
                    "agreement/crowdkit_ds_toy_5tasks.csv";              \
  }                                                                      \
  StatusOr<RatingTable> table = RatingTable::FromLongCsv(csv_##table);   \
  ASSERT_TRUE(table.ok()) << table.status().ToString()

// Rater index by name: raters are numbered in order of first appearance
// (w1, w2, w4, w5, w3 in the toy file).
int32_t RaterIndex(const RatingTable& t, const std::string& name) {
  for (int32_t r = 0; r < t.num_raters(); ++r) {
    if (t.rater_name(r) == name) return r;
  }
  ADD_FAILURE() << "no rater " << name;
  return 0;
}

// Categories sort as no (0), yes (1); tasks t1..t5 keep input order.
TEST(DawidSkeneTest, ZeroIterationsGiveCrowdKitsInitialisation) {
  LOAD_TOY_OR_SKIP(t);
  DawidSkeneOptions options;
  options.max_iterations = 0;
  StatusOr<DawidSkeneResult> ds = DawidSkene(*t, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  const double shares[] = {0.5, 0.4, 0.6, 0.0, 0.8};
  for (int i = 0; i < 5; ++i) EXPECT_DOUBLE_EQ(ds->posterior(i, 0), shares[i]);
  EXPECT_NEAR(ds->priors[0], 0.46, 1e-15);
  // crowd-kit's errors_iter_0, rounded to 2 decimals: P(given | true).
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w1"), 0, 0), 0.22,
              0.005);  // w1 no | no
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w1"), 1, 0), 0.19,
              0.005);  // w1 no | yes
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w5"), 0, 0), 1.00,
              0.005);  // w5 no | no
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w5"), 1, 0), 0.63,
              0.005);  // w5 no | yes
  EXPECT_EQ(ds->iterations, 0);
  EXPECT_FALSE(ds->converged);
}

TEST(DawidSkeneTest, OneIterationReproducesCrowdKitWorkedExample) {
  LOAD_TOY_OR_SKIP(t);
  DawidSkeneOptions options;
  options.max_iterations = 1;
  StatusOr<DawidSkeneResult> ds = DawidSkene(*t, options);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->iterations, 1);
  // crowd-kit's probas_iter_1 / priors_iter_1 (2 decimals).
  const double p_no[] = {0.35, 0.26, 0.87, 0.00, 0.95};
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(ds->posterior(i, 0), p_no[i], 0.005) << "task " << i + 1;
    EXPECT_NEAR(ds->posterior(i, 0) + ds->posterior(i, 1), 1.0, 1e-15);
  }
  EXPECT_NEAR(ds->priors[0], 0.49, 0.005);
  EXPECT_NEAR(ds->priors[1], 0.51, 0.005);
  // Full precision from an independent numpy transcription of crowd-kit's
  // fit loop (initial M-step, then E-step + M-step).
  const double exact[] = {0.35193768124108704, 0.26022137185918565,
                          0.8733999673991968, 0.0, 0.9470181898519773};
  for (int i = 0; i < 5; ++i) EXPECT_NEAR(ds->posterior(i, 0), exact[i], 1e-12);
  EXPECT_EQ(ds->posterior(3, 0), 0.0);  // w5 never says yes to a "no" task
  EXPECT_NEAR(ds->priors[0], 0.48651544207028935, 1e-12);
  // crowd-kit's errors_iter_1 (2 decimals) and the exact values.
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w1"), 0, 0), 0.14, 0.005);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w1"), 1, 0), 0.25, 0.005);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w2"), 0, 0), 0.75, 0.005);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w2"), 1, 0), 0.07, 0.005);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w3"), 0, 0), 0.87, 0.005);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w3"), 1, 0), 0.09, 0.005);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w4"), 0, 0), 0.50, 0.005);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w4"), 1, 0), 0.31, 0.005);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w5"), 0, 0), 1.00, 0.005);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w5"), 1, 0), 0.61, 0.005);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w1"), 0, 0), 0.14467688003631377,
              1e-12);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w1"), 1, 0), 0.2524174519957518,
              1e-12);
  EXPECT_NEAR(ds->confusion(RaterIndex(*t, "w5"), 1, 1), 0.3894956467753747,
              1e-12);
  // Log-likelihood of the reported (post-iteration) parameters.
  EXPECT_NEAR(ds->log_likelihood, -11.928493662547693, 1e-9);
}

TEST(DawidSkeneTest, TwoIterationsContinueTheSameSequence) {
  LOAD_TOY_OR_SKIP(t);
  DawidSkeneOptions options;
  options.max_iterations = 2;
  StatusOr<DawidSkeneResult> ds = DawidSkene(*t, options);
  ASSERT_TRUE(ds.ok());
  EXPECT_NEAR(ds->posterior(0, 0), 0.1492231887717999, 1e-12);
  EXPECT_NEAR(ds->posterior(4, 0), 0.9965098836962573, 1e-12);
  EXPECT_NEAR(ds->priors[0], 0.44687075716083424, 1e-12);
  EXPECT_NEAR(ds->log_likelihood, -10.96652582269863, 1e-9);
}

TEST(DawidSkeneTest, LogLikelihoodNeverDecreasesAndConverges) {
  LOAD_TOY_OR_SKIP(t);
  double previous = -INFINITY;
  for (int32_t n = 0; n <= 20; ++n) {
    DawidSkeneOptions options;
    options.max_iterations = n;
    StatusOr<DawidSkeneResult> ds = DawidSkene(*t, options);
    ASSERT_TRUE(ds.ok());
    EXPECT_GE(ds->log_likelihood, previous - 1e-12) << n << " iterations";
    previous = ds->log_likelihood;
  }
  StatusOr<DawidSkeneResult> full = DawidSkene(*t);
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(full->converged);
  EXPECT_LT(full->iterations, 100);
  EXPECT_GE(full->iterations, 2);
}

TEST(DawidSkeneTest, DeterministicBitForBit) {
  LOAD_TOY_OR_SKIP(t);
  StatusOr<DawidSkeneResult> a = DawidSkene(*t);
  StatusOr<DawidSkeneResult> b = DawidSkene(*t);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->posteriors, b->posteriors);
  EXPECT_EQ(a->priors, b->priors);
  EXPECT_EQ(a->confusions, b->confusions);
  EXPECT_EQ(a->log_likelihood, b->log_likelihood);
  EXPECT_EQ(a->iterations, b->iterations);
}

TEST(DawidSkeneTest, RepeatedRatingsCountAsSeparateObservations) {
  // w1 rates t1 twice ("a" then "b"): both enter n_ilk.
  StatusOr<RatingTable> t = RatingTable::FromLongCsv(
      "item,rater,label\nt1,w1,a\nt1,w2,a\nt1,w1,b\nt2,w1,b\nt2,w2,b\n");
  ASSERT_TRUE(t.ok());
  DawidSkeneOptions zero;
  zero.max_iterations = 0;
  StatusOr<DawidSkeneResult> ds = DawidSkene(*t, zero);
  ASSERT_TRUE(ds.ok());
  EXPECT_DOUBLE_EQ(ds->posterior(0, 0), 2.0 / 3.0);  // vote shares count both
  EXPECT_EQ(ds->ratings, 5);
  // w1's row for class a: t1 weight 2/3 split over its two ratings a and b,
  // t2 weight 0: P(a | a) = (2/3) / (4/3) = 0.5.
  EXPECT_DOUBLE_EQ(ds->confusion(RaterIndex(*t, "w1"), 0, 0), 0.5);
}

TEST(DawidSkeneTest, UnratedItemsGetThePriors) {
  StatusOr<RatingTable> t = RatingTable::FromLongCsv(
      "item,rater,label\nt1,w1,a\nt1,w2,a\nt2,w1,NA\nt3,w1,b\nt3,w2,b\n");
  ASSERT_TRUE(t.ok());
  StatusOr<DawidSkeneResult> ds = DawidSkene(*t);
  ASSERT_TRUE(ds.ok());
  EXPECT_EQ(ds->items, 2);
  EXPECT_EQ(ds->posterior(1, 0), ds->priors[0]);
  EXPECT_EQ(ds->posterior(1, 1), ds->priors[1]);
}

TEST(DawidSkeneTest, OneClassIsCertain) {
  StatusOr<RatingTable> t =
      RatingTable::FromLongCsv("item,rater,label\nt1,w1,a\nt2,w2,a\n");
  ASSERT_TRUE(t.ok());
  StatusOr<DawidSkeneResult> ds = DawidSkene(*t);
  ASSERT_TRUE(ds.ok());
  EXPECT_EQ(ds->posterior(0, 0), 1.0);
  EXPECT_EQ(ds->priors[0], 1.0);
  EXPECT_EQ(ds->log_likelihood, 0.0);
  EXPECT_TRUE(ds->converged);
}

TEST(DawidSkeneTest, SmoothingKeepsProbabilitiesPositive) {
  LOAD_TOY_OR_SKIP(t);
  DawidSkeneOptions options;
  options.smoothing = 0.01;
  StatusOr<DawidSkeneResult> ds = DawidSkene(*t, options);
  ASSERT_TRUE(ds.ok());
  for (double c : ds->confusions) EXPECT_GT(c, 0.0);
  for (int i = 0; i < 5; ++i) EXPECT_GT(ds->posterior(i, 0), 0.0);
}

TEST(DawidSkeneTest, RejectsBadOptionsAndEmptyTables) {
  StatusOr<RatingTable> empty = RatingTable::FromLongCsv("item,rater,label\n");
  ASSERT_TRUE(empty.ok());
  StatusOr<DawidSkeneResult> none = DawidSkene(*empty);
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(none.status().message(), "no ratings to aggregate");

  StatusOr<RatingTable> t =
      RatingTable::FromLongCsv("item,rater,label\nt1,w1,a\n");
  ASSERT_TRUE(t.ok());
  DawidSkeneOptions bad;
  bad.max_iterations = -1;
  EXPECT_EQ(DawidSkene(*t, bad).status().message(),
            "max_iterations must be >= 0, got -1");
  bad = {};
  bad.tolerance = -1;
  EXPECT_EQ(DawidSkene(*t, bad).status().code(), StatusCode::kInvalidArgument);
  bad = {};
  bad.smoothing = NAN;
  EXPECT_EQ(DawidSkene(*t, bad).status().code(), StatusCode::kInvalidArgument);
}

// prefix + number, built by appending: `"i" + std::to_string(n)` trips
// GCC 12's false -Wrestrict (PR 105651) at -O3.
std::string Name(const char* prefix, int32_t n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

// Uniform [0, 1) from mt19937_64's raw output: the engine's sequence is fixed
// by the standard, std::uniform_real_distribution's is not.
double Uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

int32_t Draw(std::mt19937_64& rng, const std::vector<double>& p) {
  double u = Uniform(rng);
  for (size_t k = 0; k + 1 < p.size(); ++k) {
    if (u < p[k]) return static_cast<int32_t>(k);
    u -= p[k];
  }
  return static_cast<int32_t>(p.size()) - 1;
}

// 20,000 items (the smallest class has ~4,000), 5 raters of known accuracy,
// seeded. Tolerances: |estimate - true| < 0.03 for every confusion cell and
// prior (the sampling s.d. of a cell is at most sqrt(.25/4000) = 0.008, so
// this is > 3.5 s.d.), and |estimate - empirical| < 0.01, where empirical is
// the confusion matrix counted from the hidden true classes (what EM can
// recover from this sample).
TEST(DawidSkeneTest, RecoversSyntheticConfusionMatrices) {
  constexpr int32_t kItems = 20000, kRaters = 5, kClasses = 3;
  const std::vector<double> priors = {0.45, 0.35, 0.20};
  // truth[r][k][l]: diagonal accuracy per rater, errors split 70/30.
  const double accuracy[kRaters] = {0.90, 0.80, 0.70, 0.85, 0.60};
  std::vector<std::vector<std::vector<double>>> truth(kRaters);
  for (int32_t r = 0; r < kRaters; ++r) {
    truth[r].assign(kClasses, std::vector<double>(kClasses, 0.0));
    for (int32_t k = 0; k < kClasses; ++k) {
      const double err = 1.0 - accuracy[r];
      truth[r][k][k] = accuracy[r];
      truth[r][k][(k + 1) % kClasses] = err * 0.7;
      truth[r][k][(k + 2) % kClasses] = err * 0.3;
    }
  }
  std::mt19937_64 rng(20240501);
  std::vector<std::string> items, raters, labels = {"c0", "c1", "c2"};
  for (int32_t i = 0; i < kItems; ++i) items.push_back(Name("i", i));
  for (int32_t r = 0; r < kRaters; ++r) raters.push_back(Name("r", r));
  std::vector<Rating> ratings;
  std::vector<int32_t> true_class(kItems);
  std::vector<double> empirical(kRaters * kClasses * kClasses, 0.0);
  std::vector<double> class_count(kClasses, 0.0);
  for (int32_t i = 0; i < kItems; ++i) {
    const int32_t k = Draw(rng, priors);
    true_class[i] = k;
    class_count[k] += 1;
    for (int32_t r = 0; r < kRaters; ++r) {
      const int32_t l = Draw(rng, truth[r][k]);
      ratings.push_back({i, r, l});
      empirical[(r * kClasses + k) * kClasses + l] += 1;
    }
  }
  StatusOr<RatingTable> t =
      RatingTable::FromRatings(items, raters, labels, ratings);
  ASSERT_TRUE(t.ok());
  StatusOr<DawidSkeneResult> ds = DawidSkene(*t);
  ASSERT_TRUE(ds.ok());
  EXPECT_TRUE(ds->converged);
  for (int32_t r = 0; r < kRaters; ++r) {
    for (int32_t k = 0; k < kClasses; ++k) {
      for (int32_t l = 0; l < kClasses; ++l) {
        const double est = ds->confusion(r, k, l);
        EXPECT_LT(std::abs(est - truth[r][k][l]), 0.03)
            << "rater " << r << " true " << k << " given " << l;
        const double emp =
            empirical[(r * kClasses + k) * kClasses + l] / class_count[k];
        EXPECT_LT(std::abs(est - emp), 0.01)
            << "rater " << r << " true " << k << " given " << l;
      }
    }
  }
  for (int32_t k = 0; k < kClasses; ++k) {
    EXPECT_LT(std::abs(ds->priors[k] - priors[k]), 0.03);
  }
  // The posterior mode recovers the true class of most items.
  int32_t correct = 0;
  for (int32_t i = 0; i < kItems; ++i) {
    int32_t best = 0;
    for (int32_t k = 1; k < kClasses; ++k) {
      if (ds->posterior(i, k) > ds->posterior(i, best)) best = k;
    }
    if (best == true_class[i]) ++correct;
  }
  EXPECT_GT(correct, kItems * 95 / 100);
}

TEST(MajorityVoteTest, TiesGoToTheFirstCategory) {
  StatusOr<RatingTable> t = RatingTable::FromLongCsv(
      "item,rater,label\nt1,w1,b\nt1,w2,a\nt2,w1,b\nt2,w2,b\nt2,w3,a\n"
      "t3,w1,NA\n");
  ASSERT_TRUE(t.ok());
  MajorityVoteResult mv = MajorityVote(*t);
  EXPECT_EQ(mv.labels[0], 0);  // a, b tie -> a
  EXPECT_EQ(mv.tied[0], 1);
  EXPECT_EQ(mv.labels[1], 1);
  EXPECT_EQ(mv.tied[1], 0);
  EXPECT_DOUBLE_EQ(mv.vote_share(1, 1), 2.0 / 3.0);
  EXPECT_EQ(mv.labels[2], kMissing);
  EXPECT_EQ(mv.vote_share(2, 0), 0.0);
}

}  // namespace
}  // namespace consilium::statistics
