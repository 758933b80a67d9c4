#include "domain/deid_status.h"

#include <string>
#include <vector>

namespace consilium::domain {

std::string_view DeidStatus::name() const {
  if (quarantined_seq == 0) return "clear";
  if (reviewed_seq == 0) return "quarantined";
  return redacted() ? "redacted" : "released";
}

StatusOr<DeidStatus> DeidStatusAt(const Ledger& ledger,
                                  const fb::RecordImported& imported,
                                  uint64_t imported_seq, uint64_t as_of) {
  DeidStatus status;
  status.content_seq = imported_seq;
  const fb::DeidReport* report = imported.deid();
  if (report == nullptr || report->hits() == nullptr ||
      report->hits()->size() == 0) {
    return status;
  }
  const std::string record(View(imported.record_id()));
  ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, ledger.EventsForRecord(record));
  for (uint64_t seq : seqs) {
    if (seq <= imported_seq) continue;
    if (as_of != 0 && seq > as_of) break;
    ASSIGN_OR_RETURN(StoredEvent e, ledger.Get(seq));
    const fb::Event& ev = *e.event();
    if (ev.body_type() == fb::EventBody::RecordQuarantined) {
      if (status.quarantined_seq == 0) status.quarantined_seq = seq;
      continue;
    }
    if (ev.body_type() != fb::EventBody::DeidentificationReviewed ||
        status.quarantined_seq == 0) {
      continue;
    }
    const auto* b = ev.body_as_DeidentificationReviewed();
    if (b->outcome() == fb::DeidOutcome::Released) {
      status.reviewed_seq = seq;
      return status;
    }
    if (b->outcome() == fb::DeidOutcome::Redacted && b->content() != nullptr &&
        b->content_hash() != nullptr) {
      status.reviewed_seq = seq;
      status.content_seq = seq;
      return status;
    }
  }
  return status;
}

}  // namespace consilium::domain
