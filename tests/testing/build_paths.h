// Absolute paths of this checkout and build, for tests, fuzz replays and
// micro-benchmarks. They are compiled into one generated object
// (tests/CMakeLists.txt writes build_paths.cc into the build folder), never
// onto a test's compile command line: so no test object's compile command
// names the clone it was built in, and a compiler-cache entry made in one
// clone serves every other (CI builds a fresh clone at another path).
#ifndef CONSILIUM_TESTS_TESTING_BUILD_PATHS_H_
#define CONSILIUM_TESTS_TESTING_BUILD_PATHS_H_

#include <string>

namespace consilium::testing {

// The repository's source folder (schema examples, corpora, docs, web).
const std::string& SourceDir();
// The consilium binary of this build (tests/testing/paths.h's ConsiliumBin
// lets CONSILIUM_BIN override it).
const std::string& BuiltConsiliumBin();
// ../shared/data as configured (CONSILIUM_SHARED_DATA overrides it).
const std::string& ConfiguredSharedData();
// The crash_writer helper binary of tests/ledger.
const std::string& CrashWriterBin();
// Where tests/tools caches the demo ledgers it builds between runs.
const std::string& DemoLedgerCache();

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_TESTING_BUILD_PATHS_H_
