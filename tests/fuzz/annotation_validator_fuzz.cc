// libFuzzer target for the annotation validator (bytes from annotators'
// clients and bulk-import files).
//
// Input: the first byte picks the example schema and record (0 dx-reasoning,
// 1 chest-imaging, 2 icu-severity, modulo 3); the rest is the values JSON.
// Properties checked beyond "no crash": ValidateAnnotation, the first
// collected error and ExtractAnnotationValues agree; every error is
// InvalidArgument; every extracted span and region lies inside the record.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "schemas/annotation_validator.h"
#include "schemas/internal/json_tape.h"
#include "schemas/internal/strict_json.h"
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
  if (size == 0) return 0;
  const fuzz::ExampleSet& ex = fuzz::Examples();
  const size_t which = data[0] % ex.schemas.size();
  const TaskSchema& schema = ex.schemas[which];
  const RecordShape& record = ex.records[which];
  const std::string_view values(reinterpret_cast<const char*>(data + 1),
                                size - 1);

  const Status first = ValidateAnnotation(schema, record, "fuzz", values);
  const std::vector<AnnotationError> all =
      CollectAnnotationErrors(schema, record, "fuzz", values);
  const StatusOr<ExtractedValues> extracted =
      ExtractAnnotationValues(schema, record, "fuzz", values);

  if (first.ok() != all.empty()) Violated("Validate and Collect disagree");
  {
    // The validator reads values through a JsonTape; the strict DOM reader
    // must reach the same verdict with the same message.
    boost::json::monotonic_resource mr;
    boost::json::value dom(&mr);
    const Status by_dom = internal::ParseStrictJson(values, 64, dom);
    internal::JsonTape tape;
    const Status by_tape = internal::ParseStrictTape(values, 64, tape);
    if (by_dom.code() != by_tape.code() ||
        by_dom.message() != by_tape.message()) {
      Violated("JsonTape and ParseStrictJson disagree");
    }
  }
  if (first.ok() != extracted.ok()) Violated("Validate and Extract disagree");
  if (!first.ok()) {
    if (first.code() != StatusCode::kInvalidArgument) {
      Violated("error is not InvalidArgument");
    }
    if (first.message() != all.front().message) {
      Violated("first collected error differs from Validate's");
    }
    if (extracted.status().message() != first.message()) {
      Violated("Extract's error differs from Validate's");
    }
    return 0;
  }
  for (const ExtractedValue& v : extracted->values) {
    if (v.kind == ValueKind::kSpan &&
        (v.span.start >= v.span.end || v.span.end > record.text_length())) {
      Violated("extracted span outside the record");
    }
    if (v.kind == ValueKind::kRegion) {
      const ImageShape* image = record.FindImage(v.region.image);
      if (image == nullptr) Violated("extracted region on an unknown image");
      if (v.region.is_box && (v.region.x < 0 || v.region.y < 0 ||
                              v.region.x + v.region.w > image->width ||
                              v.region.y + v.region.h > image->height)) {
        Violated("extracted box outside the image");
      }
    }
  }
  return 0;
}
