// The checks the adjudication commands run before drafting (claim, release,
// heartbeat, decide, escalate, expire), and the state dump rebuild tests
// compare. Nothing here changes event-derived state.
#include <algorithm>
#include <map>
#include <utility>

#include "adjudication/internal/order_index.h"
#include "adjudication/internal/queue_item.h"
#include "adjudication/queue.h"

namespace consilium::adjudication {

namespace {

std::string Name(const ItemKey& key) {
  return "record \"" + key.record + "\" field \"" + key.field + "\"";
}

bool Blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
}

std::string Refs(const std::vector<AnnotationRef>& refs) {
  std::string out = "[";
  for (const AnnotationRef& r : refs) {
    if (out.size() > 1) out += ", ";
    out += r.annotator + "@" + std::to_string(r.seq);
  }
  return out + "]";
}

}  // namespace

Status Queue::CheckHeld(uint64_t lease, std::string_view adjudicator,
                        int64_t now_us) const {
  const std::string id = "lease " + std::to_string(lease);
  auto it = leases_.find(lease);
  if (it == leases_.end()) {
    auto ended = ended_.find(lease);
    if (ended == ended_.end()) {
      return NotFoundError("no " + id + " in project \"" + policy_.project +
                           "\"");
    }
    static constexpr std::string_view kHow[] = {
        "released", "expired", "used by a decision", "used by an escalation",
        "lost (the item left the queue or its holder annotated the record)"};
    return FailedPreconditionError(
        id + " is no longer held: " +
        std::string(kHow[static_cast<int>(ended->second.reason)]) + " at seq " +
        std::to_string(ended->second.seq));
  }
  const LeaseInfo& held = it->second;
  if (held.adjudicator != adjudicator) {
    return PermissionDeniedError(id + " is held by \"" + held.adjudicator +
                                 "\", not \"" + std::string(adjudicator) +
                                 "\"");
  }
  if (held.deadline_us() <= now_us) {
    return FailedPreconditionError(
        id + " expired at " + std::to_string(held.deadline_us()) + " us (now " +
        std::to_string(now_us) + " us); its item returns to the queue");
  }
  return OkStatus();
}

Status Queue::CheckConflict(const Item& item, std::string_view who) const {
  auto it = conflicts_.find(item.info.key.record);
  if (it != conflicts_.end() && it->second.count(std::string(who))) {
    return PermissionDeniedError("conflict of interest: \"" + std::string(who) +
                                 "\" annotated record \"" +
                                 item.info.key.record +
                                 "\" and may not adjudicate it");
  }
  return OkStatus();
}

Status Queue::CheckUnchanged(const LeaseInfo& lease, const Item& item) const {
  std::map<std::string_view, uint64_t> then, now;
  for (const AnnotationRef& r : lease.weighed_at_claim)
    then[r.annotator] = r.seq;
  for (const AnnotationRef& r : item.info.current) now[r.annotator] = r.seq;
  std::string changes;
  auto add = [&](const std::string& s) {
    changes += (changes.empty() ? "" : "; ") + s;
  };
  for (const auto& [who, seq] : then) {
    auto n = now.find(who);
    if (n == now.end()) {
      add(std::string(who) + " withdrew (seq " + std::to_string(seq) + ")");
    } else if (n->second != seq) {
      add(std::string(who) + " revised (seq " + std::to_string(seq) + " -> " +
          std::to_string(n->second) + ")");
    }
  }
  for (const auto& [who, seq] : now) {
    if (!then.count(who)) {
      add(std::string(who) + " added (seq " + std::to_string(seq) + ")");
    }
  }
  if (changes.empty()) return OkStatus();
  return AbortedError("annotations of " + Name(item.info.key) +
                      " changed since the claim (lease " +
                      std::to_string(lease.id) + "): " + changes +
                      "; read them again and claim anew");
}

