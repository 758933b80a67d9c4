// The domain event types: JSON codec in both directions (strict input, the
// printed form appends back to the same bytes), record/project index keys,
// and FlatBuffers defaults for fields appended to ProjectCreated.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "schemas/event.h"
#include "schemas/event_json.h"

namespace consilium {
namespace {

namespace json = boost::json;

// Encodes `line`, prints it as `consilium events` would, re-encodes the
// printed type/actor/body and checks that the bytes are identical.
std::string RoundTrip(const std::string& line) {
  auto d = DraftFromJson(line);
  EXPECT_TRUE(d.ok()) << d.status().ToString() << "\n" << line;
  if (!d.ok()) return "";
  std::string unstamped = d->bytes();
  Hash256 hash = d->Stamp(5, Hash256{}, 1'700'000'000'000'000);
  EXPECT_TRUE(VerifyStoredEvent(d->bytes()).ok());
  std::string out = EventToJson(5, hash, d->bytes());
  json::object printed = json::parse(out).as_object();
  json::object again;
  again["type"] = printed["type"];
  again["actor"] = printed["actor"];
  again["body"] = printed["body"];
  auto d2 = DraftFromJson(json::serialize(again));
  EXPECT_TRUE(d2.ok()) << d2.status().ToString() << "\n" << out;
  if (d2.ok()) {
    EXPECT_EQ(d2->bytes(), unstamped) << out;
  }
  return out;
}

std::string Line(const std::string& type, const std::string& body) {
  return R"({"type":")" + type + R"(","actor":"admin","body":)" + body + "}";
}

std::string Error(const std::string& type, const std::string& body) {
  auto d = DraftFromJson(Line(type, body));
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  return d.status().message();
}

constexpr char kSchema[] =
    R"({"id":"sev","version":1,"title":"Severity","fields":[{"name":"sev","type":"ordinal","layer":"interpretive","levels":["mild","severe"]}]})";

TEST(DomainEventsTest, EveryTypeRoundTripsThroughItsJsonForm) {
  std::string values = R"({"confidence":0.5,"primary_diagnosis":"J18.9"})";
  std::vector<std::pair<std::string, std::string>> cases = {
      {"ProjectCreated",
       R"({"project_id":"p1","name":"P","overlap_target":3,"blind_mode":true})"},
      {"PrincipalRegistered",
       R"({"principal_id":"bot","kind":"model","pseudonym":"M-1","model_name":"cxr","model_version":"2"})"},
      {"PrincipalRegistered",
       R"({"principal_id":"dr-a","display_name":"Dr A"})"},
      {"RoleGranted",
       R"({"principal_id":"dr-a","role":"annotator","project_id":"p1"})"},
      {"RoleRevoked", R"({"principal_id":"dr-a","role":"auditor"})"},
      {"TokenIssued", R"({"principal_id":"dr-a","token_sha256":")" +
                          std::string(64, 'a') +
                          R"(","expires_at_us":1800000000000000})"},
      {"TokenRevoked", R"({"principal_id":"dr-a","token_sha256":")" +
                           std::string(64, 'b') + R"(","reason":"leaked"})"},
      {"TokenRevoked", R"({"principal_id":"dr-a","token_sha256":")" +
                           std::string(64, 'c') + R"("})"},
      {"SchemaPublished", R"({"definition":)" + std::string(kSchema) + "}"},
      {"CalibrationBatchCreated",
       R"({"project_id":"p1","batch_id":"b1","record_ids":["r1","r2"]})"},
      {"AssignmentCreated",
       R"({"project_id":"p1","record_id":"r1","annotator_id":"dr-a"})"},
      {"AssignmentRevoked",
       R"({"project_id":"p1","record_id":"r1","annotator_id":"dr-a","reason":"rotation"})"},
      {"AnnotationSubmitted",
       R"({"annotation_id":"a-1","project_id":"p1","record_id":"r1","annotator_id":"dr-a","schema_id":"dx","schema_version":3,"values":)" +
           values + "}"},
      {"AnnotationRevised",
       R"({"annotation_id":"a-1","project_id":"p1","record_id":"r1","expected_revision":1,"values":)" +
           values + R"(,"reason":"typo"})"},
      {"AnnotationWithdrawn",
       R"({"annotation_id":"a-1","project_id":"p1","record_id":"r1","expected_revision":2,"reason":"wrong"})"},
      {"AccessRecorded",
       R"({"resource_kind":"record","resource_id":"r1","action":"read","purpose":"review","allowed":false,"reason":"not assigned","record_id":"r1","project_id":"p1"})"},
      {"GoldAnswerRecorded",
       R"({"project_id":"p1","record_id":"r1","schema_id":"dx","schema_version":1,"values":)" +
           values + "}"},
  };
  for (const auto& [type, body] : cases) {
    SCOPED_TRACE(type);
    std::string out = RoundTrip(Line(type, body));
    EXPECT_NE(out.find("\"type\":\"" + type + "\""), std::string::npos) << out;
  }
}

