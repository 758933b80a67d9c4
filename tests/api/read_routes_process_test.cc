// The read routes against a real `consilium serve` process over TLS: a
// ledger built with the CLI (three annotators who disagree on an ICU
// severity scale, a researcher, an auditor, a checkpoint signing key), then
// every read route as the roles that may and may not call it. Each 200
// document is compared byte for byte with what the CLI's --json prints for
// the same position, every response is validated against api/openapi.json
// (tests/api/validate_response.py), a distribution read appends exactly one
// access event, and the served checkpoint and proofs pass `consilium audit
// verify` as an auditor would run it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/api/test_client.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/paths.h"
#include "tests/testing/serve_process.h"

namespace consilium::api {
namespace {

using namespace std::chrono_literals;
using consilium::testing::ConsiliumBin;
using consilium::testing::RunShell;

class ReadRoutesProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("consilium_read_routes_test_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    ledger_ = (dir_ / "ledger").string();
    ASSERT_NO_FATAL_FAILURE(BuildLedger());
    StatusOr<testing::CertFiles> cert =
        testing::MakeSelfSignedCert(dir_.string());
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    tls_ = {.enabled = true, .ca_file = cert->cert};
    port_ =
        serve_.StartServe({"--data", ledger_, "--listen", "127.0.0.1:0",
                           "--tls-cert", cert->cert, "--tls-key", cert->key});
    ASSERT_NE(port_, 0) << serve_.printed();
  }
  void TearDown() override {
    serve_.Reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Cli(const std::string& args) {
    int rc = 0;
    std::string out = RunShell(ConsiliumBin() + " " + args, &rc, false);
    EXPECT_EQ(rc, 0) << args << "\n" << out;
    return out;
  }
  // `consilium user add` and the token it printed (its last line).
  std::string AddUser(const std::string& who, const std::string& role) {
    std::string out =
        Cli("user add " + who + " " + role + " --data " + ledger_);
    out.erase(out.find_last_not_of('\n') + 1);
    return out.substr(out.rfind('\n') + 1);
  }

  void BuildLedger() {
    const std::string src = ::consilium::testing::SourceDir();
    Cli("init --data " + ledger_);
    tokens_["admin"] = AddUser("admin", "--role admin");
    Cli("project create --data " + ledger_ + " --id icu --name ICU");
    Cli("schema publish " + src +
        "/schemas/examples/icu-severity.json --data " + ledger_);
    Cli("import records " + src + "/tools/demo/records.jsonl --data " +
        ledger_ + " --project icu");
    for (const char* a : {"dr-ada", "dr-ben", "dr-cho"}) {
      tokens_[a] = AddUser(a, "--role annotator --project icu");
      for (int r = 1; r <= 6; ++r) {
        Cli("assign --data " + ledger_ + " --project icu --record rec-000" +
            std::to_string(r) + " --annotator " + a);
      }
    }
    tokens_["res"] = AddUser("res", "--role researcher --project icu");
    tokens_["aud"] = AddUser("aud", "--role auditor");
    // The demo's annotations of records 1-6 on icu-severity (the last line
    // names a schema this ledger lacks).
    int rc = 0;
    RunShell("grep icu-severity " + src + "/tools/demo/annotations.jsonl > " +
                 (dir_ / "ann.jsonl").string(),
             &rc);
    ASSERT_EQ(rc, 0);
    Cli("annotate " + (dir_ / "ann.jsonl").string() + " --data " + ledger_);
    Cli("keygen --name consilium.test/log --out " +
        (dir_ / "log.key").string() + " > " + (dir_ / "vkey").string());
    Cli("configure --data " + ledger_ + " --checkpoint-key " +
        (dir_ / "log.key").string());
  }

  // GET `target` as `who` ("" for no token) over TLS; the reply is kept for
  // validation against the operation `route`.
  testing::HttpReply Get(const std::string& who, const std::string& target,
                         const std::string& route) {
    testing::HttpCall call{.target = target};
    if (!who.empty()) {
      call.headers.push_back({"Authorization", "Bearer " + tokens_.at(who)});
    }
    StatusOr<testing::HttpReply> r = testing::Fetch(port_, call, tls_);
    EXPECT_TRUE(r.ok()) << target << ": " << r.status().ToString();
    if (!r.ok()) return {};
    boost::json::object line;
    line["method"] = "GET";
    line["route"] = route;
    line["status"] = r->status;
    line["body"] = r->body;
    line["content_type"] = r->headers["content-type"];
    validation_ += boost::json::serialize(line) + "\n";
    return *r;
  }

  // Every response fetched so far against api/openapi.json.
  void ExpectAllValidate() {
    const std::filesystem::path batch = dir_ / "responses.jsonl";
    std::ofstream(batch) << validation_;
    int rc = 0;
    std::string out = RunShell(
        std::string("/usr/bin/python3 ") + ::consilium::testing::SourceDir() +
            "/tests/api/validate_response.py " +
            ::consilium::testing::SourceDir() + "/api/openapi.json --batch " +
            batch.string(),
        &rc);
    EXPECT_EQ(rc, 0) << out;
  }

  static uint64_t AsOfSeq(const std::string& body) {
    return boost::json::parse(body).at("as_of_seq").to_number<uint64_t>();
  }
  uint64_t HeadSeq() {
    return boost::json::parse(Cli("head --data " + ledger_))
        .at("seq")
        .to_number<uint64_t>();
  }

  std::filesystem::path dir_;
  std::string ledger_;
  std::map<std::string, std::string> tokens_;
  testing::ClientTls tls_;
  consilium::testing::ServeProcess serve_;
  uint16_t port_ = 0;
  std::string validation_;
};

constexpr const char* kDistribution = "/v1/records/{id}/distribution";

TEST_F(ReadRoutesProcessTest, AnalyticsRoutesAnswerTheCliDocuments) {
  // An admin sees annotator ids; the document is the CLI's at that position.
  testing::HttpReply d =
      Get("admin", "/v1/records/rec-0004/distribution", kDistribution);
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(d.headers["content-type"], "application/json");
  EXPECT_NE(d.body.find("\"dr-ada\""), std::string::npos);
  EXPECT_EQ(d.body, Cli("distribution --json --data " + ledger_ +
                        " --record rec-0004 --as-of " +
                        std::to_string(AsOfSeq(d.body))));
  // A researcher sees pseudonyms only, annotation ids included.
  testing::HttpReply r =
      Get("res", "/v1/records/rec-0004/distribution?purpose=model+audit",
          kDistribution);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("dr-"), std::string::npos) << r.body;
  EXPECT_EQ(r.body, Cli("distribution --json --pseudonyms --data " + ledger_ +
                        " --record rec-0004 --as-of " +
                        std::to_string(AsOfSeq(r.body))));

