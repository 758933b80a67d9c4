// Adjudication policies: parsing and validation against a task schema, the
// built-in default, and one test per trigger and per priority rule.
#include "adjudication/policy.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <ostream>
#include <string>

#include "schemas/task_schema.h"

namespace consilium::adjudication {
namespace {

using schemas::Layer;

const schemas::TaskSchema& Schema() {
  static const schemas::TaskSchema schema = [] {
    StatusOr<schemas::TaskSchema> s = schemas::TaskSchema::Parse(R"({
      "id": "adj-test", "version": 1, "title": "test",
      "fields": [
        {"name": "dx", "type": "categorical", "layer": "interpretive",
         "categories": ["a", "b", "c"]},
        {"name": "finding", "type": "categorical", "layer": "descriptive",
         "categories": ["x", "y"]},
        {"name": "notes", "type": "text", "layer": "interpretive"},
        {"name": "diff", "type": "list", "layer": "interpretive",
         "fields": [{"name": "alt", "type": "categorical",
                     "categories": ["a", "b"]}]},
        {"name": "confidence", "type": "confidence", "layer": "interpretive"}
      ]})");
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return *std::move(s);
  }();
  return schema;
}

StatusOr<ProjectPolicy> Parse(const std::string& fields,
                              const std::string& extra = "") {
  return ParsePolicy(R"({"project": "p", "version": 1, )" + extra +
                         R"("fields": )" + fields + "}",
                     Schema(), /*overlap_target=*/3);
}

// The resolved policy of "dx" (or `field`) under a document naming only it
// with `triggers`; the test fails if the document does not parse.
FieldPolicy With(const std::string& triggers, const std::string& field = "dx",
                 Layer layer = Layer::kInterpretive) {
  StatusOr<ProjectPolicy> p =
      Parse(R"({")" + field + R"(": {"triggers": )" + triggers + "}}");
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? p->For(field, layer) : FieldPolicy{};
}

AnnotationView A(std::string who, std::string key, uint64_t seq,
                 std::optional<double> confidence = std::nullopt) {
  return {std::move(who), std::move(key), confidence, seq};
}

FieldView View(std::vector<AnnotationView> annotations) {
  FieldView v;
  v.annotations = std::move(annotations);
  return v;
}

FieldView Agreeing() {
  return View({A("a1", "a", 1), A("a2", "a", 2), A("a3", "a", 3)});
}

FieldView Split() {
  return View({A("a1", "a", 1), A("a2", "a", 2), A("a3", "b", 3)});
}

// ---- Default ---------------------------------------------------------------

TEST(PolicyDefaultTest, AnyDisagreementOnInterpretiveFieldOnceOverlapReached) {
  const ProjectPolicy p = ProjectPolicy::Default("p", 3);
  const FieldPolicy dx = p.For("dx", Layer::kInterpretive);
  EXPECT_EQ(dx.min_annotations, 3u);
  Evaluation e = Evaluate(dx, Split());
  EXPECT_TRUE(e.disputed);
  ASSERT_EQ(e.triggers.size(), 1u);
  EXPECT_EQ(e.triggers[0], Trigger::kDisagreement);
  EXPECT_EQ(e.reason, "disagreement: 2 values among 3 annotations");
  EXPECT_FALSE(Evaluate(dx, Agreeing()).disputed);
}

TEST(PolicyDefaultTest, BelowOverlapTargetIsNotDisputedAndSaysWhy) {
  const FieldPolicy dx =
      ProjectPolicy::Default("p", 3).For("dx", Layer::kInterpretive);
  FieldView two = View({A("a1", "a", 1), A("a2", "b", 2)});
  Evaluation e = Evaluate(dx, two);
  EXPECT_FALSE(e.disputed);
  EXPECT_EQ(e.reason, "2 of 3 required annotations");
}

TEST(PolicyDefaultTest, DescriptiveFieldsAreNotAdjudicatedByDefault) {
  const FieldPolicy f =
      ProjectPolicy::Default("p", 3).For("finding", Layer::kDescriptive);
  EXPECT_FALSE(Evaluate(f, Split()).disputed);
}

TEST(PolicyDefaultTest, NoOverlapTargetMeansTwoAnnotations) {
  EXPECT_EQ(DefaultMinAnnotations(0), 2u);
  EXPECT_EQ(DefaultMinAnnotations(1), 2u);
  EXPECT_EQ(DefaultMinAnnotations(5), 5u);
}

// ---- One test per trigger
// ----------------------------------------------------

TEST(PolicyTriggerTest, EntropyAtLeastThreshold) {
  const FieldPolicy f = With(R"({"entropy_at_least": 0.5})");
  FieldView v = Split();
  v.normalized_entropy = 0.58;
  Evaluation e = Evaluate(f, v);
  ASSERT_TRUE(e.disputed);
  EXPECT_EQ(e.triggers, std::vector<Trigger>{Trigger::kEntropy});
  EXPECT_EQ(e.reason, "entropy_at_least: normalized entropy 0.58 >= 0.5");
  v.normalized_entropy = 0.49;
  EXPECT_FALSE(Evaluate(f, v).disputed);  // disagreement not named: off
  v.normalized_entropy.reset();
  EXPECT_FALSE(Evaluate(f, v).disputed);
}

TEST(PolicyTriggerTest, MeanConfidenceAtMostThreshold) {
  const FieldPolicy f = With(R"({"mean_confidence_at_most": 0.6})");
  FieldView v =
      View({A("a1", "a", 1, 0.9), A("a2", "a", 2, 0.4), A("a3", "a", 3)});
  // Mean over stated confidences only: (0.9 + 0.4) / 2 = 0.65.
  EXPECT_FALSE(Evaluate(f, v).disputed);
  v.annotations[0].confidence = 0.8;  // (0.8 + 0.4) / 2 = 0.6
  Evaluation e = Evaluate(f, v);
  ASSERT_TRUE(e.disputed);
  EXPECT_EQ(e.triggers, std::vector<Trigger>{Trigger::kLowConfidence});
  EXPECT_EQ(e.reason,
            "mean_confidence_at_most: mean stated confidence 0.6 <= 0.6");
  for (AnnotationView& a : v.annotations) a.confidence.reset();
  EXPECT_FALSE(Evaluate(f, v).disputed);  // nothing stated, nothing fires
}

TEST(PolicyTriggerTest, MinimumAnnotationsGatesEveryTrigger) {
  StatusOr<ProjectPolicy> p = Parse(
      R"({"dx": {"min_annotations": 4, "triggers": {"disagreement": true,
          "calibration_batch": true}}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const FieldPolicy f = p->For("dx", Layer::kInterpretive);
  FieldView v = Split();
  v.in_calibration_batch = true;
  EXPECT_FALSE(Evaluate(f, v).disputed);
  v.annotations.push_back(A("a4", "a", 4));
  Evaluation e = Evaluate(f, v);
  EXPECT_EQ(e.triggers, (std::vector<Trigger>{Trigger::kDisagreement,
                                              Trigger::kCalibrationBatch}));
}

