#include "render/adjudication_reads.h"

#include <algorithm>
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "schemas/event.h"
#include "schemas/event_json.h"

namespace consilium::render {
namespace {

namespace adj = ::consilium::adjudication;

// What of an item a history line is about.
struct Snapshot {
  bool exists = false;
  adj::ItemState state = adj::ItemState::kNotDisputed;
  uint64_t lease = 0;
  size_t round = 0;
  uint64_t opened_seq = 0;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

Snapshot SnapshotOf(const adj::ItemInfo* i) {
  if (i == nullptr) return {};
  return {true, i->state, i->lease, i->round.size(), i->opened_seq};
}

std::string Str(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : s->str();
}

// Names the change `before` -> `after` that event `e` made to `item`.
ItemHistoryEntry Describe(const StoredEvent& e, const Snapshot& before,
                          const Snapshot& after, const adj::ItemInfo& item) {
  const fb::Event& ev = *e.event();
  ItemHistoryEntry h;
  h.seq = e.seq;
  h.timestamp_us = ev.stamp()->timestamp_us();
  h.actor = Str(ev.actor());
  if (ev.body_as_AdjudicationClaimed() != nullptr) {
    h.what = "claimed";
    h.lease = after.lease;
  } else if (const auto* r = ev.body_as_AdjudicationReleased()) {
    h.what = "released";
    h.lease = r->lease_seq();
  } else if (const auto* x = ev.body_as_AdjudicationLeaseExpired()) {
    h.what = "expired";
    h.lease = x->lease_seq();
    h.detail = "deadline " + FormatTimestamp(x->deadline_us());
  } else if (const auto* s = ev.body_as_AdjudicationEscalated()) {
    h.what = "escalated";
    h.lease = s->lease_seq();
    h.detail = Str(s->rationale());
  } else if (const auto* d = ev.body_as_AdjudicationDecided()) {
    h.lease = d->lease_seq();
    h.what = after.state == adj::ItemState::kDecided     ? "decided"
             : after.state == adj::ItemState::kAmbiguous ? "ambiguous"
                                                         : "decision";
    if (!item.round.empty()) {
      const adj::DecisionRecord& last = item.round.back();
      h.detail = (last.value_key.empty() ? "ambiguous" : last.value_key) +
                 ": " + last.rationale;
    }
  } else {
    // An annotation, a batch or a policy re-evaluated the item.
    h.actor.clear();
    h.detail = item.evaluation.reason;
    if (before.lease != 0 && after.lease == 0) {
      h.what = "lost";
      h.lease = before.lease;
    } else if (after.state == adj::ItemState::kReopened &&
               before.state != adj::ItemState::kReopened) {
      h.what = "reopened";
      h.cites = item.reopened_from;
    } else if (after.state == adj::ItemState::kNotDisputed) {
      h.what = "left";
    } else if (before.state == adj::ItemState::kNotDisputed) {
      h.what = "opened";
    } else {
      h.what = "reevaluated";
    }
  }
  return h;
}

bool IsOpen(adj::ItemState s) {
  return s == adj::ItemState::kPending || s == adj::ItemState::kClaimed ||
         s == adj::ItemState::kEscalated || s == adj::ItemState::kReopened;
}

// Claim order for what is waiting (priority, then age), then held items,
// then the rest by record and field: what an adjudicator would get next
// comes first.
bool ListOrder(const adj::ItemInfo* a, const adj::ItemInfo* b) {
  auto rank = [](const adj::ItemInfo* i) {
    if (i->state == adj::ItemState::kClaimed) return 1;
    return IsOpen(i->state) ? 0 : 2;
  };
  if (rank(a) != rank(b)) return rank(a) < rank(b);
  if (rank(a) == 0 && a->escalated != b->escalated) return a->escalated;
  if (rank(a) == 0 && a->evaluation.priority != b->evaluation.priority)
    return a->evaluation.priority > b->evaluation.priority;
  if (rank(a) == 0 && a->opened_seq != b->opened_seq)
    return a->opened_seq < b->opened_seq;
  return a->key < b->key;
}

}  // namespace

std::vector<const adj::ItemInfo*> QueueListItems(
    const adj::Queue& queue, bool all, size_t limit,
    const std::function<bool(const adj::ItemInfo&)>& keep) {
  std::vector<const adj::ItemInfo*> items;
  for (const adj::ItemInfo* i : queue.Items()) {
    if (i->state == adj::ItemState::kNotDisputed) continue;
    if (!all && !IsOpen(i->state)) continue;
    if (keep && !keep(*i)) continue;
    items.push_back(i);
  }
  std::sort(items.begin(), items.end(), ListOrder);
  if (limit > 0 && items.size() > limit) items.resize(limit);
  return items;
}

boost::json::object RecordItemsJson(std::string_view project,
                                    std::string_view record, uint64_t as_of_seq,
                                    const adj::Queue& queue) {
  std::vector<const adj::ItemInfo*> items;
  for (const adj::ItemInfo* i : queue.Items()) {
    if (i->key.record == record) items.push_back(i);
  }
  std::sort(items.begin(), items.end(),
            [](const adj::ItemInfo* a, const adj::ItemInfo* b) {
              return a->key < b->key;
            });
  boost::json::array out;
  for (const adj::ItemInfo* i : items) {
    boost::json::object item;
    item["field"] = i->key.field;
    for (const auto& kv : ItemOutcomeJson(i)) item[kv.key()] = kv.value();
    out.push_back(std::move(item));
  }
  boost::json::object doc;
  doc["project"] = project;
  doc["record"] = record;
  doc["as_of_seq"] = as_of_seq;
  doc["items"] = std::move(out);
  return doc;
}

adj::AsOfObserver ItemHistoryObserver(std::string project, adj::ItemKey key,
                                      std::vector<ItemHistoryEntry>* history) {
  auto last = std::make_shared<Snapshot>();
  return [project = std::move(project), key = std::move(key), history, last](
             const StoredEvent& e, const adj::AdjudicationModel& model) {
    const adj::ItemInfo* item = model.FindItem(project, key);
    Snapshot now = SnapshotOf(item);
    if (now == *last) return;
    // First evaluation of an item that is not disputed: nothing to say.
    if (!(now.exists && !last->exists &&
          now.state == adj::ItemState::kNotDisputed)) {
      history->push_back(Describe(e, *last, now, *item));
    }
    *last = now;
  };
}

}  // namespace consilium::render
