// The one JSON writer of the project (DESIGN.md: common/ holds "strict JSON
// in, canonical JSON out"). Every JSON document the CLI prints, the server
// will return and the snapshot export will hash is written here, in one of
// three styles over the same value and number rules:
//
//   kCanonical  sorted keys (byte order of their UTF-8, i.e. code point
//               order), no insignificant whitespace. Equal documents give
//               equal bytes: for digests, caches and the server's bodies.
//   kCompact    no whitespace, keys in insertion order: the one-line results
//               the CLI has always printed ({"seq":1,"hash":"..."}).
//   kIndented   the human form `consilium ... --json` prints: two-space
//               indents, "key": value, keys in insertion order (renderers
//               build them in reading order), an array of scalars on one
//               line ("[1, 2]"), no trailing newline.
//
// Values, in every style:
// - numbers: int64 and uint64 exactly as integers (also beyond 2^53);
//   doubles as the shortest decimal that reads back to the same double
//   (std::to_chars: 0.1 -> "0.1", 1e21 -> "1e+21", 1.0 -> "1", -0.0 -> "-0",
//   which keeps 0 and -0 apart). NaN and infinity have no JSON spelling and
//   are refused (InvalidArgument): a renderer maps them to null with a
//   "<name>_undefined_reason" before writing.
// - strings: '"' and '\' escaped, \b \f \n \r \t, other control characters
//   as \u00xx (lowercase hex); everything else, '/' and non-ASCII included,
//   as the bytes given (Boost.JSON's serializer and RFC 8785 agree on this).
//   Strings are not re-validated: they come from the strict reader or from
//   validated input.
//
// One more form, for bytes the ledger stores and hashes (WriteStoredJson):
// kCanonical's sorted keys, strings and integers, with doubles spelled as
// the first stored events spelled them (Boost.JSON 1.81's serializer, Ryu):
// always scientific, the same shortest round-trip digits, an uppercase E and
// the shortest exponent: 1.0 -> "1E0", 0.1 -> "1E-1", -1.5e-7 -> "-1.5E-7",
// 1e21 -> "1E21", 0.0 -> "0E0", -0.0 -> "-0E0". Frozen: an annotation value
// written tomorrow must hash as the same value written in the first release,
// and `consilium events` prints these bytes. The rendered documents have
// always printed the shorter spelling above ("1", "0.1"), so neither spelling
// can replace the other without changing hashes or what the CLI prints.
//
// boost::json::value appears in this header as in common/strict_json.h (its
// callers all build Boost.JSON documents).
//
// Thread-safety: reentrant, no shared state.
//
//   boost::json::object o;
//   o["b"] = 1; o["a"] = 0.1;
//   WriteJson(o, JsonStyle::kCanonical);  // {"a":0.1,"b":1}
//   WriteJson(o, JsonStyle::kIndented);   // {\n  "b": 1,\n  "a": 0.1\n}
#ifndef CONSILIUM_COMMON_CANONICAL_JSON_H_
#define CONSILIUM_COMMON_CANONICAL_JSON_H_

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace consilium {

enum class JsonStyle { kCanonical, kCompact, kIndented };

// `v` written in `style`. InvalidArgument naming the place ("$.a[2]: NaN
// has no JSON spelling") when a double is not finite; nothing else fails.
[[nodiscard]] StatusOr<std::string> WriteJson(const boost::json::value& v,
                                              JsonStyle style);

// WriteJson(v, JsonStyle::kCanonical).
[[nodiscard]] StatusOr<std::string> WriteCanonicalJson(
    const boost::json::value& v);

// Appends the shortest round-trip decimal of a finite `d` ("0.1", "1e+21",
// "-0"). Precondition: std::isfinite(d) (assert).
void AppendJsonNumber(std::string& out, double d);

// The stored form of `v` described above. Total: the strict readers refuse
// a number that is not finite before anything is stored, but a stored
// payload some other writer put there can still hold one when it is printed
// back, and it is spelled as it always was: "NaN", "Infinity", "-Infinity"
// (not JSON). In another `style`, the same numbers in that layout:
// kCompact is byte for byte what Boost.JSON 1.81's json::serialize wrote
// (insertion order, no whitespace), which `consilium bench` prints.
[[nodiscard]] std::string WriteStoredJson(
    const boost::json::value& v, JsonStyle style = JsonStyle::kCanonical);

// Appends the stored spelling of `d` ("1E-1", "-0E0"; any double, as in
// WriteStoredJson).
void AppendStoredJsonNumber(std::string& out, double d);

// Appends `s` as a JSON string literal with the escapes above.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace consilium

#endif  // CONSILIUM_COMMON_CANONICAL_JSON_H_
