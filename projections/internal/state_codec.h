// The analytics checkpoint's codec: AnalyticsState to and from the bytes
// ProjectionEngine stores in the ledger's `projections` family (the format is
// described at the top of state_codec.cc). Written with the project's one
// JSON writer (common/canonical_json.h), read with its strict reader
// (common/strict_json.h). Private to projections/.
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
  // DataLoss naming the path of the first error ("projection state:
  // annotations[3].revisions[0].seq: expected an unsigned integer") when the
  // bytes are not a state this build wrote. Never throws.
  static StatusOr<AnalyticsState> Deserialize(std::string_view bytes);

 private:
  class Document;  // the bytes being written, one element at a time
  struct Writer;   // one member per section of the document
  class Reader;    // likewise
};

}  // namespace consilium::projections::internal

#endif  // CONSILIUM_PROJECTIONS_INTERNAL_STATE_CODEC_H_