TEST(PolicyTriggerTest, CalibrationBatchMembership) {
  const FieldPolicy f = With(R"({"calibration_batch": true})");
  FieldView v = Agreeing();
  EXPECT_FALSE(Evaluate(f, v).disputed);
  v.in_calibration_batch = true;
  Evaluation e = Evaluate(f, v);
  EXPECT_EQ(e.triggers, std::vector<Trigger>{Trigger::kCalibrationBatch});
}

TEST(PolicyTriggerTest, PreLabelContradictedOnDescriptiveField) {
  const FieldPolicy f = With(R"({"prelabel_contradicted": true})", "finding",
                             Layer::kDescriptive);
  EXPECT_EQ(f.layer, Layer::kDescriptive);
  FieldView v = View({A("a1", "x", 1), A("a2", "x", 2), A("a3", "x", 3)});
  EXPECT_FALSE(Evaluate(f, v).disputed);  // no pre-label
  v.prelabel = "x";
  EXPECT_FALSE(Evaluate(f, v).disputed);  // physicians agree with it
  v.prelabel = "y";
  Evaluation e = Evaluate(f, v);
  ASSERT_TRUE(e.disputed);
  EXPECT_EQ(e.reason,
            "prelabel_contradicted: 3 of 3 physicians contradict the "
            "pre-label \"y\"");
}

