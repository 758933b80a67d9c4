// CommandHandler: every command's happy path and each rule it enforces, with
// the exact code and message; rejected commands append nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
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

// The dx-reasoning example annotation: spans up to code point 159 of the
// example record.
const std::string kDxRecordLine =
    R"({"id":"rec-1","text":"72-year-old woman, 3 days of productive cough and fever 39.2 °C. SpO₂ 89 % on room air. Crackles over the right lower lobe. CXR: right lower lobe consolidation, no effusion. BNP 85 pg/mL; legs not swollen. D-dimer normal.","metadata":{"site":"A"}})";

std::string DxValues(const std::string& differential) {
  return R"({"primary_diagnosis":"J18.9","key_findings":[{"finding":"cough","evidence":[{"span":{"start":0,"end":5}}]}],"differential":)" +
         differential + R"(,"confidence":0.8})";
}

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::Init(dir_.path()).ok());
    LedgerOptions o;
    o.clock = &clock_;
    auto l = Ledger::Open(dir_.path(), o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(*l);
    Reopen();
  }

  void Reopen() {
    handler_.reset();
    CommandHandlerOptions opts;
    opts.clock = &clock_;
    auto h = CommandHandler::Open(ledger_.get(), opts);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    handler_ = std::move(*h);
  }

  // admin; project p1 (and p2); annotators dr-a, dr-b in p1; model bot in p1;
  // schemas dx-reasoning@1 and chest-imaging@1; records rec-1 (dx text),
  // rec-u (Unicode), rec-img (images); dr-a assigned to all three.
  void Populate() {
    Ok(handler_
           ->RegisterPrincipal(
               "admin", {.id = "admin", .roles = {{fb::Role::Admin, ""}}})
           .status());
    Ok(handler_->CreateProject("admin", {.id = "p1", .name = "Pneumonia"})
           .status());
    Ok(handler_->CreateProject("admin", {.id = "p2", .name = "Other"})
           .status());
    for (const char* who : {"dr-a", "dr-b"}) {
      Ok(handler_
             ->RegisterPrincipal(
                 "admin", {.id = who, .roles = {{fb::Role::Annotator, "p1"}}})
             .status());
    }
    Ok(handler_
           ->RegisterPrincipal("admin",
                               {.id = "bot",
                                .kind = fb::PrincipalKind::Model,
                                .model_name = "cxr-net",
                                .model_version = "2.1",
                                .roles = {{fb::Role::Annotator, "p1"}}})
           .status());
    Ok(handler_->PublishSchema("admin", Example("dx-reasoning.json")).status());
    Ok(handler_->PublishSchema("admin", Example("chest-imaging.json"))
           .status());
    std::vector<std::string> lines = {
        kDxRecordLine, R"({"id":"rec-u","text":"aé€😀z"})",
        R"({"id":"rec-img","images":[{"name":"pa","width":100,"height":50},{"name":"ct","width":64,"height":64,"frames":10}]})"};
    auto r = testing::ImportLines(*handler_, "admin", "p1", lines, true);
    ASSERT_TRUE(r.ok() && r->all_ok());
    for (const char* rec : {"rec-1", "rec-u", "rec-img"})
      Ok(handler_->Assign("admin", "p1", rec, "dr-a").status());
  }

  static void Ok(const Status& s) { ASSERT_TRUE(s.ok()) << s.ToString(); }

  StatusOr<Committed> Submit(const std::string& id, const std::string& record,
                             const std::string& values,
                             const std::string& annotator = "dr-a",
                             const std::string& schema = "dx-reasoning") {
    return handler_->SubmitAnnotation(annotator, {.annotation_id = id,
                                                  .record_id = record,
                                                  .annotator_id = annotator,
                                                  .schema_id = schema,
                                                  .schema_version = 1,
                                                  .values = values});
  }

  // Runs `fn`, expects `code` and `message`, and that nothing was appended.
  template <typename Fn>
  void ExpectRejected(Fn&& fn, StatusCode code, const std::string& message) {
    uint64_t before = ledger_->head().seq;
    Status s = fn();
    EXPECT_EQ(s.code(), code) << s.ToString();
    EXPECT_EQ(s.message(), message);
    EXPECT_EQ(ledger_->head().seq, before) << "a rejected command appended";
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<CommandHandler> handler_;
};

TEST_F(CommandsTest, CreateProjectRecordsOverlapAndBlindMode) {
  auto c = handler_->CreateProject(
      "admin",
      {.id = "p1", .name = "N", .overlap_target = 3, .blind_mode = true});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  DomainState s = handler_->state();
  ASSERT_NE(s.FindProject("p1"), nullptr);
  EXPECT_EQ(s.FindProject("p1")->overlap_target, 3u);
  EXPECT_TRUE(s.FindProject("p1")->blind_mode);
  ExpectRejected(
      [&] {
        return handler_->CreateProject("admin", {.id = "p1", .name = "N"})
            .status();
      },
      StatusCode::kAlreadyExists, "project p1 already exists");
  ExpectRejected(
      [&] {
        return handler_->CreateProject("admin", {.id = "a b", .name = "N"})
            .status();
      },
      StatusCode::kInvalidArgument,
      "project id \"a b\": ids are 1-256 bytes of letters, digits and - _ . : "
      "/ @");
  ExpectRejected(
      [&] { return handler_->CreateProject("admin", {.id = "p3"}).status(); },
      StatusCode::kInvalidArgument, "project p3: name is required");
}

TEST_F(CommandsTest, BootstrapEndsOnceAnAdminExists) {
  Populate();
  ExpectRejected(
      [&] {
        return handler_->CreateProject("dr-a", {.id = "p9", .name = "N"})
            .status();
      },
      StatusCode::kPermissionDenied, "actor dr-a lacks the admin role");
  ExpectRejected(
      [&] {
        return handler_->CreateProject("nobody", {.id = "p9", .name = "N"})
            .status();
      },
      StatusCode::kPermissionDenied, "actor nobody lacks the admin role");
  ExpectRejected(
      [&] {
        return handler_->RevokeRole("admin", "admin", {fb::Role::Admin, ""})
            .status();
      },
      StatusCode::kFailedPrecondition,
      "principal admin is the last global admin; grant the role to another "
      "principal first");
}

