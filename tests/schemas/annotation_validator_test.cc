#include "schemas/annotation_validator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schemas/task_schema.h"
#include "tests/testing/files.h"

namespace consilium::schemas {
namespace {

using ::consilium::testing::ExamplePath;
using ::consilium::testing::ReadFile;

TaskSchema MustParse(const std::string& json) {
  StatusOr<TaskSchema> s = TaskSchema::Parse(json);
  EXPECT_EQ(s.status().code(), StatusCode::kOk) << s.status().message();
  return std::move(s).value();
}

RecordShape MustRecord(std::string text, std::vector<ImageShape> images = {}) {
  StatusOr<RecordShape> r =
      RecordShape::Create(std::move(text), std::move(images));
  EXPECT_EQ(r.status().code(), StatusCode::kOk) << r.status().message();
  return std::move(r).value();
}

// A version-1 schema "t" with the given top-level fields (JSON array body).
TaskSchema Schema(const std::string& fields) {
  return MustParse(R"({"id": "t", "version": 1, "title": "T", "fields": [)" +
                   fields + "]}");
}

// The dx-reasoning example republished as version 3.
TaskSchema DxReasoningV3() {
  std::string doc = ReadFile(ExamplePath("dx-reasoning.json"));
  const std::string from = R"("version": 1,)";
  doc.replace(doc.find(from), from.size(),
              R"("version": 3, "parent": 2, "changelog": "test copy",)");
  return MustParse(doc);
}

struct Example {
  TaskSchema schema;
  RecordShape record;
  std::string values;
};

Example LoadExample(const std::string& name) {
  StatusOr<RecordShape> record = RecordShape::FromJson(
      ReadFile(ExamplePath("annotations/" + name + ".record.json")));
  EXPECT_EQ(record.status().code(), StatusCode::kOk)
      << record.status().message();
  return {MustParse(ReadFile(ExamplePath(name + ".json"))),
          std::move(record).value(),
          ReadFile(ExamplePath("annotations/" + name + ".values.json"))};
}

void ExpectError(const TaskSchema& schema, const RecordShape& record,
                 const std::string& values, const std::string& message) {
  Status s = ValidateAnnotation(schema, record, "a-1", values);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << values;
  EXPECT_EQ(s.message(), message) << values;
}

void ExpectOk(const TaskSchema& schema, const RecordShape& record,
              const std::string& values) {
  Status s = ValidateAnnotation(schema, record, "a-1", values);
  EXPECT_EQ(s.code(), StatusCode::kOk) << values << ": " << s.message();
}

// ---------------------------------------------------------------------------
// Examples.
// ---------------------------------------------------------------------------

TEST(AnnotationExamples, EveryExampleAnnotationIsValid) {
  for (const char* name : {"dx-reasoning", "chest-imaging", "icu-severity"}) {
    Example e = LoadExample(name);
    Status s = ValidateAnnotation(e.schema, e.record, "example", e.values);
    EXPECT_EQ(s.code(), StatusCode::kOk) << name << ": " << s.message();
    EXPECT_TRUE(CollectAnnotationErrors(e.schema, e.record, "example", e.values)
                    .empty())
        << name;
  }
}

TEST(AnnotationExamples, DxReasoningExtraction) {
  Example e = LoadExample("dx-reasoning");
  StatusOr<ExtractedValues> ev =
      ExtractAnnotationValues(e.schema, e.record, "a-1", e.values);
  ASSERT_EQ(ev.status().code(), StatusCode::kOk) << ev.status().message();
  EXPECT_EQ(ev->schema_id, "dx-reasoning");
  EXPECT_EQ(ev->schema_version, 1);
  // primary + 4 spans + 2 alternatives + confidence; text has no metric.
  ASSERT_EQ(ev->values.size(), 8u);
  const ExtractedValue* dx = ev->Find("primary_diagnosis");
  ASSERT_NE(dx, nullptr);
  EXPECT_EQ(dx->kind, ValueKind::kCategory);
  EXPECT_EQ(dx->category, "J18.9");
  EXPECT_EQ(dx->metric, Metric::kNominal);
  EXPECT_EQ(dx->layer, Layer::kInterpretive);

  const ExtractedValue* span = ev->Find("key_findings[1].evidence[0].span");
  ASSERT_NE(span, nullptr);
  EXPECT_EQ(span->field_path, "key_findings[].evidence[].span");
  EXPECT_EQ(span->kind, ValueKind::kSpan);
  EXPECT_EQ(span->layer, Layer::kDescriptive);
  EXPECT_EQ(span->metric, Metric::kSpanOverlap);
  // The span's code points are "SpO₂ 89 % on room air" ("₂" is 3 bytes).
  EXPECT_EQ(span->span.end - span->span.start, 21u);

  const ExtractedValue* alt = ev->Find("differential[1].alternative");
  ASSERT_NE(alt, nullptr);
  EXPECT_EQ(alt->category, "I26.99");
  EXPECT_EQ(alt->field_path, "differential[].alternative");

  const ExtractedValue* conf = ev->Find("confidence");
  ASSERT_NE(conf, nullptr);
  EXPECT_EQ(conf->kind, ValueKind::kNumber);
  EXPECT_EQ(conf->number, 0.85);
  EXPECT_EQ(ev->Find("what_would_change"), nullptr);
  EXPECT_EQ(ev->Find("key_findings[0].finding"), nullptr);
}

TEST(AnnotationExamples, ChestImagingExtraction) {
  Example e = LoadExample("chest-imaging");
  StatusOr<ExtractedValues> ev =
      ExtractAnnotationValues(e.schema, e.record, "a-1", e.values);
  ASSERT_EQ(ev.status().code(), StatusCode::kOk) << ev.status().message();
  const ExtractedValue* box = ev->Find("findings[0].region");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->kind, ValueKind::kRegion);
  EXPECT_EQ(box->metric, Metric::kIou);
  EXPECT_TRUE(box->region.is_box);
  EXPECT_EQ(box->region.image, "cxr-pa");
  EXPECT_FALSE(box->region.frame.has_value());
  EXPECT_EQ(box->region.x, 1180);
  EXPECT_EQ(box->region.h, 610);
  const ExtractedValue* poly = ev->Find("findings[1].region");
  ASSERT_NE(poly, nullptr);
  EXPECT_FALSE(poly->region.is_box);
  EXPECT_EQ(poly->region.frame, 87u);
  ASSERT_EQ(poly->region.polygon.size(), 4u);
  EXPECT_EQ(poly->region.polygon[1], (Point{388, 310}));
  const ExtractedValue* sev = ev->Find("findings[0].severity");
  ASSERT_NE(sev, nullptr);
  EXPECT_EQ(sev->kind, ValueKind::kOrdinal);
  EXPECT_EQ(sev->category, "moderate");
  EXPECT_EQ(sev->number, 1);
  const ExtractedValue* size = ev->Find("findings[1].size_mm");
  ASSERT_NE(size, nullptr);
  EXPECT_EQ(size->metric, Metric::kRatio);
  EXPECT_EQ(size->number, 46.5);
  const ExtractedValue* none = ev->Find("no_acute_findings");
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->kind, ValueKind::kCategory);
  EXPECT_EQ(none->category, "false");
  const ExtractedValue* conf = ev->Find("impression_confidence");
  ASSERT_NE(conf, nullptr);
  EXPECT_EQ(conf->kind, ValueKind::kOrdinal);
  EXPECT_EQ(conf->number, 2);
}

