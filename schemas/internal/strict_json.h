// Private to schemas/: the strict JSON reader (common/strict_json.h) in the
// form the task-schema parser and the annotation validator use, with their
// message wording (a duplicate is named by its key alone, as JsonTape names
// it). Not a public header; include it only from schemas/*.cc.
//
// Thread-safety: reentrant; per-thread scratch space, no shared state.
//
//   unsigned char buf[4096];
//   boost::json::monotonic_resource mr(buf, sizeof buf);
//   boost::json::value doc(&mr);   // the values are allocated from mr
//   RETURN_IF_ERROR(internal::ParseStrictJson(text, 32, doc));
#ifndef CONSILIUM_SCHEMAS_INTERNAL_STRICT_JSON_H_
#define CONSILIUM_SCHEMAS_INTERNAL_STRICT_JSON_H_

#include <boost/json/value.hpp>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace consilium::schemas::internal {

// Parses exactly one RFC 8259 JSON document from `text` into `out`, with its
// memory taken from `out.storage()` (so the result is moved into `out`, never
// copied: give `out` the resource the document should live in). Stricter than
// boost::json::parse: a duplicate key in any object is an error (Boost would
// silently keep the last one, and two readers of the same bytes could then
// disagree). Comments, trailing commas, invalid UTF-8, trailing data and
// nesting deeper than `max_depth` are errors too. Returns OK, or
// InvalidArgument with "invalid JSON at offset N: reason" or "duplicate key
// \"k\"". Never throws (allocation failure becomes ResourceExhausted).
Status ParseStrictJson(std::string_view text, size_t max_depth,
                       boost::json::value& out);

// Appends `s` to `out` as a JSON string literal body with quotes ("J18.9"),
// escaping quotes, backslashes and control characters; used in messages.
void AppendQuoted(std::string& out, std::string_view s);

// Shortest round-trip rendering of `d` ("0.5", "39", "1e+20").
std::string FormatNumber(double d);

// The JSON number `v` as a double (integers converted) when it is finite;
// nullopt for a non-number or a non-finite double. `V` is
// boost::json::value or a JsonTape value (internal/json_tape.h): both have
// is_int64/get_int64, is_uint64/get_uint64 and is_double/get_double.
template <typename V>
std::optional<double> AsFiniteNumber(const V& v) {
  double d;
  if (v.is_int64()) {
    d = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    d = static_cast<double>(v.get_uint64());
  } else if (v.is_double()) {
    d = v.get_double();
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(d)) return std::nullopt;
  return d;
}

}  // namespace consilium::schemas::internal

#endif  // CONSILIUM_SCHEMAS_INTERNAL_STRICT_JSON_H_
