#include "adjudication/queue.h"

#include <algorithm>
#include <utility>

#include "adjudication/internal/order_index.h"
#include "adjudication/internal/queue_item.h"

namespace consilium::adjudication {

std::string_view ItemStateName(ItemState state) {
  // Indexed by the enum's values (declared in this order).
  static constexpr std::string_view kNames[] = {
      "not_disputed", "pending",   "claimed", "decided",
      "ambiguous",    "escalated", "reopened"};
  return kNames[static_cast<size_t>(state)];
}

std::string_view LeaseEndReasonName(LeaseEndReason reason) {
  static constexpr std::string_view kNames[] = {"released", "expired",
                                                "decided", "escalated", "lost"};
  return kNames[static_cast<size_t>(reason)];
}

namespace {

std::vector<AnnotationRef> RefsOf(const FieldView& view) {
  std::vector<AnnotationRef> refs;
  refs.reserve(view.annotations.size());
  for (const AnnotationView& a : view.annotations) {
    refs.push_back({a.annotator, a.seq});
  }
  std::sort(refs.begin(), refs.end());
  return refs;
}

bool SameSeqs(const std::vector<AnnotationRef>& a,
              const std::vector<AnnotationRef>& b) {
  if (a.size() != b.size()) return false;
  std::vector<uint64_t> x, y;
  for (const AnnotationRef& r : a) x.push_back(r.seq);
  for (const AnnotationRef& r : b) y.push_back(r.seq);
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  return x == y;
}

}  // namespace

Queue::Queue(ProjectPolicy policy)
    : policy_(std::move(policy)),
      ordinary_(std::make_unique<internal::OrderIndex>()),
      senior_(std::make_unique<internal::OrderIndex>()) {}
Queue::~Queue() = default;
Queue::Queue(Queue&&) noexcept = default;
Queue& Queue::operator=(Queue&&) noexcept = default;

void Queue::Apply(uint64_t seq, const Input& input) {
  // Replays from a checkpoint may offer what was applied already. One event
  // may give several inputs (an annotation: RecordAnnotated, then one
  // ItemUpdated per field), all at its sequence number.
  if (seq < seq_) return;
  seq_ = seq;
  std::visit([&](const auto& in) { On(seq, in); }, input);
}

// ---- Index upkeep -----------------------------------------------------------

bool Queue::IsClaimable(const Item& item) const {
  const ItemState s = item.info.state;
  return s == ItemState::kPending || s == ItemState::kReopened ||
         s == ItemState::kEscalated;
}

size_t Queue::ConflictedClaimable(std::string_view adjudicator,
                                  std::string_view field, bool senior) const {
  auto records = annotated_by_.find(adjudicator);
  if (records == annotated_by_.end()) return 0;
  size_t n = 0;
  for (const std::string& record : records->second) {
    auto items = by_record_.find(record);
    if (items == by_record_.end()) continue;
    for (uint32_t i : items->second) {
      const Item& item = items_[i];
      if (!field.empty() && item.info.key.field != field) continue;
      if (item.info.lease != 0 || !IsClaimable(item)) continue;
      if ((item.info.escalated && !senior) || item.held) continue;
      ++n;
    }
  }
  return n;
}

std::vector<std::string> Queue::ExcludedFrom(const Item& item) const {
  std::vector<std::string> out;
  auto it = conflicts_.find(item.info.key.record);
  if (it != conflicts_.end()) out.assign(it->second.begin(), it->second.end());
  for (const DecisionRecord& d : item.info.round) out.push_back(d.adjudicator);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Queue::Enqueue(uint32_t index) {
  Item& item = items_[index];
  // Invariant: an item is in at most one index, and only while claimable.
  assert(!item.indexed && IsClaimable(item));
  if (item.held) return;  // Unhold or the claim's apply puts it back
  item.indexed = internal::QueueKey{-item.info.evaluation.priority,
                                    item.info.opened_seq, index};
  item.indexed_excluded = ExcludedFrom(item);
  item.indexed_senior = item.info.escalated;
  (item.indexed_senior ? *senior_ : *ordinary_)
      .Insert(*item.indexed, item.indexed_excluded);
}

void Queue::Dequeue(uint32_t index) {
  Item& item = items_[index];
  if (!item.indexed) return;
  (item.indexed_senior ? *senior_ : *ordinary_)
      .Erase(*item.indexed, item.indexed_excluded);
  item.indexed.reset();
  item.indexed_excluded.clear();
}

uint32_t Queue::ItemIndex(const ItemKey& key) {
  auto [it, added] =
      item_index_.emplace(key, static_cast<uint32_t>(items_.size()));
  if (added) {
    items_.emplace_back();
    items_.back().info.key = key;
    by_record_[key.record].push_back(it->second);
  }
  return it->second;
}

// ---- Leases -----------------------------------------------------------------

void Queue::EndLease(uint64_t lease, EndReason reason, uint64_t seq) {
  auto it = leases_.find(lease);
  assert(it != leases_.end());
  deadlines_.erase({it->second.deadline_us(), lease});
  lease_of_.erase(it->second.adjudicator);
  items_[item_index_.at(it->second.item)].info.lease = 0;
  ended_[lease] = Ended{reason, seq};
  recently_ended_.push_back(LeaseEnded{lease, std::move(it->second.adjudicator),
                                       std::move(it->second.item), reason,
                                       seq});
  leases_.erase(it);
}

void Queue::ReturnToQueue(uint32_t index) {
  Item& item = items_[index];
  item.info.state = item.claimed_from;
  Enqueue(index);
}

// ---- Inputs -----------------------------------------------------------------

void Queue::On(uint64_t seq, const PolicySet& in) {
  policy_ = in.policy;
  for (uint32_t i = 0; i < items_.size(); ++i) {
    if (items_[i].info.state == ItemState::kNotDisputed &&
        items_[i].view.annotations.empty()) {
      continue;  // known only as a conflict holder
    }
    Reevaluate(i, seq, /*annotations_changed=*/false);
  }
}

void Queue::On(uint64_t seq, const RecordAnnotated& in) {
  if (!conflicts_[in.record].insert(in.annotator).second) return;
  annotated_by_[in.annotator].push_back(in.record);
  auto items = by_record_.find(in.record);
  if (items == by_record_.end()) return;
  for (uint32_t i : items->second) {
    Item& item = items_[i];
    if (item.indexed) {  // the exclusion lists grow: index again
      Dequeue(i);
      Enqueue(i);
    }
    const LeaseInfo* held = FindLease(item.info.lease);
    if (held != nullptr && held->adjudicator == in.annotator) {
      // Conflict of interest on the re-open path: the holder annotated the
      // record after claiming it. The lease is lost.
      EndLease(held->id, EndReason::kLost, seq);
      ReturnToQueue(i);
    }
  }
}

void Queue::On(uint64_t seq, const ItemUpdated& in) {
  const uint32_t i = ItemIndex(in.item);
  Item& item = items_[i];
  if (item.view == in.view && item.layer == in.layer &&
      !item.info.current.empty()) {
    return;
  }
  std::vector<AnnotationRef> refs = RefsOf(in.view);
  // Only a submission, revision or withdrawal re-opens a decision or restarts
  // a round; a new calibration batch or pre-label re-evaluates the item.
  const bool annotations_changed =
      refs != item.info.current || item.info.current.empty();
  item.layer = in.layer;
  item.view = in.view;
  item.info.current = std::move(refs);
  for (const AnnotationView& a : in.view.annotations) {
    On(seq, RecordAnnotated{in.item.record, a.annotator});
  }
  Reevaluate(i, seq, annotations_changed);
}

void Queue::Reevaluate(uint32_t i, uint64_t seq, bool annotations_changed) {
  Item& item = items_[i];
  ItemInfo& info = item.info;
  info.evaluation =
      Evaluate(policy_.For(info.key.field, item.layer), item.view);
  const bool disputed = info.evaluation.disputed;
  switch (info.state) {
    case ItemState::kDecided:
    case ItemState::kAmbiguous:
      if (!annotations_changed) return;  // a policy change keeps decisions
      [[fallthrough]];
    case ItemState::kNotDisputed:
      if (!disputed) {
        info.state = ItemState::kNotDisputed;
        return;
      }
      // Entering the queue: a first time, or again after a decision, which
      // the re-opened item cites.
      info.state =
          info.last_decision_seq ? ItemState::kReopened : ItemState::kPending;
      info.reopened_from = info.last_decision_seq;
      info.opened_seq = seq;
      info.round.clear();
      info.escalated = false;
      Enqueue(i);
      return;
    case ItemState::kClaimed:
      if (disputed) return;  // a decision will see the change: ABORTED
      EndLease(info.lease, EndReason::kLost, seq);
      break;
    case ItemState::kPending:
    case ItemState::kReopened:
    case ItemState::kEscalated:
      Dequeue(i);
      if (disputed) {
        // Decisions of an unfinished round weighed other annotations: the
        // round starts again (their events stay in the ledger).
        if (annotations_changed) info.round.clear();
        Enqueue(i);  // priority and exclusions may have moved
        return;
      }
      break;
  }
  // No longer disputed: the item leaves the queue; its history stays.
  info.state = ItemState::kNotDisputed;
  info.round.clear();
  info.escalated = false;
}

void Queue::On(uint64_t /*seq*/, const Claimed& in) {
  Unhold(in.item);  // the claim's event ends its hold, whatever follows
  auto found = item_index_.find(in.item);
  if (found == item_index_.end() || leases_.count(in.lease) ||
      ended_.count(in.lease) || lease_of_.count(in.adjudicator)) {
    return;
  }
  const uint32_t i = found->second;
  Item& item = items_[i];
  if (!IsClaimable(item)) return;
  const std::vector<std::string> excluded = ExcludedFrom(item);
  if (std::binary_search(excluded.begin(), excluded.end(), in.adjudicator) ||
      (item.info.escalated && !policy_.IsSenior(in.adjudicator))) {
    return;
  }
  Dequeue(i);
  item.claimed_from = item.info.state;
  item.info.state = ItemState::kClaimed;
  item.info.lease = in.lease;
  leases_[in.lease] = LeaseInfo{
      in.lease, in.adjudicator, in.item, in.expires_us, 0, item.info.current};
  lease_of_[in.adjudicator] = in.lease;
  deadlines_.insert({in.expires_us, in.lease});
}

void Queue::On(uint64_t seq, const Released& in) {
  auto it = leases_.find(in.lease);
  if (it == leases_.end()) return;
  const uint32_t i = item_index_.at(it->second.item);
  EndLease(in.lease, EndReason::kReleased, seq);
  ReturnToQueue(i);
}

void Queue::On(uint64_t seq, const LeaseExpired& in) {
  auto it = leases_.find(in.lease);
  if (it == leases_.end()) return;  // returned once, never twice
  const uint32_t i = item_index_.at(it->second.item);
  EndLease(in.lease, EndReason::kExpired, seq);
  ReturnToQueue(i);
}

void Queue::On(uint64_t seq, const Decided& in) {
  auto it = leases_.find(in.lease);
  if (it == leases_.end()) return;
  const uint32_t i = item_index_.at(it->second.item);
  ItemInfo& info = items_[i].info;
  // A decision counts only when it weighed the item's current annotations
  // (by event sequence number): one that raced a revision is void, as its
  // command reported (Aborted); the lease stays held.
  if (!SameSeqs(in.weighed, info.current)) return;
  info.round.push_back(DecisionRecord{seq, it->second.adjudicator, in.outcome,
                                      in.value_key, in.rationale, in.weighed});
  EndLease(in.lease, EndReason::kDecided, seq);
  const uint32_t needed =
      info.escalated
          ? 1
          : policy_.For(info.key.field, items_[i].layer).adjudicators;
  if (info.round.size() < needed) {
    ReturnToQueue(i);  // the decider is now excluded from this round
    return;
  }
  // Final: one value when every decision of the round names the same one;
  // otherwise the adjudicators disagree too, and the distribution stands.
  bool same = true;
  for (const DecisionRecord& d : info.round) {
    same &= d.outcome == Outcome::kDecided &&
            d.value_key == info.round.front().value_key;
  }
  info.state = same ? ItemState::kDecided : ItemState::kAmbiguous;
  info.last_decision_seq = seq;
  info.escalated = false;
}

void Queue::On(uint64_t seq, const Escalated& in) {
  auto it = leases_.find(in.lease);
  if (it == leases_.end() || policy_.senior_adjudicators.empty()) return;
  const uint32_t i = item_index_.at(it->second.item);
  ItemInfo& info = items_[i].info;
  if (info.escalated) return;
  EndLease(in.lease, EndReason::kEscalated, seq);
  info.escalated = true;
  info.round.clear();
  info.state = ItemState::kEscalated;
  info.opened_seq = seq;
  Enqueue(i);
}

// ---- In-flight claims -------------------------------------------------------

Status Queue::Hold(const ItemKey& key) {
  auto found = item_index_.find(key);
  if (found == item_index_.end()) {
    return NotFoundError("no item " + key.record + "/" + key.field);
  }
  Item& item = items_[found->second];
  if (item.held || !IsClaimable(item)) {
    return FailedPreconditionError("item " + key.record + "/" + key.field +
                                   " is not claimable");
  }
  Dequeue(found->second);
  item.held = true;
  return OkStatus();
}

void Queue::Unhold(const ItemKey& key) {
  auto found = item_index_.find(key);
  if (found == item_index_.end()) return;
  Item& item = items_[found->second];
  if (!item.held) return;
  item.held = false;
  if (IsClaimable(item) && !item.indexed) Enqueue(found->second);
}

bool Queue::IsHeld(const ItemKey& key) const {
  auto found = item_index_.find(key);
  return found != item_index_.end() && items_[found->second].held;
}

std::optional<std::pair<LeaseEndReason, uint64_t>> Queue::EndOf(
    uint64_t lease) const {
  auto it = ended_.find(lease);
  if (it == ended_.end()) return std::nullopt;
  return std::make_pair(it->second.reason, it->second.seq);
}

std::vector<LeaseEnded> Queue::TakeEndedLeases() {
  std::vector<LeaseEnded> out;
  out.swap(recently_ended_);
  return out;
}

// ---- Reads ------------------------------------------------------------------

const ItemInfo* Queue::Find(const ItemKey& key) const {
  auto it = item_index_.find(key);
  return it == item_index_.end() ? nullptr : &items_[it->second].info;
}

std::vector<const ItemInfo*> Queue::Items() const {
  std::vector<const ItemInfo*> out;
  out.reserve(items_.size());
  for (const Item& item : items_) out.push_back(&item.info);
  return out;
}

const LeaseInfo* Queue::FindLease(uint64_t lease) const {
  auto it = leases_.find(lease);
  return it == leases_.end() ? nullptr : &it->second;
}

size_t Queue::queued() const { return ordinary_->size() + senior_->size(); }

std::vector<uint64_t> Queue::LeasesDue(int64_t now_us) const {
  std::vector<uint64_t> due;
  for (const auto& [deadline, lease] : deadlines_) {
    if (deadline > now_us) break;
    due.push_back(lease);
  }
  return due;
}

}  // namespace consilium::adjudication
