#include "common/canonical_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace consilium {
namespace {

namespace json = boost::json;

std::string Canonical(const json::value& v) {
  StatusOr<std::string> s = WriteCanonicalJson(v);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : "";
}

std::string Styled(const json::value& v, JsonStyle style) {
  StatusOr<std::string> s = WriteJson(v, style);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : "";
}

TEST(CanonicalJsonTest, SortsKeysAtEveryDepthByteOrder) {
  json::value v = json::parse(
      R"({"b":1,"a":{"z":true,"y":null,"Z":false},"é":2,"e":3,"":0})");
  EXPECT_EQ(Canonical(v),
            R"({"":0,"a":{"Z":false,"y":null,"z":true},"b":1,"e":3,"é":2})");
}

TEST(CanonicalJsonTest, CompactAndIndentedKeepInsertionOrder) {
  json::object o;
  o["seq"] = 7;
  o["hash"] = "ab";
  EXPECT_EQ(Styled(o, JsonStyle::kCompact), R"({"seq":7,"hash":"ab"})");
  EXPECT_EQ(Canonical(o), R"({"hash":"ab","seq":7})");
}

TEST(CanonicalJsonTest, IndentedIsTheCliHumanForm) {
  json::value v = json::parse(
      R"({"b":[1,2.5,"x"],"a":[{"k":[]},{}],"c":{"d":null},"e":[]})");
  EXPECT_EQ(Styled(v, JsonStyle::kIndented),
            "{\n"
            "  \"b\": [1, 2.5, \"x\"],\n"
            "  \"a\": [\n"
            "    {\n"
            "      \"k\": []\n"
            "    },\n"
            "    {}\n"
            "  ],\n"
            "  \"c\": {\n"
            "    \"d\": null\n"
            "  },\n"
            "  \"e\": []\n"
            "}");
}

TEST(CanonicalJsonTest, NoInsignificantWhitespace) {
  json::value v = json::parse(" [ 1 , { \"a\" : [ ] } , \"x y\" ] ");
  EXPECT_EQ(Canonical(v), R"([1,{"a":[]},"x y"])");
}

TEST(CanonicalJsonTest, EscapesLikeBoostAndRfc8785) {
  EXPECT_EQ(Canonical(json::string("q\"b\\s/\b\f\n\r\t\x01\x1f\x7f")),
            R"("q\"b\\s/\b\f\n\r\t\u0001\u001f)"
            "\x7f\"");
  EXPECT_EQ(Canonical(json::string("é€😀")), "\"é€😀\"");
  // Byte-identical to Boost's serializer for every ASCII character: the CLI
  // printed strings through it before this writer existed.
  for (int c = 0; c < 0x80; ++c) {
    const std::string s(1, static_cast<char>(c));
    std::string ours;
    AppendJsonString(ours, s);
    EXPECT_EQ(ours, json::serialize(json::string(s))) << "character " << c;
  }
}

TEST(CanonicalJsonTest, DoublesAreShortestRoundTrip) {
  EXPECT_EQ(Canonical(0.1), "0.1");
  EXPECT_EQ(Canonical(1e21), "1e+21");
  EXPECT_EQ(Canonical(1e-7), "1e-07");
  EXPECT_EQ(Canonical(0.43024452006014074), "0.43024452006014074");
  EXPECT_EQ(Canonical(1.0), "1");
  EXPECT_EQ(Canonical(-1.5), "-1.5");
  EXPECT_EQ(Canonical(0.0), "0");
  // -0 is a distinct double and reads back as one: it is kept.
  EXPECT_EQ(Canonical(-0.0), "-0");
  EXPECT_EQ(Canonical(std::numeric_limits<double>::max()),
            "1.7976931348623157e+308");
  EXPECT_EQ(Canonical(std::numeric_limits<double>::denorm_min()), "5e-324");
  for (double d : {0.1, 1.0 / 3, 2.0 / 3e300, 123456789.125, 1e21}) {
    std::string s;
    AppendJsonNumber(s, d);
    EXPECT_EQ(json::parse(s).to_number<double>(), d) << s;
  }
}

TEST(CanonicalJsonTest, IntegersBeyondTwoToThe53AreExact) {
  EXPECT_EQ(Canonical(int64_t{9007199254740993}), "9007199254740993");
  EXPECT_EQ(Canonical(std::numeric_limits<int64_t>::min()),
            "-9223372036854775808");
  EXPECT_EQ(Canonical(std::numeric_limits<int64_t>::max()),
            "9223372036854775807");
  EXPECT_EQ(Canonical(std::numeric_limits<uint64_t>::max()),
            "18446744073709551615");
  EXPECT_EQ(Canonical(json::parse("18446744073709551615")),
            "18446744073709551615");
}

TEST(CanonicalJsonTest, NonFiniteDoublesAreRefusedWithTheirPlace) {
  json::object o;
  o["ok"] = 1;
  o["list"] = json::array{1.0, std::nan("")};
  for (JsonStyle style :
       {JsonStyle::kCanonical, JsonStyle::kCompact, JsonStyle::kIndented}) {
    StatusOr<std::string> s = WriteJson(o, style);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.status().message(), "$.list[1]: NaN has no JSON spelling");
  }
  StatusOr<std::string> inf =
      WriteCanonicalJson(-std::numeric_limits<double>::infinity());
  ASSERT_FALSE(inf.ok());
  EXPECT_EQ(inf.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(inf.status().message(), "$: infinity has no JSON spelling");
}

TEST(CanonicalJsonTest, EqualDocumentsGiveEqualBytes) {
  json::object a, b;
  a["x"] = 1;
  a["y"] = json::array{true, "s"};
  b["y"] = json::array{true, "s"};
  b["x"] = 1;
  EXPECT_EQ(Canonical(a), Canonical(b));
  EXPECT_EQ(Canonical(json::parse(Canonical(a))), Canonical(a));
}

}  // namespace
}  // namespace consilium
