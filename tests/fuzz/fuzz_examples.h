// Shared by the fuzz targets: loads the example schemas and record shapes
// from schemas/examples/ once per process (located through
// consilium::testing::SourceDir(), tests/testing/build_paths.h, so the binaries
// run from any directory).
//
// Thread-safety: Examples() initializes a function-local static; callers
// only read it.
#ifndef CONSILIUM_TESTS_FUZZ_FUZZ_EXAMPLES_H_
#define CONSILIUM_TESTS_FUZZ_FUZZ_EXAMPLES_H_

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "schemas/annotation_validator.h"
#include "schemas/task_schema.h"
#include "tests/testing/build_paths.h"

namespace consilium::schemas::fuzz {

inline std::string ReadExampleFile(const std::string& name) {
  const std::filesystem::path path =
      std::filesystem::path(::consilium::testing::SourceDir()) / "schemas" /
      "examples" / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::abort();
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct ExampleSet {
  std::vector<TaskSchema> schemas;
  std::vector<RecordShape> records;
};

// The three examples, in the order dx-reasoning, chest-imaging,
// icu-severity; aborts if any fails to load (a broken build, not an input).
inline const ExampleSet& Examples() {
  static const ExampleSet* set = [] {
    auto* s = new ExampleSet();
    for (const char* name : {"dx-reasoning", "chest-imaging", "icu-severity"}) {
      StatusOr<TaskSchema> schema =
          TaskSchema::Parse(ReadExampleFile(std::string(name) + ".json"));
      StatusOr<RecordShape> record = RecordShape::FromJson(
          ReadExampleFile("annotations/" + std::string(name) + ".record.json"));
      if (!schema.ok() || !record.ok()) {
        std::fprintf(stderr, "example %s does not load\n", name);
        std::abort();
      }
      s->schemas.push_back(std::move(schema).value());
      s->records.push_back(std::move(record).value());
    }
    return s;
  }();
  return *set;
}

}  // namespace consilium::schemas::fuzz

#endif  // CONSILIUM_TESTS_FUZZ_FUZZ_EXAMPLES_H_
