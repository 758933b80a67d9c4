#include "schemas/event_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

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
  EXPECT_NE(j.find(R"("content":{"text":"Fever, cough."})"), std::string::npos)
      << j;
  EXPECT_NE(j.find(R"("metadata":{"age_band":"40-49","site":"B"})"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find(R"("time":"2023-11-14T22:13:20.000001Z")"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find(R"("request_id":"r1")"), std::string::npos) << j;
}

TEST(EventJsonTest, RejectsMalformedJson) {
  auto d = DraftFromJson("{\"type\": ");
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().message().rfind("event is not valid JSON", 0), 0u)
      << d.status().message();
}

// Issue 13, defect 2: a duplicate key used to be accepted, the last one
// winning (two actors: the ledger recorded "b"). Now refused, with its path.
TEST(EventJsonTest, RejectsDuplicateKeysNamingTheirPath) {
  auto d = DraftFromJson(R"({"type":"ProjectCreated","actor":"a","actor":"b",)"
                         R"("body":{"project_id":"p","name":"x"}})");
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().message(), R"(event has a duplicate key "actor")");
  d = DraftFromJson(R"({"type":"ProjectCreated","actor":"a","actor":"b",)"
                    R"("body":{"project_id":"p","name":"x","name":"y"}})");
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().message(), R"(event has a duplicate key "body.name")");
  // A leading byte order mark is named, not "syntax error".
  d = DraftFromJson(
      "\xEF\xBB\xBF{\"type\":\"ProjectCreated\",\"actor\":\"a\","
      "\"body\":{\"project_id\":\"p\",\"name\":\"x\"}}");
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("UTF-8 byte order mark"),
            std::string::npos)
      << d.status().message();
  EXPECT_TRUE(DraftFromJson(R"({"type":"ProjectCreated","actor":"a",)"
                            R"("body":{"project_id":"p","name":"x"}})")
                  .ok());
}

TEST(EventJsonTest, RejectsUnknownTypeNamingTheKnownOnes) {
  auto d = DraftFromJson(R"({"type":"RecordDeleted","actor":"a","body":{}})");
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().message(),
            "type: unknown event type \"RecordDeleted\" (known: "
            "ProjectCreated, RecordImported, "
            "PrincipalRegistered, RoleGranted, RoleRevoked, TokenIssued, "
            "SchemaPublished, "
            "CalibrationBatchCreated, AssignmentCreated, AssignmentRevoked, "
            "AnnotationSubmitted, "
            "AnnotationRevised, AnnotationWithdrawn, AccessRecorded, "
            "GoldAnswerRecorded, "
            "AdjudicationDecided)");
}

TEST(EventJsonTest, RejectsMissingAndUnknownFields) {
  EXPECT_EQ(
      DraftFromJson(
          R"({"type":"ProjectCreated","body":{"project_id":"p","name":"n"}})")
          .status()
          .message(),
      "actor: required string is missing");
  EXPECT_EQ(DraftFromJson(
                R"({"type":"ProjectCreated","actor":"a","body":{"name":"n"}})")
                .status()
                .message(),
            "body.project_id: required string is missing");
  EXPECT_EQ(
      DraftFromJson(
          R"({"type":"ProjectCreated","actor":"a","body":{"project_id":"p","name":"n","x":1}})")
          .status()
          .message(),
      "body.x: unknown key");
  EXPECT_EQ(
      DraftFromJson(
          R"({"type":"ProjectCreated","actor":"a","body":{"project_id":5,"name":"n"}})")
          .status()
          .message(),
      "body.project_id: must be a string");
  EXPECT_EQ(
      DraftFromJson(
          R"({"type":"ProjectCreated","actor":"a","body":{"project_id":"","name":"n"}})")
          .status()
          .message(),
      "body.project_id: must not be empty");
}

TEST(EventJsonTest, RejectsOversizedEventsAndIds) {
  std::string big(kMaxEventBytes, 'x');
  auto d = DraftFromJson(
      R"({"type":"RecordImported","actor":"a","body":{"record_id":"r",)"
      R"("project_id":"p","content":")" +
      big + "\"}}");
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("the limit is 1048576"),
            std::string::npos)
      << d.status().message();
  std::string long_id(kMaxIdBytes + 1, 'r');
  auto e = DraftFromJson(
      R"({"type":"ProjectCreated","actor":"a","body":{"project_id":")" +
      long_id + R"(","name":"n"}})");
  EXPECT_EQ(e.status().message(),
            "body.project_id: 257 bytes; ids are at most 256");
}

TEST(EventJsonTest, CanonicalJsonSortsKeysAndDropsWhitespace) {
  auto c = CanonicalizeJson(
      R"({ "b": [1, 2.5, {"z": true, "a": null}], "a": "x" })");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, R"({"a":"x","b":[1,2.5E0,{"a":null,"z":true}]})");
}

