#include "statistics/dawid_skene.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

namespace consilium::statistics {
namespace {

// The ratings in the form the EM loops read: per item a range of rows, each
// row = rater * K + given label (an index into the [r][l][k] arrays below).
// Built once per call, so the iterations touch 4 bytes per rating.
struct Layout {
  int32_t k = 0;                 // classes
  int32_t r = 0;                 // raters
  std::vector<int64_t> offsets;  // num_items + 1
  std::vector<int32_t> rows;     // per rating, table order
  std::vector<char> rated;       // per item
};

Layout MakeLayout(const RatingTable& table) {
  Layout l;
  l.k = table.num_categories();
  l.r = table.num_raters();
  l.offsets.reserve(table.num_items() + 1);
  l.offsets.push_back(0);
  l.rows.reserve(table.num_ratings());
  l.rated.assign(table.num_items(), 0);
  for (int32_t i = 0; i < table.num_items(); ++i) {
    for (const Rating& x : table.item_ratings(i)) {
      l.rows.push_back(x.rater * l.k + x.category);
    }
    l.rated[i] = table.item_ratings(i).empty() ? 0 : 1;
    l.offsets.push_back(static_cast<int64_t>(l.rows.size()));
  }
  return l;
}

// Model parameters, and their logarithms in the layout the E-step reads:
// log_conf[(r * K + l) * K + k] = log π_r[k][l], contiguous over the true
// class k for one (rater, given label).
struct Params {
  std::vector<double> priors;      // K
  std::vector<double> confusions;  // R×K×K, [r][k][l]
  std::vector<double> log_priors;  // K
  std::vector<double> log_conf;    // R×K×K, [r][l][k]
};

// Sufficient statistics of the M-step: Σ_i T_ik per class and
// Σ_i T_ik n_irl in the [r][l][k] layout, each starting at `smoothing`.
struct Sums {
  std::vector<double> prior_count;
  std::vector<double> counts;
  double rated_items = 0;

