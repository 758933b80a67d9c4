// The adjudication messages' pushes (api/ws_adjudication.h) against an App
// over a scratch ledger, through a fake WsPeer that records when each push
// was made: depth pushes coalesced per subscription, lease_expiring then
// lease_lost on a fake clock, no lease_lost for the session's own decision
// but one for a decision made elsewhere, item_changed when an annotation of
// the leased item is revised; the messages' pipeline: answers in the order
// sent, each message seeing the earlier ones, the per-session bound, and a
// decide under a lost lease refused as the library and REST refuse it. The
// transport is ws_session_test's and the
// end to end ws_adjudicator's (tests/api/ws_adjudicator_test.py).
#include "api/ws_adjudication.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/adjudication_routes.h"
#include "api/internal/ws_adjudication_text.h"
#include "api/router.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "schemas/event.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/temp_dir.h"

namespace consilium::api {
namespace {

namespace json = boost::json;
using Steady = std::chrono::steady_clock;

constexpr int kItems = 40;
constexpr const char* kSchema = R"({"id": "sev", "version": 1,
  "title": "Severity", "fields": [{"name": "severity",
  "type": "ordinal", "layer": "interpretive", "required": true,
  "levels": ["stable", "guarded", "serious", "critical"]}]})";

struct Pushed {
  Steady::time_point at;
  json::object msg;
};

// A session as the handlers and pushers see it; pushes recorded with their
// time, blocking work run on a worker thread of its own (the server's pool:
// a step posted from the ledger's thread must not run there), which a test
// may hold (Hold/Let) to pile messages up.
class FakePeer final : public WsPeer {
 public:
  FakePeer() : worker_([this] { Work(); }) {}
  ~FakePeer() override { Stop(); }
  // Runs what was posted, then ends the worker. The fixture calls it before
  // the App goes: a task may still be unwinding out of a command after its
  // answer was given (the answer can come from inside the command).
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      held_ = false;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    // Work posted after the worker ended is dropped, as by a pool that
    // was shut down: kept, its closures (which hold this session and the
    // pipeline that holds it) would keep each other alive.
    std::deque<std::function<void()>> dropped;
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
      dropped.swap(tasks_);
    }
  }
  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void Let() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  bool Push(std::string text) override {
    std::lock_guard lock(mu_);
    pushes_.push_back({Steady::now(), json::parse(text).as_object()});
    cv_.notify_all();
    return true;
  }
  size_t queued_bytes() const override { return 0; }
  void WhenQueueBelow(size_t, std::function<void()> fn) override { fn(); }
  uint64_t AddSubscription(std::function<void()> on_close) override {
    std::lock_guard lock(mu_);
    closers_[++next_] = std::move(on_close);
    return next_;
  }
  void RemoveSubscription(uint64_t key) override {
    std::lock_guard lock(mu_);
    closers_.erase(key);
  }
  void RunBlocking(std::function<void()> task) override {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;  // destroyed outside the lock, on return
      tasks_.push_back(std::move(task));
    }
    cv_.notify_all();
  }
  bool closed() const override { return false; }

  // The first push of `type` for which `pred` holds, waiting up to 10 s.
  std::optional<json::object> WaitFor(
      const std::string& type,
      std::function<bool(const json::object&)> pred = {}) {
    std::unique_lock lock(mu_);
    std::optional<json::object> found;
    cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (const Pushed& p : pushes_) {
        if (p.msg.at("type").as_string() == type && (!pred || pred(p.msg))) {
          found = p.msg;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  std::vector<Pushed> Of(const std::string& type) {
    std::lock_guard lock(mu_);
    std::vector<Pushed> out;
    for (const Pushed& p : pushes_)
      if (p.msg.at("type").as_string() == type) out.push_back(p);
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pushed> pushes_;
  std::map<uint64_t, std::function<void()>> closers_;
  uint64_t next_ = 0;
  std::deque<std::function<void()>> tasks_;
  bool held_ = false;
  bool stopping_ = false;
  bool stopped_ = false;  // the worker ended: RunBlocking drops the task
  std::thread worker_;

  void Work() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || (!held_ && !tasks_.empty()); });
      if (tasks_.empty()) return;  // stopping, nothing left
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }
};

