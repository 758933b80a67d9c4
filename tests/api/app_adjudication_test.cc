// The adjudication engine inside a real `consilium serve` process (docs/
// server.md, "Adjudication"): three annotators disagree over HTTP and the
// item shows in the queue route; an adjudicator who annotated the record
// does not see it; the documents equal the CLI's; /metrics carries the
// queue depth and the leases; a short lease is expired by the server's
// timer exactly once; a lease whose deadline passed while the server was
// down is returned once at the next start.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/canonical_json.h"
#include "tests/api/serve_fixture.h"
#include "tests/testing/build_paths.h"

namespace consilium::api::testing {
namespace {

namespace json = boost::json;

class AppAdjudicationTest : public ServeFixture {
 protected:
  // icu (overlap 3, icu-severity@1); dr-a and dr-b annotate, dr-c annotates
  // and adjudicates, dr-k adjudicates, res researches.
  void Prepare() {
    root_ = AddUser("admin", "--role admin");  // the CLI's default actor
    Cli("project create --id icu --name ICU --overlap 3");
    Cli("schema publish " + ::consilium::testing::SourceDir() +
        "/schemas/examples/icu-severity.json");
    tokens_["dr-a"] = AddUser("dr-a", "--role annotator --project icu");
    tokens_["dr-b"] = AddUser("dr-b", "--role annotator --project icu");
    tokens_["dr-k"] = AddUser("dr-k", "--role adjudicator --project icu");
    tokens_["res"] = AddUser("res", "--role researcher --project icu");
  }

  HttpReply Ok(int status, const std::string& method, const std::string& target,
               const std::string& token, const std::string& body = "") {
    HttpReply r = Call(method, target, token, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    return r;
  }
  json::object Body(const HttpReply& r) {
    json::value v = json::parse(r.body);
    return v.is_object() ? v.as_object() : json::object();
  }

  // Over HTTP: dr-c (annotator and adjudicator), rec-1 and rec-2 assigned
  // to dr-a, dr-b, dr-c; rec-1 disputed (critical, critical, serious),
  // rec-2 agreed (stable).
  void AnnotateOverHttp() {
    json::object c =
        Body(Ok(201, "POST", "/v1/principals", root_,
                R"({"id":"dr-c","roles":[{"role":"annotator","project":"icu"},)"
                R"({"role":"adjudicator","project":"icu"}]})"));
    tokens_["dr-c"] = std::string(c.at("token").as_string());
    Ok(201, "POST", "/v1/projects/icu/records", root_,
       R"({"records":[{"id":"rec-1","text":"MAP 64 on noradrenaline"},)"
       R"({"id":"rec-2","text":"extubated, stable"}]})");
    const std::map<std::string, std::string> rec1 = {
        {"dr-a", "critical"}, {"dr-b", "critical"}, {"dr-c", "serious"}};
    for (const auto& [who, value] : rec1) {
      for (const char* rec : {"rec-1", "rec-2"}) {
        Ok(201, "POST", "/v1/projects/icu/assignments", root_,
           std::string(R"({"record":")") + rec + R"(","annotator":")" + who +
               R"("})");
        const std::string v = std::string(rec) == "rec-1" ? value : "stable";
        Ok(201, "POST", "/v1/annotations", tokens_[who],
           R"({"annotation_id":")" + who + "-" + rec + R"(","record":")" + rec +
               R"(","schema":"icu-severity@1",)" + R"("values":{"severity":")" +
               v + R"("}})");
      }
    }
  }

  // The value of a /metrics series, or -1 when absent.
  double Metric(const std::string& series) {
    HttpReply m = Ok(200, "GET", "/metrics", "");
    size_t at = m.body.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(m.body.substr(at + series.size() + 2));
  }

  // The gauges follow the model's notices, delivered on the model's own
  // thread just after the event: polls up to 5 s for `want`.
  double WaitMetric(const std::string& series, double want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    double v = Metric(series);
    while (v != want && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      v = Metric(series);
    }
    return v;
  }

  size_t CountEvents(const std::string& type) {
    size_t n = 0;
    for (const json::object& e : Events())
      n += e.at("type").as_string() == type;
    return n;
  }

