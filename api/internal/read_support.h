// What the read routes share: the response that carries a document in the
// very bytes the CLI prints (same writer, same style, same newline), and the
// analytics state a query runs on (the live engine's, or one built as of a
// position).
#ifndef CONSILIUM_API_INTERNAL_READ_SUPPORT_H_
#define CONSILIUM_API_INTERNAL_READ_SUPPORT_H_

#include <boost/json/value.hpp>
#include <functional>
#include <string>

#include "api/http.h"
#include "common/canonical_json.h"
#include "ledger/ledger.h"
#include "projections/engine.h"

namespace consilium::api::internal {

// `value` written in `style` plus "\n", as tools/output.h's PrintJson
// (kIndented) and PrintJsonLine (kCompact) print it; 500 when it cannot be
// written (a non-finite number, which renderings never hold).
Response DocumentResponse(int status, const boost::json::value& value,
                          JsonStyle style);

// Runs `fn` on an analytics state and the position it reflects: with
// `as_of` empty, on the engine's live state under its lock (keep `fn` to
// computing and rendering); otherwise on a state built over events 1..N,
// N = render::ResolveAsOf(ledger, as_of, "as_of") (one pass over the
// ledger: the caller runs on the blocking pool). Errors of the as-of
// resolution and of the build become error responses.
using StateReader = std::function<Response(
    const projections::AnalyticsState& state, uint64_t seq)>;
Response ReadState(const projections::ProjectionEngine& engine,
                   const Ledger& ledger, const std::string& as_of,
                   const StateReader& fn);

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_READ_SUPPORT_H_