// The answers a session received, in the order it received them.
class Answers {
 public:
  WsResponder For(int id) {
    return [this, id](WsResult r) {
      std::lock_guard lock(mu_);
      got_.emplace_back(id, std::move(r));
      cv_.notify_all();
    };
  }
  // Waits (up to 30 s) for `n` answers; they are returned in arrival order.
  std::vector<std::pair<int, WsResult>> Wait(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30),
                 [&] { return got_.size() >= n; });
    return got_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<int, WsResult>> got_;
};

class WsAdjudicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Ledger::Init(dir_.path()).ok());
    auto ledger = Ledger::Open(dir_.path(), {});
    ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
    ledger_ = std::move(*ledger);
    ASSERT_TRUE(Build().ok());
    clock_.Set(1'800'000'000'000'000);
    AppOptions options;
    options.clock = &clock_;
    options.lease_sweep_ms = 10;
    auto app = App::Open(ledger_.get(), options);
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(*app);
    adj_ = WsAdjudication::Start(app_.get(), {});
    ASSERT_TRUE(adj_->AddTo(handlers_).ok());
  }
  void TearDown() override {
    for (const auto& peer : peers_) peer->Stop();
    if (adj_) adj_->Stop();
  }

  // A session whose worker ends before the App does (TearDown).
  std::shared_ptr<FakePeer> NewPeer() {
    peers_.push_back(std::make_shared<FakePeer>());
    return peers_.back();
  }

  // Project p (overlap 3), schema sev@1, annotators ann-1..3, adjudicators
  // adj-1 and adj-2; kItems records with three disagreeing annotations.
  Status Build() {
    ASSIGN_OR_RETURN(auto h, domain::CommandHandler::Open(ledger_.get(), {}));
    RETURN_IF_ERROR(
        h->RegisterPrincipal("admin",
                             {.id = "admin", .roles = {{fb::Role::Admin, ""}}})
            .status());
    RETURN_IF_ERROR(
        h->CreateProject("admin", {.id = "p", .name = "P", .overlap_target = 3})
            .status());
    RETURN_IF_ERROR(h->PublishSchema("admin", kSchema).status());
    for (const char* who : {"ann-1", "ann-2", "ann-3"}) {
      RETURN_IF_ERROR(
          h->RegisterPrincipal(
               "admin", {.id = who, .roles = {{fb::Role::Annotator, "p"}}})
              .status());
    }
    for (const char* who : {"adj-1", "adj-2"}) {
      RETURN_IF_ERROR(
          h->RegisterPrincipal(
               "admin", {.id = who, .roles = {{fb::Role::Adjudicator, "p"}}})
              .status());
    }
    h.reset();
    std::vector<EventDraft> batch;
    const char* levels[] = {"stable", "guarded", "serious"};
    for (int r = 0; r < kItems; ++r) {
      const std::string record = "rec-" + std::to_string(r);
      batch.push_back(MakeRecordImported({"admin", ""}, record, "p",
                                         R"({"text":"note"})", "{}"));
      for (int a = 0; a < 3; ++a) {
        const std::string who = "ann-" + std::to_string(a + 1);
        batch.push_back(MakeAnnotationSubmitted(
            {who, ""},
            {.annotation_id = who + "-" + record,
             .project_id = "p",
             .record_id = record,
             .annotator_id = who,
             .schema_id = "sev",
             .schema_version = 1,
             .values = std::string(R"({"severity":")") + levels[a] + "\"}"}));
      }
    }
    return ledger_->AppendAll(std::move(batch)).status();
  }

  // Hands a message to its handler as the session does (on the strand,
  // answered later through the responder) without waiting.
  void Post(const std::shared_ptr<FakePeer>& peer, const std::string& who,
            const json::object& msg, WsResponder respond,
            const WsHandlers* handlers = nullptr) {
    WsRequest req{1, std::string(msg.at("type").as_string()), msg,
                  Principal{who, {"adjudicator@p"}}};
    const WsMessageType* h = (handlers ? *handlers : handlers_).Find(req.type);
    ASSERT_NE(h, nullptr) << req.type;
    ASSERT_TRUE(h->async) << req.type << ": not an async handler";
    h->async(req, peer, std::move(respond));
  }

  // One message and its answer.
  WsResult Send(const std::shared_ptr<FakePeer>& peer, const std::string& who,
                json::object msg) {
    Answers answers;
    Post(peer, who, msg, answers.For(1));
    auto got = answers.Wait(1);
    if (got.size() != 1) return InternalError("no answer within 30 s");
    return got[0].second;
  }

  uint64_t Head() const { return ledger_->head().seq; }

  testing::TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  testing::FakeClock clock_;
  std::unique_ptr<App> app_;
  std::shared_ptr<WsAdjudication> adj_;
  WsHandlers handlers_;
  std::vector<std::shared_ptr<FakePeer>> peers_;
};

