// Where the adjudication read commands (`policy show`, `queue list`, `queue
// show`) get their state: the ledger opened read-only and the domain state
// rebuilt event by event through --as-of (a sequence number or a time, as
// every read command takes it) or the head, with an AdjudicationModel
// attached, exactly as the write side builds it at open. So the read side's
// adjudication state per record and field is the write side's replayed over
// a ledger prefix: one definition (adjudication/model.h).
#ifndef CONSILIUM_TOOLS_ADJUDICATION_SOURCE_H_
#define CONSILIUM_TOOLS_ADJUDICATION_SOURCE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adjudication/as_of.h"
#include "adjudication/model.h"
#include "common/status.h"
#include "domain/domain_state.h"
#include "ledger/ledger.h"
#include "render/adjudication_json.h"
#include "tools/cli.h"

namespace consilium::cli {

struct LoadedAdjudication {
  std::unique_ptr<Ledger> ledger;
  domain::DomainState domain;
  std::unique_ptr<adjudication::AdjudicationModel> model;
  uint64_t seq = 0;  // the position both reflect
  // "Now" for ages and deadlines: the time of event `seq` with --as-of (so
  // an as-of answer does not change with the wall clock), else the clock.
  int64_t now_us = 0;
};

using AdjudicationObserver = adjudication::AsOfObserver;

// Opens --data read-only and replays events 1..--as-of (or the head).
// Errors: the ledger's, and AsOfSeq's (tools/analytics_source.h).
StatusOr<LoadedAdjudication> LoadAdjudication(
    const Args& args, const AdjudicationObserver& observe = {});

// LoadAdjudication, recording the history of one item on the way: each
// event after which the item's state, lease or round changed, named by what
// happened (render::ItemHistoryEntry: opened, reopened citing the decision,
// reevaluated, left, claimed, released, expired, lost, decision (one of a
// round), decided, ambiguous, escalated).
StatusOr<LoadedAdjudication> LoadItemHistory(
    const Args& args, const std::string& project,
    const adjudication::ItemKey& key,
    std::vector<render::ItemHistoryEntry>* history);

// The server time of event `seq` (0 for seq 0).
StatusOr<int64_t> EventTime(const Ledger& ledger, uint64_t seq);

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_ADJUDICATION_SOURCE_H_