// ---------------------------------------------------------------------------
// Messages, required, unknown keys.
// ---------------------------------------------------------------------------

TEST(AnnotationValidator, MissingRequiredFieldInListItemNamesPathAndVersion) {
  TaskSchema schema = DxReasoningV3();
  RecordShape record = MustRecord("Fever and cough.");
  const std::string values = R"({
    "primary_diagnosis": "J18.9",
    "key_findings": [{"finding": "fever", "evidence": [{"span": {"start": 0, "end": 5}}]}],
    "differential": [
      {"alternative": "I50.9", "excluded_because": "normal BNP"},
      {"alternative": "J81.0", "excluded_because": "no edema"},
      {"alternative": "I26.99"}],
    "confidence": 0.7})";
  Status s = ValidateAnnotation(schema, record, "a-17", values);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "annotation a-17: differential[2].excluded_because: required by "
            "dx-reasoning@3");
}

TEST(AnnotationValidator, MissingTopLevelRequiredField) {
  TaskSchema schema = DxReasoningV3();
  RecordShape record = MustRecord("Fever and cough.");
  ExpectError(schema, record,
              R"({"primary_diagnosis": "J18.9", "confidence": 0.7})",
              "annotation a-1: key_findings: required by dx-reasoning@3");
}

TEST(AnnotationValidator, OptionalFieldsMayBeOmittedButNotNull) {
  TaskSchema schema = Schema(
      R"({"name": "a", "type": "boolean", "layer": "descriptive", "required": true},
         {"name": "b", "type": "boolean", "layer": "descriptive"})");
  RecordShape record = MustRecord("");
  ExpectOk(schema, record, R"({"a": true})");
  ExpectOk(schema, record, R"({"a": false, "b": true})");
  ExpectError(schema, record, R"({"a": true, "b": null})",
              "annotation a-1: b: null is not a value; omit the field");
  ExpectError(schema, record, R"({"a": null})",
              "annotation a-1: a: required by t@1");
  ExpectError(schema, record, R"({})", "annotation a-1: a: required by t@1");
  ExpectError(schema, record, R"({"a": 1})",
              "annotation a-1: a: expected true or false");
}

