#include "schemas/task_schema.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/testing/files.h"

namespace consilium::schemas {
namespace {

using ::consilium::testing::ExamplePath;
using ::consilium::testing::ReadFile;

// A version-1 schema around one top-level field given as JSON.
std::string OneField(const std::string& field) {
  return R"({"id": "t", "version": 1, "title": "T", "fields": [)" + field +
         "]}";
}

Status ParseError(const std::string& json) {
  StatusOr<TaskSchema> s = TaskSchema::Parse(json);
  if (s.ok()) return OkStatus();
  return s.status();
}

void ExpectInvalid(const std::string& json, const std::string& message) {
  Status s = ParseError(json);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << json;
  EXPECT_EQ(s.message(), message) << json;
}

TEST(TaskSchemaExamples, DxReasoningParses) {
  StatusOr<TaskSchema> s =
      TaskSchema::Parse(ReadFile(ExamplePath("dx-reasoning.json")));
  ASSERT_EQ(s.status().code(), StatusCode::kOk) << s.status().message();
  EXPECT_EQ(s->id(), "dx-reasoning");
  EXPECT_EQ(s->version(), 1);
  EXPECT_EQ(s->Ref(), "dx-reasoning@1");
  EXPECT_FALSE(s->parent().has_value());
  ASSERT_EQ(s->fields().size(), 5u);

  const Field* dx = s->FindField("primary_diagnosis");
  ASSERT_NE(dx, nullptr);
  EXPECT_EQ(dx->type, FieldType::kCategorical);
  EXPECT_EQ(dx->code_system, CodeSystem::kIcd10);
  EXPECT_TRUE(dx->open);
  EXPECT_TRUE(dx->required);
  EXPECT_EQ(dx->layer, Layer::kInterpretive);
  EXPECT_EQ(dx->metric, Metric::kNominal);
  EXPECT_EQ(dx->FindCategory("J18.9"), 0);
  EXPECT_EQ(dx->categories[0].label, "Pneumonia, unspecified organism");

  const Field* span = s->FindField("key_findings[].evidence[].span");
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(span->path, "key_findings[].evidence[].span");
  EXPECT_EQ(span->type, FieldType::kTextSpan);
  EXPECT_EQ(span->layer, Layer::kDescriptive);  // inherited two levels down
  EXPECT_EQ(span->metric, Metric::kSpanOverlap);

  const Field* because = s->FindField("differential[].excluded_because");
  ASSERT_NE(because, nullptr);
  EXPECT_EQ(because->type, FieldType::kText);
  EXPECT_EQ(because->metric, Metric::kNone);
  EXPECT_EQ(because->max_length, 1000u);

  const Field* conf = s->FindField("confidence");
  ASSERT_NE(conf, nullptr);
  EXPECT_EQ(conf->scale, ConfidenceScale::kProbability);
  EXPECT_EQ(conf->metric, Metric::kInterval);

  const Field* list = s->FindField("key_findings");
  ASSERT_NE(list, nullptr);
  EXPECT_EQ(list->min_items, 1u);
  EXPECT_EQ(list->max_items, 20u);
}

TEST(TaskSchemaExamples, ChestImagingParses) {
  StatusOr<TaskSchema> s =
      TaskSchema::Parse(ReadFile(ExamplePath("chest-imaging.json")));
  ASSERT_EQ(s.status().code(), StatusCode::kOk) << s.status().message();
  EXPECT_EQ(s->Ref(), "chest-imaging@1");
  const Field* region = s->FindField("findings[].region");
  ASSERT_NE(region, nullptr);
  EXPECT_EQ(region->metric, Metric::kIou);
  EXPECT_TRUE(region->allow_box);
  EXPECT_TRUE(region->allow_polygon);
  EXPECT_EQ(region->layer, Layer::kDescriptive);
  const Field* size = s->FindField("findings[].size_mm");
  ASSERT_NE(size, nullptr);
  EXPECT_EQ(size->metric, Metric::kRatio);
  EXPECT_EQ(size->unit, "mm");
  EXPECT_EQ(size->min, 0.0);
  EXPECT_EQ(size->max, 500.0);
  const Field* impression = s->FindField("impression");
  ASSERT_NE(impression, nullptr);
  EXPECT_EQ(impression->code_system, CodeSystem::kSnomedCt);
  EXPECT_FALSE(impression->open);
  EXPECT_EQ(impression->layer, Layer::kInterpretive);
  const Field* conf = s->FindField("impression_confidence");
  ASSERT_NE(conf, nullptr);
  EXPECT_EQ(conf->scale, ConfidenceScale::kOrdinal);
  EXPECT_EQ(conf->metric, Metric::kOrdinal);
  EXPECT_EQ(conf->levels.size(), 3u);
  const Field* none = s->FindField("no_acute_findings");
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->metric, Metric::kNominal);
  EXPECT_FALSE(none->required);
}

TEST(TaskSchemaExamples, IcuSeverityParses) {
  StatusOr<TaskSchema> s =
      TaskSchema::Parse(ReadFile(ExamplePath("icu-severity.json")));
  ASSERT_EQ(s.status().code(), StatusCode::kOk) << s.status().message();
  ASSERT_EQ(s->fields().size(), 1u);
  const Field& f = s->fields()[0];
  EXPECT_EQ(f.type, FieldType::kOrdinal);
  EXPECT_EQ(f.metric, Metric::kOrdinal);
  EXPECT_EQ(f.FindLevel("stable"), 0);
  EXPECT_EQ(f.FindLevel("critical"), 3);
  EXPECT_EQ(f.FindLevel("dead"), -1);
}

TEST(TaskSchemaParse, EveryTypeHasItsDefaultMetric) {
  struct Case {
    std::string field;
    FieldType type;
    Metric metric;
  };
  const Case cases[] = {
      {R"("type": "categorical", "categories": ["a", "b"])",
       FieldType::kCategorical, Metric::kNominal},
      {R"("type": "multi_categorical", "categories": ["a", "b"])",
       FieldType::kMultiCategorical, Metric::kSetJaccard},
      {R"("type": "ordinal", "levels": ["lo", "hi"])", FieldType::kOrdinal,
       Metric::kOrdinal},
      {R"("type": "numeric", "unit": "mmHg")", FieldType::kNumeric,
       Metric::kInterval},
      {R"("type": "boolean")", FieldType::kBoolean, Metric::kNominal},
      {R"("type": "text")", FieldType::kText, Metric::kNone},
      {R"("type": "list", "fields": [{"name": "a", "type": "boolean"}])",
       FieldType::kList, Metric::kNone},
      {R"("type": "group", "fields": [{"name": "a", "type": "boolean"}])",
       FieldType::kGroup, Metric::kNone},
      {R"("type": "text_span")", FieldType::kTextSpan, Metric::kSpanOverlap},
      {R"("type": "image_region")", FieldType::kImageRegion, Metric::kIou},
      {R"("type": "confidence")", FieldType::kConfidence, Metric::kInterval},
      {R"("type": "confidence", "scale": "ordinal", "levels": ["lo", "hi"])",
       FieldType::kConfidence, Metric::kOrdinal},
  };
  for (const Case& c : cases) {
    StatusOr<TaskSchema> s = TaskSchema::Parse(
        OneField(R"({"name": "f", "layer": "descriptive", )" + c.field + "}"));
    ASSERT_EQ(s.status().code(), StatusCode::kOk)
        << c.field << ": " << s.status().message();
    EXPECT_EQ(s->fields()[0].type, c.type) << c.field;
    EXPECT_EQ(s->fields()[0].metric, c.metric) << c.field;
    EXPECT_EQ(s->fields()[0].layer, Layer::kDescriptive);
    EXPECT_FALSE(s->fields()[0].required);
  }
}

TEST(TaskSchemaParse, TextDefaultsToMaxLength4000) {
  StatusOr<TaskSchema> s = TaskSchema::Parse(
      OneField(R"({"name": "note", "type": "text", "layer": "descriptive"})"));
  ASSERT_EQ(s.status().code(), StatusCode::kOk);
  EXPECT_EQ(s->fields()[0].max_length, kDefaultTextMaxLength);
}

TEST(TaskSchemaParse, MetricsThatFitTheirTypeAreAccepted) {
  const std::string fits[] = {
      R"("type": "numeric", "min": 0, "metric": "ratio")",
      R"("type": "numeric", "metric": "interval")",
      R"("type": "ordinal", "levels": ["a", "b"], "metric": "nominal")",
      R"("type": "confidence", "metric": "ratio")",
      R"("type": "boolean", "metric": "nominal")",
      R"("type": "multi_categorical", "categories": ["a"], "metric": "set_jaccard")",
      R"("type": "image_region", "metric": "iou")",
      R"("type": "text_span", "metric": "span_overlap")",
  };
  for (const std::string& f : fits) {
    Status s = ParseError(
        OneField(R"({"name": "f", "layer": "descriptive", )" + f + "}"));
    EXPECT_EQ(s.code(), StatusCode::kOk) << f << ": " << s.message();
  }
}

TEST(TaskSchemaParse, MetricThatDoesNotFitIsRejected) {
  ExpectInvalid(
      OneField(
          R"({"name": "temp", "type": "numeric", "layer": "descriptive", "metric": "iou"})"),
      R"(field "temp": metric "iou" does not fit type "numeric" (allowed: interval, ratio))");
  ExpectInvalid(
      OneField(
          R"({"name": "dx", "type": "categorical", "categories": ["a"], "layer": "descriptive", "metric": "set_jaccard"})"),
      R"(field "dx": metric "set_jaccard" does not fit type "categorical" (allowed: nominal))");
  ExpectInvalid(
      OneField(
          R"({"name": "why", "type": "text", "layer": "descriptive", "metric": "nominal"})"),
      R"(field "why": metric "nominal" does not fit type "text" (it takes no metric))");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "confidence", "scale": "ordinal", "levels": ["lo", "hi"], "layer": "descriptive", "metric": "interval"})"),
      R"(field "c": metric "interval" does not fit type "confidence" (allowed: ordinal))");
  ExpectInvalid(
      OneField(
          R"({"name": "box", "type": "image_region", "layer": "descriptive", "metric": "span_overlap"})"),
      R"(field "box": metric "span_overlap" does not fit type "image_region" (allowed: iou))");
  ExpectInvalid(
      OneField(
          R"({"name": "n", "type": "numeric", "layer": "descriptive", "metric": "ratio"})"),
      R"(field "n": metric "ratio" requires "min" >= 0)");
  ExpectInvalid(
      OneField(
          R"({"name": "n", "type": "numeric", "layer": "descriptive", "metric": "kappa"})"),
      R"(field "n": unknown metric "kappa")");
}

