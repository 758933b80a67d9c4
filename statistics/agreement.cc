#include "statistics/agreement.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

namespace consilium::statistics {
namespace {

Statistic Defined(double value, int64_t items, int64_t ratings) {
  Statistic s;
  s.value = value;
  s.items = items;
  s.ratings = ratings;
  return s;
}

Statistic Undefined(std::string reason, int64_t items, int64_t ratings) {
  Statistic s;
  s.undefined_reason = std::move(reason);
  s.items = items;
  s.ratings = ratings;
  return s;
}

// Appends instead of `"\"" + std::string(s)`, which trips GCC 12's false
// -Wrestrict (PR 105651).
std::string Q(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out.append(s);
  out += '"';
  return out;
}

// Calls fn(item, m, touched, counts) for every item: m current ratings,
// `touched` the distinct categories in order of first rating, counts[c] the
// number of ratings in category c (zero outside `touched`).
template <typename Fn>
void ForEachItemCounts(const RatingTable& table, Fn fn) {
  std::vector<int64_t> counts(table.num_categories(), 0);
  std::vector<int32_t> touched;
  touched.reserve(table.num_categories());
  for (int32_t item = 0; item < table.num_items(); ++item) {
    std::span<const Rating> row = table.current_item(item);
    touched.clear();
    for (const Rating& r : row) {
      if (counts[r.category]++ == 0) touched.push_back(r.category);
    }
    fn(item, static_cast<int64_t>(row.size()), touched, counts);
    for (int32_t c : touched) counts[c] = 0;
  }
}

// "1 rating", "3 ratings".
std::string RatingCount(int64_t n) {
  std::string out = std::to_string(n);
  out += n == 1 ? " rating" : " ratings";
  return out;
}

constexpr const char* kNothingPairable =
    "no item has two or more ratings: nothing is pairable";

}  // namespace

Statistic PercentAgreementAllRaters(const RatingTable& table) {
  int64_t items = 0, ratings = 0, agreeing = 0;
  ForEachItemCounts(table,
                    [&](int32_t, int64_t m, const std::vector<int32_t>& touched,
                        const std::vector<int64_t>&) {
                      if (m < 2) return;
                      ++items;
                      ratings += m;
                      if (touched.size() == 1) ++agreeing;
                    });
  if (items == 0) return Undefined(kNothingPairable, 0, 0);
  return Defined(static_cast<double>(agreeing) / static_cast<double>(items),
                 items, ratings);
}

Statistic PercentAgreementPairwise(const RatingTable& table) {
  int64_t items = 0, ratings = 0;
  double sum = 0;
  ForEachItemCounts(table, [&](int32_t, int64_t m,
                               const std::vector<int32_t>& touched,
                               const std::vector<int64_t>& counts) {
    if (m < 2) return;
    ++items;
    ratings += m;
    int64_t agreeing_pairs = 0;  // ordered pairs
    for (int32_t c : touched) agreeing_pairs += counts[c] * (counts[c] - 1);
    sum +=
        static_cast<double>(agreeing_pairs) / static_cast<double>(m * (m - 1));
  });
  if (items == 0) return Undefined(kNothingPairable, 0, 0);
  return Defined(sum / static_cast<double>(items), items, ratings);
}

namespace {

double KappaWeight(KappaWeights weights, int32_t i, int32_t j) {
  const double d = static_cast<double>(i - j);
  switch (weights) {
    case KappaWeights::kUnweighted:
      return i == j ? 0.0 : 1.0;
    case KappaWeights::kLinear:
      return std::abs(d);
    case KappaWeights::kQuadratic:
      return d * d;
  }
  return 0.0;
}

// Kappa from a K×K confusion matrix (row: rater a's category, column: rater
// b's), as sklearn: 1 - Σ w·O / Σ w·E with E = outer(row sums, column sums)/n.
Statistic KappaFromConfusion(const RatingTable& table, int32_t rater_a,
                             int32_t rater_b, const int64_t* confusion,
                             KappaWeights weights) {
  const int32_t k = table.num_categories();
  std::vector<int64_t> row(k, 0), col(k, 0);
  int64_t n = 0;
  for (int32_t i = 0; i < k; ++i) {
    for (int32_t j = 0; j < k; ++j) {
      const int64_t o = confusion[static_cast<size_t>(i) * k + j];
      row[i] += o;
      col[j] += o;
      n += o;
    }
  }
  if (n == 0) {
    return Undefined("raters " + Q(table.rater_name(rater_a)) + " and " +
                         Q(table.rater_name(rater_b)) +
                         " rated no item in common",
                     0, 0);
  }
  int32_t used = 0, used_category = 0;
  for (int32_t i = 0; i < k; ++i) {
    if (row[i] > 0 || col[i] > 0) {
      ++used;
      used_category = i;
    }
  }
  if (used == 1) {
    return Undefined("raters " + Q(table.rater_name(rater_a)) + " and " +
                         Q(table.rater_name(rater_b)) +
                         " gave every common item the same category " +
                         Q(table.category_label(used_category)) +
                         ": no expected disagreement",
                     n, 2 * n);
  }
  double observed = 0, expected = 0;
  const double dn = static_cast<double>(n);
  for (int32_t i = 0; i < k; ++i) {
    for (int32_t j = 0; j < k; ++j) {
      const double w = KappaWeight(weights, i, j);
      observed +=
          w * static_cast<double>(confusion[static_cast<size_t>(i) * k + j]);
      expected +=
          w * (static_cast<double>(row[i]) * static_cast<double>(col[j]) / dn);
    }
  }
  // used >= 2 puts expected mass off the diagonal, where every weight is > 0.
  assert(expected > 0);
  return Defined(1.0 - observed / expected, n, 2 * n);
}

// Confusion counts of every rater pair a < b, pair-major, K×K each.
std::vector<int64_t> PairConfusions(const RatingTable& table) {
  const int64_t r = table.num_raters();
  const int64_t k = table.num_categories();
  const int64_t pairs = r * (r - 1) / 2;
  std::vector<int64_t> confusion(static_cast<size_t>(pairs * k * k), 0);
  for (int32_t item = 0; item < table.num_items(); ++item) {
    std::span<const Rating> row = table.current_item(item);
    // Ratings are sorted by rater, so x < y gives rater a < rater b.
    for (size_t x = 0; x < row.size(); ++x) {
      const int64_t a = row[x].rater;
      const int64_t base = a * r - a * (a + 1) / 2 - a - 1;
      for (size_t y = x + 1; y < row.size(); ++y) {
        const int64_t pair = base + row[y].rater;
        ++confusion[static_cast<size_t>((pair * k + row[x].category) * k +
                                        row[y].category)];
      }
    }
  }
  return confusion;
}

}  // namespace

Statistic CohenKappa(const RatingTable& table, int32_t rater_a, int32_t rater_b,
                     KappaWeights weights) {
  assert(rater_a >= 0 && rater_a < table.num_raters());
  assert(rater_b >= 0 && rater_b < table.num_raters());
  assert(rater_a != rater_b);
  const int32_t k = table.num_categories();
  std::vector<int64_t> confusion(static_cast<size_t>(k) * k, 0);
  for (int32_t item = 0; item < table.num_items(); ++item) {
    const int32_t ca = table.Cell(item, rater_a);
    const int32_t cb = table.Cell(item, rater_b);
    if (ca != kMissing && cb != kMissing) {
      ++confusion[static_cast<size_t>(ca) * k + cb];
    }
  }
  return KappaFromConfusion(table, rater_a, rater_b, confusion.data(), weights);
}

std::vector<PairKappa> PairwiseCohenKappa(const RatingTable& table) {
  const std::vector<int64_t> confusion = PairConfusions(table);
  const size_t kk = static_cast<size_t>(table.num_categories()) *
                    static_cast<size_t>(table.num_categories());
  std::vector<PairKappa> out;
  size_t pair = 0;
  for (int32_t a = 0; a < table.num_raters(); ++a) {
    for (int32_t b = a + 1; b < table.num_raters(); ++b, ++pair) {
      const int64_t* c = confusion.data() + pair * kk;
      PairKappa p;
      p.rater_a = a;
      p.rater_b = b;
      p.unweighted =
          KappaFromConfusion(table, a, b, c, KappaWeights::kUnweighted);
      p.linear = KappaFromConfusion(table, a, b, c, KappaWeights::kLinear);
      p.quadratic =
          KappaFromConfusion(table, a, b, c, KappaWeights::kQuadratic);
      out.push_back(std::move(p));
    }
  }
  return out;
}

Statistic LightKappa(const RatingTable& table,
                     std::span<const PairKappa> pairs) {
  const int64_t r = table.num_raters();
  std::vector<char> defined(static_cast<size_t>(r * r), 0);
  double sum = 0;
  int64_t n = 0;
  for (const PairKappa& p : pairs) {
    if (!p.unweighted.value) continue;
    sum += *p.unweighted.value;
    ++n;
    defined[static_cast<size_t>(p.rater_a * r + p.rater_b)] = 1;
  }
  if (n == 0) {
    return Undefined(r < 2 ? "fewer than two raters"
                           : "no rater pair has a defined Cohen's kappa",
                     0, 0);
  }
  // Items and ratings behind it: items on which some defined pair co-rated,
  // and the ratings of raters in such pairs on them.
  int64_t items = 0, ratings = 0;
  std::vector<char> counted;
  for (int32_t item = 0; item < table.num_items(); ++item) {
    std::span<const Rating> row = table.current_item(item);
    counted.assign(row.size(), 0);
    for (size_t x = 0; x < row.size(); ++x) {
      for (size_t y = x + 1; y < row.size(); ++y) {
        if (defined[static_cast<size_t>(row[x].rater * r + row[y].rater)]) {
          counted[x] = counted[y] = 1;
        }
      }
    }
    const auto used = std::count(counted.begin(), counted.end(), 1);
    if (used > 0) {
      ++items;
      ratings += used;
    }
  }
  return Defined(sum / static_cast<double>(n), items, ratings);
}

Statistic CongerKappa(const RatingTable& table) {
  const int32_t r = table.num_raters();
  const int32_t k = table.num_categories();
  if (r < 2) return Undefined("fewer than two raters", 0, 0);
  int64_t items = 0;
  for (int32_t item = 0; item < table.num_items(); ++item) {
    const auto m = static_cast<int32_t>(table.current_item(item).size());
    if (m == 0) continue;
    if (m != r) {
      return Undefined("item " + Q(table.item_id(item)) + " has " +
                           std::to_string(m) + " of " + std::to_string(r) +
                           " ratings: Conger's kappa needs every rater to "
                           "rate every item",
                       0, 0);
    }
    ++items;
  }
  if (items == 0) return Undefined("no rated item", 0, 0);
  // counts[rater][category] and the mean pairwise agreement per item.
  std::vector<int64_t> counts(static_cast<size_t>(r) * k, 0);
  for (const Rating& x : table.current()) {
    ++counts[static_cast<size_t>(x.rater) * k + x.category];
  }
  int32_t used = 0;
  for (int32_t c = 0; c < k; ++c) {
    int64_t total = 0;
    for (int32_t a = 0; a < r; ++a)
      total += counts[static_cast<size_t>(a) * k + c];
    if (total > 0) ++used;
  }
  const int64_t ratings = items * r;
  if (used <= 1) {
    return Undefined(
        "all ratings are in one category: no expected "
        "disagreement",
        items, ratings);
  }
  const double observed = *PercentAgreementPairwise(table).value;
  const double n = static_cast<double>(items);
  double expected = 0;
  int64_t pairs = 0;
  for (int32_t a = 0; a < r; ++a) {
    for (int32_t b = a + 1; b < r; ++b, ++pairs) {
      double e = 0;
      for (int32_t c = 0; c < k; ++c) {
        e += (static_cast<double>(counts[static_cast<size_t>(a) * k + c]) / n) *
             (static_cast<double>(counts[static_cast<size_t>(b) * k + c]) / n);
      }
      expected += e;
    }
  }
  expected /= static_cast<double>(pairs);
  if (expected >= 1.0) {
    return Undefined(
        "every rater put all items in one category each, the "
        "same: no expected disagreement",
        items, ratings);
  }
  return Defined((observed - expected) / (1.0 - expected), items, ratings);
}

StatusOr<FleissKappaResult> FleissKappa(const RatingTable& table) {
  const int32_t k = table.num_categories();
  int64_t m = 0;  // ratings per item
  int32_t first_item = -1;
  int64_t items = 0;
  for (int32_t item = 0; item < table.num_items(); ++item) {
    const auto n = static_cast<int64_t>(table.current_item(item).size());
    if (n == 0) continue;
    if (first_item < 0) {
      first_item = item;
      m = n;
    } else if (n != m) {
      return InvalidArgumentError(
          "item " + Q(table.item_id(item)) + " has " + RatingCount(n) +
          " but item " + Q(table.item_id(first_item)) + " has " +
          RatingCount(m) +
          "; Fleiss' kappa needs the same number of ratings on every item "
          "(Krippendorff's alpha handles missing ratings)");
    }
    ++items;
  }
  FleissKappaResult result;
  const int64_t ratings = items * m;
  auto all_undefined = [&](const std::string& reason) {
    result.overall = Undefined(reason, items, ratings);
    result.per_category.assign(k, Undefined(reason, items, ratings));
    return result;
  };
  if (items == 0) return all_undefined("no rated item");
  if (m < 2) {
    return all_undefined("every item has one rating: no pairs to compare");
  }
  // Integer sums first: totals per category, Σ_i n_ij², Σ_i n_ij(m - n_ij).
  std::vector<int64_t> total(k, 0), disagreement(k, 0);
  int64_t sum_sq = 0;
  ForEachItemCounts(table,
                    [&](int32_t, int64_t n, const std::vector<int32_t>& touched,
                        const std::vector<int64_t>& counts) {
                      if (n == 0) return;
                      for (int32_t c : touched) {
                        total[c] += counts[c];
                        sum_sq += counts[c] * counts[c];
                        disagreement[c] += counts[c] * (m - counts[c]);
                      }
                    });
  const double dn = static_cast<double>(items);
  const double dm = static_cast<double>(m);
  const double all = dn * dm;
  int32_t used = 0;
  double expected = 0;
  for (int32_t c = 0; c < k; ++c) {
    if (total[c] > 0) ++used;
    const double p = static_cast<double>(total[c]) / all;
    expected += p * p;
  }
  // statsmodels: P_i = (Σ_j n_ij² - m) / (m(m-1)), P̄ = mean P_i.
  const double observed =
      (static_cast<double>(sum_sq) - all) / (all * (dm - 1.0));
  if (used <= 1) {
    return all_undefined(
        "all ratings are in one category: no expected disagreement");
  }
  result.overall =
      Defined((observed - expected) / (1.0 - expected), items, ratings);
  result.per_category.reserve(k);
  for (int32_t c = 0; c < k; ++c) {
    if (total[c] == 0) {
      result.per_category.push_back(
          Undefined("category " + Q(table.category_label(c)) +
                        " is never used on the rated items",
                    items, ratings));
      continue;
    }
    const double p = static_cast<double>(total[c]) / all;
    // Fleiss (1971): κ_j = 1 - Σ_i n_ij(m - n_ij) / (N m (m-1) p_j q_j).
    result.per_category.push_back(
        Defined(1.0 - static_cast<double>(disagreement[c]) /
                          (all * (dm - 1.0) * p * (1.0 - p)),
                items, ratings));
  }
  return result;
}

namespace {

// Coincidence matrix o_ck of Krippendorff's alpha and the pairable values
// n_c. Accumulated exactly in integers per unit size m, then divided by
// (m - 1): the result does not depend on the order of the units.
struct Coincidences {
  int32_t k = 0;
  std::vector<double> o;    // k×k
  std::vector<int64_t> nc;  // pairable values per category
  int64_t n = 0;            // pairable values
  int64_t units = 0;        // pairable units
};

Coincidences BuildCoincidences(const RatingTable& table) {
  Coincidences co;
  co.k = table.num_categories();
  const size_t kk = static_cast<size_t>(co.k) * co.k;
  std::vector<std::vector<int64_t>> by_m;  // by_m[m]: Σ n_uc (n_uk - [c=k])
  co.nc.assign(co.k, 0);
  ForEachItemCounts(table,
                    [&](int32_t, int64_t m, const std::vector<int32_t>& touched,
                        const std::vector<int64_t>& counts) {
                      if (m < 2) return;
                      ++co.units;
                      co.n += m;
                      if (by_m.size() <= static_cast<size_t>(m))
                        by_m.resize(m + 1);
                      std::vector<int64_t>& acc = by_m[m];
                      if (acc.empty()) acc.assign(kk, 0);
                      for (int32_t c : touched) {
                        co.nc[c] += counts[c];
                        for (int32_t d : touched) {
                          acc[static_cast<size_t>(c) * co.k + d] +=
                              counts[c] * (counts[d] - (c == d ? 1 : 0));
                        }
                      }
                    });
  co.o.assign(kk, 0.0);
  for (size_t m = 2; m < by_m.size(); ++m) {
    if (by_m[m].empty()) continue;
    const double inv = 1.0 / static_cast<double>(m - 1);
    for (size_t x = 0; x < kk; ++x) {
      co.o[x] += static_cast<double>(by_m[m][x]) * inv;
    }
  }
  return co;
}

Statistic AlphaFromCoincidences(const RatingTable& table,
                                const Coincidences& co, Level level) {
  if (co.n == 0) return Undefined(kNothingPairable, 0, 0);
  const int32_t k = co.k;
  int32_t used = 0;
  for (int32_t c = 0; c < k; ++c) {
    if (co.nc[c] > 0) ++used;
  }
  if (used <= 1) {
    return Undefined("all pairable ratings are equal: no expected disagreement",
                     co.units, co.n);
  }
  if (level == Level::kInterval || level == Level::kRatio) {
    if (!table.numeric()) {
      return Undefined("labels are not all numbers: the " +
                           std::string(LevelName(level)) +
                           " metric needs numeric values",
                       co.units, co.n);
    }
    if (level == Level::kRatio) {
      for (int32_t c = 0; c < k; ++c) {
        if (co.nc[c] > 0 && table.category_value(c) < 0) {
          return Undefined("the ratio metric needs non-negative values; got " +
                               table.category_label(c),
                           co.units, co.n);
        }
      }
    }
  }
  // Ordinal metric: prefix sums of n_g over category ranks.
  std::vector<double> cum(k + 1, 0.0);
  for (int32_t c = 0; c < k; ++c) {
    cum[c + 1] = cum[c] + static_cast<double>(co.nc[c]);
  }
  auto delta2 = [&](int32_t c, int32_t d) -> double {
    if (c == d) return 0.0;
    switch (level) {
      case Level::kNominal:
        return 1.0;
      case Level::kOrdinal: {
        const int32_t lo = std::min(c, d), hi = std::max(c, d);
        const double v =
            (cum[hi + 1] - cum[lo]) -
            (static_cast<double>(co.nc[c]) + static_cast<double>(co.nc[d])) /
                2.0;
        return v * v;
      }
      case Level::kInterval: {
        const double v = table.category_value(c) - table.category_value(d);
        return v * v;
      }
      case Level::kRatio: {
        const double a = table.category_value(c), b = table.category_value(d);
        if (a + b == 0.0) return 0.0;
        const double v = (a - b) / (a + b);
        return v * v;
      }
    }
    return 0.0;
  };
  double observed = 0, expected = 0;
  for (int32_t c = 0; c < k; ++c) {
    for (int32_t d = 0; d < k; ++d) {
      if (c == d) continue;
      const double w = delta2(c, d);
      observed += co.o[static_cast<size_t>(c) * k + d] * w;
      expected +=
          static_cast<double>(co.nc[c]) * static_cast<double>(co.nc[d]) * w;
    }
  }
  if (!(expected > 0)) {
    // Only the ratio metric can get here (distinct values whose metric is 0
    // cannot occur otherwise); reported, not divided by.
    return Undefined("no expected disagreement under the " +
                         std::string(LevelName(level)) + " metric",
                     co.units, co.n);
  }
  return Defined(1.0 - static_cast<double>(co.n - 1) * observed / expected,
                 co.units, co.n);
}

}  // namespace

Statistic KrippendorffAlpha(const RatingTable& table, Level level) {
  return AlphaFromCoincidences(table, BuildCoincidences(table), level);
}

AgreementReport ComputeAgreement(const RatingTable& table) {
  AgreementReport report;
  report.items = table.num_items();
  report.raters = table.num_raters();
  report.ratings = table.num_current_ratings();
  report.superseded_ratings = table.num_superseded_ratings();
  report.percent_agreement_all_raters = PercentAgreementAllRaters(table);
  report.percent_agreement_pairwise = PercentAgreementPairwise(table);
  StatusOr<FleissKappaResult> fleiss = FleissKappa(table);
  if (fleiss.ok()) {
    report.fleiss = std::move(fleiss).value();
  } else {
    report.fleiss.overall = Undefined(fleiss.status().message(), 0, 0);
    report.fleiss.per_category.assign(
        table.num_categories(), Undefined(fleiss.status().message(), 0, 0));
  }
  const Coincidences co = BuildCoincidences(table);
  report.krippendorff_alpha_nominal =
      AlphaFromCoincidences(table, co, Level::kNominal);
  report.krippendorff_alpha_ordinal =
      AlphaFromCoincidences(table, co, Level::kOrdinal);
  report.krippendorff_alpha_interval =
      AlphaFromCoincidences(table, co, Level::kInterval);
  report.krippendorff_alpha_ratio =
      AlphaFromCoincidences(table, co, Level::kRatio);
  report.cohen = PairwiseCohenKappa(table);
  report.light_kappa = LightKappa(table, report.cohen);
  report.conger_kappa = CongerKappa(table);
  return report;
}

// ---- Shared grouping for annotation structs ---------------------------------

namespace {

// Groups annotations by item (first-appearance order) and, within an item,
// by rater (first-appearance order), keeping each rater's last annotation.
template <typename T>
std::vector<std::vector<const T*>> GroupByItem(std::span<const T> annotations) {
  std::unordered_map<std::string_view, size_t> item_index;
  std::vector<std::vector<const T*>> groups;
  for (const T& a : annotations) {
    auto [it, inserted] = item_index.try_emplace(a.item, groups.size());
    if (inserted) groups.emplace_back();
    std::vector<const T*>& g = groups[it->second];
    auto same = std::find_if(g.begin(), g.end(),
                             [&](const T* x) { return x->rater == a.rater; });
    if (same != g.end()) {
      *same = &a;
    } else {
      g.push_back(&a);
    }
  }
  return groups;
}

std::vector<std::string> Canonical(const std::vector<std::string>& labels) {
  std::vector<std::string> s = labels;
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return s;
}

// Both sorted and unique.
double SetDistanceSorted(const std::vector<std::string>& a,
                         const std::vector<std::string>& b,
                         SetDistance distance) {
  size_t inter = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++inter;
      ++i;
      ++j;
    }
  }
  const size_t uni = a.size() + b.size() - inter;
  if (uni == 0) return 0.0;  // two empty sets
  const double jaccard = static_cast<double>(inter) / static_cast<double>(uni);
  if (distance == SetDistance::kJaccard) return 1.0 - jaccard;
  double m = 0;
  if (a.size() == b.size() && a.size() == inter) {
    m = 1.0;
  } else if (inter == std::min(a.size(), b.size())) {
    m = 0.67;
  } else if (inter > 0) {
    m = 0.33;
  }
  return 1.0 - jaccard * m;
}

}  // namespace

