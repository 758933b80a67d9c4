// Micro-benchmarks for annotation validation on the reasoning-aware example
// (schemas/examples/dx-reasoning.json with its example annotation).
//
//   validator_bench --benchmark_filter=BM_Validate
//
// The append path calls ValidateAnnotation once per AnnotationSubmitted; the
// target is well under 2 us per call on one core so that validation stays
// far below the cost of a synced ledger append.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "schemas/annotation_validator.h"
#include "schemas/task_schema.h"
#include "tests/testing/build_paths.h"

namespace consilium::schemas {
namespace {

std::string ReadExample(const std::string& name) {
  std::ifstream in(std::filesystem::path(::consilium::testing::SourceDir()) /
                   "schemas" / "examples" / name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `json` without the whitespace between tokens (as API clients send it).
std::string Minify(const std::string& json) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size()) {
        out += json[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      out += c;
    }
  }
  return out;
}

struct Fixture {
  Fixture()
      : schema(Must(TaskSchema::Parse(ReadExample("dx-reasoning.json")))),
        record(Must(RecordShape::FromJson(
            ReadExample("annotations/dx-reasoning.record.json")))),
        values(ReadExample("annotations/dx-reasoning.values.json")),
        compact(Minify(values)) {}

  template <typename T>
  static T Must(StatusOr<T> s) {
    if (!s.ok()) {
      std::cerr << s.status().ToString() << "\n";
      std::abort();
    }
    return std::move(s).value();
  }

  TaskSchema schema;
  RecordShape record;
  std::string values;   // pretty-printed, as in the examples folder
  std::string compact;  // the same annotation minified
};

const Fixture& Get() {
  static const Fixture* f = new Fixture();
  return *f;
}

void BM_ValidateDxReasoning(benchmark::State& state) {
  const Fixture& f = Get();
  for (auto _ : state) {
    Status s = ValidateAnnotation(f.schema, f.record, "a-1", f.values);
    benchmark::DoNotOptimize(s);
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(f.values.size()));
}
BENCHMARK(BM_ValidateDxReasoning);

void BM_ValidateDxReasoningCompact(benchmark::State& state) {
  const Fixture& f = Get();
  for (auto _ : state) {
    Status s = ValidateAnnotation(f.schema, f.record, "a-1", f.compact);
    benchmark::DoNotOptimize(s);
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(f.compact.size()));
}
BENCHMARK(BM_ValidateDxReasoningCompact);

void BM_ValidateDxReasoningInvalid(benchmark::State& state) {
  const Fixture& f = Get();
  std::string bad = f.values;
  bad.replace(bad.find("0.85"), 4, "1.85");
  for (auto _ : state) {
    Status s = ValidateAnnotation(f.schema, f.record, "a-1", bad);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_ValidateDxReasoningInvalid);

void BM_ExtractDxReasoning(benchmark::State& state) {
  const Fixture& f = Get();
  for (auto _ : state) {
    StatusOr<ExtractedValues> ev =
        ExtractAnnotationValues(f.schema, f.record, "a-1", f.values);
    benchmark::DoNotOptimize(ev);
  }
}
BENCHMARK(BM_ExtractDxReasoning);

void BM_ParseDxReasoningSchema(benchmark::State& state) {
  const std::string doc = ReadExample("dx-reasoning.json");
  for (auto _ : state) {
    StatusOr<TaskSchema> s = TaskSchema::Parse(doc);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_ParseDxReasoningSchema);

}  // namespace
}  // namespace consilium::schemas

BENCHMARK_MAIN();
