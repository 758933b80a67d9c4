// `consilium report` on the demo ledger: the same ledger and seed give the
// same bytes, another seed moves only the intervals, the figures agree with
// `consilium agreement --json`, `calibration --json` and `distribution
// --json`, and bad input is refused with a specific error and no file.
// (tests/tools/report_browser.sh opens the page in Chromium.)
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"
#include "tests/tools/demo_ledgers.h"

namespace consilium {
namespace {

namespace json = boost::json;
constexpr const char* kProject = "dyspnoea-dx";

class ReportOnDemo : public testing::OnDemoLedger {
 protected:
  // `consilium ARGS --data DIR`; *code its exit code.
  std::string Run(const std::string& args, int* code, bool err = true) {
    return testing::RunConsilium(args + " --data " + dir_, code, err);
  }
  json::value Json(const std::string& args) {
    int code = 0;
    std::string out = Run(args, &code, /*err=*/false);
    EXPECT_EQ(code, 0) << args << "\n" << out;
    return testing::ParseJson(out);
  }
  std::string Html(const std::string& out, const std::string& flags) {
    int code = 0;
    std::string printed = Run("report --project " + std::string(kProject) +
                                  " --out " + out + " " + flags,
                              &code);
    EXPECT_EQ(code, 0) << printed;
    return testing::ReadText(out);
  }
};

TEST_F(ReportOnDemo, SameLedgerAndSeedGiveTheSameBytes) {
  testing::TempDir tmp;
  const std::string a =
      Html(tmp.path() + "/a.html", "--seed 5 --replicates 60");
  const std::string b =
      Html(tmp.path() + "/b.html", "--seed 5 --replicates 60");
  ASSERT_GT(a.size(), 10000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("seed 5"), std::string::npos);
  EXPECT_NE(a.find("60 replicates"), std::string::npos);
  const std::string c =
      Html(tmp.path() + "/c.html", "--seed 6 --replicates 60");
  EXPECT_NE(a, c) << "another seed draws other replicates";
  // No temporary file is left beside the report.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()),
                          std::filesystem::directory_iterator()),
            3);
}

TEST_F(ReportOnDemo, SelfContained) {
  testing::TempDir tmp;
  const std::string html = Html(tmp.path() + "/r.html", "--replicates 20");
  for (const char* banned :
       {"<script", "<link", " src=", "url(", "@import", "https://"}) {
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  }
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(html.find("queue status: not available"), std::string::npos);
}

// The queue status is the adjudication model's at the report's position:
// the demo leaves decisions and a waiting queue, and the claimable items
// (pending, re-opened, escalated) are `queue list`'s `queued`.
TEST_F(ReportOnDemo, QueueStatusIsTheModels) {
  const json::value report =
      Json("report --project dyspnoea-dx --json --replicates 5");
  const json::value list = Json("queue list --project dyspnoea-dx --json");
  const json::object& q = report.at("adjudication").at("queue").as_object();
  EXPECT_GT(q.at("pending").as_int64(), 0);
  EXPECT_GT(q.at("decided").as_int64(), 0);
  EXPECT_EQ(q.at("pending").as_int64() + q.at("reopened").as_int64() +
                q.at("escalated").as_int64(),
            list.at("queued").as_int64());
  EXPECT_EQ(q.at("claimed").as_int64(), list.at("leases").as_int64());
}

