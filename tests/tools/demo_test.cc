// `consilium demo`: Dawid–Skene, as the projections compute it (`consilium
// calibration --json`), recovers the confusion matrices the demo planted,
// within the tolerances stated in docs/demo.md; the stated confidences show
// the planted calibration styles; and a seed gives a byte-identical history.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <string>

#include "ledger/ledger.h"
#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"
#include "tests/tools/demo_ledgers.h"

namespace consilium {
namespace {

namespace json = boost::json;

double Num(const json::value& v) { return v.to_number<double>(); }

// The estimated matrix of every physician on dx-reasoning@2's primary
// diagnosis: physician -> truth -> answer -> P.
using Matrix = std::map<std::string, std::map<std::string, double>>;
std::map<std::string, Matrix> Estimated(const json::value& calibration) {
  std::map<std::string, Matrix> out;
  for (const json::value& a : calibration.at("annotators").as_array()) {
    for (const json::value& m : a.at("confusion_matrices").as_array()) {
      if (m.at("schema_version").to_number<int>() != 2 ||
          m.at("path").as_string() != "primary_diagnosis")
        continue;
      Matrix& mx = out[std::string(a.at("annotator").as_string())];
      for (const auto& [t, row] : m.at("dawid_skene_confusion").as_object())
        for (const auto& [g, p] : row.as_object())
          mx[std::string(t)][std::string(g)] = Num(p);
    }
  }
  return out;
}

class DemoRecovery : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    std::string error;
    dir_ = testing::DemoLedger(GetParam(), 0, &error);
    ASSERT_FALSE(dir_.empty()) << error;
    planted_ =
        testing::ParseJson(testing::ReadText(dir_ + "/demo-planted.json"));
    ASSERT_TRUE(planted_.is_object());
    int code = 0;
    std::string out = testing::RunConsilium(
        "calibration --data " + dir_ + " --project dyspnoea-dx --json", &code,
        /*with_stderr=*/false);
    ASSERT_EQ(code, 0) << out;
    calibration_ = testing::ParseJson(out);
    ASSERT_TRUE(calibration_.is_object()) << out;
  }
  std::string dir_;
  json::value planted_, calibration_;
};

// Tolerances (docs/demo.md): each physician's 7 x 7 matrix has about 250
// ratings, so a row of a rare class rests on some 20 of them.
constexpr double kMaxMeanAbsError = 0.06;
constexpr double kMaxAccuracyError = 0.06;
constexpr double kMaxCellError = 0.35;

TEST_P(DemoRecovery, DawidSkeneRecoversThePlantedConfusionMatrices) {
  std::map<std::string, Matrix> est = Estimated(calibration_);
  const json::array& classes = planted_.at("classes").as_array();
  const json::array& prevalence = planted_.at("prevalence").as_array();
  ASSERT_EQ(classes.size(), 7u);
  std::map<std::string, double> accuracy;
  for (const json::value& doc : planted_.at("physicians").as_array()) {
    const std::string id(doc.at("id").as_string());
    ASSERT_TRUE(est.count(id)) << id << " has no Dawid-Skene matrix";
    const Matrix& e = est[id];
    const json::object& p = doc.at("planted_confusion").as_object();
    double sum_abs = 0, max_abs = 0, acc = 0;
    for (size_t t = 0; t < classes.size(); ++t) {
      const std::string truth(classes[t].as_string());
      ASSERT_TRUE(e.count(truth)) << id << " lacks row " << truth;
      double row_sum = 0;
      for (const json::value& g : classes) {
        const std::string answer(g.as_string());
        const double est_p =
            e.at(truth).count(answer) ? e.at(truth).at(answer) : 0.0;
        const double err = std::abs(est_p - Num(p.at(truth).at(answer)));
        sum_abs += err;
        max_abs = std::max(max_abs, err);
        row_sum += est_p;
      }
      EXPECT_NEAR(row_sum, 1.0, 1e-9) << id << " row " << truth;
      acc += Num(prevalence[t]) * e.at(truth).at(truth);
    }
    accuracy[id] = acc;
    EXPECT_LE(sum_abs / 49, kMaxMeanAbsError) << id;
    EXPECT_LE(max_abs, kMaxCellError) << id;
    EXPECT_NEAR(acc, Num(doc.at("accuracy")), kMaxAccuracyError) << id;
  }
  // The planted ranking's ends: the expert first, the weakest last.
  auto best = std::max_element(
      accuracy.begin(), accuracy.end(),
      [](const auto& a, const auto& b) { return a.second < b.second; });
  auto worst = std::min_element(
      accuracy.begin(), accuracy.end(),
      [](const auto& a, const auto& b) { return a.second < b.second; });
  EXPECT_EQ(best->first, "dr-adeyemi");
  EXPECT_EQ(worst->first, "dr-eriksen");
}