TEST(DomainEventsTest, PrintedBodiesShowTheDecodedFields) {
  std::string out = RoundTrip(Line(
      "AnnotationSubmitted",
      R"({"annotation_id":"a-1","project_id":"p1","record_id":"r1","annotator_id":"dr-a","schema_id":"dx","schema_version":3,"values":{"b":1,"a":"x"}})"));
  EXPECT_NE(out.find(R"("values":{"a":"x","b":1})"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("revision":1)"), std::string::npos) << out;
  out = RoundTrip(Line("SchemaPublished",
                       R"({"definition":)" + std::string(kSchema) + "}"));
  EXPECT_NE(out.find(R"("schema_id":"sev","version":1)"), std::string::npos)
      << out;
  out = RoundTrip(Line("ProjectCreated", R"({"project_id":"p1","name":"P"})"));
  EXPECT_NE(out.find(R"("blind_mode":false)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("overlap_target":0)"), std::string::npos) << out;
}

TEST(DomainEventsTest, InputIsStrictAndMessagesNameTheKey) {
  EXPECT_EQ(Error("RoleGranted", R"({"principal_id":"x","role":"boss"})"),
            "body.role: unknown role \"boss\" (known: admin, annotator, "
            "adjudicator, researcher, "
            "auditor)");
  EXPECT_EQ(Error("RoleGranted",
                  R"({"principal_id":"x","role":"admin","scope":"p"})"),
            "body.scope: unknown key");
  EXPECT_EQ(
      Error("PrincipalRegistered", R"({"principal_id":"x","kind":"model"})"),
      "body.model_name: required for a model");
  EXPECT_EQ(
      Error("PrincipalRegistered", R"({"principal_id":"x","model_name":"m"})"),
      "body.model_name: only a principal of kind \"model\" has a model");
  EXPECT_EQ(
      Error("PrincipalRegistered", R"({"principal_id":"x","kind":"robot"})"),
      "body.kind: must be \"person\" or \"model\"");
  EXPECT_EQ(
      Error("TokenIssued",
            R"({"principal_id":"x","token_sha256":"abc","expires_at_us":1})"),
      "body.token_sha256: must be 64 hex digits (a SHA-256)");
  EXPECT_EQ(Error("TokenIssued",
                  R"({"principal_id":"x","token":"secret","token_sha256":")" +
                      std::string(64, '0') + R"(","expires_at_us":1})"),
            "body.token: unknown key");
  EXPECT_EQ(
      Error("TokenRevoked", R"({"principal_id":"x","token_sha256":"ab"})"),
      "body.token_sha256: must be 64 hex digits (a SHA-256)");
  EXPECT_EQ(Error("TokenRevoked",
                  R"({"token_sha256":")" + std::string(64, '0') + R"("})"),
            "body.principal_id: required string is missing");
  EXPECT_EQ(Error("SchemaPublished", R"({"definition":{"id":"x"}})"),
            "body.definition: schema: \"version\" is required");
  EXPECT_EQ(
      Error("SchemaPublished",
            R"({"definition":)" + std::string(kSchema) + R"(,"version":2})"),
      "body.version: differs from the definition's version");
  EXPECT_EQ(Error("CalibrationBatchCreated",
                  R"({"project_id":"p","batch_id":"b","record_ids":[]})"),
            "body.record_ids: must not be empty");
  EXPECT_EQ(
      Error("CalibrationBatchCreated",
            R"({"project_id":"p","batch_id":"b","record_ids":["r","r"]})"),
      "body.record_ids[1]: duplicate record \"r\"");
  EXPECT_EQ(
      Error(
          "AnnotationSubmitted",
          R"({"annotation_id":"a","project_id":"p","record_id":"r","annotator_id":"x","schema_id":"s","schema_version":0,"values":{}})"),
      "body.schema_version: must be at least 1");
  EXPECT_EQ(
      Error(
          "AnnotationSubmitted",
          R"({"annotation_id":"a","project_id":"p","record_id":"r","annotator_id":"x","schema_id":"s","schema_version":1,"values":[]})"),
      "body.values: must be an object");
  EXPECT_EQ(
      Error(
          "AnnotationRevised",
          R"({"annotation_id":"a","project_id":"p","record_id":"r","expected_revision":1,"new_revision":5,"values":{}})"),
      "body.new_revision: must be expected_revision + 1");
  EXPECT_EQ(
      Error(
          "AnnotationWithdrawn",
          R"({"annotation_id":"a","project_id":"p","record_id":"r","expected_revision":-1})"),
      "body.expected_revision: must be an integer in [0, 4294967295]");
  EXPECT_EQ(
      Error("AccessRecorded",
            R"({"resource_kind":"record","resource_id":"r","action":"read"})"),
      "body.allowed: required");
  EXPECT_EQ(Error("ProjectCreated",
                  R"({"project_id":"p","name":"n","blind_mode":1})"),
            "body.blind_mode: must be true or false");
}

