// The detectors' configuration: the name lists and a team's own patterns,
// read from a JSON file (docs/deid.md, "Configuration"):
//
//   {
//     "names": ["Okonkwo", "Nguyen"],        // always a name when capitalized
//     "ambiguous_names": ["Sunny"],          // a name only beside another
//                                            // name or a name context
//     "not_names": ["Parkinson"],            // never a name from the lists
//     "builtin_names": true,                 // keep the built-in lists
//     "patterns": [{"type": "mrn", "regex": "\\b(MR\\d{7})\\b"}]
//   }
//
// Every key is optional; unknown keys are refused. A pattern is RE2 syntax;
// when it has a capture group, the first group is the hit, else the whole
// match. Names are single words (letters, apostrophes, hyphens).
//
// Thread-safety: pure functions.
//
//   ASSIGN_OR_RETURN(DetectorConfig config, ParseDetectorConfig(text));
//   ASSIGN_OR_RETURN(std::unique_ptr<Detector> d, Detector::Create(config));
#ifndef CONSILIUM_DEID_CONFIG_H_
#define CONSILIUM_DEID_CONFIG_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "deid/phi_type.h"

namespace consilium::deid {

// A team's pattern: hits of `type` wherever `regex` matches.
struct ExtraPattern {
  PhiType type = PhiType::kMrn;
  std::string regex = {};
};

struct DetectorConfig {
  std::vector<std::string> names = {};
  std::vector<std::string> ambiguous_names = {};
  std::vector<std::string> not_names = {};
  bool builtin_names = true;
  std::vector<ExtraPattern> patterns = {};
};

// Limits on a configuration file (docs/deid.md).
inline constexpr size_t kMaxConfigBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxExtraPatterns = 256;
inline constexpr size_t kMaxPatternBytes = 4096;
inline constexpr size_t kMaxNameBytes = 64;

// Reads a configuration document. InvalidArgument naming the place:
// `names[3]: "Mary Ellen" is not one word`, `patterns[0].type: unknown
// identifier type "mrm" (known: ...)`, `colour: unknown key`. The regexes
// are checked when a Detector is created from the result.
StatusOr<DetectorConfig> ParseDetectorConfig(std::string_view json_text);

}  // namespace consilium::deid

#endif  // CONSILIUM_DEID_CONFIG_H_
