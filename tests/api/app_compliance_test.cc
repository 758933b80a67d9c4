// No record content in logs (issue 20, docs/encryption.md): a real `consilium
// serve` on an encrypted ledger imports records over HTTP, serves them back
// decrypted, answers a run of errors (duplicate import, bad record lines,
// unknown records, no token, bad JSON), then the CLI shreds a subject and is
// asked for the shredded content; none of the imported strings appears on
// the server's stdout or stderr, nor on the CLI's error output.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/api/serve_fixture.h"

namespace consilium::api::testing {
namespace {

const std::vector<std::string> kSecrets = {
    "Hieronymus Vandersloot", "555-867-5309-XQ", "Glimmerwick Lane"};

class ComplianceLogTest : public ServeFixture {
 protected:
  void SetUp() override {
    ServeFixture::SetUp();
    kek_ = (dir_ / "kek").string();
    int rc = 0;
    std::string out =
        consilium::testing::RunConsilium("kek new --out " + kek_, &rc);
    ASSERT_EQ(rc, 0) << out;
    Cli("kek init --kek " + kek_);
    setenv("CONSILIUM_KEK_FILE", kek_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("CONSILIUM_KEK_FILE");
    ServeFixture::TearDown();
  }
  std::string kek_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(ComplianceLogTest, NoImportedStringInTheServerOrCliLogs) {
  Cli("project create --id p1 --name P");
  const std::string root = AddUser("root", "--role admin");
  stderr_file_ = (dir_ / "serve.stderr").string();
  Start();
  const std::string records =
      R"({"records":[{"id":"rec-1","subject":"s-1","text":"Seen with )" +
      kSecrets[0] + R"( at home, phone )" + kSecrets[1] +
      R"("},{"id":"rec-2","subject":"s-2","text":"lives on )" + kSecrets[2] +
      R"("}]})";
  HttpReply r = Call("POST", "/v1/projects/p1/records", root, records);
  ASSERT_EQ(r.status, 201) << r.body;
  r = Call("GET", "/v1/records/rec-1", root);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(kSecrets[0]), std::string::npos) << r.body;
  // Errors, each with the strings in its input.
  r = Call("POST", "/v1/projects/p1/records", root, records);
  EXPECT_EQ(r.status, 400) << r.body;  // already imported
  r = Call("POST", "/v1/projects/p1/records", root,
           R"({"records":[{"id":"bad id!","text":")" + kSecrets[0] + R"("}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  r = Call("POST", "/v1/projects/p1/records", root,
           R"({"records":[{"id":"rec-5","text":")" + kSecrets[1] +
               R"(","extra":")" + kSecrets[2] + R"("}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  r = Call("POST", "/v1/projects/nope/records", root, records);
  EXPECT_GE(r.status, 400) << r.body;
  r = Call("POST", "/v1/projects/p1/records", "", records);
  EXPECT_EQ(r.status, 401) << r.body;
  r = Call("GET", "/v1/records/missing", root);
  EXPECT_GE(r.status, 400) << r.body;
  Stop();

  // The CLI: shred one subject, then ask for its content and import again.
  int rc = 0;
  const std::string cli_err = (dir_ / "cli.stderr").string();
  const std::string bin = consilium::testing::ConsiliumBin();
  consilium::testing::RunShell(
      bin + " shred --data " + Ledger() +
          " --subject s-1 --reason 'erasure' --actor root >/dev/null 2>>" +
          cli_err,
      &rc, false);
  EXPECT_EQ(rc, 0) << Slurp(cli_err);
  // Its answer, stdout and stderr, goes into the scanned log too (RunShell
  // appends its own redirection of stderr: to stdout here, the file).
  consilium::testing::RunShell(
      bin + " record show rec-1 --data " + Ledger() + " >>" + cli_err, &rc,
      true);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(Slurp(cli_err).find("shredded"), std::string::npos)
      << Slurp(cli_err);
  const std::string file = WriteFile(
      "again.jsonl", R"({"id":"rec-1","text":")" + kSecrets[0] + "\"}\n");
  consilium::testing::RunShell(bin + " import records " + file + " --data " +
                                   Ledger() + " --project p1 2>>" + cli_err,
                               &rc, false);
  EXPECT_EQ(rc, 1);

  const std::string logs =
      serve_.ReadUntil("\x01", std::chrono::milliseconds(200)) +
      Slurp(stderr_file_) + Slurp(cli_err);
  for (const std::string& secret : kSecrets) {
    EXPECT_EQ(logs.find(secret), std::string::npos)
        << secret << " in the logs:\n"
        << logs;
  }
  // And the logs are there: the server wrote its lines.
  EXPECT_NE(logs.find("listening on"), std::string::npos) << logs;
}

}  // namespace
}  // namespace consilium::api::testing
