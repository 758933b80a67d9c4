// Annotation task schemas: the JSON language in which an admin declares the
// fields a physician fills in (diagnosis, findings with evidence anchors,
// differential, confidence, ...), parsed into an immutable TaskSchema.
//
// The format, every type, key, default and error message is specified in
// docs/schema-language.md; the examples live in schemas/examples/.
//
// Thread-safety: TaskSchema is immutable after Parse; share one instance
// between threads freely. Parse itself is reentrant.
//
//   StatusOr<TaskSchema> schema = TaskSchema::Parse(file_bytes);
//   if (!schema.ok()) return schema.status();   // InvalidArgument, e.g.
//   // field "differential[].excluded_because": unknown type "txt"
//   std::cout << schema->Ref();                  // "dx-reasoning@3"
//   const Field* f = schema->FindField("differential[].alternative");
#ifndef CONSILIUM_SCHEMAS_TASK_SCHEMA_H_
#define CONSILIUM_SCHEMAS_TASK_SCHEMA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace consilium::schemas {

// What a field holds. The JSON spelling is given by FieldTypeName.
enum class FieldType {
  kCategorical,       // "categorical": one category
  kMultiCategorical,  // "multi_categorical": a set of categories
  kOrdinal,           // "ordinal": one of ordered levels
  kNumeric,           // "numeric": a finite number with unit and range
  kBoolean,           // "boolean"
  kText,              // "text": free text
  kList,              // "list": a list of structured items
  kGroup,             // "group": a nested object
  kTextSpan,          // "text_span": evidence anchor into the record text
  kImageRegion,       // "image_region": bounding box or polygon on an image
  kConfidence,        // "confidence": probability or ordinal scale
};

// The annotation layer a field belongs to (field guide, section 04).
enum class Layer { kDescriptive, kInterpretive };

// The agreement metric the projections use for a field. kNone for free text
// and containers.
enum class Metric {
  kNone,
  kNominal,
  kOrdinal,
  kInterval,
  kRatio,
  kSetJaccard,
  kIou,
  kSpanOverlap,
};

// Binding of a (multi_)categorical field. kNone: a closed list of plain
// categories. kLocal: a closed local code list. kIcd10 / kSnomedCt: codes of
// that system, syntax-checked; the list may be open-ended (Field::open).
enum class CodeSystem { kNone, kLocal, kIcd10, kSnomedCt };

enum class ConfidenceScale { kProbability, kOrdinal };

// Spellings used in the JSON format and in messages ("multi_categorical",
// "interpretive", "set_jaccard", "icd10", "probability").
std::string_view FieldTypeName(FieldType type);
std::string_view LayerName(Layer layer);
std::string_view MetricName(Metric metric);
std::string_view CodeSystemName(CodeSystem system);
std::string_view ConfidenceScaleName(ConfidenceScale scale);

// One entry of a categories list: the value stored in annotations (`code`)
// and an optional human label.
struct Category {
  std::string code;
  std::string label;

  friend bool operator==(const Category&, const Category&) = default;
};

// One field of a schema. A plain struct: which members are meaningful depends
// on `type` (documented per member); the others keep their defaults.
struct Field {
  std::string name;  // [a-z][a-z0-9_]{0,63}
  // Schema path: names joined by '.', "[]" after a list
  // ("differential[].excluded_because").
  std::string path;
  FieldType type = FieldType::kText;
  std::string description;
  bool required = false;
  Layer layer = Layer::kInterpretive;  // inherited from the parent if omitted
  Metric metric = Metric::kNone;       // the type's default if omitted

  // kCategorical, kMultiCategorical.
  CodeSystem code_system = CodeSystem::kNone;
  bool open = false;  // icd10/snomedct only: any valid code is accepted
  std::vector<Category> categories;

  // kOrdinal, and kConfidence with scale kOrdinal: lowest level first.
  std::vector<std::string> levels;

