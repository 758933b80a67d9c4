// Where tests find the consilium binary and the shared reference data.
// Environment variables override the paths compiled in by tests/CMakeLists.txt.
#ifndef CONSILIUM_TESTS_TESTING_PATHS_H_
#define CONSILIUM_TESTS_TESTING_PATHS_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace consilium::testing {

inline std::string ConsiliumBin() {
  const char* env = std::getenv("CONSILIUM_BIN");
  return env != nullptr && *env != '\0' ? env : CONSILIUM_BIN_DEFAULT;
}

// The reference data directory, or empty when it is not on this machine
// (tests that need it then GTEST_SKIP with a message saying so).
inline std::string SharedDataDir() {
  const char* env = std::getenv("CONSILIUM_SHARED_DATA");
  std::string dir = env != nullptr && *env != '\0' ? env : CONSILIUM_SHARED_DATA_DEFAULT;
  std::error_code ec;
  return std::filesystem::is_directory(dir, ec) ? dir : std::string();
}

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_TESTING_PATHS_H_