// Another seed changes the intervals, never the point estimates.
TEST_F(ReportOnDemo, SeedMovesOnlyIntervals) {
  const json::value a = Json(
      "report --project dyspnoea-dx --json "
      "--seed 1 --replicates 50");
  const json::value b = Json(
      "report --project dyspnoea-dx --json "
      "--seed 2 --replicates 50");
  const auto& ga = a.at("agreement").as_array();
  const auto& gb = b.at("agreement").as_array();
  ASSERT_EQ(ga.size(), gb.size());
  bool some_interval_moved = false;
  for (size_t g = 0; g < ga.size(); ++g) {
    const auto& fa = ga[g].at("fields").as_array();
    const auto& fb = gb[g].at("fields").as_array();
    ASSERT_EQ(fa.size(), fb.size());
    for (size_t i = 0; i < fa.size(); ++i) {
      EXPECT_EQ(fa[i].at("value"), fb[i].at("value"));
      if (fa[i].at("ci_lower") != fb[i].at("ci_lower"))
        some_interval_moved = true;
    }
  }
  EXPECT_TRUE(some_interval_moved);
  EXPECT_EQ(a.at("seed").to_number<int64_t>(), 1);
  EXPECT_EQ(a.at("replicates").to_number<int64_t>(), 50);
}

// Per group: the fields and values of `agreement --json` (with --batch for a
// batch); every defined statistic has an interval from all replicates that
// lies in the statistic's range.
TEST_F(ReportOnDemo, AgreementEqualsAgreementJson) {
  const json::value r =
      Json("report --project dyspnoea-dx --json --replicates 100");
  const auto& groups = r.at("agreement").as_array();
  ASSERT_EQ(groups.size(), 3u) << "every record, cal-1 and cal-2";
  for (const json::value& g : groups) {
    std::string args = "agreement --project dyspnoea-dx --json";
    if (!g.at("batch").is_null())
      args += " --batch " + std::string(g.at("batch").as_string());
    const json::value a = Json(args);
    const auto& want = a.at("fields").as_array();
    const auto& got = g.at("fields").as_array();
    ASSERT_EQ(got.size(), want.size()) << args;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].at("path"), want[i].at("path"));
      EXPECT_EQ(got[i].at("schema_version"), want[i].at("schema_version"));
      EXPECT_EQ(got[i].at("value"), want[i].at("primary")) << args << " " << i;
      EXPECT_EQ(got[i].at("items"), want[i].at("items"));
      if (got[i].at("value").is_null()) continue;
      const double lo = got[i].at("ci_lower").to_number<double>();
      const double hi = got[i].at("ci_upper").to_number<double>();
      EXPECT_LE(lo, hi);
      EXPECT_GE(lo, -1.0);
      EXPECT_LE(hi, 1.0);
      EXPECT_EQ(got[i].at("ci_defined_replicates").to_number<int64_t>(), 100);
    }
    EXPECT_EQ(g.at("layers").at("interpretive"),
              a.at("calibration_loop").at("interpretive"));
    EXPECT_EQ(g.at("layers").at("descriptive"),
              a.at("calibration_loop").at("descriptive"));
  }
}

TEST_F(ReportOnDemo, KappaAndReliabilityEqualTheCli) {
  const json::value r =
      Json("report --project dyspnoea-dx --json --replicates 5");
  EXPECT_EQ(r.at("decision_path"), "primary_diagnosis");
  const json::value a = Json("agreement --project dyspnoea-dx --json");
  const auto& kappa = r.at("kappa").as_array();
  ASSERT_EQ(kappa.size(), 2u) << "primary_diagnosis in versions 1 and 2";
  for (const json::value& m : kappa) {
    const json::value* field = nullptr;
    for (const json::value& f : a.at("fields").as_array()) {
      if (f.at("path") == m.at("path") &&
          f.at("schema_version") == m.at("schema_version"))
        field = &f;
    }
    ASSERT_NE(field, nullptr);
    const auto& raters = m.at("raters").as_array();
    const auto& k = m.at("kappa").as_array();
    ASSERT_EQ(raters.size(), 6u);
    for (const json::value& p : field->at("cohen_kappa_pairs").as_array()) {
      size_t ia = 0, ib = 0;
      for (size_t i = 0; i < raters.size(); ++i) {
        if (raters[i] == p.at("rater_a")) ia = i;
        if (raters[i] == p.at("rater_b")) ib = i;
      }
      EXPECT_EQ(k[ia].as_array()[ib], p.at("cohen_kappa"));
      EXPECT_EQ(k[ib].as_array()[ia], p.at("cohen_kappa"));
    }
    for (size_t i = 0; i < raters.size(); ++i)
      EXPECT_EQ(k[i].as_array()[i].to_number<double>(), 1.0);
  }
  const json::value c = Json("calibration --project dyspnoea-dx --json");
  const auto& rel = r.at("reliability").as_array();
  const auto& cal = c.at("annotators").as_array();
  ASSERT_EQ(rel.size(), cal.size());
  for (size_t i = 0; i < rel.size(); ++i) {
    const auto& cc = cal[i].at("confidence_calibration");
    EXPECT_EQ(rel[i].at("annotator"), cal[i].at("annotator"));
    EXPECT_EQ(rel[i].at("n"), cc.at("n"));
    EXPECT_EQ(rel[i].at("brier_score"), cc.at("brier_score"));
    EXPECT_EQ(rel[i].at("expected_calibration_error"),
              cc.at("expected_calibration_error"));
    EXPECT_EQ(rel[i].at("bins"), cc.at("bins"));
  }
}