TEST(TaskSchemaParse, UnknownTypeNamesTheNestedPath) {
  const std::string doc = R"({"id": "dx-reasoning", "version": 1, "title": "T",
    "fields": [{"name": "differential", "type": "list", "layer": "interpretive",
      "fields": [{"name": "alternative", "type": "categorical", "code_system": "icd10", "open": true},
                 {"name": "excluded_because", "type": "txt"}]}]})";
  ExpectInvalid(
      doc, R"(field "differential[].excluded_because": unknown type "txt")");
}

TEST(TaskSchemaParse, UnknownKeysAreRejected) {
  ExpectInvalid(R"({"id": "t", "version": 1, "title": "T", "colour": "red",
                    "fields": [{"name": "a", "type": "boolean", "layer": "descriptive"}]})",
                R"(schema: unknown key "colour")");
  ExpectInvalid(
      OneField(
          R"({"name": "n", "type": "numeric", "layer": "descriptive", "levels": ["a", "b"]})"),
      R"(field "n": unknown key "levels" for type "numeric")");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "categorical", "layer": "descriptive", "categories": [{"code": "a", "lable": "A"}]})"),
      R"(field "c": unknown key "lable" in a category)");
}

TEST(TaskSchemaParse, DuplicateFieldNamesAreRejected) {
  ExpectInvalid(
      R"({"id": "t", "version": 1, "title": "T", "fields": [
           {"name": "a", "type": "boolean", "layer": "descriptive"},
           {"name": "a", "type": "text", "layer": "descriptive"}]})",
      R"(field "a": duplicate field name)");
  ExpectInvalid(
      OneField(
          R"({"name": "g", "type": "group", "layer": "descriptive", "fields": [
           {"name": "x", "type": "boolean"}, {"name": "x", "type": "boolean"}]})"),
      R"(field "g.x": duplicate field name)");
}

