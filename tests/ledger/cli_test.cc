// The ledger commands as an operator uses them: bad input lines are reported
// per line, in order, and append nothing; good lines around them commit.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/paths.h"
#include "tests/testing/raw_ledger.h"
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

// `consilium verify` gives the same verdict and root whichever hashing path
// runs: sixteen lanes (on CPUs with AVX-512) or one at a time (forced here
// through the environment); a changed event fails both the same way.
TEST(LedgerCliTest, VerifyAgreesWithHashingLanesOnAndOff) {
  testing::TempDir dir;
  std::string data = dir.Sub("ledger");
  ASSERT_TRUE(Ledger::Init(data).ok());
  {
    auto ledger = Ledger::Open(data, {});
    ASSERT_TRUE(ledger.ok());
    std::vector<EventDraft> drafts;
    for (int i = 0; i < 2100; ++i) {
      drafts.push_back(MakeRecordImported(
          {"importer", ""}, "rec-" + std::to_string(i), "p1",
          "{\"text\":\"" + std::string(i % 700, 'x') + "\"}", "{}"));
    }
    ASSERT_TRUE((*ledger)->AppendAll(std::move(drafts)).ok());
  }
  int lanes_code = -1, single_code = -1;
  std::string lanes, single;
  auto verify_both_ways = [&] {
    lanes = Consilium("verify --data " + data, &lanes_code);
    single = testing::RunShell("CONSILIUM_HASH_LANES=off " +
                                   testing::ConsiliumBin() + " verify --data " +
                                   data,
                               &single_code, /*with_stderr=*/false);
  };
  verify_both_ways();
  EXPECT_EQ(lanes_code, 0) << lanes;
  EXPECT_EQ(single_code, 0) << single;
  EXPECT_NE(lanes.find("OK: 2100 events verified"), std::string::npos) << lanes;
  EXPECT_EQ(lanes, single);

  {
    testing::RawLedger raw(data);
    std::string bytes = raw.GetEvent(1500);
    bytes[bytes.size() / 2] ^= 0x04;
    raw.PutEvent(1500, bytes);
  }
  verify_both_ways();
  EXPECT_EQ(lanes_code, 1) << lanes;
  EXPECT_EQ(single_code, 1) << single;
  EXPECT_NE(lanes.find("event 1500"), std::string::npos) << lanes;
  EXPECT_EQ(lanes, single);
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

// The command words `consilium help` lists: the lines indented by exactly
// two spaces, up to the run of spaces before the summary.
std::vector<std::string> ListedCommands(const std::string& listing) {
  std::vector<std::string> words;
  std::istringstream in(listing);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 3 || line.rfind("  ", 0) != 0 || line[2] == ' ') {
      continue;
    }
    words.push_back(line.substr(2, line.find("  ", 2) - 2));
  }
  return words;
}

TEST(CliTest, HelpListsCommandsAndExitsZero) {
  for (const char* form : {"help", "-h", "--help"}) {
    int code = -1;
    std::string out = Consilium(form, &code);
    EXPECT_EQ(code, 0) << form;
    EXPECT_EQ(out.rfind("usage: consilium <command> [flags]\n", 0), 0u) << out;
    EXPECT_NE(out.find("\n  proof inclusion "), std::string::npos) << out;
  }
  int code = -1;
  testing::RunConsilium("", &code);
  EXPECT_EQ(code, 2);  // no command at all is still a usage error
}

TEST(CliTest, EveryListedCommandAnswersHelpWithItsUsage) {
  int code = -1;
  std::vector<std::string> commands = ListedCommands(Consilium("help", &code));
  ASSERT_EQ(code, 0);
  // The listing this test reads must not silently shrink to nothing.
  ASSERT_GE(commands.size(), 25u);
  for (const std::string& words : commands) {
    for (const char* flag : {"--help", "-h"}) {
      std::string out = Consilium(words + " " + flag, &code);
      EXPECT_EQ(code, 0) << words << " " << flag << ": " << out;
      EXPECT_EQ(out.rfind("usage: consilium " + words, 0), 0u)
          << words << " " << flag << ": " << out;
      EXPECT_NE(out.find("\nflags:\n"), std::string::npos) << out;
    }
  }
  // A group of subcommands answers too, with its part of the listing.
  std::string out = Consilium("proof -h", &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("proof consistency"), std::string::npos) << out;
  EXPECT_EQ(out.find("agreement"), std::string::npos) << out;
  out = Consilium("help schema diff", &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out.rfind("usage: consilium schema diff ID@A ID@B --data DIR", 0),
            0u)
      << out;
}

