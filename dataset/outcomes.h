// Adjudication outcomes as a snapshot carries them: the one place the export
// asks "how was this record's field settled?".
//
// The answer is the adjudication engine's (adjudication/as_of.h): the model
// replayed over the snapshot's ledger prefix, and each item's final outcome
// as OutcomesOf reads it, the same outcomes calibration reads. So, as of the
// snapshot's sequence number:
//   - decided: the round's value (a round with adjudicators > 1 only once it
//     is complete; a decision escalated first and decided by a senior after
//     is decided);
//   - ambiguous: no value, the distribution stands;
//   - pending, claimed, escalated and not yet decided, an incomplete round:
//     no outcome;
//   - re-opened (new annotations after a decision): no outcome. The earlier
//     decision weighed other annotations; it stays in the ledger and in any
//     snapshot taken before the re-open, not in this one (docs/snapshots.md,
//     "Adjudication outcomes").
// A decision the engine does not count (no lease, a void decision) is never
// an outcome, even when it is the latest AdjudicationDecided of the item.
//
// The outcome's details (decided value as JSON, cited annotation ids,
// timestamp) are read from the AdjudicationDecided event the outcome names.
//
// Thread-safety: pure functions of const inputs.
//
//   ASSIGN_OR_RETURN(auto outcomes, ProjectOutcomes(*ledger, 120, "icu"));
//   ASSIGN_OR_RETURN(auto list, RecordOutcomes(*ledger, outcomes, "rec-1"));
#ifndef CONSILIUM_DATASET_OUTCOMES_H_
#define CONSILIUM_DATASET_OUTCOMES_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ledger/ledger.h"
#include "projections/analytics.h"
#include "projections/analytics_state.h"

namespace consilium::dataset {

// The final outcomes of `project`'s items as of events 1..seq (the
// adjudication model replayed over that prefix). The ledger's errors;
// OutOfRange when seq is beyond the head.
StatusOr<projections::AdjudicationOutcomes> ProjectOutcomes(
    const Ledger& ledger, uint64_t seq, std::string_view project);

// The outcomes in force on `record`, one per field path, sorted by path,
// with the details of the decision event each names. DataLoss when that
// event does not read back as an AdjudicationDecided.
StatusOr<std::vector<projections::AdjudicationDecision>> RecordOutcomes(
    const Ledger& ledger, const projections::AdjudicationOutcomes& outcomes,
    std::string_view record);

}  // namespace consilium::dataset

#endif  // CONSILIUM_DATASET_OUTCOMES_H_
