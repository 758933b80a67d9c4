#include "adjudication/as_of.h"

#include <string>
#include <utility>

namespace consilium::adjudication {

StatusOr<AdjudicationAsOf> ReplayAdjudication(const Ledger& ledger,
                                              uint64_t seq,
                                              const AsOfObserver& observe) {
  if (seq > ledger.head().seq) {
    return OutOfRangeError("sequence number " + std::to_string(seq) +
                           " is beyond the ledger's " +
                           std::to_string(ledger.head().seq) + " events");
  }
  AdjudicationAsOf out;
  out.model = std::make_unique<AdjudicationModel>();
  domain::Model* models[] = {out.model.get()};
  if (seq > 0) {
    RETURN_IF_ERROR(ledger.Scan(1, seq, [&](const StoredEvent& e) {
      out.domain.Apply(e, models);
      if (observe) observe(e, *out.model);
      return true;
    }));
  }
  out.seq = seq;
  return out;
}

projections::AdjudicationOutcomes OutcomesOf(const AdjudicationModel& model,
                                             std::string_view project) {
  projections::AdjudicationOutcomes out;
  const Queue* queue = model.FindQueue(project);
  if (queue == nullptr) return out;
  for (const ItemInfo* i : queue->Items()) {
    const bool decided = i->state == ItemState::kDecided;
    if (!decided && i->state != ItemState::kAmbiguous) continue;
    projections::AdjudicationDecision d;
    d.project = std::string(project);
    d.record = i->key.record;
    d.field_path = i->key.field;
    d.outcome = decided ? fb::AdjudicationOutcome::Decided
                        : fb::AdjudicationOutcome::Ambiguous;
    if (decided && !i->round.empty()) d.value_key = i->round.front().value_key;
    if (!i->round.empty()) {
      d.rationale = i->round.back().rationale;
      d.adjudicator = i->round.back().adjudicator;
    }
    d.seq = i->last_decision_seq.value_or(0);
    out[{d.record, d.field_path}] = std::move(d);
  }
  return out;
}

}  // namespace consilium::adjudication
