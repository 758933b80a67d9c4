// The de-identification review queue (docs/deid.md, "Review"), as both
// `consilium deid queue` and GET /v1/projects/{p}/deid/queue read and print
// it: the held records, oldest first, each with its quarantine report's
// types and spans (never the text).
#ifndef CONSILIUM_RENDER_DEID_JSON_H_
#define CONSILIUM_RENDER_DEID_JSON_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "schemas/deid_events.h"

namespace consilium::render {

struct HeldRecord {
  std::string record;
  std::string project;
  uint64_t imported_seq = 0;
  uint64_t quarantined_seq = 0;
  DeidReportFields report;
};

// The records of `project` (every project when empty) the gate holds, with
// the reports of their RecordQuarantined events. DataLoss when such an
// event is not one; the ledger's errors.
StatusOr<std::vector<HeldRecord>> ReadDeidQueue(
    const domain::CommandHandler& handler, const Ledger& ledger,
    std::string_view project);

// {"record", "imported_seq", "quarantined_seq", "detector", "hits":
// [{"type", "start", "end"}]}.
boost::json::object HeldRecordJson(const HeldRecord& h);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_DEID_JSON_H_
