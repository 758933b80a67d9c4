#include "tools/analytics_source.h"

#include "render/time_input.h"
#include "tools/progress.h"

namespace consilium::cli {

namespace p = ::consilium::projections;

StatusOr<int64_t> ParseTime(const std::string& text) {
  return render::ParseUtcTime(text);
}

StatusOr<uint64_t> AsOfSeq(const Args& args, const Ledger& ledger) {
  if (!args.Has("as-of")) return ledger.head().seq;
  return render::ResolveAsOf(ledger, args.Get("as-of"), "--as-of");
}

StatusOr<LoadedAnalytics> LoadAnalytics(const Args& args) {
  ASSIGN_OR_RETURN(std::string dir, args.Require("data"));
  LoadedAnalytics out;
  ASSIGN_OR_RETURN(out.ledger, Ledger::Open(dir, {.read_only = true}));
  if (args.Has("as-of")) {
    ASSIGN_OR_RETURN(uint64_t seq, AsOfSeq(args, *out.ledger));
    Progress reading("reading events", 0, ProgressWanted(args));
    ASSIGN_OR_RETURN(
        out.state, p::BuildStateAsOf(*out.ledger, seq, {}, reading.Callback()));
    return out;
  }
  ASSIGN_OR_RETURN(auto engine, p::ProjectionEngine::Open(out.ledger.get()));
  engine->Read([&](const p::AnalyticsState& s) { out.state = s; });
  return out;
}

}  // namespace consilium::cli
