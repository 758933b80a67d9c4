// The field's project-level context of an adjudicator's view and its cache
// (projections/field_context.h): the context equals the whole-project
// analytics it replaces (agreement, Dawid–Skene soft labels), the cache
// computes once per position and reuses within its age bound, refreshes
// after it, refreshes at once for an item it cannot speak for, never serves
// one project's context to another, and lets one caller compute while the
// others wait or (within the bound) go on with the previous context.
#include "projections/field_context.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "projections/analytics.h"
#include "projections/engine.h"
#include "schemas/event.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace consilium::projections {
namespace {

constexpr int64_t kMs = 1000;
constexpr const char* kSchema = R"({"id": "sev", "version": 1,
  "title": "Severity", "fields": [{"name": "severity",
  "type": "ordinal", "layer": "interpretive", "required": true,
  "levels": ["stable", "guarded", "serious", "critical"]}]})";
const char* const kLevels[] = {"stable", "guarded", "serious", "critical"};
const SchemaVersionKey kSev{"sev", 1};

class FieldContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::Init(dir_.path()).ok());
    auto ledger = Ledger::Open(dir_.path(), {});
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = std::move(*ledger);
    auto h = domain::CommandHandler::Open(ledger_.get(), {});
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    ASSERT_TRUE(
        (*h)->RegisterPrincipal(
                "admin", {.id = "admin", .roles = {{fb::Role::Admin, ""}}})
            .ok());
    for (const char* p : {"p", "q"}) {
      ASSERT_TRUE((*h)->CreateProject("admin", {.id = p, .name = p}).ok());
    }
    ASSERT_TRUE((*h)->PublishSchema("admin", kSchema).ok());
    h->reset();
    // Project p: 12 records, three annotators who agree now and then;
    // project q: the same field, 4 records on which everyone agrees.
    for (int r = 0; r < 12; ++r) {
      const std::string rec = "rec-" + std::to_string(r);
      Import("p", rec);
      for (int a = 0; a < 3; ++a) Annotate("p", rec, a, (r + a * (r % 3)) % 4);
    }
    for (int r = 0; r < 4; ++r) {
      const std::string rec = "q-rec-" + std::to_string(r);
      Import("q", rec);
      for (int a = 0; a < 3; ++a) Annotate("q", rec, a, 3);
    }
  }

  void Import(const std::string& project, const std::string& record) {
    ASSERT_TRUE(ledger_
                    ->Append(MakeRecordImported({"admin", ""}, record, project,
                                                R"({"text":"note"})", "{}"))
                    .ok());
  }
  void Annotate(const std::string& project, const std::string& record,
                int annotator, int level) {
    const std::string who = "ann-" + std::to_string(annotator + 1);
    auto c = ledger_->Append(MakeAnnotationSubmitted(
        {who, ""},
        {.annotation_id = who + "-" + record,
         .project_id = project,
         .record_id = record,
         .annotator_id = who,
         .schema_id = "sev",
         .schema_version = 1,
         .values = std::string(R"({"severity":")") + kLevels[level] + "\"}"}));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
  }

  AnalyticsState State() {
    auto s = BuildStateAsOf(*ledger_, ledger_->head().seq);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }

  // Find for `record` of project p (or `project`) on `state`.
  FieldContextCache::Lookup Find(FieldContextCache& cache,
                                 const AnalyticsState& state,
                                 const std::string& record,
                                 const std::string& project = "p",
                                 bool may_wait = true) {
    return cache.Find(state, state.last_seq(), project, "severity", record,
                      ItemFieldRatings(state, project, record, "severity"),
                      may_wait);
  }

  testing::TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  testing::FakeClock clock_;
};

