// JSON documents of the ledger-backed analytics (docs/statistics.md,
// "Ledger-backed analytics"): `consilium agreement --data`, `calibration`,
// `distribution` and `access`, and the server's routes that return the same
// results. The caller computes the result (projections/analytics.h) from an
// AnalyticsState and passes the sequence number that state reflects; these
// functions only shape it. The caller writes the document
// (common/canonical_json.h).
//
// Every document is finite: an undefined statistic is null with a
// "<name>_undefined_reason" beside it and a non-finite double becomes null.
// Keys are in reading order (the CLI prints them in that order).
//
// Thread-safety: pure functions of their arguments.
//
//   auto d = p::LabelDistribution(state, "rec-0004", /*soft_labels=*/true);
//   if (d.ok()) doc = render::DistributionJson(*d, state.last_seq());
#ifndef CONSILIUM_RENDER_ANALYTICS_JSON_H_
#define CONSILIUM_RENDER_ANALYTICS_JSON_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

#include "projections/access_history.h"
#include "projections/analytics.h"
#include "projections/engine.h"

namespace consilium::render {

// One field's agreement: schema, path, metric, layer, counts, the primary
// statistic and the statistics its metric has (categorical report, set
// alpha, region IoU, span F1).
boost::json::object FieldAgreementJson(const projections::FieldAgreement& f);

// `consilium agreement --data`: the project, the batch (null for all), the
// fields and the calibration loop's ranking. `loop` points into `fields`.
boost::json::object LedgerAgreementJson(
    std::string_view project, std::string_view batch, uint64_t as_of_seq,
    const std::vector<projections::FieldAgreement>& fields,
    const projections::CalibrationLoopReport& loop);

// `consilium calibration`: per annotator, peers, majority, gold and
// adjudicated accuracy, confidence calibration and confusion matrices.
boost::json::object CalibrationJson(
    std::string_view project, uint64_t as_of_seq,
    const std::vector<projections::AnnotatorCalibration>& annotators);

// `consilium distribution`: per field the human and model values, counts,
// entropy and soft label; the record's revision history.
boost::json::object DistributionJson(const projections::RecordDistribution& d,
                                     uint64_t as_of_seq);

// `consilium access`: {"access": [entry, ...]} in the order given.
boost::json::object AccessJson(
    const std::vector<const projections::AccessEntry*>& entries);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_ANALYTICS_JSON_H_
