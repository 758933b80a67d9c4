// Tests of the projection engine (projections/engine.h) and the ledger-backed
// analytics (projections/analytics.h): incremental state equals a rebuild at
// every prefix, as-of(N) equals a fresh build over 1..N, resume from a
// checkpoint equals a rebuild, revisions and withdrawals are reflected, and
// degenerate inputs give documented results.
#include "projections/engine.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "domain/domain_state.h"
#include "ledger/ledger.h"
#include "projections/access_history.h"
#include "projections/analytics.h"
#include "schemas/event_json.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace consilium::projections {
namespace {

// Each case creates a RocksDB ledger (tens of milliseconds): 25 cases a
// property. RC_PARAMS in the environment still wins.
const int kDefaultParams =
    setenv("RC_PARAMS", "max_success=25", /*overwrite=*/0);

constexpr char kSchema[] = R"({
  "id": "triage", "version": 1, "title": "Triage",
  "fields": [
    {"name": "dx", "type": "categorical", "layer": "interpretive",
     "required": true,
     "categories": [{"code": "a"}, {"code": "b"}, {"code": "c"}]},
    {"name": "severity", "type": "ordinal", "layer": "descriptive",
     "levels": ["low", "mid", "high"]},
    {"name": "tags", "type": "multi_categorical", "layer": "descriptive",
     "categories": [{"code": "x"}, {"code": "y"}]},
    {"name": "confidence", "type": "confidence", "layer": "interpretive"}
  ]})";

const EventHeader kAdmin{"admin", ""};

std::string Values(const std::string& dx, const std::string& severity,
                   double confidence) {
  return R"({"confidence":)" + std::to_string(confidence) + R"(,"dx":")" + dx +
         R"(","severity":")" + severity + R"(","tags":["x"]})";
}

class Fixture {
 public:
  Fixture() : dir_(tmp_.Sub("l")) {
    EXPECT_TRUE(Ledger::Init(dir_).ok());
    Reopen();
  }
  void Reopen() {
    ledger_.reset();
    LedgerOptions o;
    o.clock = &clock_;
    auto l = Ledger::Open(dir_, o);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(*l);
  }
  Ledger& ledger() { return *ledger_; }
  void Append(EventDraft d) {
    clock_.Advance(1000);
    if (batching_) {
      pending_.push_back(std::move(d));
      if (pending_.size() == 500) Flush();
      return;
    }
    auto c = ledger_->Append(std::move(d));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
  }
  // Between StartBatch and Flush, Append collects drafts and commits them
  // 500 at a time (AppendAll): for streams of thousands of events.
  void StartBatch() { batching_ = true; }
  void Flush() {
    if (pending_.empty()) return;
    auto c = ledger_->AppendAll(std::move(pending_));
    pending_.clear();
    ASSERT_TRUE(c.ok()) << c.status().ToString();
  }
  // Project p1, schema triage@1, annotators ann0..ann3, a model, records
  // r0..r{records-1}, batch cal-1 of the first two records.
  void Setup(int records) {
    Append(MakeProjectCreated(kAdmin, "p1", "Triage"));
    for (int i = 0; i < 4; ++i) {
      PrincipalRegisteredFields f;
      std::string id = "ann" + std::to_string(i);
      std::string pseudo = "A" + std::to_string(i);
      f.principal_id = id;
      f.pseudonym = pseudo;
      Append(MakePrincipalRegistered(kAdmin, f));
    }
    PrincipalRegisteredFields m;
    m.principal_id = "bot";
    m.kind = fb::PrincipalKind::Model;
    Append(MakePrincipalRegistered(kAdmin, m));
    SchemaPublishedFields s;
    s.schema_id = "triage";
    s.version = 1;
    s.definition = kSchema;
    Append(MakeSchemaPublished(kAdmin, s));
    std::vector<std::string> batch;
    for (int r = 0; r < records; ++r) {
      std::string id = "r" + std::to_string(r);
      Append(MakeRecordImported(kAdmin, id, "p1",
                                R"({"text":"chest pain and fever"})", "{}"));
      if (r < 2) batch.push_back(id);
    }
    Append(MakeCalibrationBatchCreated(kAdmin, "p1", "cal-1", batch));
  }
  void Submit(const std::string& id, const std::string& record,
              const std::string& annotator, const std::string& values) {
    AnnotationSubmittedFields f;
    f.annotation_id = id;
    f.project_id = "p1";
    f.record_id = record;
    f.annotator_id = annotator;
    f.schema_id = "triage";
    f.schema_version = 1;
    f.values = values;
    Append(MakeAnnotationSubmitted({annotator, ""}, f));
  }
  void Revise(const std::string& id, const std::string& record,
              uint32_t expected, const std::string& values) {
    AnnotationRevisedFields f;
    f.annotation_id = id;
    f.project_id = "p1";
    f.record_id = record;
    f.expected_revision = expected;
    f.new_revision = expected + 1;
    f.values = values;
    Append(MakeAnnotationRevised({"x", ""}, f));
  }
  void Withdraw(const std::string& id, const std::string& record,
                uint32_t expected) {
    AnnotationWithdrawnFields f;
    f.annotation_id = id;
    f.project_id = "p1";
    f.record_id = record;
    f.expected_revision = expected;
    Append(MakeAnnotationWithdrawn({"x", ""}, f));
  }
  void Decide(const std::string& record, const std::string& path,
              const std::string& value) {
    AdjudicationDecidedFields f;
    f.project_id = "p1";
    f.record_id = record;
    f.field_path = path;
    f.outcome = value.empty() ? fb::AdjudicationOutcome::Ambiguous
                              : fb::AdjudicationOutcome::Decided;
    f.value = value;
    f.rationale = "weighed both";
    Append(MakeAdjudicationDecided({"senior", ""}, f));
  }
  void Access(const std::string& actor, const std::string& record) {
    AccessRecordedFields f;
    f.resource_kind = "record";
    f.resource_id = record;
    f.action = "read";
    f.allowed = true;
    f.record_id = record;
    f.project_id = "p1";
    Append(MakeAccessRecorded({actor, ""}, f));
  }