TEST(TaskSchemaParse, DuplicateJsonKeysAreRejected) {
  ExpectInvalid(
      OneField(
          R"({"name": "a", "name": "b", "type": "boolean", "layer": "descriptive"})"),
      R"(schema: duplicate key "name")");
}

TEST(TaskSchemaParse, CategoriesRules) {
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "categorical", "layer": "descriptive", "categories": []})"),
      R"(field "c": empty categories)");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "categorical", "layer": "descriptive"})"),
      R"(field "c": "categories" is required)");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "multi_categorical", "layer": "descriptive", "categories": ["a", "b", "a"]})"),
      R"(field "c": duplicate category "a")");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "categorical", "layer": "descriptive", "categories": ["a"], "open": true})"),
      R"(field "c": "open" requires "code_system" "icd10" or "snomedct")");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "categorical", "layer": "descriptive", "code_system": "icd10", "categories": ["J18.9", "J189"]})"),
      R"(field "c": invalid ICD-10 code "J189")");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "categorical", "layer": "descriptive", "code_system": "snomedct", "categories": ["233604008"]})"),
      R"(field "c": invalid SNOMED CT concept id "233604008")");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "categorical", "layer": "descriptive", "code_system": "loinc", "categories": ["a"]})"),
      R"(field "c": "code_system" must be "icd10", "snomedct" or "local")");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "multi_categorical", "layer": "descriptive", "categories": ["a", "b"], "min_items": 3})"),
      R"(field "c": min_items 3 exceeds the 2 categories)");
  // Open-ended bound lists need no categories at all.
  EXPECT_EQ(
      ParseError(
          OneField(
              R"({"name": "c", "type": "categorical", "layer": "descriptive", "code_system": "snomedct", "open": true})"))
          .code(),
      StatusCode::kOk);
}

