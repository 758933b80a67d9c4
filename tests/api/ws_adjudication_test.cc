// The adjudication messages' pushes (api/ws_adjudication.h) against an App
// over a scratch ledger, through a fake WsPeer that records when each push
// was made: depth pushes coalesced per subscription, lease_expiring then
// lease_lost on a fake clock, no lease_lost for the session's own decision
// but one for a decision made elsewhere, item_changed when an annotation of
// the leased item is revised. The transport is ws_session_test's and the
// end to end ws_adjudicator's (tests/api/ws_adjudicator_test.py).
#include "api/ws_adjudication.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

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
// time, blocking work run inline.
class FakePeer final : public WsPeer {
 public:
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
  void RunBlocking(std::function<void()> task) override { task(); }
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
    if (adj_) adj_->Stop();
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

  WsResult Send(const std::shared_ptr<FakePeer>& peer, const std::string& who,
                json::object msg) {
    WsRequest req{1, std::string(msg.at("type").as_string()), msg,
                  Principal{who, {"adjudicator@p"}}};
    const WsMessageType* h = handlers_.Find(req.type);
    EXPECT_NE(h, nullptr) << req.type;
    return h->blocking(req, peer);
  }

  testing::TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  testing::FakeClock clock_;
  std::unique_ptr<App> app_;
  std::shared_ptr<WsAdjudication> adj_;
  WsHandlers handlers_;
};

TEST_F(WsAdjudicationTest, DepthPushesAreCoalescedAndEndAtTheCurrentDepth) {
  auto peer = std::make_shared<FakePeer>();
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

TEST_F(WsAdjudicationTest, OwnDecisionIsNoLossButADecisionElsewhereIs) {
  auto peer = std::make_shared<FakePeer>();
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
  auto peer = std::make_shared<FakePeer>();
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
  auto peer = std::make_shared<FakePeer>();
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

}  // namespace
}  // namespace consilium::api