TEST_F(CommandsTest, TokenIsStoredOnlyAsItsHash) {
  auto r = handler_->RegisterPrincipal(
      "admin", {.id = "admin", .roles = {{fb::Role::Admin, ""}}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string token = r->token.token;
  EXPECT_EQ(token.rfind("csl_", 0), 0u);
  EXPECT_EQ(token.size(), 4u + 43u);  // base64url of 32 bytes, no padding
  EXPECT_EQ(r->token.expires_at_us,
            clock_.NowMicros() + CommandHandlerOptions().token_ttl_us);
  DomainState s = handler_->state();
  ASSERT_EQ(s.FindPrincipal("admin")->tokens.size(), 1u);
  EXPECT_EQ(s.FindPrincipal("admin")->tokens[0].sha256, Sha256(token));
  // Not in any stored event...
  Ok(ledger_->Scan(1, 0, [&](const StoredEvent& e) {
    EXPECT_EQ(e.bytes.find(token), std::string::npos) << "event " << e.seq;
    EXPECT_EQ(e.bytes.find(token.substr(4)), std::string::npos);
    return true;
  }));
  // ...nor anywhere in the data directory (WAL, SST, manifest).
  ledger_.reset();
  handler_.reset();
  for (const auto& f :
       std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(token.substr(4)), std::string::npos) << f.path();
  }
}

TEST_F(CommandsTest, RegisterPrincipalRules) {
  Populate();
  ExpectRejected(
      [&] {
        return handler_->RegisterPrincipal("admin", {.id = "dr-a"}).status();
      },
      StatusCode::kAlreadyExists, "principal dr-a already exists");
  ExpectRejected(
      [&] {
        return handler_
            ->RegisterPrincipal("admin",
                                {.id = "m", .kind = fb::PrincipalKind::Model})
            .status();
      },
      StatusCode::kInvalidArgument,
      "principal m: a model needs a model name and version");
  ExpectRejected(
      [&] {
        return handler_
            ->RegisterPrincipal("admin",
                                {.id = "m",
                                 .kind = fb::PrincipalKind::Model,
                                 .model_name = "x",
                                 .model_version = "1",
                                 .roles = {{fb::Role::Adjudicator, "p1"}}})
            .status();
      },
      StatusCode::kFailedPrecondition,
      "principal m is a model; models may hold only the annotator role, not "
      "adjudicator");
  ExpectRejected(
      [&] {
        return handler_
            ->RegisterPrincipal(
                "admin", {.id = "x", .roles = {{fb::Role::Annotator, "p9"}}})
            .status();
      },
      StatusCode::kNotFound, "project p9 not found");
  DomainState s = handler_->state();
  EXPECT_EQ(s.FindPrincipal("bot")->model_name, "cxr-net");
  EXPECT_TRUE(s.FindPrincipal("bot")->is_model());
  EXPECT_EQ(s.FindPrincipal("dr-a")->pseudonym, "P-000002");
  EXPECT_EQ(s.FindPrincipal("bot")->pseudonym, "M-000004");
}

TEST_F(CommandsTest, GrantAndRevokeRoles) {
  Populate();
  Ok(handler_->GrantRole("admin", "dr-b", {fb::Role::Adjudicator, "p1"})
         .status());
  EXPECT_TRUE(handler_->state().FindPrincipal("dr-b")->HasRole(
      fb::Role::Adjudicator, "p1"));
  ExpectRejected(
      [&] {
        return handler_
            ->GrantRole("admin", "dr-b", {fb::Role::Adjudicator, "p1"})
            .status();
      },
      StatusCode::kAlreadyExists,
      "principal dr-b already holds the role adjudicator in project p1");
  ExpectRejected(
      [&] {
        return handler_->GrantRole("admin", "zed", {fb::Role::Auditor, ""})
            .status();
      },
      StatusCode::kNotFound, "principal zed not found");
  ExpectRejected(
      [&] { return handler_->GrantRole("admin", "dr-b", {}).status(); },
      StatusCode::kInvalidArgument,
      "role: must be one of admin, annotator, adjudicator, researcher, "
      "auditor");
  ExpectRejected(
      [&] {
        return handler_->GrantRole("dr-a", "dr-b", {fb::Role::Auditor, ""})
            .status();
      },
      StatusCode::kPermissionDenied, "actor dr-a lacks the admin role");
  Ok(handler_->RevokeRole("admin", "dr-b", {fb::Role::Adjudicator, "p1"})
         .status());
  ExpectRejected(
      [&] {
        return handler_
            ->RevokeRole("admin", "dr-b", {fb::Role::Adjudicator, "p1"})
            .status();
      },
      StatusCode::kNotFound,
      "principal dr-b does not hold the role adjudicator in project p1");
}

TEST_F(CommandsTest, PublishSchemaVersionsMustFollowEachOther) {
  Populate();
  std::string v1 = Example("icu-severity.json");
  Ok(handler_->PublishSchema("admin", v1).status());
  ExpectRejected([&] { return handler_->PublishSchema("admin", v1).status(); },
                 StatusCode::kAlreadyExists,
                 "schema icu-severity@1 is already published");
  auto bump = [&](int version, int parent) {
    std::string s = v1;
    size_t at = s.find("\"version\": 1");
    EXPECT_NE(at, std::string::npos);
    s.replace(at, 12,
              "\"version\": " + std::to_string(version) + ", \"parent\": " +
                  std::to_string(parent) + ", \"changelog\": \"x\"");
    return s;
  };
  ExpectRejected(
      [&] { return handler_->PublishSchema("admin", bump(3, 2)).status(); },
      StatusCode::kFailedPrecondition,
      "schema icu-severity@3: the next version of icu-severity is 2");
  Ok(handler_->PublishSchema("admin", bump(2, 1)).status());
  EXPECT_EQ(handler_->state().LatestSchemaVersion("icu-severity"), 2u);
  ExpectRejected(
      [&] {
        return handler_->PublishSchema("admin", "{\"id\": \"x\"}").status();
      },
      StatusCode::kInvalidArgument, "schema: \"version\" is required");
}

// Issue 13, defect 2: input lines are read strictly; a duplicate key is
// refused, named by its path, and appends nothing.
TEST_F(CommandsTest, ImportRefusesDuplicateKeysNamingTheirPath) {
  Populate();
  std::vector<std::string> lines = {
      R"({"id":"r-20","id":"r-21","text":"two ids"})",
      R"({"id":"r-22","text":"x","metadata":{"site":"a","site":"b"}})",
  };
  uint64_t before = ledger_->head().seq;
  auto r = testing::ImportLines(*handler_, "admin", "p1", lines, false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->lines.size(), 2u);
  EXPECT_EQ(r->lines[0].status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r->lines[0].status.message(), R"(duplicate key "id")");
  EXPECT_EQ(r->lines[1].status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r->lines[1].status.message(), R"(duplicate key "metadata.site")");
  EXPECT_EQ(ledger_->head().seq, before);
}

TEST_F(CommandsTest, ImportReportsPerLineAndAppendsOnlyValidLines) {
  Populate();
  std::vector<std::string> lines = {
      R"({"id":"r-10","text":"ok"})",
      "",
      R"({"id":"r-11","text":"x","colour":"red"})",
      R"({"id":"rec-1","text":"dup of an imported record"})",
      R"({"id":"r-12","images":[{"name":"a","width":0,"height":5}]})",
      R"({"id":"r-10","text":"dup in file"})",
      R"({"id":"r-13","images":[{"name":"a","width":5,"height":5},{"name":"a","width":5,"height":5}]})",
      R"({"id":"r-14","metadata":{"k":1}})",
      "not json",
      R"({"id":"r-15","text":"fine","images":[{"name":"a","width":5,"height":5,"frames":3}]})",
  };
  uint64_t before = ledger_->head().seq;
  auto r = testing::ImportLines(*handler_, "admin", "p1", lines, false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->lines.size(), 9u);  // the blank line is skipped
  EXPECT_EQ(r->appended, 2u);
  EXPECT_EQ(ledger_->head().seq, before + 2);
  auto msg = [&](size_t i) { return r->lines[i].status.message(); };
  EXPECT_TRUE(r->lines[0].status.ok());
  EXPECT_EQ(r->lines[1].line, 3u);
  EXPECT_EQ(msg(1), "record r-11: colour: unknown key");
  EXPECT_EQ(r->lines[2].status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(msg(2), "record rec-1 already exists");
  EXPECT_EQ(
      msg(3),
      "record r-12: images[0]: width: must be an integer in [1, 4294967295]");
  EXPECT_EQ(msg(4), "record r-10 is already on line 1 of this file");
  EXPECT_EQ(r->lines[5].status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(msg(6), "record r-14: a record needs text, images or both");
  EXPECT_EQ(r->lines[7].status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(msg(7).rfind("not valid JSON", 0), 0u) << msg(7);
  EXPECT_TRUE(r->lines[8].status.ok());
  DomainState s = handler_->state();
  const RecordState* rec = s.FindRecord("r-15");
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->shape->text(), "fine");
  EXPECT_EQ(rec->shape->FindImage("a")->frames, 3u);
  // The content hash is the SHA-256 of the canonical content document.
  EXPECT_EQ(
      rec->content_hash,
      Sha256(
          R"({"images":[{"frames":3,"height":5,"name":"a","width":5}],"text":"fine"})"));
  EXPECT_EQ(s.FindRecord("r-11"), nullptr);
}

TEST_F(CommandsTest, AtomicImportIsAllOrNothing) {
  Populate();
  std::vector<std::string> lines = {R"({"id":"r-20","text":"a"})",
                                    R"({"id":"r-21"})",
                                    R"({"id":"r-22","text":"c"})"};
  uint64_t before = ledger_->head().seq;
  auto r = testing::ImportLines(*handler_, "admin", "p1", lines, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->appended, 0u);
  EXPECT_EQ(ledger_->head().seq, before);
  EXPECT_EQ(r->lines[0].status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r->lines[0].status.message(),
            "not appended: --atomic and the file has rejected lines");
  EXPECT_EQ(r->lines[1].status.message(),
            "record r-21: a record needs text, images or both");
  lines[1] = R"({"id":"r-21","text":"b"})";
  r = testing::ImportLines(*handler_, "admin", "p1", lines, true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->appended, 3u);
  EXPECT_EQ(ledger_->head().seq, before + 3);
  ExpectRejected(
      [&] {
        return testing::ImportLines(*handler_, "admin", "p9", lines, true)
            .status();
      },
      StatusCode::kNotFound, "project p9 not found");
}

TEST_F(CommandsTest, BatchesAndAssignments) {
  Populate();
  std::vector<std::string> recs = {"rec-1", "rec-u"};
  Ok(handler_->CreateBatch("admin", "p1", "cal-1", recs).status());
  EXPECT_EQ(handler_->state().FindBatch("p1", "cal-1")->records, recs);
  ExpectRejected(
      [&] {
        return handler_->CreateBatch("admin", "p1", "cal-1", recs).status();
      },
      StatusCode::kAlreadyExists, "batch cal-1 already exists in project p1");
  std::vector<std::string> bad = {"rec-1", "nope"};
  ExpectRejected(
      [&] {
        return handler_->CreateBatch("admin", "p1", "cal-2", bad).status();
      },
      StatusCode::kNotFound,
      "batch cal-2: record nope not found in project p1");
  std::vector<std::string> twice = {"rec-1", "rec-1"};
  ExpectRejected(
      [&] {
        return handler_->CreateBatch("admin", "p1", "cal-2", twice).status();
      },
      StatusCode::kInvalidArgument,
      "batch cal-2: record rec-1 is listed twice");
  ExpectRejected(
      [&] {
        return handler_->CreateBatch("admin", "p2", "cal-2", recs).status();
      },
      StatusCode::kNotFound,
      "batch cal-2: record rec-1 not found in project p2");

  Ok(handler_->Assign("admin", "p1", "rec-1", "dr-b").status());
  ExpectRejected(
      [&] { return handler_->Assign("admin", "p1", "rec-1", "dr-b").status(); },
      StatusCode::kAlreadyExists, "record rec-1 is already assigned to dr-b");
  ExpectRejected(
      [&] { return handler_->Assign("admin", "p2", "rec-1", "dr-b").status(); },
      StatusCode::kNotFound, "record rec-1 not found in project p2");
  ExpectRejected(
      [&] {
        return handler_->Assign("admin", "p1", "rec-1", "ghost").status();
      },
      StatusCode::kNotFound, "principal ghost not found");
  ExpectRejected(
      [&] {
        return handler_->Assign("admin", "p1", "rec-1", "admin").status();
      },
      StatusCode::kPermissionDenied,
      "principal admin lacks the annotator role in project p1");
  ExpectRejected(
      [&] { return handler_->Assign("admin", "p1", "rec-1", "bot").status(); },
      StatusCode::kFailedPrecondition,
      "principal bot is a model; models pre-label descriptive fields without "
      "assignments");
  ExpectRejected(
      [&] { return handler_->Assign("dr-a", "p1", "rec-1", "dr-b").status(); },
      StatusCode::kPermissionDenied,
      "actor dr-a lacks the admin role in project p1");
  Ok(handler_->RevokeAssignment("admin", "p1", "rec-1", "dr-b", "rotation")
         .status());
  EXPECT_FALSE(handler_->state().IsAssigned("rec-1", "dr-b"));
  ExpectRejected(
      [&] {
        return handler_->RevokeAssignment("admin", "p1", "rec-1", "dr-b", "")
            .status();
      },
      StatusCode::kNotFound, "record rec-1 is not assigned to dr-b");
}

TEST_F(CommandsTest, SubmitValidatesAgainstTheSchemaAndTheRecord) {
  Populate();
  std::string good = Example("annotations/dx-reasoning.values.json");
  auto c = Submit("a-1", "rec-1", good);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  DomainState s = handler_->state();
  const AnnotationState* a = s.FindAnnotation("a-1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->revision, 1u);
  EXPECT_EQ(a->project, "p1");
  EXPECT_FALSE(a->by_model);
  // The values are stored as submitted, in a Plain payload.
  auto e = ledger_->Get(c->seq);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(PlainPayload(e->event()->body_as_AnnotationSubmitted()->values()),
            good);

  ExpectRejected(
      [&] {
        return Submit("a-17", "rec-1",
                      DxValues(
                          R"([{"alternative":"I50.9","excluded_because":"x"},)"
                          R"({"alternative":"I26.99","excluded_because":"y"},)"
                          R"({"alternative":"J81.0"}])"))
            .status();
      },
      StatusCode::kInvalidArgument,
      "annotation a-17: differential[2].excluded_because: required by "
      "dx-reasoning@1");
  ExpectRejected([&] { return Submit("a-1", "rec-1", good).status(); },
                 StatusCode::kAlreadyExists, "annotation a-1 already exists");
  ExpectRejected([&] { return Submit("a-2", "nope", good).status(); },
                 StatusCode::kNotFound,
                 "annotation a-2: record nope not found");
  ExpectRejected(
      [&] {
        return handler_
            ->SubmitAnnotation("dr-a", {.annotation_id = "a-2",
                                        .record_id = "rec-1",
                                        .annotator_id = "dr-a",
                                        .schema_id = "dx-reasoning",
                                        .schema_version = 7,
                                        .values = good})
            .status();
      },
      StatusCode::kNotFound, "annotation a-2: schema dx-reasoning@7 not found");
  ExpectRejected([&] { return Submit("a-2", "rec-1", good, "dr-b").status(); },
                 StatusCode::kFailedPrecondition,
                 "annotator dr-b is not assigned to record rec-1");
  ExpectRejected(
      [&] {
        return handler_
            ->SubmitAnnotation("dr-b", {.annotation_id = "a-2",
                                        .record_id = "rec-1",
                                        .annotator_id = "dr-a",
                                        .schema_id = "dx-reasoning",
                                        .schema_version = 1,
                                        .values = good})
            .status();
      },
      StatusCode::kPermissionDenied,
      "actor dr-b may not submit for annotator dr-a (only the annotator or an "
      "admin of project p1)");
  // An admin may submit on an annotator's behalf (migrations).
  Ok(handler_
         ->SubmitAnnotation("admin", {.annotation_id = "a-3",
                                      .record_id = "rec-1",
                                      .annotator_id = "dr-a",
                                      .schema_id = "dx-reasoning",
                                      .schema_version = 1,
                                      .values = good})
         .status());
  // The annotator role is needed even when assigned.
  Ok(handler_->Assign("admin", "p1", "rec-1", "dr-b").status());
  Ok(handler_->RevokeRole("admin", "dr-b", {fb::Role::Annotator, "p1"})
         .status());
  ExpectRejected([&] { return Submit("a-4", "rec-1", good, "dr-b").status(); },
                 StatusCode::kPermissionDenied,
                 "principal dr-b lacks the annotator role in project p1");
}

TEST_F(CommandsTest, SpansAtTheBoundariesOfUnicodeText) {
  Populate();
  // "aé€😀z": 5 code points, 11 bytes.
  auto span = [](int start, int end) {
    return R"({"primary_diagnosis":"J18.9","key_findings":[{"finding":"f","evidence":[{"span":{"start":)" +
           std::to_string(start) + R"(,"end":)" + std::to_string(end) +
           R"(}}]}],"confidence":0.5})";
  };
  Ok(Submit("u-1", "rec-u", span(0, 5)).status());  // the whole text
  Ok(Submit("u-2", "rec-u", span(3, 4)).status());  // the emoji alone
  Ok(Submit("u-3", "rec-u", span(4, 5)).status());  // ends exactly at the end
  ExpectRejected([&] { return Submit("u-4", "rec-u", span(4, 6)).status(); },
                 StatusCode::kInvalidArgument,
                 "annotation u-4: key_findings[0].evidence[0].span: span [4, "
                 "6) exceeds the "
                 "record text (5 code points)");
  ExpectRejected([&] { return Submit("u-5", "rec-u", span(7, 11)).status(); },
                 StatusCode::kInvalidArgument,
                 "annotation u-5: key_findings[0].evidence[0].span: span [7, "
                 "11) exceeds the "
                 "record text (5 code points)");
  ExpectRejected([&] { return Submit("u-6", "rec-u", span(2, 2)).status(); },
                 StatusCode::kInvalidArgument,
                 "annotation u-6: key_findings[0].evidence[0].span: empty or "
                 "reversed span [2, 2)");
}

TEST_F(CommandsTest, RegionsAtImageEdges) {
  Populate();
  auto box = [](const std::string& region) {
    return R"({"findings":[{"finding":"nodule","region":)" + region +
           R"(}],"impression":"233604007","impression_confidence":"low"})";
  };
  auto sub = [&](const std::string& id, const std::string& v) {
    return Submit(id, "rec-img", v, "dr-a", "chest-imaging");
  };
  Ok(sub("i-1", box(R"({"image":"pa","x":0,"y":0,"w":100,"h":50})")).status());
  Ok(sub("i-2",
         box(R"({"image":"ct","frame":9,"points":[[0,0],[64,0],[64,64]]})"))
         .status());
  ExpectRejected(
      [&] {
        return sub("i-3", box(R"({"image":"pa","x":1,"y":0,"w":100,"h":50})"))
            .status();
      },
      StatusCode::kInvalidArgument,
      "annotation i-3: findings[0].region: box (1, 0) 100x50 exceeds image "
      "\"pa\" (100x50)");
  ExpectRejected(
      [&] {
        return sub("i-4",
                   box(R"({"image":"ct","frame":10,"points":[[0,0],[1,0],[1,1]]})"))
            .status();
      },
      StatusCode::kInvalidArgument,
      "annotation i-4: findings[0].region: frame 10 is outside image \"ct\" "
      "(10 frames)");
}

TEST_F(CommandsTest,
       ModelPrincipalsPreLabelOnlyDescriptiveFieldsAndAreKeptApart) {
  Populate();
  std::string findings =
      R"({"findings":[{"finding":"nodule","region":{"image":"pa","x":0,"y":0,"w":10,"h":10}}]})";
  // No assignment needed; interpretive required fields are waived.
  auto c = Submit("m-1", "rec-img", findings, "bot", "chest-imaging");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(handler_->state().FindAnnotation("m-1")->by_model);
  ExpectRejected(
      [&] {
        return Submit("m-2", "rec-img",
                      R"({"findings":[],"impression":"233604007"})", "bot",
                      "chest-imaging")
            .status();
      },
      StatusCode::kPermissionDenied,
      "annotation m-2: impression: model principal bot (cxr-net@2.1) may "
      "pre-label only "
      "descriptive fields");
  // dx-reasoning's only wholly descriptive field is key_findings.
  ExpectRejected(
      [&] {
        return Submit("m-3", "rec-1", R"({"confidence":0.3})", "bot").status();
      },
      StatusCode::kPermissionDenied,
      "annotation m-3: confidence: model principal bot (cxr-net@2.1) may "
      "pre-label only "
      "descriptive fields");
  Ok(Submit(
         "m-4", "rec-1",
         R"({"key_findings":[{"finding":"f","evidence":[{"span":{"start":0,"end":2}}]}]})",
         "bot")
         .status());
  // A model's values still obey the schema.
  ExpectRejected(
      [&] {
        return Submit(
                   "m-5", "rec-img",
                   R"({"findings":[{"finding":"tumour","region":{"image":"pa","x":0,"y":0,"w":1,"h":1}}]})",
                   "bot", "chest-imaging")
            .status();
      },
      StatusCode::kInvalidArgument,
      "annotation m-5: findings[0].finding: \"tumour\" is not a category of "
      "chest-imaging@1");
}

TEST_F(CommandsTest, ReviseAndWithdraw) {
  Populate();
  std::string good = Example("annotations/dx-reasoning.values.json");
  Ok(Submit("a-1", "rec-1", good).status());
  auto r = handler_->ReviseAnnotation("dr-a", {.annotation_id = "a-1",
                                               .expected_revision = 1,
                                               .values = good,
                                               .reason = "typo"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const AnnotationState a = *handler_->state().FindAnnotation("a-1");
  EXPECT_EQ(a.revision, 2u);
  ASSERT_EQ(a.history.size(), 2u);
  EXPECT_EQ(a.history[1].seq, r->seq);
  ExpectRejected(
      [&] {
        return handler_
            ->ReviseAnnotation("dr-a", {.annotation_id = "a-1",
                                        .expected_revision = 1,
                                        .values = good})
            .status();
      },
      StatusCode::kAborted,
      "annotation a-1: expected revision 1, but the current revision is 2");
  ExpectRejected(
      [&] {
        return handler_
            ->ReviseAnnotation(
                "dr-a", {.annotation_id = "a-1",
                         .expected_revision = 2,
                         .values = DxValues(R"([{"alternative":"J81.0"}])")})
            .status();
      },
      StatusCode::kInvalidArgument,
      "annotation a-1: differential[0].excluded_because: required by "
      "dx-reasoning@1");
  ExpectRejected(
      [&] {
        return handler_
            ->ReviseAnnotation("dr-a",
                               {.annotation_id = "zz", .expected_revision = 1})
            .status();
      },
      StatusCode::kNotFound, "annotation zz not found");
  ExpectRejected(
      [&] {
        return handler_
            ->WithdrawAnnotation(
                "dr-a", {.annotation_id = "a-1", .expected_revision = 2})
            .status();
      },
      StatusCode::kInvalidArgument,
      "annotation a-1: a withdrawal needs a reason");
  Ok(handler_
         ->WithdrawAnnotation("dr-a", {.annotation_id = "a-1",
                                       .expected_revision = 2,
                                       .reason = "wrong record"})
         .status());
  EXPECT_TRUE(handler_->state().FindAnnotation("a-1")->withdrawn);
  ExpectRejected(
      [&] {
        return handler_
            ->ReviseAnnotation("dr-a", {.annotation_id = "a-1",
                                        .expected_revision = 2,
                                        .values = good})
            .status();
      },
      StatusCode::kFailedPrecondition, "annotation a-1 is withdrawn");
}

// Models attached at Open (domain/write_core.h) see every accepted effect
// in sequence order: the ledger's on open, then each command's, exclusive
// and concurrent alike; a rebuild hands them the same sequence.
class RecordingModel : public Model {
 public:
  void On(const Applied& e, const Effect& effect) override {
    seen.emplace_back(e.seq, effect.index());
  }
  std::vector<std::pair<uint64_t, size_t>> seen;
};

TEST_F(CommandsTest, AttachedModelsSeeEveryAcceptedEffectInOrder) {
  Populate();
  // Reopens the handler with `model` attached.
  auto open_with = [&](Model& model) {
    handler_.reset();
    Model* const models[] = {&model};
    auto h = CommandHandler::Open(ledger_.get(), {.clock = &clock_}, models);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    if (h.ok()) handler_ = std::move(*h);
  };
  RecordingModel live;
  open_with(live);
  ASSERT_NE(handler_, nullptr);
  const size_t at_open = live.seen.size();
  ASSERT_GT(at_open, 0u);
  EXPECT_EQ(live.seen.back().first, ledger_->head().seq);
  auto p = handler_->CreateProject("admin", {.id = "p9", .name = "Nine"});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(live.seen.size(), at_open + 1);
  EXPECT_EQ(live.seen.back(),
            std::make_pair(p->seq, Effect(ProjectDefined{}).index()));
  auto a =
      Submit("a-1", "rec-1", Example("annotations/dx-reasoning.values.json"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(live.seen.back(),
            std::make_pair(a->seq, Effect(AnnotationOpened{}).index()));
  // A rejected command hands the model nothing.
  const size_t before = live.seen.size();
  EXPECT_FALSE(
      handler_->CreateProject("admin", {.id = "p9", .name = "Again"}).ok());
  EXPECT_EQ(live.seen.size(), before);
  RecordingModel rebuilt;
  open_with(rebuilt);
  ASSERT_NE(handler_, nullptr);
  EXPECT_EQ(rebuilt.seen, live.seen);
}

// One writer per ledger (domain/write_core.h): a second handler on the same
// Ledger would bypass the first one's gate and reservations.
TEST_F(CommandsTest, SecondHandlerOnOneLedgerIsRefusedUntilTheFirstCloses) {
  auto second = CommandHandler::Open(ledger_.get(), {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  handler_.reset();
  auto third = CommandHandler::Open(ledger_.get(), {});
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  handler_ = std::move(*third);
}

TEST_F(CommandsTest, ConcurrentRevisionsOfOneRevisionCommitOnce) {
  Populate();
  std::string good = Example("annotations/dx-reasoning.values.json");
  Ok(Submit("a-1", "rec-1", good).status());
  uint64_t before = ledger_->head().seq;
  constexpr int kThreads = 8;
  std::atomic<int> ok{0}, aborted{0}, other{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&] {
      auto c = handler_->ReviseAnnotation(
          "dr-a",
          {.annotation_id = "a-1", .expected_revision = 1, .values = good});
      if (c.ok()) {
        ++ok;
      } else if (c.status().code() == StatusCode::kAborted) {
        ++aborted;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(aborted, kThreads - 1);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(ledger_->head().seq, before + 1);
  EXPECT_EQ(handler_->state().FindAnnotation("a-1")->revision, 2u);
}

// Committed annotation events are applied in sequence order, each before its
// caller hears of it: with several threads submitting and revising
// asynchronously, the incremental state equals one rebuilt from the ledger,
// and every callback's event is in the state's history at its sequence
// number.
TEST_F(CommandsTest, AsyncAnnotationsAreAppliedInCommitOrderBeforeCallbacks) {
  Populate();
  const std::string good = Example("annotations/dx-reasoning.values.json");
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::mutex mu;
  std::vector<std::pair<std::string, Committed>> done;
  std::atomic<int> failed{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "a-" + std::to_string(t) + "-" + std::to_string(i);
        handler_->SubmitAnnotationAsync("dr-a",
                                        {.annotation_id = id,
                                         .record_id = "rec-1",
                                         .annotator_id = "dr-a",
                                         .schema_id = "dx-reasoning",
                                         .schema_version = 1,
                                         .values = good},
                                        [&, id](StatusOr<Committed> c) {
                                          if (!c.ok()) {
                                            ++failed;
                                            return;
                                          }
                                          std::lock_guard l(mu);
                                          done.emplace_back(id, *c);
                                        });
        // The synchronous form returns once applied: a revision may follow
        // at once (the reservation is released before the callback).
        if (i % 10 == 0) {
          std::string rid = id + "-r";
          ASSERT_TRUE(Submit(rid, "rec-1", good).ok());
          auto r = handler_->ReviseAnnotation(
              "dr-a",
              {.annotation_id = rid, .expected_revision = 1, .values = good});
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          EXPECT_EQ(handler_->state().FindAnnotation(rid)->revision, 2u);
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  handler_.reset();  // waits for every callback to have returned
  EXPECT_EQ(failed, 0);
  ASSERT_EQ(done.size(), size_t{kThreads * kPerThread});
  Reopen();  // rebuilt from the ledger
  DomainState rebuilt = handler_->state();
  for (const auto& [id, c] : done) {
    const AnnotationState* a = rebuilt.FindAnnotation(id);
    ASSERT_NE(a, nullptr) << id;
    EXPECT_EQ(a->history.front().seq, c.seq) << id;
  }
}

// The incremental state kept while appending concurrently is the one a
// rebuild from the ledger makes (same events, same order).
TEST_F(CommandsTest, ConcurrentAsyncStateEqualsTheRebuiltState) {
  Populate();
  const std::string good = Example("annotations/dx-reasoning.values.json");
  std::atomic<int> outstanding{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        ++outstanding;
        handler_->SubmitAnnotationAsync(
            "dr-a",
            {.annotation_id =
                 "b-" + std::to_string(t) + "-" + std::to_string(i),
             .record_id = "rec-1",
             .annotator_id = "dr-a",
             .schema_id = "dx-reasoning",
             .schema_version = 1,
             .values = good},
            [&](StatusOr<Committed> c) {
              EXPECT_TRUE(c.ok()) << c.status().ToString();
              --outstanding;
            });
      }
    });
  }
  for (auto& t : ts) t.join();
  // A structural command drains every queued annotation first.
  Ok(handler_->CreateProject("admin", {.id = "p3", .name = "Third"}).status());
  EXPECT_EQ(outstanding, 0);
  DomainState incremental = handler_->state();
  EXPECT_EQ(incremental.annotation_count(), 400u);
  Reopen();
  EXPECT_TRUE(handler_->state() == incremental);
}

TEST_F(CommandsTest, BulkAnnotateReportsPerLineAndOrdersDependentLines) {
  Populate();
  std::string good =
      *CanonicalizeJson(Example("annotations/dx-reasoning.values.json"));
  std::vector<std::string> lines = {
      R"({"annotation_id":"b-1","record":"rec-1","annotator":"dr-a","schema":"dx-reasoning@1","values":)" +
          good + "}",
      R"({"op":"revise","annotation_id":"b-1","expected_revision":1,"values":)" +
          good + R"(,"reason":"r"})",
      R"({"annotation_id":"b-2","record":"rec-1","annotator":"dr-a","schema":"dx-reasoning","values":{}})",
      R"({"op":"withdraw","annotation_id":"b-1","expected_revision":2,"reason":"dup"})",
      R"({"annotation_id":"b-3","record":"rec-1","annotator":"dr-a","schema":"dx-reasoning@1","values":{},"x":1})",
  };
  BulkReport r = testing::AnnotateLines(*handler_, "admin", lines, false);
  ASSERT_EQ(r.lines.size(), 5u);
  EXPECT_EQ(r.appended, 3u);
  EXPECT_TRUE(r.lines[0].status.ok()) << r.lines[0].status.ToString();
  EXPECT_TRUE(r.lines[1].status.ok()) << r.lines[1].status.ToString();
  EXPECT_EQ(r.lines[2].status.message(),
            "schema reference \"dx-reasoning\": expected ID@VERSION "
            "(dx-reasoning@3)");
  EXPECT_TRUE(r.lines[3].status.ok()) << r.lines[3].status.ToString();
  EXPECT_EQ(r.lines[4].status.message(), "x: unknown key");
  EXPECT_TRUE(handler_->state().FindAnnotation("b-1")->withdrawn);
}

TEST_F(CommandsTest, AtomicBulkAnnotateSeesEarlierLinesAndIsAllOrNothing) {
  Populate();
  std::string good =
      *CanonicalizeJson(Example("annotations/dx-reasoning.values.json"));
  std::string submit =
      R"({"annotation_id":"c-1","record":"rec-1","annotator":"dr-a","schema":"dx-reasoning@1","values":)" +
      good + "}";
  std::string revise =
      R"({"op":"revise","annotation_id":"c-1","expected_revision":1,"values":)" +
      good + "}";
  std::string stale =
      R"({"op":"revise","annotation_id":"c-1","expected_revision":1,"values":)" +
      good + "}";
  std::vector<std::string> lines = {submit, revise, stale};
  uint64_t before = ledger_->head().seq;
  BulkReport r = testing::AnnotateLines(*handler_, "admin", lines, true);
  EXPECT_EQ(r.appended, 0u);
  EXPECT_EQ(ledger_->head().seq, before);
  EXPECT_EQ(r.lines[2].status.code(), StatusCode::kAborted);
  EXPECT_EQ(
      r.lines[2].status.message(),
      "annotation c-1: expected revision 1, but the current revision is 2");
  EXPECT_EQ(r.lines[0].status.code(), StatusCode::kFailedPrecondition);
  lines.pop_back();
  r = testing::AnnotateLines(*handler_, "admin", lines, true);
  EXPECT_EQ(r.appended, 2u);
  EXPECT_EQ(ledger_->head().seq, before + 2);
  EXPECT_EQ(handler_->state().FindAnnotation("c-1")->revision, 2u);
}

TEST_F(CommandsTest, RecordAccessIsDurableAndIndexedByRecord) {
  Populate();
  std::string good = Example("annotations/dx-reasoning.values.json");
  Ok(Submit("a-1", "rec-1", good).status());
  auto c = handler_->RecordAccess("dr-a", {.resource_kind = "annotation",
                                           .resource_id = "a-1",
                                           .action = "read",
                                           .purpose = "annotation review",
                                           .allowed = true});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(ledger_->head().seq, c->seq);
  auto by_record = ledger_->EventsForRecord("rec-1");
  ASSERT_TRUE(by_record.ok());
  EXPECT_EQ(by_record->back(), c->seq);
  auto e = ledger_->Get(c->seq);
  EXPECT_EQ(View(e->event()->body_as_AccessRecorded()->project_id()), "p1");
  // Denied attempts are recorded too, even for unknown resources.
  Ok(handler_
         ->RecordAccess("dr-b", {.resource_kind = "record",
                                 .resource_id = "nope",
                                 .action = "read",
                                 .allowed = false,
                                 .reason = "not assigned"})
         .status());
  ExpectRejected(
      [&] {
        return handler_
            ->RecordAccess("dr-b", {.resource_kind = "record",
                                    .resource_id = "nope",
                                    .action = "read",
                                    .allowed = true})
            .status();
      },
      StatusCode::kNotFound, "record nope not found");
  ExpectRejected(
      [&] {
        return handler_
            ->RecordAccess("dr-b", {.resource_kind = "record",
                                    .resource_id = "rec-1",
                                    .action = "read"})
            .status();
      },
      StatusCode::kInvalidArgument, "access: a denied access needs a reason");
  ExpectRejected(
      [&] {
        return handler_
            ->RecordAccess("dr-b", {.resource_kind = "file",
                                    .resource_id = "x",
                                    .action = "read",
                                    .allowed = true})
            .status();
      },
      StatusCode::kInvalidArgument,
      "access: resource kind \"file\" (known: annotation, batch, dataset, "
      "ledger, principal, project, record, route, schema)");
}

// Found by the http_request fuzzer (tests/fuzz/corpus/http_request/
// crash-invalid-utf8-path): a refused request's path bytes reached the
// AccessRecorded event as they were, and the event printed as invalid JSON.
TEST_F(CommandsTest, RecordAccessWithInvalidUtf8IsRejectedAndAppendsNothing) {
  Populate();
  const uint64_t before = ledger_->head().seq;
  ExpectRejected(
      [&] {
        return handler_
            ->RecordAccess("dr-b", {.resource_kind = "route",
                                    .resource_id = "/v1/records/{record}",
                                    .action = "request",
                                    .purpose = "api: GET /v1/records/r\xa0\xd0",
                                    .allowed = false,
                                    .reason = "UNAUTHENTICATED: unknown"})
            .status();
      },
      StatusCode::kInvalidArgument, "access: purpose is not valid UTF-8");
  ExpectRejected(
      [&] {
        return handler_
            ->RecordAccess("dr-b", {.resource_kind = "record",
                                    .resource_id = "r\xed\xa0\x80",
                                    .action = "read",
                                    .allowed = false,
                                    .reason = "x"})
            .status();
      },
      StatusCode::kInvalidArgument, "access: resource id is not valid UTF-8");
  EXPECT_EQ(ledger_->head().seq, before);
}

TEST_F(CommandsTest, RecordAccessAsyncKeepsCallOrderAndRejectsOnCallerThread) {
  Populate();
  const uint64_t before = ledger_->head().seq;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<uint64_t> seqs(20, 0);
  int left = 20;
  for (int i = 0; i < 20; ++i) {
    handler_->RecordAccessAsync("dr-a",
                                {.resource_kind = "record",
                                 .resource_id = i % 2 ? "rec-1" : "elsewhere",
                                 .action = "read",
                                 .allowed = i % 2 == 1,
                                 .reason = i % 2 ? "" : "not assigned"},
                                [&, i](StatusOr<Committed> c) {
                                  std::lock_guard l(mu);
                                  EXPECT_TRUE(c.ok()) << c.status().ToString();
                                  if (c.ok()) seqs[i] = c->seq;
                                  if (--left == 0) cv.notify_all();
                                });
  }
  {
    std::unique_lock l(mu);
    cv.wait(l, [&] { return left == 0; });
  }
  for (int i = 0; i < 20; ++i) EXPECT_EQ(seqs[i], before + 1 + i);
  // A rejected command calls back before RecordAccessAsync returns.
  bool called = false;
  handler_->RecordAccessAsync(
      "dr-a",
      {.resource_kind = "record", .resource_id = "rec-1", .action = "read"},
      [&](StatusOr<Committed> c) {
        called = true;
        EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
      });
  EXPECT_TRUE(called);
  EXPECT_EQ(ledger_->head().seq, before + 20);
}

TEST_F(CommandsTest, GoldAnswers) {
  Populate();
  std::string good = Example("annotations/dx-reasoning.values.json");
  auto c = handler_->RecordGoldAnswer("admin", {.record_id = "rec-1",
                                                .schema_id = "dx-reasoning",
                                                .schema_version = 1,
                                                .values = good});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(handler_->state().FindGoldAnswer("rec-1", "dx-reasoning", 1)->seq,
            c->seq);
  ExpectRejected(
      [&] {
        return handler_
            ->RecordGoldAnswer("admin", {.record_id = "rec-1",
                                         .schema_id = "dx-reasoning",
                                         .schema_version = 1,
                                         .values = R"({"confidence":0.5})"})
            .status();
      },
      StatusCode::kInvalidArgument,
      "gold answer for record rec-1: primary_diagnosis: required by "
      "dx-reasoning@1");
  ExpectRejected(
      [&] {
        return handler_
            ->RecordGoldAnswer("dr-a", {.record_id = "rec-1",
                                        .schema_id = "dx-reasoning",
                                        .schema_version = 1,
                                        .values = good})
            .status();
      },
      StatusCode::kPermissionDenied,
      "actor dr-a lacks the admin role in project p1");
}

TEST_F(CommandsTest, StateSurvivesReopen) {
  Populate();
  Ok(Submit("a-1", "rec-1", Example("annotations/dx-reasoning.values.json"))
         .status());
  DomainState before = handler_->state();
  Reopen();
  EXPECT_TRUE(handler_->state() == before);
}

}  // namespace
}  // namespace consilium::domain