  void Reset(const Layout& l, double smoothing) {
    prior_count.assign(l.k, smoothing);
    counts.assign(static_cast<size_t>(l.r) * l.k * l.k, smoothing);
    rated_items = 0;
  }
};

// Adds item i's posterior `ti` to the sums. kK > 0 fixes the class count at
// compile time (unrolled loops); kK == 0 reads it from the layout.
template <int kK>
inline void Accumulate(const Layout& l, int32_t i, const double* ti,
                       Sums* sums) {
  const int32_t k_n = kK > 0 ? kK : l.k;
  sums->rated_items += 1;
  double* prior = sums->prior_count.data();
  double* counts = sums->counts.data();
  const int32_t* rows = l.rows.data();
  for (int32_t k = 0; k < k_n; ++k) prior[k] += ti[k];
  for (int64_t j = l.offsets[i], end = l.offsets[i + 1]; j < end; ++j) {
    double* c = counts + static_cast<size_t>(rows[j]) * k_n;
    for (int32_t k = 0; k < k_n; ++k) c[k] += ti[k];
  }
}

// M-step: priors and confusion matrices from the sums.
void Finish(const Layout& l, const Sums& sums, double smoothing, Params* p) {
  const int32_t k_n = l.k;
  const size_t kk = static_cast<size_t>(k_n) * k_n;
  const double prior_total = sums.rated_items + smoothing * k_n;
  p->priors.resize(k_n);
  p->log_priors.resize(k_n);
  for (int32_t k = 0; k < k_n; ++k) {
    p->priors[k] = sums.prior_count[k] / prior_total;
    p->log_priors[k] = std::log(p->priors[k]);  // -inf for an empty class
  }
  p->confusions.resize(static_cast<size_t>(l.r) * kk);
  p->log_conf.resize(static_cast<size_t>(l.r) * kk);
  std::vector<double> row_total(k_n);
  for (int32_t r = 0; r < l.r; ++r) {
    const double* a = sums.counts.data() + static_cast<size_t>(r) * kk;
    std::fill(row_total.begin(), row_total.end(), 0.0);
    for (int32_t g = 0; g < k_n; ++g) {
      for (int32_t k = 0; k < k_n; ++k) row_total[k] += a[g * k_n + k];
    }
    double* conf = p->confusions.data() + static_cast<size_t>(r) * kk;
    double* lc = p->log_conf.data() + static_cast<size_t>(r) * kk;
    for (int32_t k = 0; k < k_n; ++k) {
      for (int32_t g = 0; g < k_n; ++g) {
        // A class this rater never saw carries no information: uniform.
        const double v =
            row_total[k] > 0 ? a[g * k_n + k] / row_total[k] : 1.0 / k_n;
        conf[k * k_n + g] = v;
        lc[g * k_n + k] = std::log(v);  // -inf when v == 0: guarded below
      }
    }
  }
}

// One pass over the items in order: the E-step under `p` (posteriors written
// to `t` when not null) and, when `sums` is not null, the M-step sums of the
// new posteriors, item by item while its ratings are in cache. Fusing changes
// nothing numerically: every sum still runs over items, then ratings, in
// table order. Returns the log-likelihood of `p`:
// Σ_i log Σ_k p_k Π_{r,l} π_r[k][l]^n_irl.
template <int kK>
double Pass(const Layout& l, const Params& p, std::vector<double>* t,
            Sums* sums) {
  const int32_t k_n = kK > 0 ? kK : l.k;
  constexpr double kNegInf = -std::numeric_limits<double>::infinity();
  // Scratch in local arrays when K is fixed, so the compiler knows they alias
  // nothing and keeps them in registers.
  std::array<double, (kK > 0 ? kK : 1)> s_fixed{}, post_fixed{};
  std::vector<double> s_dynamic(kK > 0 ? 0 : k_n),
      post_dynamic(kK > 0 ? 0 : k_n);
  double* s = kK > 0 ? s_fixed.data() : s_dynamic.data();
  double* post = kK > 0 ? post_fixed.data() : post_dynamic.data();
  const double* log_priors = p.log_priors.data();
  const double* log_conf = p.log_conf.data();
  const int32_t* rows = l.rows.data();
  double* out = t ? t->data() : nullptr;
  double ll = 0;
  const auto items = static_cast<int32_t>(l.rated.size());
  for (int32_t i = 0; i < items; ++i) {
    if (!l.rated[i]) continue;
    for (int32_t k = 0; k < k_n; ++k) s[k] = log_priors[k];
    for (int64_t j = l.offsets[i], end = l.offsets[i + 1]; j < end; ++j) {
      const double* lc = log_conf + static_cast<size_t>(rows[j]) * k_n;
      for (int32_t k = 0; k < k_n; ++k) s[k] += lc[k];
    }
    double mx = kNegInf;
    for (int32_t k = 0; k < k_n; ++k) mx = std::max(mx, s[k]);
    if (mx == kNegInf) {
      // Every class has probability 0. In exact arithmetic the M-step gives
      // each of an item's observed labels positive probability under its
      // most likely class, so this needs underflow; keep the item at the
      // priors rather than dividing 0 by 0.
      for (int32_t k = 0; k < k_n; ++k) post[k] = p.priors[k];
      ll += mx;
    } else {
      double z = 0;
      for (int32_t k = 0; k < k_n; ++k) {
        post[k] = std::exp(s[k] - mx);
        z += post[k];
      }
      for (int32_t k = 0; k < k_n; ++k) post[k] /= z;
      ll += mx + std::log(z);
    }
    if (out) {
      std::copy(post, post + k_n, out + static_cast<size_t>(i) * k_n);
    }
    if (sums) Accumulate<kK>(l, i, post, sums);
  }
  return ll;
}

double RunPass(const Layout& l, const Params& p, std::vector<double>* t,
               Sums* sums) {
  switch (l.k) {
    case 2:
      return Pass<2>(l, p, t, sums);
    case 3:
      return Pass<3>(l, p, t, sums);
    case 4:
      return Pass<4>(l, p, t, sums);
    case 5:
      return Pass<5>(l, p, t, sums);
    case 6:
      return Pass<6>(l, p, t, sums);
    default:
      return Pass<0>(l, p, t, sums);
  }
}

}  // namespace

StatusOr<DawidSkeneResult> DawidSkene(const RatingTable& table,
                                      const DawidSkeneOptions& options) {
  if (options.max_iterations < 0) {
    return InvalidArgumentError("max_iterations must be >= 0, got " +
                                std::to_string(options.max_iterations));
  }
  if (!std::isfinite(options.tolerance) || options.tolerance < 0) {
    return InvalidArgumentError("tolerance must be a finite number >= 0");
  }
  if (!std::isfinite(options.smoothing) || options.smoothing < 0) {
    return InvalidArgumentError("smoothing must be a finite number >= 0");
  }
  if (table.num_ratings() == 0) {
    return InvalidArgumentError("no ratings to aggregate");
  }
  const Layout layout = MakeLayout(table);
  const int32_t k_n = layout.k;
  const int32_t i_n = table.num_items();
  DawidSkeneResult result;
  result.num_items = i_n;
  result.num_raters = table.num_raters();
  result.num_classes = k_n;
  result.ratings = table.num_ratings();

  // Initial posteriors: vote shares n_ik / n_i (repeats count), then the
  // initial M-step.
  std::vector<double> t(static_cast<size_t>(i_n) * k_n, 0.0);
  Sums sums;
  sums.Reset(layout, options.smoothing);
  for (int32_t i = 0; i < i_n; ++i) {
    if (!layout.rated[i]) continue;
    ++result.items;
    double* ti = t.data() + static_cast<size_t>(i) * k_n;
    for (const Rating& x : table.item_ratings(i)) ti[x.category] += 1.0;
    const double n = static_cast<double>(table.item_ratings(i).size());
    for (int32_t k = 0; k < k_n; ++k) ti[k] /= n;
    Accumulate<0>(layout, i, ti, &sums);
  }
  Params params;
  Finish(layout, sums, options.smoothing, &params);

  double previous = 0;
  for (int32_t iter = 1; iter <= options.max_iterations; ++iter) {
    sums.Reset(layout, options.smoothing);
    const double ll = RunPass(layout, params, &t, &sums);  // E-step (+ sums)
    Finish(layout, sums, options.smoothing, &params);      // M-step
    result.iterations = iter;
    // tolerance 0 disables the test: exactly max_iterations iterations.
    if (iter >= 2 && options.tolerance > 0 &&
        std::abs(ll - previous) <= options.tolerance * std::abs(ll)) {
      result.converged = true;
      break;
    }
    previous = ll;
  }
  result.log_likelihood = RunPass(layout, params, nullptr, nullptr);

  for (int32_t i = 0; i < i_n; ++i) {
    if (layout.rated[i]) continue;
    for (int32_t k = 0; k < k_n; ++k) {
      t[static_cast<size_t>(i) * k_n + k] = params.priors[k];
    }
  }
  result.posteriors = std::move(t);
  result.priors = std::move(params.priors);
  result.confusions = std::move(params.confusions);
  return result;
}

MajorityVoteResult MajorityVote(const RatingTable& table) {
  const int32_t k_n = table.num_categories();
  MajorityVoteResult out;
  out.num_items = table.num_items();
  out.num_classes = k_n;
  out.labels.assign(table.num_items(), kMissing);
  out.vote_shares.assign(static_cast<size_t>(table.num_items()) * k_n, 0.0);
  out.tied.assign(table.num_items(), 0);
  std::vector<int64_t> counts(k_n);
  for (int32_t i = 0; i < table.num_items(); ++i) {
    std::span<const Rating> rs = table.item_ratings(i);
    if (rs.empty()) continue;
    std::fill(counts.begin(), counts.end(), 0);
    for (const Rating& x : rs) ++counts[x.category];
    int32_t best = 0;
    for (int32_t k = 1; k < k_n; ++k) {
      if (counts[k] > counts[best]) best = k;  // strict: ties keep the lower
    }
    out.labels[i] = best;
    for (int32_t k = 0; k < k_n; ++k) {
      if (k != best && counts[k] == counts[best]) out.tied[i] = 1;
      out.vote_shares[static_cast<size_t>(i) * k_n + k] =
          static_cast<double>(counts[k]) / static_cast<double>(rs.size());
    }
  }
  return out;
}

}  // namespace consilium::statistics
