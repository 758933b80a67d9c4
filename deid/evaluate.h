// Evaluation of the detectors against gold spans: the gold JSONL format, the
// two matching rules and the per-type counts (docs/deid.md, "Gold format"
// and "Matching").
//
// One gold line is one note with its identifiers:
//
//   {"id": "note-7", "text": "Seen by Dr. Hope Garcia on 3/4/21.",
//    "spans": [{"start": 12, "end": 23, "type": "name", "text": "Hope Garcia"},
//              {"start": 27, "end": 33, "type": "date"}]}
//
// Offsets are bytes of the UTF-8 text, end exclusive. "text" in a span is
// optional; when given it must be exactly the bytes at the offsets.
//
// Matching: exact (same start, end and type) and overlap (a hit and a gold
// span of the same type share at least one byte). Both are counted.
//
// Thread-safety: pure functions; an Evaluation is a plain value.
//
//   Evaluation e;
//   for (line ...) {
//     ASSIGN_OR_RETURN(GoldNote note, ParseGoldLine(line));
//     Score(note.spans, detector.Scan(note.text), e);
//   }
//   e.by_type[0].overlap.Recall();
#ifndef CONSILIUM_DEID_EVALUATE_H_
#define CONSILIUM_DEID_EVALUATE_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "deid/detector.h"
#include "deid/phi_type.h"

namespace consilium::deid {

struct GoldNote {
  std::string id;
  std::string text;
  std::vector<Hit> spans;  // sorted by start
};

// Parses one gold line. InvalidArgument naming the key: `spans[2].end: 140
// is past the end of the text (120 bytes)`, `spans[1]: overlaps spans[0] of
// the same type`, `spans[0].start: 5 is inside a UTF-8 character`,
// `spans[3].text: does not match the text at 10..15`, `x: unknown key`.
StatusOr<GoldNote> ParseGoldLine(std::string_view line);

// Counts under one matching rule. tp counts gold spans found, fn gold spans
// missed, fp hits that match no gold span; under exact matching every found
// gold span is one matched hit, under overlap matching one hit may cover two
// gold spans, so precision is computed from the hits:
//   precision = (hits - fp) / hits,  recall = tp / (tp + fn).
struct Counts {
  size_t tp = 0;
  size_t fp = 0;
  size_t fn = 0;
  size_t hits = 0;
  // nullopt when there are no hits (precision) or no gold spans (recall).
  std::optional<double> Precision() const;
  std::optional<double> Recall() const;
  Counts& operator+=(const Counts& o);
};

struct TypeCounts {
  Counts exact;
  Counts overlap;
};

struct Evaluation {
  size_t notes = 0;
  std::array<TypeCounts, kPhiTypeCount> by_type{};
  // Every type together (micro-averaged).
  TypeCounts Total() const;
};

// Adds one note's comparison to `into`. `gold` and `hits` in any order.
void Score(const std::vector<Hit>& gold, const std::vector<Hit>& hits,
           Evaluation& into);

}  // namespace consilium::deid

#endif  // CONSILIUM_DEID_EVALUATE_H_