  testing::TempDir tmp_;
  std::string dir_;
  bool batching_ = false;
  std::vector<EventDraft> pending_;
  testing::FakeClock clock_;
  std::unique_ptr<Ledger> ledger_;
};

// A random stream of annotation operations on top of Setup(3).
struct Op {
  int kind = 0;  // 0 submit, 1 revise, 2 withdraw, 3 decide, 4 access, 5 gold
  int annotation = 0;
  int annotator = 0;
  int record = 0;
  int dx = 0;
  int confidence = 5;
};

rc::Gen<Op> GenOp() {
  return rc::gen::build<Op>(
      rc::gen::set(&Op::kind, rc::gen::inRange(0, 6)),
      rc::gen::set(&Op::annotation, rc::gen::inRange(0, 8)),
      rc::gen::set(&Op::annotator, rc::gen::inRange(0, 5)),
      rc::gen::set(&Op::record, rc::gen::inRange(0, 3)),
      rc::gen::set(&Op::dx, rc::gen::inRange(0, 3)),
      rc::gen::set(&Op::confidence, rc::gen::inRange(0, 11)));
}

void Play(Fixture& fx, const std::vector<Op>& ops) {
  // Revision numbers as the stream believes them (a wrong guess makes a
  // stale event, which replay must ignore consistently).
  std::map<int, uint32_t> revision;
  for (const Op& op : ops) {
    const std::string id = "an" + std::to_string(op.annotation);
    const std::string record = "r" + std::to_string(op.record);
    const std::string dx(1, static_cast<char>('a' + op.dx));
    const std::string values = Values(dx, "mid", op.confidence / 10.0);
    const std::string annotator =
        op.annotator == 4 ? "bot" : "ann" + std::to_string(op.annotator);
    switch (op.kind) {
      case 0:
        fx.Submit(id, record, annotator,
                  op.annotator == 4 ? R"({"severity":"low"})" : values);
        revision.emplace(op.annotation, 1);
        break;
      case 1:
        fx.Revise(id, record, revision[op.annotation], values);
        ++revision[op.annotation];
        break;
      case 2:
        fx.Withdraw(id, record, revision[op.annotation]);
        break;
      case 3:
        fx.Decide(record, "dx", op.dx == 2 ? "" : "\"" + dx + "\"");
        break;
      case 4:
        fx.Access(annotator, record);
        break;
      default: {
        GoldAnswerRecordedFields g;
        g.project_id = "p1";
        g.record_id = record;
        g.schema_id = "triage";
        g.schema_version = 1;
        g.values = values;
        fx.Append(MakeGoldAnswerRecorded(kAdmin, g));
      }
    }
  }
}

RC_GTEST_PROP(EngineProperty, IncrementalStateEqualsRebuildAtEveryPrefix, ()) {
  const auto ops =
      *rc::gen::resize(30, rc::gen::container<std::vector<Op>>(GenOp()));
  Fixture fx;
  fx.Setup(3);
  Play(fx, ops);
  const uint64_t head = fx.ledger().head().seq;
  AnalyticsState incremental;
  std::vector<std::string> prefixes;
  RC_ASSERT(fx.ledger()
                .Scan(1, 0,
                      [&](const StoredEvent& e) {
                        incremental.Apply(e, &fx.ledger());
                        prefixes.push_back(incremental.Serialize());
                        return true;
                      })
                .ok());
  RC_ASSERT(prefixes.size() == head);
  for (uint64_t n = 1; n <= head; ++n) {
    // as-of(N) is a fresh build over 1..N; it must equal the incremental
    // state after N events.
    StatusOr<AnalyticsState> fresh = BuildStateAsOf(fx.ledger(), n);
    RC_ASSERT(fresh.ok());
    RC_ASSERT(fresh->Serialize() == prefixes[n - 1]);
  }
  // The checkpoint bytes round-trip.
  StatusOr<AnalyticsState> back =
      AnalyticsState::Deserialize(incremental.Serialize());
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == incremental);
}

