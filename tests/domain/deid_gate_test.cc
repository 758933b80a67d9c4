// The de-identification gate at import and its review (docs/deid.md, "The
// import gate", "Review"): a record whose text the detectors flag is held
// (RecordQuarantined after its RecordImported, in one batch), never assigned,
// annotated or read by anyone but its admins and privacy officers, until a
// reviewer releases it or redacts its identifiers.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "domain/authorizer.h"
#include "domain/command_handler.h"
#include "domain/compliance_commands.h"
#include "domain/deid_status.h"
#include "domain/internal/record_text.h"
#include "schemas/deid_events.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/files.h"
#include "tests/testing/temp_dir.h"

namespace consilium::domain {
namespace {

// A text with a name (by context), a date and a phone number.
const char kFlagged[] =
    R"({"text":"Seen by Dr. Whitfield on 03/14/2021, call 617-555-0199."})";
const char kClean[] = R"({"text":"Lactate 4.8, on noradrenaline."})";

class DeidGateTest : public ::testing::Test {
 protected:
  void SetUp() override { Open({}); }
  void Open(DeidGate gate) {
    handler_.reset();
    ledger_.reset();
    if (!std::filesystem::exists(dir_.path() + "/CURRENT")) {
      ASSERT_TRUE(Ledger::Init(dir_.path()).ok());
    }
    auto l = Ledger::Open(dir_.path(), {.clock = &clock_});
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(*l);
    CommandHandlerOptions options{.clock = &clock_};
    options.deid_gate = std::move(gate);
    auto h = CommandHandler::Open(ledger_.get(), std::move(options));
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    handler_ = std::move(*h);
  }
  void Build() {
    Ok(Register("admin", {{fb::Role::Admin, ""}}));
    Ok(handler_->CreateProject("admin", {.id = "p1", .name = "ICU"}).status());
    Ok(handler_
           ->PublishSchema("admin", testing::ReadFile(testing::ExamplePath(
                                        "icu-severity.json")))
           .status());
    Ok(Register("dr-a", {{fb::Role::Annotator, "p1"}}));
    Ok(Register("po", {{fb::Role::PrivacyOfficer, "p1"}}));
  }
  Status Register(const std::string& id, std::vector<RoleSpec> roles) {
    return handler_
        ->RegisterPrincipal("admin", {.id = id, .roles = std::move(roles)})
        .status();
  }
  BulkReport Import(std::vector<std::pair<std::string, std::string>> recs) {
    std::vector<RecordLine> lines;
    for (auto& [id, content] : recs)
      lines.push_back(
          {lines.size() + 1, ImportRecordCommand{id, content, "{}"}});
    auto report = handler_->ImportRecords("admin", "p1", lines, false);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : BulkReport{};
  }
  RecordState Record(const std::string& id) {
    return handler_->Read(
        [&](const DomainState& s) { return *s.FindRecord(id); });
  }
  std::string ServedText(const std::string& id) {
    const RecordState r = Record(id);
    auto e = ledger_->Get(r.content_seq);
    EXPECT_TRUE(e.ok());
    return internal::RecordText(PlainPayload(RecordContentOf(*e->event())));
  }
  Status Submit(const std::string& record) {
    return handler_
        ->SubmitAnnotation("dr-a", {.annotation_id = "a-" + record,
                                    .record_id = record,
                                    .annotator_id = "dr-a",
                                    .schema_id = "icu-severity",
                                    .schema_version = 1,
                                    .values = R"({"severity":"stable"})"})
        .status();
  }
  Status MayRead(const std::string& actor, const std::string& record) {
    return handler_->Read([&](const DomainState& s) {
      return Authorizer(s, actor).MayReadRecord(record);
    });
  }
  static void Ok(const Status& s) { ASSERT_TRUE(s.ok()) << s.ToString(); }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<CommandHandler> handler_;
};

TEST_F(DeidGateTest, AFlaggedRecordIsHeldRightAfterItsImport) {
  Build();
  const BulkReport r = Import({{"clean", kClean}, {"flagged", kFlagged}});
  ASSERT_EQ(r.appended, 2u);
  ASSERT_EQ(r.lines.size(), 2u);
  const uint64_t imported = r.lines[1].committed.seq;
  // Three events: clean's import, flagged's import, its quarantine.
  EXPECT_EQ(ledger_->head().seq, imported + 1);
  auto held = ledger_->Get(imported + 1);
  ASSERT_TRUE(held.ok());
  const auto* q = held->event()->body_as_RecordQuarantined();
  ASSERT_NE(q, nullptr);
  const DeidReportFields report = ReadDeidReport(q->report());
  std::vector<std::string> types;
  for (const auto& h : report.hits) types.push_back(h.type);
  EXPECT_NE(std::find(types.begin(), types.end(), "name"), types.end());
  EXPECT_NE(std::find(types.begin(), types.end(), "date"), types.end());
  EXPECT_NE(std::find(types.begin(), types.end(), "phone"), types.end());
  EXPECT_EQ(report.detector, "consilium-deid/1");
  // Every imported record stores its report, the clean one's empty.
  auto clean = ledger_->Get(r.lines[0].committed.seq);
  ASSERT_TRUE(clean.ok());
  const DeidReportFields clean_report =
      ReadDeidReport(clean->event()->body_as_RecordImported()->deid());
  EXPECT_EQ(clean_report.detector, "consilium-deid/1");
  EXPECT_TRUE(clean_report.hits.empty());
  auto imported_event = ledger_->Get(imported);
  ASSERT_TRUE(imported_event.ok());
  EXPECT_EQ(
      ReadDeidReport(imported_event->event()->body_as_RecordImported()->deid()),
      report);

  EXPECT_TRUE(Record("flagged").quarantined());
  EXPECT_FALSE(Record("clean").quarantined());
  auto held_list = handler_->Read(
      [](const DomainState& s) { return s.HeldRecords("p1").size(); });
  EXPECT_EQ(held_list, 1u);
  // The ledger-side reading agrees.
  auto st =
      DeidStatusAt(*ledger_, *imported_event->event()->body_as_RecordImported(),
                   imported, 0);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->held());
  EXPECT_EQ(st->name(), "quarantined");
}

TEST_F(DeidGateTest, AHeldRecordIsNeitherAssignedAnnotatedNorRead) {
  Build();
  Import({{"flagged", kFlagged}});
  Status s = handler_->Assign("admin", "p1", "flagged", "dr-a").status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("de-identification gate"), std::string::npos);
  s = Submit("flagged");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  s = MayRead("dr-a", "flagged");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("de-identification gate"), std::string::npos);
  EXPECT_TRUE(MayRead("admin", "flagged").ok());
  EXPECT_TRUE(MayRead("po", "flagged").ok());
}

