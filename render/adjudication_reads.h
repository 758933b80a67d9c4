// What the adjudication read documents select, for the CLI (`queue list`,
// `queue show`: tools/cmd_adjudication.cc) and the server (api/
// adjudication_routes.h) alike, so their documents are the same bytes:
//   QueueListItems       which items `queue list` shows, in claim order
//   RecordItemsJson      a record's items and their outcomes
//   ItemHistoryObserver  an item's history (render::ItemHistoryEntry,
//                        render/adjudication_json.h): an adjudication::
//                        AsOfObserver that watches one item while the
//                        model is replayed and names each change
//
// Thread-safety: QueueListItems reads the queue (hold what keeps it still);
// the observer writes `*history` from the replay's thread.
//
//   std::vector<render::ItemHistoryEntry> history;
//   ASSIGN_OR_RETURN(auto a, adjudication::ReplayAdjudication(
//       ledger, seq, render::ItemHistoryObserver("icu", key, &history)));
#ifndef CONSILIUM_RENDER_ADJUDICATION_READS_H_
#define CONSILIUM_RENDER_ADJUDICATION_READS_H_

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "adjudication/as_of.h"
#include "adjudication/queue.h"
#include "render/adjudication_json.h"

namespace consilium::render {

// The items `queue list` shows: disputed ones that are open (pending,
// claimed, escalated, reopened), or every disputed one with `all`; of those,
// the ones `keep` accepts (null: all). Claim order for what is waiting
// (escalated first, then priority, then age), then held items, then the
// rest by record and field; the first `limit` (0: all).
std::vector<const adjudication::ItemInfo*> QueueListItems(
    const adjudication::Queue& queue, bool all, size_t limit,
    const std::function<bool(const adjudication::ItemInfo&)>& keep = {});

// A record's adjudication state: {"project", "record", "as_of_seq",
// "items": [{"field", then ItemOutcomeJson's keys}...] by field}, every
// item of the record the queue has evaluated (not_disputed ones included).
boost::json::object RecordItemsJson(std::string_view project,
                                    std::string_view record, uint64_t as_of_seq,
                                    const adjudication::Queue& queue);

// Appends to `history` (not owned; must outlive the replay) one entry per
// event after which the item's state, lease or round changed: opened,
// reopened (citing the decision), reevaluated, left, claimed, released,
// expired, lost, decision (one of a round), decided, ambiguous, escalated.
// The first evaluation of an item that is not disputed says nothing.
adjudication::AsOfObserver ItemHistoryObserver(
    std::string project, adjudication::ItemKey key,
    std::vector<ItemHistoryEntry>* history);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_ADJUDICATION_READS_H_
