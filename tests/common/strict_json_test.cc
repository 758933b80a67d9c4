// The strict JSON reader for outside input (common/strict_json.h): duplicate
// keys are refused and named by their path (issue 13, defect 2).
#include "common/strict_json.h"

#include <gtest/gtest.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace consilium {
namespace {

namespace json = boost::json;

Status Parse(std::string_view text, StrictJsonError* why = nullptr) {
  json::value v;
  Status s = ParseStrictJson(text, {}, v, why);
  if (!s.ok()) {
    EXPECT_TRUE(v.is_null()) << text;
  }
  return s;
}

TEST(StrictJson, DuplicateKeysAreRefusedWithTheirPath) {
  // The issue's example: two actors and two names; the innermost object
  // closes first, so its duplicate is the one named.
  StrictJsonError why;
  Status s = Parse(R"({"type":"ProjectCreated","actor":"a","actor":"b",)"
                   R"("body":{"project_id":"p","name":"x","name":"y"}})",
                   &why);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), R"(duplicate key "body.name")");
  EXPECT_TRUE(why.duplicate);
  EXPECT_EQ(why.duplicate_key, "name");
  EXPECT_EQ(why.duplicate_path, "body.name");

  EXPECT_EQ(Parse(R"({"type":"x","actor":"a","actor":"b"})").message(),
            R"(duplicate key "actor")");
  EXPECT_EQ(Parse(R"({"a":[1,{"b":{}},{"c":[{"e":1,"e":2}]}]})").message(),
            R"(duplicate key "a[2].c[0].e")");
  EXPECT_EQ(Parse(R"([{}, {"x": 1, "x": 1}])").message(),
            R"(duplicate key "[1].x")");
  // The same key after an escape is the same key.
  EXPECT_EQ(Parse(R"({"a.b":1,"a\u002eb":2})").message(),
            R"(duplicate key "a.b")");
  EXPECT_EQ(Parse(R"({"":1,"":2})").message(), R"(duplicate key "")");
  // More than 16 keys: the sorted search.
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":1,";
  big += "\"k7\":2}";
  EXPECT_EQ(Parse("{\"outer\":" + big + "}").message(),
            R"(duplicate key "outer.k7")");
  // Control characters in the path are escaped in the message.
  EXPECT_EQ(Parse("{\"a\\n\":{\"b\":1,\"b\":2}}").message(),
            R"(duplicate key "a\n.b")");
}

TEST(StrictJson, SameKeyInDifferentObjectsIsAccepted) {
  json::value v;
  ASSERT_TRUE(
      ParseStrictJson(R"([{"a":1},{"a":2},{"b":{"a":3}}])", {}, v).ok());
  EXPECT_EQ(v.at(2).at("b").at("a").as_int64(), 3);
}

TEST(StrictJson, SyntaxErrorsNameTheOffsetAndALeadingBom) {
  StrictJsonError why;
  Status s = Parse(R"({"a":1,})", &why);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(why.duplicate);
  EXPECT_EQ(s.message().rfind("invalid JSON at offset 7: ", 0), 0u)
      << s.message();
  EXPECT_EQ(Parse(R"({"a":1} x)").message().rfind("invalid JSON at offset", 0),
            0u);
  EXPECT_EQ(Parse("/*c*/{}").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Parse("{\"s\":\"\xff\"}").code(), StatusCode::kInvalidArgument);
  s = Parse("\xEF\xBB\xBF{}", &why);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(why.reason.find("UTF-8 byte order mark"), std::string::npos)
      << why.reason;
  // Off for callers whose messages must match another reader's.
  json::value v;
  s = ParseStrictJson("\xEF\xBB\xBF{}", {.name_bom = false}, v, &why);
  EXPECT_EQ(why.reason, "syntax error");
}

// Found by strict_json_fuzz (corpus crash-nan-number.json; a harness bug,
// not the reader's): Boost.JSON 1.81 reads 0e551615 as NaN. The strict reader
// builds the same document as boost::json::parse; callers that store numbers
// check them (DraftFromJson refuses non-finite numbers).
TEST(StrictJson, ZeroWithAHugeExponentReadsAsBoostReadsIt) {
  const std::string text = R"({"!":-0.0,"e":0e551615})";
  json::value v;
  ASSERT_TRUE(ParseStrictJson(text, {}, v).ok());
  EXPECT_EQ(json::serialize(v), json::serialize(json::parse(text)));
}

TEST(StrictJson, DepthLimit) {
  const std::string ok = std::string(4, '[') + std::string(4, ']');
  const std::string deep = std::string(5, '[') + std::string(5, ']');
  json::value v;
  EXPECT_TRUE(ParseStrictJson(ok, {.max_depth = 4}, v).ok());
  EXPECT_EQ(ParseStrictJson(deep, {.max_depth = 4}, v).code(),
            StatusCode::kInvalidArgument);
}

TEST(StrictJson, TheDocumentLivesInTheGivenResource) {
  unsigned char buf[4096];
  json::monotonic_resource mr(buf, sizeof buf);
  json::value v(&mr);
  ASSERT_TRUE(ParseStrictJson(R"({"a":[1,2,"three"]})", {}, v).ok());
  EXPECT_EQ(v.storage().get(), json::storage_ptr(&mr).get());
  EXPECT_EQ(v.at("a").at(2).as_string(), "three");
}

}  // namespace
}  // namespace consilium