TEST_F(FieldContextTest, ContextEqualsTheWholeProjectAnalytics) {
  const AnalyticsState state = State();
  const FieldContext ctx = ComputeFieldContext(
      SnapshotField(state, state.last_seq(), "p", "severity", 0));
  EXPECT_EQ(ctx.as_of_seq, state.last_seq());
  ASSERT_EQ(ctx.versions.size(), 1u);
  auto agreement =
      ComputeFieldAgreement(state, {.project = "p", .field = "severity"});
  ASSERT_TRUE(agreement.ok());
  ASSERT_EQ(agreement->size(), 1u);
  const FieldAgreement& want = agreement->front();
  const FieldAgreement& got = ctx.versions[0].agreement;
  EXPECT_EQ(got.primary_name, want.primary_name);
  ASSERT_TRUE(want.primary.value.has_value());
  EXPECT_EQ(got.primary.value, want.primary.value);  // bit for bit
  EXPECT_EQ(got.items, 12);
  EXPECT_EQ(got.ratings, 36);
  EXPECT_EQ(got.raters, want.raters);

  auto ds = DawidSkeneSoftLabels(state, "p", "sev", 1, "severity");
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->posteriors.size(), 12u);
  for (const auto& [record, posterior] : ds->posteriors) {
    ItemRatings mine = ItemFieldRatings(state, "p", record, "severity");
    ItemSoftLabel soft = SoftLabelOf(ctx, kSev, record, mine[kSev]);
    ASSERT_TRUE(soft.covered) << record;
    ASSERT_EQ(soft.label.size(), ds->classes.size());
    for (size_t c = 0; c < ds->classes.size(); ++c) {
      EXPECT_EQ(soft.label[c].first, ds->classes[c]);
      EXPECT_EQ(soft.label[c].second, posterior[c]) << record << " " << c;
    }
  }
  // A record without a human value, and a version no one used.
  EXPECT_EQ(SoftLabelOf(ctx, kSev, "rec-x", {}).undefined_reason,
            "no human value on this record");
  EXPECT_EQ(SoftLabelOf(ctx, {"sev", 2}, "rec-0", {}).undefined_reason,
            "no human values at \"severity\"");
  EXPECT_FALSE(SoftLabelOf(ctx, {"sev", 2}, "rec-0", {{"ann-1", "1"}}).covered);
}

