// Access control against a real `consilium serve` process (TLS): every kind
// of refusal gets its status and is recorded as a denied AccessRecorded, and
// every successful content read is exactly one allowed AccessRecorded,
// counted in the ledger after the server stopped.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "tests/api/serve_fixture.h"
#include "tests/testing/build_paths.h"

namespace consilium::api::testing {
namespace {

namespace json = boost::json;

class AppSecurityTest : public ServeFixture {
 protected:
  // p1 is blind; dr-a and dr-b annotate rec-1, dr-b also rec-2; dr-b has
  // annotated rec-1 (b-1) before the server starts.
  void Prepare() {
    root_ = AddUser("admin", "--role admin");  // the CLI's default actor
    Cli("project create --id p1 --name Sepsis --blind");
    std::string schema = ::consilium::testing::SourceDir() +
                         "/schemas/examples/icu-severity.json";
    Cli("schema publish " + schema);
    a_ = AddUser("dr-a", "--role annotator --project p1");
    b_ = AddUser("dr-b", "--role annotator --project p1");
    c_ = AddUser("dr-c", "--role annotator --project p1");
    adj_ = AddUser("adj", "--role adjudicator --project p1");
    res_ = AddUser("res", "--role researcher --project p1");
    aud_ = AddUser("aud", "--role auditor --project p1");
    old_ = AddUser("old", "--role annotator --project p1 --token-ttl 1");
    Cli("import records --project p1 " +
        WriteFile("records.jsonl",
                  "{\"id\":\"rec-1\",\"text\":\"68M post-CABG\"}\n"
                  "{\"id\":\"rec-2\",\"text\":\"54F septic shock\"}\n"));
    Cli("assign --project p1 --record rec-1 --annotator dr-a");
    Cli("assign --project p1 --record rec-1 --annotator dr-b");
    Cli("assign --project p1 --record rec-2 --annotator dr-b");
    Cli("annotate --actor dr-b " +
        WriteFile("b.jsonl",
                  "{\"annotation_id\":\"b-1\",\"record\":\"rec-1\","
                  "\"annotator\":\"dr-b\",\"schema\":\"icu-severity@1\","
                  "\"values\":{\"severity\":\"stable\"}}\n"));
  }