  testing::HttpReply a = Get("res", "/v1/projects/icu/agreement?threshold=0.8",
                             "/v1/projects/{project}/agreement");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body.find("dr-"), std::string::npos);
  EXPECT_EQ(a.body,
            Cli("agreement --json --pseudonyms --threshold 0.8 "
                "--project icu --data " +
                ledger_ + " --as-of " + std::to_string(AsOfSeq(a.body))));
  testing::HttpReply c = Get("admin", "/v1/projects/icu/calibration",
                             "/v1/projects/{project}/calibration");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.body, Cli("calibration --json --project icu --data " + ledger_ +
                        " --as-of " + std::to_string(AsOfSeq(c.body))));
  testing::HttpReply cr = Get("res", "/v1/projects/icu/calibration",
                              "/v1/projects/{project}/calibration");
  ASSERT_EQ(cr.status, 200) << cr.body;
  EXPECT_EQ(cr.body.find("dr-"), std::string::npos);
  // as_of: the CLI's --as-of, same text.
  testing::HttpReply old = Get("admin", "/v1/projects/icu/agreement?as_of=20",
                               "/v1/projects/{project}/agreement");
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_EQ(old.body,
            Cli("agreement --json --project icu --as-of 20 --data " + ledger_));

  // Refusals and errors.
  EXPECT_EQ(
      Get("aud", "/v1/records/rec-0004/distribution", kDistribution).status,
      403);  // auditors see no record content
  EXPECT_EQ(
      Get("dr-ada", "/v1/records/rec-0004/distribution", kDistribution).status,
      403);  // blind: no annotator reads the distribution
  EXPECT_EQ(Get("dr-ada", "/v1/projects/icu/agreement",
                "/v1/projects/{project}/agreement")
                .status,
            403);
  EXPECT_EQ(
      Get("", "/v1/projects/icu/agreement", "/v1/projects/{project}/agreement")
          .status,
      401);
  EXPECT_EQ(
      Get("admin", "/v1/records/rec-9999/distribution", kDistribution).status,
      404);
  EXPECT_EQ(
      Get("res", "/v1/records/rec-9999/distribution", kDistribution).status,
      403);  // an unknown id tells a project-bound reader nothing
  testing::HttpReply bad = Get("admin", "/v1/projects/icu/agreement?treshold=1",
                               "/v1/projects/{project}/agreement");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("unknown query parameter \\\"treshold\\\""),
            std::string::npos)
      << bad.body;
  EXPECT_EQ(Get("admin", "/v1/projects/icu/agreement?as_of=999999",
                "/v1/projects/{project}/agreement")
                .status,
            400);  // OUT_OF_RANGE
  ExpectAllValidate();
}

