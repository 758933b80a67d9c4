// docs/api-walkthrough.md's shell blocks, run as written against a real
// `consilium serve` (the doc starts and stops it): the doc and the server
// cannot drift apart. Needs bash, curl and jq (scripts/install-deps.sh).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/testing/build_paths.h"
#include "tests/testing/paths.h"

namespace consilium::api {
namespace {

// The text of every ```sh block of `markdown`, in order.
std::string ShellBlocks(const std::string& markdown) {
  std::istringstream in(markdown);
  std::string line, out;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```sh") {
      inside = true;
    } else if (inside && line == "```") {
      inside = false;
    } else if (inside) {
      out += line + "\n";
    }
  }
  return out;
}

TEST(AppWalkthroughTest, TheDocumentedCurlSessionRunsAsWritten) {
  for (const char* tool : {"curl", "jq"}) {
    int rc = 0;
    consilium::testing::RunShell(std::string("command -v ") + tool, &rc);
    ASSERT_EQ(rc, 0)
        << tool << " is not installed (scripts/install-deps.sh installs it)";
  }
  std::ifstream doc(::consilium::testing::SourceDir() +
                    "/docs/api-walkthrough.md");
  ASSERT_TRUE(doc) << "docs/api-walkthrough.md is missing";
  std::stringstream text;
  text << doc.rdbuf();
  std::string script = ShellBlocks(text.str());
  ASSERT_NE(script.find("curl"), std::string::npos);

  auto dir = std::filesystem::temp_directory_path() /
             ("consilium_walkthrough_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "walkthrough.sh").string();
  std::ofstream(path) << "set -euo pipefail\n" << script;
  int rc = 0;
  std::string out = consilium::testing::RunShell(
      "cd " + dir.string() +
          " && CONSILIUM=" + consilium::testing::ConsiliumBin() +
          " CONSILIUM_SOURCE=" + ::consilium::testing::SourceDir() +
          " timeout 120 bash " + path,
      &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("walkthrough: done"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace consilium::api
