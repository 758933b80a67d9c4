#include "schemas/schema_diff.h"

#include <gtest/gtest.h>

#include <string>

#include "schemas/task_schema.h"
#include "tests/testing/files.h"

namespace consilium::schemas {
namespace {

std::string ReadExample(const std::string& name) {
  return testing::ReadFile(testing::ExamplePath(name));
}

TaskSchema MustParse(const std::string& json) {
  StatusOr<TaskSchema> s = TaskSchema::Parse(json);
  EXPECT_EQ(s.status().code(), StatusCode::kOk) << s.status().message();
  return std::move(s).value();
}

const std::string kV1 = R"({
  "id": "dx", "version": 1, "title": "Diagnosis",
  "fields": [
    {"name": "dx", "type": "categorical", "layer": "interpretive",
     "code_system": "icd10", "categories": ["J18.9", "I50.9", "J80"]},
    {"name": "temp", "type": "numeric", "layer": "descriptive", "min": 30, "max": 43},
    {"name": "old_note", "type": "text", "layer": "interpretive"},
    {"name": "findings", "type": "list", "layer": "descriptive", "fields": [
      {"name": "what", "type": "text"},
      {"name": "where", "type": "text_span"}]},
    {"name": "sev", "type": "ordinal", "layer": "interpretive", "levels": ["mild", "severe"]}
  ]})";

const std::string kV2 = R"json({
  "id": "dx", "version": 2, "parent": 1, "changelog": "adds confidence",
  "title": "Diagnosis (reasoning)",
  "fields": [
    {"name": "dx", "type": "categorical", "layer": "interpretive", "required": true,
     "code_system": "icd10", "categories": ["J18.9", "I50.9", "J81.0"]},
    {"name": "temp", "type": "numeric", "layer": "descriptive", "min": 30, "max": 44,
     "metric": "ratio"},
    {"name": "findings", "type": "list", "layer": "descriptive", "max_items": 5, "fields": [
      {"name": "what", "type": "text"},
      {"name": "where", "type": "text_span", "layer": "interpretive"}]},
    {"name": "sev", "type": "ordinal", "layer": "interpretive", "levels": ["mild", "moderate", "severe"]},
    {"name": "confidence", "type": "confidence", "layer": "interpretive", "required": true}
  ]})json";

TEST(SchemaDiff, IdenticalSchemasHaveNoDifferences) {
  TaskSchema a = MustParse(ReadExample("dx-reasoning.json"));
  SchemaDiff d = Diff(a, a);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(RenderText(d),
            "schema diff dx-reasoning@1 -> dx-reasoning@1\nno differences\n");
}

TEST(SchemaDiff, ListsAddedRemovedAndChangedFieldsByPath) {
  SchemaDiff d = Diff(MustParse(kV1), MustParse(kV2));
  EXPECT_EQ(d.from, "dx@1");
  EXPECT_EQ(d.to, "dx@2");
  ASSERT_EQ(d.header.size(), 1u);
  EXPECT_EQ(d.header[0], (AspectChange{"title", "\"Diagnosis\"",
                                       "\"Diagnosis (reasoning)\""}));
  ASSERT_EQ(d.fields.size(), 7u);
  EXPECT_EQ(d.fields[0].path, "confidence");
  EXPECT_EQ(d.fields[0].kind, FieldChange::Kind::kAdded);
  EXPECT_EQ(d.fields[0].summary, "confidence, interpretive, required");
  EXPECT_EQ(d.fields[1].path, "dx");
  EXPECT_EQ(d.fields[1].kind, FieldChange::Kind::kChanged);
  EXPECT_EQ(d.fields[1].changes,
            (std::vector<AspectChange>{{"required", "false", "true"},
                                       {"categories added", "", "J81.0"},
                                       {"categories removed", "", "J80"}}));
  EXPECT_EQ(d.fields[2].path, "findings");
  EXPECT_EQ(d.fields[2].changes,
            (std::vector<AspectChange>{{"items", "[0, *]", "[0, 5]"}}));
  EXPECT_EQ(d.fields[3].path, "findings[].where");
  EXPECT_EQ(
      d.fields[3].changes,
      (std::vector<AspectChange>{{"layer", "descriptive", "interpretive"}}));
  EXPECT_EQ(d.fields[4].path, "old_note");
  EXPECT_EQ(d.fields[4].kind, FieldChange::Kind::kRemoved);
  EXPECT_EQ(d.fields[5].path, "sev");
  EXPECT_EQ(d.fields[5].changes,
            (std::vector<AspectChange>{
                {"levels", "mild, severe", "mild, moderate, severe"}}));
  EXPECT_EQ(d.fields[6].path, "temp");
  EXPECT_EQ(d.fields[6].changes,
            (std::vector<AspectChange>{{"metric", "interval", "ratio"},
                                       {"range", "[30, 43]", "[30, 44]"}}));

  EXPECT_EQ(RenderText(d),
            "schema diff dx@1 -> dx@2\n"
            "~ title: \"Diagnosis\" -> \"Diagnosis (reasoning)\"\n"
            "+ confidence (confidence, interpretive, required)\n"
            "~ dx: required: false -> true; categories added: J81.0; "
            "categories removed: J80\n"
            "~ findings: items: [0, *] -> [0, 5]\n"
            "~ findings[].where: layer: descriptive -> interpretive\n"
            "- old_note (text, interpretive, optional)\n"
            "~ sev: levels: mild, severe -> mild, moderate, severe\n"
            "~ temp: metric: interval -> ratio; range: [30, 43] -> [30, 44]\n");
}

