// libFuzzer target for TaskSchema::Parse (bytes from admins' schema files and
// from SchemaPublished events) and the diff over what it accepts.
//
// Properties checked beyond "no crash": every rejection is InvalidArgument;
// an accepted schema diffs empty against itself, every field is found again
// by its own path, and an accepted schema validates its own example
// annotation without crashing.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "schemas/annotation_validator.h"
#include "schemas/schema_diff.h"
#include "schemas/task_schema.h"
#include "tests/fuzz/fuzz_examples.h"

namespace {

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace consilium;
  using namespace consilium::schemas;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  StatusOr<TaskSchema> schema = TaskSchema::Parse(text);
  if (!schema.ok()) {
    if (schema.status().code() != StatusCode::kInvalidArgument) {
      Violated("rejection is not InvalidArgument");
    }
    return 0;
  }
  const SchemaDiff self = Diff(*schema, *schema);
  if (!self.empty()) Violated("a schema differs from itself");
  (void)RenderText(Diff(*schema, fuzz::Examples().schemas[0]));
  schema->ForEachField([&](const Field& f) {
    if (schema->FindField(f.path) != &f) Violated("FindField(path) != field");
  });
  // Validation against a schema nobody has tested: must not crash.
  const fuzz::ExampleSet& ex = fuzz::Examples();
  (void)ValidateAnnotation(*schema, ex.records[0], "fuzz",
                           R"({"primary_diagnosis": "J18.9"})");
  (void)CollectAnnotationErrors(*schema, ex.records[1], "fuzz", "{}");
  return 0;
}