  // Expects `status`; counts refusals and content reads for the ledger
  // check.
  HttpReply Expect(int status, const std::string& method,
                   const std::string& target, const std::string& token,
                   const std::string& body = "", bool content = false) {
    HttpReply r = Call(method, target, token, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    if (r.status == 401 || r.status == 403) ++denied_;
    if (r.status == 200 && content) ++reads_;
    return r;
  }

  std::string root_, a_, b_, c_, adj_, res_, aud_, old_;
  int denied_ = 0;
  int reads_ = 0;
};

TEST_F(AppSecurityTest, EveryRefusalIsRecordedAndEveryReadIsOneAccessEvent) {
  Prepare();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // old_ expires
  Start();

  // Authentication.
  HttpReply none = Expect(401, "GET", "/v1/records/rec-1", "");
  EXPECT_NE(none.headers["www-authenticate"].find("Bearer"), std::string::npos);
  Expect(401, "GET", "/v1/records/rec-1", "csl_not-a-token");
  HttpReply expired = Expect(401, "GET", "/v1/records/rec-1", old_);
  EXPECT_NE(expired.body.find("bearer token expired"), std::string::npos);

  // Roles and record-level rules.
  HttpReply researcher = Expect(403, "GET", "/v1/records/rec-1", res_);
  EXPECT_NE(researcher.body.find("researchers read aggregates"),
            std::string::npos)
      << researcher.body;
  Expect(403, "POST", "/v1/projects", a_, R"({"id":"p9","name":"x"})");
  HttpReply unassigned = Expect(403, "GET", "/v1/records/rec-2", a_);
  EXPECT_NE(unassigned.body.find("not assigned"), std::string::npos);
  HttpReply blind = Expect(403, "GET", "/v1/annotations/b-1", a_);
  EXPECT_NE(blind.body.find("blind"), std::string::npos) << blind.body;
  HttpReply auditor = Expect(403, "GET", "/v1/records/rec-1", aud_);
  EXPECT_NE(auditor.body.find("auditors"), std::string::npos);
  // An annotator submitting for another: refused by the command set.
  Expect(403, "POST", "/v1/annotations", a_,
         R"({"annotation_id":"x-1","record":"rec-1","annotator":"dr-b",)"
         R"("schema":"icu-severity@1","values":{"severity":"stable"}})");

  // Reads that are allowed: each one access event.
  HttpReply rec = Expect(200, "GET", "/v1/records/rec-1", a_, "", true);
  EXPECT_NE(rec.body.find("68M post-CABG"), std::string::npos) << rec.body;
  HttpReply mine = Expect(200, "GET", "/v1/annotations/b-1", b_, "", true);
  EXPECT_NE(mine.body.find("\"severity\":\"stable\""), std::string::npos);
  // Blind: dr-a lists rec-1's annotations and sees none of dr-b's.
  HttpReply list_a =
      Expect(200, "GET", "/v1/records/rec-1/annotations", a_, "", true);
  EXPECT_EQ(list_a.body, "{\"annotations\":[],\"record\":\"rec-1\"}\n");
  // An adjudicator sees only what its queue offers: rec-1 (one annotation)
  // is not disputed (docs/authorization.md, "Adjudicators").
  HttpReply list_adj =
      Expect(403, "GET", "/v1/records/rec-1/annotations", adj_, "", true);
  EXPECT_NE(list_adj.body.find("does not offer"), std::string::npos)
      << list_adj.body;
  Expect(200, "GET", "/v1/records/rec-2", b_, "", true);
  // Not content: no access event.
  Expect(200, "GET", "/v1/whoami", a_);
  HttpReply work = Expect(200, "GET", "/v1/worklist", a_);
  EXPECT_NE(work.body.find("\"record\":\"rec-1\""), std::string::npos);

  // The read routes: refused and recorded the same way (a project auditor
  // reads no distribution and no ledger; a researcher no ledger), and a
  // distribution read is one access event.
  HttpReply no_dist =
      Expect(403, "GET", "/v1/records/rec-1/distribution", aud_);
  EXPECT_NE(no_dist.body.find("admin or researcher"), std::string::npos)
      << no_dist.body;
  Expect(403, "GET", "/v1/ledger/head", aud_);
  Expect(403, "GET", "/v1/projects/p1/calibration", a_);
  Expect(200, "GET", "/v1/records/rec-1/distribution", res_, "", true);
  Expect(200, "GET", "/v1/audit/access?record=rec-1", aud_);

  // Revocation takes effect at the next request.
  Expect(200, "GET", "/v1/whoami", c_);
  Expect(200, "POST", "/v1/principals/dr-c/tokens/revoke", root_,
         R"({"all":true,"reason":"left the study"})");
  HttpReply revoked = Expect(401, "GET", "/v1/whoami", c_);
  EXPECT_NE(revoked.body.find("bearer token revoked"), std::string::npos);
  Expect(200, "POST", "/v1/principals/dr-a/roles/revoke", root_,
         R"({"role":"annotator","project":"p1"})");
  Expect(403, "GET", "/v1/records/rec-1", a_);

  Stop();
  int allowed = 0, refused = 0, anonymous = 0, distribution_refusals = 0;
  for (const json::object& e : Events()) {
    if (e.at("type").as_string() != "AccessRecorded") continue;
    const json::object& body = e.at("body").as_object();
    if (body.at("allowed").as_bool()) {
      ++allowed;
    } else {
      ++refused;
      EXPECT_NE(body.at("reason").as_string(), "");
      if (e.at("actor").as_string() == "(anonymous)") ++anonymous;
      // A refused distribution read is in the record's access history.
      if (body.at("purpose").as_string() ==
          "api: GET /v1/records/rec-1/distribution") {
        EXPECT_EQ(body.at("resource_kind").as_string(), "record");
        EXPECT_EQ(body.at("resource_id").as_string(), "rec-1");
        ++distribution_refusals;
      }
    }
  }
  EXPECT_EQ(denied_, 15);  // the refusals above
  EXPECT_EQ(reads_, 5);    // the content reads above
  EXPECT_EQ(allowed, reads_);
  EXPECT_EQ(refused, denied_);
  EXPECT_EQ(anonymous, 4);  // no token, bad, expired, revoked
  EXPECT_EQ(distribution_refusals, 1);
}

TEST_F(AppSecurityTest, BadBodiesAreRefusedAndAppendNothing) {
  Prepare();
  Start();
  const std::string submit = "/v1/annotations";
  HttpReply malformed = Call("POST", submit, a_, "{\"annotation_id\":");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("invalid JSON at offset"), std::string::npos);
  HttpReply wrong_type =
      Call("POST", submit, a_,
           R"({"annotation_id":7,"record":"rec-1","schema":"icu-severity@1",)"
           R"("values":{"severity":"stable"}})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_NE(wrong_type.body.find("annotation_id: must be a string"),
            std::string::npos)
      << wrong_type.body;
  HttpReply unknown = Call("POST", "/v1/projects", root_,
                           R"({"id":"p2","name":"x","colour":"red"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("colour: unknown key"), std::string::npos);
  HttpReply nested =
      Call("POST", "/v1/principals", root_,
           R"({"id":"x","roles":[{"role":"annotator","colour":1}]})");
  EXPECT_EQ(nested.status, 400);
  EXPECT_NE(nested.body.find("request body: roles[0].colour: unknown key"),
            std::string::npos)
      << nested.body;
  HttpReply invalid = Call(
      "POST", submit, a_,
      R"({"annotation_id":"a-1","record":"rec-1","schema":"icu-severity@1",)"
      R"("values":{"severity":"dying"}})");
  EXPECT_EQ(invalid.status, 400) << invalid.body;
  // Oversized: the declared length alone is refused (plain HTTP, same port).
  auto raw = RawConnection::Open(port_);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  ASSERT_TRUE((*raw)
                  ->Send("POST /v1/annotations HTTP/1.1\r\nHost: x\r\n"
                         "Authorization: Bearer " +
                         a_ +
                         "\r\nContent-Type: application/json\r\n"
                         "Content-Length: 2000000\r\n\r\n{")
                  .ok());
  bool closed = false;
  std::string big = (*raw)->ReadUntilClosed(std::chrono::seconds(5), &closed);
  EXPECT_EQ(big.rfind("HTTP/1.1 413", 0), 0u) << big;
  EXPECT_NE(big.find("RESOURCE_EXHAUSTED"), std::string::npos) << big;
  HttpReply dup = Call("POST", "/v1/projects", root_,
                       R"({"id":"p2","name":"x","name":"y"})");
  EXPECT_EQ(dup.status, 400);
  Stop();
  for (const json::object& e : Events()) {
    if (e.at("type").as_string() == "AnnotationSubmitted") {  // before Start
      EXPECT_EQ(e.at("body").at("annotation_id").as_string(), "b-1");
    }
    EXPECT_NE(e.at("type").as_string(), "AccessRecorded") << json::serialize(e);
    if (e.at("type").as_string() == "PrincipalRegistered") {
      EXPECT_NE(e.at("body").at("principal_id").as_string(), "x");
    }
    if (e.at("type").as_string() == "ProjectCreated") {
      EXPECT_EQ(e.at("body").at("project_id").as_string(), "p1");
    }
  }
}

}  // namespace
}  // namespace consilium::api::testing
