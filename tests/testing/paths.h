// Where tests find the consilium binary and the shared reference data.
// Environment variables override the paths compiled in by tests/CMakeLists.txt.
#ifndef CONSILIUM_TESTS_TESTING_PATHS_H_
#define CONSILIUM_TESTS_TESTING_PATHS_H_

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/testing/build_paths.h"

namespace consilium::testing {

inline std::string ConsiliumBin() {
  const char* env = std::getenv("CONSILIUM_BIN");
  return env != nullptr && *env != '\0' ? env : BuiltConsiliumBin();
}

// The reference data directory, or empty when it is not on this machine
// (tests that need it then GTEST_SKIP with a message saying so).
inline std::string SharedDataDir() {
  const char* env = std::getenv("CONSILIUM_SHARED_DATA");
  std::string dir =
      env != nullptr && *env != '\0' ? env : ConfiguredSharedData();
  std::error_code ec;
  return std::filesystem::is_directory(dir, ec) ? dir : std::string();
}

// Runs `command` through the shell, returns what it printed on stdout (and
// stderr too when `with_stderr`), and sets *exit_code (-1 if it did not
// exit normally).
inline std::string RunShell(const std::string& command, int* exit_code,
                            bool with_stderr = true) {
  std::string full = command + (with_stderr ? " 2>&1" : " 2>/dev/null");
  std::string out;
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) {
    *exit_code = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// Runs `consilium ARGS` (ARGS may redirect); see RunShell.
inline std::string RunConsilium(const std::string& args, int* exit_code,
                                bool with_stderr = true) {
  return RunShell(ConsiliumBin() + " " + args, exit_code, with_stderr);
}

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_TESTING_PATHS_H_