// "consilium 0.1.0 (git 1a2b3c4d5e6f)\n"; the revision is "unknown" outside a
// git checkout. (No std::regex: GCC 12 warns inside <regex> under ASan.)
bool IsVersionLine(const std::string& s) {
  const std::string kPrefix = "consilium ", kGit = " (git ", kEnd = ")\n";
  if (s.rfind(kPrefix, 0) != 0) return false;
  size_t git = s.find(kGit);
  if (git == std::string::npos || s.size() < git + kGit.size() + kEnd.size() ||
      s.compare(s.size() - kEnd.size(), kEnd.size(), kEnd) != 0) {
    return false;
  }
  std::string version = s.substr(kPrefix.size(), git - kPrefix.size());
  std::string revision =
      s.substr(git + kGit.size(), s.size() - kEnd.size() - git - kGit.size());
  int dots = 0;
  for (char c : version) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  bool hex =
      revision.size() >= 7 && revision.size() <= 40 &&
      revision.find_first_not_of("0123456789abcdef") == std::string::npos;
  return dots == 2 && (hex || revision == "unknown");
}

TEST(CliTest, VersionNamesTheRelease) {
  EXPECT_TRUE(IsVersionLine("consilium 0.1.0 (git 1a2b3c4d5e6f)\n"));
  EXPECT_FALSE(IsVersionLine("consilium 0.1.0 (git )\n"));
  EXPECT_FALSE(IsVersionLine("consilium: error: unknown command\n"));
  int code = -1;
  std::string out = Consilium("--version", &code);
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(IsVersionLine(out)) << out;
  Consilium("--version extra", &code);
  EXPECT_EQ(code, 2);
}

