#include "dataset/outcomes.h"

#include <string>
#include <utility>

#include "adjudication/as_of.h"
#include "projections/value_keys.h"
#include "schemas/event.h"

namespace consilium::dataset {
namespace {

std::string Str(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : s->str();
}

// Fills value_json, cited ids and timestamp of `d` from its decision event.
Status AddDetails(const Ledger& ledger, projections::AdjudicationDecision& d) {
  if (d.seq == 0) return OkStatus();
  const std::string where = "decision event " + std::to_string(d.seq);
  StatusOr<StoredEvent> e = ledger.Get(d.seq);
  if (!e.ok()) return DataLossError(where + ": " + e.status().message());
  const fb::AdjudicationDecided* b = e->event()->body_as_AdjudicationDecided();
  if (b == nullptr) {
    return DataLossError(where + " is not an AdjudicationDecided");
  }
  d.timestamp_us = e->event()->stamp()->timestamp_us();
  if (d.outcome == fb::AdjudicationOutcome::Decided) {
    d.value_json = std::string(PlainPayload(b->value()));
    // The round's value key is the engine's; the event's value is the
    // same value unless the event is not the one that decided it.
    if (d.value_key.empty())
      d.value_key = projections::ValueKeyOfJson(d.value_json);
  }
  if (b->cited_annotation_ids() != nullptr) {
    for (const auto* id : *b->cited_annotation_ids()) {
      d.cited_annotation_ids.push_back(Str(id));
    }
  }
  return OkStatus();
}

}  // namespace

StatusOr<projections::AdjudicationOutcomes> ProjectOutcomes(
    const Ledger& ledger, uint64_t seq, std::string_view project) {
  ASSIGN_OR_RETURN(adjudication::AdjudicationAsOf a,
                   adjudication::ReplayAdjudication(ledger, seq));
  return adjudication::OutcomesOf(*a.model, project);
}

StatusOr<std::vector<projections::AdjudicationDecision>> RecordOutcomes(
    const Ledger& ledger, const projections::AdjudicationOutcomes& outcomes,
    std::string_view record) {
  std::vector<projections::AdjudicationDecision> out;
  for (auto it = outcomes.lower_bound({std::string(record), std::string()});
       it != outcomes.end() && it->first.first == record; ++it) {
    projections::AdjudicationDecision d = it->second;
    RETURN_IF_ERROR(AddDetails(ledger, d));
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace consilium::dataset
