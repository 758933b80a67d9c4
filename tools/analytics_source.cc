#include "tools/analytics_source.h"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace consilium::cli {

namespace p = ::consilium::projections;

StatusOr<int64_t> ParseTime(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year,
                  &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                  &consumed) != 6) {
    return InvalidArgumentError("\"" + text +
                                "\" is neither a sequence number nor a time "
                                "like 2024-05-01T12:00:00Z");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t micros = 0;
  size_t i = static_cast<size_t>(consumed);
  if (i < text.size() && text[i] == '.') {
    int64_t scale = 100000;
    for (++i;
         i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]));
         ++i) {
      micros += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i + 1 != text.size() || text[i] != 'Z') {
    return InvalidArgumentError("time \"" + text + "\" must end in Z (UTC)");
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000000 + micros;
}

StatusOr<uint64_t> AsOfSeq(const Args& args, const Ledger& ledger) {
  const uint64_t head = ledger.head().seq;
  if (!args.Has("as-of")) return head;
  const std::string as_of = args.Get("as-of");
  uint64_t seq = 0;
  if (!as_of.empty() &&
      as_of.find_first_not_of("0123456789") == std::string::npos) {
    ASSIGN_OR_RETURN(seq, args.GetUint("as-of", 0));
  } else {
    ASSIGN_OR_RETURN(int64_t t, ParseTime(as_of));
    ASSIGN_OR_RETURN(seq, p::SeqAtTime(ledger, t));
  }
  if (seq > head) {
    return OutOfRangeError("--as-of " + as_of + " is beyond the ledger's " +
                           std::to_string(head) + " events");
  }
  return seq;
}

StatusOr<LoadedAnalytics> LoadAnalytics(const Args& args) {
  ASSIGN_OR_RETURN(std::string dir, args.Require("data"));
  LoadedAnalytics out;
  ASSIGN_OR_RETURN(out.ledger, Ledger::Open(dir, {.read_only = true}));
  if (args.Has("as-of")) {
    ASSIGN_OR_RETURN(uint64_t seq, AsOfSeq(args, *out.ledger));
    ASSIGN_OR_RETURN(out.state, p::BuildStateAsOf(*out.ledger, seq));
    return out;
  }
  ASSIGN_OR_RETURN(auto engine, p::ProjectionEngine::Open(out.ledger.get()));
  engine->Read([&](const p::AnalyticsState& s) { out.state = s; });
  return out;
}

}  // namespace consilium::cli