// The histogram counts each record once per schema version with values on
// the decision field, binned as `distribution --json` states its entropy
// (checked on 20 records of cal-1, whose entropies it must contain).
TEST_F(ReportOnDemo, EntropyHistogramCountsItems) {
  const json::value r =
      Json("report --project dyspnoea-dx --json --replicates 5");
  const auto& e = r.at("entropy");
  int64_t total = 0;
  for (const json::value& b : e.at("bins").as_array())
    total += b.at("count").to_number<int64_t>();
  EXPECT_EQ(total, e.at("items").to_number<int64_t>());
  int64_t items = 0;  // primary_diagnosis items over both versions
  for (const json::value& f :
       r.at("agreement").as_array()[0].at("fields").as_array()) {
    if (f.at("path") == "primary_diagnosis")
      items += f.at("items").to_number<int64_t>();
  }
  EXPECT_EQ(total + e.at("undefined").to_number<int64_t>(), items);
  std::vector<int64_t> cal1(10, 0);
  for (int i = 1; i <= 20; ++i) {
    char record[16];
    std::snprintf(record, sizeof record, "case-%04d", i);
    const json::value d =
        Json(std::string("distribution --record ") + record + " --json");
    for (const json::value& f : d.at("fields").as_array()) {
      if (f.at("path") != "primary_diagnosis") continue;
      const double h =
          f.at("human").at("normalized_entropy").to_number<double>();
      ++cal1[std::min(9, static_cast<int>(h * 10))];
    }
  }
  const auto& bins = e.at("bins").as_array();
  for (int b = 0; b < 10; ++b)
    EXPECT_LE(cal1[b], bins[b].at("count").to_number<int64_t>()) << b;
}

TEST_F(ReportOnDemo, BadInputIsRefusedAndWritesNothing) {
  testing::TempDir tmp;
  const std::string out = tmp.path() + "/r.html";
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"report --project no-such --out " + out, "no-such"},
      {"report --project dyspnoea-dx", "give --out FILE"},
      {"report --project dyspnoea-dx --out " + out + " --replicates 0",
       "--replicates must be between 1 and 100000"},
      {"report --project dyspnoea-dx --out " + out + " --seed abc", "seed"},
      {"report --project dyspnoea-dx --out " + tmp.path() + "/none/r.html" +
           " --replicates 5",
       "cannot create"},
      {"report --project dyspnoea-dx --out " + out + " --as-of 999999",
       "beyond"},
  };
  for (const Case& c : cases) {
    int code = 0;
    const std::string printed = Run(c.args, &code);
    EXPECT_NE(code, 0) << c.args;
    EXPECT_NE(printed.find(c.message), std::string::npos) << c.args << "\n"
                                                          << printed;
  }
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

}  // namespace
}  // namespace consilium
