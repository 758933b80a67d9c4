// Sealed annotation free text (schemas/annotation_text.h, docs/encryption.md
// "Annotation free text"): the split takes every "text" field out, at any
// depth, and the merge puts back exactly what was taken; stored events with
// sealed text open with the subject's key and say "shredded" without it.
#include "schemas/annotation_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "common/aead.h"
#include "common/key_store.h"
#include "schemas/annotation_validator.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

namespace json = boost::json;

const schemas::TaskSchema& Schema() {
  static const schemas::TaskSchema* schema = [] {
    StatusOr<schemas::TaskSchema> s = schemas::TaskSchema::Parse(R"({
      "id": "dx", "version": 1, "title": "Diagnosis",
      "fields": [
        {"name": "dx", "type": "categorical", "layer": "interpretive",
         "categories": ["a", "b"]},
        {"name": "note", "type": "text", "layer": "descriptive"},
        {"name": "reasoning", "type": "group", "layer": "interpretive",
         "fields": [
          {"name": "summary", "type": "text"},
          {"name": "severity", "type": "ordinal", "levels": ["mild", "severe"]}]},
        {"name": "differential", "type": "list", "layer": "interpretive",
         "fields": [
          {"name": "alternative", "type": "categorical", "categories": ["a", "b"]},
          {"name": "excluded_because", "type": "text"}]}
      ]})");
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return new schemas::TaskSchema(std::move(s).value());
  }();
  return *schema;
}

const char kValues[] =
    R"({"dx":"a","note":"Mr Hieronymus, bed 4","reasoning":{"summary":)"
    R"("lobar","severity":"mild"},"differential":[{"alternative":"b",)"
    R"("excluded_because":"no fever"},{"alternative":"a"}]})";

TEST(AnnotationTextTest, SplitTakesEveryTextFieldAndMergeRestoresThem) {
  StatusOr<SplitText> split = SplitFreeText(Schema(), kValues);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  // Each text is replaced by the mark, so the values keep validating.
  EXPECT_EQ(
      split->counted,
      "{\"dx\":\"a\",\"note\":\"\u2588\",\"reasoning\":{\"summary\":"
      "\"\u2588\",\"severity\":\"mild\"},\"differential\":[{\"alternative\":"
      "\"b\",\"excluded_because\":\"\u2588\"},{\"alternative\":\"a\"}]}");
  StatusOr<schemas::RecordShape> shape = schemas::RecordShape::Create("", {});
  ASSERT_TRUE(shape.ok());
  EXPECT_TRUE(
      schemas::ValidateAnnotation(Schema(), *shape, "a-1", split->counted)
          .ok());
  EXPECT_EQ(split->text,
            R"({"/differential/0/excluded_because":"no fever",)"
            R"("/note":"Mr Hieronymus, bed 4","/reasoning/summary":"lobar"})");
  StatusOr<std::string> merged = MergeFreeText(split->counted, split->text);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(json::parse(*merged), json::parse(kValues));
}