TEST_F(WsAdjudicationTest, DepthPushesAreCoalescedAndEndAtTheCurrentDepth) {
  auto peer = NewPeer();
  WsResult sub = Send(peer, "adj-1", {{"type", "subscribe"}, {"queue", "p"}});
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  EXPECT_EQ(sub->at("depth").to_number<int>(), kItems);
  const int decided = 20;
  for (int i = 0; i < decided; ++i) {
    auto c = app_->adjudication().Claim("adj-2", "p");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_TRUE(app_->adjudication()
                    .Decide("adj-2", {.lease = c->lease,
                                      .field = "severity",
                                      .value_json = "\"serious\"",
                                      .rationale = "r"})
                    .ok());
  }
  ASSERT_TRUE(peer->WaitFor("queue_depth", [&](const json::object& m) {
    return m.at("depth").to_number<int>() == kItems - decided;
  }));
  std::vector<Pushed> pushes = peer->Of("queue_depth");
  for (size_t i = 1; i < pushes.size(); ++i) {
    // 50 ms apart, less the time between setting the mark and the push.
    EXPECT_GE(pushes[i].at - pushes[i - 1].at, std::chrono::milliseconds(45))
        << "push " << i;
    EXPECT_NE(pushes[i].msg.at("depth"), pushes[i - 1].msg.at("depth"));
  }
}

// Escalated items wait for the senior tier: only a senior adjudicator may
// take them, so only a senior's depth counts them (whole queue and by field,
// answered and pushed).
TEST_F(WsAdjudicationTest, EscalatedItemsCountOnlyInASeniorsDepth) {
  auto policy = app_->adjudication().SetPolicy(
      "admin", "p",
      R"({"project": "p", "version": 1, "fields": {},
          "senior_adjudicators": ["adj-2"]})");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  auto junior = NewPeer();
  ASSERT_TRUE(
      Send(junior, "adj-1", {{"type", "subscribe"}, {"queue", "p"}}).ok());
  const int escalated = 2;
  for (int i = 0; i < escalated; ++i) {
    auto c = app_->adjudication().Claim("adj-1", "p");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    auto e = app_->adjudication().Escalate("adj-1", c->lease, "beyond me");
    ASSERT_TRUE(e.ok()) << e.status().ToString();
  }
  EXPECT_TRUE(junior->WaitFor("queue_depth", [&](const json::object& m) {
    return m.at("depth").to_number<int>() == kItems - escalated;
  }));
  for (const char* field : {"", "severity"}) {
    json::object sub{{"type", "subscribe"}, {"queue", "p"}};
    if (*field != '\0') sub["field"] = field;
    WsResult senior = Send(NewPeer(), "adj-2", sub);
    ASSERT_TRUE(senior.ok()) << senior.status().ToString();
    EXPECT_EQ(senior->at("depth").to_number<int>(), kItems) << field;
    WsResult other = Send(NewPeer(), "adj-1", sub);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    EXPECT_EQ(other->at("depth").to_number<int>(), kItems - escalated) << field;
  }
  // The junior's pushes never counted the senior tier.
  for (const Pushed& p : junior->Of("queue_depth"))
    EXPECT_LE(p.msg.at("depth").to_number<int>(), kItems - 1);
  // REST's queue read says the same to each of them.
  StatusOr<Router> router = app_->BuildRouter();
  ASSERT_TRUE(router.ok()) << router.status().ToString();
  RouteMatch m =
      router->Match("GET", {"v1", "projects", "p", "adjudication", "queue"});
  ASSERT_NE(m.route, nullptr);
  for (const auto& [who, queued] :
       {std::pair<std::string, int>{"adj-1", kItems - escalated},
        std::pair<std::string, int>{"adj-2", kItems}}) {
    Request get;
    get.method = "GET";
    get.path = "/v1/projects/p/adjudication/queue";
    get.target = get.path;
    get.params = m.params;
    get.principal = Principal{who, {"adjudicator@p"}};
    StatusOr<Response> r = m.route->blocking(get);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(json::parse(r->body).at("queued").to_number<int>(), queued)
        << who;
  }
}