TEST(TaskSchemaParse, RangeAndCountRules) {
  ExpectInvalid(
      OneField(
          R"({"name": "temp", "type": "numeric", "layer": "descriptive", "min": 10, "max": 5})"),
      R"(field "temp": min 10 > max 5)");
  ExpectInvalid(
      OneField(
          R"({"name": "temp", "type": "numeric", "layer": "descriptive", "min": "0"})"),
      R"(field "temp": "min" must be a number)");
  ExpectInvalid(
      OneField(
          R"({"name": "l", "type": "list", "layer": "descriptive", "min_items": 3, "max_items": 2, "fields": [{"name": "a", "type": "boolean"}]})"),
      R"(field "l": min_items 3 > max_items 2)");
  ExpectInvalid(
      OneField(
          R"({"name": "l", "type": "list", "layer": "descriptive", "max_items": 0, "fields": [{"name": "a", "type": "boolean"}]})"),
      R"(field "l": "max_items" must be at least 1)");
  ExpectInvalid(
      OneField(
          R"({"name": "t", "type": "text", "layer": "descriptive", "max_length": 0})"),
      R"(field "t": "max_length" must be an integer in [1, 1000000])");
  ExpectInvalid(
      OneField(
          R"({"name": "l", "type": "list", "layer": "descriptive", "fields": []})"),
      R"(field "l": "fields" must be a non-empty array)");
}

TEST(TaskSchemaParse, LevelsAndScaleRules) {
  ExpectInvalid(
      OneField(
          R"({"name": "o", "type": "ordinal", "layer": "descriptive", "levels": ["only"]})"),
      R"(field "o": "levels" must be an array of at least 2 strings)");
  ExpectInvalid(
      OneField(
          R"({"name": "o", "type": "ordinal", "layer": "descriptive", "levels": ["a", "b", "a"]})"),
      R"(field "o": duplicate level "a")");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "confidence", "layer": "descriptive", "levels": ["a", "b"]})"),
      R"(field "c": "levels" requires "scale": "ordinal")");
  ExpectInvalid(
      OneField(
          R"({"name": "c", "type": "confidence", "layer": "descriptive", "scale": "percent"})"),
      R"(field "c": "scale" must be "probability" or "ordinal")");
  ExpectInvalid(
      OneField(
          R"({"name": "r", "type": "image_region", "layer": "descriptive", "shapes": ["circle"]})"),
      R"(field "r": "shapes" entries must be "box" or "polygon")");
  ExpectInvalid(
      OneField(
          R"({"name": "r", "type": "image_region", "layer": "descriptive", "shapes": ["box", "box"]})"),
      R"(field "r": duplicate shape "box")");
}

