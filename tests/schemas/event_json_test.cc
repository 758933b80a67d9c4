#include "schemas/event_json.h"

#include <gtest/gtest.h>

namespace consilium {
namespace {

TEST(EventJsonTest, RecordImportedRoundTripsThroughTheLedgerForm) {
  auto d = DraftFromJson(
      R"({"type":"RecordImported","actor":"importer","request_id":"r1",)"
      R"("body":{"record_id":"rec-1","project_id":"p1","content":{"text":"Fever, cough."},)"
      R"("metadata":{"site":"B","age_band":"40-49"}}})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  Hash256 hash = d->Stamp(7, Hash256{}, 1'700'000'000'000'001);
  EXPECT_EQ(hash, LeafHash(AsBytes(d->bytes())));
  ASSERT_TRUE(VerifyStoredEvent(d->bytes()).ok());
  std::string j = EventToJson(7, hash, d->bytes());
  EXPECT_NE(j.find(R"("seq":7)"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("type":"RecordImported")"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("content":{"text":"Fever, cough."})"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("metadata":{"age_band":"40-49","site":"B"})"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("time":"2023-11-14T22:13:20.000001Z")"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("request_id":"r1")"), std::string::npos) << j;
}

TEST(EventJsonTest, RejectsMalformedJson) {
  auto d = DraftFromJson("{\"type\": ");
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().message().rfind("event is not valid JSON", 0), 0u) << d.status().message();
}

TEST(EventJsonTest, RejectsUnknownTypeNamingTheKnownOnes) {
  auto d = DraftFromJson(R"({"type":"RecordDeleted","actor":"a","body":{}})");
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().message(),
            "type: unknown event type \"RecordDeleted\" (known: ProjectCreated, RecordImported, "
            "PrincipalRegistered, RoleGranted, RoleRevoked, TokenIssued, SchemaPublished, "
            "CalibrationBatchCreated, AssignmentCreated, AssignmentRevoked, AnnotationSubmitted, "
            "AnnotationRevised, AnnotationWithdrawn, AccessRecorded, GoldAnswerRecorded)");
}

TEST(EventJsonTest, RejectsMissingAndUnknownFields) {
  EXPECT_EQ(DraftFromJson(R"({"type":"ProjectCreated","body":{"project_id":"p","name":"n"}})")
                .status()
                .message(),
            "actor: required string is missing");
  EXPECT_EQ(DraftFromJson(R"({"type":"ProjectCreated","actor":"a","body":{"name":"n"}})")
                .status()
                .message(),
            "body.project_id: required string is missing");
  EXPECT_EQ(
      DraftFromJson(R"({"type":"ProjectCreated","actor":"a","body":{"project_id":"p","name":"n","x":1}})")
          .status()
          .message(),
      "body.x: unknown key");
  EXPECT_EQ(DraftFromJson(R"({"type":"ProjectCreated","actor":"a","body":{"project_id":5,"name":"n"}})")
                .status()
                .message(),
            "body.project_id: must be a string");
  EXPECT_EQ(DraftFromJson(R"({"type":"ProjectCreated","actor":"a","body":{"project_id":"","name":"n"}})")
                .status()
                .message(),
            "body.project_id: must not be empty");
}

TEST(EventJsonTest, RejectsOversizedEventsAndIds) {
  std::string big(kMaxEventBytes, 'x');
  auto d = DraftFromJson(R"({"type":"RecordImported","actor":"a","body":{"record_id":"r",)"
                         R"("project_id":"p","content":")" + big + "\"}}");
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("the limit is 1048576"), std::string::npos)
      << d.status().message();
  std::string long_id(kMaxIdBytes + 1, 'r');
  auto e = DraftFromJson(R"({"type":"ProjectCreated","actor":"a","body":{"project_id":")" +
                         long_id + R"(","name":"n"}})");
  EXPECT_EQ(e.status().message(), "body.project_id: 257 bytes; ids are at most 256");
}

TEST(EventJsonTest, CanonicalJsonSortsKeysAndDropsWhitespace) {
  auto c = CanonicalizeJson(R"({ "b": [1, 2.5, {"z": true, "a": null}], "a": "x" })");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, R"({"a":"x","b":[1,2.5E0,{"a":null,"z":true}]})");
}

}  // namespace
}  // namespace consilium