double SetDistanceValue(const std::vector<std::string>& a,
                        const std::vector<std::string>& b,
                        SetDistance distance) {
  return SetDistanceSorted(Canonical(a), Canonical(b), distance);
}

Statistic SetKrippendorffAlpha(std::span<const SetAnnotation> annotations,
                               SetDistance distance) {
  const auto groups = GroupByItem(annotations);
  // Distinct sets, in first-appearance order among pairable values.
  std::map<std::vector<std::string>, int32_t> index;
  std::vector<const std::vector<std::string>*> values;
  std::vector<int64_t> nc;
  int64_t units = 0, n = 0;
  double observed = 0;
  std::vector<int32_t> ids;
  for (const auto& g : groups) {
    if (g.size() < 2) continue;
    ++units;
    ids.clear();
    for (const SetAnnotation* a : g) {
      auto [it, inserted] = index.try_emplace(
          Canonical(a->labels), static_cast<int32_t>(values.size()));
      if (inserted) {
        values.push_back(&it->first);
        nc.push_back(0);
      }
      ids.push_back(it->second);
      ++nc[it->second];
    }
    const auto m = static_cast<int64_t>(g.size());
    n += m;
    double unit = 0;
    for (size_t x = 0; x < ids.size(); ++x) {
      for (size_t y = 0; y < ids.size(); ++y) {
        if (x == y) continue;
        unit += SetDistanceSorted(*values[ids[x]], *values[ids[y]], distance);
      }
    }
    observed += unit / static_cast<double>(m - 1);
  }
  if (n == 0) return Undefined(kNothingPairable, 0, 0);
  if (values.size() <= 1) {
    return Undefined("all pairable sets are equal: no expected disagreement",
                     units, n);
  }
  double expected = 0;
  for (size_t c = 0; c < values.size(); ++c) {
    for (size_t d = 0; d < values.size(); ++d) {
      if (c == d) continue;
      expected += static_cast<double>(nc[c]) * static_cast<double>(nc[d]) *
                  SetDistanceSorted(*values[c], *values[d], distance);
    }
  }
  // Distinct sets are at a positive distance under both metrics.
  assert(expected > 0);
  return Defined(1.0 - static_cast<double>(n - 1) * observed / expected, units,
                 n);
}