TEST(DomainEventsTest, RecordAndProjectIdsFeedTheIndexes) {
  struct Case {
    std::string type, body, record, project;
  };
  std::vector<Case> cases = {
      {"AssignmentCreated",
       R"({"project_id":"p1","record_id":"r1","annotator_id":"a"})", "r1",
       "p1"},
      {"AnnotationRevised",
       R"({"annotation_id":"x","project_id":"p1","record_id":"r1","expected_revision":1,"values":{}})",
       "r1", "p1"},
      {"AnnotationWithdrawn",
       R"({"annotation_id":"x","project_id":"p1","record_id":"r1","expected_revision":1})",
       "r1", "p1"},
      {"AccessRecorded",
       R"({"resource_kind":"annotation","resource_id":"x","action":"read","allowed":true,"record_id":"r1","project_id":"p1"})",
       "r1", "p1"},
      {"GoldAnswerRecorded",
       R"({"project_id":"p1","record_id":"r1","schema_id":"s","schema_version":1,"values":{}})",
       "r1", "p1"},
      {"RoleGranted",
       R"({"principal_id":"a","role":"annotator","project_id":"p1"})", "",
       "p1"},
      {"CalibrationBatchCreated",
       R"({"project_id":"p1","batch_id":"b","record_ids":["r1"]})", "", "p1"},
      {"TokenIssued",
       R"({"principal_id":"a","token_sha256":")" + std::string(64, 'f') +
           R"(","expires_at_us":0})",
       "", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.type);
    auto d = DraftFromJson(Line(c.type, c.body));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(RecordIdOf(*d->event()), c.record);
    EXPECT_EQ(ProjectIdOf(*d->event()), c.project);
    EXPECT_EQ(EventTypeName(d->event()->body_type()), c.type);
  }
}

// A ProjectCreated written before overlap_target and blind_mode existed
// lacks both fields; it must read as "no target, not blind".
TEST(DomainEventsTest, OldProjectCreatedReadsTheSchemaDefaults) {
  EventDraft old =
      BuildDraft({"admin", ""}, [](flatbuffers::FlatBufferBuilder& fbb) {
        auto id = fbb.CreateString("p1");
        auto name = fbb.CreateString("P");
        fb::ProjectCreatedBuilder b(fbb);  // only the original two fields
        b.add_project_id(id);
        b.add_name(name);
        return std::make_pair(fb::EventBody::ProjectCreated,
                              b.Finish().Union());
      });
  ASSERT_TRUE(old.Validate().ok());
  const auto* body = old.event()->body_as_ProjectCreated();
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(body);
  EXPECT_FALSE(table->CheckField(fb::ProjectCreated::VT_OVERLAP_TARGET));
  EXPECT_EQ(body->overlap_target(), 0u);
  EXPECT_FALSE(body->blind_mode());
  // New drafts always carry both (ForceDefaults), even at their defaults.
  EventDraft now = MakeProjectCreated({"admin", ""}, "p1", "P", 0, false);
  const auto* t2 = reinterpret_cast<const flatbuffers::Table*>(
      now.event()->body_as_ProjectCreated());
  EXPECT_TRUE(t2->CheckField(fb::ProjectCreated::VT_OVERLAP_TARGET));
  EXPECT_TRUE(t2->CheckField(fb::ProjectCreated::VT_BLIND_MODE));
}

TEST(DomainEventsTest, DraftValidationChecksTheDomainIds) {
  EventDraft d = MakeAnnotationSubmitted({"a", ""}, {.annotation_id = "",
                                                     .project_id = "p",
                                                     .record_id = "r",
                                                     .annotator_id = "x",
                                                     .schema_id = "s",
                                                     .schema_version = 1,
                                                     .values = "{}"});
  EXPECT_EQ(d.Validate().message(), "annotation_id is required");
  EventDraft ok = MakeAccessRecorded({"a", ""}, {.resource_kind = "record",
                                                 .resource_id = "r",
                                                 .action = "read",
                                                 .allowed = true});
  EXPECT_TRUE(ok.Validate().ok());
  EXPECT_EQ(RecordIdOf(*ok.event()), "");
}

TEST(DomainEventsTest, RoleNamesRoundTrip) {
  for (fb::Role r :
       {fb::Role::Admin, fb::Role::Annotator, fb::Role::Adjudicator,
        fb::Role::Researcher, fb::Role::Auditor}) {
    EXPECT_EQ(RoleFromName(RoleName(r)), r);
  }
  EXPECT_EQ(RoleFromName("root"), fb::Role::Unspecified);
  EXPECT_EQ(PrincipalKindName(fb::PrincipalKind::Model), "model");
}

}  // namespace
}  // namespace consilium