TEST_F(WsAdjudicationTest, ItemsOnRecordsTheyAnnotatedLeaveTheirDepth) {
  // adj-2 also annotates two disputed records: the items there are no
  // longer theirs to take, so their depth drops by two while adj-1's does
  // not; the REST read agrees.
  domain::CommandHandler& h = app_->handler();
  ASSERT_TRUE(h.GrantRole("admin", "adj-2",
                          {.role = fb::Role::Annotator, .project = "p"})
                  .ok());
  auto adj2 = NewPeer();
  WsResult before =
      Send(adj2, "adj-2", {{"type", "subscribe"}, {"queue", "p"}});
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->at("depth").to_number<int>(), kItems);
  for (const char* record : {"rec-3", "rec-7"}) {
    ASSERT_TRUE(h.Assign("admin", "p", record, "adj-2").ok());
    auto a = h.SubmitAnnotation(
        "adj-2", {.annotation_id = std::string("adj-2-") + record,
                  .record_id = record,
                  .annotator_id = "adj-2",
                  .schema_id = "sev",
                  .schema_version = 1,
                  .values = R"({"severity":"stable"})"});
    ASSERT_TRUE(a.ok()) << a.status().ToString();
  }
  EXPECT_TRUE(adj2->WaitFor("queue_depth", [&](const json::object& m) {
    return m.at("depth").to_number<int>() == kItems - 2;
  }));
  for (const auto& [who, depth] :
       {std::pair<std::string, int>{"adj-1", kItems}, {"adj-2", kItems - 2}}) {
    WsResult sub =
        Send(NewPeer(), who,
             {{"type", "subscribe"}, {"queue", "p"}, {"field", "severity"}});
    ASSERT_TRUE(sub.ok()) << sub.status().ToString();
    EXPECT_EQ(sub->at("depth").to_number<int>(), depth) << who;
  }
  StatusOr<Router> router = app_->BuildRouter();
  ASSERT_TRUE(router.ok()) << router.status().ToString();
  RouteMatch m =
      router->Match("GET", {"v1", "projects", "p", "adjudication", "queue"});
  ASSERT_NE(m.route, nullptr);
  Request get;
  get.method = "GET";
  get.path = "/v1/projects/p/adjudication/queue";
  get.target = get.path;
  get.params = m.params;
  get.principal = Principal{"adj-2", {"adjudicator@p"}};
  StatusOr<Response> r = m.route->blocking(get);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(json::parse(r->body).at("queued").to_number<int>(), kItems - 2);
}