// Both sides replay through domain::Decide, so they accept exactly the same
// annotation events, stale and out-of-order ones included: same ids, same
// revisions (each by the event that made it), same withdrawals.
RC_GTEST_PROP(EngineProperty, WriteAndReadSidesAcceptTheSameAnnotationEvents,
              ()) {
  const auto ops =
      *rc::gen::resize(30, rc::gen::container<std::vector<Op>>(GenOp()));
  Fixture fx;
  fx.Setup(3);
  Play(fx, ops);
  domain::DomainState write;
  AnalyticsState read;
  RC_ASSERT(fx.ledger()
                .Scan(1, 0,
                      [&](const StoredEvent& e) {
                        write.Apply(e);
                        read.Apply(e, &fx.ledger());
                        return true;
                      })
                .ok());
  RC_ASSERT(write.annotation_count() == read.annotations().size());
  for (uint32_t i = 0; i < read.annotations().size(); ++i) {
    const AnnotationEntry& a = read.annotations()[i];
    const domain::AnnotationState* w =
        write.FindAnnotation(read.annotation_id(i));
    RC_ASSERT(w != nullptr);
    RC_ASSERT(w->withdrawn == a.withdrawn);
    RC_ASSERT(w->withdrawn_seq == a.withdrawn_seq);
    const std::vector<RevisionValues> revs = read.revisions(a);
    RC_ASSERT(w->history.size() == revs.size());
    for (size_t r = 0; r < revs.size(); ++r) {
      RC_ASSERT(w->history[r].revision == revs[r].revision);
      RC_ASSERT(w->history[r].seq == revs[r].seq);
    }
  }
}

RC_GTEST_PROP(EngineProperty, ResumeFromCheckpointAfterReopenEqualsRebuild,
              ()) {
  const auto before =
      *rc::gen::resize(15, rc::gen::container<std::vector<Op>>(GenOp()));
  const auto after =
      *rc::gen::resize(15, rc::gen::container<std::vector<Op>>(GenOp()));
  Fixture fx;
  fx.Setup(3);
  Play(fx, before);
  {
    auto engine = ProjectionEngine::Open(&fx.ledger());
    RC_ASSERT(engine.ok());
    RC_ASSERT((*engine)->Checkpoint().ok());
  }
  fx.Reopen();
  Play(fx, after);
  auto resumed = ProjectionEngine::Open(&fx.ledger());
  RC_ASSERT(resumed.ok());
  RC_ASSERT((*resumed)->resumed());
  StatusOr<AnalyticsState> rebuilt =
      BuildStateAsOf(fx.ledger(), fx.ledger().head().seq);
  RC_ASSERT(rebuilt.ok());
  bool equal = false;
  (*resumed)->Read([&](const AnalyticsState& s) { equal = s == *rebuilt; });
  RC_ASSERT(equal);
  // Analytics read the same on both.
  (*resumed)->Read([&](const AnalyticsState& s) {
    auto a = ComputeFieldAgreement(s, {.project = "p1"});
    auto b = ComputeFieldAgreement(*rebuilt, {.project = "p1"});
    RC_ASSERT(a.ok() == b.ok());
    if (a.ok()) RC_ASSERT(a->size() == b->size());
  });
}

