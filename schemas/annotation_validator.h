// Annotation validation: checks an annotation's `values` JSON against the
// TaskSchema version it names and the shape of the record it annotates
// (text length, image sizes), and extracts the comparable values the
// agreement projections consume.
//
// Offsets: text spans count Unicode code points (not UTF-8 bytes, not UTF-16
// units), half-open [start, end). Regions use pixel coordinates with the
// origin at the image's top-left corner; an image covers the closed
// rectangle [0, width] x [0, height]. docs/schema-language.md has the rules.
//
// Error messages: "annotation <id>: <path>: <rule>", e.g.
//   annotation a-17: differential[2].excluded_because: required by
//   dx-reasoning@3
//
// Thread-safety: all functions are reentrant; RecordShape and TaskSchema are
// immutable and may be shared between threads.
//
//   ASSIGN_OR_RETURN(RecordShape record,
//                    RecordShape::Create(text, {{"cxr-pa", 2048, 2500}}));
//   RETURN_IF_ERROR(ValidateAnnotation(schema, record, "a-17", values_json));
//   ASSIGN_OR_RETURN(ExtractedValues ev,
//                    ExtractAnnotationValues(schema, record, "a-17",
//                                            values_json));
#ifndef CONSILIUM_SCHEMAS_ANNOTATION_VALIDATOR_H_
#define CONSILIUM_SCHEMAS_ANNOTATION_VALIDATOR_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "schemas/task_schema.h"

namespace consilium::schemas {

// Size of one image (or image series) of a record, by name.
struct ImageShape {
  std::string name;
  uint32_t width = 0;   // pixels, > 0
  uint32_t height = 0;  // pixels, > 0
  // Frames (slices, series positions). A region on an image with more than
  // one frame must name its frame, 0-based.
  uint32_t frames = 1;
};

// What validation needs to know about a record: its text and its images.
class RecordShape {
 public:
  // `text`: the record text, UTF-8. `images`: distinct names, non-zero sizes.
  // InvalidArgument on invalid UTF-8, a duplicate or empty image name, or a
  // zero width, height or frame count.
  static StatusOr<RecordShape> Create(std::string text,
                                      std::vector<ImageShape> images);

  // The JSON form used by the examples, tests and tools:
  //   {"text": "...", "images": [{"name": "cxr-pa", "width": 2048,
  //                               "height": 2500, "frames": 1}]}
  // Both keys optional; unknown keys rejected. InvalidArgument on error.
  static StatusOr<RecordShape> FromJson(std::string_view json);

  const std::string& text() const { return text_; }
  // Length of text() in Unicode code points.
  size_t text_length() const { return text_length_; }
  const std::vector<ImageShape>& images() const { return images_; }
  // The image named `name`, or nullptr.
  const ImageShape* FindImage(std::string_view name) const;

 private:
  RecordShape() = default;
  std::string text_;
  size_t text_length_ = 0;
  std::vector<ImageShape> images_;
};

// Returns OK when `values_json` (the annotation's values object) satisfies
// `schema` on `record`; otherwise InvalidArgument with the first error,
// "annotation <annotation_id>: <path>: <rule>". Document order: unknown keys
// and bad values as they appear, then missing required fields.
// Cost: one parse into a 16 KiB stack buffer and one walk; no heap
// allocation on the success path for annotations up to a few KiB of JSON
// (the dx-reasoning example: ~23k instructions, ~3 us on a 2.5 GHz core).
Status ValidateAnnotation(const TaskSchema& schema, const RecordShape& record,
                          std::string_view annotation_id,
                          std::string_view values_json);

// One validation error, for bulk import reports.
struct AnnotationError {
  std::string path;     // "differential[2].excluded_because"; "values" = root
  std::string rule;     // "required by dx-reasoning@3"
  std::string message;  // "annotation a-17: " + path + ": " + rule
};

// Every error of the annotation (at most `max_errors`, in the order
// ValidateAnnotation would meet them); empty when valid. A JSON syntax error
// is a single error with path "values".
std::vector<AnnotationError> CollectAnnotationErrors(
    const TaskSchema& schema, const RecordShape& record,
    std::string_view annotation_id, std::string_view values_json,
    size_t max_errors = 100);

// ---------------------------------------------------------------------------
// Normalized extraction for the agreement projections.
// ---------------------------------------------------------------------------

// A half-open range [start, end) of code points in the record text.
struct TextSpan {
  uint32_t start = 0;
  uint32_t end = 0;
  friend bool operator==(const TextSpan&, const TextSpan&) = default;
};

struct Point {
  double x = 0;
  double y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

// A bounding box (polygon empty) or a polygon (x, y, w, h zero).
struct ImageRegion {
  std::string image;
  std::optional<uint32_t> frame;
  bool is_box = true;
  double x = 0, y = 0, w = 0, h = 0;
  std::vector<Point> polygon;
  friend bool operator==(const ImageRegion&, const ImageRegion&) = default;
};

// The representation of one leaf value, chosen by the field's type:
//   kCategory    categorical; boolean as "true"/"false"       -> category
//   kCategorySet multi_categorical, sorted ascending           -> categories
//   kNumber      numeric; confidence on the probability scale -> number
//   kOrdinal     ordinal; confidence on an ordinal scale      -> category
//                (the level) and number (its rank, 0 = lowest)
//   kSpan        text_span                                     -> span
//   kRegion      image_region                                  -> region
enum class ValueKind {
  kCategory,
  kCategorySet,
  kNumber,
  kOrdinal,
  kSpan,
  kRegion,
};

struct ExtractedValue {
  std::string path;        // concrete: "differential[1].alternative"
  std::string field_path;  // schema path: "differential[].alternative"
  Metric metric = Metric::kNone;
  Layer layer = Layer::kInterpretive;
  ValueKind kind = ValueKind::kCategory;
  std::string category;
  std::vector<std::string> categories;
  double number = 0;
  TextSpan span;
  ImageRegion region;
};

// Every leaf with a metric (text, lists and groups have none), in document
// order of the values JSON. Absent optional fields produce no entry.
struct ExtractedValues {
  std::string schema_id;
  int64_t schema_version = 0;
  std::vector<ExtractedValue> values;

  // The entry at concrete path `path`, or nullptr.
  const ExtractedValue* Find(std::string_view path) const;
};

// Validates like ValidateAnnotation (same errors) and, when valid, returns
// the extraction. Allocates; meant for projections, not the append path.
StatusOr<ExtractedValues> ExtractAnnotationValues(
    const TaskSchema& schema, const RecordShape& record,
    std::string_view annotation_id, std::string_view values_json);

// ExtractAnnotationValues into `*out` (not null), reusing its storage: the
// entries already in out->values are overwritten in place, so their strings
// keep their capacity, and a caller that extracts many annotations into one
// ExtractedValues allocates only while the values grow. Returns the same
// status as ExtractAnnotationValues; on OK `*out` holds exactly what it
// would return, on error its values are unspecified.
Status ExtractAnnotationValuesInto(const TaskSchema& schema,
                                   const RecordShape& record,
                                   std::string_view annotation_id,
                                   std::string_view values_json,
                                   ExtractedValues* out);

// Number of Unicode code points in `utf8`, or nullopt if it is not valid
// UTF-8 (overlong forms, surrogates and values above U+10FFFF are invalid).
std::optional<size_t> CountCodePoints(std::string_view utf8);

}  // namespace consilium::schemas

#endif  // CONSILIUM_SCHEMAS_ANNOTATION_VALIDATOR_H_
