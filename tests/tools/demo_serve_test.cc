// `consilium demo` then `consilium serve` on its ledger: serve prints the
// URL, one token per role and three curl lines, and what they ask works:
// /healthz, /v1/whoami with the printed token (which signs in as its
// principal), /v1/openapi.json; and the researcher's token reads the
// project's report, the CLI's pseudonymized one. The requests go through the
// api tests' client (tests/api/test_client.h), not curl.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "tests/api/test_client.h"
#include "tests/testing/paths.h"
#include "tests/testing/serve_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/tools/demo_ledgers.h"

namespace consilium {
namespace {

using namespace std::chrono_literals;

class DemoServe : public ::testing::Test {
 protected:
  testing::TempDir tmp_;
  testing::ServeProcess serve_;
};

TEST_F(DemoServe, ServePrintsATokenPerRoleAndTheCurlLinesWork) {
  const std::string dir = tmp_.Sub("demo");
  int code = 0;
  std::string out =
      testing::RunConsilium("demo --data " + dir + " --seed 3", &code);
  ASSERT_EQ(code, 0) << out;
  const uint16_t port =
      serve_.StartServe({"--data", dir, "--listen", "127.0.0.1:0"}, 20s);
  ASSERT_NE(port, 0) << serve_.printed();
  const std::string printed = serve_.ReadUntil("/v1/openapi.json\n", 20s);
  EXPECT_NE(
      printed.find("listening on http://127.0.0.1:" + std::to_string(port)),
      std::string::npos)
      << printed;
  std::smatch m;
  for (const std::string role :
       {"admin", "annotator", "adjudicator", "auditor", "researcher"}) {
    EXPECT_TRUE(std::regex_search(
        printed, std::regex("\n  " + role + "\t[a-z-]+\tcsl_[A-Za-z0-9_-]+\n")))
        << role << "\n"
        << printed;
  }
  // The three curl lines, as the client sends them.
  std::regex curl_line(
      "\n  curl (?:-H 'Authorization: Bearer (csl_[^']+)' )?"
      "http://127\\.0\\.0\\.1:\\d+(/[a-z0-9/._]+)");
  std::vector<api::testing::HttpCall> calls;
  for (std::sregex_iterator it(printed.begin(), printed.end(), curl_line), end;
       it != end; ++it) {
    api::testing::HttpCall call;
    call.target = (*it)[2];
    if ((*it)[1].matched)
      call.headers.push_back({"Authorization", "Bearer " + (*it)[1].str()});
    calls.push_back(call);
  }
  ASSERT_EQ(calls.size(), 3u) << printed;
  for (const api::testing::HttpCall& call : calls) {
    StatusOr<api::testing::HttpReply> reply = api::testing::Fetch(port, call);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->status, 200) << call.target << ": " << reply->body;
    if (call.target == "/v1/whoami") {
      EXPECT_NE(reply->body.find("\"principal\":\"admin\""), std::string::npos)
          << reply->body;
    }
  }
  // An annotator's and the adjudicator's printed tokens sign in as those
  // physicians, with their roles in the demo project.
  for (const std::string role : {"annotator", "adjudicator"}) {
    ASSERT_TRUE(std::regex_search(
        printed, m,
        std::regex("\n  " + role + "\t([a-z-]+)\t(csl_[A-Za-z0-9_-]+)")))
        << role;
    StatusOr<api::testing::HttpReply> who = api::testing::Fetch(
        port, {.target = "/v1/whoami",
               .headers = {{"Authorization", "Bearer " + m[2].str()}}});
    ASSERT_TRUE(who.ok());
    EXPECT_NE(who->body.find("\"principal\":\"" + m[1].str() + "\""),
              std::string::npos)
        << who->body;
    const size_t roles = who->body.find("\"roles\"");
    ASSERT_NE(roles, std::string::npos) << who->body;
    EXPECT_NE(who->body.find(role, roles), std::string::npos) << who->body;
  }
  // The researcher's report: the CLI's pseudonymized figures at the
  // position the report states, no physician named.
  ASSERT_TRUE(std::regex_search(
      printed, m, std::regex("\n  researcher\t[a-z-]+\t(csl_[A-Za-z0-9_-]+)")));
  StatusOr<api::testing::HttpReply> report = api::testing::Fetch(
      port, {.target = "/v1/projects/dyspnoea-dx/report?format=json&"
                       "replicates=20",
             .headers = {{"Authorization", "Bearer " + m[1].str()}}});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->status, 200) << report->body;
  EXPECT_EQ(report->body.find("\"dr-"), std::string::npos);
  const uint64_t at =
      testing::ParseJson(report->body).at("as_of_seq").to_number<uint64_t>();
  EXPECT_EQ(report->body,
            testing::RunConsilium("report --json --pseudonyms --project "
                                  "dyspnoea-dx --replicates 20 --as-of " +
                                      std::to_string(at) + " --data " + dir,
                                  &code, /*with_stderr=*/false));
  ASSERT_TRUE(serve_.Signal(SIGTERM));
  EXPECT_EQ(serve_.WaitExit(15s), 0);
}

}  // namespace
}  // namespace consilium