TEST(PolicyTriggerTest, DisagreementOnDescriptiveFieldWhenNamed) {
  const FieldPolicy f =
      With(R"({"disagreement": true})", "finding", Layer::kDescriptive);
  FieldView v = View({A("a1", "x", 1), A("a2", "y", 2), A("a3", "x", 3)});
  EXPECT_TRUE(Evaluate(f, v).disputed);
}

// ---- Priority
// ----------------------------------------------------------------

TEST(PolicyPriorityTest, DisagreementPriorityGrowsWithMinorityShare) {
  const FieldPolicy f =
      ProjectPolicy::Default("p", 3).For("dx", Layer::kInterpretive);
  FieldView even = View({A("a1", "a", 1), A("a2", "b", 2), A("a3", "c", 3)});
  EXPECT_EQ(Evaluate(f, Split()).priority, 333333);  // 1 - 2/3
  EXPECT_EQ(Evaluate(f, even).priority, 666666);     // 1 - 1/3
}

TEST(PolicyPriorityTest, AgeAndExplicit) {
  StatusOr<ProjectPolicy> p = Parse(
      R"({"dx": {"priority": {"by": "explicit", "value": 42}},
          "finding": {"priority": {"by": "age"},
                      "triggers": {"disagreement": true}}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(Evaluate(p->For("dx", Layer::kInterpretive), Split()).priority, 42);
  FieldView v = View({A("a1", "x", 1), A("a2", "y", 2), A("a3", "x", 3)});
  EXPECT_EQ(Evaluate(p->For("finding", Layer::kDescriptive), v).priority, 0);
}

// ---- Parsing
// -------------------------------------------------------------------

TEST(PolicyParseTest, FullDocumentResolves) {
  StatusOr<ProjectPolicy> p = Parse(
      R"({"dx": {"min_annotations": 2, "adjudicators": 2,
                 "triggers": {"disagreement": true, "entropy_at_least": 0.4}}})",
      R"("lease_seconds": 120, "senior_adjudicators": ["s2", "s1"], )");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->project, "p");
  EXPECT_EQ(p->version, 1);
  EXPECT_EQ(p->lease_micros, 120'000'000);
  EXPECT_EQ(p->senior_adjudicators, (std::vector<std::string>{"s1", "s2"}));
  EXPECT_TRUE(p->IsSenior("s1"));
  EXPECT_FALSE(p->IsSenior("s3"));
  const FieldPolicy dx = p->For("dx", Layer::kInterpretive);
  EXPECT_EQ(dx.adjudicators, 2u);
  EXPECT_EQ(dx.min_annotations, 2u);
  EXPECT_EQ(dx.entropy_at_least, 0.4);
  // A field the document does not name keeps the default.
  EXPECT_EQ(p->For("finding", Layer::kDescriptive).disagreement, false);
  EXPECT_EQ(p->For("finding", Layer::kDescriptive).min_annotations, 3u);
}

struct BadPolicy {
  std::string doc;
  std::string message;
};

// Names each case by its expected message in test listings (ctest's names
// come from them), instead of the struct's bytes, which hold heap addresses.
void PrintTo(const BadPolicy& bad, std::ostream* os) { *os << bad.message; }

