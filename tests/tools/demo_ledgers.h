// Demo ledgers for the tools tests, made once per build of `consilium` and
// shared by the test processes (ctest runs each test in its own process):
// DemoLedger(seed, copy) runs `consilium demo --seed SEED` into a directory
// of the test build tree named after the seed, the copy and the binary's
// size and time, under a lock, unless a finished one is there already.
#ifndef CONSILIUM_TESTS_TOOLS_DEMO_LEDGERS_H_
#define CONSILIUM_TESTS_TOOLS_DEMO_LEDGERS_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/testing/build_paths.h"
#include "tests/testing/paths.h"

namespace consilium::testing {

// The finished demo ledger's directory; empty with *error set on failure.
inline std::string DemoLedger(int seed, int copy, std::string* error) {
  struct stat st {};
  if (stat(ConsiliumBin().c_str(), &st) != 0) {
    *error = "no consilium binary at " + ConsiliumBin();
    return "";
  }
  const std::string key =
      "-" + std::to_string(st.st_size) + "-" + std::to_string(st.st_mtime);
  const std::string dir = ::consilium::testing::DemoLedgerCache() + "/demo-s" +
                          std::to_string(seed) + "-c" + std::to_string(copy) +
                          key;
  std::filesystem::create_directories(::consilium::testing::DemoLedgerCache());
  // Ledgers of earlier builds of the binary are stale: remove them.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(
           ::consilium::testing::DemoLedgerCache(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("demo-s", 0) == 0 && name.find(key) == std::string::npos)
      std::filesystem::remove_all(entry.path(), ec);
  }
  int lock = open((dir + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    *error = "cannot lock " + dir + ".lock";
    return "";
  }
  const std::string done = dir + "/demo-planted.json";
  if (!std::filesystem::exists(done)) {
    std::filesystem::remove_all(dir);
    int code = 0;
    std::string out = RunConsilium(
        "demo --data " + dir + " --seed " + std::to_string(seed), &code);
    if (code != 0) {
      *error = "consilium demo failed (" + std::to_string(code) + "): " + out;
      std::filesystem::remove_all(dir);
      close(lock);
      return "";
    }
  }
  close(lock);
  return dir;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline boost::json::value ParseJson(const std::string& text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  return ec ? boost::json::value() : v;
}

// A test suite on the seed-1 demo ledger (DemoLedger(1, 0)), made once for
// the suite: dir_ is its directory. Every test fails at SetUp, saying why,
// when it could not be made. A suite with more to prepare defines its own
// SetUpTestSuite and calls this one first.
class OnDemoLedger : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dir_ = DemoLedger(1, 0, &error_); }
  void SetUp() override { ASSERT_FALSE(dir_.empty()) << error_; }

  static inline std::string dir_;
  static inline std::string error_;
};

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_TOOLS_DEMO_LEDGERS_H_
