// Pseudonymized analytics results: what a researcher is shown (DESIGN.md:
// researchers see pseudonyms, never annotator identities). Each function
// rewrites a result of projections/analytics.h in place, replacing every
// annotator id by the principal's pseudonym (PrincipalRegistered's, or the
// one the write side assigned: "P-000002") and, where a result names
// annotations, every annotation id (a client-chosen id may embed the
// annotator's name) by "<pseudonym>/<n>", n the annotation's order of
// appearance on the record (1-based). Lists that were ordered by annotator
// id are re-ordered by pseudonym, so the order gives nothing away either.
// `consilium distribution|calibration|agreement --pseudonyms` and the
// server's researcher views print the same documents (docs/server.md).
//
// Thread-safety: functions of a const state and the result they rewrite;
// call under ProjectionEngine::Read or on a private state.
//
//   auto d = LabelDistribution(state, "rec-1", true);
//   if (d.ok()) PseudonymizeDistribution(state, &*d);
#ifndef CONSILIUM_PROJECTIONS_PSEUDONYMS_H_
#define CONSILIUM_PROJECTIONS_PSEUDONYMS_H_

#include <string>
#include <string_view>
#include <vector>

#include "projections/analytics.h"
#include "projections/analytics_state.h"
#include "projections/report_figures.h"

namespace consilium::projections {

// The pseudonym of `principal`: the registered one; "unregistered" for an id
// the state does not know (annotations name registered principals, so this
// is only reached for hand-made states).
std::string PseudonymOf(const AnalyticsState& state,
                        std::string_view principal);

// Values (human and model) and the revision history.
void PseudonymizeDistribution(const AnalyticsState& state,
                              RecordDistribution* d);
// Rater names (and so the Cohen pairs, which point into them). The rater
// order, which is the rating table's, is kept.
void PseudonymizeAgreement(const AnalyticsState& state,
                           std::vector<FieldAgreement>* fields);
// Each annotator and each peer; annotators and peers ordered by pseudonym.
void PseudonymizeCalibration(const AnalyticsState& state,
                             std::vector<AnnotatorCalibration>* annotators);
// A report's figures (projections/report_figures.h): the raters of every
// agreement group and of the kappa matrices (their order kept, like
// PseudonymizeAgreement), and the annotators as PseudonymizeCalibration.
void PseudonymizeReport(const AnalyticsState& state, ReportFigures* figures);

}  // namespace consilium::projections

#endif  // CONSILIUM_PROJECTIONS_PSEUDONYMS_H_