TEST_F(WsAdjudicationTest, OwnDecisionIsNoLossButADecisionElsewhereIs) {
  auto peer = NewPeer();
  WsResult c = Send(peer, "adj-1", {{"type", "claim"}, {"queue", "p"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  WsResult d = Send(peer, "adj-1",
                    {{"type", "decide"},
                     {"lease", c->at("lease")},
                     {"field", "severity"},
                     {"value", "serious"},
                     {"rationale", "r"}});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  app_->adjudication_model().WaitDelivered();
  EXPECT_TRUE(peer->Of("lease_lost").empty());

  WsResult c2 = Send(peer, "adj-1", {{"type", "claim"}, {"queue", "p"}});
  ASSERT_TRUE(c2.ok()) << c2.status().ToString();
  const uint64_t lease = c2->at("lease").to_number<uint64_t>();
  ASSERT_TRUE(app_->adjudication()
                  .Decide("adj-1", {.lease = lease,
                                    .field = "severity",
                                    .ambiguous = true,
                                    .rationale = "r"})
                  .ok());
  auto lost = peer->WaitFor("lease_lost");
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->at("lease").to_number<uint64_t>(), lease);
  EXPECT_EQ(lost->at("reason").as_string(), "decided");
  EXPECT_EQ(lost->at("record").as_string(), c2->at("record").as_string());
}

TEST_F(WsAdjudicationTest, LeaseExpiringOnceThenLostWhenTheTimerExpiresIt) {
  auto peer = NewPeer();
  WsResult c = Send(peer, "adj-1",
                    {{"type", "claim"}, {"queue", "p"}, {"ttl_seconds", 10}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const uint64_t lease = c->at("lease").to_number<uint64_t>();
  clock_.Advance(8'100'000);  // past 80 % of the lease
  auto warn = peer->WaitFor("lease_expiring");
  ASSERT_TRUE(warn);
  EXPECT_EQ(warn->at("lease").to_number<uint64_t>(), lease);
  EXPECT_LE(warn->at("remaining_ms").to_number<int64_t>(), 1900);
  clock_.Advance(2'000'000);  // past the deadline: the sweeper expires it
  auto lost = peer->WaitFor("lease_lost");
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->at("reason").as_string(), "expired");
  EXPECT_EQ(peer->Of("lease_expiring").size(), 1u);
  WsResult d = Send(peer, "adj-1",
                    {{"type", "decide"},
                     {"lease", lease},
                     {"field", "severity"},
                     {"value", "serious"},
                     {"rationale", "late"}});
  EXPECT_EQ(d.status().code(), StatusCode::kFailedPrecondition)
      << d.status().ToString();
}

TEST_F(WsAdjudicationTest, RevisedAnnotationOfTheLeasedItemIsPushed) {
  auto peer = NewPeer();
  WsResult c = Send(peer, "adj-1", {{"type", "claim"}, {"queue", "p"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const std::string record(c->at("record").as_string());
  // The scratch ledger's annotations came without assignments.
  ASSERT_TRUE(app_->handler().Assign("admin", "p", record, "ann-3").ok());
  auto revised = app_->handler().ReviseAnnotation(
      "ann-3", {.annotation_id = "ann-3-" + record,
                .expected_revision = 1,
                .values = R"({"severity":"critical"})",
                .reason = "second look"});
  ASSERT_TRUE(revised.ok()) << revised.status().ToString();
  auto lost = peer->WaitFor("lease_lost");
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->at("reason").as_string(), "item_changed");
  EXPECT_TRUE(lost->at("seq").is_null());
  WsResult d = Send(peer, "adj-1",
                    {{"type", "decide"},
                     {"lease", c->at("lease")},
                     {"field", "severity"},
                     {"value", "serious"},
                     {"rationale", "r"}});
  EXPECT_EQ(d.status().code(), StatusCode::kAborted) << d.status().ToString();
}

TEST_F(WsAdjudicationTest, PipelinedMessagesAreAnsweredInTheOrderSent) {
  auto peer = NewPeer();
  Answers answers;
  // A claim (a durable append, then the view and its access event), then
  // messages that need no commit: run beside it, they would be answered
  // first. The second claim sees the first: the lease it already holds.
  Post(peer, "adj-1", {{"type", "claim"}, {"queue", "p"}}, answers.For(1));
  Post(peer, "adj-1", {{"type", "unsubscribe"}, {"queue", "p"}},
       answers.For(2));
  Post(peer, "adj-1", {{"type", "subscribe"}, {"queue", "p"}}, answers.For(3));
  Post(peer, "adj-1", {{"type", "claim"}, {"queue", "p"}}, answers.For(4));
  Post(peer, "adj-1", {{"type", "heartbeat"}, {"lease", 999999}},
       answers.For(5));
  auto got = answers.Wait(5);
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(got[i].first, i + 1) << "answer " << i;
  ASSERT_TRUE(got[0].second.ok()) << got[0].second.status().ToString();
  EXPECT_EQ(got[1].second.status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(got[2].second.ok()) << got[2].second.status().ToString();
  EXPECT_EQ(got[2].second->at("depth").to_number<int>(), kItems - 1);
  EXPECT_EQ(got[3].second.status().code(), StatusCode::kFailedPrecondition)
      << got[3].second.status().ToString();
  EXPECT_EQ(got[4].second.status().code(), StatusCode::kNotFound);
}

TEST_F(WsAdjudicationTest, PipelinedLeaseMessagesSeeTheEarlierOnes) {
  auto peer = NewPeer();
  WsResult c = Send(peer, "adj-1", {{"type", "claim"}, {"queue", "p"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const json::value lease = c->at("lease");
  const json::object decide{{"type", "decide"},
                            {"lease", lease},
                            {"field", "severity"},
                            {"value", "serious"},
                            {"rationale", "r"}};
  Answers answers;
  Post(peer, "adj-1", {{"type", "heartbeat"}, {"lease", lease}},
       answers.For(1));
  Post(peer, "adj-1", decide, answers.For(2));
  Post(peer, "adj-1", {{"type", "release"}, {"lease", lease}}, answers.For(3));
  Post(peer, "adj-1", decide, answers.For(4));
  auto got = answers.Wait(4);
  ASSERT_EQ(got.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(got[i].first, i + 1) << "answer " << i;
  EXPECT_TRUE(got[0].second.ok()) << got[0].second.status().ToString();
  ASSERT_TRUE(got[1].second.ok()) << got[1].second.status().ToString();
  EXPECT_EQ(got[1].second->at("outcome").as_string(), "decided");
  // After the decision the lease has ended: what a client that waited for
  // each answer would have been told.
  EXPECT_EQ(got[2].second.status().code(), StatusCode::kFailedPrecondition)
      << got[2].second.status().ToString();
  EXPECT_EQ(got[3].second.status().code(), StatusCode::kFailedPrecondition)
      << got[3].second.status().ToString();
  app_->adjudication_model().WaitDelivered();
  EXPECT_TRUE(peer->Of("lease_lost").empty());
}

TEST_F(WsAdjudicationTest, MessagesBeyondThePipelineBoundAreRefusedInTurn) {
  adj_->Stop();
  auto bounded =
      WsAdjudication::Start(app_.get(), {.max_pipelined_per_session = 2});
  WsHandlers handlers;
  ASSERT_TRUE(bounded->AddTo(handlers).ok());
  auto peer = NewPeer();
  const uint64_t before = Head();
  Answers answers;
  peer->Hold();  // nothing runs: the messages pile up
  Post(peer, "adj-1", {{"type", "claim"}, {"queue", "p"}}, answers.For(1),
       &handlers);
  Post(peer, "adj-1", {{"type", "subscribe"}, {"queue", "p"}}, answers.For(2),
       &handlers);
  for (int id = 3; id <= 5; ++id) {
    Post(peer, "adj-1", {{"type", "claim"}, {"queue", "p"}}, answers.For(id),
         &handlers);
  }
  EXPECT_EQ(bounded->busy_sessions(), 1u);
  peer->Let();
  auto got = answers.Wait(5);
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(got[i].first, i + 1) << "answer " << i;
  EXPECT_TRUE(got[0].second.ok()) << got[0].second.status().ToString();
  EXPECT_TRUE(got[1].second.ok()) << got[1].second.status().ToString();
  for (int i = 2; i < 5; ++i) {
    EXPECT_EQ(got[i].second.status().code(), StatusCode::kResourceExhausted);
    EXPECT_NE(got[i].second.status().message().find("at most 2"),
              std::string::npos)
        << got[i].second.status().message();
  }
  // The claim and its access event; the refused claims appended nothing.
  EXPECT_EQ(Head(), before + 2);
  // Once answered, the session may send again.
  Answers later;
  Post(peer, "adj-1", {{"type", "unsubscribe"}, {"queue", "p"}}, later.For(6),
       &handlers);
  auto again = later.Wait(1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_TRUE(again[0].second.ok()) << again[0].second.status().ToString();
  const auto deadline = Steady::now() + std::chrono::seconds(10);
  while (bounded->busy_sessions() != 0 && Steady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(bounded->busy_sessions(), 0u);
  bounded->Stop();
}

TEST_F(WsAdjudicationTest, DecideUnderALostLeaseIsRefusedAsByRestAndLibrary) {
  auto peer = NewPeer();
  WsResult c = Send(peer, "adj-1",
                    {{"type", "claim"}, {"queue", "p"}, {"ttl_seconds", 10}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const uint64_t lease = c->at("lease").to_number<uint64_t>();
  clock_.Advance(11'000'000);  // past the deadline: the sweeper expires it
  auto lost = peer->WaitFor("lease_lost");
  ASSERT_TRUE(lost);
  EXPECT_EQ(lost->at("reason").as_string(), "expired");
  const uint64_t before = Head();
  const json::object decide{{"type", "decide"},
                            {"lease", lease},
                            {"field", "severity"},
                            {"value", "serious"},
                            {"rationale", "late"}};
  WsResult d = Send(peer, "adj-1", decide);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kFailedPrecondition);
  // The library's blocking Decide and the REST route say the same.
  Status library = app_->adjudication()
                       .Decide("adj-1", {.lease = lease,
                                         .field = "severity",
                                         .value_json = "\"serious\"",
                                         .rationale = "late"})
                       .status();
  EXPECT_EQ(d.status().code(), library.code());
  EXPECT_EQ(d.status().message(), library.message());
  WsRequest req{1, "decide", decide, Principal{"adj-1", {"adjudicator@p"}}};
  json::object body = decide;
  body.erase("type");
  body.erase("lease");
  Request rest = internal::RestRequest(
      req, "/v1/adjudication/leases/" + std::to_string(lease) + "/decide",
      {{"lease", std::to_string(lease)}}, json::serialize(body));
  StatusOr<Response> by_rest =
      internal::AdjudicationLeaseAction(app_->context(), rest);
  EXPECT_EQ(by_rest.status().code(), d.status().code());
  EXPECT_EQ(by_rest.status().message(), d.status().message());
  EXPECT_EQ(Head(), before);  // nothing appended by any of the three

  // Another's lease: PERMISSION_DENIED, recorded before it is answered.
  WsResult c2 = Send(peer, "adj-2", {{"type", "claim"}, {"queue", "p"}});
  ASSERT_TRUE(c2.ok()) << c2.status().ToString();
  const uint64_t denied_before = Head();
  WsResult other = Send(peer, "adj-1",
                        {{"type", "decide"},
                         {"lease", c2->at("lease")},
                         {"field", "severity"},
                         {"value", "serious"},
                         {"rationale", "not mine"}});
  EXPECT_EQ(other.status().code(), StatusCode::kPermissionDenied)
      << other.status().ToString();
  ASSERT_EQ(Head(), denied_before + 1);
  auto e = ledger_->Get(Head());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->event()->body_type(), fb::EventBody::AccessRecorded);
  EXPECT_FALSE(e->event()->body_as_AccessRecorded()->allowed());
  EXPECT_EQ(e->event()->body_as_AccessRecorded()->resource_id()->str(), "p");
}

}  // namespace
}  // namespace consilium::api
