// JSON documents of the adjudication engine (docs/adjudication.md; issue
// 15): what `consilium policy show`, `queue list`, `queue show`,
// `adjudicate claim` and `adjudicate decide` print with --json, and what the
// server returns for the same questions. The caller reads the state (an
// adjudication::Queue replayed to some sequence number, the analytics state
// for the adjudicator's view) and passes the position it reflects; these
// functions only shape it. Keys are in reading order, the same on every
// call (docs/renderings.md, "Adjudication documents", lists each).
//
// Times are given twice: microseconds since the epoch ("..._us", exact, for
// programs) and RFC 3339 UTC ("..._at", for people), both from the server's
// clock.
//
// Thread-safety: pure functions of their arguments.
//
//   const adjudication::ItemInfo* item = queue.Find({"rec-1", "primary_dx"});
//   boost::json::object doc = render::QueueItemJson(*item, opened_us, now_us);
#ifndef CONSILIUM_RENDER_ADJUDICATION_JSON_H_
#define CONSILIUM_RENDER_ADJUDICATION_JSON_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adjudication/policy.h"
#include "adjudication/queue.h"

namespace consilium::render {

// `policy show`: the project's current policy, every default resolved.
// {"project", "as_of_seq", "version" (0: the built-in default),
//  "policy_seq" (the event that set it; null for the default),
//  "overlap_target", "lease_seconds", "senior_adjudicators",
//  "fields": {path: field policy}, "defaults": {"interpretive": field
//  policy, "descriptive": field policy}}. A field policy is
// {"layer", "min_annotations", "triggers": {only those set, in the
// document's spelling}, "priority": {"by"[, "value"]}, "adjudicators"}.
boost::json::object PolicyJson(const adjudication::ProjectPolicy& policy,
                               std::optional<uint64_t> policy_seq,
                               uint64_t as_of_seq);
boost::json::object FieldPolicyJson(const adjudication::FieldPolicy& f);

// One item as the queue sees it:
// {"record", "field", "state", "triggers": [names], "reason", "priority",
//  "annotations" (current count), "opened_seq", "opened_at", "age_seconds"
//  (now - opened, whole seconds, never negative), "lease" (null when not
//  claimed), "escalated", "reopened_from" (the decision a re-open cites, or
//  null), "last_decision_seq" (or null), "round_decisions"}.
// `opened_us` is the server time of the event at opened_seq.
boost::json::object QueueItemJson(const adjudication::ItemInfo& item,
                                  int64_t opened_us, int64_t now_us);

struct QueueEntry {
  const adjudication::ItemInfo* item = nullptr;
  int64_t opened_us = 0;
};

// `queue list`: {"project", "as_of_seq", "now_at", "queued" (claimable
// items, both tiers), "leases" (held), "items": [QueueItemJson...]} in the
// order given.
boost::json::object QueueListJson(std::string_view project, uint64_t as_of_seq,
                                  int64_t now_us, size_t queued, size_t leases,
                                  const std::vector<QueueEntry>& items);

// A lease: {"lease", "adjudicator", "record", "field", "expires_us",
// "expires_at", "weighed": [{"annotator", "seq"}...]}.
boost::json::object LeaseJson(const adjudication::LeaseInfo& lease);

// One step of an item's history, as `queue show` prints it. `what` is one
// of: opened, reopened, left (no longer disputed), claimed, released,
// expired, lost, decided, ambiguous, escalated.
struct ItemHistoryEntry {
  uint64_t seq = 0;
  int64_t timestamp_us = 0;
  std::string what{};
  std::string actor{};              // the event's actor; empty when derived
  uint64_t lease = 0;               // 0 when none
  std::optional<uint64_t> cites{};  // reopened: the decision it cites
  std::string detail{};             // reason, rationale, value
};

// `queue show`: {"project", "as_of_seq", "item": QueueItemJson,
// "current_annotations": [{"annotator", "seq"}...], "lease": LeaseJson or
// null, "round": [decision...], "history": [entry...]}. A decision is
// {"seq", "adjudicator", "outcome", "value" (value key, null when
// ambiguous), "rationale", "weighed": [...]}; a history entry
// {"seq", "at", "what", "actor" (null when derived), "lease" (or null),
// "cites" (only on reopened), "detail"}.
boost::json::object ItemShowJson(std::string_view project, uint64_t as_of_seq,
                                 const adjudication::ItemInfo& item,
                                 int64_t opened_us, int64_t now_us,
                                 const adjudication::LeaseInfo* lease,
                                 const std::vector<ItemHistoryEntry>& history);

// `adjudicate claim`: {"project", "lease", "seq", "hash", "adjudicator",
// "record", "field", "expires_us", "expires_at", "weighed": [...],
// "access_seq" (the AccessRecorded event of the view), "shown": view}.
// `view` is AdjudicatorViewJson's document (render/adjudication_view.h).
struct ClaimResult {
  std::string project{};
  uint64_t lease = 0;  // the AdjudicationClaimed event's sequence number
  std::string hash{};  // its hash, hex
  std::string adjudicator{};
  adjudication::ItemKey item{};
  int64_t expires_us = 0;
  std::vector<adjudication::AnnotationRef> weighed{};
  uint64_t access_seq = 0;
};
boost::json::object ClaimJson(const ClaimResult& claim,
                              boost::json::object view);

// `adjudicate decide`: {"project", "seq", "hash", "lease", "adjudicator",
// "record", "field", "outcome" (decided, ambiguous or escalated), "value"
// (JSON as given; null unless decided), "rationale", "weighed": [...],
// "state" (the item's state after the event: decided, ambiguous, pending
// while a round needs more decisions, escalated)}.
struct DecisionResult {
  std::string project{};
  uint64_t seq = 0;
  std::string hash{};
  uint64_t lease = 0;
  std::string adjudicator{};
  adjudication::ItemKey item{};
  std::string outcome{};     // decided, ambiguous, escalated
  std::string value_json{};  // decided only
  std::string rationale{};
  std::vector<adjudication::AnnotationRef> weighed{};
  std::string state{};
};
boost::json::object DecisionJson(const DecisionResult& decision);

// `adjudicate heartbeat` and `release`: {"project", "lease", "adjudicator",
// "action" (heartbeat, release), "seq" (the event; null for a heartbeat,
// which appends nothing), "expires_us", "expires_at" (heartbeat: the
// deadline it verified or extended; release: null)}.
boost::json::object LeaseActionJson(std::string_view project, uint64_t lease,
                                    std::string_view adjudicator,
                                    std::string_view action,
                                    std::optional<uint64_t> seq,
                                    std::optional<int64_t> expires_us);

// An item's adjudication outcome, shown beside its untouched label
// distribution (`consilium distribution`): {"state", "value" (the decided
// value key when the state is decided, else null), "decision_seq" (the
// decision that completed the outcome, or null), "decisions" (the round:
// every decision toward it, as in ItemShowJson), "reopened_from" (or
// null)}. A null item (never evaluated) is {"state": "not_disputed", ...}.
boost::json::object ItemOutcomeJson(const adjudication::ItemInfo* item);

// Adds "adjudication": ItemOutcomeJson(find(path)) to every field of a
// DistributionJson document (render/analytics_json.h), after its own keys;
// nothing else of the document changes.
void AddAdjudicationOutcomes(
    boost::json::object& distribution,
    const std::function<const adjudication::ItemInfo*(std::string_view path)>&
        find);

// The spelling of a decision outcome: "decided" or "ambiguous".
std::string_view OutcomeName(adjudication::Outcome outcome);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_ADJUDICATION_JSON_H_