StatusOr<ClaimPlan> Queue::CheckClaim(std::string_view adjudicator,
                                      int64_t now_us) const {
  if (auto held = lease_of_.find(adjudicator); held != lease_of_.end()) {
    const LeaseInfo& l = leases_.at(held->second);
    return FailedPreconditionError(
        "\"" + std::string(adjudicator) + "\" already holds lease " +
        std::to_string(l.id) + " on " + Name(l.item) +
        "; decide or release it first");
  }
  std::optional<internal::QueueKey> next;
  if (policy_.IsSenior(adjudicator)) next = senior_->FirstFor(adjudicator);
  if (!next) next = ordinary_->FirstFor(adjudicator);
  if (!next) {
    return NotFoundError("no item in project \"" + policy_.project +
                         "\" is eligible for \"" + std::string(adjudicator) +
                         "\" (" + std::to_string(queued()) + " queued)");
  }
  const Item& item = items_[next->item];
  return ClaimPlan{item.info.key, now_us + policy_.lease_micros,
                   item.info.current};
}

Status Queue::CheckClaimItem(std::string_view adjudicator,
                             const ItemKey& key) const {
  if (auto held = lease_of_.find(adjudicator); held != lease_of_.end()) {
    return FailedPreconditionError("\"" + std::string(adjudicator) +
                                   "\" already holds lease " +
                                   std::to_string(held->second));
  }
  auto found = item_index_.find(key);
  if (found == item_index_.end() || !IsClaimable(items_[found->second])) {
    return AbortedError(Name(key) +
                        " was taken or left the queue during the claim; "
                        "claim again");
  }
  const Item& item = items_[found->second];
  RETURN_IF_ERROR(CheckConflict(item, adjudicator));
  const std::vector<std::string> excluded = ExcludedFrom(item);
  if (std::binary_search(excluded.begin(), excluded.end(), adjudicator)) {
    return PermissionDeniedError("\"" + std::string(adjudicator) +
                                 "\" already decided " + Name(key) +
                                 " in this round");
  }
  if (item.info.escalated && !policy_.IsSenior(adjudicator)) {
    return PermissionDeniedError(Name(key) +
                                 " is escalated: only the senior tier may "
                                 "take it");
  }
  return OkStatus();
}

Status Queue::CheckRelease(uint64_t lease, std::string_view adjudicator,
                           int64_t now_us) const {
  return CheckHeld(lease, adjudicator, now_us);
}

Status Queue::CheckDecide(const DecideRequest& r, int64_t now_us) const {
  RETURN_IF_ERROR(CheckHeld(r.lease, r.adjudicator, now_us));
  const LeaseInfo& lease = leases_.at(r.lease);
  if (r.item != lease.item) {
    return InvalidArgumentError(
        "lease " + std::to_string(r.lease) + " holds " + Name(lease.item) +
        ", which is not the disputed item " + Name(r.item));
  }
  const Item& item = items_[item_index_.at(lease.item)];
  RETURN_IF_ERROR(CheckConflict(item, r.adjudicator));
  if (Blank(r.rationale)) {
    return InvalidArgumentError("a decision on " + Name(r.item) +
                                " needs a rationale");
  }
  if (r.outcome == Outcome::kDecided && r.value_key.empty()) {
    return InvalidArgumentError("outcome \"decided\" needs a value");
  }
  if (r.outcome == Outcome::kAmbiguous && !r.value_key.empty()) {
    return InvalidArgumentError(
        "outcome \"ambiguous\" keeps the distribution: give no value");
  }
  RETURN_IF_ERROR(CheckUnchanged(lease, item));
  std::vector<AnnotationRef> weighed = r.weighed;
  std::sort(weighed.begin(), weighed.end());
  if (weighed != item.info.current) {
    return InvalidArgumentError(
        "a decision weighs the current annotations of " + Name(r.item) + " " +
        Refs(item.info.current) + "; got " + Refs(weighed));
  }
  return OkStatus();
}

Status Queue::CheckEscalate(uint64_t lease, std::string_view adjudicator,
                            std::string_view rationale, int64_t now_us) const {
  RETURN_IF_ERROR(CheckHeld(lease, adjudicator, now_us));
  const Item& item = items_[item_index_.at(leases_.at(lease).item)];
  RETURN_IF_ERROR(CheckConflict(item, adjudicator));
  if (Blank(rationale)) {
    return InvalidArgumentError("an escalation of " + Name(item.info.key) +
                                " needs a rationale");
  }
  if (policy_.senior_adjudicators.empty()) {
    return FailedPreconditionError(
        "project \"" + policy_.project +
        "\" has no senior tier (policy \"senior_adjudicators\"): nothing to "
        "escalate to");
  }
  if (item.info.escalated) {
    return FailedPreconditionError(Name(item.info.key) +
                                   " is already escalated: decide it or "
                                   "mark it ambiguous");
  }
  return OkStatus();
}

