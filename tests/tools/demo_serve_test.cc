// `consilium demo` then `consilium serve` on its ledger: serve prints the
// URL, one token per role and three curl lines, and what they ask works:
// /healthz, /v1/whoami with the printed token (which signs in as its
// principal), /v1/openapi.json. The requests go through the api tests'
// client (tests/api/test_client.h), not curl.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/api/test_client.h"
#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

using namespace std::chrono_literals;

class DemoServe : public ::testing::Test {
 protected:
  ~DemoServe() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }

  void Spawn(std::vector<std::string> args) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::string bin = testing::ConsiliumBin();
      std::vector<char*> argv = {bin.data()};
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }

  std::string ReadUntil(const std::string& want,
                        std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (printed_.find(want) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[512];
      ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) break;
      printed_.append(buf, static_cast<size_t>(n));
    }
    return printed_;
  }

  testing::TempDir tmp_;
  pid_t pid_ = -1;
  int out_ = -1;
  std::string printed_;
};

TEST_F(DemoServe, ServePrintsATokenPerRoleAndTheCurlLinesWork) {
  const std::string dir = tmp_.Sub("demo");
  int code = 0;
  std::string out =
      testing::RunConsilium("demo --data " + dir + " --seed 3", &code);
  ASSERT_EQ(code, 0) << out;
  Spawn({"serve", "--data", dir, "--listen", "127.0.0.1:0"});
  std::string printed = ReadUntil("/v1/openapi.json\n", 20s);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      printed, m, std::regex("listening on http://127\\.0\\.0\\.1:(\\d+)")))
      << printed;
  const uint16_t port = static_cast<uint16_t>(std::stoi(m[1]));
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
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace consilium
