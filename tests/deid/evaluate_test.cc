// The gold format, the two matching rules, and the floors the detectors must
// reach on the committed evaluation set (tests/deid/gold_notes.jsonl,
// written by make_gold.py; docs/deid.md records the table).
#include "deid/evaluate.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "tests/testing/build_paths.h"

namespace consilium::deid {
namespace {

TEST(GoldLine, ReadsSpansSortedWithTheirTypes) {
  auto note = ParseGoldLine(
      R"({"id":"n1","text":"Dr. Hope Garcia on 3/4/21","spans":[)"
      R"({"start":19,"end":25,"type":"date"},)"
      R"({"start":4,"end":15,"type":"name","text":"Hope Garcia"}]})");
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_EQ(note->id, "n1");
  ASSERT_EQ(note->spans.size(), 2u);
  EXPECT_EQ(note->spans[0], (Hit{4, 15, PhiType::kName}));
  EXPECT_EQ(note->spans[1], (Hit{19, 25, PhiType::kDate}));
}

TEST(GoldLine, RejectsBadSpansNamingThem) {
  struct Bad {
    const char* line;
    const char* message;
  };
  for (
      const Bad& b : {
          Bad{R"({"id":"n","text":"abc","spans":[{"start":1,"end":9,"type":"name"}]})",
              "note n: spans[0].end: 9 is past the end of the text (3 bytes)"},
          Bad{R"({"id":"n","text":"abc","spans":[{"start":2,"end":2,"type":"name"}]})",
              "spans[0]: start 2 is not before end 2"},
          Bad{R"({"id":"n","text":"Zoë","spans":[{"start":0,"end":3,"type":"name"}]})",
              "spans[0].end: 3 is inside a UTF-8 character"},
          Bad{R"({"id":"n","text":"abc","spans":[{"start":0,"end":1,"type":"nom"}]})",
              "spans[0].type: unknown identifier type \"nom\""},
          Bad{R"({"id":"n","text":"abc","spans":[{"start":0,"end":2,"type":"name","text":"ab "}]})",
              "spans[0].text: does not match the text at 0..2"},
          Bad{R"({"id":"n","text":"abcd","spans":[{"start":0,"end":2,"type":"name"},{"start":1,"end":3,"type":"name"}]})",
              "spans[1]: overlaps spans[0] of the same type"},
          Bad{R"({"id":"n","text":"abc","spans":[{"start":-1,"end":2,"type":"name"}]})",
              "spans[0].start: must be a non-negative integer"},
          Bad{R"({"id":"n","text":"abc"})", "spans: is required"},
          Bad{R"({"text":"abc","spans":[]})", "id: is required"},
          Bad{R"({"id":"n","text":"abc","spans":[],"extra":1})",
              "extra: unknown key"},
      }) {
    auto note = ParseGoldLine(b.line);
    ASSERT_FALSE(note.ok()) << b.line;
    EXPECT_EQ(note.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(note.status().message().find(b.message), std::string::npos)
        << note.status().message();
  }
}

TEST(Score, CountsExactAndOverlapSeparately) {
  const PhiType n = PhiType::kName, d = PhiType::kDate;
  std::vector<Hit> gold = {{0, 10, n}, {20, 30, d}, {40, 45, n}};
  // Exact name; date off by one (overlap only); a phone nobody asked for;
  // the last name missed.
  std::vector<Hit> hits = {{0, 10, n}, {21, 30, d}, {50, 55, PhiType::kPhone}};
  Evaluation e;
  Score(gold, hits, e);
  const TypeCounts& name = e.by_type[static_cast<size_t>(n)];
  const TypeCounts& date = e.by_type[static_cast<size_t>(d)];
  const TypeCounts& phone = e.by_type[static_cast<size_t>(PhiType::kPhone)];
  EXPECT_EQ(name.exact.tp, 1u);
  EXPECT_EQ(name.exact.fn, 1u);
  EXPECT_EQ(*name.overlap.Recall(), 0.5);
  EXPECT_EQ(date.exact.tp, 0u);
  EXPECT_EQ(date.exact.fp, 1u);
  EXPECT_EQ(date.overlap.tp, 1u);
  EXPECT_EQ(date.overlap.fp, 0u);
  EXPECT_EQ(phone.overlap.fp, 1u);
  EXPECT_EQ(*phone.overlap.Precision(), 0.0);
  EXPECT_FALSE(phone.overlap.Recall().has_value());  // no gold phones
  EXPECT_EQ(e.Total().overlap.tp, 2u);
  EXPECT_EQ(e.Total().overlap.hits, 3u);
}

// The floors the issue sets and the one we defend: on the committed set,
// recall >= 0.95 for every type (overlap matching), precision >= 0.90 for
// every type, and exact-span recall >= 0.90 over all types. The set is
// synthetic and made by the same hands as the patterns, so these floors are
// a regression guard, not a claim about real notes (docs/deid.md).
Evaluation EvaluateFile(const std::string& name) {
  std::ifstream in(::consilium::testing::SourceDir() + "/tests/deid/" + name);
  EXPECT_TRUE(in) << name << " is missing";
  auto d = Detector::Create({});
  EXPECT_TRUE(d.ok());
  Evaluation e;
  std::set<std::string> ids;
  std::string line;
  while (d.ok() && std::getline(in, line)) {
    auto note = ParseGoldLine(line);
    EXPECT_TRUE(note.ok()) << note.status().ToString();
    if (!note.ok()) continue;
    EXPECT_TRUE(ids.insert(note->id).second) << note->id;
    Score(note->spans, (*d)->Scan(note->text), e);
  }
  return e;
}

TEST(EvaluationSet, EveryTypeMeetsTheFloors) {
  Evaluation e = EvaluateFile("gold_notes.jsonl");
  EXPECT_GE(e.notes, 200u);
  for (PhiType t : AllPhiTypes()) {
    const TypeCounts& c = e.by_type[static_cast<size_t>(t)];
    const std::string name(PhiTypeName(t));
    EXPECT_GE(c.overlap.tp + c.overlap.fn, 20u)
        << name << ": too few gold spans";
    ASSERT_TRUE(c.overlap.Recall().has_value()) << name;
    EXPECT_GE(*c.overlap.Recall(), 0.95) << name;
    ASSERT_TRUE(c.overlap.Precision().has_value()) << name;
    EXPECT_GE(*c.overlap.Precision(), 0.90) << name;
  }
  EXPECT_GE(*e.Total().exact.Recall(), 0.90);
}

// The hand-written notes (tests/deid/handwritten_notes.txt) are a small
// out-of-sample check: styles the generator does not write. Too few spans
// per type for per-type floors; over all types, overlap recall >= 0.90 and
// precision >= 0.90 (docs/deid.md records the table and the misses).
TEST(HandwrittenSet, AllTypesTogetherMeetTheFloors) {
  Evaluation e = EvaluateFile("handwritten_notes.jsonl");
  EXPECT_EQ(e.notes, 20u);
  TypeCounts all = e.Total();
  ASSERT_TRUE(all.overlap.Recall().has_value());
  EXPECT_GE(*all.overlap.Recall(), 0.90);
  EXPECT_GE(*all.overlap.Precision(), 0.90);
}

}  // namespace
}  // namespace consilium::deid
