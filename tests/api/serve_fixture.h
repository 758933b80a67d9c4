// A real `consilium serve` process for the application tests: a fresh
// ledger prepared with the CLI, the server spawned on an ephemeral port
// (TLS and plain on the same port), requests through the Beast test client,
// SIGTERM, and the ledger's events read back with `consilium events` once
// the server has stopped. Every response Call receives is validated against
// api/openapi.json (tests/api/validate_response.py) when the test ends.
#ifndef CONSILIUM_TESTS_API_SERVE_FIXTURE_H_
#define CONSILIUM_TESTS_API_SERVE_FIXTURE_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/api/test_client.h"
#include "tests/testing/paths.h"

namespace consilium::api::testing {

class ServeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("consilium_app_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Cli("init");
  }
  void TearDown() override {
    ExpectResponsesValidate();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
    std::filesystem::remove_all(dir_);
  }

  std::string Ledger() const { return (dir_ / "ledger").string(); }

  // Runs `consilium ARGS --data LEDGER`; fails the test unless it exits 0.
  std::string Cli(const std::string& args) {
    int rc = 0;
    std::string out = consilium::testing::RunShell(
        consilium::testing::ConsiliumBin() + " " + args + " --data " + Ledger(),
        &rc, /*with_stderr=*/false);
    EXPECT_EQ(rc, 0) << args << "\n" << out;
    return out;
  }
  // `consilium user add NAME ROLE_ARGS`: the token it printed.
  std::string AddUser(const std::string& name, const std::string& role_args) {
    std::string out = Cli("user add " + name + " " + role_args);
    size_t at = out.rfind("\ncsl_");
    EXPECT_NE(at, std::string::npos) << out;
    if (at == std::string::npos) return "";
    std::string token = out.substr(at + 1);
    token.erase(token.find_last_not_of('\n') + 1);
    return token;
  }
  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  // Starts the server with TLS; sets port_.
  void Start() {
    StatusOr<CertFiles> cert = MakeSelfSignedCert(dir_.string());
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    ca_ = cert->cert;
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      if (!stderr_file_.empty()) {  // a test that reads the server's log
        int err =
            open(stderr_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (err >= 0) dup2(err, STDERR_FILENO);
      }
      std::string bin = consilium::testing::ConsiliumBin();
      std::vector<std::string> args = {
          bin,           "serve",      "--data",   Ledger(),    "--listen",
          "127.0.0.1:0", "--tls-cert", cert->cert, "--tls-key", cert->key};
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
    const std::string prefix = "listening on https://127.0.0.1:";
    std::string out = ReadUntil("\n", std::chrono::seconds(20));
    size_t at = out.find(prefix);
    ASSERT_NE(at, std::string::npos) << out;
    port_ = static_cast<uint16_t>(std::stoi(out.substr(at + prefix.size())));
  }

  // SIGTERM; expects exit 0 within 15 s.
  void Stop() {
    ASSERT_GT(pid_, 0);
    ASSERT_EQ(kill(pid_, SIGTERM), 0);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        ASSERT_TRUE(WIFEXITED(status));
        EXPECT_EQ(WEXITSTATUS(status), 0);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL() << "consilium serve did not stop within 15 s";
  }

  // One request over TLS; `token` empty: no Authorization header.
  HttpReply Call(const std::string& method, const std::string& target,
                 const std::string& token, const std::string& body = "") {
    HttpCall call{.method = method, .target = target};
    if (!token.empty())
      call.headers.emplace_back("Authorization", "Bearer " + token);
    if (!body.empty()) {
      call.headers.emplace_back("Content-Type", "application/json");
      call.body = body;
    }
    StatusOr<HttpReply> r =
        Fetch(port_, call, {.enabled = true, .ca_file = ca_});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return HttpReply{};
    std::lock_guard<std::mutex> lock(responses_mu_);
    boost::json::object line;
    line["method"] = method;
    line["path"] = target;
    line["status"] = r->status;
    line["body"] = r->body;
    line["content_type"] = r->headers["content-type"];
    responses_ += boost::json::serialize(line) + "\n";
    return *r;
  }

  // Every response Call received so far against api/openapi.json (the
  // operation found from the request's path); run again at TearDown.
  void ExpectResponsesValidate() {
    std::string batch;
    {
      std::lock_guard<std::mutex> lock(responses_mu_);
      batch.swap(responses_);
    }
    if (batch.empty()) return;
    const std::filesystem::path file = dir_ / "responses.jsonl";
    std::ofstream(file) << batch;
    int rc = 0;
    std::string out = consilium::testing::RunShell(
        std::string("/usr/bin/python3 -W ignore::DeprecationWarning ") +
            CONSILIUM_SOURCE_DIR + "/tests/api/validate_response.py " +
            CONSILIUM_SOURCE_DIR + "/api/openapi.json --batch " + file.string(),
        &rc);
    EXPECT_EQ(rc, 0) << out;
  }

  // Every event of the ledger, as `consilium events` prints them (the
  // server must be stopped: it holds the ledger).
  std::vector<boost::json::object> Events() {
    std::vector<boost::json::object> out;
    std::string text = Cli("events");
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) {
        out.push_back(
            boost::json::parse(text.substr(start, end - start)).as_object());
      }
      start = end + 1;
    }
    return out;
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

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int out_ = -1;
  uint16_t port_ = 0;
  std::string ca_;
  std::string printed_;
  std::string stderr_file_;  // set before Start: the server's stderr goes there
  std::mutex responses_mu_;  // Call runs on several threads in some tests
  std::string responses_;    // JSON lines for validate_response.py
};

}  // namespace consilium::api::testing

#endif  // CONSILIUM_TESTS_API_SERVE_FIXTURE_H_
