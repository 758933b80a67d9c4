// `consilium serve` as a process: the built binary on an ephemeral port,
// /healthz over plain HTTP and TLS, /v1/whoami with a token `consilium user
// add` printed, then SIGTERM and its exit code.
#include "tests/testing/serve_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

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
    serve_.Reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  consilium::testing::ServeProcess serve_;
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
  const uint16_t port = serve_.StartServe(
      {"--data", (dir_ / "ledger").string(), "--listen", "127.0.0.1:0",
       "--tls-cert", cert->cert, "--tls-key", cert->key},
      20s);
  ASSERT_GT(port, 0) << serve_.printed();
  EXPECT_NE(serve_.printed().find("listening on https://127.0.0.1:"),
            std::string::npos)
      << serve_.printed();

  StatusOr<testing::HttpReply> plain =
      testing::Fetch(port, {.target = "/healthz"});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->status, 200);
  StatusOr<testing::HttpReply> tls = testing::Fetch(
      port, {.target = "/healthz"}, {.enabled = true, .ca_file = cert->cert});
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_EQ(tls->status, 200);
  EXPECT_EQ(tls->body, "{\"status\":\"ok\"}\n");
  StatusOr<testing::HttpReply> whoami =
      testing::Fetch(port,
                     {.target = "/v1/whoami",
                      .headers = {{"Authorization", "Bearer " + token}}},
                     {.enabled = true, .ca_file = cert->cert});
  ASSERT_TRUE(whoami.ok()) << whoami.status().ToString();
  EXPECT_EQ(whoami->status, 200) << whoami->body;
  EXPECT_EQ(whoami->body, "{\"principal\":\"root\",\"roles\":[\"admin\"]}\n");

  ASSERT_TRUE(serve_.Signal(SIGTERM));
  EXPECT_EQ(serve_.WaitExit(15s), 0);
  EXPECT_NE(serve_.ReadUntil("stopped", 1s).find("consilium serve: stopped"),
            std::string::npos);
}

TEST_F(ServeProcessTest, RefusesTlsCertWithoutKeyWithExitCode2) {
  ASSERT_TRUE(serve_.Spawn({"serve", "--data", (dir_ / "ledger").string(),
                            "--tls-cert", (dir_ / "cert.pem").string()}));
  EXPECT_EQ(serve_.WaitExit(15s), 2);
}

}  // namespace
}  // namespace consilium::api
