#include "api/internal/read_support.h"

#include <utility>

#include "render/time_input.h"

namespace consilium::api::internal {

Response DocumentResponse(int status, const boost::json::value& value,
                          JsonStyle style) {
  StatusOr<std::string> text = WriteJson(value, style);
  if (!text.ok()) {
    return ErrorResponse(InternalError("cannot write the result as JSON: " +
                                       text.status().message()));
  }
  Response r;
  r.status = status;
  r.body = std::move(*text) + "\n";
  return r;
}

Response ReadState(const projections::ProjectionEngine& engine,
                   const Ledger& ledger, const std::string& as_of,
                   const StateReader& fn) {
  if (as_of.empty()) {
    Response out;
    engine.Read([&](const projections::AnalyticsState& state, uint64_t seq) {
      out = fn(state, seq);
    });
    return out;
  }
  StatusOr<uint64_t> seq = render::ResolveAsOf(ledger, as_of, "as_of");
  if (!seq.ok()) return ErrorResponse(seq.status());
  StatusOr<projections::AnalyticsState> state =
      projections::BuildStateAsOf(ledger, *seq);
  if (!state.ok()) return ErrorResponse(state.status());
  return fn(*state, state->last_seq());
}

}  // namespace consilium::api::internal
