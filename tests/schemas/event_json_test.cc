#include "schemas/event_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string_view>
#include <utility>

#include "schemas/event.h"

namespace consilium {
namespace {

// Found by the stored_event fuzz target (its corpus file
// crash-number-beyond-double-range): appends refuse a number beyond the
// range of a double, but a stored event that has one anyway (written by
// hand, or tampered with) printed it as "Infinity", which is not JSON. Its
// content now prints as its stored text.
TEST(EventJsonTest, AStoredNumberBeyondADoublePrintsAsJson) {
  EventDraft d = MakeRecordImported({"importer", ""}, "rec-1", "p1",
                                    R"({"list":[1,34E510]})", "{}");
  const Hash256 hash = d.Stamp(1, Hash256{}, 1'700'000'000'000'000);
  ASSERT_TRUE(VerifyStoredEvent(d.bytes()).ok());
  const std::string j = EventToJson(1, hash, d.bytes());
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(j, ec);
  ASSERT_FALSE(ec) << j;
  EXPECT_EQ(j.find("Infinity"), std::string::npos) << j;
  EXPECT_EQ(v.at("body").at("content"),
            boost::json::value(R"({"list":[1,34E510]})"))
      << j;
}

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
            "AdjudicationDecided, TokenRevoked)");
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

namespace consilium {
namespace {

// A RecordImported whose content payload has the given encoding and ids,
// built as the compliance work will (envelope flag, not content).
EventDraft RecordWithPayload(fb::PayloadEncoding encoding,
                             std::string_view data, bool force_defaults) {
  return BuildDraft({"importer", ""}, [&](flatbuffers::FlatBufferBuilder& fbb) {
    fbb.ForceDefaults(force_defaults);
    auto rid = fbb.CreateString("r1");
    auto pid = fbb.CreateString("p1");
    auto subject = fbb.CreateString("s");
    auto key = fbb.CreateString("k");
    auto bytes = fbb.CreateVector(reinterpret_cast<const uint8_t*>(data.data()),
                                  data.size());
    fb::PayloadBuilder pb(fbb);
    pb.add_encoding(encoding);
    if (encoding != fb::PayloadEncoding::Plain) {
      pb.add_subject_id(subject);
      pb.add_key_id(key);
    }
    pb.add_data(bytes);
    auto payload = pb.Finish();
    fb::RecordImportedBuilder rb(fbb);
    rb.add_record_id(rid);
    rb.add_project_id(pid);
    rb.add_content(payload);
    auto body = rb.Finish();
    fbb.ForceDefaults(true);
    return std::make_pair(fb::EventBody::RecordImported, body.Union());
  });
}

// Issue 13, defect 7: plain content shaped like the sealed form printed
// exactly like sealed content. The envelope's Payload.encoding tells them
// apart; the JSON form now keeps them under different keys.
TEST(EventJsonTest, PlainContentShapedLikeSealedNeverReadsAsSealed) {
  auto plain = DraftFromJson(
      R"({"type":"RecordImported","actor":"importer","body":{"record_id":"r1",)"
      R"("project_id":"p1","content":{"sealed":true,"subject_id":"s","key_id":"k"}}})");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  const fb::Payload* stored =
      plain->event()->body_as_RecordImported()->content();
  EXPECT_EQ(stored->encoding(), fb::PayloadEncoding::Plain);
  EXPECT_EQ(PlainPayload(stored),
            R"({"key_id":"k","sealed":true,"subject_id":"s"})");

  EventDraft sealed = RecordWithPayload(fb::PayloadEncoding::Sealed,
                                        "ciphertext", /*force_defaults=*/true);
  ASSERT_TRUE(sealed.Validate().ok()) << sealed.Validate().ToString();
  EXPECT_EQ(PlainPayload(sealed.event()->body_as_RecordImported()->content()),
            "");

  auto body_of = [](const EventDraft& d) {
    return boost::json::parse(EventToJson(1, Hash256{}, d.bytes()))
        .as_object()
        .at("body")
        .as_object();
  };
  boost::json::object p = body_of(*plain);
  boost::json::object s = body_of(sealed);
  EXPECT_EQ(
      p.at("content"),
      boost::json::parse(R"({"sealed":true,"subject_id":"s","key_id":"k"})"));
  EXPECT_FALSE(p.contains("content_sealed"));
  EXPECT_FALSE(s.contains("content")) << boost::json::serialize(s);
  EXPECT_EQ(s.at("content_sealed"),
            boost::json::parse(R"({"subject_id":"s","key_id":"k"})"));

  // The other direction: no JSON input makes sealed content. `content` is
  // always stored Plain (above); the sealed key is not an input key.
  auto forged = DraftFromJson(
      R"({"type":"RecordImported","actor":"importer","body":{"record_id":"r1",)"
      R"("project_id":"p1","content_sealed":{"subject_id":"s","key_id":"k"}}})");
  EXPECT_EQ(forged.status().code(), StatusCode::kInvalidArgument);
}

// A payload written without its encoding field (FlatBuffers omits a default
// value unless forced, as a writer before ForceDefaults did) reads as Plain,
// and an encoding this build does not know is never shown as plain content.
TEST(EventJsonTest, PayloadEncodingDefaultsToPlainAndUnknownIsNotPlain) {
  EventDraft old = RecordWithPayload(fb::PayloadEncoding::Plain, "\"Fever.\"",
                                     /*force_defaults=*/false);
  ASSERT_TRUE(old.Validate().ok()) << old.Validate().ToString();
  const fb::Payload* p = old.event()->body_as_RecordImported()->content();
  // Generated tables derive privately from flatbuffers::Table.
  EXPECT_FALSE(reinterpret_cast<const flatbuffers::Table*>(p)->CheckField(
      fb::Payload::VT_ENCODING))
      << "the field must be absent for this test to mean anything";
  std::string j = EventToJson(1, Hash256{}, old.bytes());
  EXPECT_NE(j.find(R"("content":"Fever.")"), std::string::npos) << j;

  EventDraft future = RecordWithPayload(static_cast<fb::PayloadEncoding>(7),
                                        "\"Fever.\"", true);
  j = EventToJson(1, Hash256{}, future.bytes());
  EXPECT_EQ(j.find("Fever."), std::string::npos) << j;
  EXPECT_NE(j.find(R"("content_sealed":{"encoding":7,"key_id":"k",)"),
            std::string::npos)
      << j;
}

}  // namespace
}  // namespace consilium
