// Adjudication outcomes as a snapshot carries them: the one place the export
// asks "how was this record's field settled?".
//
// Today the answer is the latest AdjudicationDecided per (record, field
// path) as the analytics state holds it (projections/analytics_state.h,
// decisions()). The adjudication engine (adjudication/, being integrated)
// will own this model; when it does, only this function changes (and the
// module graph gains dataset/ -> adjudication/), not the export's format.
//
// Thread-safety: a pure function of a const state.
#ifndef CONSILIUM_DATASET_OUTCOMES_H_
#define CONSILIUM_DATASET_OUTCOMES_H_

#include <string_view>
#include <vector>

#include "projections/analytics_state.h"

namespace consilium::dataset {

// The decisions in force on `record`, one per field path, sorted by path.
// Pointers into `state`.
std::vector<const projections::AdjudicationDecision*> RecordOutcomes(
    const projections::AnalyticsState& state, std::string_view record);

}  // namespace consilium::dataset

#endif  // CONSILIUM_DATASET_OUTCOMES_H_
