// The ledger commands as an operator uses them: bad input lines are reported
// per line, in order, and append nothing; good lines around them commit.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "ledger/ledger.h"
#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

std::string Consilium(const std::string& args, int* code) {
  return testing::RunConsilium(args, code, /*with_stderr=*/false);
}

TEST(LedgerCliTest, AppendReportsEachLineAndRejectedLinesAppendNothing) {
  testing::TempDir tmp;
  std::string dir = tmp.Sub("l");
  int code = -1;
  Consilium("init --data " + dir, &code);
  ASSERT_EQ(code, 0);
  std::string input = tmp.Sub("in.jsonl");
  std::ofstream(input)
      << R"({"type":"ProjectCreated","actor":"admin","body":{"project_id":"p1","name":"P"}})"
         "\n"
      << "{not json\n"
      << R"({"type":"RecordDeleted","actor":"a","body":{}})"
         "\n"
      << "\n"
      << R"({"type":"RecordImported","actor":"importer","body":{"record_id":"r1","project_id":"p1"}})"
         "\n"
      << R"({"type":"RecordImported","actor":"importer","request_id":"x","body":{"record_id":"r1","project_id":"p1","content":"Fever."}})"
         "\n"
      << R"({"type":"RecordImported","actor":"importer","request_id":"x","body":{"record_id":"r1","project_id":"p1","content":"Fever."}})"
         "\n";
  std::string out = Consilium("append --data " + dir + " < " + input, &code);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(
      out.substr(0, out.find('\n')).rfind(R"({"line":1,"seq":1,"hash":")", 0),
      0u)
      << out;
  EXPECT_NE(
      out.find(
          R"({"error":{"code":"INVALID_ARGUMENT","message":"event is not valid JSON: syntax error"},"line":2})"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("line":3})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"(body.content: required"},"line":5})"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"({"line":6,"seq":2,)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"({"line":7,"seq":2,)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("duplicate":true})"), std::string::npos) << out;
  out = Consilium("head --data " + dir, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find(R"("seq":2)"), std::string::npos) << out;
  out = Consilium("verify --data " + dir, &code);
  EXPECT_EQ(code, 0) << out;
}

TEST(LedgerCliTest, UsageErrorsExitTwoAndNameTheProblem) {
  testing::TempDir tmp;
  int code = -1;
  std::string err =
      testing::RunConsilium("events --data " + tmp.Sub("missing"), &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("NOT_FOUND: no ledger at"), std::string::npos) << err;
  Consilium("verify --data " + tmp.path() + " --bogus", &code);
  EXPECT_EQ(code, 2);
  Consilium("frobnicate", &code);
  EXPECT_EQ(code, 2);
}

}  // namespace
}  // namespace consilium