  // The CLI's --json document as the server writes every body (canonical
  // JSON, api::JsonResponse): the served body must be these bytes.
  static std::string Served(const std::string& cli_output) {
    StatusOr<std::string> text = WriteCanonicalJson(json::parse(cli_output));
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    return text.ok() ? *text + "\n" : "";
  }

  // Start again after Stop: the new process prints a new port.
  void Restart() { Start(); }

  std::string root_;
  std::map<std::string, std::string> tokens_;
};

const char kQueue[] = "/v1/projects/icu/adjudication/queue";
const char kItem[] = "/v1/projects/icu/records/rec-1/adjudication";

TEST_F(AppAdjudicationTest, DisagreementQueuesAndTheRulesHold) {
  Prepare();
  Start();
  AnnotateOverHttp();
  // The admin sees the disputed item, and only it.
  json::object q = Body(Ok(200, "GET", kQueue, root_));
  EXPECT_EQ(q.at("queued").as_int64(), 1);
  ASSERT_EQ(q.at("items").as_array().size(), 1u) << json::serialize(q);
  const json::object& item = q.at("items").as_array()[0].as_object();
  EXPECT_EQ(item.at("record").as_string(), "rec-1");
  EXPECT_EQ(item.at("field").as_string(), "severity");
  EXPECT_EQ(item.at("state").as_string(), "pending");
  // dr-k is offered it; dr-c annotated it and is not.
  EXPECT_EQ(Body(Ok(200, "GET", kQueue, tokens_["dr-k"]))
                .at("items")
                .as_array()
                .size(),
            1u);
  EXPECT_TRUE(Body(Ok(200, "GET", kQueue, tokens_["dr-c"]))
                  .at("items")
                  .as_array()
                  .empty());
  Ok(403, "GET", std::string(kItem) + "?field=severity", tokens_["dr-c"]);
  // (dr-c still reads rec-1 as one of its assigned annotators.)
  Ok(200, "GET", "/v1/records/rec-1", tokens_["dr-c"]);
  Ok(403, "GET", kQueue, tokens_["res"]);
  Ok(401, "GET", kQueue, "");
  Ok(404, "GET", "/v1/projects/nope/adjudication/queue", root_);
  Ok(400, "GET", std::string(kQueue) + "?as_of=abc", root_);
  Ok(400, "GET", std::string(kQueue) + "?color=red", root_);
  Ok(400, "GET", std::string(kQueue) + "?as_of=999999", root_);
  // dr-k reads the offered record; rec-2 is not disputed: not offered.
  Ok(200, "GET", "/v1/records/rec-1", tokens_["dr-k"]);
  Ok(403, "GET", "/v1/records/rec-2", tokens_["dr-k"]);
  json::object shown = Body(
      Ok(200, "GET", std::string(kItem) + "?field=severity", tokens_["dr-k"]));
  EXPECT_EQ(shown.at("item").at("state").as_string(), "pending");
  EXPECT_EQ(shown.at("current_annotations").as_array().size(), 3u);
  EXPECT_EQ(
      WaitMetric("consilium_adjudication_queue_depth{project=\"icu\"}", 1), 1);
  EXPECT_EQ(Metric("consilium_adjudication_active_leases{project=\"icu\"}"), 0);

  // Claims: dr-c has nothing eligible; dr-k gets rec-1.
  Ok(404, "POST", "/v1/projects/icu/adjudication/claim", tokens_["dr-c"]);
  json::object claim =
      Body(Ok(201, "POST", "/v1/projects/icu/adjudication/claim",
              tokens_["dr-k"], R"({"ttl_seconds":600})"));
  EXPECT_EQ(claim.at("record").as_string(), "rec-1");
  EXPECT_EQ(claim.at("shown").at("annotations").as_array().size(), 3u);
  const std::string lease = std::to_string(claim.at("lease").as_int64());
  EXPECT_EQ(
      WaitMetric("consilium_adjudication_active_leases{project=\"icu\"}", 1),
      1);
  EXPECT_EQ(
      WaitMetric("consilium_adjudication_queue_depth{project=\"icu\"}", 0), 0);
  Ok(403, "POST", "/v1/adjudication/leases/" + lease + "/release",
     tokens_["dr-c"]);
  Ok(200, "POST", "/v1/adjudication/leases/" + lease + "/heartbeat",
     tokens_["dr-k"]);
  Ok(400, "POST", "/v1/adjudication/leases/" + lease + "/decide",
     tokens_["dr-k"], R"({"field":"severity","rationale":"x"})");
  json::object decided =
      Body(Ok(201, "POST", "/v1/adjudication/leases/" + lease + "/decide",
              tokens_["dr-k"],
              R"({"field":"severity","value":"critical",)"
              R"("rationale":"noradrenaline: critical by definition"})"));
  EXPECT_EQ(decided.at("state").as_string(), "decided");
  const std::string at = std::to_string(decided.at("seq").as_int64());

  // As of the decision: the CLI's documents, byte for byte.
  const std::string served_queue =
      Ok(200, "GET", std::string(kQueue) + "?all=true&as_of=" + at, root_).body;
  const std::string served_item =
      Ok(200, "GET", std::string(kItem) + "?field=severity&as_of=" + at, root_)
          .body;
  const std::string served_policy =
      Ok(200, "GET", "/v1/projects/icu/adjudication/policy?as_of=" + at,
         tokens_["dr-k"])
          .body;
  json::object rec =
      Body(Ok(200, "GET", std::string(kItem) + "?as_of=" + at, root_));
  ASSERT_EQ(rec.at("items").as_array().size(), 1u);
  EXPECT_EQ(rec.at("items").as_array()[0].at("state").as_string(), "decided");
  Stop();
  EXPECT_EQ(served_queue,
            Served(Cli("queue list --project icu --all --json --as-of " + at)));
  EXPECT_EQ(served_item,
            Served(Cli("queue show --project icu --record rec-1 --field "
                       "severity --json --as-of " +
                       at)));
  EXPECT_EQ(served_policy,
            Served(Cli("policy show --project icu --json --as-of " + at)));
}