// Found by tests/fuzz/event_json_fuzz.cc: an accepted event must print (as
// `consilium events` does) to JSON that appends back to the same bytes.
// Returns the printed line with only the input keys, or "" on failure.
std::string PrintedInputForm(const std::string& line, std::string* unstamped) {
  StatusOr<EventDraft> d = DraftFromJson(line);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  if (!d.ok()) return "";
  *unstamped = d->bytes();
  const Hash256 hash = d->Stamp(3, Hash256{}, 1'700'000'000'000'000);
  boost::json::parse_options opt;
  opt.max_depth = 128;
  boost::json::object printed =
      boost::json::parse(EventToJson(3, hash, d->bytes()), {}, opt).as_object();
  boost::json::object in;
  for (const char* key : {"type", "actor", "body"}) in[key] = printed[key];
  in["body"].as_object().erase("content_hash");
  return boost::json::serialize(in);
}

void ExpectAppendsBackUnchanged(const std::string& line) {
  std::string unstamped;
  const std::string printed = PrintedInputForm(line, &unstamped);
  StatusOr<EventDraft> again = DraftFromJson(printed);
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << printed;
  EXPECT_EQ(again->bytes(), unstamped) << printed;
}

TEST(EventJsonTest, PayloadsNestedDeeperThan32PrintAsJsonAndAppendBack) {
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  ExpectAppendsBackUnchanged(
      R"({"type":"GoldAnswerRecorded","actor":"a","body":{"project_id":"p",)"
      R"("record_id":"r","schema_id":"s","schema_version":1,"values":{"v":)" +
      deep + "}}}");
  ExpectAppendsBackUnchanged(
      R"({"type":"RecordImported","actor":"a","body":{"record_id":"r",)"
      R"("project_id":"p","content":{"c":)" +
      deep + R"(},"metadata":{"m":)" + deep + "}}}");
}

TEST(EventJsonTest, SchemaDefinitionGivenAsStringIsStoredCanonical) {
  const std::string as_string =
      R"({"type":"SchemaPublished","actor":"a","body":{"definition":)"
      R"("{ \"version\": 1, \"id\": \"s\", \"title\": \"t\", )"
      R"(\"fields\": [{\"name\": \"f\", \"type\": \"boolean\", )"
      R"(\"layer\": \"descriptive\"}]}"}})";
  ExpectAppendsBackUnchanged(as_string);
  const std::string as_object =
      R"({"type":"SchemaPublished","actor":"a","body":{"definition":)"
      R"({"id":"s","version":1,"title":"t","fields":[{"name":"f",)"
      R"("type":"boolean","layer":"descriptive"}]}}})";
  StatusOr<EventDraft> a = DraftFromJson(as_string);
  StatusOr<EventDraft> b = DraftFromJson(as_object);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->bytes(), b->bytes());
}

TEST(EventJsonTest, RejectsNumbersThatDoNotReadBackExactly) {
  const auto values = [](const std::string& v) {
    return DraftFromJson(
        R"({"type":"AnnotationSubmitted","actor":"a","body":{)"
        R"("annotation_id":"x","project_id":"p","record_id":"r",)"
        R"("annotator_id":"n","schema_id":"s","schema_version":1,)"
        R"("values":{"v":)" +
        v + "}}}");
  };
  // Boost.JSON reads 1e30615 as infinity, which used to be stored as the
  // text "Infinity" (not JSON) and printed back as a string.
  StatusOr<EventDraft> inf = values("1e30615");
  EXPECT_EQ(inf.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(inf.status().message(),
            "event has a number beyond the range of a double");
  EXPECT_EQ(CanonicalizeJson("[-1e400]").status().code(),
            StatusCode::kInvalidArgument);
  // Boost.JSON 1.81 rounds this one to a double whose shortest form reads
  // back as its neighbour: stored, it changed on every print and append.
  StatusOr<EventDraft> imprecise = values("-9223372046757835808");
  EXPECT_EQ(imprecise.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(imprecise.status().message(),
            "event has a number, -9.223372046757835E18, that does not read "
            "back exactly; give it with fewer digits");
  ExpectAppendsBackUnchanged(
      R"({"type":"GoldAnswerRecorded","actor":"a","body":{"project_id":"p",)"
      R"("record_id":"r","schema_id":"s","schema_version":1,"values":)"
      R"({"max":1.7976931348623157e308,"tiny":5e-324,"neg":-0.0,)"
      R"("big":18446744073709551615,"min":-9223372036854775808,"f":0.1}}})");
}

}  // namespace
}  // namespace consilium