Status Queue::CheckExpire(uint64_t lease, int64_t now_us) const {
  auto it = leases_.find(lease);
  if (it == leases_.end()) {
    return CheckHeld(lease, "", now_us);  // NotFound, or how it ended
  }
  if (it->second.deadline_us() > now_us) {
    return FailedPreconditionError(
        "lease " + std::to_string(lease) + " runs until " +
        std::to_string(it->second.deadline_us()) + " us");
  }
  return OkStatus();
}

Status Queue::Heartbeat(uint64_t lease, std::string_view adjudicator,
                        int64_t now_us) {
  RETURN_IF_ERROR(CheckHeld(lease, adjudicator, now_us));
  LeaseInfo& l = leases_.at(lease);
  const int64_t until = now_us + policy_.lease_micros;
  if (until <= l.deadline_us()) return OkStatus();
  deadlines_.erase({l.deadline_us(), lease});
  l.extended_us = until;
  deadlines_.insert({until, lease});
  return OkStatus();
}

// ---- Dump -------------------------------------------------------------------

namespace {

void DumpIndex(std::string& out, std::string_view tier,
               const internal::OrderIndex& index) {
  out += std::string(tier) + " order:";
  for (const internal::QueueKey& k : index.Keys()) {
    out += " " + std::to_string(k.item);
  }
  out += "\n";
  for (const auto& [who, keys] : index.Exclusions()) {
    out += std::string(tier) + " excludes " + who + ":";
    for (const internal::QueueKey& k : keys)
      out += " " + std::to_string(k.item);
    out += "\n";
  }
}

void DumpItem(std::string& out, uint32_t i, const ItemInfo& info) {
  out += "item " + std::to_string(i) + " " + Name(info.key) + " " +
         std::string(ItemStateName(info.state)) + " priority " +
         std::to_string(info.evaluation.priority) + " opened " +
         std::to_string(info.opened_seq) + " lease " +
         std::to_string(info.lease) + (info.escalated ? " escalated" : "") +
         " current " + Refs(info.current) + " why " + info.evaluation.reason;
  for (const DecisionRecord& d : info.round) {
    out += " | decision " + std::to_string(d.seq) + " " + d.adjudicator + " " +
           (d.outcome == Outcome::kDecided ? "=" + d.value_key : "ambiguous") +
           " weighed " + Refs(d.weighed);
  }
  if (info.last_decision_seq) {
    out += " last " + std::to_string(*info.last_decision_seq);
  }
  if (info.reopened_from) {
    out += " reopened_from " + std::to_string(*info.reopened_from);
  }
  out += "\n";
}

}  // namespace

std::string Queue::DebugString() const {
  std::string out = "project " + policy_.project + " policy v" +
                    std::to_string(policy_.version) + " seq " +
                    std::to_string(seq_) + "\n";
  for (uint32_t i = 0; i < items_.size(); ++i) {
    DumpItem(out, i, items_[i].info);
    if (items_[i].info.state == ItemState::kClaimed) {
      out += "  claimed from " +
             std::string(ItemStateName(items_[i].claimed_from)) + "\n";
    }
  }
  for (const auto& [id, l] : leases_) {
    out += "lease " + std::to_string(id) + " " + l.adjudicator + " " +
           Name(l.item) + " until " + std::to_string(l.expires_us) +
           " weighed " + Refs(l.weighed_at_claim) + "\n";
  }
  for (const auto& [id, e] : ended_) {
    out += "ended " + std::to_string(id) + " reason " +
           std::to_string(static_cast<int>(e.reason)) + " at " +
           std::to_string(e.seq) + "\n";
  }
  for (const auto& [record, who] : conflicts_) {
    out += "conflicts " + record + ":";
    for (const std::string& w : who) out += " " + w;
    out += "\n";
  }
  DumpIndex(out, "ordinary", *ordinary_);
  DumpIndex(out, "senior", *senior_);
  return out;
}

}  // namespace consilium::adjudication
