// The documents of render/: their shape (keys in reading order, undefined as
// null with a reason, never a non-finite number) and the error document's
// canonical bytes, which the CLI prints for a rejected line.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>
#include <string>
#include <vector>

#include "common/canonical_json.h"
#include "render/error_json.h"
#include "render/statistics_json.h"

namespace consilium::render {
namespace {

namespace json = boost::json;

std::vector<std::string> Keys(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

// Found by the http_request fuzzer: a 404 quoting a path with invalid
// UTF-8 was not JSON text (tests/fuzz/corpus/http_request/
// crash-invalid-utf8-path).
TEST(ErrorJsonTest, MessageQuotingInvalidUtf8BecomesValidJsonText) {
  EXPECT_EQ(*WriteCanonicalJson(
                ErrorJson(NotFoundError("no route for GET /v1/a\xa0\xd0"
                                        "b"))),
            "{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"no route for "
            "GET /v1/a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b\"}}");
}

TEST(ValidUtf8Test, KeepsValidTextAndReplacesEachBadByte) {
  EXPECT_EQ(ValidUtf8("plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "plain \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(ValidUtf8(""), "");
  const std::string kBad = "\xEF\xBF\xBD";
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), kBad + kBad);             // overlong '/'
  EXPECT_EQ(ValidUtf8("\xE0\x80\xAF"), kBad + kBad + kBad);  // overlong
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80"), kBad + kBad + kBad);  // surrogate
  EXPECT_EQ(ValidUtf8("\xF4\x90\x80\x80"), kBad + kBad + kBad + kBad);
  EXPECT_EQ(ValidUtf8("a\xC3"), "a" + kBad);  // cut in the middle
  EXPECT_EQ(ValidUtf8("\xFF"), kBad);
}

TEST(ErrorJsonTest, CanonicalBytesAreTheCliErrorLine) {
  StatusOr<std::string> with_line = WriteCanonicalJson(
      ErrorJson(InvalidArgumentError("field \"a\" is required"), 3));
  ASSERT_TRUE(with_line.ok());
  EXPECT_EQ(*with_line,
            R"({"error":{"code":"INVALID_ARGUMENT","message":"field \"a\" is )"
            R"(required"},"line":3})");
  StatusOr<std::string> no_line =
      WriteCanonicalJson(ErrorJson(NotFoundError("no record r")));
  ASSERT_TRUE(no_line.ok());
  EXPECT_EQ(*no_line,
            R"({"error":{"code":"NOT_FOUND","message":"no record r"}})");
}

TEST(StatisticsJsonTest, AgreementKeysAreInReadingOrder) {
  StatusOr<statistics::RatingTable> t =
      statistics::RatingTable::FromWideCsv("a,b\nx,x\ny,y\nx,y\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const json::object o =
      RatingAgreementJson(*t, statistics::ComputeAgreement(*t), "t.csv",
                          statistics::Level::kNominal);
  const std::vector<std::string> keys = Keys(o);
  ASSERT_GE(keys.size(), 8u);
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + 8),
            (std::vector<std::string>{
                "source", "level", "items", "ratings", "superseded_ratings",
                "raters", "categories", "percent_agreement_all_raters"}));
  EXPECT_EQ(keys.back(), "cohen_kappa_pairs");
  EXPECT_EQ(o.at("source").as_string(), "t.csv");
  EXPECT_EQ(o.at("items").as_int64(), 3);
  EXPECT_EQ(o.at("raters").as_array(), (json::array{"a", "b"}));
}

TEST(StatisticsJsonTest, UndefinedStatisticIsNullWithItsReason) {
  // Every rating is "x": chance agreement is 1, kappa is undefined.
  StatusOr<statistics::RatingTable> t =
      statistics::RatingTable::FromWideCsv("a,b\nx,x\nx,x\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const statistics::AgreementReport report = statistics::ComputeAgreement(*t);
  ASSERT_FALSE(report.fleiss.overall.value.has_value());
  const json::object o =
      RatingAgreementJson(*t, report, "t.csv", statistics::Level::kNominal);
  EXPECT_TRUE(o.at("fleiss_kappa").is_null());
  EXPECT_EQ(o.at("fleiss_kappa_undefined_reason").as_string(),
            report.fleiss.overall.undefined_reason);
  EXPECT_FALSE(o.at("fleiss_kappa_undefined_reason").as_string().empty());
  EXPECT_TRUE(o.at("fleiss_kappa_per_category").is_null());
  EXPECT_TRUE(o.contains("fleiss_kappa_per_category_undefined_reason"));
  EXPECT_FALSE(o.contains("percent_agreement_all_raters_undefined_reason"));
}

TEST(StatisticsJsonTest, NonFiniteNumbersBecomeNullSoWritingNeverFails) {
  StatusOr<statistics::RatingTable> t =
      statistics::RatingTable::FromWideCsv("a,b,c\nx,x,y\ny,y,y\nx,y,x\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  StatusOr<statistics::DawidSkeneResult> ds = statistics::DawidSkene(*t);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  // DawidSkene itself refuses these; the renderer must not depend on it.
  statistics::DawidSkeneOptions options;
  options.tolerance = std::numeric_limits<double>::infinity();
  ds->priors[0] = std::numeric_limits<double>::quiet_NaN();
  const json::object o = DawidSkeneJson(*t, *ds, options, "t.csv");
  EXPECT_TRUE(o.at("tolerance").is_null());
  EXPECT_TRUE(o.at("priors").at("x").is_null());
  EXPECT_TRUE(o.at("priors").at("y").is_double());
  EXPECT_EQ(o.at("method").as_string(), "dawid-skene");
  EXPECT_EQ(o.at("posteriors").as_array().size(), 3u);
  EXPECT_TRUE(WriteCanonicalJson(o).ok());
  EXPECT_TRUE(WriteJson(o, JsonStyle::kIndented).ok());
}

TEST(StatisticsJsonTest, MajorityVoteOfAnUnratedItemIsNullWithReason) {
  StatusOr<statistics::RatingTable> t =
      statistics::RatingTable::FromWideCsv("item,a,b\ni1,x,x\ni2,NA,NA\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const json::object o =
      MajorityVoteJson(*t, statistics::MajorityVote(*t), "t.csv");
  const json::array& labels = o.at("labels").as_array();
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[0].at("label").as_string(), "x");
  EXPECT_TRUE(labels[1].at("label").is_null());
  EXPECT_EQ(labels[1].at("label_undefined_reason").as_string(), "no ratings");
}

}  // namespace
}  // namespace consilium::render