TEST(EngineTest, PipelinedRebuildOfManyEventsEqualsOneAtATime) {
  // More events than ScanAndApply's threshold (4096), so BuildStateAsOf and
  // ProjectionEngine::Open read on one thread and apply on another; the
  // result must be the state applied one event at a time, many annotations
  // revised several times and some withdrawn.
  Fixture fx;
  fx.Setup(3);
  fx.StartBatch();
  std::mt19937 rng(11);
  std::vector<Op> ops(6000);
  for (Op& op : ops) {
    const uint32_t r = static_cast<uint32_t>(rng());
    op.kind = r % 10 < 5 ? 0 : r % 10 < 8 ? 1 : static_cast<int>(r % 4) + 2;
    op.annotation = static_cast<int>(rng() % 1500);
    op.annotator = static_cast<int>(rng() % 5);
    op.record = static_cast<int>(rng() % 3);
    op.dx = static_cast<int>(rng() % 3);
    op.confidence = static_cast<int>(rng() % 11);
  }
  Play(fx, ops);
  fx.Flush();
  const uint64_t head = fx.ledger().head().seq;
  ASSERT_GT(head, 6000u);
  AnalyticsState one_at_a_time;
  std::string at_5000;
  ASSERT_TRUE(fx.ledger()
                  .Scan(1, 0,
                        [&](const StoredEvent& e) {
                          one_at_a_time.Apply(e, &fx.ledger());
                          if (e.seq == 5000)
                            at_5000 = one_at_a_time.Serialize();
                          return true;
                        })
                  .ok());
  StatusOr<AnalyticsState> rebuilt = BuildStateAsOf(fx.ledger(), head);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(*rebuilt, one_at_a_time);
  // With a progress callback: the same state; the count rises to the
  // number of events, said last, in steps of at most a batch.
  for (const uint64_t n : {uint64_t{5000}, uint64_t{100}}) {
    std::vector<std::pair<uint64_t, uint64_t>> calls;
    StatusOr<AnalyticsState> as_of =
        BuildStateAsOf(fx.ledger(), n, {}, [&](uint64_t done, uint64_t total) {
          calls.emplace_back(done, total);
        });
    ASSERT_TRUE(as_of.ok());
    if (n == 5000) {
      EXPECT_EQ(as_of->Serialize(), at_5000);
    }
    ASSERT_FALSE(calls.empty());
    EXPECT_EQ(calls.back(), std::make_pair(n, n));
    uint64_t last = 0;
    for (const auto& [done, total] : calls) {
      EXPECT_EQ(total, n);
      EXPECT_GE(done, last);
      EXPECT_LE(done - last, 512u);
      last = done;
    }
    EXPECT_GE(calls.size(), n / 512);
  }
  auto engine = ProjectionEngine::Open(&fx.ledger());
  ASSERT_TRUE(engine.ok());
  (*engine)->Read(
      [&](const AnalyticsState& s) { EXPECT_EQ(s, one_at_a_time); });
  size_t revised = 0;
  for (const AnnotationEntry& a : one_at_a_time.annotations())
    revised += a.current().revision > 1;
  EXPECT_GT(revised, 100u);
}

TEST(EngineTest, LiveSubscriptionAppliesNewEvents) {
  Fixture fx;
  fx.Setup(2);
  auto engine = ProjectionEngine::Open(&fx.ledger());
  ASSERT_TRUE(engine.ok());
  (*engine)->StartLive();
  fx.Submit("a1", "r0", "ann0", Values("a", "low", 0.9));
  ASSERT_TRUE((*engine)->WaitForSeq(fx.ledger().head().seq, 5000));
  (*engine)->StopLive();
  size_t n = 0;
  (*engine)->Read([&](const AnalyticsState& s) { n = s.annotations().size(); });
  EXPECT_EQ(n, 1u);
  StatusOr<AnalyticsState> rebuilt =
      BuildStateAsOf(fx.ledger(), fx.ledger().head().seq);
  ASSERT_TRUE(rebuilt.ok());
  (*engine)->Read([&](const AnalyticsState& s) { EXPECT_EQ(s, *rebuilt); });
}

// Live checkpoints are encoded from a copy on a thread of their own: the one
// stored is a state the engine had at that position, and an engine resumed
// from it equals a rebuild.
TEST(EngineTest, LiveCheckpointsAreWrittenInTheBackgroundAndResume) {
  Fixture fx;
  fx.Setup(20);
  uint64_t checkpointed = 0;
  {
    auto engine =
        ProjectionEngine::Open(&fx.ledger(), {.checkpoint_every_events = 7});
    ASSERT_TRUE(engine.ok());
    (*engine)->StartLive();
    for (int i = 0; i < 60; ++i) {
      fx.Submit("a" + std::to_string(i), "r" + std::to_string(i % 20),
                "ann" + std::to_string(i / 20), Values("a", "low", 0.9));
    }
    ASSERT_TRUE((*engine)->WaitForSeq(fx.ledger().head().seq, 5000));
    (*engine)->StopLive();
    EXPECT_TRUE((*engine)->live_status().ok());
  }  // joins the checkpoint in flight
  auto cp = fx.ledger().GetProjectionCheckpoint("analytics");
  ASSERT_TRUE(cp.ok());
  ASSERT_TRUE(cp->has_value());
  checkpointed = (*cp)->first;
  // At least one checkpoint past the Setup events, none beyond the head.
  EXPECT_GT(checkpointed, fx.ledger().head().seq - 60);
  EXPECT_LE(checkpointed, fx.ledger().head().seq);
  auto stored = AnalyticsState::Deserialize((*cp)->second);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  StatusOr<AnalyticsState> then = BuildStateAsOf(fx.ledger(), checkpointed);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(*stored, *then);
  auto resumed = ProjectionEngine::Open(&fx.ledger());
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE((*resumed)->resumed());
  StatusOr<AnalyticsState> rebuilt =
      BuildStateAsOf(fx.ledger(), fx.ledger().head().seq);
  ASSERT_TRUE(rebuilt.ok());
  (*resumed)->Read([&](const AnalyticsState& s) { EXPECT_EQ(s, *rebuilt); });
}
// The checkpoint is written one element at a time (state_codec.cc,
// Document); its bytes are those of the whole document written at once.
TEST(EngineTest, CheckpointBytesAreTheCompactDocument) {
  Fixture fx;
  fx.Setup(6);
  for (int i = 0; i < 12; ++i) {
    fx.Submit("a" + std::to_string(i), "r" + std::to_string(i % 6),
              "ann" + std::to_string(i / 6), Values("b", "high", 0.25));
  }
  StatusOr<AnalyticsState> state =
      BuildStateAsOf(fx.ledger(), fx.ledger().head().seq);
  ASSERT_TRUE(state.ok());
  const std::string bytes = state->Serialize();
  boost::json::value whole;
  ASSERT_TRUE(ParseStrictJson(bytes, {}, whole).ok()) << bytes;
  StatusOr<std::string> rewritten = WriteJson(whole, JsonStyle::kCompact);
  ASSERT_TRUE(rewritten.ok());
  EXPECT_EQ(bytes, *rewritten);
  EXPECT_EQ(whole.at("annotations").as_array().size(), 12u);
  auto back = AnalyticsState::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *state);
}

