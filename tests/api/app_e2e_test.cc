// End to end over loopback with TLS against a real `consilium serve`: an
// admin sets up a project through the API, imports records, assigns them
// to three annotators, who fetch their work lists and records, annotate and
// disagree; the annotations are readable by the roles that may read them;
// revisions check the expected revision; SIGTERM stops the server with exit
// 0 and the ledger holds what was acknowledged.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/api/serve_fixture.h"
#include "tests/testing/build_paths.h"

namespace consilium::api::testing {
namespace {

namespace json = boost::json;

class AppEndToEndTest : public ServeFixture {};

json::object Body(const HttpReply& r) {
  return json::parse(r.body).as_object();
}

TEST_F(AppEndToEndTest, ThreeAnnotatorsFetchTheirWorkAnnotateAndDisagree) {
  const std::string root = AddUser("root", "--role admin");
  Start();
  auto ok = [&](int status, const std::string& method,
                const std::string& target, const std::string& token,
                const std::string& body = "") {
    HttpReply r = Call(method, target, token, body);
    EXPECT_EQ(r.status, status) << method << " " << target << ": " << r.body;
    return r;
  };
  ok(201, "POST", "/v1/projects", root,
     R"({"id":"icu","name":"ICU severity","overlap_target":3})");
  std::ifstream schema_file(::consilium::testing::SourceDir() +
                            "/schemas/examples/icu-severity.json");
  std::stringstream schema;
  schema << schema_file.rdbuf();
  ok(201, "POST", "/v1/schemas", root, schema.str());
  EXPECT_EQ(Body(ok(200, "GET", "/v1/schemas/icu-severity", root))
                .at("version")
                .as_int64(),
            1);

  std::map<std::string, std::string> tokens;
  for (const char* who : {"dr-x", "dr-y", "dr-z"}) {
    json::object reg =
        Body(ok(201, "POST", "/v1/principals", root,
                std::string(R"({"id":")") + who +
                    R"(","roles":[{"role":"annotator","project":"icu"}]})"));
    tokens[who] = std::string(reg.at("token").as_string());
  }
  json::object adj = Body(
      ok(201, "POST", "/v1/principals", root,
         R"({"id":"adj","roles":[{"role":"adjudicator","project":"icu"}]})"));
  json::object res = Body(
      ok(201, "POST", "/v1/principals", root,
         R"({"id":"res","roles":[{"role":"researcher","project":"icu"}]})"));

  json::object imported =
      Body(ok(201, "POST", "/v1/projects/icu/records", root,
              R"({"records":[{"id":"rec-1","text":"39F DKA, pH 7.12"},)"
              R"({"id":"rec-2","text":"71M COPD on BiPAP"}]})"));
  EXPECT_EQ(imported.at("appended").as_int64(), 2);
  for (const auto& [who, token] : tokens) {
    for (const char* rec : {"rec-1", "rec-2"}) {
      ok(201, "POST", "/v1/projects/icu/assignments", root,
         std::string(R"({"record":")") + rec + R"(","annotator":")" + who +
             R"("})");
    }
  }
  EXPECT_EQ(Body(ok(200, "GET", "/v1/projects/icu/assignments", root))
                .at("assignments")
                .as_array()
                .size(),
            6u);

  // Each annotator: the work list (rec-1 first), the record, an answer.
  const std::map<std::string, std::string> answer = {
      {"dr-x", "serious"}, {"dr-y", "critical"}, {"dr-z", "serious"}};
  for (const auto& [who, token] : tokens) {
    json::object work = Body(ok(200, "GET", "/v1/worklist", token));
    ASSERT_EQ(work.at("records").as_array().size(), 2u);
    EXPECT_EQ(work.at("records").as_array()[0].at("record").as_string(),
              "rec-1");
    json::object rec = Body(ok(200, "GET", "/v1/records/rec-1", token));
    EXPECT_EQ(rec.at("content").at("text").as_string(), "39F DKA, pH 7.12");
    ok(201, "POST", "/v1/annotations", token,
       R"({"annotation_id":")" + who + R"(-1","record":"rec-1",)" +
           R"("schema":"icu-severity@1","values":{"severity":")" +
           answer.at(who) + R"("}})");
    json::object after = Body(ok(200, "GET", "/v1/worklist", token));
    ASSERT_EQ(after.at("records").as_array().size(), 1u);
    EXPECT_EQ(after.at("records").as_array()[0].at("record").as_string(),
              "rec-2");
  }

  // The CLI prints the same documents (after the server stops).
  const json::value served_work =
      json::parse(ok(200, "GET", "/v1/worklist", tokens["dr-x"]).body);
  const json::value served_record =
      json::parse(ok(200, "GET", "/v1/records/rec-2", root).body);

  // Who may read the disagreement.
  const std::string list = "/v1/records/rec-1/annotations";
  EXPECT_EQ(
      Body(ok(200, "GET", list, root)).at("annotations").as_array().size(), 3u);
  EXPECT_EQ(Body(ok(200, "GET", list, tokens["dr-x"]))
                .at("annotations")
                .as_array()
                .size(),
            3u);  // not blind
  json::object seen =
      Body(ok(200, "GET", list, std::string(adj.at("token").as_string())));
  std::set<std::string> values;
  for (const json::value& a : seen.at("annotations").as_array())
    values.insert(std::string(a.at("values").at("severity").as_string()));
  EXPECT_EQ(values, (std::set<std::string>{"critical", "serious"}));
  ok(403, "GET", list, std::string(res.at("token").as_string()));

  // Revise with the expected revision; a stale one is a conflict.
  const std::string& y = tokens["dr-y"];
  ok(200, "POST", "/v1/annotations/dr-y-1/revisions", y,
     R"({"expected_revision":1,"values":{"severity":"serious"},)"
     R"("reason":"misread the pH"})");
  HttpReply stale =
      ok(409, "POST", "/v1/annotations/dr-y-1/revisions", y,
         R"({"expected_revision":1,"values":{"severity":"stable"}})");
  EXPECT_NE(stale.body.find("\"code\":\"ABORTED\""), std::string::npos);
  json::object revised = Body(ok(200, "GET", "/v1/annotations/dr-y-1", y));
  EXPECT_EQ(revised.at("revision").as_int64(), 2);
  ok(200, "POST", "/v1/annotations/dr-z-1/withdrawal", tokens["dr-z"],
     R"({"expected_revision":1,"reason":"wrong record"})");
  ok(404, "GET", "/v1/records/rec-9", root);

  Stop();
  int submitted = 0, revisions = 0, withdrawn = 0;
  for (const json::object& e : Events()) {
    const json::string& type = e.at("type").as_string();
    submitted += type == "AnnotationSubmitted";
    revisions += type == "AnnotationRevised";
    withdrawn += type == "AnnotationWithdrawn";
  }
  EXPECT_EQ(submitted, 3);
  EXPECT_EQ(revisions, 1);
  EXPECT_EQ(withdrawn, 1);

  EXPECT_EQ(json::parse(Cli("worklist dr-x")), served_work);
  EXPECT_EQ(json::parse(Cli("record show rec-2 --actor root")), served_record);
  const std::vector<json::object> after = Events();
  ASSERT_FALSE(after.empty());
  const json::object& last = after.back();
  EXPECT_EQ(last.at("type").as_string(), "AccessRecorded");
  EXPECT_EQ(last.at("actor").as_string(), "root");
  EXPECT_EQ(last.at("body").at("purpose").as_string(), "cli: record show");
}

}  // namespace
}  // namespace consilium::api::testing