TEST(AnnotationValidator, UnknownKeysAreRejectedAtEveryLevel) {
  Example e = LoadExample("dx-reasoning");
  std::string v = e.values;
  v.replace(v.find(R"("finding": "Productive)"), 1, R"("note": "x", ")");
  ExpectError(e.schema, e.record, v,
              "annotation a-1: key_findings[0].note: not a field of "
              "dx-reasoning@1");
  ExpectError(e.schema, e.record, R"({"diagnosis": "J18.9"})",
              "annotation a-1: diagnosis: not a field of dx-reasoning@1");
}

TEST(AnnotationValidator, MalformedJsonAndDuplicateKeys) {
  TaskSchema schema =
      Schema(R"({"name": "c", "type": "confidence", "layer": "interpretive"})");
  RecordShape record = MustRecord("");
  ExpectError(schema, record, R"({"c": 0.5, "c": 0.9})",
              R"(annotation a-1: values: duplicate key "c")");
  // The dropped duplicate held objects of its own; and duplicates deep down.
  ExpectError(schema, record, R"({"c": {"x": {"y": {}}}, "c": 0.5})",
              R"(annotation a-1: values: duplicate key "c")");
  ExpectError(schema, record,
              R"({"c": 0.5, "l": [{}, {"a": 1, "b": {}, "a": 2}]})",
              R"(annotation a-1: values: duplicate key "a")");
  ExpectError(schema, record, R"({"c": 0.5, "l": [{"": 1, "": 2}]})",
              R"(annotation a-1: values: duplicate key "")");
  // Same key in different objects is not a duplicate.
  ExpectError(schema, record, R"({"c": 0.5, "l": [{"a": 1}, {"a": 2}]})",
              "annotation a-1: l: not a field of t@1");
  ExpectError(schema, record, R"([0.5])",
              "annotation a-1: values: expected a JSON object");
  Status s = ValidateAnnotation(schema, record, "a-1", R"({"c": 0.5)");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      s.message().rfind("annotation a-1: values: invalid JSON at offset ", 0),
      0u)
      << s.message();
  s = ValidateAnnotation(schema, record, "a-1", "{\"c\": \"\xff\"}");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Text spans: Unicode code points, half-open, non-empty.
// ---------------------------------------------------------------------------

class SpanTest : public ::testing::Test {
 protected:
  // 'a' (1 byte), U+00E9 (2 bytes), U+20AC (3 bytes), U+1F600 (4 bytes),
  // 'z': 5 code points, 11 bytes.
  SpanTest()
      : schema_(Schema(
            R"({"name": "s", "type": "text_span", "layer": "descriptive"})")),
        record_(MustRecord("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z")) {}

  Status Check(int start, int end) {
    return ValidateAnnotation(schema_, record_, "a-1",
                              R"({"s": {"start": )" + std::to_string(start) +
                                  R"(, "end": )" + std::to_string(end) + "}}");
  }

  TaskSchema schema_;
  RecordShape record_;
};

TEST_F(SpanTest, RecordLengthCountsCodePoints) {
  EXPECT_EQ(record_.text_length(), 5u);
  EXPECT_EQ(record_.text().size(), 11u);
}

TEST_F(SpanTest, SpanAtStartOfText) {
  EXPECT_EQ(Check(0, 1).code(), StatusCode::kOk);
}

TEST_F(SpanTest, SpanAtEndOfText) {
  EXPECT_EQ(Check(4, 5).code(), StatusCode::kOk);
  EXPECT_EQ(Check(0, 5).code(), StatusCode::kOk);  // the whole text
}

TEST_F(SpanTest, SpansCoverMultibyteCharactersAsOneUnit) {
  EXPECT_EQ(Check(1, 2).code(), StatusCode::kOk);  // U+00E9 alone
  EXPECT_EQ(Check(3, 4).code(), StatusCode::kOk);  // U+1F600 alone
  EXPECT_EQ(Check(2, 4).code(), StatusCode::kOk);  // crossing both
}

TEST_F(SpanTest, ByteOffsetsPastTheCodePointLengthAreOutOfBounds) {
  Status s = Check(7, 11);  // the emoji and 'z' in UTF-8 bytes
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "annotation a-1: s: span [7, 11) exceeds the record text (5 code "
            "points)");
  s = Check(0, 6);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "annotation a-1: s: span [0, 6) exceeds the record text (5 code "
            "points)");
}

TEST_F(SpanTest, EmptyAndReversedSpansAreRejected) {
  Status s = Check(0, 0);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "annotation a-1: s: empty or reversed span [0, 0)");
  s = Check(5, 5);  // empty at the very end
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "annotation a-1: s: empty or reversed span [5, 5)");
  s = Check(3, 2);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "annotation a-1: s: empty or reversed span [3, 2)");
}

TEST_F(SpanTest, NegativeFractionalAndMissingOffsetsAreRejected) {
  const std::string rule =
      "annotation a-1: s: a span needs integer \"start\" and \"end\" >= 0";
  ExpectError(schema_, record_, R"({"s": {"start": -1, "end": 2}})", rule);
  ExpectError(schema_, record_, R"({"s": {"start": 0.0, "end": 2}})", rule);
  ExpectError(schema_, record_, R"({"s": {"start": 0}})", rule);
  ExpectError(schema_, record_, R"({"s": {"start": 0, "end": 1e3}})", rule);
  ExpectError(schema_, record_,
              R"({"s": {"start": 0, "end": 99999999999999999999}})", rule);
  ExpectError(schema_, record_, R"({"s": {"start": 0, "end": 1, "len": 1}})",
              "annotation a-1: s.len: not a key of a text span");
  ExpectError(schema_, record_, R"({"s": [0, 1]})",
              "annotation a-1: s: expected a span {\"start\", \"end\"}");
}

TEST(SpanOnEmptyText, EverySpanIsOutOfBounds) {
  TaskSchema schema =
      Schema(R"({"name": "s", "type": "text_span", "layer": "descriptive"})");
  RecordShape record = MustRecord("");
  ExpectError(schema, record, R"({"s": {"start": 0, "end": 1}})",
              "annotation a-1: s: span [0, 1) exceeds the record text (0 code "
              "points)");
}

