// The detectors on single sentences: each identifier type found with the
// span docs/deid.md states, and the look-alikes left alone.
#include "deid/detector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "deid/config.h"

namespace consilium::deid {
namespace {

struct Case {
  std::string text;
  std::vector<std::pair<std::string, PhiType>> want;  // exact spans
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.text; }

std::unique_ptr<Detector> Make(const DetectorConfig& config = {}) {
  auto d = Detector::Create(config);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return std::move(*d);
}

std::vector<std::pair<std::string, PhiType>> Found(const Detector& d,
                                                   const std::string& text) {
  std::vector<std::pair<std::string, PhiType>> out;
  for (const Hit& h : d.Scan(text)) {
    out.push_back({text.substr(h.begin, h.end - h.begin), h.type});
  }
  return out;
}

class DetectsIdentifier : public ::testing::TestWithParam<Case> {};

TEST_P(DetectsIdentifier, ExactSpansAndTypes) {
  static const std::unique_ptr<Detector> d = Make();
  EXPECT_EQ(Found(*d, GetParam().text), GetParam().want);
}

using P = PhiType;
INSTANTIATE_TEST_SUITE_P(
    Types, DetectsIdentifier,
    ::testing::Values(
        Case{"Seen by Dr. Hope Garcia today.", {{"Hope Garcia", P::kName}}},
        Case{"Patient: O'BRIEN, JOHN", {{"O'BRIEN, JOHN", P::kName}}},
        Case{"-- Thaddeus Q. Vandermolen, MD",
             {{"Thaddeus Q. Vandermolen", P::kName}}},
        Case{"Daughter Rose at bedside.", {{"Rose", P::kName}}},
        Case{"Will Garcia called back.", {{"Will Garcia", P::kName}}},
        Case{"Admitted 03/04/2021, seen 3-4-21.",
             {{"03/04/2021", P::kDate}, {"3-4-21", P::kDate}}},
        Case{"Since March 4th, 2021 and on 4 Mar 2021.",
             {{"March 4th, 2021", P::kDate}, {"4 Mar 2021", P::kDate}}},
        Case{"Surgery 2021-03-04; follow up on the 4th.",
             {{"2021-03-04", P::kDate}, {"4th", P::kDate}}},
        Case{"A 92-year-old man; age 101.",
             {{"92", P::kAge}, {"101", P::kAge}}},
        Case{"Call (555) 123-4567 or fax 555-987-6543.",
             {{"(555) 123-4567", P::kPhone}, {"555-987-6543", P::kFax}}},
        Case{"Mail hope.g@example.org, SSN 123-45-6789.",
             {{"hope.g@example.org", P::kEmail}, {"123-45-6789", P::kSsn}}},
        Case{"MRN: 00482913. Member ID: XJH123456789. Acct #: 445566778.",
             {{"00482913", P::kMrn},
              {"XJH123456789", P::kHealthPlan},
              {"445566778", P::kAccount}}},
        Case{"DL: D1234567; plate 7ABC123; S/N: 4412-XT-0091.",
             {{"D1234567", P::kLicense},
              {"7ABC123", P::kVehicle},
              {"4412-XT-0091", P::kDevice}}},
        Case{"See https://portal.example.org/p/1. From 10.0.0.12.",
             {{"https://portal.example.org/p/1", P::kUrl},
              {"10.0.0.12", P::kIp}}},
        Case{"Lives at 12 Oak Street, Springfield, IL 62704.",
             {{"12 Oak Street", P::kAddress},
              {"Springfield", P::kLocation},
              {"62704", P::kZip}}},
        Case{"EMS from Cook County.", {{"Cook County", P::kLocation}}},
        Case{"Call from Will Hargreaves, husband.",
             {{"Will Hargreaves", P::kName}}},
        Case{"K. Osei, MD", {{"K. Osei", P::kName}}},
        Case{"Name: HOLLOWAY, JUNE M   DOB: 07/22/1931",
             {{"HOLLOWAY, JUNE M", P::kName}, {"07/22/1931", P::kDate}}},
        Case{"Security contact: Officer Brandt.", {{"Brandt", P::kName}}},
        Case{"Drives; DL IN 4821-77-3310. Tail number N412MC.",
             {{"4821-77-3310", P::kLicense}, {"N412MC", P::kVehicle}}},
        Case{"No Murphy sign; Wilson's disease ruled out; Foley catheter.",
             {}}));

TEST(Detector, LooksAlikesAreNotIdentifiers) {
  std::unique_ptr<Detector> d = Make();
  for (const char* text :
       {"Percocet 5/325 mg 1 tab PO q6h; BP 120/80, HR 72.",
        "Take 1/2 tab at night. Pain 7/10.",
        "Dx: E11.9, I10, J18.9. HbA1c 7.2%.",
        "Diagnosed in 2015; smoker since 1998.",
        "A 67-year-old woman; age 45 at diagnosis; father, 88.",
        "Will follow up in clinic. May need imaging. We hope so.",
        "BP rose to 160/95. Brown sputum. Mark the site.", "Lives in Ohio.",
        "Attending: Critical Care Team", "Spoke with Case Management.",
        "Patient Reports Chest Pain.", "Pt Tolerated PO.",
        "Dr. Appointment scheduled.", "Discussed with Cardiology.",
        "Seen by PT and OT today.", "Per Pharmacy, dose adjusted.",
        "Apgar 8/9. Grade 3/6 murmur. Gleason 3+4=7.",
        "Room 5, Bed 12, Unit 4 West.", "Pump firmware version 10.2.1.4."}) {
    EXPECT_EQ(Found(*d, text).size(), 0u) << text;
  }
}

TEST(Detector, ScanNeverReturnsOverlappingHits) {
  std::unique_ptr<Detector> d = Make();
  std::string text =
      "Fax: +1 555 123 4567; email hope@example.org (www.example.org). "
      "Dr. Fort Wayne of Fort Wayne, IN 46802.";
  std::vector<Hit> hits = d->Scan(text);
  for (size_t i = 1; i < hits.size(); ++i) {
    EXPECT_LE(hits[i - 1].end, hits[i].begin);
  }
}

TEST(Detector, ConfigNamesAndPatternsAreUsed) {
  auto config = ParseDetectorConfig(
      R"({"names": ["Zyx"], "not_names": ["Garcia"],
          "patterns": [{"type": "mrn", "regex": "\\b(QQ\\d{6})\\b"}]})");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  std::unique_ptr<Detector> d = Make(*config);
  EXPECT_EQ(Found(*d, "Zyx came. Garcia too. Chart QQ123456."),
            (std::vector<std::pair<std::string, PhiType>>{
                {"Zyx", P::kName}, {"QQ123456", P::kMrn}}));
}

// A team's name pattern ranks above every rule, but the name lists keep
// their own rank: "Wayne" in "Fort Wayne" stays part of the place.
TEST(Detector, ConfigNamePatternDoesNotLiftTheNameLists) {
  auto config = ParseDetectorConfig(
      R"({"patterns": [{"type": "name", "regex": "\\bZzyzx\\b"}]})");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  std::unique_ptr<Detector> d = Make(*config);
  EXPECT_EQ(Found(*d, "EMS from Fort Wayne, IN 46802. Zzyzx called."),
            (std::vector<std::pair<std::string, PhiType>>{
                {"Fort Wayne", P::kLocation},
                {"46802", P::kZip},
                {"Zzyzx", P::kName}}));
}

TEST(Detector, BadPatternIsNamed) {
  DetectorConfig config;
  config.patterns.push_back({PhiType::kMrn, "(\\d+"});
  auto d = Detector::Create(config);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("patterns[0]"), std::string::npos);
  config.patterns[0].regex = "x*";
  d = Detector::Create(config);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("empty string"), std::string::npos);
}

TEST(Config, RejectsWhatItCannotUse) {
  struct Bad {
    const char* json;
    const char* message;
  };
  for (const Bad& b : {
           Bad{R"({"colour": 1})", "colour: unknown key"},
           Bad{R"({"names": ["Mary Ellen"]})",
               "names[0]: \"Mary Ellen\" is not one word"},
           Bad{R"({"names": "Mary"})", "names: must be an array"},
           Bad{R"({"patterns": [{"type": "mrm", "regex": "x"}]})",
               "patterns[0].type: unknown identifier type \"mrm\""},
           Bad{R"({"patterns": [{"type": "mrn"}]})",
               "patterns[0].regex: is required"},
           Bad{R"({"builtin_names": "yes"})",
               "builtin_names: must be true or false"},
           Bad{R"({"names": [], "names": []})", "duplicate key"},
       }) {
    auto c = ParseDetectorConfig(b.json);
    ASSERT_FALSE(c.ok()) << b.json;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find(b.message), std::string::npos)
        << c.status().message();
  }
}

}  // namespace
}  // namespace consilium::deid
