// Value keys and value identity for the analytics (projections/analytics.h,
// projections/analytics_state.h).
//
// ValueKey is the key under which extracted values compare equal in label
// distributions, percent agreement and accuracy; ValueKeyOfJson is the same
// key for a value given as JSON (an adjudicator's decided value). ValueHash
// and SameValue are the exact identity of extracted values that the
// analytics state's value table interns by (every field, doubles by their
// bits), finer than ValueKey.
//
// Thread-safety: pure functions.
//
//   ValueKey(v);              // "{a, b}" for the set {b, a}
//   ValueKeyOfJson("[\"b\", \"a\"]");  // "{a, b}" as well
#ifndef CONSILIUM_PROJECTIONS_VALUE_KEYS_H_
#define CONSILIUM_PROJECTIONS_VALUE_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schemas/annotation_validator.h"
#include "schemas/task_schema.h"

namespace consilium::projections {

// The key under which values compare equal (label distributions, percent
// agreement, accuracy): a category or ordinal level as is; a set as its
// sorted categories joined by ", " in braces ("{a, b}"); a number in
// shortest round-trip form; a span as "[start,end)"; a region as
// "image@frame:x,y,w,h" (boxes) or its polygon's points.
std::string ValueKey(const schemas::ExtractedValue& v);
// The same key for a decided value given as JSON (AdjudicationDecided): a
// string as is, a number in shortest form, a boolean "true"/"false", an array
// of strings as a set. Empty for anything else.
std::string ValueKeyOfJson(std::string_view json);

// K of a field's normalized entropy: its number of categories when closed
// (categorical list not open, ordinal levels, boolean 2, ordinal confidence
// levels); 0 otherwise (then K is the number of distinct values seen).
int64_t ClosedCategoryCount(const schemas::Field& field);
// Shannon entropy of `counts` (values per distinct key, each > 0) divided by
// ln K, K = max(closed_k, number of keys); 0 when K <= 1. Undefined (nullopt)
// with no values. What the label distribution reports
// (ValueCounts::normalized_entropy) and adjudication policies read.
std::optional<double> NormalizedEntropy(const std::vector<int64_t>& counts,
                                        int64_t closed_k);

// The bits of `d`: doubles are compared by them, so 0 and -0 (which
// serialize differently) stay apart.
uint64_t Bits(double d);
// A hash of `v` consistent with SameValue (equal values, equal hashes).
size_t ValueHash(const schemas::ExtractedValue& v);
// True when `a` and `b` are identical in every field (doubles by Bits).
bool SameValue(const schemas::ExtractedValue& a,
               const schemas::ExtractedValue& b);

}  // namespace consilium::projections

#endif  // CONSILIUM_PROJECTIONS_VALUE_KEYS_H_
