// A real `consilium serve` process for the application tests: a fresh
// ledger prepared with the CLI, the server spawned on an ephemeral port
// (TLS and plain on the same port), requests through the Beast test client,
// SIGTERM, and the ledger's events read back with `consilium events` once
// the server has stopped. Every response Call receives is validated against
// api/openapi.json (tests/api/validate_response.py) when the test ends.
#ifndef CONSILIUM_TESTS_API_SERVE_FIXTURE_H_
#define CONSILIUM_TESTS_API_SERVE_FIXTURE_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "tests/api/test_client.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/paths.h"
#include "tests/testing/serve_process.h"

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
    serve_.Reset();
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

  // Starts the server with TLS (again after Stop: a new process, a new
  // port); sets port_.
  void Start() {
    StatusOr<CertFiles> cert = MakeSelfSignedCert(dir_.string());
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    ca_ = cert->cert;
    serve_.set_stderr_file(stderr_file_);
    port_ =
        serve_.StartServe({"--data", Ledger(), "--listen", "127.0.0.1:0",
                           "--tls-cert", cert->cert, "--tls-key", cert->key});
    ASSERT_NE(port_, 0) << serve_.printed();
  }

  // SIGTERM; expects exit 0 within 15 s.
  void Stop() {
    ASSERT_TRUE(serve_.Signal(SIGTERM)) << "consilium serve is not running";
    const int code = serve_.WaitExit(std::chrono::seconds(15));
    ASSERT_NE(code, -1) << "consilium serve did not stop within 15 s";
    EXPECT_EQ(code, 0);
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
            ::consilium::testing::SourceDir() +
            "/tests/api/validate_response.py " +
            ::consilium::testing::SourceDir() + "/api/openapi.json --batch " +
            file.string(),
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

  std::filesystem::path dir_;
  consilium::testing::ServeProcess serve_;
  std::string stderr_file_;  // set before Start: the server's stderr goes there
  uint16_t port_ = 0;
  std::string ca_;
  std::mutex responses_mu_;  // Call runs on several threads in some tests
  std::string responses_;    // JSON lines for validate_response.py
};

}  // namespace consilium::api::testing

#endif  // CONSILIUM_TESTS_API_SERVE_FIXTURE_H_
