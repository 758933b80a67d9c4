// The validator's one-pass JsonTape must read every document exactly as
// ParseStrictJson (Boost.JSON DOM + duplicate-key check) does: the same
// verdict, the same message, and on success the same values in the same
// order. Checked on hand-picked edge cases, the example annotations and the
// annotation-validator fuzz corpus.
#include "schemas/internal/json_tape.h"

#include <gtest/gtest.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "schemas/internal/strict_json.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/files.h"

namespace consilium::schemas::internal {
namespace {

namespace json = boost::json;

std::string Bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return std::to_string(u);
}

// The same dump for a Boost.JSON value and a tape value: their accessors
// share names (is_*, get_*, key(), value()), so the two readers' results can
// be compared as strings.
template <typename Value>
void Dump(const Value& v, std::string& out) {
  if (v.is_null()) {
    out += "n";
  } else if (v.is_bool()) {
    out += v.get_bool() ? "t" : "f";
  } else if (v.is_int64()) {
    out += "i" + std::to_string(v.get_int64());
  } else if (v.is_uint64()) {
    out += "u" + std::to_string(v.get_uint64());
  } else if (v.is_double()) {
    out += "d" + Bits(v.get_double());
  } else if (v.is_string()) {
    out += "s" + std::to_string(v.get_string().size()) + ":";
    out.append(v.get_string().data(), v.get_string().size());
  } else if (v.is_array()) {
    out += "[";
    for (const auto& e : v.get_array()) Dump(e, out);
    out += "]";
  } else {
    out += "{";
    for (const auto& member : v.get_object()) {
      out += "k" + std::to_string(member.key().size()) + ":";
      out.append(member.key().data(), member.key().size());
      Dump(member.value(), out);
    }
    out += "}";
  }
}

// Both readers on `text`; failures name the input.
void ExpectSameReading(const std::string& text, size_t max_depth = 32) {
  json::monotonic_resource mr;
  json::value dom(&mr);
  Status a = ParseStrictJson(text, max_depth, dom);
  JsonTape tape;
  Status b = ParseStrictTape(text, max_depth, tape);
  ASSERT_EQ(a.code(), b.code()) << text << "\n"
                                << a.ToString() << "\n"
                                << b.ToString();
  EXPECT_EQ(a.message(), b.message()) << text;
  if (!a.ok()) return;
  std::string da, db;
  Dump(dom, da);
  Dump(tape.root(), db);
  EXPECT_EQ(da, db) << text;
}

TEST(JsonTapeTest, ReadsEdgeCasesExactlyAsTheStrictDomReader) {
  const std::vector<std::string> cases = {
      "{}",
      "[]",
      "null",
      "true",
      "0",
      "-0",
      "1.5",
      "-1e400",
      "1e-400",
      "18446744073709551615",
      "18446744073709551616",
      "-9223372036854775808",
      "-9223372036854775809",
      "0.1",
      "123456789012345678901234567890",
      R"("a\u00e9\ud83d\ude00\n\"\\")",
      R"({"a":1,"b":[1,2,{"c":null}]})",
      R"({"a":1,"a":2})",
      R"({"x":{"a":1,"a":2},"y":{"b":1,"b":2}})",
      R"([{"k":1},{"k":2,"k":3}])",
      R"({"a\u0062":1,"ab":2})",
      R"({"":1,"":2})",
      R"({"a":1,})",
      "[1,]",
      "{",
      "[",
      R"({"a")",
      "1 2",
      "  {\"a\" : [ 1 , 2 ] }  ",
      "\xff",
      "\"\xc3\"",
      "\"\xed\xa0\x80\"",
      "// c\n{}",
      "{} /* c */",
      "[[[[[[[[[[]]]]]]]]]]",
      "\"\x01\"",
      "01",
      "1.",
      "nul",
      "tru",
      "\"abc",
      R"({"a":{"b":{"c":{"d":1}}},"a":0})",
      // more than 16 keys, with and without a duplicate
      R"({"k1":1,"k2":1,"k3":1,"k4":1,"k5":1,"k6":1,"k7":1,"k8":1,"k9":1,)"
      R"("k10":1,"k11":1,"k12":1,"k13":1,"k14":1,"k15":1,"k16":1,"k17":1})",
      R"({"k9":1,"k2":1,"k3":1,"k4":1,"k5":1,"k6":1,"k7":1,"k8":1,"k9":1,)"
      R"("k10":1,"k11":1,"k12":1,"k13":1,"k14":1,"k15":1,"k2":1,"k17":1})",
  };
  for (const std::string& c : cases) ExpectSameReading(c);
  // Beyond the depth limit, and at it.
  ExpectSameReading("[[[[1]]]]", 3);
  ExpectSameReading("[[[1]]]", 3);
}

TEST(JsonTapeTest, ReadsTheExamplesAndTheFuzzCorpusAsTheStrictDomReader) {
  size_t n = 0;
  for (const char* name :
       {"annotations/dx-reasoning.values.json",
        "annotations/chest-imaging.values.json", "dx-reasoning.json"}) {
    const std::string text = testing::ReadFile(testing::ExamplePath(name));
    if (text.empty()) continue;
    ExpectSameReading(text);
    ++n;
  }
  // The fuzz corpora of JSON readers: the annotation validator's (its first
  // byte picks the schema; the rest is values), the schema parser's and the
  // event JSON reader's (whole documents).
  const std::string fuzz =
      ::consilium::testing::SourceDir() + "/tests/fuzz/corpus/";
  for (const char* target :
       {"annotation_validator", "schema_parser", "event_json"}) {
    for (const auto& entry :
         std::filesystem::directory_iterator(fuzz + target)) {
      const std::string bytes = testing::ReadFile(entry.path().string());
      if (bytes.empty()) continue;
      ExpectSameReading(std::string(target) == "annotation_validator"
                            ? bytes.substr(1)
                            : bytes);
      ++n;
    }
  }
  EXPECT_GE(n, 55u);  // the corpora are not empty
}

// Views into the tape stay valid however many strings a document holds:
// the character buffer is sized for the input and never reallocates.
TEST(JsonTapeTest, ManyEscapedStringsKeepTheirViews) {
  std::string text = "[";
  for (int i = 0; i < 2000; ++i) {
    if (i > 0) text += ",";
    text += "\"s\\u00e9" + std::to_string(i) + "\"";
  }
  text += "]";
  ExpectSameReading(text);
  JsonTape tape;
  ASSERT_TRUE(ParseStrictTape(text, 8, tape).ok());
  const JsonArray a = tape.root().get_array();
  ASSERT_EQ(a.size(), 2000u);
  EXPECT_EQ(a[1999].get_string(),
            "s\xc3\xa9"
            "1999");
}

}  // namespace
}  // namespace consilium::schemas::internal