TEST_F(AppAdjudicationTest, ShortLeaseExpiredByTheTimerExactlyOnce) {
  Prepare();
  Start();
  AnnotateOverHttp();
  json::object claim =
      Body(Ok(201, "POST", "/v1/projects/icu/adjudication/claim",
              tokens_["dr-k"], R"({"ttl_seconds":1})"));
  const std::string lease = std::to_string(claim.at("lease").as_int64());
  // The timer runs every 500 ms: the item is back within a few seconds.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(
      WaitMetric("consilium_adjudication_active_leases{project=\"icu\"}", 0),
      0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // 3 ticks
  json::object q = Body(Ok(200, "GET", kQueue, root_));
  EXPECT_EQ(q.at("queued").as_int64(), 1);
  // The decision under the expired lease is refused.
  HttpReply late =
      Ok(400, "POST", "/v1/adjudication/leases/" + lease + "/decide",
         tokens_["dr-k"],
         R"({"field":"severity","ambiguous":true,"rationale":"x"})");
  EXPECT_NE(late.body.find("FAILED_PRECONDITION"), std::string::npos)
      << late.body;
  Stop();
  EXPECT_EQ(CountEvents("AdjudicationLeaseExpired"), 1u);
}

TEST_F(AppAdjudicationTest, LeaseThatExpiredWhileDownIsReturnedOnce) {
  Prepare();
  Start();
  AnnotateOverHttp();
  Ok(201, "POST", "/v1/projects/icu/adjudication/claim", tokens_["dr-k"],
     R"({"ttl_seconds":3})");
  Stop();
  ASSERT_EQ(CountEvents("AdjudicationLeaseExpired"), 0u)
      << "the server stopped within the lease";
  const size_t before = Events().size();
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  Restart();
  json::object q = Body(Ok(200, "GET", kQueue, root_));
  EXPECT_EQ(q.at("queued").as_int64(), 1);
  EXPECT_EQ(q.at("leases").as_int64(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // 3 ticks
  Stop();
  Restart();  // a second start finds nothing more to expire
  Stop();
  const std::vector<json::object> events = Events();
  size_t expired = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].at("type").as_string() != "AdjudicationLeaseExpired")
      continue;
    ++expired;
    EXPECT_GE(i, before) << "expired before the restart";
    EXPECT_EQ(events[i].at("actor").as_string(), "server");
  }
  EXPECT_EQ(expired, 1u);
}

}  // namespace
}  // namespace consilium::api::testing
