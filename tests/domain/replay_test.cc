// domain::Decide: the one statement of the replay rules (domain/replay.h),
// asked of a fake state. That DomainState and AnalyticsState keep what it
// decides is checked by their own tests (rebuilt = incremental, properties).
#include "domain/replay.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "tests/testing/files.h"

namespace consilium::domain {
namespace {

std::string Example(const std::string& name) {
  return testing::ReadFile(testing::ExamplePath(name));
}

class FakeKnown : public Known {
 public:
  bool HasProject(std::string_view id) const override {
    return projects.count(std::string(id)) > 0;
  }
  bool HasPrincipal(std::string_view id) const override {
    return principals.count(std::string(id)) > 0;
  }
  bool HasSchema(std::string_view id, uint32_t version) const override {
    return schemas.count({std::string(id), version}) > 0;
  }
  bool HasRecord(std::string_view id) const override {
    return records.count(std::string(id)) > 0;
  }
  bool HasBatch(std::string_view, std::string_view) const override {
    return false;
  }
  std::optional<AnnotationHead> Head(std::string_view id) const override {
    auto it = heads.find(std::string(id));
    if (it == heads.end()) return std::nullopt;
    return it->second;
  }

  std::set<std::string> projects, principals, records;
  std::set<std::pair<std::string, uint32_t>> schemas;
  std::map<std::string, AnnotationHead> heads;
};

const EventHeader kHeader{"admin", ""};

Effect DecideDraft(const Known& known, const EventDraft& d) {
  return Decide(known, Applied{1, 0, *d.event()});
}

TEST(DecideTest, TheFirstDefinitionWins) {
  FakeKnown known;
  const EventDraft p = MakeProjectCreated(kHeader, "p1", "P", 0, false);
  EXPECT_TRUE(std::holds_alternative<ProjectDefined>(DecideDraft(known, p)));
  known.projects.insert("p1");
  EXPECT_TRUE(std::holds_alternative<Ignored>(DecideDraft(known, p)));
}

TEST(DecideTest, RolesAndTokensNeedAKnownPrincipalAndAValidRole) {
  FakeKnown known;
  const EventDraft grant =
      MakeRoleGranted(kHeader, "u1", fb::Role::Annotator, "p1");
  EXPECT_TRUE(std::holds_alternative<Ignored>(DecideDraft(known, grant)));
  known.principals.insert("u1");
  const Effect e = DecideDraft(known, grant);
  ASSERT_TRUE(std::holds_alternative<RoleChanged>(e));
  EXPECT_TRUE(std::get<RoleChanged>(e).grant);
  EXPECT_EQ(std::get<RoleChanged>(e).principal, "u1");
  EXPECT_TRUE(std::holds_alternative<Ignored>(DecideDraft(
      known, MakeRoleRevoked(kHeader, "u1", fb::Role::Unspecified, ""))));
}

TEST(DecideTest, ASchemaDefinesOnlyWhenItsHeaderMatchesItsDocument) {
  FakeKnown known;
  const std::string doc = Example("icu-severity.json");
  const EventDraft wrong = MakeSchemaPublished(
      kHeader, {.schema_id = "other", .version = 1, .definition = doc});
  EXPECT_TRUE(std::holds_alternative<Ignored>(DecideDraft(known, wrong)));
  StatusOr<schemas::TaskSchema> parsed = schemas::TaskSchema::Parse(doc);
  ASSERT_TRUE(parsed.ok());
  const EventDraft right = MakeSchemaPublished(
      kHeader, {.schema_id = parsed->id(),
                .version = static_cast<uint32_t>(parsed->version()),
                .definition = doc});
  const Effect e = DecideDraft(known, right);
  ASSERT_TRUE(std::holds_alternative<SchemaDefined>(e));
  ASSERT_NE(std::get<SchemaDefined>(e).schema, nullptr);
  EXPECT_EQ(std::get<SchemaDefined>(e).schema->id(), parsed->id());
  known.schemas.insert(
      {parsed->id(), static_cast<uint32_t>(parsed->version())});
  EXPECT_TRUE(std::holds_alternative<Ignored>(DecideDraft(known, right)));
}

TEST(DecideTest, RevisionsNameTheCurrentRevisionAndMakeTheNext) {
  FakeKnown known;
  auto revise = [](uint32_t expected, uint32_t next) {
    return MakeAnnotationRevised(kHeader, {.annotation_id = "a1",
                                           .expected_revision = expected,
                                           .new_revision = next,
                                           .values = "{}"});
  };
  EXPECT_TRUE(
      std::holds_alternative<Ignored>(DecideDraft(known, revise(1, 2))));
  known.heads["a1"] = AnnotationHead{1, false, 7};
  const EventDraft next = revise(1, 2);  // outlives `e`, which points into it
  const Effect e = DecideDraft(known, next);
  ASSERT_TRUE(std::holds_alternative<AnnotationRevised>(e));
  EXPECT_EQ(std::get<AnnotationRevised>(e).number, 7u);
  EXPECT_TRUE(
      std::holds_alternative<Ignored>(DecideDraft(known, revise(0, 1))));
  EXPECT_TRUE(
      std::holds_alternative<Ignored>(DecideDraft(known, revise(1, 3))));
  known.heads["a1"].withdrawn = true;
  EXPECT_TRUE(
      std::holds_alternative<Ignored>(DecideDraft(known, revise(1, 2))));
}

TEST(DecideTest, WithdrawalsNameTheCurrentRevisionOfALiveAnnotation) {
  FakeKnown known;
  auto withdraw = [](uint32_t expected) {
    return MakeAnnotationWithdrawn(
        kHeader, {.annotation_id = "a1", .expected_revision = expected});
  };
  known.heads["a1"] = AnnotationHead{2, false, 0};
  EXPECT_TRUE(std::holds_alternative<Ignored>(DecideDraft(known, withdraw(1))));
  EXPECT_TRUE(std::holds_alternative<AnnotationWithdrawn>(
      DecideDraft(known, withdraw(2))));
  known.heads["a1"].withdrawn = true;
  EXPECT_TRUE(std::holds_alternative<Ignored>(DecideDraft(known, withdraw(2))));
}

TEST(DecideTest, TheFirstSubmissionOfAnIdWins) {
  FakeKnown known;
  const EventDraft submit =
      MakeAnnotationSubmitted(kHeader, {.annotation_id = "a1", .values = "{}"});
  EXPECT_TRUE(
      std::holds_alternative<AnnotationOpened>(DecideDraft(known, submit)));
  known.heads["a1"] = AnnotationHead{1, false, 0};
  EXPECT_TRUE(std::holds_alternative<Ignored>(DecideDraft(known, submit)));
}

// The adjudication engine's events are taken as appended, in any state
// (the queue's rules, adjudication/queue.h, judge the lease they name).
TEST(DecideTest, AdjudicationEngineEventsPassToTheirModel) {
  FakeKnown known;
  // Effects point into the event's bytes: the draft outlives them.
  const EventDraft set =
      MakeAdjudicationPolicySet(kHeader, {.project_id = "p1",
                                          .version = 1,
                                          .document = "{}",
                                          .schema_id = "s",
                                          .schema_version = 1});
  const Effect policy = DecideDraft(known, set);
  ASSERT_TRUE(std::holds_alternative<AdjudicationPolicyDefined>(policy));
  EXPECT_EQ(std::get<AdjudicationPolicyDefined>(policy).body->version(), 1u);
  const EventDraft claim = MakeAdjudicationClaimed(kHeader, {.project_id = "p1",
                                                             .record_id = "r1",
                                                             .field_path = "dx",
                                                             .expires_us = 99});
  const Effect opened = DecideDraft(known, claim);
  ASSERT_TRUE(std::holds_alternative<AdjudicationLeaseOpened>(opened));
  EXPECT_EQ(std::get<AdjudicationLeaseOpened>(opened).body->expires_us(), 99);
  struct Case {
    EventDraft draft;
    LeaseEnd end;
    int64_t deadline_us;
    std::string rationale;
  };
  const Case cases[] = {
      {MakeAdjudicationReleased(kHeader, "p1", 7), LeaseEnd::kReleased, 0, ""},
      {MakeAdjudicationLeaseExpired(kHeader, "p1", 7, 99), LeaseEnd::kExpired,
       99, ""},
      {MakeAdjudicationEscalated(kHeader, "p1", 7, "why"), LeaseEnd::kEscalated,
       0, "why"},
  };
  for (const Case& c : cases) {
    const Effect e = DecideDraft(known, c.draft);
    ASSERT_TRUE(std::holds_alternative<AdjudicationLeaseClosed>(e));
    const auto& closed = std::get<AdjudicationLeaseClosed>(e);
    EXPECT_EQ(closed.project, "p1");
    EXPECT_EQ(closed.lease_seq, 7u);
    EXPECT_EQ(closed.end, c.end);
    EXPECT_EQ(closed.deadline_us, c.deadline_us);
    EXPECT_EQ(closed.rationale, c.rationale);
  }
}

}  // namespace
}  // namespace consilium::domain
