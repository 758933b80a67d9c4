// domain::Authorizer's read rules (docs/authorization.md) and token
// revocation (AdminCommands::RevokeTokens, TokenRevoked replay), over a
// CommandHandler on a temporary ledger.
#include <gtest/gtest.h>

#include <string>

#include "domain/authorizer.h"
#include "domain/command_handler.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/files.h"
#include "tests/testing/temp_dir.h"

namespace consilium::domain {
namespace {

class ReadRulesTest : public ::testing::Test {
 protected:
  // admin; project p1 (blind unless `blind` false) with dr-a, dr-b
  // (annotators), adj (adjudicator), res (researcher), aud (auditor); rec-1
  // assigned to dr-a and dr-b, rec-2 to dr-b; dr-b annotated rec-1 (b-1),
  // adj (also an annotator) and dr-b annotated rec-2 (j-2, b-2).
  void Build(bool blind) {
    ASSERT_TRUE(Ledger::Init(dir_.path()).ok());
    auto l = Ledger::Open(dir_.path(), {.clock = &clock_});
    ASSERT_TRUE(l.ok());
    ledger_ = std::move(*l);
    auto h = CommandHandler::Open(ledger_.get(), {.clock = &clock_});
    ASSERT_TRUE(h.ok());
    handler_ = std::move(*h);
    Ok(Register("admin", {{fb::Role::Admin, ""}}));
    Ok(handler_
           ->CreateProject("admin",
                           {.id = "p1", .name = "ICU", .blind_mode = blind})
           .status());
    Ok(handler_
           ->PublishSchema("admin", testing::ReadFile(testing::ExamplePath(
                                        "icu-severity.json")))
           .status());
    Ok(Register("dr-a", {{fb::Role::Annotator, "p1"}}));
    Ok(Register("dr-b", {{fb::Role::Annotator, "p1"}}));
    Ok(Register("adj",
                {{fb::Role::Adjudicator, "p1"}, {fb::Role::Annotator, "p1"}}));
    Ok(Register("res", {{fb::Role::Researcher, "p1"}}));
    Ok(Register("aud", {{fb::Role::Auditor, ""}}));
    std::vector<RecordLine> lines;
    lines.push_back({1, ImportRecordCommand{"rec-1", R"({"text":"a"})", "{}"}});
    lines.push_back({2, ImportRecordCommand{"rec-2", R"({"text":"b"})", "{}"}});
    auto report = handler_->ImportRecords("admin", "p1", lines, true);
    ASSERT_TRUE(report.ok() && report->all_ok());
    Ok(handler_->Assign("admin", "p1", "rec-1", "dr-a").status());
    Ok(handler_->Assign("admin", "p1", "rec-1", "dr-b").status());
    Ok(handler_->Assign("admin", "p1", "rec-2", "dr-b").status());
    Ok(handler_->Assign("admin", "p1", "rec-2", "adj").status());
    Ok(Annotate("dr-b", "b-1", "rec-1"));
    Ok(Annotate("adj", "j-2", "rec-2"));
    Ok(Annotate("dr-b", "b-2", "rec-2"));
  }
  Status Register(const std::string& id, std::vector<RoleSpec> roles) {
    auto r = handler_->RegisterPrincipal("admin",
                                         {.id = id, .roles = std::move(roles)});
    if (r.ok()) tokens_[id] = r->token.token;
    return r.status();
  }
  Status Annotate(const std::string& who, const std::string& id,
                  const std::string& record) {
    return handler_
        ->SubmitAnnotation(who, {.annotation_id = id,
                                 .record_id = record,
                                 .annotator_id = who,
                                 .schema_id = "icu-severity",
                                 .schema_version = 1,
                                 .values = R"({"severity":"stable"})"})
        .status();
  }
  static void Ok(const Status& s) { ASSERT_TRUE(s.ok()) << s.ToString(); }