TEST(EngineTest, ReadGivesTheStateWithTheOnePositionItReflects) {
  Fixture fx;
  fx.Setup(1);
  fx.Submit("a1", "r0", "ann0", Values("a", "low", 0.9));
  const uint64_t committed = fx.ledger().head().seq;
  auto engine = ProjectionEngine::Open(&fx.ledger());  // catches up
  ASSERT_TRUE(engine.ok());
  uint64_t seen = 0;
  size_t annotations = 0;
  (*engine)->Read([&](const AnalyticsState& s, uint64_t seq) {
    EXPECT_EQ(seq, s.last_seq());
    seen = seq;
    annotations = s.annotations().size();
  });
  EXPECT_EQ(seen, committed);
  EXPECT_EQ(annotations, 1u);
  EXPECT_TRUE((*engine)->WaitForSeq(committed, 0));  // already there
}

TEST(EngineTest, CheckpointIsStoredAndRebuildDiscardsIt) {
  Fixture fx;
  fx.Setup(1);
  auto engine = ProjectionEngine::Open(&fx.ledger());
  ASSERT_TRUE(engine.ok());
  EXPECT_FALSE((*engine)->resumed());
  ASSERT_TRUE((*engine)->Checkpoint().ok());
  auto cp = fx.ledger().GetProjectionCheckpoint("analytics");
  ASSERT_TRUE(cp.ok());
  ASSERT_TRUE(cp->has_value());
  EXPECT_EQ((*cp)->first, fx.ledger().head().seq);
  ASSERT_TRUE((*engine)->Rebuild().ok());
  EXPECT_EQ((*engine)->seq(), fx.ledger().head().seq);
}

TEST(EngineTest, CorruptCheckpointIsRebuilt) {
  Fixture fx;
  fx.Setup(1);
  ASSERT_TRUE(fx.ledger()
                  .PutProjectionCheckpoint("analytics", fx.ledger().head().seq,
                                           "not json")
                  .ok());
  auto engine = ProjectionEngine::Open(&fx.ledger());
  ASSERT_TRUE(engine.ok());
  EXPECT_FALSE((*engine)->resumed());
  EXPECT_EQ((*engine)->seq(), fx.ledger().head().seq);
}

TEST(LedgerProjectionCheckpointTest, RejectsBadNamesAndFutureSequence) {
  Fixture fx;
  EXPECT_EQ(fx.ledger().PutProjectionCheckpoint("", 0, "x").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(fx.ledger().PutProjectionCheckpoint("p", 5, "x").code(),
            StatusCode::kOutOfRange);
  auto none = fx.ledger().GetProjectionCheckpoint("absent");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(EngineTest, SeqAtTimeFindsLastEventAtOrBefore) {
  Fixture fx;
  fx.clock_.Set(1'000'000);
  fx.Setup(1);  // events at 1'001'000, 1'002'000, ...
  auto at = SeqAtTime(fx.ledger(), 1'003'500);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, 3u);
  at = SeqAtTime(fx.ledger(), 0);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, 0u);
  at = SeqAtTime(fx.ledger(), INT64_MAX);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, fx.ledger().head().seq);
}

