// WriteStoredJson writes the bytes the ledger stores and hashes; until
// issue 14 schemas/event_json.cc wrote them with its own writer over
// Boost.JSON's serializer. That writer is kept below, unchanged, as the
// reference: the stored bytes of every value must stay what it made them.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/canonical_json.h"

namespace consilium {
namespace {

namespace json = boost::json;

// ---- The reference: schemas/event_json.cc's writer before issue 14 -------

void WriteCanonical(const json::value& v, std::string& out);

void WriteCanonicalString(std::string_view s, std::string& out) {
  out += json::serialize(json::string(s));
}

void WriteCanonical(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const json::object& o = v.get_object();
      std::vector<const json::key_value_pair*> kvs;
      kvs.reserve(o.size());
      for (const auto& kv : o) kvs.push_back(&kv);
      std::sort(kvs.begin(), kvs.end(),
                [](auto* a, auto* b) { return a->key() < b->key(); });
      out += '{';
      for (size_t i = 0; i < kvs.size(); ++i) {
        if (i) out += ',';
        WriteCanonicalString(kvs[i]->key(), out);
        out += ':';
        WriteCanonical(kvs[i]->value(), out);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      const json::array& a = v.get_array();
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        WriteCanonical(a[i], out);
      }
      out += ']';
      return;
    }
    default:
      // Scalars: Boost.JSON prints doubles in shortest round-trip form.
      out += json::serialize(v);
      return;
  }
}

std::string Reference(const json::value& v) {
  std::string out;
  WriteCanonical(v, out);
  return out;
}

// ---- Generators ------------------------------------------------------------

// Doubles of every magnitude: any bit pattern (subnormals, NaNs and
// infinities included), integers (Ryu's small-integer path), decimal
// fractions, and the edges.
rc::Gen<double> GenDouble() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::arbitrary<uint64_t>(),
                   [](uint64_t bits) { return std::bit_cast<double>(bits); }),
      rc::gen::map(rc::gen::arbitrary<int64_t>(),
                   [](int64_t i) { return static_cast<double>(i); }),
      rc::gen::map(rc::gen::pair(rc::gen::arbitrary<int32_t>(),
                                 rc::gen::inRange(-330, 310)),
                   [](std::pair<int32_t, int> p) {
                     return p.first * std::pow(10.0, p.second);
                   }),
      rc::gen::element(
          0.0, -0.0, 1.0, -1.0, 0.1, -1.5e-7, 1e21, 1e-7, 5e-324, -5e-324,
          2.2250738585072014e-308, std::numeric_limits<double>::max(),
          std::numeric_limits<double>::lowest(), 9007199254740991.0,
          9007199254740992.0, 18446744073709551616.0,
          std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(),
          std::numeric_limits<double>::quiet_NaN()));
}

// Strings of any bytes, weighted towards the ones with escapes or several
// spellings: control characters, '"', '\', '/', DEL, multi-byte UTF-8
// (valid and cut short), and bytes that are never UTF-8.
rc::Gen<std::string> GenString() {
  const rc::Gen<std::string> piece = rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange<int>(0, 0x20),
                   [](int c) { return std::string(1, static_cast<char>(c)); }),
      rc::gen::element<std::string>("\"", "\\", "/", "\x7f", "a", "Z", "0", " ",
                                    "\xc3\xa9", "\xe2\x82\xac",
                                    "\xf0\x9f\x98\x80", "\xc3", "\xff",
                                    "\xed\xa0\x80", "\\u0000", "</script>"),
      rc::gen::map(rc::gen::arbitrary<uint8_t>(), [](uint8_t c) {
        return std::string(1, static_cast<char>(c));
      }));
  return rc::gen::map(rc::gen::container<std::vector<std::string>>(piece),
                      [](const std::vector<std::string>& pieces) {
                        std::string s;
                        for (const std::string& p : pieces) s += p;
                        return s;
                      });
}

rc::Gen<json::value> GenScalar() {
  return rc::gen::oneOf(
      rc::gen::just(json::value(nullptr)),
      rc::gen::map(rc::gen::arbitrary<bool>(),
                   [](bool b) { return json::value(b); }),
      rc::gen::map(rc::gen::arbitrary<int64_t>(),
                   [](int64_t i) { return json::value(i); }),
      rc::gen::map(
          rc::gen::element<int64_t>(0, -1, std::numeric_limits<int64_t>::min(),
                                    std::numeric_limits<int64_t>::max()),
          [](int64_t i) { return json::value(i); }),
      // uint64 above the int64 range, where Boost.JSON keeps uint64.
      rc::gen::map(
          rc::gen::arbitrary<uint64_t>(),
          [](uint64_t u) { return json::value(u | (uint64_t{1} << 63)); }),
      rc::gen::map(GenDouble(), [](double d) { return json::value(d); }),
      rc::gen::map(GenString(),
                   [](const std::string& s) { return json::value(s); }));
}