  // The rule's verdict for `actor`.
  template <typename Fn>
  Status Ask(const std::string& actor, Fn fn) {
    return handler_->Read(
        [&](const DomainState& s) { return fn(Authorizer(s, actor)); });
  }
  Status Record(const std::string& actor, const std::string& record) {
    return Ask(actor,
               [&](const Authorizer& a) { return a.MayReadRecord(record); });
  }
  Status Annotation(const std::string& actor, const std::string& id) {
    return Ask(actor, [&](const Authorizer& a) {
      return a.MayReadAnnotation(std::string_view(id));
    });
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<CommandHandler> handler_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(ReadRulesTest, RecordContentFollowsRolesAndAssignments) {
  Build(/*blind=*/true);
  EXPECT_TRUE(Record("admin", "rec-2").ok());
  EXPECT_TRUE(Record("dr-a", "rec-1").ok());
  EXPECT_EQ(Record("dr-a", "rec-2").message(),
            "principal dr-a may not read record rec-2: the record is not "
            "assigned to it");
  EXPECT_TRUE(Record("adj", "rec-1").ok());
  // adj is also an annotator assigned to rec-2: its own work's record.
  EXPECT_TRUE(Record("adj", "rec-2").ok());
  EXPECT_EQ(Record("res", "rec-1").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Record("aud", "rec-1").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Record("nobody", "rec-1").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Record("admin", "rec-9").code(), StatusCode::kNotFound);
}

TEST_F(ReadRulesTest, BlindProjectsShowAnnotatorsOnlyTheirOwnWork) {
  Build(/*blind=*/true);
  EXPECT_TRUE(Annotation("dr-b", "b-1").ok());
  EXPECT_EQ(Annotation("dr-a", "b-1").message(),
            "principal dr-a may not read annotation b-1: project p1 is "
            "blind: annotators see only their own work");
  EXPECT_TRUE(Annotation("admin", "b-1").ok());
  EXPECT_TRUE(Annotation("adj", "b-1").ok());
  EXPECT_EQ(Annotation("adj", "j-2").code(), StatusCode::kOk);  // its own
  EXPECT_EQ(Annotation("adj", "b-2").message(),
            "principal adj may not read annotation b-2: an adjudicator never "
            "sees a record it annotated");
  EXPECT_EQ(Annotation("dr-b", "j-2").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Annotation("res", "b-1").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Annotation("aud", "b-1").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Annotation("dr-a", "zz").code(), StatusCode::kNotFound);
}

TEST_F(ReadRulesTest, ARevokedRoleTakesAwayReadsOfOwnWork) {
  Build(/*blind=*/true);
  ASSERT_TRUE(Annotation("dr-b", "b-1").ok());
  Ok(handler_->RevokeRole("admin", "dr-b", {fb::Role::Annotator, "p1"})
         .status());
  EXPECT_EQ(Annotation("dr-b", "b-1").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Record("dr-b", "rec-1").code(), StatusCode::kPermissionDenied);
}

TEST_F(ReadRulesTest, OutsideBlindModeAssignedAnnotatorsSeeEachOther) {
  Build(/*blind=*/false);
  EXPECT_TRUE(Annotation("dr-a", "b-1").ok());
  // Not assigned to rec-2: still refused.
  EXPECT_EQ(Annotation("dr-a", "j-2").code(), StatusCode::kPermissionDenied);
}

TEST_F(ReadRulesTest, WorkListsAndAssignmentsIndexes) {
  Build(/*blind=*/true);
  EXPECT_TRUE(Ask("dr-a", [](const Authorizer& a) {
                return a.MayReadWorklist("dr-a");
              }).ok());
  EXPECT_EQ(
      Ask("dr-a", [](const Authorizer& a) { return a.MayReadWorklist("dr-b"); })
          .code(),
      StatusCode::kPermissionDenied);
  handler_->Read([](const DomainState& s) {
    auto b = s.AssignmentsOf("dr-b");
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[0].second, "rec-1");  // assigned first
    EXPECT_EQ(b[1].second, "rec-2");
    EXPECT_TRUE(s.HasAnnotated("rec-1", "dr-b"));
    EXPECT_FALSE(s.HasAnnotated("rec-1", "dr-a"));
    EXPECT_EQ(s.AnnotationsOfRecord("rec-1").size(), 1u);
  });
  Ok(handler_->RevokeAssignment("admin", "p1", "rec-1", "dr-b", "").status());
  handler_->Read([](const DomainState& s) {
    EXPECT_EQ(s.AssignmentsOf("dr-b").size(), 1u);
  });
}

TEST_F(ReadRulesTest, RevokeTokensChecksItsSelectorAndActor) {
  Build(/*blind=*/true);
  auto second = handler_->IssueToken("dr-a", "dr-a");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(
      handler_->RevokeTokens("admin", {.principal_id = "dr-a"}).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(
      handler_->RevokeTokens("dr-b", {.principal_id = "dr-a", .all = true})
          .status()
          .code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(
      handler_
          ->RevokeTokens("admin", {.principal_id = "dr-a", .token = "csl_x"})
          .status()
          .message(),
      "principal dr-a holds no such token");
  auto self = handler_->RevokeTokens(
      "dr-a", {.principal_id = "dr-a", .token = tokens_["dr-a"]});
  ASSERT_TRUE(self.ok()) << self.status().ToString();
  auto again = handler_->RevokeTokens(
      "admin", {.principal_id = "dr-a", .token = tokens_["dr-a"]});
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  auto all =
      handler_->RevokeTokens("admin", {.principal_id = "dr-a", .all = true});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);  // only the second was still live
  EXPECT_EQ(
      handler_->RevokeTokens("admin", {.principal_id = "dr-a", .all = true})
          .status()
          .message(),
      "principal dr-a has no live token");
  // Replayed from the ledger, the state is the same.
  DomainState live = handler_->state();
  handler_.reset();
  auto h = CommandHandler::Open(ledger_.get(), {.clock = &clock_});
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(live == (*h)->state());
  const PrincipalState* a = live.FindPrincipal("dr-a");
  ASSERT_EQ(a->tokens.size(), 2u);
  EXPECT_NE(a->tokens[0].revoked_seq, 0u);
  EXPECT_NE(a->tokens[1].revoked_seq, 0u);
}

}  // namespace
}  // namespace consilium::domain