TEST_F(ReadRoutesProcessTest, EachDistributionReadAppendsOneDurableAccess) {
  const uint64_t before = HeadSeq();
  testing::HttpReply d =
      Get("res", "/v1/records/rec-0002/distribution", kDistribution);
  ASSERT_EQ(d.status, 200) << d.body;
  // Exactly one event, the access, already on disk when the answer came.
  EXPECT_EQ(HeadSeq(), before + 1);
  EXPECT_EQ(AsOfSeq(d.body), before + 1);
  boost::json::value page =
      boost::json::parse(Cli("events --metadata --data " + ledger_ +
                             " --from " + std::to_string(before + 1)));
  const boost::json::array& events = page.at("events").as_array();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type"), "AccessRecorded");
  EXPECT_EQ(events[0].at("actor"), "res");
  EXPECT_EQ(events[0].at("record_id"), "rec-0002");
  // Aggregates and refusals of the read routes append nothing themselves
  // (denied accesses are the server's denial hook's).
  Get("res", "/v1/projects/icu/agreement", "/v1/projects/{project}/agreement");
  EXPECT_EQ(HeadSeq(), before + 1);

  // The auditor finds it in the access history, as the CLI lists it.
  testing::HttpReply h =
      Get("aud", "/v1/audit/access?record=rec-0002&from=2020-01-01T00:00:00Z",
          "/v1/audit/access");
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_EQ(h.body, Cli("access --json --record rec-0002 --data " + ledger_));
  EXPECT_NE(h.body.find("\"actor\": \"res\""), std::string::npos) << h.body;
  testing::HttpReply p =
      Get("aud", "/v1/audit/access?principal=res", "/v1/audit/access");
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.body, Cli("access --json --principal res --data " + ledger_));
  EXPECT_EQ(Get("aud", "/v1/audit/access", "/v1/audit/access").status, 400);
  EXPECT_EQ(Get("aud", "/v1/audit/access?record=rec-0002&to=yesterday",
                "/v1/audit/access")
                .status,
            400);
  EXPECT_EQ(
      Get("res", "/v1/audit/access?principal=res", "/v1/audit/access").status,
      403);
  ExpectAllValidate();
}

