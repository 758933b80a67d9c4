// The de-identification detectors: finds the HIPAA Safe Harbor identifiers
// in a note's text and reports each as a byte span with its type. Never
// logs, prints or keeps the text; a Hit holds offsets only.
//
// How it works (docs/deid.md): a table of RE2 patterns, one or more per
// identifier type (context patterns such as "Dr. <Name>" or "MRN: <id>",
// format patterns such as 03/04/2021 or user@host), plus a name-list pass
// over capitalized words. One RE2::Set pass over the text says which
// patterns match at all; only those are then run to find where. Hits of one
// type that overlap are joined; where hits of different types overlap, the
// more specific rule wins (a fax number over a phone number, an e-mail over
// the web address inside it).
//
// Thread-safety: a Detector is immutable after Create; Scan may be called
// from any number of threads at once.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Detector> d, Detector::Create({}));
//   for (const Hit& h : d->Scan(text))
//     Report(h.begin, h.end, PhiTypeName(h.type));
#ifndef CONSILIUM_DEID_DETECTOR_H_
#define CONSILIUM_DEID_DETECTOR_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "deid/config.h"
#include "deid/phi_type.h"

namespace consilium::deid {

// [begin, end) in bytes of the scanned UTF-8 text.
struct Hit {
  size_t begin = 0;
  size_t end = 0;
  PhiType type = PhiType::kName;

  friend bool operator==(const Hit&, const Hit&) = default;
};

class Detector {
 public:
  // Compiles the built-in patterns and the configuration's. InvalidArgument
  // naming the pattern when one does not compile (`patterns[2]: missing ):
  // (\d+`), or when a pattern can match the empty string; ResourceExhausted
  // when the patterns together exceed RE2's memory for one RE2::Set.
  static StatusOr<std::unique_ptr<Detector>> Create(
      const DetectorConfig& config);

  ~Detector();
  Detector(const Detector&) = delete;
  Detector& operator=(const Detector&) = delete;

  // The hits in `text`, sorted by begin, never overlapping. Text that is not
  // valid UTF-8 is scanned byte by byte (a pattern that needs a letter just
  // does not match there). Never fails.
  std::vector<Hit> Scan(std::string_view text) const;

 private:
  struct Impl;
  explicit Detector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The detector with the built-in patterns and lists only (an empty
// configuration), built once per process on first use.
std::shared_ptr<const Detector> BuiltInDetector();

// What a detector's reports name it by: "consilium-deid/<rules version>"
// for the built-in one, plus "+config-sha256:<hex>" of the configuration
// file's bytes when one was given (`config_text` non-empty), so an auditor
// can tell which rules screened a record.
std::string DetectorIdentity(std::string_view config_text);

}  // namespace consilium::deid

#endif  // CONSILIUM_DEID_DETECTOR_H_
