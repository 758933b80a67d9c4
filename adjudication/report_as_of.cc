#include "adjudication/report_as_of.h"

#include "adjudication/as_of.h"
#include "projections/pseudonyms.h"

namespace consilium::adjudication {

projections::QueueStatus QueueStatusOf(const AdjudicationModel& model,
                                       std::string_view project) {
  projections::QueueStatus status;
  const Queue* queue = model.FindQueue(project);
  if (queue == nullptr) return status;
  for (const ItemInfo* item : queue->Items()) {
    switch (item->state) {
      case ItemState::kNotDisputed:
        break;
      case ItemState::kPending:
        ++status.pending;
        break;
      case ItemState::kClaimed:
        ++status.claimed;
        break;
      case ItemState::kDecided:
        ++status.decided;
        break;
      case ItemState::kAmbiguous:
        ++status.ambiguous;
        break;
      case ItemState::kEscalated:
        ++status.escalated;
        break;
      case ItemState::kReopened:
        ++status.reopened;
        break;
    }
  }
  return status;
}

StatusOr<projections::ReportFigures> ReportFiguresAsOf(
    const Ledger& ledger, const projections::AnalyticsState& state,
    std::string_view project, const projections::ReportOptions& options,
    bool pseudonyms) {
  ASSIGN_OR_RETURN(AdjudicationAsOf replayed,
                   ReplayAdjudication(ledger, state.last_seq()));
  const projections::AdjudicationOutcomes outcomes =
      OutcomesOf(*replayed.model, project);
  ASSIGN_OR_RETURN(
      projections::ReportFigures figures,
      projections::ComputeReportFigures(state, project, options, &outcomes));
  figures.queue = QueueStatusOf(*replayed.model, project);
  figures.queue_unavailable_reason.clear();
  if (pseudonyms) projections::PseudonymizeReport(state, &figures);
  return figures;
}

}  // namespace consilium::adjudication
