// `consilium demo` then `consilium serve` on its ledger: serve prints the
// URL, one token per role and three curl lines, and what they ask works:
// /healthz, /v1/whoami with the printed token (which signs in as its
// principal), /v1/openapi.json; and the researcher's token reads the
// project's report, the CLI's pseudonymized one. The requests go through the
// api tests' client (tests/api/test_client.h), not curl.
#include <gtest/gtest.h>
#include <signal.h>

#include <cctype>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "tests/api/test_client.h"
#include "tests/testing/paths.h"
#include "tests/testing/serve_process.h"
#include "tests/testing/temp_dir.h"
#include "tests/tools/demo_ledgers.h"

namespace consilium {
namespace {

using namespace std::chrono_literals;

// The sign-in line serve prints for `role`: "\n  ROLE\tPRINCIPAL\tTOKEN\n",
// the principal lower-case letters and dashes, the token csl_ and URL-safe
// base64. {principal, token}, or empties when there is no such line. (No
// std::regex: GCC 12 warns inside <regex> under ASan, and -Werror.)
std::pair<std::string, std::string> TokenLine(const std::string& printed,
                                              const std::string& role) {
  const std::string start = "\n  " + role + "\t";
  const size_t at = printed.find(start);
  if (at == std::string::npos) return {};
  const size_t end = printed.find('\n', at + 1);
  if (end == std::string::npos) return {};
  const std::string line =
      printed.substr(at + start.size(), end - at - start.size());
  const size_t tab = line.find('\t');
  if (tab == std::string::npos || tab == 0) return {};
  std::string principal = line.substr(0, tab), token = line.substr(tab + 1);
  for (char c : principal)
    if (!(std::islower(static_cast<unsigned char>(c)) || c == '-')) return {};
  if (token.rfind("csl_", 0) != 0 || token.size() == 4) return {};
  for (char c : token)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
      return {};
  return {principal, token};
}

// The curl lines serve prints, "\n  curl [-H 'Authorization: Bearer T' ]
// http://127.0.0.1:PORT/PATH", as the calls they make.
std::vector<api::testing::HttpCall> CurlCalls(const std::string& printed) {
  std::vector<api::testing::HttpCall> calls;
  const std::string start = "\n  curl ";
  for (size_t at = printed.find(start); at != std::string::npos;
       at = printed.find(start, at + 1)) {
    size_t p = at + start.size();
    api::testing::HttpCall call;
    const std::string bearer = "-H 'Authorization: Bearer ";
    if (printed.compare(p, bearer.size(), bearer) == 0) {
      const size_t close = printed.find("' ", p + bearer.size());
      if (close == std::string::npos) continue;
      call.headers.push_back(
          {"Authorization",
           "Bearer " +
               printed.substr(p + bearer.size(), close - p - bearer.size())});
      p = close + 2;
    }
    const std::string host = "http://127.0.0.1:";
    if (printed.compare(p, host.size(), host) != 0) continue;
    p += host.size();
    const size_t digits = p;
    while (p < printed.size() &&
           std::isdigit(static_cast<unsigned char>(printed[p])))
      ++p;
    if (p == digits) continue;
    const size_t path = p;
    while (p < printed.size() &&
           (std::islower(static_cast<unsigned char>(printed[p])) ||
            std::isdigit(static_cast<unsigned char>(printed[p])) ||
            printed[p] == '/' || printed[p] == '.' || printed[p] == '_'))
      ++p;
    if (p == path || printed[path] != '/') continue;
    call.target = printed.substr(path, p - path);
    calls.push_back(call);
  }
  return calls;
}

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
  for (const std::string role :
       {"admin", "annotator", "adjudicator", "auditor", "researcher"}) {
    EXPECT_NE(TokenLine(printed, role).second, "") << role << "\n" << printed;
  }
  // The three curl lines, as the client sends them.
  const std::vector<api::testing::HttpCall> calls = CurlCalls(printed);
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
    const auto [principal, token] = TokenLine(printed, role);
    ASSERT_NE(token, "") << role;
    StatusOr<api::testing::HttpReply> who = api::testing::Fetch(
        port, {.target = "/v1/whoami",
               .headers = {{"Authorization", "Bearer " + token}}});
    ASSERT_TRUE(who.ok());
    EXPECT_NE(who->body.find("\"principal\":\"" + principal + "\""),
              std::string::npos)
        << who->body;
    const size_t roles = who->body.find("\"roles\"");
    ASSERT_NE(roles, std::string::npos) << who->body;
    EXPECT_NE(who->body.find(role, roles), std::string::npos) << who->body;
  }
  // The researcher's report: the CLI's pseudonymized figures at the
  // position the report states, no physician named.
  const std::string researcher = TokenLine(printed, "researcher").second;
  ASSERT_NE(researcher, "");
  StatusOr<api::testing::HttpReply> report = api::testing::Fetch(
      port, {.target = "/v1/projects/dyspnoea-dx/report?format=json&"
                       "replicates=20",
             .headers = {{"Authorization", "Bearer " + researcher}}});
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
