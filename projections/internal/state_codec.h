// The analytics checkpoint's codec: AnalyticsState to and from the bytes
// ProjectionEngine stores in the ledger's `projections` family (the format is
// described at AnalyticsState::Serialize). Private to projections/.
//
// Thread-safety: pure functions of their arguments.
#ifndef CONSILIUM_PROJECTIONS_INTERNAL_STATE_CODEC_H_
#define CONSILIUM_PROJECTIONS_INTERNAL_STATE_CODEC_H_

#include <string>
#include <string_view>

#include "common/status.h"
#include "projections/analytics_state.h"

namespace consilium::projections::internal {

// A friend of AnalyticsState: reads and fills its tables.
class StateCodec {
 public:
  static std::string Serialize(const AnalyticsState& s);
  // DataLoss when the bytes are not a state this build wrote.
  static StatusOr<AnalyticsState> Deserialize(std::string_view bytes);
};

}  // namespace consilium::projections::internal

#endif  // CONSILIUM_PROJECTIONS_INTERNAL_STATE_CODEC_H_
