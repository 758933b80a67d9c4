#include "tools/adjudication_source.h"

#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "schemas/event.h"
#include "schemas/event_json.h"
#include "tools/analytics_source.h"

namespace consilium::cli {

StatusOr<int64_t> EventTime(const Ledger& ledger, uint64_t seq) {
  if (seq == 0) return 0;
  ASSIGN_OR_RETURN(StoredEvent e, ledger.Get(seq));
  return e.event()->stamp()->timestamp_us();
}

StatusOr<LoadedAdjudication> LoadAdjudication(
    const Args& args, const AdjudicationObserver& observe) {
  ASSIGN_OR_RETURN(std::string dir, args.Require("data"));
  LoadedAdjudication out;
  ASSIGN_OR_RETURN(out.ledger, Ledger::Open(dir, {.read_only = true}));
  ASSIGN_OR_RETURN(out.seq, AsOfSeq(args, *out.ledger));
  ASSIGN_OR_RETURN(
      adjudication::AdjudicationAsOf replay,
      adjudication::ReplayAdjudication(*out.ledger, out.seq, observe));
  out.domain = std::move(replay.domain);
  out.model = std::move(replay.model);
  if (args.Has("as-of")) {
    ASSIGN_OR_RETURN(out.now_us, EventTime(*out.ledger, out.seq));
  } else {
    out.now_us = SystemClock()->NowMicros();
  }
  return out;
}

}  // namespace consilium::cli

namespace consilium::cli {
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
render::ItemHistoryEntry Describe(const StoredEvent& e, const Snapshot& before,
                                  const Snapshot& after,
                                  const adj::ItemInfo& item) {
  const fb::Event& ev = *e.event();
  render::ItemHistoryEntry h;
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

}  // namespace

StatusOr<LoadedAdjudication> LoadItemHistory(
    const Args& args, const std::string& project, const adj::ItemKey& key,
    std::vector<render::ItemHistoryEntry>* history) {
  Snapshot last;
  return LoadAdjudication(
      args, [&](const StoredEvent& e, const adj::AdjudicationModel& model) {
        const adj::ItemInfo* item = model.FindItem(project, key);
        Snapshot now = SnapshotOf(item);
        if (now == last) return;
        // First evaluation of an item that is not disputed: nothing to say.
        if (!(now.exists && !last.exists &&
              now.state == adj::ItemState::kNotDisputed)) {
          history->push_back(Describe(e, last, now, *item));
        }
        last = now;
      });
}

}  // namespace consilium::cli
