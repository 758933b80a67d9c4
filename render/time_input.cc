#include "render/time_input.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <string>

#include "projections/engine.h"

namespace consilium::render {

StatusOr<int64_t> ParseUtcTime(std::string_view input) {
  const std::string text(input);
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

StatusOr<uint64_t> ResolveAsOf(const Ledger& ledger, std::string_view text,
                               std::string_view what) {
  const std::string as_of(text);
  uint64_t seq = 0;
  if (!as_of.empty() && as_of.size() <= 20 &&
      as_of.find_first_not_of("0123456789") == std::string::npos) {
    for (char c : as_of) {
      const uint64_t digit = static_cast<uint64_t>(c - '0');
      if (seq > (UINT64_MAX - digit) / 10) {
        return InvalidArgumentError(std::string(what) + " " + as_of +
                                    " is out of range");
      }
      seq = seq * 10 + digit;
    }
  } else {
    StatusOr<int64_t> t = ParseUtcTime(as_of);
    if (!t.ok()) return t.status().WithContext(std::string(what));
    ASSIGN_OR_RETURN(seq, projections::SeqAtTime(ledger, *t));
  }
  if (seq > ledger.head().seq) {
    return OutOfRangeError(std::string(what) + " " + as_of +
                           " is beyond the ledger's " +
                           std::to_string(ledger.head().seq) + " events");
  }
  return seq;
}

}  // namespace consilium::render
