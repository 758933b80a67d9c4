// Checks shared by the draft's Validate (schemas/event.cc) and the reading
// of stored events (schemas/event_view.cc).
#ifndef CONSILIUM_SCHEMAS_INTERNAL_EVENT_CHECKS_H_
#define CONSILIUM_SCHEMAS_INTERNAL_EVENT_CHECKS_H_

#include <string_view>

#include "schemas/event.h"

namespace consilium::schemas::internal {

// FlatBuffers' verifier checks a vector's length prefix for 4-byte alignment
// only; a builder always aligns 8-byte elements, so a vector of them off an
// 8-byte boundary (counted from `base`, the buffer's start) marks bytes no
// builder wrote, and reading it would be a misaligned load. The name of the
// first such vector ("AdjudicationClaimed.weighed_seqs"), or empty.
std::string_view MisalignedWideVector(const fb::Event& e, const void* base);

}  // namespace consilium::schemas::internal

#endif  // CONSILIUM_SCHEMAS_INTERNAL_EVENT_CHECKS_H_