TEST(SpanInNestedLists, PathNamesEveryIndex) {
  Example e = LoadExample("dx-reasoning");
  std::string v = e.values;
  const std::string from = R"("start": 129,)";
  v.replace(v.find(from), from.size(), R"("start": 1000,)");
  const std::string to = R"("end": 159)";
  v.replace(v.find(to), to.size(), R"("end": 1001)");
  ExpectError(e.schema, e.record, v,
              "annotation a-1: key_findings[2].evidence[0].span: span [1000, "
              "1001) exceeds the record text (" +
                  std::to_string(e.record.text_length()) + " code points)");
}

TEST(CodePoints, CountAndRejectInvalidUtf8) {
  EXPECT_EQ(CountCodePoints(""), 0u);
  EXPECT_EQ(CountCodePoints("abc"), 3u);
  EXPECT_EQ(CountCodePoints("\xF0\x9F\x98\x80"), 1u);
  EXPECT_EQ(CountCodePoints("\xF4\x8F\xBF\xBF"), 1u);            // U+10FFFF
  EXPECT_EQ(CountCodePoints("\xC0\x80"), std::nullopt);          // overlong NUL
  EXPECT_EQ(CountCodePoints("\xE0\x80\xAF"), std::nullopt);      // overlong
  EXPECT_EQ(CountCodePoints("\xED\xA0\x80"), std::nullopt);      // surrogate
  EXPECT_EQ(CountCodePoints("\xF4\x90\x80\x80"), std::nullopt);  // > U+10FFFF
  EXPECT_EQ(CountCodePoints("\xE2\x82"), std::nullopt);          // truncated
  EXPECT_EQ(CountCodePoints("\x80"), std::nullopt);  // lone continuation
  StatusOr<RecordShape> r = RecordShape::Create("bad \xC3", {});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "record text is not valid UTF-8");
}

// ---------------------------------------------------------------------------
// Image regions: the image is the closed rectangle [0, width] x [0, height].
// ---------------------------------------------------------------------------

class RegionTest : public ::testing::Test {
 protected:
  RegionTest()
      : schema_(Schema(
            R"({"name": "r", "type": "image_region", "layer": "descriptive"})")),
        record_(MustRecord("", {{"pa", 100, 50, 1}, {"ct", 64, 64, 10}})) {}

  void Box(const std::string& xywh, const std::string& error) {
    const std::string v = R"({"r": {"image": "pa", )" + xywh + "}}";
    if (error.empty()) {
      ExpectOk(schema_, record_, v);
    } else {
      ExpectError(schema_, record_, v, error);
    }
  }

  TaskSchema schema_;
  RecordShape record_;
};

TEST_F(RegionTest, BoxMayTouchEveryEdge) {
  Box(R"("x": 0, "y": 0, "w": 100, "h": 50)", "");
  Box(R"("x": 99, "y": 49, "w": 1, "h": 1)", "");
  Box(R"("x": 99.5, "y": 0, "w": 0.5, "h": 0.25)", "");
}

TEST_F(RegionTest, BoxCrossingAnEdgeIsRejected) {
  Box(R"("x": 1, "y": 0, "w": 100, "h": 50)",
      R"(annotation a-1: r: box (1, 0) 100x50 exceeds image "pa" (100x50))");
  Box(R"("x": 0, "y": 0.5, "w": 10, "h": 50)",
      R"(annotation a-1: r: box (0, 0.5) 10x50 exceeds image "pa" (100x50))");
  Box(R"("x": -1, "y": 0, "w": 10, "h": 10)",
      R"(annotation a-1: r: box (-1, 0) 10x10 exceeds image "pa" (100x50))");
}

TEST_F(RegionTest, BoxNeedsPositiveSizeAndNumbers) {
  Box(R"("x": 0, "y": 0, "w": 0, "h": 10)",
      "annotation a-1: r: a box needs w > 0 and h > 0");
  Box(R"("x": 0, "y": 0, "w": 10)",
      R"(annotation a-1: r: a box needs numbers "x", "y", "w" and "h")");
  Box(R"("x": "0", "y": 0, "w": 10, "h": 10)",
      R"(annotation a-1: r: a box needs numbers "x", "y", "w" and "h")");
  Box(R"("x": 0, "y": 0, "w": 10, "h": 10, "z": 1)",
      "annotation a-1: r.z: not a key of a box region");
}

TEST_F(RegionTest, ImagesAndFrames) {
  ExpectError(schema_, record_,
              R"({"r": {"image": "lat", "x": 0, "y": 0, "w": 1, "h": 1}})",
              R"(annotation a-1: r: no image "lat" in the record)");
  ExpectError(schema_, record_, R"({"r": {"x": 0, "y": 0, "w": 1, "h": 1}})",
              R"(annotation a-1: r: a region needs a string "image")");
  ExpectOk(
      schema_, record_,
      R"({"r": {"image": "pa", "frame": 0, "x": 0, "y": 0, "w": 1, "h": 1}})");
  ExpectError(
      schema_, record_,
      R"({"r": {"image": "pa", "frame": 1, "x": 0, "y": 0, "w": 1, "h": 1}})",
      R"(annotation a-1: r: frame 1 is outside image "pa" (1 frames))");
  ExpectOk(
      schema_, record_,
      R"({"r": {"image": "ct", "frame": 9, "x": 0, "y": 0, "w": 64, "h": 64}})");
  ExpectError(
      schema_, record_,
      R"({"r": {"image": "ct", "frame": 10, "x": 0, "y": 0, "w": 1, "h": 1}})",
      R"(annotation a-1: r: frame 10 is outside image "ct" (10 frames))");
  ExpectError(
      schema_, record_,
      R"({"r": {"image": "ct", "x": 0, "y": 0, "w": 1, "h": 1}})",
      R"(annotation a-1: r: image "ct" has 10 frames; "frame" is required)");
  ExpectError(
      schema_, record_,
      R"({"r": {"image": "ct", "frame": -1, "x": 0, "y": 0, "w": 1, "h": 1}})",
      R"(annotation a-1: r: "frame" must be an integer >= 0)");
}