TEST(TaskSchemaParse, LayerIsRequiredAtTopLevelAndInheritedBelow) {
  ExpectInvalid(OneField(R"({"name": "b", "type": "boolean"})"),
                R"(field "b": "layer" is required on top-level fields)");
  ExpectInvalid(
      OneField(R"({"name": "b", "type": "boolean", "layer": "clinical"})"),
      R"(field "b": "layer" must be "descriptive" or "interpretive")");
  StatusOr<TaskSchema> s = TaskSchema::Parse(OneField(
      R"({"name": "g", "type": "group", "layer": "descriptive", "fields": [
            {"name": "seen", "type": "boolean"},
            {"name": "meaning", "type": "boolean", "layer": "interpretive"}]})"));
  ASSERT_EQ(s.status().code(), StatusCode::kOk) << s.status().message();
  EXPECT_EQ(s->FindField("g.seen")->layer, Layer::kDescriptive);
  EXPECT_EQ(s->FindField("g.meaning")->layer, Layer::kInterpretive);
}

TEST(TaskSchemaParse, HeaderRules) {
  const std::string fields =
      R"("fields": [{"name": "a", "type": "boolean", "layer": "descriptive"}])";
  ExpectInvalid(R"({"id": "t", "title": "T", )" + fields + "}",
                R"(schema: "version" is required)");
  ExpectInvalid(R"({"id": "t", "version": 0, "title": "T", )" + fields + "}",
                R"(schema: "version" must be a positive integer)");
  ExpectInvalid(R"({"id": "t", "version": "2", "title": "T", )" + fields + "}",
                R"(schema: "version" must be a positive integer)");
  ExpectInvalid(R"({"id": "t", "version": 1.0, "title": "T", )" + fields + "}",
                R"(schema: "version" must be a positive integer)");
  ExpectInvalid(R"({"version": 1, "title": "T", )" + fields + "}",
                R"(schema: "id" is required)");
  for (const char* bad : {"Dx", "dx reasoning", "dx-", "1dx", "", "dx_r"}) {
    ExpectInvalid(R"({"id": ")" + std::string(bad) +
                      R"(", "version": 1, "title": "T", )" + fields + "}",
                  "schema: invalid \"id\" (want [a-z][a-z0-9-]*, at most 64 "
                  "characters, not ending in '-')");
  }
  ExpectInvalid(
      R"({"id": "t", "version": 2, "title": "T", "changelog": "x", )" + fields +
          "}",
      R"(schema: "parent" is required when "version" > 1)");
  ExpectInvalid(
      R"({"id": "t", "version": 2, "parent": 2, "changelog": "x", "title": "T", )" +
          fields + "}",
      R"(schema: "parent" must be lower than "version")");
  ExpectInvalid(
      R"({"id": "t", "version": 2, "parent": 1, "title": "T", )" + fields + "}",
      R"(schema: "changelog" is required when "version" > 1)");
  ExpectInvalid(R"({"id": "t", "version": 1, )" + fields + "}",
                R"(schema: "title" is required)");
  ExpectInvalid(R"({"id": "t", "version": 1, "title": "T", "fields": []})",
                R"(schema: "fields" must be a non-empty array)");
  ExpectInvalid(
      R"({"id": "t", "version": 1, "title": "T", "fields": [{"type": "boolean"}]})",
      R"(schema: fields[0]: "name" is required)");
  ExpectInvalid(
      R"({"id": "t", "version": 1, "title": "T", "fields": [{"name": "Bad", "type": "boolean"}]})",
      R"(schema: fields[0]: invalid "name" (want [a-z][a-z0-9_]*, at most 64 characters))");
  ExpectInvalid(
      R"({"id": "t", "version": 1, "title": "T", "fields": [{"name": "a", "layer": "descriptive"}]})",
      R"(field "a": "type" is required)");

  StatusOr<TaskSchema> v3 = TaskSchema::Parse(
      R"({"id": "dx-reasoning", "version": 3, "parent": 2, "changelog": "adds x", "title": "T", )" +
      fields + "}");
  ASSERT_EQ(v3.status().code(), StatusCode::kOk) << v3.status().message();
  EXPECT_EQ(v3->Ref(), "dx-reasoning@3");
  EXPECT_EQ(v3->parent(), 2);
  EXPECT_EQ(v3->changelog(), "adds x");
}