TEST(AnalyticsTest, RevisionsAndWithdrawalsAreReflected) {
  Fixture fx;
  fx.Setup(1);
  fx.Submit("a1", "r0", "ann0", Values("a", "low", 0.9));
  fx.Submit("a2", "r0", "ann1", Values("b", "low", 0.6));
  fx.Submit("m1", "r0", "bot", R"({"severity":"high"})");
  fx.Revise("a2", "r0", 1, Values("a", "mid", 0.7));
  fx.Submit("a3", "r0", "ann2", Values("c", "low", 0.5));
  fx.Withdraw("a3", "r0", 1);
  auto state = BuildStateAsOf(fx.ledger(), fx.ledger().head().seq);
  ASSERT_TRUE(state.ok());
  auto d = LabelDistribution(*state, "r0", /*soft_labels=*/true);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const FieldDistribution* dx = nullptr;
  const FieldDistribution* severity = nullptr;
  for (const auto& f : d->fields) {
    if (f.path == "dx") dx = &f;
    if (f.path == "severity") severity = &f;
  }
  ASSERT_NE(dx, nullptr);
  ASSERT_EQ(dx->human.values.size(), 2u);  // a3 withdrawn
  ASSERT_EQ(dx->human.counts.size(), 1u);  // a2 revised to "a"
  EXPECT_EQ(dx->human.counts[0], std::make_pair(std::string("a"), int64_t{2}));
  ASSERT_TRUE(dx->human.normalized_entropy.value);
  EXPECT_EQ(*dx->human.normalized_entropy.value, 0.0);
  ASSERT_NE(severity, nullptr);
  ASSERT_EQ(severity->model.values.size(), 1u);  // the model kept apart
  EXPECT_EQ(severity->model.values[0].key, "high");
  EXPECT_EQ(severity->human.values.size(), 2u);
  // 3 submissions + 1 revision + 1 withdrawal entry.
  EXPECT_EQ(d->history.size(), 6u);
  EXPECT_FALSE(dx->soft_label.empty());
  // Before the revision: two categories among three -> entropy ln2/ln3.
  auto early = BuildStateAsOf(fx.ledger(), fx.ledger().head().seq - 3);
  ASSERT_TRUE(early.ok());
  auto e = LabelDistribution(*early, "r0", false);
  ASSERT_TRUE(e.ok());
  for (const auto& f : e->fields) {
    if (f.path != "dx") continue;
    ASSERT_TRUE(f.human.normalized_entropy.value);
    EXPECT_NEAR(*f.human.normalized_entropy.value, std::log(2) / std::log(3),
                1e-12);
  }
}

