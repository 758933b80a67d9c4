// Aggregation of categorical ratings into per-item class probabilities:
// Dawid and Skene's (1979) EM estimate of class priors and per-rater
// confusion matrices, and majority vote.
//
// Model (Dawid & Skene 1979): item i has a true class k with prior p_k; rater
// r gives label l to an item of class k with probability π_r[k][l],
// independently of other ratings; n_irl counts how often r gave l to i (a
// rater may rate an item more than once). Classes are the table's
// categories, in the table's category order.
//
// Determinism: no randomness and no threads; every sum runs over items in
// index order, then raters, then a rater's ratings in input order (the order
// of RatingTable::item_ratings). The same table gives bit-identical results.
//
// Iterations (matching crowd-kit's DawidSkene, so "one iteration" means the
// same): initialise posteriors T_ik with vote shares (n_ik / n_i), then an
// M-step (priors = mean T, confusions from T). Each iteration is one E-step
// (posteriors from the current parameters) followed by one M-step. Stop after
// iteration t >= 2 when |ℓ_t - ℓ_{t-1}| <= tolerance · |ℓ_t| (tolerance > 0),
// where ℓ_t is the log-likelihood of the parameters entering iteration t, or
// after max_iterations. See docs/statistics.md for the exact formulas.
//
// Thread-safety: pure functions; call concurrently on the same const table.
//
// Example:
//   StatusOr<RatingTable> t = RatingTable::FromLongCsv(csv);
//   StatusOr<DawidSkeneResult> ds = DawidSkene(*t);
//   if (ds.ok()) Use(ds->posterior(0, 1), ds->confusion(2, 0, 1));
#ifndef CONSILIUM_STATISTICS_DAWID_SKENE_H_
#define CONSILIUM_STATISTICS_DAWID_SKENE_H_

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "statistics/rating_table.h"

namespace consilium::statistics {

struct DawidSkeneOptions {
  // Upper bound on E+M iterations after the initial M-step; 0 returns the
  // vote shares and the parameters estimated from them.
  int32_t max_iterations = 100;
  // Relative change of the log-likelihood that counts as converged; 0 turns
  // the test off (always max_iterations iterations, converged = false).
  double tolerance = 1e-10;
  // Pseudo-count added to every confusion-matrix cell (per rater and class)
  // and every class's prior count in the M-step. 0 (default) is the plain
  // maximum-likelihood estimate of the 1979 paper.
  double smoothing = 0.0;
};

struct DawidSkeneResult {
  int32_t num_items = 0;
  int32_t num_raters = 0;
  int32_t num_classes = 0;
  std::vector<double> posteriors;  // num_items × num_classes
  std::vector<double> priors;      // num_classes
  // num_raters × num_classes (true) × num_classes (given): π_r[k][l].
  std::vector<double> confusions;
  double log_likelihood = 0;  // of the reported priors and confusions
  int32_t iterations = 0;     // E+M iterations run
  bool converged = false;
  int64_t items = 0;    // items with at least one rating
  int64_t ratings = 0;  // every rating, repeats included

  double posterior(int32_t item, int32_t k) const {
    return posteriors[static_cast<size_t>(item) * num_classes + k];
  }
  // The most probable class of `item` (ties keep the lower class index).
  int32_t label(int32_t item) const {
    int32_t best = 0;
    for (int32_t k = 1; k < num_classes; ++k) {
      if (posterior(item, k) > posterior(item, best)) best = k;
    }
    return best;
  }
  double confusion(int32_t rater, int32_t true_class, int32_t given) const {
    return confusions[(static_cast<size_t>(rater) * num_classes + true_class) *
                          num_classes +
                      given];
  }
};

// Runs Dawid–Skene on every rating of `table` (repeats included). An item
// with no rating gets the final priors as its posterior and does not enter
// the estimates. A confusion row for a class the rater never saw (zero
// posterior weight) is uniform. Returns InvalidArgument when the table has no
// ratings, max_iterations < 0, tolerance < 0 or smoothing < 0 (or either is
// not finite).
StatusOr<DawidSkeneResult> DawidSkene(const RatingTable& table,
                                      const DawidSkeneOptions& options = {});

struct MajorityVoteResult {
  int32_t num_items = 0;
  int32_t num_classes = 0;
  // Winning category per item; ties go to the lowest category index (the
  // first in the table's category order); kMissing for an unrated item.
  std::vector<int32_t> labels;
  std::vector<double> vote_shares;  // num_items × num_classes; 0 if unrated
  std::vector<char> tied;           // 1 where the top count was shared

  double vote_share(int32_t item, int32_t k) const {
    return vote_shares[static_cast<size_t>(item) * num_classes + k];
  }
};

// Majority vote over every rating (repeats count, as in Dawid–Skene's
// initialisation).
MajorityVoteResult MajorityVote(const RatingTable& table);

}  // namespace consilium::statistics

#endif  // CONSILIUM_STATISTICS_DAWID_SKENE_H_
