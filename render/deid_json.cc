#include "render/deid_json.h"

#include <boost/json.hpp>
#include <utility>

#include "domain/domain_state.h"

namespace consilium::render {

namespace json = boost::json;

StatusOr<std::vector<HeldRecord>> ReadDeidQueue(
    const domain::CommandHandler& handler, const Ledger& ledger,
    std::string_view project) {
  std::vector<HeldRecord> held =
      handler.Read([&](const domain::DomainState& s) {
        std::vector<HeldRecord> out;
        for (const domain::RecordState* r : s.HeldRecords(project))
          out.push_back({r->id, r->project, r->seq, r->quarantined_seq, {}});
        return out;
      });
  for (HeldRecord& h : held) {
    ASSIGN_OR_RETURN(StoredEvent e, ledger.Get(h.quarantined_seq));
    const auto* q = e.event()->body_as_RecordQuarantined();
    if (q == nullptr) {
      return DataLossError("event " + std::to_string(h.quarantined_seq) +
                           " is not a RecordQuarantined");
    }
    h.report = ReadDeidReport(q->report());
  }
  return held;
}

json::object HeldRecordJson(const HeldRecord& h) {
  json::array hits;
  for (const PhiHitFields& x : h.report.hits) {
    hits.emplace_back(
        json::object{{"type", x.type}, {"start", x.begin}, {"end", x.end}});
  }
  return {{"record", h.record},
          {"imported_seq", h.imported_seq},
          {"quarantined_seq", h.quarantined_seq},
          {"detector", h.report.detector},
          {"hits", std::move(hits)}};
}

}  // namespace consilium::render