TEST_F(ReadRoutesProcessTest, LedgerRoutesServeWhatAnAuditorVerifies) {
  testing::HttpReply head = Get("aud", "/v1/ledger/head", "/v1/ledger/head");
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(head.body, Cli("head --data " + ledger_));
  testing::HttpReply page =
      Get("aud", "/v1/ledger/events?from=3&limit=5", "/v1/ledger/events");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body,
            Cli("events --metadata --from 3 --limit 5 --data " + ledger_));
  EXPECT_EQ(page.body.find("\"text\""), std::string::npos);  // no bodies
  EXPECT_EQ(
      Get("aud", "/v1/ledger/events?limit=1001", "/v1/ledger/events").status,
      400);

  // No checkpoint signed yet: the verifier key is null, the server does not
  // announce its configured key before it has signed with it.
  testing::HttpReply none =
      Get("aud", "/v1/ledger/verifier-key", "/v1/ledger/verifier-key");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.body, "{\"verifier_key\":null,\"key_id\":null}\n");

  // The checkpoint, signed by the server at the head, and an inclusion
  // proof against it: `consilium audit verify` accepts both.
  testing::HttpReply cp =
      Get("aud", "/v1/ledger/checkpoint", "/v1/ledger/checkpoint");
  ASSERT_EQ(cp.status, 200) << cp.body;
  EXPECT_EQ(cp.headers["content-type"], "text/plain; charset=utf-8");
  const uint64_t size = HeadSeq();
  EXPECT_NE(cp.body.find("\n" + std::to_string(size) + "\n"), std::string::npos)
      << cp.body;
  std::ofstream(dir_ / "cp.note") << cp.body;
  testing::HttpReply inc = Get(
      "aud", "/v1/ledger/proofs/inclusion?seq=7&size=" + std::to_string(size),
      "/v1/ledger/proofs/inclusion");
  ASSERT_EQ(inc.status, 200) << inc.body;
  EXPECT_EQ(inc.body, Cli("proof inclusion --seq 7 --size " +
                          std::to_string(size) + " --data " + ledger_));
  std::ofstream(dir_ / "inc.json") << inc.body;
  Cli("event --raw --seq 7 --data " + ledger_ + " > " + (dir_ / "e7").string());
  int rc = 0;
  std::string verified = RunShell(
      ConsiliumBin() + " audit verify --vkey " + (dir_ / "vkey").string() +
          " --checkpoint " + (dir_ / "cp.note").string() + " --proof " +
          (dir_ / "inc.json").string() + " --event " + (dir_ / "e7").string(),
      &rc);
  EXPECT_EQ(rc, 0) << verified;
  testing::HttpReply cons = Get("aud", "/v1/ledger/proofs/consistency?from=5",
                                "/v1/ledger/proofs/consistency");
  ASSERT_EQ(cons.status, 200);
  EXPECT_EQ(cons.body, Cli("proof consistency --from 5 --data " + ledger_));
  // The key the server signed with is the one `consilium keygen` printed,
  // and its key id is the one in the checkpoint's signature line.
  testing::HttpReply vk =
      Get("aud", "/v1/ledger/verifier-key", "/v1/ledger/verifier-key");
  ASSERT_EQ(vk.status, 200) << vk.body;
  std::string printed;
  std::getline(std::ifstream(dir_ / "vkey"), printed);  // keygen's output
  const boost::json::object key = boost::json::parse(vk.body).as_object();
  EXPECT_EQ(key.at("verifier_key").as_string(), printed);
  const std::string key_id(key.at("key_id").as_string());
  EXPECT_EQ(key_id.size(), 8u);
  EXPECT_NE(printed.find("+" + key_id + "+"), std::string::npos) << printed;
  // The auditor's `audit verify` with the served key accepts the checkpoint.
  std::ofstream(dir_ / "served.vkey") << printed << "\n";
  RunShell(ConsiliumBin() + " audit verify --vkey " +
               (dir_ / "served.vkey").string() + " --checkpoint " +
               (dir_ / "cp.note").string(),
           &rc);
  EXPECT_EQ(rc, 0);

  // The same checkpoint again while nothing was appended.
  EXPECT_EQ(Get("aud", "/v1/ledger/checkpoint", "/v1/ledger/checkpoint").body,
            cp.body);

  EXPECT_EQ(
      Get("aud", "/v1/ledger/proofs/inclusion", "/v1/ledger/proofs/inclusion")
          .status,
      400);  // seq is required
  EXPECT_EQ(Get("aud", "/v1/ledger/proofs/inclusion?seq=9999",
                "/v1/ledger/proofs/inclusion")
                .status,
            400);  // beyond the tree
  EXPECT_EQ(Get("res", "/v1/ledger/head", "/v1/ledger/head").status, 403);
  EXPECT_EQ(
      Get("dr-ada", "/v1/ledger/checkpoint", "/v1/ledger/checkpoint").status,
      403);
  EXPECT_EQ(Get("dr-ada", "/v1/ledger/verifier-key", "/v1/ledger/verifier-key")
                .status,
            403);
  EXPECT_EQ(
      Get("", "/v1/ledger/verifier-key", "/v1/ledger/verifier-key").status,
      401);
  EXPECT_EQ(Get("aud", "/v1/ledger/verifier-key?x=1", "/v1/ledger/verifier-key")
                .status,
            400);
  ExpectAllValidate();
}

constexpr const char* kReport = "/v1/projects/{project}/report";

