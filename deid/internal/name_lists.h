// The built-in word lists of the name finder, each a string of words
// separated by spaces, lower case. Private to deid/; docs/deid.md says how
// they were chosen and how a configuration extends or replaces them.
#ifndef CONSILIUM_DEID_INTERNAL_NAME_LISTS_H_
#define CONSILIUM_DEID_INTERNAL_NAME_LISTS_H_

#include <string_view>

namespace consilium::deid::internal {

// Given names that are rarely anything else: a capitalized one is a name.
std::string_view BuiltinFirstNames();
// Surnames that are rarely anything else.
std::string_view BuiltinSurnames();
// Names that are also common words (Hope, Will, Rose, Brown, May): a name
// only next to another name or after a name context.
std::string_view BuiltinAmbiguousNames();
// Capitalized words of notes that are never names (Patient, Cardiology,
// Tylenol, ICU): a name context pattern's hit made only of these is dropped,
// and the finder never extends a name onto one.
std::string_view BuiltinNotNames();

}  // namespace consilium::deid::internal

#endif  // CONSILIUM_DEID_INTERNAL_NAME_LISTS_H_
