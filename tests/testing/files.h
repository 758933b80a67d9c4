// Reading files in tests, and where the example schemas live.
#ifndef CONSILIUM_TESTS_TESTING_FILES_H_
#define CONSILIUM_TESTS_TESTING_FILES_H_

#include <fstream>
#include <sstream>
#include <string>

#include "tests/testing/build_paths.h"
#include "tests/testing/paths.h"

namespace consilium::testing {

// The whole file, or empty when it cannot be read.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// <source root>/schemas/examples/<name>.
inline std::string ExamplePath(const std::string& name) {
  return ::consilium::testing::SourceDir() + "/schemas/examples/" + name;
}

// <reference data>/agreement/<name> (paths.h: SharedDataDir), or empty when
// the reference data directory or the file is missing.
inline std::string ReadAgreementData(const std::string& name) {
  const std::string dir = SharedDataDir();
  return dir.empty() ? std::string() : ReadFile(dir + "/agreement/" + name);
}

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_TESTING_FILES_H_
