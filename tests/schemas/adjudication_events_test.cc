// The adjudication engine's events (docs/adjudication.md, "Events"): their
// builders, Validate's id rules, their printed JSON, that JSON input refuses
// them, and that AdjudicationDecided's appended fields leave a decision
// without them byte-identical to one built before they existed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schemas/event.h"
#include "schemas/event_json.h"

namespace consilium {
namespace {

const EventHeader kHeader{"adj-1", ""};

// The printed body of `d` (as `consilium events` prints it), stamped as 9.
std::string PrintedBody(EventDraft d) {
  EXPECT_TRUE(d.Validate().ok()) << d.Validate().ToString();
  Hash256 hash = d.Stamp(9, Hash256{}, 1'700'000'000'000'000);
  EXPECT_TRUE(VerifyStoredEvent(d.bytes()).ok());
  const std::string out = EventToJson(9, hash, d.bytes());
  const size_t from = out.find(R"("body":)");
  const size_t to = out.find(R"(,"hash":)");
  EXPECT_NE(from, std::string::npos) << out;
  return out.substr(from + 7, to - from - 7);
}

TEST(AdjudicationEventsTest, PolicySetPrintsItsDocumentAsJson) {
  EventDraft d = MakeAdjudicationPolicySet(
      {"admin", ""}, {.project_id = "p1",
                      .version = 2,
                      .document = R"({"project":"p1","version":2})",
                      .schema_id = "cxr",
                      .schema_version = 3});
  EXPECT_EQ(ProjectIdOf(*d.event()), "p1");
  EXPECT_EQ(RecordIdOf(*d.event()), "");
  EXPECT_EQ(EventTypeName(d.event()->body_type()), "AdjudicationPolicySet");
  EXPECT_EQ(PrintedBody(std::move(d)),
            R"({"document":{"project":"p1","version":2},"project_id":"p1",)"
            R"("schema_id":"cxr","schema_version":3,"version":2})");
}

TEST(AdjudicationEventsTest, ClaimedCarriesItsDeadlineAndWhatItWeighed) {
  const std::vector<uint64_t> seqs = {4, 7};
  const std::vector<std::string> ids = {"a-1", "a-2"};
  EventDraft d =
      MakeAdjudicationClaimed(kHeader, {.project_id = "p1",
                                        .record_id = "r1",
                                        .field_path = "primary_dx",
                                        .expires_us = 1'700'000'900'000'000,
                                        .weighed_seqs = seqs,
                                        .weighed_annotation_ids = ids});
  EXPECT_EQ(RecordIdOf(*d.event()), "r1");  // feeds by_record
  EXPECT_EQ(ProjectIdOf(*d.event()), "p1");
  EXPECT_EQ(PrintedBody(std::move(d)),
            R"({"expires_us":1700000900000000,"field_path":"primary_dx",)"
            R"("project_id":"p1","record_id":"r1",)"
            R"("weighed_annotation_ids":["a-1","a-2"],"weighed_seqs":[4,7]})");
}

TEST(AdjudicationEventsTest, LeaseEndingsNameTheirLease) {
  EXPECT_EQ(PrintedBody(MakeAdjudicationReleased(kHeader, "p1", 12)),
            R"({"lease_seq":12,"project_id":"p1"})");
  EXPECT_EQ(PrintedBody(MakeAdjudicationLeaseExpired({"server", ""}, "p1", 12,
                                                     1'700'000'900'000'000)),
            R"({"deadline_us":1700000900000000,"lease_seq":12,)"
            R"("project_id":"p1"})");
  EXPECT_EQ(PrintedBody(MakeAdjudicationEscalated(kHeader, "p1", 12,
                                                  "needs a radiologist")),
            R"({"lease_seq":12,"project_id":"p1",)"
            R"("rationale":"needs a radiologist"})");
  EventDraft d = MakeAdjudicationEscalated(kHeader, "p1", 12, "");
  EXPECT_EQ(ProjectIdOf(*d.event()), "p1");
  EXPECT_EQ(RecordIdOf(*d.event()), "");
}

TEST(AdjudicationEventsTest, ValidateChecksTheirIds) {
  EXPECT_EQ(
      MakeAdjudicationClaimed(
          kHeader, {.project_id = "p1", .record_id = "r1", .field_path = ""})
          .Validate()
          .message(),
      "field_path is required");
  const std::vector<std::string> bad = {std::string("a\0b", 3)};
  EXPECT_EQ(MakeAdjudicationClaimed(kHeader, {.project_id = "p1",
                                              .record_id = "r1",
                                              .field_path = "dx",
                                              .weighed_annotation_ids = bad})
                .Validate()
                .message(),
            "weighed_annotation_ids[] contains a NUL character");
  EXPECT_EQ(
      MakeAdjudicationPolicySet(
          kHeader, {.project_id = "p1", .document = "{}", .schema_id = ""})
          .Validate()
          .message(),
      "schema_id is required");
  EXPECT_EQ(
      MakeAdjudicationReleased(kHeader, std::string(kMaxIdBytes + 1, 'p'), 1)
          .Validate()
          .message(),
      "project_id is 257 bytes; the limit is 256");
}

TEST(AdjudicationEventsTest, JsonInputRefusesThemByName) {
  for (const char* type :
       {"AdjudicationPolicySet", "AdjudicationClaimed", "AdjudicationReleased",
        "AdjudicationLeaseExpired", "AdjudicationEscalated"}) {
    SCOPED_TRACE(type);
    auto d = DraftFromJson(std::string(R"({"type":")") + type +
                           R"(","actor":"a","body":{"project_id":"p1"}})");
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status().message(),
              std::string("type: ") + type +
                  " is written only by the adjudication commands (`consilium "
                  "policy`, `consilium adjudicate`)");
  }
}

// A decision as MakeAdjudicationDecided built it before lease_seq and
// weighed_seqs were appended: the generated Create's order of that time (an
// ambiguous one: no value payload to build).
EventDraft DecisionBeforeTheLeaseFields() {
  return BuildDraft(kHeader, [](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString("p1");
    auto r = fbb.CreateString("r1");
    auto path = fbb.CreateString("dx");
    auto why = fbb.CreateString("both hold");
    std::vector<flatbuffers::Offset<flatbuffers::String>> ids = {
        fbb.CreateString("a-1")};
    auto cited = fbb.CreateVector(ids);
    fb::AdjudicationDecidedBuilder b(fbb);
    b.add_cited_annotation_ids(cited);
    b.add_rationale(why);
    b.add_field_path(path);
    b.add_record_id(r);
    b.add_project_id(p);
    b.add_outcome(fb::AdjudicationOutcome::Ambiguous);
    return std::make_pair(fb::EventBody::AdjudicationDecided,
                          b.Finish().Union());
  });
}

TEST(AdjudicationEventsTest, ADecisionWithoutALeaseKeepsItsBytesAndJson) {
  const std::vector<std::string> cited = {"a-1"};
  AdjudicationDecidedFields f{.project_id = "p1",
                              .record_id = "r1",
                              .field_path = "dx",
                              .outcome = fb::AdjudicationOutcome::Ambiguous,
                              .rationale = "both hold",
                              .cited_annotation_ids = cited};
  const EventDraft now = MakeAdjudicationDecided(kHeader, f);
  const EventDraft before = DecisionBeforeTheLeaseFields();
  EXPECT_EQ(now.bytes(), before.bytes());
  const auto* body = before.event()->body_as_AdjudicationDecided();
  EXPECT_EQ(body->lease_seq(), 0u);
  EXPECT_EQ(body->weighed_seqs(), nullptr);
  EXPECT_EQ(PrintedBody(now),
            R"({"cited_annotation_ids":["a-1"],"field_path":"dx",)"
            R"("outcome":"ambiguous","project_id":"p1",)"
            R"("rationale":"both hold","record_id":"r1"})");
  // From JSON as before: same bytes.
  auto d =
      DraftFromJson(R"({"type":"AdjudicationDecided","actor":"adj-1","body":{)"
                    R"("project_id":"p1","record_id":"r1","field_path":"dx",)"
                    R"("outcome":"ambiguous","rationale":"both hold",)"
                    R"("cited_annotation_ids":["a-1"]}})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->bytes(), before.bytes());
  // A decided one (with a value payload) gains no bytes either.
  f.outcome = fb::AdjudicationOutcome::Decided;
  f.value = "\"flu\"";
  const EventDraft decided = MakeAdjudicationDecided(kHeader, f);
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(
      decided.event()->body_as_AdjudicationDecided());
  EXPECT_FALSE(table->CheckField(fb::AdjudicationDecided::VT_LEASE_SEQ));
  EXPECT_FALSE(table->CheckField(fb::AdjudicationDecided::VT_WEIGHED_SEQS));
}

TEST(AdjudicationEventsTest, ADecisionWithALeasePrintsIt) {
  const std::vector<uint64_t> weighed = {4, 7};
  EventDraft d = MakeAdjudicationDecided(
      kHeader, {.project_id = "p1",
                .record_id = "r1",
                .field_path = "dx",
                .outcome = fb::AdjudicationOutcome::Ambiguous,
                .rationale = "both readings hold",
                .lease_seq = 12,
                .weighed_seqs = weighed});
  EXPECT_EQ(d.event()->body_as_AdjudicationDecided()->lease_seq(), 12u);
  EXPECT_EQ(PrintedBody(std::move(d)),
            R"({"cited_annotation_ids":[],"field_path":"dx","lease_seq":12,)"
            R"("outcome":"ambiguous","project_id":"p1",)"
            R"("rationale":"both readings hold","record_id":"r1",)"
            R"("weighed_seqs":[4,7]})");
}

// Found by stored_event_fuzz (corpus crash-misaligned-weighed-seqs): an
// AdjudicationClaimed whose weighed_seqs lies 4 bytes off an 8-byte boundary.
// FlatBuffers' verifier accepts it (it checks a vector's 4-byte length prefix
// only); reading the sequence numbers was a misaligned load. No builder
// writes such bytes, so reading refuses them as damaged.
TEST(AdjudicationEventsTest, StoredClaimWithMisalignedWeighedSeqsIsDataLoss) {
  const std::string bytes(
      "\x1c\x00\x00\x00\x43\x53\x4c\x31\x00\x00\x00\x00\x10\x00\x16\x00"
      "\x06\x00\x10\x00\x0c\x00\x00\x00\xac\x00\x08\x00\x10\x00\x00\x00"
      "\x00\x0d\x01\x00\x1c\x00\x00\x00\x70\x00\x00\x00\x80\x00\x00\x00"
      "\x00\x00\x0e\x00\x18\x00\x04\x00\x08\x00\x0c\x00\x10\x00\x14\x00"
      "\x0e\x00\x00\x00\x48\x00\x00\x00\x34\x00\x00\x00\x20\x00\x00\x00"
      "\x00\x02\x00\x00\x04\x00\x00\x00\x0c\x00\x00\x00\x77\x72\x6f\x6e"
      "\x67\x20\x72\x65\x63\x6f\x72\x64\x00\x00\x00\x00\x08\x00\x00\x00"
      "\x72\x65\x63\x2d\x30\x30\x30\x31\x00\x00\x00\x00\x0a\x00\x00\x00"
      "\x73\x65\x70\x73\x69\x73\x2d\x63\x61\x6c\x00\x00\x04\x00\x00\x00"
      "\x61\x6e\x2d\x31\x00\x00\x00\x00\x05\x00\x00\x00\x61\x6e\x6e\x2d"
      "\x31\x00\x0a\x00\x34\x00\x24\x00\x2c\x00\x04\x00\x0a\x00\x00\x00"
      "\x5e\xe7\xb2\xa5\x2a\x38\xd8\x6b\x05\xb1\x9e\xc7\x09\x81\x78\x33"
      "\x7a\x27\x76\x7a\x5d\xf3\x93\x81\x13\xdb\xac\xbd\x4e\x08\x7b\xf5"
      "\x10\x00\x00\x00\x00\x00\x02\x00\x7f\x79\x64\xc5\x36\x61\x06\x00",
      224);
  ASSERT_EQ(reinterpret_cast<uintptr_t>(bytes.data()) % 8, 0u);
  const Status s = VerifyStoredEvent(bytes);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_NE(s.message().find("AdjudicationClaimed.weighed_seqs is not 8-byte "
                             "aligned"),
            std::string::npos)
      << s.ToString();
}

}  // namespace
}  // namespace consilium
