// The strict JSON reader for outside input: every JSON document that comes
// from a file, stdin or the network is parsed here (DESIGN.md: common/ holds
// "strict JSON in, canonical JSON out"). Stricter than boost::json::parse in
// the one way that matters for a tamper-evident log: a duplicate key in any
// object is an error, named by its path ("duplicate key \"body.name\""),
// because Boost would silently keep the last one and two readers of the same
// bytes could then disagree about what was said (issue 13).
//
// This header exposes boost::json::value (the parsed document), an exception
// to STYLE.md's "no third-party types in public headers": the callers are the
// codecs of every module, all of which already build Boost.JSON DOMs.
//
// Thread-safety: reentrant; per-thread scratch space, no shared state.
//
//   boost::json::value doc;
//   RETURN_IF_ERROR(ParseStrictJson(line, {.max_depth = 64}, doc));
//
//   unsigned char buf[4096];                    // or: values allocated from
//   boost::json::monotonic_resource mr(buf, sizeof buf);  // a resource
//   boost::json::value doc2(&mr);
//   StrictJsonError why;
//   if (!ParseStrictJson(text, {}, doc2, &why).ok() && why.duplicate) ...
#ifndef CONSILIUM_COMMON_STRICT_JSON_H_
#define CONSILIUM_COMMON_STRICT_JSON_H_

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace consilium {

struct StrictJsonOptions {
  // Nesting deeper than this is an error.
  size_t max_depth = 64;
  // Name a leading UTF-8 byte order mark (EF BB BF) as such instead of
  // reporting Boost's generic "syntax error" at offset 0. Off only where a
  // message must match another reader's (schemas' JsonTape).
  bool name_bom = true;
};

// Why a document was rejected, for callers that word their own message.
struct StrictJsonError {
  size_t offset = 0;   // where parsing stopped (syntax errors)
  std::string reason;  // "syntax error", "extra data", ... (Boost's words)
  bool duplicate = false;
  std::string duplicate_key;   // the key itself: "name"
  std::string duplicate_path;  // from the root: "body.name", "l[1].a"
};

// Parses exactly one RFC 8259 JSON document from `text` into `out`, with its
// memory taken from `out.storage()` (so the result is moved into `out`, never
// copied: give `out` the resource the document should live in). A duplicate
// key in any object, comments, trailing commas, invalid UTF-8, trailing data,
// a leading byte order mark and nesting deeper than options.max_depth are
// errors. Returns OK, or InvalidArgument with "invalid JSON at offset N:
// reason" or "duplicate key \"path\"" (path as in StrictJsonError); when
// `error` is given it is filled as well. Never throws (allocation failure
// becomes ResourceExhausted). On error `out` is left null.
Status ParseStrictJson(std::string_view text, const StrictJsonOptions& options,
                       boost::json::value& out,
                       StrictJsonError* error = nullptr);

}  // namespace consilium

#endif  // CONSILIUM_COMMON_STRICT_JSON_H_