// Keys that sort in interesting ways: shared prefixes, case, non-ASCII
// (UTF-8 byte order), the empty key, and any string.
rc::Gen<std::string> GenKey() {
  return rc::gen::oneOf(
      rc::gen::element<std::string>("", "a", "A", "aa", "a\x01", "b", "_",
                                    "\xc3\xa9", "e", "\xf0\x9f\x98\x80", "z",
                                    "\x7f", "values", "value"),
      GenString());
}

rc::Gen<json::value> GenValue(int depth) {
  if (depth == 0) return GenScalar();
  // Up to 8 members per level, each of them smaller too: a few hundred
  // scalars per document at most.
  const rc::Gen<json::value> child = rc::gen::resize(
      8, rc::gen::lazy([depth] { return GenValue(depth - 1); }));
  return rc::gen::oneOf(
      GenScalar(), GenScalar(),
      rc::gen::map(rc::gen::container<std::vector<json::value>>(child),
                   [](std::vector<json::value> items) {
                     json::array a;
                     for (json::value& v : items) a.push_back(std::move(v));
                     return json::value(std::move(a));
                   }),
      rc::gen::map(
          rc::gen::container<std::vector<std::pair<std::string, json::value>>>(
              rc::gen::pair(GenKey(), child)),
          [](std::vector<std::pair<std::string, json::value>> members) {
            json::object o;
            for (auto& [k, v] : members) o[k] = std::move(v);
            return json::value(std::move(o));
          }));
}

// ---- Properties
// --------------------------------------------------------------

RC_GTEST_PROP(StoredJsonTest, EveryValueIsWrittenAsTheBoostWriterWroteIt, ()) {
  const json::value v = *GenValue(3);
  RC_ASSERT(WriteStoredJson(v) == Reference(v));
}

// The compact layout with stored numbers is Boost.JSON's own serializer.
RC_GTEST_PROP(StoredJsonTest, CompactIsWhatBoostSerializeWrote, ()) {
  const json::value v = *GenValue(3);
  RC_ASSERT(WriteStoredJson(v, JsonStyle::kCompact) == json::serialize(v));
}

RC_GTEST_PROP(StoredJsonTest, EveryDoubleIsSpelledAsBoostSpelledIt, ()) {
  for (const double d : *rc::gen::container<std::vector<double>>(GenDouble())) {
    std::string ours;
    AppendStoredJsonNumber(ours, d);
    RC_ASSERT(ours == json::serialize(json::value(d)));
  }
}

TEST(StoredJsonTest, SpellsDoublesScientificWithTheShortestExponent) {
  auto spell = [](double d) {
    std::string s;
    AppendStoredJsonNumber(s, d);
    return s;
  };
  EXPECT_EQ(spell(1.0), "1E0");
  EXPECT_EQ(spell(0.1), "1E-1");
  EXPECT_EQ(spell(-1.5e-7), "-1.5E-7");
  EXPECT_EQ(spell(1e21), "1E21");
  EXPECT_EQ(spell(123.0), "1.23E2");
  EXPECT_EQ(spell(0.0), "0E0");
  EXPECT_EQ(spell(-0.0), "-0E0");
  EXPECT_EQ(spell(5e-324), "5E-324");
  EXPECT_EQ(spell(std::numeric_limits<double>::max()),
            "1.7976931348623157E308");
  EXPECT_EQ(spell(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(spell(-std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(StoredJsonTest, SortsKeysAndKeepsIntegersAndStringsAsTheOtherStyles) {
  json::value v = json::parse(
      R"({"b":[1.5,-0.0,18446744073709551615,-9223372036854775808],)"
      R"("a":"\u0001/\u00e9\"","":{"y":2,"x":true}})");
  EXPECT_EQ(
      WriteStoredJson(v),
      R"({"":{"x":true,"y":2},"a":"\u0001/)"
      "\xc3\xa9"
      R"(\"","b":[1.5E0,-0E0,18446744073709551615,-9223372036854775808]})");
  StatusOr<std::string> shortest = WriteCanonicalJson(v);
  ASSERT_TRUE(shortest.ok());
  EXPECT_EQ(*shortest,
            R"({"":{"x":true,"y":2},"a":"\u0001/)"
            "\xc3\xa9"
            R"(\"","b":[1.5,-0,18446744073709551615,-9223372036854775808]})");
}

}  // namespace
}  // namespace consilium