TEST_F(RegionTest, PolygonPointsOnTheEdgesAreInside) {
  ExpectOk(
      schema_, record_,
      R"({"r": {"image": "pa", "points": [[0, 0], [100, 0], [100, 50]]}})");
  ExpectOk(
      schema_, record_,
      R"({"r": {"image": "pa", "points": [[0, 0], [100, 0], [100, 50], [0, 50]]}})");
}

TEST_F(RegionTest, PolygonRules) {
  ExpectError(
      schema_, record_,
      R"({"r": {"image": "pa", "points": [[0, 0], [100.5, 0], [100, 50]]}})",
      R"(annotation a-1: r.points[1]: point (100.5, 0) is outside image "pa" (100x50))");
  ExpectError(
      schema_, record_,
      R"({"r": {"image": "pa", "points": [[0, 0], [10, -1], [10, 10]]}})",
      R"(annotation a-1: r.points[1]: point (10, -1) is outside image "pa" (100x50))");
  ExpectError(
      schema_, record_,
      R"({"r": {"image": "pa", "points": [[0, 0], [10, 10]]}})",
      R"(annotation a-1: r: "points" must be an array of 3 to 10000 [x, y] points)");
  ExpectError(
      schema_, record_,
      R"({"r": {"image": "pa", "points": [[0, 0], [10, 10], [20, 20]]}})",
      "annotation a-1: r: polygon has zero area");
  ExpectError(schema_, record_,
              R"({"r": {"image": "pa", "points": [[0, 0], [10, 10], [20]]}})",
              "annotation a-1: r.points[2]: expected a point [x, y] of two "
              "numbers");
  ExpectError(
      schema_, record_,
      R"({"r": {"image": "pa", "points": [[0, 0], [10, 0], [0, 10]], "x": 1}})",
      "annotation a-1: r.x: not a key of a polygon region");
}

TEST(RegionShapes, SchemaMayRestrictTheShape) {
  TaskSchema schema = Schema(
      R"({"name": "r", "type": "image_region", "layer": "descriptive", "shapes": ["box"]})");
  RecordShape record = MustRecord("", {{"pa", 100, 50, 1}});
  ExpectError(schema, record,
              R"({"r": {"image": "pa", "points": [[0, 0], [10, 0], [0, 10]]}})",
              "annotation a-1: r: polygons are not allowed here");
  ExpectOk(schema, record,
           R"({"r": {"image": "pa", "x": 0, "y": 0, "w": 1, "h": 1}})");
}

