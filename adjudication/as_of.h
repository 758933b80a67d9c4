// The read side's adjudication state: an AdjudicationModel replayed, with a
// fresh DomainState, over events 1..N of a ledger (docs/adjudication.md,
// "Rounds and what the read side must read"). The write side keeps the same
// model live; replaying it over a prefix answers "pending, claimed,
// decided, ambiguous, escalated, reopened" per record and field as of any
// sequence number (or a time, through projections::SeqAtTime), with one
// definition. O(N) per call, like projections::BuildStateAsOf.
//
// OutcomesOf turns a replayed model into what calibration's "accuracy
// against adjudicated" reads (projections::AdjudicationOutcomes): each
// item's final outcome, a round counted once complete, void decisions left
// out.
//
// Thread-safety: the result is a private value; read it from one thread (or
// under a lock of the caller's).
//
//   ASSIGN_OR_RETURN(AdjudicationAsOf a, ReplayAdjudication(*ledger, 120));
//   const ItemInfo* i = a.model->FindItem("icu", {"rec-1", "severity"});
//   projections::AdjudicationOutcomes o = OutcomesOf(*a.model, "icu");
#ifndef CONSILIUM_ADJUDICATION_AS_OF_H_
#define CONSILIUM_ADJUDICATION_AS_OF_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "adjudication/model.h"
#include "common/status.h"
#include "domain/domain_state.h"
#include "ledger/ledger.h"
#include "projections/analytics.h"

namespace consilium::adjudication {

struct AdjudicationAsOf {
  domain::DomainState domain;
  std::unique_ptr<AdjudicationModel> model;
  uint64_t seq = 0;  // the last event applied
};

// Called after each event is applied, with the event and the model after it
// (a caller that reports an item's history watches it change).
using AsOfObserver =
    std::function<void(const StoredEvent&, const AdjudicationModel&)>;

// Events 1..seq of `ledger` (seq 0: none). OutOfRange when seq is beyond
// the head; the ledger's errors otherwise.
StatusOr<AdjudicationAsOf> ReplayAdjudication(const Ledger& ledger,
                                              uint64_t seq,
                                              const AsOfObserver& observe = {});

// The final outcomes of `project`'s items: decided (the round's value key)
// and ambiguous. Items pending, claimed, escalated or reopened have none (a
// reopened item's earlier decision weighed other annotations). Empty for an
// unknown project.
projections::AdjudicationOutcomes OutcomesOf(const AdjudicationModel& model,
                                             std::string_view project);

}  // namespace consilium::adjudication

#endif  // CONSILIUM_ADJUDICATION_AS_OF_H_
