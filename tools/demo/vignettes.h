// The phrase pools the demo's case vignettes are written from (tools/demo/
// plan.h): per diagnosis, what a note says about the complaint, vital signs,
// examination, tests and imaging; which specialties see it; the differential
// reasons and what would change an assessment. All text is synthetic and
// ASCII, so span offsets in code points equal byte offsets.
#ifndef CONSILIUM_TOOLS_DEMO_VIGNETTES_H_
#define CONSILIUM_TOOLS_DEMO_VIGNETTES_H_

#include <string_view>
#include <vector>

#include "tools/demo/plan.h"

namespace consilium::cli::demo {

// A supporting phrase and how an annotator names the finding.
struct Phrase {
  std::string_view text;
  std::string_view finding;
};

// An imaging phrase and the box it points at (on a 2048 x 2500 chest film,
// or on frame `frame` of a 512 x 512 CT when ct is true).
struct ImagingPhrase {
  std::string_view text;
  std::string_view finding;  // imaging_findings category; empty: none
  bool ct = false;
  int x = 0, y = 0, w = 0, h = 0, frame = 0;
};

struct DiagnosisPool {
  std::string_view label;
  std::vector<std::string_view> specialties;
  std::vector<Phrase> complaints, vitals, exams, tests;
  std::vector<ImagingPhrase> imaging;
  std::string_view excluded_because;  // when this is ruled out
  std::string_view would_change;      // when this is the assessment
  // How often a physician who errs picks each other class (diagonal 0).
  std::array<double, kClasses> confusions;
};

const DiagnosisPool& Pool(int diagnosis);
// Sentences that support nothing in particular.
const std::vector<std::string_view>& Backgrounds();

}  // namespace consilium::cli::demo

#endif  // CONSILIUM_TOOLS_DEMO_VIGNETTES_H_
