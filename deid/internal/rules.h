// The built-in detector rules: one RE2 pattern each, with the type it
// reports and how it ranks against rules of other types. Private to deid/;
// docs/deid.md describes every family and its known misses.
#ifndef CONSILIUM_DEID_INTERNAL_RULES_H_
#define CONSILIUM_DEID_INTERNAL_RULES_H_

#include <string>
#include <vector>

#include "deid/phi_type.h"

namespace consilium::deid::internal {

struct Rule {
  PhiType type = PhiType::kName;
  // RE2 syntax. With a capture group, group 1 is the hit (the context around
  // it is matched but not reported); otherwise the whole match.
  std::string pattern = {};
  // Where hits of different types overlap, the higher priority wins; ties go
  // to the longer hit, then the earlier one.
  int priority = 0;
  // When set, a hit is dropped if this pattern matches the text right after
  // it (anchored there): "1/2" before "tab" is a dose, not a date.
  std::string veto_after = {};
  // When set, a hit is dropped if this pattern matches the text that ends
  // where the hit begins (it is searched in the 32 bytes before the hit and
  // should end in $): "version 10.2.1.4" is no IP address.
  std::string veto_before = {};
  // The hit must hold a digit (identifier values after a context word:
  // "MRN: pending" is no identifier).
  bool needs_digit = false;
  // The hit must hold a letter (a bare VIN is not all digits).
  bool needs_letter = false;
  // Trailing . , ; : ! ? ) are not part of the hit (a URL ending a sentence).
  bool trim_punctuation = false;
};

// Priorities of the families; a configuration's own patterns rank above all.
inline constexpr int kConfigPriority = 100;
// Names rank below places: "Fort Wayne" and "Cook County" hold listed names.
// The name finder's hits take this rank too.
inline constexpr int kNamePriority = 20;

const std::vector<Rule>& BuiltinRules();

}  // namespace consilium::deid::internal

#endif  // CONSILIUM_DEID_INTERNAL_RULES_H_
