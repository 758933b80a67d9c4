#include "tools/adjudication_source.h"

#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "render/adjudication_reads.h"
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

StatusOr<LoadedAdjudication> LoadItemHistory(
    const Args& args, const std::string& project,
    const adjudication::ItemKey& key,
    std::vector<render::ItemHistoryEntry>* history) {
  return LoadAdjudication(args,
                          render::ItemHistoryObserver(project, key, history));
}

}  // namespace consilium::cli