TEST(TaskSchemaParse, MalformedDocumentsAreInvalidArgument) {
  ExpectInvalid("[1, 2]", "schema: expected a JSON object");
  Status s = ParseError(R"({"id": "t",)");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("schema: invalid JSON at offset ", 0), 0u)
      << s.message();
  s = ParseError(
      OneField(R"({"name": "a", "type": "boolean", "layer": "descriptive"})") +
      " x");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("schema: invalid JSON at offset ", 0), 0u)
      << s.message();
  s = ParseError("");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  // Comments are not JSON.
  s = ParseError(R"({"id": "t" /* c */, "version": 1})");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(TaskSchemaParse, NestingDeeperThanTheLimitIsRejected) {
  std::string inner = R"({"name": "leaf", "type": "boolean"})";
  for (int i = kMaxFieldDepth; i >= 1; --i) {
    inner = R"({"name": "g)" + std::to_string(i) +
            R"(", "type": "group", "fields": [)" + inner + "]}";
  }
  // kMaxFieldDepth groups: accepted once the top one has a layer.
  std::string ok = inner;
  ok.insert(1, R"("layer": "descriptive", )");
  EXPECT_EQ(ParseError(OneField(ok)).code(), StatusCode::kOk);
  std::string deep =
      R"({"name": "g0", "type": "list", "layer": "descriptive", "fields": [)" +
      inner + "]}";
  Status s = ParseError(OneField(deep));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      s.message(),
      R"(field "g0[].g1.g2.g3.g4.g5.g6.g7.g8": nested deeper than 8 lists/groups)");
}

TEST(TaskSchemaFindField, ResolvesPathsWithListMarkers) {
  StatusOr<TaskSchema> s =
      TaskSchema::Parse(ReadFile(ExamplePath("dx-reasoning.json")));
  ASSERT_EQ(s.status().code(), StatusCode::kOk);
  EXPECT_NE(s->FindField("differential"), nullptr);
  EXPECT_NE(s->FindField("differential[].alternative"), nullptr);
  EXPECT_EQ(s->FindField("differential.alternative"), nullptr);
  EXPECT_EQ(s->FindField("confidence[]"), nullptr);
  EXPECT_EQ(s->FindField("nope"), nullptr);
  EXPECT_EQ(s->FindField(""), nullptr);
  EXPECT_EQ(s->FindTopLevel("confidence")->type, FieldType::kConfidence);
  int count = 0;
  s->ForEachField([&](const Field&) { ++count; });
  EXPECT_EQ(count, 10);
}

TEST(CodeSyntax, Icd10) {
  for (const char* ok :
       {"J18.9", "J80", "C4A.0", "S72.001A", "U07.1", "I26.99", "T36.0X1A"}) {
    EXPECT_TRUE(IsValidIcd10Code(ok)) << ok;
  }
  for (const char* bad : {"", "J1", "J189", "j18.9", "J18.", "J18.99999",
                          "18.9", "JJ8.9", "J18-9", "J18.9 ", "J18.a"}) {
    EXPECT_FALSE(IsValidIcd10Code(bad)) << bad;
  }
}

TEST(CodeSyntax, SnomedCtConceptIdsNeedVerhoeffAndConceptPartition) {
  for (const char* ok :
       {"233604007", "84114007", "22298006", "100005", "1234567107"}) {
    EXPECT_TRUE(IsValidSnomedCtConceptId(ok)) << ok;
  }
  for (const char* bad : {"233604008",   // check digit
                          "1234567013",  // partition 01: a description id
                          "10000",       // too short
                          "0233604007",  // leading zero
                          "2336O4007",   // letter O
                          "1234567890123456789"}) {  // 19 digits
    EXPECT_FALSE(IsValidSnomedCtConceptId(bad)) << bad;
  }
}

}  // namespace
}  // namespace consilium::schemas
