// The de-identification gate against a real `consilium serve` process
// (docs/deid.md; api/deid_routes.h): a record imported over HTTP whose text
// the detectors flag is held; its content is refused to its annotator (and
// the refusal recorded) while its admins and privacy officers read it; the
// review queue lists its spans to reviewers only; a redaction serves
// "[TYPE]" tokens from then on, a release the content as imported.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "tests/api/serve_fixture.h"

namespace consilium::api {
namespace {

using testing::HttpReply;
namespace json = boost::json;

constexpr char kFlagged[] =
    "Seen by Dr. Whitfield on 03/14/2021, call 617-555-0199.";

class DeidRoutesTest : public testing::ServeFixture {
 protected:
  void SetUpServer() {
    admin_ = AddUser("admin", "--role admin");
    Cli("project create --id p --name Chest");
    Cli("schema publish " + consilium::testing::SourceDir() +
        "/schemas/examples/icu-severity.json");
    po_ = AddUser("po", "--role privacy_officer --project p");
    ann_ = AddUser("ann", "--role annotator --project p");
    res_ = AddUser("res", "--role researcher --project p");
    Start();
    HttpReply r =
        Call("POST", "/v1/projects/p/records", admin_,
             std::string(R"({"records":[{"id":"held","text":")") + kFlagged +
                 R"("},{"id":"held-2","text":")" + kFlagged +
                 R"("},{"id":"clean","text":"Lactate 4.8."}]})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  static std::string Code(const HttpReply& r) {
    return std::string(json::parse(r.body).at("error").at("code").as_string());
  }
  std::string admin_, po_, ann_, res_;
};

TEST_F(DeidRoutesTest, AHeldRecordIsServedOnlyToReviewersUntilRedacted) {
  SetUpServer();
  // The annotator cannot be given it, nor read it.
  HttpReply assign = Call("POST", "/v1/projects/p/assignments", admin_,
                          R"({"record":"held","annotator":"ann"})");
  EXPECT_EQ(assign.status, 400) << assign.body;
  EXPECT_EQ(Code(assign), "FAILED_PRECONDITION");
  HttpReply read = Call("GET", "/v1/records/held", ann_);
  EXPECT_EQ(read.status, 403) << read.body;
  EXPECT_NE(read.body.find("de-identification gate"), std::string::npos);
  EXPECT_EQ(read.body.find("Whitfield"), std::string::npos);
  // Reviewers read it, marked as held.
  HttpReply po_read = Call("GET", "/v1/records/held", po_);
  ASSERT_EQ(po_read.status, 200) << po_read.body;
  EXPECT_EQ(json::parse(po_read.body).at("deid"), "quarantined");
  EXPECT_EQ(
      json::parse(Call("GET", "/v1/records/clean", admin_).body).at("deid"),
      "clear");

  // The queue: to reviewers only, spans without the text.
  EXPECT_EQ(Call("GET", "/v1/projects/p/deid/queue", res_).status, 403);
  EXPECT_EQ(Call("GET", "/v1/projects/p/deid/queue", ann_).status, 403);
  HttpReply q = Call("GET", "/v1/projects/p/deid/queue", po_);
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(q.body.find("Whitfield"), std::string::npos);
  const json::value queue = json::parse(q.body);
  const json::array& held = queue.at("held").as_array();
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].at("record"), "held");
  EXPECT_FALSE(held[0].at("hits").as_array().empty());

  // Bad input changes nothing; an annotator may not review.
  EXPECT_EQ(
      Call("POST", "/v1/projects/p/deid/records/held/redact", po_,
           R"({"reason":"x","spans":[{"type":"name","start":3,"end":900}]})")
          .status,
      400);
  EXPECT_EQ(Call("POST", "/v1/projects/p/deid/records/held/redact", po_,
                 R"({"spans":[]})")
                .status,
            400);
  EXPECT_EQ(Call("POST", "/v1/projects/p/deid/records/held/release", ann_,
                 R"({"reason":"x"})")
                .status,
            403);
  EXPECT_EQ(Call("POST", "/v1/projects/p/deid/records/nope/release", po_,
                 R"({"reason":"x"})")
                .status,
            404);
  EXPECT_EQ(Call("POST", "/v1/projects/p/deid/records/clean/release", po_,
                 R"({"reason":"x"})")
                .status,
            400);

  // Redacted: the annotator is assigned and reads tokens, not identifiers.
  HttpReply redact = Call("POST", "/v1/projects/p/deid/records/held/redact",
                          po_, R"({"reason":"identifiers"})");
  ASSERT_EQ(redact.status, 201) << redact.body;
  ASSERT_EQ(Call("POST", "/v1/projects/p/assignments", admin_,
                 R"({"record":"held","annotator":"ann"})")
                .status,
            201);
  HttpReply now = Call("GET", "/v1/records/held", ann_);
  ASSERT_EQ(now.status, 200) << now.body;
  EXPECT_EQ(now.body.find("Whitfield"), std::string::npos) << now.body;
  EXPECT_EQ(now.body.find("617-555-0199"), std::string::npos) << now.body;
  EXPECT_NE(now.body.find("[NAME]"), std::string::npos) << now.body;
  EXPECT_EQ(json::parse(now.body).at("deid"), "redacted");
  // Reviewed once only.
  EXPECT_EQ(Call("POST", "/v1/projects/p/deid/records/held/release", po_,
                 R"({"reason":"x"})")
                .status,
            400);
  // Released: served as imported.
  ASSERT_EQ(Call("POST", "/v1/projects/p/deid/records/held-2/release", po_,
                 R"({"reason":"fictional"})")
                .status,
            201);
  EXPECT_EQ(
      json::parse(Call("GET", "/v1/records/held-2", admin_).body).at("deid"),
      "released");
  EXPECT_EQ(json::parse(Call("GET", "/v1/projects/p/deid/queue", po_).body)
                .at("held")
                .as_array()
                .size(),
            0u);
  ExpectResponsesValidate();

  Stop();
  // The refusals are in the access history; the events carry spans, never
  // the text in the clear except in the imports' own payloads.
  int refused_reads = 0, quarantined = 0, reviewed = 0;
  for (const json::object& e : Events()) {
    const std::string type(e.at("type").as_string());
    if (type == "RecordQuarantined") ++quarantined;
    if (type == "DeidentificationReviewed") ++reviewed;
    if (type != "AccessRecorded") continue;
    const json::object& b = e.at("body").as_object();
    if (!b.at("allowed").as_bool() && b.at("resource_id") == "held" &&
        e.at("actor") == "ann") {
      ++refused_reads;
    }
  }
  EXPECT_EQ(refused_reads, 2);  // the read, and the release it attempted
  EXPECT_EQ(quarantined, 2);
  EXPECT_EQ(reviewed, 2);
}

}  // namespace
}  // namespace consilium::api