double BoxIou(const Box& a, const Box& b) {
  const double w =
      std::max(0.0, std::min(a.x_max, b.x_max) - std::max(a.x_min, b.x_min));
  const double h =
      std::max(0.0, std::min(a.y_max, b.y_max) - std::max(a.y_min, b.y_min));
  const double inter = w * h;
  const double area_a = (a.x_max - a.x_min) * (a.y_max - a.y_min);
  const double area_b = (b.x_max - b.x_min) * (b.y_max - b.y_min);
  return inter / (area_a + area_b - inter);
}

StatusOr<RegionAgreement> RegionIou(std::span<const BoxAnnotation> annotations,
                                    double threshold) {
  if (!(threshold > 0.0 && threshold <= 1.0)) {
    return InvalidArgumentError("IoU threshold must be in (0, 1], got " +
                                std::to_string(threshold));
  }
  for (size_t i = 0; i < annotations.size(); ++i) {
    const BoxAnnotation& a = annotations[i];
    const Box& b = a.box;
    const bool finite = std::isfinite(b.x_min) && std::isfinite(b.y_min) &&
                        std::isfinite(b.x_max) && std::isfinite(b.y_max);
    if (!finite || !(b.x_min < b.x_max) || !(b.y_min < b.y_max)) {
      return InvalidArgumentError(
          "box annotation " + std::to_string(i) + " (item " + Q(a.item) +
          ", rater " + Q(a.rater) +
          "): needs finite x_min < x_max and y_min < y_max");
    }
  }
  RegionAgreement out;
  out.threshold = threshold;
  int64_t items = 0, ratings = 0;
  double sum_iou = 0, sum_agree = 0;
  for (const auto& g : GroupByItem(annotations)) {
    if (g.size() < 2) continue;
    ++items;
    ratings += static_cast<int64_t>(g.size());
    double iou = 0;
    int64_t agree = 0, pairs = 0;
    for (size_t x = 0; x < g.size(); ++x) {
      for (size_t y = x + 1; y < g.size(); ++y, ++pairs) {
        const double v = BoxIou(g[x]->box, g[y]->box);
        iou += v;
        if (v >= threshold) ++agree;
      }
    }
    sum_iou += iou / static_cast<double>(pairs);
    sum_agree += static_cast<double>(agree) / static_cast<double>(pairs);
  }
  if (items == 0) {
    out.mean_iou = Undefined("no item has boxes from two or more raters", 0, 0);
    out.iou_agreement = out.mean_iou;
    return out;
  }
  out.mean_iou = Defined(sum_iou / static_cast<double>(items), items, ratings);
  out.iou_agreement =
      Defined(sum_agree / static_cast<double>(items), items, ratings);
  return out;
}