TEST_F(DeidGateTest, ReleaseServesTheContentAsImported) {
  Build();
  Import({{"flagged", kFlagged}});
  ComplianceCommands review(&handler_->core(), ledger_.get());
  // Only admins and privacy officers review; a reason is required.
  EXPECT_EQ(review.ReleaseRecord("dr-a", "flagged", "fp").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(review.ReleaseRecord("po", "flagged", "").status().code(),
            StatusCode::kInvalidArgument);
  const uint64_t before = ledger_->head().seq;
  auto c = review.ReleaseRecord("po", "flagged", "a fictional name");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->seq, before + 1);
  EXPECT_FALSE(Record("flagged").quarantined());
  EXPECT_EQ(Record("flagged").content_seq, Record("flagged").seq);
  Ok(handler_->Assign("admin", "p1", "flagged", "dr-a").status());
  Ok(Submit("flagged"));
  // A second verdict is refused, naming the first.
  Status again = review.RedactRecord("po", "flagged", {}, "x").status();
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.message().find("already reviewed"), std::string::npos);
  EXPECT_EQ(ledger_->head().seq, before + 3);  // release, assign, submit
}

TEST_F(DeidGateTest, RedactionReplacesTheServedContent) {
  Build();
  Import({{"flagged", kFlagged}, {"clean", kClean}});
  ComplianceCommands review(&handler_->core(), ledger_.get());
  // Not held: nothing to review.
  EXPECT_EQ(review.RedactRecord("po", "clean", {}, "x").status().code(),
            StatusCode::kFailedPrecondition);
  // A bad span changes nothing.
  const uint64_t head = ledger_->head().seq;
  EXPECT_EQ(review.RedactRecord("po", "flagged", {{"name", 5, 999}}, "x")
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger_->head().seq, head);
  auto c = review.RedactRecord("po", "flagged", {}, "identifiers");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const RecordState r = Record("flagged");
  EXPECT_FALSE(r.quarantined());
  EXPECT_EQ(r.content_seq, c->seq);
  const std::string text = ServedText("flagged");
  EXPECT_EQ(text.find("Whitfield"), std::string::npos) << text;
  EXPECT_EQ(text.find("617-555-0199"), std::string::npos) << text;
  EXPECT_NE(text.find("[NAME]"), std::string::npos) << text;
  EXPECT_NE(text.find("[PHONE]"), std::string::npos) << text;
  // The record's hash is the redacted content's now.
  auto e = ledger_->Get(c->seq);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(r.content_hash, Sha256(PlainPayload(RecordContentOf(*e->event()))));
  Ok(handler_->Assign("admin", "p1", "flagged", "dr-a").status());
  Ok(Submit("flagged"));
  // A replay of the ledger gives the same state.
  const DomainState live = handler_->state();
  Open({});
  EXPECT_TRUE(handler_->state() == live);
}

TEST_F(DeidGateTest, TheGateOffImportsUnscreened) {
  Open({.enabled = false});
  Build();
  const BulkReport r = Import({{"flagged", kFlagged}});
  ASSERT_EQ(r.appended, 1u);
  EXPECT_EQ(ledger_->head().seq, r.lines[0].committed.seq);
  auto e = ledger_->Get(r.lines[0].committed.seq);
  ASSERT_TRUE(e.ok());
  const DeidReportFields report =
      ReadDeidReport(e->event()->body_as_RecordImported()->deid());
  EXPECT_EQ(report.detector, "off");
  EXPECT_TRUE(report.hits.empty());
  EXPECT_FALSE(Record("flagged").quarantined());
}