TEST_P(DemoRecovery, PlantedWeaknessesStandOut) {
  std::map<std::string, Matrix> est = Estimated(calibration_);
  // dr-eriksen calls heart failure pulmonary oedema most often of all.
  std::string most;
  for (auto& [id, m] : est)
    if (most.empty() || m["I50.9"]["J81.0"] > est[most]["I50.9"]["J81.0"])
      most = id;
  EXPECT_EQ(most, "dr-eriksen");
  // dr-fujita's errors lean towards pneumonia: the largest mean of the
  // pneumonia column off the diagonal.
  auto lean = [&](Matrix& m) {
    double s = 0;
    for (auto& [truth, row] : m)
      if (truth != "J18.9") s += row["J18.9"];
    return s;
  };
  std::string leaner;
  for (auto& [id, m] : est)
    if (leaner.empty() || lean(m) > lean(est[leaner])) leaner = id;
  EXPECT_EQ(leaner, "dr-fujita");
}

TEST_P(DemoRecovery, StatedConfidenceShowsThePlantedCalibration) {
  std::map<std::string, std::string> style;
  for (const json::value& doc : planted_.at("physicians").as_array())
    style[std::string(doc.at("id").as_string())] =
        std::string(doc.at("confidence_style").as_string());
  double worst_calibrated = 0, best_miscalibrated = 1;
  for (const json::value& a : calibration_.at("annotators").as_array()) {
    const std::string id(a.at("annotator").as_string());
    const json::value& ece =
        a.at("confidence_calibration").at("expected_calibration_error");
    ASSERT_TRUE(ece.is_number()) << id;
    if (style[id] == "calibrated") {
      worst_calibrated = std::max(worst_calibrated, Num(ece));
    } else {
      best_miscalibrated = std::min(best_miscalibrated, Num(ece));
    }
  }
  EXPECT_LT(worst_calibrated, best_miscalibrated);
}

INSTANTIATE_TEST_SUITE_P(Seeds, DemoRecovery, ::testing::Values(1, 2),
                         [](const auto& param_info) {
                           return "Seed" + std::to_string(param_info.param);
                         });