// The report route: the page `consilium report --out` writes and the
// document `report --json` prints, byte for byte at the position the report
// states; a researcher's by pseudonym; one access event per report served,
// durable before the answer; bad parameters append nothing.
TEST_F(ReadRoutesProcessTest, ReportRouteServesTheCliReport) {
  uint64_t before = HeadSeq();
  testing::HttpReply html =
      Get("admin", "/v1/projects/icu/report?replicates=40&seed=7", kReport);
  ASSERT_EQ(html.status, 200) << html.body;
  EXPECT_EQ(html.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(html.headers["content-security-policy"],
            "default-src 'none'; style-src 'unsafe-inline'");
  // The report reflects the head before its own access event, which is
  // already on disk when the answer came.
  EXPECT_EQ(HeadSeq(), before + 1);
  const std::string page = (dir_ / "report.html").string();
  Cli("report --project icu --replicates 40 --seed 7 --as-of " +
      std::to_string(before) + " --out " + page + " --data " + ledger_);
  std::ifstream in(page, std::ios::binary);
  const std::string cli_page((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  EXPECT_EQ(html.body, cli_page);
  EXPECT_NE(html.body.find("dr-ada"), std::string::npos);  // an admin's
  boost::json::value page_events =
      boost::json::parse(Cli("events --metadata --data " + ledger_ +
                             " --from " + std::to_string(before + 1)));
  const boost::json::array& events = page_events.at("events").as_array();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("type"), "AccessRecorded");
  EXPECT_EQ(events[0].at("actor"), "admin");
  testing::HttpReply h =
      Get("aud", "/v1/audit/access?principal=admin", "/v1/audit/access");
  ASSERT_EQ(h.status, 200) << h.body;
  EXPECT_NE(h.body.find("\"read_report\""), std::string::npos) << h.body;

  // A researcher: the JSON figures by pseudonym, as --pseudonyms prints
  // them; as_of pins the position.
  testing::HttpReply j =
      Get("res", "/v1/projects/icu/report?format=json&replicates=40", kReport);
  ASSERT_EQ(j.status, 200) << j.body;
  EXPECT_EQ(j.headers["content-type"], "application/json");
  EXPECT_EQ(j.body.find("dr-"), std::string::npos) << j.body;
  EXPECT_EQ(j.body,
            Cli("report --json --pseudonyms --project icu "
                "--replicates 40 --data " +
                ledger_ + " --as-of " + std::to_string(AsOfSeq(j.body))));
  const std::string first = std::to_string(AsOfSeq(j.body) - 1);
  testing::HttpReply old = Get(
      "res", "/v1/projects/icu/report?format=json&replicates=40&as_of=" + first,
      kReport);
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_EQ(std::to_string(AsOfSeq(old.body)), first);
  EXPECT_EQ(old.body, Cli("report --json --pseudonyms --project icu "
                          "--replicates 40 --as-of " +
                          first + " --data " + ledger_));
  // Before the first annotation there is nothing to report: the CLI's
  // error, 400.
  testing::HttpReply early =
      Get("res", "/v1/projects/icu/report?as_of=20", kReport);
  EXPECT_EQ(early.status, 400);
  EXPECT_NE(early.body.find("has no human annotations"), std::string::npos)
      << early.body;

  // Refused and bad requests append no access of their own (a refusal is
  // the denial hook's one denied access).
  before = HeadSeq();
  for (const char* query :
       {"?replicates=0", "?replicates=100001", "?format=pdf", "?seed=-1",
        "?sed=1", "?as_of=999999"}) {
    testing::HttpReply bad =
        Get("admin", std::string("/v1/projects/icu/report") + query, kReport);
    EXPECT_EQ(bad.status, 400) << query << ": " << bad.body;
  }
  EXPECT_EQ(Get("admin", "/v1/projects/nope/report", kReport).status, 404);
  EXPECT_EQ(HeadSeq(), before);
  EXPECT_EQ(Get("aud", "/v1/projects/icu/report", kReport).status, 403);
  EXPECT_EQ(Get("dr-ada", "/v1/projects/icu/report", kReport).status, 403);
  EXPECT_EQ(Get("res", "/v1/projects/nope/report", kReport).status, 403);
  EXPECT_EQ(Get("", "/v1/projects/icu/report", kReport).status, 401);
  EXPECT_EQ(HeadSeq(), before + 4);  // the four denials, recorded
  ExpectAllValidate();
}

}  // namespace
}  // namespace consilium::api