TEST_F(FieldContextTest, UnseenRatingsGetThePosteriorUnderTheFitsParameters) {
  const AnalyticsState state = State();
  const FieldContext ctx = ComputeFieldContext(
      SnapshotField(state, state.last_seq(), "p", "severity", 0));
  const VersionContext& v = ctx.versions[0];
  // rec-0's ratings under another name: not the fit's record, so the
  // posterior is computed from the priors and confusions. The fit's own
  // posterior for rec-0 is the E-step before the last M-step: near, not
  // equal.
  ItemRatings mine = ItemFieldRatings(state, "p", "rec-0", "severity");
  ItemSoftLabel fit = SoftLabelOf(ctx, kSev, "rec-0", mine[kSev]);
  ItemSoftLabel e_step = SoftLabelOf(ctx, kSev, "elsewhere", mine[kSev]);
  ASSERT_TRUE(e_step.covered);
  ASSERT_EQ(e_step.label.size(), v.classes.size());
  double sum = 0;
  for (size_t c = 0; c < v.classes.size(); ++c) {
    EXPECT_NEAR(e_step.label[c].second, fit.label[c].second, 1e-3) << c;
    sum += e_step.label[c].second;
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  // An annotator or a category the fit has not seen: not covered.
  EXPECT_FALSE(
      SoftLabelOf(ctx, kSev, "elsewhere", {{"ann-9", v.classes[0]}}).covered);
  EXPECT_FALSE(SoftLabelOf(ctx, kSev, "elsewhere", {{"ann-1", "7"}}).covered);
}

TEST_F(FieldContextTest, ComputedOncePerPositionAndReusedWithinIt) {
  FieldContextCache cache(&clock_, {.max_age_ms = 1000});
  const AnalyticsState state = State();
  auto first = Find(cache, state, "rec-0");
  ASSERT_FALSE(first.context);
  ASSERT_TRUE(first.snapshot.has_value());
  auto ctx = cache.Compute(std::move(*first.snapshot));
  EXPECT_EQ(cache.computed(), 1u);
  // Other items, much later, at the same position: the same context.
  clock_.Advance(60'000 * kMs);
  for (const char* rec : {"rec-1", "rec-5", "rec-11", "rec-0"}) {
    auto again = Find(cache, state, rec);
    EXPECT_EQ(again.context, ctx) << rec;
    EXPECT_FALSE(again.snapshot.has_value());
  }
  EXPECT_EQ(cache.computed(), 1u);
}

TEST_F(FieldContextTest, NewEventsOnTheFieldRefreshItOnceOlderThanTheBound) {
  FieldContextCache cache(&clock_, {.max_age_ms = 1000});
  const AnalyticsState before = State();
  auto ctx1 = cache.Compute(*Find(cache, before, "rec-0").snapshot);
  // New ratings on another record of the field.
  Import("p", "rec-new");
  for (int a = 0; a < 3; ++a) Annotate("p", "rec-new", a, a);
  const AnalyticsState after = State();
  ASSERT_GT(after.last_seq(), before.last_seq());
  // Within the bound: the earlier context serves an item it covers.
  clock_.Advance(900 * kMs);
  auto lagging = Find(cache, after, "rec-0");
  EXPECT_EQ(lagging.context, ctx1);
  EXPECT_EQ(lagging.context->as_of_seq, before.last_seq());
  // Past it: the next view computes a context at its position.
  clock_.Advance(200 * kMs);
  auto refresh = Find(cache, after, "rec-0");
  ASSERT_TRUE(refresh.snapshot.has_value());
  auto ctx2 = cache.Compute(std::move(*refresh.snapshot));
  EXPECT_EQ(ctx2->as_of_seq, after.last_seq());
  EXPECT_EQ(ctx2->versions[0].agreement.ratings, 39);
  EXPECT_EQ(ctx1->versions[0].agreement.ratings, 36);
  EXPECT_EQ(Find(cache, after, "rec-3").context, ctx2);
  EXPECT_EQ(cache.computed(), 2u);
}

TEST_F(FieldContextTest, AnItemTheContextCannotSpeakForRefreshesAtOnce) {
  FieldContextCache cache(&clock_, {.max_age_ms = 1000});
  const AnalyticsState before = State();
  auto ctx1 = cache.Compute(*Find(cache, before, "rec-0").snapshot);
  // A fourth annotator rates rec-0: the fit has no confusion matrix for
  // them, so rec-0's view cannot use it even though it is fresh.
  Annotate("p", "rec-0", 3, 2);
  const AnalyticsState after = State();
  auto l = Find(cache, after, "rec-0");
  EXPECT_FALSE(l.context);
  ASSERT_TRUE(l.snapshot.has_value());
  auto ctx2 = cache.Compute(std::move(*l.snapshot));
  ItemRatings mine = ItemFieldRatings(after, "p", "rec-0", "severity");
  EXPECT_EQ(mine[kSev].size(), 4u);
  EXPECT_TRUE(SoftLabelOf(*ctx2, kSev, "rec-0", mine[kSev]).covered);
  // Another item of the field, whose ratings the earlier fit knew, is now
  // served by the newer context.
  EXPECT_EQ(Find(cache, after, "rec-1").context, ctx2);
}

TEST_F(FieldContextTest, ProjectsNeverShareAContext) {
  FieldContextCache cache(&clock_, {.max_age_ms = 1000});
  const AnalyticsState state = State();
  auto p = cache.Compute(*Find(cache, state, "rec-0", "p").snapshot);
  auto q_lookup = Find(cache, state, "q-rec-0", "q");
  ASSERT_FALSE(q_lookup.context) << "p's context offered for q";
  ASSERT_TRUE(q_lookup.snapshot.has_value());
  auto q = cache.Compute(std::move(*q_lookup.snapshot));
  EXPECT_EQ(p->project, "p");
  EXPECT_EQ(q->project, "q");
  EXPECT_EQ(p->versions[0].agreement.items, 12);
  EXPECT_EQ(q->versions[0].agreement.items, 4);
  EXPECT_EQ(q->versions[0].records.count("rec-0"), 0u);
  EXPECT_EQ(Find(cache, state, "q-rec-1", "q").context, q);
  EXPECT_EQ(Find(cache, state, "rec-1", "p").context, p);
  // A record's ratings are read for its own project only.
  EXPECT_EQ(ItemFieldRatings(state, "p", "q-rec-0", "severity").size(), 0u);
}

TEST_F(FieldContextTest, OneComputesWhileOthersWaitOrUseTheRecentContext) {
  FieldContextCache cache(&clock_, {.max_age_ms = 1000});
  const AnalyticsState state = State();
  auto first = Find(cache, state, "rec-0");
  ASSERT_TRUE(first.snapshot.has_value());
  // Nothing to serve yet: the others wait for the one computation...
  auto second = Find(cache, state, "rec-1");
  EXPECT_TRUE(second.wait);
  EXPECT_FALSE(second.snapshot.has_value());
  // ... unless they may not wait (then they compute too).
  auto third = Find(cache, state, "rec-2", "p", /*may_wait=*/false);
  EXPECT_TRUE(third.snapshot.has_value());
  auto ctx1 = cache.Compute(std::move(*first.snapshot));
  cache.Wait("p", "severity", 1);  // returns at once: nothing running
  EXPECT_EQ(Find(cache, state, "rec-1").context, ctx1);

  // Later, a refresh under way: the recent context serves meanwhile, until
  // it is twice the bound old.
  Import("p", "rec-new");
  for (int a = 0; a < 3; ++a) Annotate("p", "rec-new", a, 0);
  const AnalyticsState after = State();
  clock_.Advance(1500 * kMs);
  auto refresher = Find(cache, after, "rec-0");
  ASSERT_TRUE(refresher.snapshot.has_value());
  EXPECT_EQ(Find(cache, after, "rec-1").context, ctx1);
  clock_.Advance(600 * kMs);
  EXPECT_TRUE(Find(cache, after, "rec-1").wait);
  auto ctx2 = cache.Compute(std::move(*refresher.snapshot));
  EXPECT_EQ(Find(cache, after, "rec-1").context, ctx2);
  // The duplicate computation of the first round, finishing late, does not
  // replace the newer context.
  cache.Compute(std::move(*third.snapshot));
  EXPECT_EQ(Find(cache, after, "rec-1").context, ctx2);
}

}  // namespace
}  // namespace consilium::projections
