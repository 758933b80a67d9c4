// Agreement statistics and Dawid–Skene on the performance shape: one
// field, 200,000 items × 5 raters = 1,000,000 ratings, 5 ordinal categories,
// complete data, seeded (mt19937_64, seed 5). Targets (issue 5): all kappa /
// alpha variants <= 1 s; Dawid–Skene 50 iterations <= 3 s.
//
//   stats_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "statistics/agreement.h"
#include "statistics/dawid_skene.h"
#include "statistics/rating_table.h"

namespace consilium::statistics {
namespace {

// prefix + number, built by appending: `"i" + std::to_string(n)` trips
// GCC 12's false -Wrestrict (PR 105651) at -O3.
std::string Name(const char* prefix, int32_t n) {
  std::string s(prefix);
  s.append(std::to_string(n));
  return s;
}

constexpr int32_t kItems = 200000;
constexpr int32_t kRaters = 5;
constexpr int32_t kCategories = 5;

// Each rater reports the true grade with probability `accuracy`, otherwise a
// neighbouring grade (clamped) or, rarely, a uniform one.
std::vector<Rating> SyntheticRatings() {
  std::mt19937_64 rng(5);
  auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  const double accuracy[kRaters] = {0.85, 0.75, 0.65, 0.80, 0.55};
  std::vector<Rating> ratings;
  ratings.reserve(static_cast<size_t>(kItems) * kRaters);
  for (int32_t i = 0; i < kItems; ++i) {
    const auto truth = static_cast<int32_t>(uniform() * kCategories);
    for (int32_t r = 0; r < kRaters; ++r) {
      int32_t given = truth;
      const double u = uniform();
      if (u >= accuracy[r]) {
        if (u < accuracy[r] + (1 - accuracy[r]) * 0.8) {
          given = truth + (uniform() < 0.5 ? -1 : 1);
          given = std::min(std::max(given, 0), kCategories - 1);
        } else {
          given = static_cast<int32_t>(uniform() * kCategories);
        }
      }
      ratings.push_back({i, r, given});
    }
  }
  return ratings;
}

const RatingTable& Table() {
  static const RatingTable* table = [] {
    std::vector<std::string> items, raters, labels;
    for (int32_t i = 0; i < kItems; ++i) items.push_back(Name("i", i));
    for (int32_t r = 0; r < kRaters; ++r) raters.push_back(Name("r", r));
    for (int32_t c = 0; c < kCategories; ++c) labels.push_back(Name("", c + 1));
    StatusOr<RatingTable> t = RatingTable::FromRatings(
        std::move(items), std::move(raters), std::move(labels),
        SyntheticRatings(), Level::kInterval);
    if (!t.ok()) {
      std::fprintf(stderr, "%s\n", t.status().ToString().c_str());
      std::abort();
    }
    return new RatingTable(std::move(t).value());
  }();
  return *table;
}

void BM_BuildTable(benchmark::State& state) {
  const std::vector<Rating> ratings = SyntheticRatings();
  std::vector<std::string> items, raters, labels;
  for (int32_t i = 0; i < kItems; ++i) items.push_back(Name("i", i));
  for (int32_t r = 0; r < kRaters; ++r) raters.push_back(Name("r", r));
  for (int32_t c = 0; c < kCategories; ++c) labels.push_back(Name("", c + 1));
  for (auto _ : state) {
    StatusOr<RatingTable> t =
        RatingTable::FromRatings(items, raters, labels, ratings);
    benchmark::DoNotOptimize(t.ok());
  }
  state.SetItemsProcessed(state.iterations() * ratings.size());
}
BENCHMARK(BM_BuildTable)->Unit(benchmark::kMillisecond);

// Everything `consilium agreement` reports for one field: both percent
// agreements, Fleiss overall and per category, alpha at four levels, Cohen
// unweighted/linear/quadratic for all 10 pairs, Light's and Conger's kappa.
void BM_AllAgreementVariants(benchmark::State& state) {
  const RatingTable& t = Table();
  for (auto _ : state) {
    AgreementReport r = ComputeAgreement(t);
    benchmark::DoNotOptimize(r.krippendorff_alpha_ordinal.value);
  }
  state.SetItemsProcessed(state.iterations() * t.num_ratings());
}
BENCHMARK(BM_AllAgreementVariants)->Unit(benchmark::kMillisecond);

void BM_KrippendorffAlphaOneLevel(benchmark::State& state) {
  const RatingTable& t = Table();
  for (auto _ : state) {
    Statistic a = KrippendorffAlpha(t, Level::kOrdinal);
    benchmark::DoNotOptimize(a.value);
  }
  state.SetItemsProcessed(state.iterations() * t.num_ratings());
}
BENCHMARK(BM_KrippendorffAlphaOneLevel)->Unit(benchmark::kMillisecond);

void BM_PairwiseCohenKappa(benchmark::State& state) {
  const RatingTable& t = Table();
  for (auto _ : state) {
    std::vector<PairKappa> k = PairwiseCohenKappa(t);
    benchmark::DoNotOptimize(k.data());
  }
  state.SetItemsProcessed(state.iterations() * t.num_ratings());
}
BENCHMARK(BM_PairwiseCohenKappa)->Unit(benchmark::kMillisecond);

// Exactly 50 EM iterations (tolerance 0 disables the early stop).
void BM_DawidSkene50Iterations(benchmark::State& state) {
  const RatingTable& t = Table();
  DawidSkeneOptions options;
  options.max_iterations = 50;
  options.tolerance = 0;
  for (auto _ : state) {
    StatusOr<DawidSkeneResult> ds = DawidSkene(t, options);
    if (!ds.ok() || ds->iterations != 50) {
      state.SkipWithError("Dawid-Skene did not run 50 iterations");
      break;
    }
    benchmark::DoNotOptimize(ds->log_likelihood);
  }
  state.SetItemsProcessed(state.iterations() * t.num_ratings() * 50);
}
BENCHMARK(BM_DawidSkene50Iterations)->Unit(benchmark::kMillisecond);

void BM_MajorityVote(benchmark::State& state) {
  const RatingTable& t = Table();
  for (auto _ : state) {
    MajorityVoteResult mv = MajorityVote(t);
    benchmark::DoNotOptimize(mv.labels.data());
  }
  state.SetItemsProcessed(state.iterations() * t.num_ratings());
}
BENCHMARK(BM_MajorityVote)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace consilium::statistics

BENCHMARK_MAIN();
