// JSON documents of the pure statistics over a rating table: `consilium
// agreement --csv` and `consilium aggregate` (docs/statistics.md). The same
// documents are for the server; the caller writes them
// (common/canonical_json.h: kIndented for a terminal, kCanonical otherwise).
//
// Every document is finite: an undefined statistic is null with a
// "<name>_undefined_reason" beside it, and a non-finite double (never
// expected from the statistics) becomes null, so writing never fails.
// Keys are in reading order (the CLI prints them in that order).
//
// Thread-safety: pure functions of their arguments.
//
//   const statistics::AgreementReport report =
//       statistics::ComputeAgreement(table);
//   boost::json::object doc = render::RatingAgreementJson(table, report,
//                                                         "ratings.csv",
//                                                         level);
#ifndef CONSILIUM_RENDER_STATISTICS_JSON_H_
#define CONSILIUM_RENDER_STATISTICS_JSON_H_

#include <boost/json/object.hpp>
#include <string_view>

#include "statistics/agreement.h"
#include "statistics/dawid_skene.h"
#include "statistics/rating_table.h"

namespace consilium::render {

// Inter-rater agreement of a rating table read from `source` at `level`:
// counts, raters, categories, every statistic with its items and ratings,
// Fleiss per category, Krippendorff at each level, pairwise Cohen.
boost::json::object RatingAgreementJson(const statistics::RatingTable& t,
                                        const statistics::AgreementReport& r,
                                        std::string_view source,
                                        statistics::Level level);

// Dawid–Skene over `t` with the `options` it ran with: priors, per-item
// posteriors and labels, confusion_matrices[rater][true class][given label].
boost::json::object DawidSkeneJson(const statistics::RatingTable& t,
                                   const statistics::DawidSkeneResult& ds,
                                   const statistics::DawidSkeneOptions& options,
                                   std::string_view source);

// Majority vote over `t`: per item the label (null when unrated), whether
// it was tied, and the vote shares.
boost::json::object MajorityVoteJson(const statistics::RatingTable& t,
                                     const statistics::MajorityVoteResult& mv,
                                     std::string_view source);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_STATISTICS_JSON_H_
