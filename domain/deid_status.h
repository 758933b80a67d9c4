// A record's standing with the de-identification gate (docs/deid.md, "The
// import gate") read from the ledger at any sequence, for the readers that
// do not keep the domain state (snapshot export, the adjudicator's view).
// The same rules as DomainState's: the first RecordQuarantined holds the
// record, the first valid verdict after it releases or redacts it.
//
//   ASSIGN_OR_RETURN(DeidStatus s, DeidStatusAt(ledger, *imported, seq, 0));
//   if (s.held()) ...;  // serve nothing
#ifndef CONSILIUM_DOMAIN_DEID_STATUS_H_
#define CONSILIUM_DOMAIN_DEID_STATUS_H_

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "ledger/ledger.h"
#include "schemas/event.h"

namespace consilium::domain {

struct DeidStatus {
  uint64_t quarantined_seq = 0;  // 0: never held
  uint64_t reviewed_seq = 0;     // 0: no verdict yet
  uint64_t content_seq = 0;      // the event whose content is served
  bool held() const { return quarantined_seq != 0 && reviewed_seq == 0; }
  bool redacted() const {
    return reviewed_seq != 0 && content_seq == reviewed_seq;
  }
  // "clear", "quarantined", "released" or "redacted".
  std::string_view name() const;
};

// The status of the record `imported` (its RecordImported, at
// `imported_seq`) after event `as_of` (0: the head). A record whose report
// has no hits was never held and costs no read; otherwise the record's
// events (the by_record index) after its import are read.
StatusOr<DeidStatus> DeidStatusAt(const Ledger& ledger,
                                  const fb::RecordImported& imported,
                                  uint64_t imported_seq, uint64_t as_of);

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_DEID_STATUS_H_