TEST(AnalyticsTest, AgreementPerFieldFromTheLedger) {
  Fixture fx;
  fx.Setup(4);
  const char* dx[4][3] = {
      {"a", "a", "a"}, {"b", "b", "a"}, {"c", "c", "c"}, {"a", "b", "a"}};
  for (int r = 0; r < 4; ++r) {
    for (int k = 0; k < 3; ++k) {
      fx.Submit("a" + std::to_string(r) + std::to_string(k),
                "r" + std::to_string(r), "ann" + std::to_string(k),
                Values(dx[r][k], k == 0 ? "low" : "mid", 0.8));
    }
  }
  auto state = BuildStateAsOf(fx.ledger(), fx.ledger().head().seq);
  ASSERT_TRUE(state.ok());
  auto fields = ComputeFieldAgreement(*state, {.project = "p1"});
  ASSERT_TRUE(fields.ok()) << fields.status().ToString();
  ASSERT_EQ(fields->size(), 4u);  // confidence, dx, severity, tags
  for (const FieldAgreement& f : *fields) {
    EXPECT_EQ(f.items, 4);
    EXPECT_EQ(f.ratings, 12);
    if (f.path == "dx") {
      ASSERT_TRUE(f.report.has_value());
      EXPECT_EQ(f.primary_name, "krippendorff_alpha_nominal");
      ASSERT_TRUE(f.primary.value);
      EXPECT_LT(*f.primary.value, 1.0);
      EXPECT_EQ(f.report->cohen.size(), 3u);
    }
    if (f.path == "tags") {
      // Everyone chose {x}: a set alpha with no expected disagreement.
      ASSERT_TRUE(f.set_alpha_jaccard.has_value());
      EXPECT_FALSE(f.set_alpha_jaccard->value.has_value());
      EXPECT_FALSE(f.set_alpha_jaccard->undefined_reason.empty());
    }
  }
  auto batch =
      ComputeFieldAgreement(*state, {.project = "p1", .batch = "cal-1"});
  ASSERT_TRUE(batch.ok());
  for (const FieldAgreement& f : *batch) EXPECT_EQ(f.items, 2);
  CalibrationLoopReport loop = RankFields(*batch, kDefaultAgreementThreshold);
  ASSERT_EQ(loop.ranked.size(), 4u);
  // Ranked ascending, undefined last.
  for (size_t i = 1; i < loop.ranked.size(); ++i) {
    const auto& prev = loop.ranked[i - 1].field->primary.value;
    const auto& cur = loop.ranked[i].field->primary.value;
    if (prev && cur) {
      EXPECT_LE(*prev, *cur);
    }
    if (!prev) {
      EXPECT_FALSE(cur.has_value());
    }
  }
  EXPECT_EQ(loop.descriptive.fields + loop.interpretive.fields, 4);
  EXPECT_EQ(ComputeFieldAgreement(*state, {.project = "nope"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ComputeFieldAgreement(*state, {.project = "p1", .batch = "x"})
                .status()
                .code(),
            StatusCode::kNotFound);
}

TEST(AnalyticsTest, DegenerateInputsAreUndefinedNotNan) {
  Fixture fx;
  fx.Setup(2);
  // One rater only.
  fx.Submit("a1", "r0", "ann0", Values("a", "low", 0.5));
  fx.Submit("a2", "r1", "ann0", Values("b", "low", 0.5));
  auto state = BuildStateAsOf(fx.ledger(), fx.ledger().head().seq);
  ASSERT_TRUE(state.ok());
  auto fields = ComputeFieldAgreement(*state, {.project = "p1"});
  ASSERT_TRUE(fields.ok());
  for (const FieldAgreement& f : *fields) {
    EXPECT_FALSE(f.primary.value.has_value()) << f.path;
    EXPECT_FALSE(f.primary.undefined_reason.empty()) << f.path;
  }
  auto cal = CalibrateAnnotators(*state, "p1", "");
  ASSERT_TRUE(cal.ok());
  ASSERT_EQ(cal->size(), 1u);
  EXPECT_TRUE((*cal)[0].peers.empty());
  EXPECT_FALSE((*cal)[0].leave_one_out_majority.rate.value.has_value());
  EXPECT_FALSE((*cal)[0].confidence.brier.value.has_value());
  EXPECT_EQ(CalibrateAnnotators(*state, "p1", "ghost").status().code(),
            StatusCode::kNotFound);
}

TEST(AnalyticsTest, AnnotatorCalibrationAgainstGoldAndAdjudication) {
  Fixture fx;
  fx.Setup(3);
  // ann0 always says "a" with confidence 0.9; ann1 and ann2 say "b".
  for (int r = 0; r < 3; ++r) {
    const std::string rec = "r" + std::to_string(r);
    fx.Submit("x0" + rec, rec, "ann0", Values("a", "low", 0.9));
    fx.Submit("x1" + rec, rec, "ann1", Values("b", "low", 0.6));
    fx.Submit("x2" + rec, rec, "ann2", Values("b", "low", 0.7));
  }
  GoldAnswerRecordedFields g;
  g.project_id = "p1";
  g.record_id = "r0";
  g.schema_id = "triage";
  g.schema_version = 1;
  const std::string gold = Values("a", "low", 1.0);
  g.values = gold;
  fx.Append(MakeGoldAnswerRecorded(kAdmin, g));
  fx.Decide("r1", "dx", "\"a\"");
  fx.Decide("r2", "dx", "");  // ambiguous
  auto state = BuildStateAsOf(fx.ledger(), fx.ledger().head().seq);
  ASSERT_TRUE(state.ok());
  auto cal = CalibrateAnnotators(*state, "p1", "ann0");
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  ASSERT_EQ(cal->size(), 1u);
  const AnnotatorCalibration& c = (*cal)[0];
  EXPECT_EQ(c.annotations, 3);
  ASSERT_EQ(c.peers.size(), 2u);
  // dx disagrees on 3 of 3; severity and tags and confidence are compared
  // too (severity and tags agree).
  EXPECT_EQ(c.adjudicated.compared, 1);
  EXPECT_EQ(c.adjudicated.matched, 1);
  EXPECT_EQ(c.ambiguous_decisions, 1);
  EXPECT_EQ(c.gold.matched, 3);  // dx, severity, tags match; confidence not
  EXPECT_EQ(c.gold.compared, 4);
  // Confidence 0.9 on: r0 (gold a: right), r1 (adjudicated a: right), r2
  // (consensus b: wrong).
  EXPECT_EQ(c.confidence.n, 3);
  EXPECT_EQ(c.confidence.by_gold, 1);
  EXPECT_EQ(c.confidence.by_adjudication, 1);
  EXPECT_EQ(c.confidence.by_consensus, 1);
  ASSERT_TRUE(c.confidence.brier.value);
  EXPECT_NEAR(*c.confidence.brier.value, (0.01 + 0.01 + 0.81) / 3, 1e-12);
  ASSERT_TRUE(c.confidence.ece.value);
  EXPECT_NEAR(*c.confidence.ece.value, std::abs(2.0 / 3 - 0.9), 1e-12);
  EXPECT_EQ(c.confidence.bins[9].count, 3);
  ASSERT_FALSE(c.confusion.empty());
}

TEST(AnalyticsTest, BrierAndEceBinEdges) {
  ConfidenceCalibration c =
      BrierAndEce({{0.0, false}, {0.1, false}, {1.0, true}, {0.95, true}});
  EXPECT_EQ(c.bins[0].count, 1);
  EXPECT_EQ(c.bins[1].count, 1);  // 0.1 opens the second bin
  EXPECT_EQ(c.bins[9].count, 2);  // 1.0 belongs to the last bin
  ASSERT_TRUE(c.brier.value);
  EXPECT_NEAR(*c.brier.value, (0 + 0.01 + 0 + 0.0025) / 4, 1e-12);
  ConfidenceCalibration none = BrierAndEce({});
  EXPECT_FALSE(none.brier.value.has_value());
  EXPECT_FALSE(none.ece.value.has_value());
}

TEST(AnalyticsTest, AccessHistoryByRecordPrincipalAndTime) {
  // From the ledger's indexes (projections/access_history.h), not the state.
  Fixture fx;
  fx.clock_.Set(0);
  fx.Setup(2);
  fx.Access("ann0", "r0");
  const int64_t t1 = fx.clock_.NowMicros();
  fx.Access("ann1", "r0");
  const uint64_t second = fx.ledger().head().seq;
  fx.Access("ann0", "r1");
  const Ledger& l = fx.ledger();
  auto size = [](const StatusOr<std::vector<AccessEntry>>& r) {
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->size() : size_t{999};
  };
  EXPECT_EQ(size(AccessHistoryForRecord(l, "r0", {})), 2u);
  EXPECT_EQ(size(AccessHistoryByPrincipal(l, "ann0", {})), 2u);
  EXPECT_EQ(size(AccessHistoryInWindow(l, {})), 3u);
  auto later = AccessHistoryForRecord(l, "r0", {.from_us = t1 + 1});
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].actor, "ann1");
  EXPECT_EQ((*later)[0].record, "r0");
  EXPECT_EQ(size(AccessHistoryForRecord(l, "r0", {.to_us = t1 + 1})), 1u);
  // Pinned to a position: what came after it is not listed.
  EXPECT_EQ(size(AccessHistoryByPrincipal(l, "ann0", {.to_seq = second})), 1u);
  EXPECT_EQ(size(AccessHistoryInWindow(l, {.to_seq = second})), 2u);
  EXPECT_EQ(size(AccessHistoryForRecord(l, "none", {})), 0u);
  // The state keeps no access events: its checkpoint does not grow with
  // reads.
  auto state = BuildStateAsOf(l, l.head().seq);
  ASSERT_TRUE(state.ok());
  for (int i = 0; i < 50; ++i) fx.Access("ann1", "r1");
  auto after = BuildStateAsOf(l, l.head().seq);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->Serialize().size(),
            state->Serialize().size() +
                (std::to_string(after->last_seq()).size() -
                 std::to_string(state->last_seq()).size()) +
                (std::to_string(after->last_timestamp_us()).size() -
                 std::to_string(state->last_timestamp_us()).size()));
}