namespace {

std::vector<Span> MergeSpans(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::vector<Span> out;
  for (const Span& s : spans) {
    if (!out.empty() && s.begin <= out.back().end) {
      out.back().end = std::max(out.back().end, s.end);
    } else {
      out.push_back(s);
    }
  }
  return out;
}

int64_t Covered(const std::vector<Span>& spans) {
  int64_t n = 0;
  for (const Span& s : spans) n += s.end - s.begin;
  return n;
}

// Both merged (sorted, disjoint).
int64_t Overlap(const std::vector<Span>& a, const std::vector<Span>& b) {
  int64_t n = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    const int64_t lo = std::max(a[i].begin, b[j].begin);
    const int64_t hi = std::min(a[i].end, b[j].end);
    if (hi > lo) n += hi - lo;
    if (a[i].end < b[j].end) {
      ++i;
    } else {
      ++j;
    }
  }
  return n;
}

}  // namespace

StatusOr<SpanAgreement> SpanOverlapF1(
    std::span<const SpanAnnotation> annotations) {
  for (size_t i = 0; i < annotations.size(); ++i) {
    for (const Span& s : annotations[i].spans) {
      if (s.begin < 0 || s.end <= s.begin) {
        return InvalidArgumentError(
            "span annotation " + std::to_string(i) + " (item " +
            Q(annotations[i].item) + ", rater " + Q(annotations[i].rater) +
            "): span [" + std::to_string(s.begin) + ", " +
            std::to_string(s.end) + ") needs 0 <= begin < end");
      }
    }
  }
  SpanAgreement out;
  int64_t items = 0, ratings = 0, overlap_total = 0, length_total = 0;
  double sum_f1 = 0;
  std::vector<std::vector<Span>> merged;
  std::vector<int64_t> length;
  for (const auto& g : GroupByItem(annotations)) {
    if (g.size() < 2) continue;
    ++items;
    ratings += static_cast<int64_t>(g.size());
    merged.clear();
    length.clear();
    for (const SpanAnnotation* a : g) {
      merged.push_back(MergeSpans(a->spans));
      length.push_back(Covered(merged.back()));
    }
    double f1 = 0;
    int64_t pairs = 0;
    for (size_t x = 0; x < g.size(); ++x) {
      for (size_t y = x + 1; y < g.size(); ++y, ++pairs) {
        const int64_t both = Overlap(merged[x], merged[y]);
        const int64_t sum = length[x] + length[y];
        f1 += sum == 0
                  ? 1.0
                  : 2.0 * static_cast<double>(both) / static_cast<double>(sum);
        overlap_total += both;
        length_total += sum;
      }
    }
    sum_f1 += f1 / static_cast<double>(pairs);
  }
  if (items == 0) {
    out.mean_f1 = Undefined("no item has spans from two or more raters", 0, 0);
    out.micro_f1 = out.mean_f1;
    return out;
  }
  out.mean_f1 = Defined(sum_f1 / static_cast<double>(items), items, ratings);
  if (length_total == 0) {
    out.micro_f1 = Undefined("no rater marked any span on the compared items",
                             items, ratings);
  } else {
    out.micro_f1 = Defined(2.0 * static_cast<double>(overlap_total) /
                               static_cast<double>(length_total),
                           items, ratings);
  }
  return out;
}

}  // namespace consilium::statistics
