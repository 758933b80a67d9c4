// `consilium deid scan` and `consilium deid evaluate` as a user runs them.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/testing/build_paths.h"
#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium::deid {
namespace {

using testing::RunConsilium;

std::string Write(const testing::TempDir& dir, const std::string& name,
                  const std::string& text) {
  std::string path = dir.Sub(name);
  std::ofstream(path) << text;
  return path;
}

TEST(DeidCli, ScanPrintsSpansAndTypesNeverTheText) {
  testing::TempDir dir;
  std::string records =
      Write(dir, "r.jsonl",
            R"({"id":"r1","text":"Seen by Dr. Hope Garcia, MRN: 00482913."})"
            "\n"
            R"({"id":"r2","images":[{"name":"cxr","width":2,"height":2}]})"
            "\n");
  int rc = 0;
  std::string out = RunConsilium("deid scan " + records + " --json", &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(
      out, R"({"line":1,"id":"r1","hits":[{"end":23,"start":12,"type":"name"},)"
           R"({"end":38,"start":30,"type":"mrn"}]})"
           "\n"
           R"({"line":2,"id":"r2","hits":[]})"
           "\n");
  out = RunConsilium("deid scan " + records, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(out.find("Garcia"), std::string::npos) << out;
  EXPECT_NE(out.find("name        12..23"), std::string::npos) << out;
}

TEST(DeidCli, ScanReportsABadLineAndScansTheRest) {
  testing::TempDir dir;
  std::string records = Write(dir, "r.jsonl",
                              R"({"id":"r1","text":5})"
                              "\n"
                              R"({"id":"r2","text":"MRN: 00482913"})"
                              "\n");
  int rc = 0;
  std::string out = RunConsilium("deid scan " + records + " --json", &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find(R"("line":1)"), std::string::npos) << out;
  EXPECT_NE(out.find("text: must be a string"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("id":"r2")"), std::string::npos) << out;
}

TEST(DeidCli, EvaluatePrintsThePerTypeTable) {
  const std::string gold =
      ::consilium::testing::SourceDir() + "/tests/deid/gold_notes.jsonl";
  int rc = 0;
  std::string out =
      RunConsilium("deid evaluate --gold " + gold + " --json", &rc);
  EXPECT_EQ(rc, 0) << out;
  for (const char* key : {"\"notes\": 264", "\"type\": \"health_plan\"",
                          "\"overlap\"", "\"exact\"", "\"recall\""}) {
    EXPECT_NE(out.find(key), std::string::npos) << key << "\n" << out;
  }
  out = RunConsilium("deid evaluate --gold " + gold, &rc);
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find("264 notes"), std::string::npos) << out;
}

TEST(DeidCli, EvaluateRefusesABadGoldFileNamingTheLine) {
  testing::TempDir dir;
  std::string gold = Write(
      dir, "g.jsonl",
      R"({"id":"n1","text":"abc","spans":[]})"
      "\n"
      R"({"id":"n2","text":"abc","spans":[{"start":0,"end":9,"type":"name"}]})"
      "\n");
  int rc = 0;
  std::string out = RunConsilium("deid evaluate --gold " + gold, &rc);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("line 2: note n2: spans[0].end: 9 is past the end"),
            std::string::npos)
      << out;
  out = RunConsilium("deid evaluate", &rc);
  EXPECT_EQ(rc, 2) << out;
  std::string config =
      Write(dir, "c.json", R"({"patterns":[{"type":"mrn","regex":"("}]})");
  out = RunConsilium("deid scan " + gold + " --config " + config, &rc);
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("patterns[0]"), std::string::npos) << out;
}

}  // namespace
}  // namespace consilium::deid
