// The adjudication walkthrough of docs/adjudication.md, run exactly as a
// reader would paste it: the test reads the doc, takes the shell block under
// "## Walkthrough", runs it with bash (the built `consilium` first on PATH,
// from the source tree, with a private TMPDIR), and checks that what it
// prints contains the doc's "It prints" block line by line, in order (`…`
// stands for any text: times, hashes). Doc and test cannot drift: changing
// the commands or the output in one place fails here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/testing/build_paths.h"
#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

std::string ReadDoc(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The body of the first ``` block tagged `tag` after `from` in `doc`.
std::string Block(const std::string& doc, size_t from, const std::string& tag) {
  const std::string open = "```" + tag + "\n";
  size_t start = doc.find(open, from);
  if (start == std::string::npos) return "";
  start += open.size();
  size_t end = doc.find("\n```", start - 1);
  if (end == std::string::npos) return "";
  return doc.substr(start, end + 1 - start);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) out.push_back(line);
  return out;
}

// Whole-line match where "…" in `pattern` matches any run of characters.
bool Matches(std::string_view line, std::string_view pattern) {
  static constexpr std::string_view kAny = "…";
  size_t star = pattern.find(kAny);
  if (star == std::string_view::npos) return line == pattern;
  std::string_view head = pattern.substr(0, star);
  if (line.substr(0, head.size()) != head) return false;
  std::string_view rest = pattern.substr(star + kAny.size());
  for (size_t i = head.size(); i <= line.size(); ++i) {
    if (Matches(line.substr(i), rest)) return true;
  }
  return false;
}

TEST(WalkthroughTest, DocCommandsRunAndPrintWhatTheDocSays) {
  const std::string doc_path =
      ::consilium::testing::SourceDir() + "/docs/adjudication.md";
  const std::string doc = ReadDoc(doc_path);
  const size_t section = doc.find("\n## Walkthrough");
  ASSERT_NE(section, std::string::npos) << doc_path << " has no walkthrough";
  const std::string script = Block(doc, section, "sh");
  const std::string expected = Block(doc, section, "text");
  ASSERT_FALSE(script.empty()) << "no ```sh block after ## Walkthrough";
  ASSERT_FALSE(expected.empty()) << "no ```text block after ## Walkthrough";

  testing::TempDir tmp;
  const std::string script_path = tmp.Sub("walkthrough.sh");
  std::ofstream(script_path) << script;
  const std::string bin_dir =
      std::filesystem::path(testing::ConsiliumBin()).parent_path().string();
  const std::string command = "cd '" + ::consilium::testing::SourceDir() +
                              "' && TMPDIR='" + tmp.path() + "' PATH='" +
                              bin_dir + "':\"$PATH\" bash -euo pipefail '" +
                              script_path + "' 2>'" + tmp.Sub("stderr") + "'";
  int code = -1;
  const std::string out = testing::RunShell(command, &code, false);
  const std::string err = ReadDoc(tmp.Sub("stderr"));
  ASSERT_EQ(code, 0) << "the walkthrough failed\n--- stdout\n"
                     << out << "--- stderr\n"
                     << err;

  const std::vector<std::string> got = Lines(out);
  size_t at = 0;
  for (const std::string& want : Lines(expected)) {
    while (at < got.size() && !Matches(got[at], want)) ++at;
    ASSERT_LT(at, got.size()) << "the doc says the walkthrough prints\n  "
                              << want << "\nbut it is not in the output "
                              << "(in order):\n"
                              << out;
    ++at;
  }
}

TEST(WalkthroughTest, EllipsisMatchesAnyText) {
  EXPECT_TRUE(
      Matches("lease 23 expires 2026-01-01T00:00:00Z", "lease … expires …"));
  EXPECT_TRUE(Matches("abc", "abc"));
  EXPECT_TRUE(Matches("abc", "…"));
  EXPECT_FALSE(Matches("abd", "abc"));
  EXPECT_FALSE(Matches("xabc", "abc…"));
  EXPECT_FALSE(Matches("ab", "a…c"));
}

}  // namespace
}  // namespace consilium