TEST(AnnotationTextTest, ValuesWithoutFreeTextStayAsTheyAre) {
  const std::string values = R"({"dx":"b", "differential": []})";
  StatusOr<SplitText> split = SplitFreeText(Schema(), values);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->counted, values);  // byte for byte, spacing included
  EXPECT_EQ(split->text, "");
  EXPECT_EQ(*MergeFreeText(values, ""), values);
  EXPECT_EQ(SplitFreeText(Schema(), "[1]").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(AnnotationTextTest, MergeRefusesTextThatDoesNotFitTheValues) {
  const std::string counted =
      "{\"dx\":\"a\",\"differential\":[{\"why\":\"\u2588\"}]}";
  for (const char* text : {R"({"/dx":"again"})",     // no mark there
                           R"({"/note":"t"})",       // no such member
                           R"({"/missing/x":"t"})",  // leads out of the values
                           R"({"/differential/7/why":"t"})",  // no such item
                           R"({"/differential/x/why":"t"})",  // not an index
                           R"({"differential/0/why":"t"})",   // not a pointer
                           R"({"/differential/0/why":5})",    // not a string
                           R"({"/differential//why":"t"})",   // empty step
                           "not json"}) {
    StatusOr<std::string> m = MergeFreeText(counted, text);
    EXPECT_EQ(m.status().code(), StatusCode::kDataLoss) << text;
  }
  StatusOr<std::string> m =
      MergeFreeText(counted, R"({"/differential/0/why":"t"})");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(*m, R"({"dx":"a","differential":[{"why":"t"}]})");
}

TEST(AnnotationTextTest, StoredTextOpensWithTheKeyAndIsGoneAfterAShred) {
  testing::TempDir dir;
  StatusOr<std::string> kek = RandomBytes(kAeadKeyBytes);
  ASSERT_TRUE(kek.ok());
  auto store = KeyStore::Create(dir.Sub("keys"), *kek);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<SplitText> split = SplitFreeText(Schema(), kValues);
  ASSERT_TRUE(split.ok());
  StatusOr<SealedContent> sealed = (*store)->Seal("patient-1", split->text);
  ASSERT_TRUE(sealed.ok());
  const SealedTextFields text{.subject = "patient-1", .sealed = &*sealed};
  EventDraft d =
      MakeAnnotationSubmitted({"dr-a", ""}, {.annotation_id = "a-1",
                                             .project_id = "p1",
                                             .record_id = "r-1",
                                             .annotator_id = "dr-a",
                                             .schema_id = "dx",
                                             .schema_version = 1,
                                             .values = split->counted,
                                             .sealed_text = &text});
  ASSERT_TRUE(d.Validate().ok());
  EXPECT_EQ(d.bytes().find("Hieronymus"), std::string::npos);
  EXPECT_EQ(d.bytes().find("no fever"), std::string::npos);
  const fb::AnnotationSubmitted* b = d.event()->body_as_AnnotationSubmitted();
  ASSERT_NE(b->sealed_text(), nullptr);
  EXPECT_EQ(View(b->sealed_text()->subject_id()), "patient-1");

  const ContentKeys keys{.encrypted = true, .store = store->get()};
  StatusOr<std::string> whole = OpenAnnotationValues(
      b->values(), b->sealed_text(), keys, "annotation a-1");
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(json::parse(*whole), json::parse(kValues));

  StatusOr<std::string> no_kek = OpenAnnotationValues(
      b->values(), b->sealed_text(), {.encrypted = true}, "annotation a-1");
  EXPECT_EQ(no_kek.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(no_kek.status().message().find("annotation a-1"),
            std::string::npos);

  ASSERT_TRUE((*store)->Shred("patient-1").ok());
  EXPECT_TRUE(IsShredded(OpenAnnotationValues(b->values(), b->sealed_text(),
                                              keys, "annotation a-1")
                             .status()));
  bool shredded = false;
  StatusOr<std::string> rest = OpenAnnotationValuesOrCounted(
      b->values(), b->sealed_text(), keys, "annotation a-1", &shredded);
  ASSERT_TRUE(rest.ok());
  EXPECT_TRUE(shredded);
  EXPECT_EQ(*rest, split->counted);

  // A plain annotation reads as stored, and never as shredded.
  EventDraft plain =
      MakeAnnotationSubmitted({"dr-a", ""}, {.annotation_id = "a-2",
                                             .project_id = "p1",
                                             .record_id = "r-1",
                                             .annotator_id = "dr-a",
                                             .schema_id = "dx",
                                             .schema_version = 1,
                                             .values = kValues});
  const fb::AnnotationSubmitted* pb =
      plain.event()->body_as_AnnotationSubmitted();
  EXPECT_EQ(pb->sealed_text(), nullptr);
  rest = OpenAnnotationValuesOrCounted(pb->values(), pb->sealed_text(), keys,
                                       "annotation a-2", &shredded);
  ASSERT_TRUE(rest.ok());
  EXPECT_FALSE(shredded);
  EXPECT_EQ(*rest, kValues);
}

}  // namespace
}  // namespace consilium