TEST(SchemaDiff, TypeChangeComparesOnlySharedAspects) {
  TaskSchema a =
      MustParse(R"({"id": "t", "version": 1, "title": "T", "fields": [
      {"name": "x", "type": "categorical", "layer": "descriptive", "categories": ["a", "b"]}]})");
  TaskSchema b =
      MustParse(R"({"id": "t", "version": 2, "parent": 1, "changelog": "multi",
      "title": "T", "fields": [
      {"name": "x", "type": "multi_categorical", "layer": "descriptive", "categories": ["a", "b", "c"]}]})");
  SchemaDiff d = Diff(a, b);
  ASSERT_EQ(d.fields.size(), 1u);
  EXPECT_EQ(
      d.fields[0].changes,
      (std::vector<AspectChange>{{"type", "categorical", "multi_categorical"},
                                 {"metric", "nominal", "set_jaccard"},
                                 {"categories added", "", "c"}}));

  TaskSchema c =
      MustParse(R"({"id": "t", "version": 3, "parent": 2, "changelog": "text",
      "title": "T", "fields": [{"name": "x", "type": "text", "layer": "descriptive"}]})");
  d = Diff(b, c);
  ASSERT_EQ(d.fields.size(), 1u);
  EXPECT_EQ(d.fields[0].changes,
            (std::vector<AspectChange>{{"type", "multi_categorical", "text"},
                                       {"metric", "set_jaccard", "none"}}));
}

TEST(SchemaDiff, RemovedListReportsItsDescendants) {
  TaskSchema a = MustParse(ReadExample("dx-reasoning.json"));
  std::string doc = ReadExample("dx-reasoning.json");
  // Drop the differential list.
  const size_t start = doc.find(R"(    {
      "name": "differential")");
  const size_t end = doc.find(R"(    {
      "name": "confidence")");
  ASSERT_NE(start, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  doc.erase(start, end - start);
  TaskSchema b = MustParse(doc);
  SchemaDiff d = Diff(a, b);
  ASSERT_EQ(d.fields.size(), 3u);
  EXPECT_EQ(d.fields[0].path, "differential");
  EXPECT_EQ(d.fields[1].path, "differential[].alternative");
  EXPECT_EQ(d.fields[2].path, "differential[].excluded_because");
  for (const FieldChange& f : d.fields) {
    EXPECT_EQ(f.kind, FieldChange::Kind::kRemoved);
  }
  EXPECT_EQ(d.fields[2].summary, "text, interpretive, required");
}

TEST(SchemaDiff, CategoryLabelsUnitsAndShapes) {
  TaskSchema a =
      MustParse(R"({"id": "t", "version": 1, "title": "T", "fields": [
      {"name": "c", "type": "categorical", "layer": "descriptive",
       "categories": [{"code": "a", "label": "Alpha"}]},
      {"name": "n", "type": "numeric", "layer": "descriptive", "unit": "mm"},
      {"name": "r", "type": "image_region", "layer": "descriptive"}]})");
  TaskSchema b =
      MustParse(R"({"id": "t", "version": 2, "parent": 1, "changelog": "x",
      "title": "T", "fields": [
      {"name": "c", "type": "categorical", "layer": "descriptive",
       "categories": [{"code": "a", "label": "Alpha 1"}]},
      {"name": "n", "type": "numeric", "layer": "descriptive", "unit": "cm", "integer": true},
      {"name": "r", "type": "image_region", "layer": "descriptive", "shapes": ["polygon"]}]})");
  EXPECT_EQ(RenderText(Diff(a, b)),
            "schema diff t@1 -> t@2\n"
            "~ c: category label: a: \"Alpha\" -> a: \"Alpha 1\"\n"
            "~ n: unit: \"mm\" -> \"cm\"; integer: false -> true\n"
            "~ r: shapes: box, polygon -> polygon\n");
}

}  // namespace
}  // namespace consilium::schemas
