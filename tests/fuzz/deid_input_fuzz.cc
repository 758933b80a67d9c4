// libFuzzer target for the de-identification inputs (deid/): the detector
// configuration (ParseDetectorConfig, a --config file), a gold line
// (ParseGoldLine, `deid evaluate --gold`), and Detector::Scan over any bytes
// (record text). The first byte picks the parser; the rest is its input.
//
// Properties beyond "no crash":
//  - every rejection is InvalidArgument;
//  - a gold note's spans are sorted, inside the text, non-empty, and two of
//    one type never overlap;
//  - Scan's hits are sorted, inside the text, non-empty and never overlap,
//    and scanning the same bytes twice gives the same hits;
//  - an accepted configuration either builds a detector or is refused with
//    InvalidArgument (a pattern that does not compile or matches "") or
//    ResourceExhausted (the patterns together exceed RE2's memory).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "deid/config.h"
#include "deid/detector.h"
#include "deid/evaluate.h"

namespace {

using consilium::StatusCode;
namespace deid = consilium::deid;

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

void CheckHits(const std::vector<deid::Hit>& hits, size_t size,
               bool overlap_ok) {
  for (size_t i = 0; i < hits.size(); ++i) {
    if (hits[i].begin >= hits[i].end) Violated("an empty span");
    if (hits[i].end > size) Violated("a span past the end of the text");
    if (i > 0 && hits[i - 1].begin > hits[i].begin)
      Violated("spans not sorted");
    if (i > 0 && !overlap_ok && hits[i - 1].end > hits[i].begin) {
      Violated("hits overlap");
    }
  }
}

const deid::Detector& Default() {
  static const std::unique_ptr<deid::Detector> d = [] {
    auto c = deid::Detector::Create({});
    if (!c.ok()) Violated("the built-in rules do not compile");
    return std::move(*c);
  }();
  return *d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1,
                              size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto config = deid::ParseDetectorConfig(text);
      if (!config.ok()) {
        if (config.status().code() != StatusCode::kInvalidArgument) {
          Violated("config rejection is not InvalidArgument");
        }
        return 0;
      }
      auto d = deid::Detector::Create(*config);
      if (!d.ok() && d.status().code() != StatusCode::kInvalidArgument &&
          d.status().code() != StatusCode::kResourceExhausted) {
        Violated(
            "detector refusal is neither InvalidArgument nor "
            "ResourceExhausted");
      }
      return 0;
    }
    case 1: {
      auto note = deid::ParseGoldLine(text);
      if (!note.ok()) {
        if (note.status().code() != StatusCode::kInvalidArgument) {
          Violated("gold rejection is not InvalidArgument");
        }
        return 0;
      }
      CheckHits(note->spans, note->text.size(), /*overlap_ok=*/true);
      for (size_t i = 0; i < note->spans.size(); ++i) {
        for (size_t j = i + 1; j < note->spans.size() &&
                               note->spans[j].begin < note->spans[i].end;
             ++j) {
          if (note->spans[j].type == note->spans[i].type) {
            Violated("gold spans of one type overlap");
          }
        }
      }
      return 0;
    }
    default: {
      std::vector<deid::Hit> hits = Default().Scan(text);
      CheckHits(hits, text.size(), /*overlap_ok=*/false);
      if (Default().Scan(text) != hits) Violated("Scan is not deterministic");
      return 0;
    }
  }
}
