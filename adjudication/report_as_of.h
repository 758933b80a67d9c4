// The figures of a project's report (docs/report.md) at one ledger position,
// computed one way for `consilium report` and for `GET /v1/projects/{p}/
// report`, so the two give the same bytes: projections::ComputeReportFigures
// on the analytics state, with calibration's "accuracy against adjudicated"
// read from the adjudication model replayed over the same prefix (as
// `consilium calibration` reads it), the queue status counted from that
// model, and, for a reader who may not see annotator ids, every annotator
// named by pseudonym (projections::PseudonymizeReport). It lives here, not
// in projections/, because it needs the adjudication model, which sits
// above the read models.
//
// Thread-safety: reads `ledger` (thread-safe) and a const `state` the caller
// keeps still; the result is a private value.
//
//   ASSIGN_OR_RETURN(projections::ReportFigures f,
//                    ReportFiguresAsOf(*ledger, state, "icu", {.seed = 7},
//                                      /*pseudonyms=*/false));
#ifndef CONSILIUM_ADJUDICATION_REPORT_AS_OF_H_
#define CONSILIUM_ADJUDICATION_REPORT_AS_OF_H_

#include <string_view>

#include "adjudication/model.h"
#include "common/status.h"
#include "ledger/ledger.h"
#include "projections/analytics_state.h"
#include "projections/report_figures.h"

namespace consilium::adjudication {

// The report of `project` as `state` stands (events 1..state.last_seq() of
// `ledger`). O(that prefix) for the adjudication replay plus the bootstrap
// (replicates × fields × items): run it off any I/O thread. Errors:
// ComputeReportFigures' (InvalidArgument for an unknown project or options
// out of range), the replay's (the ledger's).
StatusOr<projections::ReportFigures> ReportFiguresAsOf(
    const Ledger& ledger, const projections::AnalyticsState& state,
    std::string_view project, const projections::ReportOptions& options,
    bool pseudonyms);

// The project's items by state in `model` (items no longer disputed are not
// counted; no queue: all zero).
projections::QueueStatus QueueStatusOf(const AdjudicationModel& model,
                                       std::string_view project);

}  // namespace consilium::adjudication

#endif  // CONSILIUM_ADJUDICATION_REPORT_AS_OF_H_
