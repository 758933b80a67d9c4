// DomainState: Apply is deterministic and total, and a state rebuilt from the
// ledger equals the one a CommandHandler kept incrementally.
#include "domain/domain_state.h"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "domain/command_handler.h"
#include "schemas/event_json.h"
#include "tests/testing/command_lines.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/files.h"
#include "tests/testing/temp_dir.h"

namespace consilium::domain {
namespace {

std::string Example(const std::string& name) {
  return testing::ReadFile(testing::ExamplePath(name));
}

// A draft stamped as event `seq`, as the ledger would store it.
StoredEvent Stored(EventDraft d, uint64_t seq) {
  d.Stamp(seq, Hash256{}, 1'700'000'000'000'000 + static_cast<int64_t>(seq));
  StoredEvent e;
  e.seq = seq;
  e.bytes = d.bytes();
  return e;
}

DomainState Rebuild(const Ledger& ledger) {
  DomainState s;
  EXPECT_TRUE(ledger
                  .Scan(1, 0,
                        [&](const StoredEvent& e) {
                          s.Apply(e);
                          return true;
                        })
                  .ok());
  return s;
}

TEST(DomainStateTest, AppliesEventsAndIgnoresReplays) {
  DomainState s;
  EventHeader h{"admin", ""};
  s.Apply(Stored(MakeProjectCreated(h, "p1", "P", 3, true), 1));
  s.Apply(Stored(MakeProjectCreated(h, "p1", "Again", 0, false), 2));
  ASSERT_NE(s.FindProject("p1"), nullptr);
  EXPECT_EQ(s.FindProject("p1")->name, "P");  // the first definition wins
  EXPECT_EQ(s.FindProject("p1")->overlap_target, 3u);
  EXPECT_EQ(s.last_seq(), 2u);
  DomainState copy = s;
  s.Apply(Stored(MakeProjectCreated(h, "p9", "late", 0, false),
                 2));  // replayed seq
  EXPECT_TRUE(s == copy);
  EXPECT_EQ(s.FindProject("p9"), nullptr);
}

TEST(DomainStateTest, RecordsKeepTheirShapeAndContentHash) {
  DomainState s;
  std::string content =
      R"({"images":[{"frames":2,"height":5,"name":"a","width":4}],"text":"aé"})";
  s.Apply(
      Stored(MakeRecordImported({"admin", ""}, "r1", "p1", content, "{}"), 1));
  // Content that is not a record document (a raw append) is kept, shapeless.
  s.Apply(Stored(
      MakeRecordImported({"admin", ""}, "r2", "p1", "\"plain\"", "{}"), 2));
  const RecordState* r1 = s.FindRecord("r1");
  ASSERT_NE(r1, nullptr);
  ASSERT_NE(r1->shape, nullptr);
  EXPECT_EQ(r1->shape->text_length(), 2u);
  EXPECT_EQ(r1->shape->FindImage("a")->frames, 2u);
  EXPECT_EQ(r1->content_hash, Sha256(content));
  ASSERT_NE(s.FindRecord("r2"), nullptr);
  EXPECT_EQ(s.FindRecord("r2")->shape, nullptr);
}

// Sealed is what the envelope says (Payload.encoding), never what the
// content looks like: plain content shaped like the sealed JSON form stays
// plain, and a Sealed payload is sealed whatever its bytes (issue 13,
// defect 7; a guard, the projections already decided by the envelope).
TEST(DomainStateTest, SealedIsDecidedByTheEnvelopeNotTheContent) {
  DomainState s;
  const std::string look_alike =
      R"({"key_id":"k","sealed":true,"subject_id":"s"})";
  s.Apply(Stored(
      MakeRecordImported({"admin", ""}, "r1", "p1", look_alike, "{}"), 1));
  EventDraft sealed = MakeRecordImported({"admin", ""}, "r2", "p1",
                                         R"({"text":"Fever."})", "{}");
  StoredEvent e = Stored(std::move(sealed), 2);
  // Drafts are built with ForceDefaults, so the encoding field is present
  // and can be flipped in place.
  auto* event = fb::GetMutableEvent(e.bytes.data());
  auto* body = static_cast<fb::RecordImported*>(event->mutable_body());
  ASSERT_TRUE(
      body->mutable_content()->mutate_encoding(fb::PayloadEncoding::Sealed));
  s.Apply(e);
  ASSERT_NE(s.FindRecord("r1"), nullptr);
  EXPECT_FALSE(s.FindRecord("r1")->sealed);
  ASSERT_NE(s.FindRecord("r2"), nullptr);
  EXPECT_TRUE(s.FindRecord("r2")->sealed);
  EXPECT_EQ(s.FindRecord("r2")->shape, nullptr);
}

TEST(DomainStateTest, StaleRevisionsFromRawAppendsChangeNothing) {
  DomainState s;
  EventHeader h{"x", ""};
  s.Apply(Stored(MakeAnnotationSubmitted(h, {.annotation_id = "a",
                                             .project_id = "p",
                                             .record_id = "r",
                                             .annotator_id = "x",
                                             .schema_id = "s",
                                             .schema_version = 1,
                                             .values = "{}"}),
                 1));
  s.Apply(Stored(MakeAnnotationRevised(h, {.annotation_id = "a",
                                           .project_id = "p",
                                           .record_id = "r",
                                           .expected_revision = 1,
                                           .new_revision = 2,
                                           .values = "{}"}),
                 2));
  s.Apply(Stored(MakeAnnotationRevised(h, {.annotation_id = "a",
                                           .project_id = "p",
                                           .record_id = "r",
                                           .expected_revision = 1,
                                           .new_revision = 2,
                                           .values = "{}"}),
                 3));
  const AnnotationState* a = s.FindAnnotation("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->revision, 2u);
  ASSERT_EQ(a->history.size(), 2u);
  EXPECT_EQ(a->history[1].seq, 2u);
  EXPECT_EQ(s.event_counts().at(fb::EventBody::AnnotationRevised), 2u);
}

TEST(DomainStateTest, DescriptiveViewKeepsWhollyDescriptiveTopLevelFields) {
  std::string def = Example("chest-imaging.json");
  auto schema = schemas::TaskSchema::Parse(def);
  ASSERT_TRUE(schema.ok());
  auto view = DescriptiveView(*schema, def);
  ASSERT_NE(view, nullptr);
  EXPECT_NE(view->FindTopLevel("findings"), nullptr);
  EXPECT_NE(view->FindTopLevel("no_acute_findings"), nullptr);
  EXPECT_EQ(view->FindTopLevel("impression"), nullptr);
  EXPECT_EQ(view->Ref(), "chest-imaging@1");
  std::string icu = Example("icu-severity.json");
  auto icu_schema = schemas::TaskSchema::Parse(icu);
  ASSERT_TRUE(icu_schema.ok());
  bool any_descriptive = false;
  for (const auto& f : icu_schema->fields())
    any_descriptive |=
        f.layer == schemas::Layer::kDescriptive && f.fields.empty();
  EXPECT_EQ(DescriptiveView(*icu_schema, icu) != nullptr, any_descriptive);
}

// Replay determinism: many commands, some concurrent, some rejected; the
// state rebuilt from the ledger equals the handler's incremental state, and
// two rebuilds are equal.
TEST(DomainStateTest, RebuiltStateEqualsIncrementalState) {
  testing::TempDir dir;
  testing::FakeClock clock;
  ASSERT_TRUE(Ledger::Init(dir.path()).ok());
  LedgerOptions o;
  o.clock = &clock;
  auto ledger = Ledger::Open(dir.path(), o);
  ASSERT_TRUE(ledger.ok());
  auto h = CommandHandler::Open(ledger->get(), {.clock = &clock});
  ASSERT_TRUE(h.ok());
  CommandHandler& H = **h;
  ASSERT_TRUE(H.RegisterPrincipal(
                   "admin", {.id = "admin", .roles = {{fb::Role::Admin, ""}}})
                  .ok());
  ASSERT_TRUE(
      H.CreateProject("admin", {.id = "p1", .name = "P", .overlap_target = 2})
          .ok());
  ASSERT_TRUE(H.PublishSchema("admin", Example("dx-reasoning.json")).ok());
  const std::string text =
      "72-year-old woman, 3 days of productive cough and fever 39.2 °C. SpO₂ "
      "89 % on room "
      "air. Crackles over the right lower lobe. CXR: right lower lobe "
      "consolidation, no "
      "effusion. BNP 85 pg/mL; legs not swollen. D-dimer normal.";
  std::vector<std::string> recs;
  for (int i = 0; i < 6; ++i) {
    recs.push_back(R"({"id":"r)" + std::to_string(i) + R"(","text":")" + text +
                   R"("})");
  }
  auto imp = testing::ImportLines(H, "admin", "p1", recs, false);
  ASSERT_TRUE(imp.ok() && imp->all_ok());
  std::vector<std::string> annotators = {"dr-a", "dr-b", "dr-c"};
  for (const auto& a : annotators) {
    ASSERT_TRUE(H.RegisterPrincipal(
                     "admin", {.id = a, .roles = {{fb::Role::Annotator, "p1"}}})
                    .ok());
    for (int i = 0; i < 6; ++i)
      ASSERT_TRUE(H.Assign("admin", "p1", "r" + std::to_string(i), a).ok());
  }
  std::string good = Example("annotations/dx-reasoning.values.json");
  // Concurrent submissions and revisions (some deliberately stale).
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937 r(t);
      for (int i = 0; i < 30; ++i) {
        std::string id = "a-" + std::to_string(i % 10);
        const std::string& who = annotators[i % 3];
        if (r() % 2 == 0) {
          (void)H.SubmitAnnotation(who,
                                   {.annotation_id = id,
                                    .record_id = "r" + std::to_string(i % 6),
                                    .annotator_id = who,
                                    .schema_id = "dx-reasoning",
                                    .schema_version = 1,
                                    .values = good});
        } else {
          (void)H.ReviseAnnotation(
              "admin", {.annotation_id = id,
                        .expected_revision = static_cast<uint32_t>(1 + r() % 3),
                        .values = good});
        }
      }
    });
  }
  ASSERT_TRUE(
      H.CreateBatch("admin", "p1", "cal", std::vector<std::string>{"r0", "r1"})
          .ok());
  ASSERT_TRUE(H.RecordAccess("dr-a", {.resource_kind = "record",
                                      .resource_id = "r0",
                                      .action = "read",
                                      .allowed = true})
                  .ok());
  for (auto& t : ts) t.join();
  (void)H.WithdrawAnnotation(
      "admin", {.annotation_id = "a-3", .expected_revision = 1, .reason = "x"});

  DomainState incremental = H.state();
  EXPECT_EQ(incremental.last_seq(), (*ledger)->head().seq);
  DomainState rebuilt = Rebuild(**ledger);
  EXPECT_TRUE(rebuilt == incremental);
  EXPECT_TRUE(Rebuild(**ledger) == rebuilt);
  EXPECT_GT(incremental.annotation_count(), 0u);
  EXPECT_EQ(incremental.event_counts().at(fb::EventBody::AccessRecorded), 1u);
}

}  // namespace
}  // namespace consilium::domain