TEST(CliTest, FlagGivenTwiceIsRefusedAndAppendsNothing) {
  testing::TempDir tmp;
  std::string dir = tmp.Sub("l");
  int code = -1;
  Consilium("init --data " + dir, &code);
  ASSERT_EQ(code, 0);
  std::string err = testing::RunConsilium(
      "project create --data " + dir + " --id pa --id pb --name N", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("consilium: error: INVALID_ARGUMENT: --id is given more "
                     "than once"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("usage: consilium project create --data DIR --id P"),
            std::string::npos)
      << err;
  err = testing::RunConsilium("head --data " + dir + " --data " + dir, &code);
  EXPECT_EQ(code, 2) << err;
  err =
      testing::RunConsilium("verify --data " + dir + " --quiet --quiet", &code);
  EXPECT_EQ(code, 2) << err;
  std::string out = Consilium("head --data " + dir, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find(R"("seq":0)"), std::string::npos) << out;
}

TEST(CliTest, StrayOrMissingArgumentsAreRefused) {
  testing::TempDir tmp;
  std::string dir = tmp.Sub("l");
  int code = -1;
  Consilium("init --data " + dir, &code);
  ASSERT_EQ(code, 0);
  std::string err = testing::RunConsilium("head stray --data " + dir, &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find(R"(unexpected argument "stray")"), std::string::npos)
      << err;
  err = testing::RunConsilium("annotate a.jsonl b.jsonl --data " + dir, &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find(R"(unexpected argument "b.jsonl")"), std::string::npos)
      << err;
  err = testing::RunConsilium("schema publish --data " + dir, &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("FILE is required"), std::string::npos) << err;
  err = testing::RunConsilium("events", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--data is required"), std::string::npos) << err;
  err = testing::RunConsilium("head --data " + dir + " --bogus", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("unknown flag --bogus"), std::string::npos) << err;
  EXPECT_NE(err.find("usage: consilium head --data DIR"), std::string::npos)
      << err;
  err = testing::RunConsilium("verify --data " + dir + " --quiet=yes", &code);
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("--quiet takes no value"), std::string::npos) << err;
  err = testing::RunConsilium("events --data", &code);
  EXPECT_EQ(code, 2) << err;
}

// Every line of `text` from the one starting with `first` up to the next
// empty line.
std::vector<std::string> Block(const std::string& text,
                               const std::string& first) {
  std::vector<std::string> lines;
  size_t at = text.find(first);
  if (at == std::string::npos) return lines;
  std::istringstream in(text.substr(at));
  std::string line;
  while (std::getline(in, line) && !line.empty()) lines.push_back(line);
  return lines;
}

// Tables size their columns to their content: nothing is cut short (the
// issue saw `icu-severity@` for `icu-severity@1`), and right-aligned
// columns end at the same place on every line.
TEST(CliTest, TableColumnsFitTheirContent) {
  testing::TempDir tmp;
  std::string dir = tmp.Sub("l");
  std::string src = ::consilium::testing::SourceDir();
  std::string records = tmp.Sub("records.jsonl");
  std::ofstream(records) << R"({"id": "rec-1", "text": "MAP 72, lactate 1.1."})"
                         << "\n"
                         << R"({"id": "rec-2", "text": "MAP 60."})"
                         << "\n";
  std::string annotations = tmp.Sub("annotations.jsonl");
  std::ofstream(annotations)
      << R"({"annotation_id": "a-1", "record": "rec-1", "annotator": "dr-ada", "schema": "icu-severity@1", "values": {"severity": "stable"}})"
         "\n"
      << R"({"annotation_id": "b-1", "record": "rec-1", "annotator": "dr-ben", "schema": "icu-severity@1", "values": {"severity": "guarded"}})"
         "\n";
  const std::string d = " --data " + dir;
  for (const std::string& cmd : {
           "init" + d,
           "project create --id icu --name ICU" + d,
           "schema publish " + src + "/schemas/examples/icu-severity.json" + d,
           "import records " + records + " --project icu" + d,
           "user add dr-ada --role annotator --project icu" + d,
           "user add dr-ben --role annotator --project icu" + d,
           "assign --project icu --record rec-1 --annotator dr-ada" + d,
           "assign --project icu --record rec-1 --annotator dr-ben" + d,
           "annotate " + annotations + d,
           // --records is a list: repeating it adds to it.
           "batch create --project icu --id cal --records rec-1 --records "
           "rec-2" +
               d,
       }) {
    int code = -1;
    std::string out = testing::RunConsilium(cmd, &code);
    ASSERT_EQ(code, 0) << cmd << ": " << out;
  }
  int code = -1;
  std::string out = Consilium("events" + d, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find(R"("record_ids":["rec-1","rec-2"])"), std::string::npos)
      << out;
  out = Consilium("agreement --project icu" + d, &code);
  EXPECT_EQ(code, 0) << out;
  std::vector<std::string> table = Block(out, "field ");
  ASSERT_GE(table.size(), 2u) << out;  // header, the field, details
  EXPECT_NE(table[1].find(" icu-severity@1 "), std::string::npos) << out;
  EXPECT_EQ(table[0].size(), table[1].size()) << out;  // value right-aligned

  std::string csv = tmp.Sub("wide.csv");
  std::ofstream(csv)
      << "item,radiologist-alpha-long,radiologist-beta-long,rad-gamma\n"
      << "item-with-a-long-identifier-1,pneumonia-bacterial,"
         "pneumonia-bacterial,no-finding\n"
      << "item-2,no-finding,no-finding,no-finding\n"
      << "item-3,pneumonia-bacterial,no-finding,pneumonia-bacterial\n";
  out = Consilium("agreement --csv " + csv, &code);
  EXPECT_EQ(code, 0) << out;
  std::vector<std::string> stats = Block(out, "statistic ");
  ASSERT_EQ(stats.size(), 10u) << out;
  for (const std::string& line : stats) {
    EXPECT_EQ(line.size(), stats[0].size()) << out;
  }
  std::vector<std::string> matrix = Block(out, "pairwise cohen_kappa matrix");
  ASSERT_EQ(matrix.size(), 5u) << out;
  EXPECT_NE(matrix[1].find(" radiologist-alpha-long radiologist-beta-long"),
            std::string::npos)
      << out;
  EXPECT_EQ(matrix[3].rfind("radiologist-beta-long ", 0), 0u) << out;
  for (size_t i = 2; i < matrix.size(); ++i) {
    EXPECT_EQ(matrix[i].size(), matrix[1].size()) << out;
  }
  out = Consilium("aggregate --method majority --csv " + csv, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("\nitem-with-a-long-identifier-1 pneumonia-bacterial "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" no-finding pneumonia-bacterial\n"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace consilium
