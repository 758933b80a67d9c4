// `consilium serve` as a process: the built binary on an ephemeral port,
// /healthz over plain HTTP and TLS, /v1/whoami with a token `consilium user
// add` printed, then SIGTERM and its exit code.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/api/test_client.h"
#include "tests/testing/paths.h"

namespace consilium::api {
namespace {

using namespace std::chrono_literals;

class ServeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("consilium_serve_test_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    int rc = 0;
    std::string out = consilium::testing::RunShell(
        consilium::testing::ConsiliumBin() + " init --data " +
            (dir_ / "ledger").string(),
        &rc);
    ASSERT_EQ(rc, 0) << out;
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
    std::filesystem::remove_all(dir_);
  }

  // Starts `consilium serve ARGS...` with stdout on a pipe.
  void Spawn(std::vector<std::string> args) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::string bin = consilium::testing::ConsiliumBin();
      std::vector<char*> argv = {bin.data()};
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }

  // What the child printed until `want` appeared or `limit` passed.
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

  // The exit status of the child, or -1 when it is still running after
  // `limit`.
  int WaitExit(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int out_ = -1;
  std::string printed_;
};

TEST_F(ServeProcessTest, ServesPlainAndTlsThenExitsZeroOnSigterm) {
  int rc = 0;
  std::string added = consilium::testing::RunShell(
      consilium::testing::ConsiliumBin() + " user add root --role admin " +
          "--data " + (dir_ / "ledger").string(),
      &rc);
  ASSERT_EQ(rc, 0) << added;
  // The token is the last line printed.
  size_t token_at = added.rfind("\ncsl_");
  ASSERT_NE(token_at, std::string::npos) << added;
  std::string token = added.substr(token_at + 1);
  token.erase(token.find_last_not_of('\n') + 1);
  StatusOr<testing::CertFiles> cert =
      testing::MakeSelfSignedCert(dir_.string());
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  Spawn({"serve", "--data", (dir_ / "ledger").string(), "--listen",
         "127.0.0.1:0", "--tls-cert", cert->cert, "--tls-key", cert->key});
  const std::string prefix = "listening on https://127.0.0.1:";
  std::string out = ReadUntil("\n", 20s);
  size_t at = out.find(prefix);
  ASSERT_NE(at, std::string::npos) << out;
  int port = std::stoi(out.substr(at + prefix.size()));
  ASSERT_GT(port, 0);

  StatusOr<testing::HttpReply> plain =
      testing::Fetch(static_cast<uint16_t>(port), {.target = "/healthz"});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->status, 200);
  StatusOr<testing::HttpReply> tls =
      testing::Fetch(static_cast<uint16_t>(port), {.target = "/healthz"},
                     {.enabled = true, .ca_file = cert->cert});
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(tls->status, 200);
  EXPECT_EQ(tls->body, "{\"status\":\"ok\"}\n");
  StatusOr<testing::HttpReply> whoami =
      testing::Fetch(static_cast<uint16_t>(port),
                     {.target = "/v1/whoami",
                      .headers = {{"Authorization", "Bearer " + token}}},
                     {.enabled = true, .ca_file = cert->cert});
  ASSERT_TRUE(whoami.ok()) << whoami.status().ToString();
  EXPECT_EQ(whoami->status, 200) << whoami->body;
  EXPECT_EQ(whoami->body, "{\"principal\":\"root\",\"roles\":[\"admin\"]}\n");

  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  EXPECT_EQ(WaitExit(15s), 0);
  EXPECT_NE(ReadUntil("stopped", 1s).find("consilium serve: stopped"),
            std::string::npos);
}

TEST_F(ServeProcessTest, RefusesTlsCertWithoutKeyWithExitCode2) {
  Spawn({"serve", "--data", (dir_ / "ledger").string(), "--tls-cert",
         (dir_ / "cert.pem").string()});
  EXPECT_EQ(WaitExit(15s), 2);
}

}  // namespace
}  // namespace consilium::api