  // kNumeric.
  std::string unit;
  std::optional<double> min;
  std::optional<double> max;
  bool integer = false;

  // kText: maximum length in Unicode code points.
  uint32_t max_length = 0;

  // kList (items) and kMultiCategorical (selected categories).
  uint32_t min_items = 0;
  std::optional<uint32_t> max_items;

  // kList: the fields of each item; kGroup: the nested fields.
  std::vector<Field> fields;

  // kImageRegion: which shapes are accepted.
  bool allow_box = true;
  bool allow_polygon = true;

  // kConfidence.
  ConfidenceScale scale = ConfidenceScale::kProbability;

  // Position of `code` in `categories`, or -1.
  int FindCategory(std::string_view code) const;
  // Position of `level` in `levels`, or -1.
  int FindLevel(std::string_view level) const;
  // The direct child (of a list or group) named `child`, or nullptr.
  const Field* FindChild(std::string_view child) const;
};

// Limits that bound the work any schema can cause (documented in
// docs/schema-language.md).
inline constexpr size_t kMaxSchemaBytes = 1 << 20;
inline constexpr int kMaxFieldDepth = 8;  // nested lists/groups
inline constexpr size_t kMaxFieldsPerLevel = 256;
inline constexpr size_t kMaxCategories = 10000;
inline constexpr uint32_t kDefaultTextMaxLength = 4000;
inline constexpr uint32_t kMaxTextMaxLength = 1000000;

// A parsed, validated task schema. Immutable; copyable.
class TaskSchema {
 public:
  // Parses and validates one schema document (UTF-8 JSON).
  // Returns InvalidArgument naming the field path and the rule broken, e.g.
  //   field "differential[].excluded_because": unknown type "txt"
  //   schema: "version" is required
  // Never throws; never returns any other code.
  static StatusOr<TaskSchema> Parse(std::string_view json);

  const std::string& id() const { return id_; }
  int64_t version() const { return version_; }
  // The version this one derives from; empty for version 1.
  std::optional<int64_t> parent() const { return parent_; }
  const std::string& changelog() const { return changelog_; }
  const std::string& title() const { return title_; }
  const std::string& description() const { return description_; }
  const std::vector<Field>& fields() const { return fields_; }

  // "dx-reasoning@3": how messages and the CLI name a schema version.
  std::string Ref() const;

  // The field at schema path `path` ("key_findings[].evidence"), or nullptr.
  // The pointer lives as long as this TaskSchema.
  const Field* FindField(std::string_view path) const;

  // The top-level field named `name`, or nullptr.
  const Field* FindTopLevel(std::string_view name) const;

  // Pre-order walk over every field (parents before children).
  template <typename Fn>
  void ForEachField(Fn&& fn) const {
    for (const Field& f : fields_) Walk(f, fn);
  }

 private:
  friend class TaskSchemaParser;
  TaskSchema() = default;

  template <typename Fn>
  static void Walk(const Field& f, Fn& fn) {
    fn(f);
    for (const Field& c : f.fields) Walk(c, fn);
  }

  std::string id_;
  int64_t version_ = 0;
  std::optional<int64_t> parent_;
  std::string changelog_;
  std::string title_;
  std::string description_;
  std::vector<Field> fields_;
};

// Syntax checks for bound codes, exposed for the validator and tests.
// ICD-10-CM style: letter, digit, digit-or-letter, then optionally '.' and
// 1-4 of [0-9A-Z] ("J18.9", "C4A.0", "S72.001A", "U07.1"); upper case only.
bool IsValidIcd10Code(std::string_view code);
// SNOMED CT concept id: 6-18 digits, no leading zero, partition identifier
// 00 or 10 (a concept), valid Verhoeff check digit ("233604007").
bool IsValidSnomedCtConceptId(std::string_view id);

}  // namespace consilium::schemas

#endif  // CONSILIUM_SCHEMAS_TASK_SCHEMA_H_