TEST_F(DeidGateTest, AnIdentifierInMetadataRefusesTheRecord) {
  // Metadata is stored in the clear and never held or redacted: a value the
  // detectors flag refuses that line, naming the key and the type, and
  // stores nothing of it; clean metadata and the other lines import.
  Build();
  std::vector<RecordLine> lines;
  lines.push_back({1, ImportRecordCommand{
                          "ok", kClean, R"({"site":"A","age_band":"70-79"})"}});
  lines.push_back(
      {2, ImportRecordCommand{
              "dated", kClean,
              R"({"site":"A","visit":{"admitted":"03/14/2024"}})"}});
  lines.push_back(
      {3, ImportRecordCommand{"phoned", kClean,
                              R"({"contacts":["none","call 617-555-0123"]})"}});
  // Labelled identifiers: the member's name is the label the rules need.
  lines.push_back({4, ImportRecordCommand{"mrn", kClean,
                                          R"({"site":"B","mrn":"00123456"})"}});
  lines.push_back(
      {5, ImportRecordCommand{"ssn", kClean, R"({"ssn":123456789})"}});
  const uint64_t before = ledger_->head().seq;
  auto r = handler_->ImportRecords("admin", "p1", lines, false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->lines.size(), 5u);
  EXPECT_TRUE(r->lines[0].status.ok()) << r->lines[0].status.ToString();
  EXPECT_EQ(r->appended, 1u);
  EXPECT_EQ(ledger_->head().seq, before + 1);
  const Status& dated = r->lines[1].status;
  EXPECT_EQ(dated.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(dated.message().find("record dated"), std::string::npos)
      << dated.ToString();
  EXPECT_NE(dated.message().find("metadata.visit.admitted"), std::string::npos)
      << dated.ToString();
  EXPECT_NE(dated.message().find("date"), std::string::npos)
      << dated.ToString();
  EXPECT_NE(r->lines[2].status.message().find("metadata.contacts[1]"),
            std::string::npos)
      << r->lines[2].status.ToString();
  EXPECT_NE(r->lines[2].status.message().find("phone"), std::string::npos)
      << r->lines[2].status.ToString();
  EXPECT_NE(r->lines[3].status.message().find("metadata.mrn holds"),
            std::string::npos)
      << r->lines[3].status.ToString();
  EXPECT_NE(r->lines[4].status.message().find("metadata.ssn holds"),
            std::string::npos)
      << r->lines[4].status.ToString();
  auto gone = handler_->Read([](const DomainState& s) {
    for (const char* id : {"dated", "phoned", "mrn", "ssn"})
      if (s.FindRecord(id) != nullptr) return false;
    return true;
  });
  EXPECT_TRUE(gone);

  // With the gate off (a recorded choice: detector "off"), nothing is
  // screened.
  Open({.enabled = false});
  lines.erase(lines.begin());
  r = handler_->ImportRecords("admin", "p1", lines, false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->appended, 4u);
}

TEST_F(DeidGateTest, AnAtomicImportWithAFlaggedRecordHoldsItToo) {
  Build();
  std::vector<RecordLine> lines;
  lines.push_back({1, ImportRecordCommand{"flagged", kFlagged, "{}"}});
  lines.push_back({2, ImportRecordCommand{"clean", kClean, "{}"}});
  auto report = handler_->ImportRecords("admin", "p1", lines, true);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->all_ok());
  EXPECT_EQ(report->appended, 2u);
  EXPECT_TRUE(Record("flagged").quarantined());
  // A rejected line in an atomic file appends neither the records nor the
  // quarantine.
  lines.clear();
  lines.push_back({1, ImportRecordCommand{"flagged-2", kFlagged, "{}"}});
  lines.push_back({2, ImportRecordCommand{"clean", kClean, "{}"}});
  const uint64_t head = ledger_->head().seq;
  report = handler_->ImportRecords("admin", "p1", lines, true);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->appended, 0u);
  EXPECT_EQ(ledger_->head().seq, head);
}

TEST(RecordText, RedactionChecksItsSpans) {
  const std::string content = R"({"text":"Dr. Émile Roux, 1921"})";
  auto ok =
      internal::RedactRecordText(content, {{"date", 17, 21}, {"name", 4, 15}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, R"({"text":"Dr. [NAME], [DATE]"})");
  EXPECT_EQ(
      internal::RedactRecordText(content, {{"name", 4, 5}}).status().code(),
      StatusCode::kInvalidArgument);  // cuts É
  EXPECT_EQ(
      internal::RedactRecordText(content, {{"name", 4, 15}, {"name", 10, 12}})
          .status()
          .code(),
      StatusCode::kInvalidArgument);  // overlap
  EXPECT_EQ(
      internal::RedactRecordText(content, {{"name", 3, 3}}).status().code(),
      StatusCode::kInvalidArgument);  // empty
  EXPECT_EQ(internal::RedactRecordText(R"({"images":[]})", {{"name", 0, 1}})
                .status()
                .code(),
            StatusCode::kInvalidArgument);  // no text
}

}  // namespace
}  // namespace consilium::domain