TEST(RecordShapeTest, CreateAndFromJsonRules) {
  EXPECT_EQ(RecordShape::Create("", {{"pa", 0, 10, 1}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RecordShape::Create("", {{"pa", 1, 1, 1}, {"pa", 2, 2, 1}})
                .status()
                .message(),
            R"(record image "pa": duplicate name)");
  EXPECT_EQ(RecordShape::FromJson(R"({"txt": ""})").status().message(),
            R"(record: unknown key "txt")");
  StatusOr<RecordShape> r = RecordShape::FromJson(
      R"({"text": "h\u00e9", "images": [{"name": "ct", "width": 5, "height": 6, "frames": 3}]})");
  ASSERT_EQ(r.status().code(), StatusCode::kOk) << r.status().message();
  EXPECT_EQ(r->text_length(), 2u);
  ASSERT_NE(r->FindImage("ct"), nullptr);
  EXPECT_EQ(r->FindImage("ct")->frames, 3u);
  EXPECT_EQ(r->FindImage("pa"), nullptr);
  EXPECT_EQ(RecordShape::FromJson(
                R"({"images": [{"name": "ct", "width": -5, "height": 6}]})")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Scalars.
// ---------------------------------------------------------------------------

TEST(AnnotationValidator, CategoricalClosedListAndBoundCodes) {
  TaskSchema schema = Schema(R"(
    {"name": "local", "type": "categorical", "layer": "descriptive", "categories": ["left", "right"]},
    {"name": "icd", "type": "categorical", "layer": "interpretive", "code_system": "icd10", "open": true, "categories": ["J18.9"]},
    {"name": "icd_closed", "type": "categorical", "layer": "interpretive", "code_system": "icd10", "categories": ["J18.9"]},
    {"name": "sct", "type": "categorical", "layer": "interpretive", "code_system": "snomedct", "open": true})");
  RecordShape record = MustRecord("");
  ExpectOk(schema, record, R"({"local": "left", "icd": "J18.9"})");
  ExpectOk(schema, record, R"({"icd": "I50.9", "sct": "84114007"})");
  ExpectError(schema, record, R"({"local": "Left"})",
              R"(annotation a-1: local: "Left" is not a category of t@1)");
  ExpectError(schema, record, R"({"icd": "J189"})",
              R"(annotation a-1: icd: "J189" is not a valid ICD-10 code)");
  ExpectError(
      schema, record, R"({"icd_closed": "I50.9"})",
      R"(annotation a-1: icd_closed: "I50.9" is not a category of t@1)");
  ExpectError(
      schema, record, R"({"sct": "84114008"})",
      R"(annotation a-1: sct: "84114008" is not a valid SNOMED CT concept id)");
  ExpectError(schema, record, R"({"local": 1})",
              "annotation a-1: local: expected a string");
}

TEST(AnnotationValidator, MultiCategoricalSetRules) {
  TaskSchema schema = Schema(R"(
    {"name": "m", "type": "multi_categorical", "layer": "descriptive",
     "categories": ["a", "b", "c"], "min_items": 1, "max_items": 2})");
  RecordShape record = MustRecord("");
  ExpectOk(schema, record, R"({"m": ["b"]})");
  ExpectOk(schema, record, R"({"m": ["c", "a"]})");
  ExpectError(schema, record, R"({"m": []})",
              "annotation a-1: m: 0 selected, at least 1 required");
  ExpectError(schema, record, R"({"m": ["a", "b", "c"]})",
              "annotation a-1: m: 3 selected, at most 2 allowed");
  ExpectError(schema, record, R"({"m": ["a", "a"]})",
              R"(annotation a-1: m[1]: duplicate selection "a")");
  ExpectError(schema, record, R"({"m": ["a", "d"]})",
              R"(annotation a-1: m[1]: "d" is not a category of t@1)");
  ExpectError(schema, record, R"({"m": "a"})",
              "annotation a-1: m: expected an array of categories");
  StatusOr<ExtractedValues> ev =
      ExtractAnnotationValues(schema, record, "a-1", R"({"m": ["c", "a"]})");
  ASSERT_EQ(ev.status().code(), StatusCode::kOk);
  ASSERT_EQ(ev->values.size(), 1u);
  EXPECT_EQ(ev->values[0].kind, ValueKind::kCategorySet);
  EXPECT_EQ(ev->values[0].metric, Metric::kSetJaccard);
  EXPECT_EQ(ev->values[0].categories, (std::vector<std::string>{"a", "c"}));
}

TEST(AnnotationValidator, LargeOpenMultiSelectionRejectsRepeats) {
  TaskSchema schema = Schema(R"(
    {"name": "dx", "type": "multi_categorical", "layer": "interpretive",
     "code_system": "icd10", "open": true})");
  RecordShape record = MustRecord("");
  std::string codes;
  for (int i = 10; i < 50; ++i) {
    codes += std::string(codes.empty() ? "" : ", ") + "\"A" +
             std::to_string(i) + "\"";
  }
  ExpectOk(schema, record, R"({"dx": [)" + codes + "]}");
  ExpectError(schema, record, R"({"dx": [)" + codes + R"(, "A17"]})",
              R"(annotation a-1: dx: duplicate selection "A17")");
}

TEST(AnnotationValidator, NumericRangeAndInteger) {
  TaskSchema schema = Schema(R"(
    {"name": "rr", "type": "numeric", "layer": "descriptive", "unit": "/min", "min": 0, "max": 80, "integer": true},
    {"name": "temp", "type": "numeric", "layer": "descriptive", "unit": "Cel", "min": 25.5, "max": 45})");
  RecordShape record = MustRecord("");
  ExpectOk(schema, record, R"({"rr": 0, "temp": 45})");
  ExpectOk(schema, record, R"({"rr": 80, "temp": 25.5})");
  ExpectOk(schema, record, R"({"rr": 22.0})");
  ExpectError(schema, record, R"({"rr": 22.5})",
              "annotation a-1: rr: 22.5 is not an integer");
  ExpectError(schema, record, R"({"rr": 81})",
              "annotation a-1: rr: 81 is above max 80");
  ExpectError(schema, record, R"({"rr": -1})",
              "annotation a-1: rr: -1 is below min 0");
  ExpectError(schema, record, R"({"temp": 25.4})",
              "annotation a-1: temp: 25.4 is below min 25.5");
  ExpectError(schema, record, R"({"temp": "39"})",
              "annotation a-1: temp: expected a number");
}

TEST(AnnotationValidator, OrdinalAndConfidence) {
  TaskSchema schema = Schema(R"(
    {"name": "sev", "type": "ordinal", "layer": "interpretive", "levels": ["mild", "moderate", "severe"]},
    {"name": "p", "type": "confidence", "layer": "interpretive"},
    {"name": "q", "type": "confidence", "layer": "interpretive", "scale": "ordinal", "levels": ["low", "high"]})");
  RecordShape record = MustRecord("");
  ExpectOk(schema, record, R"({"sev": "severe", "p": 0, "q": "low"})");
  ExpectOk(schema, record, R"({"p": 1})");
  ExpectOk(schema, record, R"({"p": 1.0})");
  ExpectError(schema, record, R"({"sev": "Severe"})",
              R"(annotation a-1: sev: "Severe" is not a level of t@1)");
  ExpectError(schema, record, R"({"sev": 2})",
              "annotation a-1: sev: expected a string (one of the levels)");
  ExpectError(schema, record, R"({"p": 1.0001})",
              "annotation a-1: p: expected a probability in [0, 1]");
  ExpectError(schema, record, R"({"p": -0.1})",
              "annotation a-1: p: expected a probability in [0, 1]");
  ExpectError(schema, record, R"({"p": "0.5"})",
              "annotation a-1: p: expected a probability in [0, 1]");
  ExpectError(schema, record, R"({"q": "medium"})",
              R"(annotation a-1: q: "medium" is not a level of t@1)");
}

TEST(AnnotationValidator, TextLengthCountsCodePoints) {
  TaskSchema schema = Schema(
      R"({"name": "t", "type": "text", "layer": "interpretive", "max_length": 3})");
  RecordShape record = MustRecord("");
  ExpectOk(schema, record, "{\"t\": \"\xC3\xA4\xC3\xB6\xC3\xBC\"}");  // 6 bytes
  ExpectError(schema, record, "{\"t\": \"\xC3\xA4\xC3\xB6\xC3\xBCx\"}",
              "annotation a-1: t: text longer than 3 code points");
  ExpectError(schema, record, R"({"t": ""})",
              "annotation a-1: t: empty text; omit the field instead");
  ExpectError(schema, record, R"({"t": ["x"]})",
              "annotation a-1: t: expected a string");
}

// ---------------------------------------------------------------------------
// Lists and groups.
// ---------------------------------------------------------------------------

TEST(AnnotationValidator, ListBoundsAndItemShape) {
  Example e = LoadExample("dx-reasoning");
  ExpectError(
      e.schema, e.record,
      R"({"primary_diagnosis": "J18.9", "key_findings": [], "confidence": 0.5})",
      "annotation a-1: key_findings: 0 items, at least 1 required");
  std::string many =
      R"({"primary_diagnosis": "J18.9", "confidence": 0.5, "key_findings": [{"finding": "f", "evidence": [{"span": {"start": 0, "end": 1}}]}], "differential": [)";
  for (int i = 0; i < 11; ++i) {
    many += std::string(i ? "," : "") +
            R"({"alternative": "I50.9", "excluded_because": "x"})";
  }
  many += "]}";
  ExpectError(e.schema, e.record, many,
              "annotation a-1: differential: 11 items, at most 10 allowed");
  ExpectError(
      e.schema, e.record,
      R"({"primary_diagnosis": "J18.9", "key_findings": ["fever"], "confidence": 0.5})",
      "annotation a-1: key_findings[0]: expected an object");
  ExpectError(
      e.schema, e.record,
      R"({"primary_diagnosis": "J18.9", "key_findings": {"finding": "f"}, "confidence": 0.5})",
      "annotation a-1: key_findings: expected an array");
  ExpectError(
      e.schema, e.record,
      R"({"primary_diagnosis": "J18.9", "key_findings": [{"finding": "f", "evidence": []}], "confidence": 0.5})",
      "annotation a-1: key_findings[0].evidence: 0 items, at least 1 "
      "required");
}

TEST(AnnotationValidator, GroupsNestAndRequireInsideOnlyWhenPresent) {
  TaskSchema schema = Schema(R"(
    {"name": "vitals", "type": "group", "layer": "descriptive", "fields": [
      {"name": "hr", "type": "numeric", "required": true, "integer": true},
      {"name": "bp", "type": "group", "fields": [
        {"name": "sys", "type": "numeric", "required": true},
        {"name": "dia", "type": "numeric", "required": true}]}]})");
  RecordShape record = MustRecord("");
  ExpectOk(schema, record, R"({})");
  ExpectOk(schema, record,
           R"({"vitals": {"hr": 80, "bp": {"sys": 120, "dia": 80}}})");
  ExpectError(schema, record, R"({"vitals": {"hr": 80, "bp": {"sys": 120}}})",
              "annotation a-1: vitals.bp.dia: required by t@1");
  ExpectError(schema, record, R"({"vitals": 80})",
              "annotation a-1: vitals: expected an object");
}

// ---------------------------------------------------------------------------
// Collecting every error.
// ---------------------------------------------------------------------------

TEST(CollectAnnotationErrors, ReportsEveryErrorInDocumentOrder) {
  TaskSchema schema = DxReasoningV3();
  RecordShape record = MustRecord("Fever.");
  const std::string values = R"({
    "primary_diagnosis": "J18-9",
    "key_findings": [{"finding": "", "evidence": [{"span": {"start": 0, "end": 99}}]}],
    "differential": [{"alternative": "I50.9"}],
    "extra": 1})";
  std::vector<AnnotationError> all =
      CollectAnnotationErrors(schema, record, "a-17", values);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[0].path, "primary_diagnosis");
  EXPECT_EQ(all[0].rule, R"("J18-9" is not a valid ICD-10 code)");
  EXPECT_EQ(all[1].path, "key_findings[0].finding");
  EXPECT_EQ(all[2].path, "key_findings[0].evidence[0].span");
  EXPECT_EQ(all[3].message,
            "annotation a-17: differential[0].excluded_because: required by "
            "dx-reasoning@3");
  EXPECT_EQ(all[4].path, "extra");
  EXPECT_EQ(all[4].rule, "not a field of dx-reasoning@3");
  EXPECT_EQ(all[5].message,
            "annotation a-17: confidence: required by dx-reasoning@3");
  std::vector<AnnotationError> capped =
      CollectAnnotationErrors(schema, record, "a-17", values, 2);
  ASSERT_EQ(capped.size(), 2u);
  EXPECT_EQ(capped[1].path, "key_findings[0].finding");
  // The first collected error is the one ValidateAnnotation returns.
  Status first = ValidateAnnotation(schema, record, "a-17", values);
  EXPECT_EQ(first.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(first.message(), all[0].message);
}

TEST(CollectAnnotationErrors, SyntaxErrorIsOneErrorAtValues) {
  TaskSchema schema = DxReasoningV3();
  RecordShape record = MustRecord("");
  std::vector<AnnotationError> errors =
      CollectAnnotationErrors(schema, record, "a-1", "{");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "values");
}

TEST(ExtractAnnotationValues, FailsLikeValidate) {
  TaskSchema schema = DxReasoningV3();
  RecordShape record = MustRecord("");
  StatusOr<ExtractedValues> ev =
      ExtractAnnotationValues(schema, record, "a-9", R"({"confidence": 2})");
  EXPECT_EQ(ev.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ev.status().message(),
            "annotation a-9: confidence: expected a probability in [0, 1]");
}

void ExpectSameValues(const ExtractedValues& a, const ExtractedValues& b) {
  EXPECT_EQ(a.schema_id, b.schema_id);
  EXPECT_EQ(a.schema_version, b.schema_version);
  ASSERT_EQ(a.values.size(), b.values.size());
  for (size_t i = 0; i < a.values.size(); ++i) {
    const ExtractedValue& x = a.values[i];
    const ExtractedValue& y = b.values[i];
    EXPECT_EQ(x.path, y.path);
    EXPECT_EQ(x.field_path, y.field_path) << x.path;
    EXPECT_EQ(x.metric, y.metric) << x.path;
    EXPECT_EQ(x.layer, y.layer) << x.path;
    EXPECT_EQ(x.kind, y.kind) << x.path;
    EXPECT_EQ(x.category, y.category) << x.path;
    EXPECT_EQ(x.categories, y.categories) << x.path;
    EXPECT_EQ(x.number, y.number) << x.path;
    EXPECT_EQ(x.span, y.span) << x.path;
    EXPECT_EQ(x.region, y.region) << x.path;
  }
}

// One ExtractedValues reused across annotations of different shapes (more
// values, fewer values, a failure in between) holds exactly what a fresh
// extraction returns each time: no field of an earlier value leaks through.
TEST(ExtractAnnotationValues, IntoReusedOutputEqualsFreshExtraction) {
  const std::vector<Example> examples = {
      LoadExample("chest-imaging"), LoadExample("dx-reasoning"),
      LoadExample("icu-severity"), LoadExample("chest-imaging")};
  ExtractedValues reused;
  for (const Example& e : examples) {
    StatusOr<ExtractedValues> fresh =
        ExtractAnnotationValues(e.schema, e.record, "a-1", e.values);
    ASSERT_EQ(fresh.status().code(), StatusCode::kOk)
        << fresh.status().message();
    Status s = ExtractAnnotationValuesInto(e.schema, e.record, "a-1", e.values,
                                           &reused);
    ASSERT_EQ(s.code(), StatusCode::kOk) << s.message();
    ExpectSameValues(reused, *fresh);

    Status bad =
        ExtractAnnotationValuesInto(e.schema, e.record, "a-2", "{", &reused);
    StatusOr<ExtractedValues> fresh_bad =
        ExtractAnnotationValues(e.schema, e.record, "a-2", "{");
    EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(bad.message(), fresh_bad.status().message());
  }
}

TEST(ExtractAnnotationValues, IntoFailsLikeValidate) {
  TaskSchema schema = DxReasoningV3();
  RecordShape record = MustRecord("");
  ExtractedValues out;
  Status s = ExtractAnnotationValuesInto(schema, record, "a-9",
                                         R"({"confidence": 2})", &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "annotation a-9: confidence: expected a probability in [0, 1]");
}

// A reused set value is resized to the new selection, sorted, and keeps none
// of the earlier categories.
TEST(ExtractAnnotationValues, IntoReusedOutputResizesCategorySets) {
  TaskSchema schema = Schema(R"(
    {"name": "m", "type": "multi_categorical", "layer": "descriptive",
     "categories": ["a", "b", "c"], "min_items": 1, "max_items": 3},
    {"name": "n", "type": "numeric", "layer": "descriptive"})");
  RecordShape record = MustRecord("");
  ExtractedValues out;
  for (const char* values :
       {R"({"m": ["c", "a", "b"], "n": 2})", R"({"n": 1, "m": ["b"]})",
        R"({"m": ["c", "a"]})", R"({"n": 3})"}) {
    StatusOr<ExtractedValues> fresh =
        ExtractAnnotationValues(schema, record, "a-1", values);
    ASSERT_EQ(fresh.status().code(), StatusCode::kOk) << values;
    Status s = ExtractAnnotationValuesInto(schema, record, "a-1", values, &out);
    ASSERT_EQ(s.code(), StatusCode::kOk) << values;
    ExpectSameValues(out, *fresh);
  }
}

}  // namespace
}  // namespace consilium::schemas