class PolicyParseErrorTest : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(PolicyParseErrorTest, NamesThePath) {
  StatusOr<ProjectPolicy> p =
      ParsePolicy(GetParam().doc, Schema(), /*overlap_target=*/3);
  ASSERT_FALSE(p.ok()) << GetParam().doc;
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Errors, PolicyParseErrorTest,
    ::testing::Values(
        BadPolicy{R"([])", "adjudication policy: $: must be a JSON object"},
        BadPolicy{R"({"project": "p", "version": 1})",
                  "adjudication policy: fields: is required"},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {}, "x": 1})",
                  "adjudication policy: x: unknown key"},
        BadPolicy{R"({"project": "p", "version": 0, "fields": {}})",
                  "adjudication policy: version: must be an integer from 1 "
                  "to 1000000, got 0"},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {"nope": {}}})",
                  "adjudication policy: fields.nope: schema adj-test@1 has "
                  "no field \"nope\""},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {"notes": {}}})",
                  "adjudication policy: fields.notes: field \"notes\" is "
                  "text: it has no value to compare, so nothing to "
                  "adjudicate"},
        BadPolicy{R"({"project": "p", "version": 1,
                      "fields": {"confidence": {}}})",
                  "adjudication policy: fields.confidence: field "
                  "\"confidence\" is a confidence: it is read as each "
                  "annotator's stated confidence (mean_confidence_at_most), "
                  "not adjudicated"},
        BadPolicy{R"({"project": "p", "version": 1,
                      "fields": {"diff[].alt": {}}})",
                  "adjudication policy: fields.diff[].alt: a field inside a "
                  "list has no single value per annotation; name the list "
                  "itself"},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {"dx":
                      {"triggers": {"entropy_at_least": 1.5}}}})",
                  "adjudication policy: fields.dx.triggers.entropy_at_least: "
                  "must be a number from 0 to 1, got 1.5"},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {"dx":
                      {"triggers": {"disagreement": false}}}})",
                  "adjudication policy: fields.dx.triggers: names no "
                  "trigger: nothing would enter"},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {"dx":
                      {"triggers": {"prelabel_contradicted": true}}}})",
                  "adjudication policy: "
                  "fields.dx.triggers.prelabel_contradicted: field \"dx\" is "
                  "interpretive; models pre-label descriptive fields only"},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {"dx":
                      {"priority": {"by": "loudness"}}}})",
                  "adjudication policy: fields.dx.priority.by: must be "
                  "\"disagreement\", \"age\" or \"explicit\", got "
                  "\"loudness\""},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {"dx":
                      {"priority": {"by": "explicit"}}}})",
                  "adjudication policy: fields.dx.priority.value: is given "
                  "exactly when \"by\" is \"explicit\""},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {"dx":
                      {"adjudicators": 6}}})",
                  "adjudication policy: fields.dx.adjudicators: must be an "
                  "integer from 1 to 5, got 6"},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {},
                      "senior_adjudicators": ["s", "s"]})",
                  "adjudication policy: senior_adjudicators: names \"s\" "
                  "twice"},
        BadPolicy{R"({"project": "p", "version": 1, "fields": {},
                      "lease_seconds": 5})",
                  "adjudication policy: lease_seconds: must be an integer "
                  "from 10 to 86400, got 5"},
        BadPolicy{R"({"project": "p", "version": 1, "version": 2,
                      "fields": {}})",
                  "adjudication policy: duplicate key \"version\""}));

// The policy document is outside input: any bytes either parse or are
// refused with InvalidArgument naming the policy, never anything else.
RC_GTEST_PROP(PolicyParsePropertyTest, AnyMutationParsesOrIsRefusedCleanly,
              ()) {
  std::string doc = R"({"project": "p", "version": 3, "lease_seconds": 60,
    "senior_adjudicators": ["s1"], "fields": {
      "dx": {"min_annotations": 2, "adjudicators": 2,
             "priority": {"by": "explicit", "value": 5},
             "triggers": {"disagreement": true, "entropy_at_least": 0.5,
                          "mean_confidence_at_most": 0.4,
                          "calibration_batch": true}},
      "finding": {"triggers": {"prelabel_contradicted": true}}}})";
  RC_ASSERT(ParsePolicy(doc, Schema(), 3).ok());
  const auto edits = *rc::gen::container<std::vector<std::pair<size_t, char>>>(
      rc::gen::pair(rc::gen::arbitrary<size_t>(), rc::gen::arbitrary<char>()));
  for (const auto& [where, byte] : edits) {
    const size_t at = where % (doc.size() + 1);
    switch (where % 3) {
      case 0:
        doc.insert(doc.begin() + static_cast<ptrdiff_t>(at), byte);
        break;
      case 1:
        if (at < doc.size()) doc[at] = byte;
        break;
      default:
        if (at < doc.size()) doc.erase(at, 1);
    }
  }
  StatusOr<ProjectPolicy> p = ParsePolicy(doc, Schema(), 3);
  RC_CLASSIFY(p.ok(), "still parses");
  if (p.ok()) {
    RC_ASSERT(!p->project.empty());
    RC_ASSERT(p->version >= 1);
    return;
  }
  RC_ASSERT(p.status().code() == StatusCode::kInvalidArgument);
  RC_ASSERT(p.status().message().rfind("adjudication policy", 0) == 0);
}

}  // namespace
}  // namespace consilium::adjudication