TEST(AnalyticsTest, ValueKeyOfJsonMatchesExtractedKeys) {
  EXPECT_EQ(ValueKeyOfJson("\"a\""), "a");
  EXPECT_EQ(ValueKeyOfJson("0.5"), "0.5");
  EXPECT_EQ(ValueKeyOfJson("true"), "true");
  EXPECT_EQ(ValueKeyOfJson("[\"y\",\"x\"]"), "{x, y}");
  EXPECT_EQ(ValueKeyOfJson("{}"), "");
}

TEST(AdjudicationDecidedTest, JsonCodecRoundTripsAndChecksOutcome) {
  auto d =
      DraftFromJson(R"({"type":"AdjudicationDecided","actor":"senior","body":{)"
                    R"("project_id":"p1","record_id":"r0","field_path":"dx",)"
                    R"("outcome":"decided","value":"a","rationale":"CT",)"
                    R"("cited_annotation_ids":["a1","a2"]}})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(RecordIdOf(*d->event()), "r0");
  EXPECT_EQ(ProjectIdOf(*d->event()), "p1");
  const std::string text = EventToJson(1, Hash256{}, d->bytes());
  EXPECT_NE(text.find(R"("outcome":"decided")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("cited_annotation_ids":["a1","a2"])"),
            std::string::npos)
      << text;
  auto ambiguous = DraftFromJson(
      R"({"type":"AdjudicationDecided","actor":"s","body":{"project_id":"p",)"
      R"("record_id":"r","field_path":"dx","outcome":"ambiguous"}})");
  EXPECT_TRUE(ambiguous.ok()) << ambiguous.status().ToString();
  auto bad = DraftFromJson(
      R"({"type":"AdjudicationDecided","actor":"s","body":{"project_id":"p",)"
      R"("record_id":"r","field_path":"dx","outcome":"maybe"}})");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  auto no_value = DraftFromJson(
      R"({"type":"AdjudicationDecided","actor":"s","body":{"project_id":"p",)"
      R"("record_id":"r","field_path":"dx","outcome":"decided"}})");
  EXPECT_EQ(no_value.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace consilium::projections
