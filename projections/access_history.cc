#include "projections/access_history.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "projections/engine.h"
#include "schemas/event.h"

namespace consilium::projections {
namespace {

std::string Str(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : s->str();
}

// The entry of `e` when it is an access event in `window`.
std::optional<AccessEntry> EntryOf(const StoredEvent& e,
                                   const AccessWindow& window) {
  const fb::Event* ev = e.event();
  const fb::AccessRecorded* b = ev->body_as_AccessRecorded();
  if (b == nullptr) return std::nullopt;
  const int64_t ts = TimestampOf(*ev);
  if (ts < window.from_us || ts >= window.to_us) return std::nullopt;
  AccessEntry a;
  a.seq = e.seq;
  a.timestamp_us = ts;
  a.actor = Str(ev->actor());
  a.resource_kind = Str(b->resource_kind());
  a.resource_id = Str(b->resource_id());
  a.action = Str(b->action());
  a.purpose = Str(b->purpose());
  a.allowed = b->allowed();
  a.reason = Str(b->reason());
  a.record = Str(b->record_id());
  a.project = Str(b->project_id());
  return a;
}

// The sequence numbers [first, last] whose events may fall in `window`
// (first > last when none).
StatusOr<std::pair<uint64_t, uint64_t>> SeqRange(const Ledger& ledger,
                                                 const AccessWindow& window) {
  const uint64_t head = ledger.head().seq;
  uint64_t last = window.to_seq == 0 ? head : std::min(window.to_seq, head);
  uint64_t first = 1;
  if (window.from_us > INT64_MIN) {
    ASSIGN_OR_RETURN(uint64_t before, SeqAtTime(ledger, window.from_us - 1));
    first = before + 1;
  }
  if (window.to_us <= INT64_MIN) return std::make_pair(first, uint64_t{0});
  if (window.to_us < INT64_MAX) {
    ASSIGN_OR_RETURN(uint64_t at, SeqAtTime(ledger, window.to_us - 1));
    last = std::min(last, at);
  }
  return std::make_pair(first, last);
}

// The entries among indexed `seqs` (ascending) in `window`.
StatusOr<std::vector<AccessEntry>> FromIndex(const Ledger& ledger,
                                             const std::vector<uint64_t>& seqs,
                                             const AccessWindow& window) {
  ASSIGN_OR_RETURN(auto range, SeqRange(ledger, window));
  std::vector<AccessEntry> out;
  auto it = std::lower_bound(seqs.begin(), seqs.end(), range.first);
  for (; it != seqs.end() && *it <= range.second; ++it) {
    ASSIGN_OR_RETURN(StoredEvent e, ledger.Get(*it));
    if (std::optional<AccessEntry> a = EntryOf(e, window))
      out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace

StatusOr<std::vector<AccessEntry>> AccessHistoryForRecord(
    const Ledger& ledger, std::string_view record, const AccessWindow& window) {
  ASSIGN_OR_RETURN(std::vector<uint64_t> seqs,
                   ledger.EventsForRecord(std::string(record)));
  return FromIndex(ledger, seqs, window);
}

StatusOr<std::vector<AccessEntry>> AccessHistoryByPrincipal(
    const Ledger& ledger, std::string_view principal,
    const AccessWindow& window) {
  ASSIGN_OR_RETURN(std::vector<uint64_t> seqs,
                   ledger.EventsByActor(std::string(principal)));
  return FromIndex(ledger, seqs, window);
}

StatusOr<std::vector<AccessEntry>> AccessHistoryInWindow(
    const Ledger& ledger, const AccessWindow& window) {
  ASSIGN_OR_RETURN(auto range, SeqRange(ledger, window));
  std::vector<AccessEntry> out;
  if (range.first > range.second) return out;
  RETURN_IF_ERROR(ledger.Scan(
      range.first, range.second - range.first + 1,
      [&](const StoredEvent& e) {
        if (std::optional<AccessEntry> a = EntryOf(e, window))
          out.push_back(std::move(*a));
        return true;
      },
      /*with_hashes=*/false));
  return out;
}

std::vector<const AccessEntry*> Pointers(
    const std::vector<AccessEntry>& entries) {
  std::vector<const AccessEntry*> out;
  out.reserve(entries.size());
  for (const AccessEntry& e : entries) out.push_back(&e);
  return out;
}

}  // namespace consilium::projections
