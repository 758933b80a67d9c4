#include "render/statistics_json.h"

#include <boost/json.hpp>
#include <cmath>
#include <string>
#include <utility>

#include "render/internal/json_values.h"

namespace consilium::render {
namespace {

namespace json = boost::json;
using internal::Num;
using internal::PutStatistic;

json::array RaterNames(const statistics::RatingTable& t) {
  json::array a;
  for (int32_t r = 0; r < t.num_raters(); ++r) a.emplace_back(t.rater_name(r));
  return a;
}

// The first `n` category labels (the classes of an aggregation).
json::array CategoryLabels(const statistics::RatingTable& t, int32_t n) {
  json::array a;
  for (int32_t k = 0; k < n; ++k) a.emplace_back(t.category_label(k));
  return a;
}

// Fleiss' kappa per category: one reason for the whole table when the
// overall value is undefined (unequal counts, one category, ...), else a
// value (or null and a reason) per category.
void PutFleissPerCategory(json::object& o, const statistics::RatingTable& t,
                          const statistics::FleissKappaResult& fleiss) {
  if (!fleiss.overall.value) {
    o["fleiss_kappa_per_category"] = nullptr;
    o["fleiss_kappa_per_category_undefined_reason"] =
        fleiss.overall.undefined_reason;
    return;
  }
  json::object per_category, per_category_reason;
  for (int32_t c = 0; c < t.num_categories(); ++c) {
    const statistics::Statistic& s = fleiss.per_category[c];
    per_category[t.category_label(c)] = Num(s.value);
    if (!s.value) per_category_reason[t.category_label(c)] = s.undefined_reason;
  }
  o["fleiss_kappa_per_category"] = std::move(per_category);
  if (!per_category_reason.empty()) {
    o["fleiss_kappa_per_category_undefined_reason"] =
        std::move(per_category_reason);
  }
}

json::array CohenPairs(const statistics::RatingTable& t,
                       const statistics::AgreementReport& r) {
  json::array pairs;
  for (const statistics::PairKappa& k : r.cohen) {
    json::object pair;
    pair["rater_a"] = t.rater_name(k.rater_a);
    pair["rater_b"] = t.rater_name(k.rater_b);
    pair["items"] = k.unweighted.items;
    pair["ratings"] = k.unweighted.ratings;
    const std::pair<const char*, const statistics::Statistic*> stats[] = {
        {"cohen_kappa", &k.unweighted},
        {"cohen_kappa_linear", &k.linear},
        {"cohen_kappa_quadratic", &k.quadratic}};
    for (const auto& [name, s] : stats) {
      pair[name] = Num(s->value);
      if (!s->value) {
        pair[std::string(name) + "_undefined_reason"] = s->undefined_reason;
      }
    }
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

// {label: v[k]} over the table's categories.
json::object Distribution(const statistics::RatingTable& t, const double* v) {
  json::object o;
  for (int32_t k = 0; k < t.num_categories(); ++k) {
    o[t.category_label(k)] = Num(v[k]);
  }
  return o;
}

}  // namespace

json::object RatingAgreementJson(const statistics::RatingTable& t,
                                 const statistics::AgreementReport& r,
                                 std::string_view source,
                                 statistics::Level level) {
  json::object o;
  o["source"] = source;
  o["level"] = statistics::LevelName(level);
  o["items"] = r.items;
  o["ratings"] = r.ratings;
  o["superseded_ratings"] = r.superseded_ratings;
  o["raters"] = RaterNames(t);
  o["categories"] = CategoryLabels(t, t.num_categories());
  PutStatistic(o, "percent_agreement_all_raters",
               r.percent_agreement_all_raters);
  PutStatistic(o, "percent_agreement_pairwise", r.percent_agreement_pairwise);
  PutStatistic(o, "fleiss_kappa", r.fleiss.overall);
  PutFleissPerCategory(o, t, r.fleiss);
  const statistics::Statistic* alpha[] = {
      &r.krippendorff_alpha_nominal, &r.krippendorff_alpha_ordinal,
      &r.krippendorff_alpha_interval, &r.krippendorff_alpha_ratio};
  PutStatistic(o, "krippendorff_alpha", *alpha[static_cast<int>(level)]);
  PutStatistic(o, "krippendorff_alpha_nominal", r.krippendorff_alpha_nominal);
  PutStatistic(o, "krippendorff_alpha_ordinal", r.krippendorff_alpha_ordinal);
  PutStatistic(o, "krippendorff_alpha_interval", r.krippendorff_alpha_interval);
  PutStatistic(o, "krippendorff_alpha_ratio", r.krippendorff_alpha_ratio);
  PutStatistic(o, "light_kappa", r.light_kappa);
  PutStatistic(o, "conger_kappa", r.conger_kappa);
  o["cohen_kappa_pairs"] = CohenPairs(t, r);
  return o;
}

json::object DawidSkeneJson(const statistics::RatingTable& t,
                            const statistics::DawidSkeneResult& ds,
                            const statistics::DawidSkeneOptions& options,
                            std::string_view source) {
  const int32_t k_n = ds.num_classes;
  json::object o;
  o["source"] = source;
  o["method"] = "dawid-skene";
  o["items"] = ds.items;
  o["ratings"] = ds.ratings;
  o["classes"] = CategoryLabels(t, k_n);
  o["raters"] = RaterNames(t);
  o["max_iterations"] = options.max_iterations;
  o["tolerance"] = Num(options.tolerance);
  o["smoothing"] = Num(options.smoothing);
  o["iterations"] = ds.iterations;
  o["converged"] = ds.converged;
  if (std::isfinite(ds.log_likelihood)) {
    o["log_likelihood"] = ds.log_likelihood;
  } else {
    o["log_likelihood"] = nullptr;
    o["log_likelihood_undefined_reason"] =
        "an item has probability 0 under every class (floating-point "
        "underflow); try --smoothing";
  }
  o["priors"] = Distribution(t, ds.priors.data());
  json::array posteriors;
  for (int32_t i = 0; i < t.num_items(); ++i) {
    const double* post = ds.posteriors.data() + static_cast<size_t>(i) * k_n;
    json::object item;
    item["item"] = t.item_id(i);
    item["label"] = t.category_label(ds.label(i));
    item["ratings"] = static_cast<int64_t>(t.item_ratings(i).size());
    item["posterior"] = Distribution(t, post);
    posteriors.push_back(std::move(item));
  }
  o["posteriors"] = std::move(posteriors);
  // confusion_matrices[rater][true class][given label].
  json::object confusions;
  for (int32_t r = 0; r < t.num_raters(); ++r) {
    json::object m;
    for (int32_t k = 0; k < k_n; ++k) {
      json::object row;
      for (int32_t l = 0; l < k_n; ++l) {
        row[t.category_label(l)] = Num(ds.confusion(r, k, l));
      }
      m[t.category_label(k)] = std::move(row);
    }
    confusions[t.rater_name(r)] = std::move(m);
  }
  o["confusion_matrices"] = std::move(confusions);
  return o;
}

json::object MajorityVoteJson(const statistics::RatingTable& t,
                              const statistics::MajorityVoteResult& mv,
                              std::string_view source) {
  const int32_t k_n = mv.num_classes;
  json::object o;
  o["source"] = source;
  o["method"] = "majority";
  o["items"] = t.num_items();
  o["ratings"] = t.num_ratings();
  o["classes"] = CategoryLabels(t, k_n);
  json::array labels;
  for (int32_t i = 0; i < t.num_items(); ++i) {
    json::object item;
    item["item"] = t.item_id(i);
    if (mv.labels[i] == statistics::kMissing) {
      item["label"] = nullptr;
      item["label_undefined_reason"] = "no ratings";
    } else {
      item["label"] = t.category_label(mv.labels[i]);
    }
    item["tied"] = mv.tied[i] != 0;
    item["ratings"] = static_cast<int64_t>(t.item_ratings(i).size());
    item["vote_shares"] =
        Distribution(t, mv.vote_shares.data() + static_cast<size_t>(i) * k_n);
    labels.push_back(std::move(item));
  }
  o["labels"] = std::move(labels);
  return o;
}

}  // namespace consilium::render