// Every event's stored bytes, 1..n.
std::vector<std::string> EventBytes(const std::string& dir, uint64_t n) {
  std::vector<std::string> out;
  auto ledger = Ledger::Open(dir, {.read_only = true});
  EXPECT_TRUE(ledger.ok()) << ledger.status().ToString();
  if (!ledger.ok()) return out;
  Status s = (*ledger)->Scan(1, n, [&](const StoredEvent& e) {
    out.push_back(e.bytes);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(DemoDeterminism, SameSeedGivesByteIdenticalHistory) {
  std::string error;
  const std::string a = testing::DemoLedger(1, 0, &error);
  ASSERT_FALSE(a.empty()) << error;
  const std::string b = testing::DemoLedger(1, 1, &error);
  ASSERT_FALSE(b.empty()) << error;
  json::value pa =
      testing::ParseJson(testing::ReadText(a + "/demo-planted.json"));
  json::value pb =
      testing::ParseJson(testing::ReadText(b + "/demo-planted.json"));
  const uint64_t n = pa.at("history").at("events").to_number<uint64_t>();
  ASSERT_GT(n, 6000u);
  EXPECT_EQ(pa.at("history"), pb.at("history"));
  std::vector<std::string> ea = EventBytes(a, n), eb = EventBytes(b, n);
  ASSERT_EQ(ea.size(), n);
  ASSERT_EQ(eb.size(), n);
  for (uint64_t i = 0; i < n; ++i)
    ASSERT_EQ(ea[i], eb[i]) << "event " << i + 1 << " differs";
  // The sign-in tokens after the history are random: the heads differ.
  auto la = Ledger::Open(a, {.read_only = true});
  auto lb = Ledger::Open(b, {.read_only = true});
  ASSERT_TRUE(la.ok() && lb.ok());
  EXPECT_GT((*la)->head().seq, n);
  EXPECT_NE((*la)->head().hash, (*lb)->head().hash);
}

TEST(DemoDeterminism, AnotherSeedGivesAnotherHistory) {
  std::string error;
  const std::string a = testing::DemoLedger(1, 0, &error);
  ASSERT_FALSE(a.empty()) << error;
  const std::string b = testing::DemoLedger(2, 0, &error);
  ASSERT_FALSE(b.empty()) << error;
  json::value pa =
      testing::ParseJson(testing::ReadText(a + "/demo-planted.json"));
  json::value pb =
      testing::ParseJson(testing::ReadText(b + "/demo-planted.json"));
  EXPECT_NE(pa.at("history").at("head_hash"), pb.at("history").at("head_hash"));
}

TEST(DemoFiles, TokensFileIsPrivateAndNamesEveryAccount) {
  std::string error;
  const std::string dir = testing::DemoLedger(1, 0, &error);
  ASSERT_FALSE(dir.empty()) << error;
  const std::string path = dir + "/demo-tokens.json";
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  json::value doc = testing::ParseJson(testing::ReadText(path));
  ASSERT_TRUE(doc.is_object());
  std::map<std::string, int> roles;
  for (const json::value& a : doc.at("accounts").as_array()) {
    ++roles[std::string(a.at("role").as_string())];
    EXPECT_EQ(std::string(a.at("token").as_string()).substr(0, 4), "csl_");
  }
  EXPECT_EQ(roles, (std::map<std::string, int>{{"admin", 1},
                                               {"annotator", 6},
                                               {"adjudicator", 1},
                                               {"auditor", 1},
                                               {"researcher", 1}}));
}

TEST(DemoFiles, RefusesADirectoryThatHoldsALedger) {
  std::string error;
  const std::string dir = testing::DemoLedger(1, 0, &error);
  ASSERT_FALSE(dir.empty()) << error;
  uint64_t before = 0;
  {
    auto l = Ledger::Open(dir, {.read_only = true});
    ASSERT_TRUE(l.ok());
    before = (*l)->head().seq;
  }
  int code = 0;
  std::string out = testing::RunConsilium("demo --data " + dir, &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("already holds a ledger"), std::string::npos) << out;
  auto l = Ledger::Open(dir, {.read_only = true});
  ASSERT_TRUE(l.ok());
  EXPECT_EQ((*l)->head().seq, before);
}

// The progress bar (tools/progress.h) is drawn only on a terminal: under
// script(1) (util-linux, essential in Debian) stderr is a pty; through a
// pipe nothing but the summary is printed.
TEST(DemoFiles, ProgressBarOnlyOnATerminal) {
  testing::TempDir tmp;
  int code = 0;
  std::string piped = testing::RunConsilium(
      "demo --data " + tmp.Sub("piped") + " --seed 4", &code);
  ASSERT_EQ(code, 0) << piped;
  EXPECT_EQ(piped.find('\r'), std::string::npos);
  EXPECT_EQ(piped.find("demo ["), std::string::npos);
  EXPECT_NE(piped.find("done: "), std::string::npos) << piped;
  std::string tty = testing::RunShell(
      "script -qec '" + testing::ConsiliumBin() + " demo --data " +
          tmp.Sub("tty") + " --seed 4' /dev/null",
      &code);
  ASSERT_EQ(code, 0) << tty;
  EXPECT_NE(tty.find("\rdemo ["), std::string::npos) << tty;
  EXPECT_NE(tty.find("] 6"), std::string::npos) << tty;
}

TEST(DemoFiles, RefusesABadSeed) {
  testing::TempDir tmp;
  int code = 0;
  std::string out =
      testing::RunConsilium("demo --data " + tmp.Sub("d") + " --seed x", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("--seed"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(tmp.Sub("d")));
}

}  // namespace
}  // namespace consilium
