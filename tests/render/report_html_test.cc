// render/report_html.h on figures made by hand: names are escaped, undefined
// figures say so (null in data- attributes, never NaN), the queue's absence
// is stated, every number shown is in a data- attribute exactly as in the
// JSON, and the bootstrap's percentile interval is the linear interpolation
// of order statistics.
#include "render/report_html.h"

#include <gtest/gtest.h>

#include <string>

#include "common/canonical_json.h"
#include "projections/report_figures.h"

namespace consilium {
namespace {

namespace p = ::consilium::projections;

statistics::Statistic Value(double v) { return {v, "", 10, 30}; }

p::ReportFigures Figures() {
  p::ReportFigures f;
  f.project = "p<1>&\"x\"";
  f.as_of_seq = 42;
  f.options = {.seed = 9, .replicates = 250};
  f.decision_path = "dx";
  p::AgreementGroup g;
  p::FieldAgreement a;
  a.schema_id = "s";
  a.schema_version = 2;
  a.path = "dx<script>";
  a.metric = schemas::Metric::kNominal;
  a.layer = schemas::Layer::kInterpretive;
  a.items = 10;
  a.ratings = 30;
  a.primary_name = "krippendorff_alpha_nominal";
  a.primary = Value(0.1 + 0.2);  // 0.30000000000000004
  p::FieldAgreement b = a;
  b.path = "spans";
  b.layer = schemas::Layer::kDescriptive;
  b.primary = {std::nullopt, "no pairable values", 0, 0};
  g.fields = {a, b};
  g.cis = {p::PercentileInterval({0.2, 0.4}, 250),
           {std::nullopt, std::nullopt, 0, 0, "observed undefined"}};
  g.interpretive = {1, 1, 1, 0.30000000000000004, 0.30000000000000004};
  g.descriptive = {1, 0, 0, std::nullopt, std::nullopt};
  f.groups.push_back(g);
  f.kappa.push_back(
      {"s", 2, "dx", {"a<b", "c"}, {1.0, -0.25, -0.25, 1.0}, {0, 10, 10, 0}});
  f.queue_unavailable_reason = "not built yet";
  return f;
}

TEST(ReportHtml, EscapesNamesAndStatesUndefinedFigures) {
  const std::string html = render::ReportHtml(Figures());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("dx&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("p&lt;1&gt;&amp;&quot;x&quot;"), std::string::npos);
  EXPECT_NE(html.find("a&lt;b"), std::string::npos);
  EXPECT_NE(html.find("data-value=\"null\""), std::string::npos);
  EXPECT_NE(html.find("undefined: no pairable values"), std::string::npos);
  EXPECT_NE(html.find("n/a: observed undefined"), std::string::npos);
  EXPECT_NE(html.find("queue status: not available</strong> (not built yet)"),
            std::string::npos);
  for (const char* bad : {"\"nan\"", ">nan", "-nan", "\"inf\"", ">inf"})
    EXPECT_EQ(html.find(bad), std::string::npos) << bad;
}

TEST(ReportHtml, DataAttributesHoldTheJsonNumbers) {
  const p::ReportFigures f = Figures();
  const std::string html = render::ReportHtml(f);
  EXPECT_NE(html.find("data-value=\"0.30000000000000004\""), std::string::npos);
  EXPECT_NE(html.find(">0.300<"), std::string::npos) << "shown rounded";
  EXPECT_NE(html.find("data-kappa=\"-0.25\""), std::string::npos);
  EXPECT_NE(html.find("data-seed=\"9\""), std::string::npos);
  EXPECT_NE(html.find("250 replicates over items, seed 9"), std::string::npos);
  const boost::json::object j = render::ReportJson(f);
  const auto& field =
      j.at("agreement").as_array()[0].at("fields").as_array()[0];
  EXPECT_EQ(field.at("value").as_double(), 0.30000000000000004);
  EXPECT_EQ(field.at("ci_lower").as_double(), 0.2 + 0.025 * (0.4 - 0.2));
  EXPECT_TRUE(j.at("agreement")
                  .as_array()[0]
                  .at("fields")
                  .as_array()[1]
                  .at("ci_lower")
                  .is_null());
  EXPECT_TRUE(j.at("adjudication").at("queue").is_null());
  EXPECT_EQ(j.at("adjudication").at("queue_undefined_reason"), "not built yet");
  EXPECT_TRUE(WriteCanonicalJson(j).ok()) << "finite: always writable";
}

TEST(ReportHtml, SameFiguresSameBytes) {
  EXPECT_EQ(render::ReportHtml(Figures()), render::ReportHtml(Figures()));
}

TEST(PercentileInterval, InterpolatesOrderStatistics) {
  std::vector<double> v;
  for (int i = 100; i >= 0; --i) v.push_back(i / 100.0);  // 0, 0.01, ..., 1
  const p::ConfidenceInterval ci = p::PercentileInterval(v, 120);
  ASSERT_TRUE(ci.lower && ci.upper);
  EXPECT_NEAR(*ci.lower, 0.025, 1e-12);
  EXPECT_NEAR(*ci.upper, 0.975, 1e-12);
  EXPECT_EQ(ci.replicates, 120);
  EXPECT_EQ(ci.defined, 101);
  const p::ConfidenceInterval one = p::PercentileInterval({0.5}, 3);
  EXPECT_EQ(*one.lower, 0.5);
  EXPECT_EQ(*one.upper, 0.5);
  const p::ConfidenceInterval none = p::PercentileInterval({}, 7);
  EXPECT_FALSE(none.lower);
  EXPECT_EQ(none.undefined_reason,
            "the statistic was undefined in every replicate");
}

}  // namespace
}  // namespace consilium
