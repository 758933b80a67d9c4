// The adjudication documents (render/adjudication_json.h): keys in the order
// docs/renderings.md lists, states and leases as the queue model holds them,
// absent sequence numbers as null; and what an adjudicator is shown
// (render/adjudication_view.h): pseudonyms, or no names at all in a blind
// project, never principal or annotation ids, each current annotation's
// whole trace.
#include "render/adjudication_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "adjudication/queue.h"
#include "common/canonical_json.h"
#include "domain/command_handler.h"
#include "projections/engine.h"
#include "render/adjudication_view.h"
#include "render/command_input.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace consilium::render {
namespace {

namespace json = boost::json;
namespace adj = ::consilium::adjudication;
using schemas::Layer;

constexpr int64_t kSecond = 1'000'000;

std::vector<std::string> Keys(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

adj::FieldView ThreeWay(uint64_t first_seq) {
  adj::FieldView v;
  v.annotations = {{"dr-a", "stable", std::nullopt, first_seq},
                   {"dr-b", "guarded", std::nullopt, first_seq + 1},
                   {"dr-c", "serious", std::nullopt, first_seq + 2}};
  return v;
}

TEST(AdjudicationJsonTest, PolicyShowsFieldsAndTheDefaultsInDocumentSpelling) {
  adj::ProjectPolicy policy = adj::ProjectPolicy::Default("icu", 3);
  policy.version = 2;
  policy.senior_adjudicators = {"dr-osei"};
  adj::FieldPolicy sev = policy.For("severity", Layer::kInterpretive);
  sev.disagreement = false;
  sev.entropy_at_least = 0.6;
  sev.priority = adj::PriorityRule::kExplicit;
  sev.explicit_priority = 100;
  policy.fields["severity"] = sev;
  json::object o = PolicyJson(policy, 17, 20);
  EXPECT_EQ(Keys(o), (std::vector<std::string>{
                         "project", "as_of_seq", "version", "policy_seq",
                         "overlap_target", "lease_seconds",
                         "senior_adjudicators", "fields", "defaults"}));
  EXPECT_EQ(o["lease_seconds"], 300);
  EXPECT_EQ(o["policy_seq"], 17);
  const json::object& f = o["fields"].as_object().at("severity").as_object();
  EXPECT_EQ(json::serialize(f.at("triggers")), R"({"entropy_at_least":6E-1})");
  EXPECT_EQ(json::serialize(f.at("priority")),
            R"({"by":"explicit","value":100})");
  const json::object& d = o["defaults"].as_object();
  EXPECT_EQ(json::serialize(d.at("interpretive").at("triggers")),
            R"({"disagreement":true})");
  EXPECT_EQ(json::serialize(d.at("descriptive").at("triggers")), "{}");
  EXPECT_EQ(d.at("interpretive").at("min_annotations"), 3);
  EXPECT_EQ(Keys(d.at("descriptive").as_object()),
            (std::vector<std::string>{"min_annotations", "triggers", "priority",
                                      "adjudicators"}));
  EXPECT_EQ(Keys(f),
            (std::vector<std::string>{"layer", "min_annotations", "triggers",
                                      "priority", "adjudicators"}));

  json::object def =
      PolicyJson(adj::ProjectPolicy::Default("icu", 0), std::nullopt, 0);
  EXPECT_TRUE(def["policy_seq"].is_null());
  EXPECT_EQ(def["version"], 0);
}

TEST(AdjudicationJsonTest, QueueItemFollowsTheItemThroughClaimAndDecision) {
  adj::Queue q(adj::ProjectPolicy::Default("icu", 3));
  q.Apply(3, adj::ItemUpdated{
                 {"rec-1", "severity"}, Layer::kInterpretive, ThreeWay(1)});
  const adj::ItemInfo* item = q.Find({"rec-1", "severity"});
  ASSERT_NE(item, nullptr);
  const int64_t opened = 1000 * kSecond;
  json::object o = QueueItemJson(*item, opened, opened + 90 * kSecond);
  EXPECT_EQ(Keys(o), (std::vector<std::string>{
                         "record", "field", "state", "triggers", "reason",
                         "priority", "annotations", "opened_seq", "opened_at",
                         "age_seconds", "lease", "escalated", "reopened_from",
                         "last_decision_seq", "round_decisions"}));
  EXPECT_EQ(o["state"], "pending");
  EXPECT_EQ(json::serialize(o["triggers"]), R"(["disagreement"])");
  EXPECT_EQ(o["annotations"], 3);
  EXPECT_EQ(o["age_seconds"], 90);
  EXPECT_EQ(o["opened_seq"], 3);
  EXPECT_TRUE(o["lease"].is_null());
  EXPECT_TRUE(o["reopened_from"].is_null());
  // A clock behind the opening never gives a negative age.
  EXPECT_EQ(QueueItemJson(*item, opened, opened - kSecond)["age_seconds"], 0);

  auto plan = q.CheckClaim("dr-k", opened);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  q.Apply(4, adj::Claimed{4, "dr-k", plan->item, plan->expires_us});
  item = q.Find({"rec-1", "severity"});
  o = QueueItemJson(*item, opened, opened);
  EXPECT_EQ(o["state"], "claimed");
  EXPECT_EQ(o["lease"], 4);
  json::object lease = LeaseJson(*q.FindLease(4));
  EXPECT_EQ(Keys(lease),
            (std::vector<std::string>{"lease", "adjudicator", "record", "field",
                                      "expires_us", "expires_at", "weighed"}));
  EXPECT_EQ(lease["expires_us"], opened + 300 * kSecond);
  EXPECT_EQ(lease["weighed"].as_array().size(), 3u);

  q.Apply(5, adj::Decided{4, adj::Outcome::kDecided, "serious",
                          "lactate and pressors", plan->weighed});
  item = q.Find({"rec-1", "severity"});
  std::vector<ItemHistoryEntry> history = {
      {3, opened, "opened", "", 0, std::nullopt, "disagreement"},
      {4, opened, "claimed", "dr-k", 4, std::nullopt, ""},
      {5, opened, "decided", "dr-k", 4, std::nullopt, "serious"}};
  json::object show =
      ItemShowJson("icu", 5, *item, opened, opened, nullptr, history);
  EXPECT_EQ(Keys(show),
            (std::vector<std::string>{"project", "as_of_seq", "item",
                                      "current_annotations", "lease", "round",
                                      "history"}));
  EXPECT_EQ(show["item"].at("state"), "decided");
  EXPECT_EQ(show["item"].at("last_decision_seq"), 5);
  EXPECT_TRUE(show["lease"].is_null());
  const json::array& steps = show["history"].as_array();
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_TRUE(steps[0].at("actor").is_null());
  EXPECT_TRUE(steps[0].at("lease").is_null());
  EXPECT_EQ(steps[2].at("what"), "decided");
  EXPECT_FALSE(steps[2].as_object().contains("cites"));
}

TEST(AdjudicationJsonTest, DecisionCarriesTheValueAsJsonAndNullWhenAmbiguous) {
  DecisionResult d{.project = "icu",
                   .seq = 9,
                   .hash = "ab",
                   .lease = 7,
                   .adjudicator = "dr-k",
                   .item = {"rec-1", "severity"},
                   .outcome = "decided",
                   .value_json = "\"serious\"",
                   .rationale = "r",
                   .weighed = {{"dr-a", 1}},
                   .state = "decided"};
  json::object o = DecisionJson(d);
  EXPECT_EQ(Keys(o),
            (std::vector<std::string>{
                "project", "seq", "hash", "lease", "adjudicator", "record",
                "field", "outcome", "value", "rationale", "weighed", "state"}));
  EXPECT_EQ(o["value"], "serious");
  d.outcome = "ambiguous";
  d.value_json.clear();
  EXPECT_TRUE(DecisionJson(d)["value"].is_null());

  json::object hb =
      LeaseActionJson("icu", 7, "dr-k", "heartbeat", std::nullopt, 5 * kSecond);
  EXPECT_TRUE(hb["seq"].is_null());
  EXPECT_EQ(hb["expires_at"], "1970-01-01T00:00:05.000000Z");
  json::object rel =
      LeaseActionJson("icu", 7, "dr-k", "release", 8, std::nullopt);
  EXPECT_EQ(rel["seq"], 8);
  EXPECT_TRUE(rel["expires_at"].is_null());
}

// A ledger with a project, the icu-severity schema, one record and three
// physicians who disagree, built through the command handler.
class AdjudicatorViewTest : public ::testing::TestWithParam<bool> {
 protected:
  void Build(bool blind) {
    ASSERT_TRUE(Ledger::Init(dir_.Sub("l")).ok());
    auto ledger = Ledger::Open(dir_.Sub("l"), {});
    ASSERT_TRUE(ledger.ok());
    ledger_ = std::move(*ledger);
    auto h = domain::CommandHandler::Open(ledger_.get(), {});
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    handler_ = std::move(*h);
    auto& c = *handler_;
    ASSERT_TRUE(c.CreateProject("admin", {.id = "icu",
                                          .name = "ICU",
                                          .overlap_target = 3,
                                          .blind_mode = blind})
                    .ok());
    ASSERT_TRUE(c.PublishSchema("admin", R"({"id": "sev", "version": 1,
        "title": "S", "fields": [{"name": "severity", "type": "ordinal",
        "layer": "interpretive", "required": true,
        "levels": ["stable", "guarded", "serious", "critical"]}]})")
                    .ok());
    const std::vector<std::string> lines = {
        R"({"id": "rec-1", "text": "MAP 64, lactate 3.2"})"};
    std::vector<domain::RecordLine> records = ParseRecordLines(lines);
    auto imported = c.ImportRecords("admin", "icu", records, true);
    ASSERT_TRUE(imported.ok() && imported->all_ok());
    const char* levels[] = {"stable", "guarded", "serious"};
    for (int i = 0; i < 3; ++i) {
      const std::string who = std::string("dr-") + "abc"[i];
      domain::RegisterPrincipalCommand p;
      p.id = who;
      p.pseudonym = std::string("physician-") + "123"[i];
      p.roles.push_back({fb::Role::Annotator, "icu"});
      ASSERT_TRUE(c.RegisterPrincipal("admin", p).ok());
      ASSERT_TRUE(c.Assign("admin", "icu", "rec-1", who).ok());
      auto s = c.SubmitAnnotation(
          who, {.annotation_id = who + "-rec-1",
                .record_id = "rec-1",
                .annotator_id = who,
                .schema_id = "sev",
                .schema_version = 1,
                .values = std::string(R"({"severity":")") + levels[i] + "\"}"});
      ASSERT_TRUE(s.ok()) << s.status().ToString();
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<domain::CommandHandler> handler_;
};

TEST_P(AdjudicatorViewTest, ShowsTracesDistributionAndNamesOnlyByPseudonym) {
  const bool blind = GetParam();
  ASSERT_NO_FATAL_FAILURE(Build(blind));
  auto state = projections::BuildStateAsOf(*ledger_, ledger_->head().seq);
  ASSERT_TRUE(state.ok());
  auto view = AdjudicatorViewJson(
      *state, *ledger_,
      {.project = "icu", .item = {"rec-1", "severity"}, .blind = blind});
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  json::object& v = *view;
  EXPECT_EQ(Keys(v),
            (std::vector<std::string>{
                "project", "record", "field", "as_of_seq", "context_as_of_seq",
                "blind", "record_content", "record_sealed", "record_deid",
                "annotations", "distribution", "agreement"}));
  EXPECT_EQ(v["record_content"].at("text"), "MAP 64, lactate 3.2");
  const json::array& anns = v["annotations"].as_array();
  ASSERT_EQ(anns.size(), 3u);
  EXPECT_EQ(anns[1].at("value"), "guarded");
  EXPECT_EQ(anns[1].at("trace").at("severity"), "guarded");
  if (blind) {
    EXPECT_TRUE(anns[0].at("annotator").is_null());
  } else {
    EXPECT_EQ(anns[0].at("annotator"), "physician-1");
  }
  const json::object& dist = v["distribution"].as_array().at(0).as_object();
  EXPECT_EQ(json::serialize(dist.at("counts")),
            R"({"guarded":1,"serious":1,"stable":1})");
  EXPECT_EQ(v["agreement"].as_array().size(), 1u);
  EXPECT_EQ(v["context_as_of_seq"], v["as_of_seq"]);
  // No principal id and no annotation id anywhere in what is shown.
  StatusOr<std::string> text = WriteCanonicalJson(v);
  ASSERT_TRUE(text.ok());
  for (const char* id : {"dr-a", "dr-b", "dr-c"})
    EXPECT_EQ(text->find(id), std::string::npos) << id << " in " << *text;
  if (blind) {
    EXPECT_EQ(text->find("physician-"), std::string::npos) << *text;
  }

  auto missing = AdjudicatorViewJson(
      *state, *ledger_, {.project = "other", .item = {"rec-1", "severity"}});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_P(AdjudicatorViewTest, ShowingRecordsTheAccessFirstAndNothingWhenItFails) {
  ASSERT_NO_FATAL_FAILURE(Build(GetParam()));
  auto state = projections::BuildStateAsOf(*ledger_, ledger_->head().seq);
  ASSERT_TRUE(state.ok());
  const uint64_t before = ledger_->head().seq;
  auto shown = ShowToAdjudicator(
      *handler_, "dr-k", 42, *state, *ledger_,
      {.project = "icu", .item = {"rec-1", "severity"}, .blind = GetParam()});
  ASSERT_TRUE(shown.ok()) << shown.status().ToString();
  EXPECT_EQ(shown->access_seq, before + 1);
  EXPECT_EQ(shown->view.at("record"), "rec-1");
  auto e = ledger_->Get(shown->access_seq);
  ASSERT_TRUE(e.ok());
  const fb::AccessRecorded* a = e->event()->body_as_AccessRecorded();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(e->event()->actor()->str(), "dr-k");
  EXPECT_EQ(a->resource_id()->str(), "rec-1");
  EXPECT_EQ(a->action()->str(), "adjudicate");
  EXPECT_EQ(a->purpose()->str(), "adjudication lease 42");
  EXPECT_TRUE(a->allowed());

  auto missing = ShowToAdjudicator(*handler_, "dr-k", 42, *state, *ledger_,
                                   {.project = "icu", .item = {"rec-9", "x"}});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ledger_->head().seq, before + 1) << "a failed view recorded";
}

// The server's form (the live engine and a context cache) shows the same
// document as the CLI's, names as the blind mode says, and reuses the
// field's context for the next view.
TEST_P(AdjudicatorViewTest, TheServersCachedViewIsTheSameDocument) {
  const bool blind = GetParam();
  ASSERT_NO_FATAL_FAILURE(Build(blind));
  auto engine = projections::ProjectionEngine::Open(ledger_.get(), {});
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  auto state = projections::BuildStateAsOf(*ledger_, ledger_->head().seq);
  ASSERT_TRUE(state.ok());
  testing::FakeClock clock;
  projections::FieldContextCache cache(&clock);
  const AdjudicatorViewRequest request{
      .project = "icu", .item = {"rec-1", "severity"}, .blind = blind};
  auto want = AdjudicatorViewJson(*state, *ledger_, request);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  for (int i = 0; i < 2; ++i) {
    auto got = AdjudicatorViewJson(**engine, cache, *ledger_, request);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(WriteCanonicalJson(*got).value(),
              WriteCanonicalJson(*want).value());
  }
  EXPECT_EQ(cache.computed(), 1u);
  auto missing =
      AdjudicatorViewJson(**engine, cache, *ledger_,
                          {.project = "other", .item = {"rec-1", "severity"}});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cache.computed(), 1u) << "a refused view computed a context";
}

INSTANTIATE_TEST_SUITE_P(BlindAndNot, AdjudicatorViewTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Blind" : "Named";
                         });

}  // namespace
}  // namespace consilium::render
