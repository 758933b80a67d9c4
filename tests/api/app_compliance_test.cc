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
#include <tuple>
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

// Annotation free text on an encrypted ledger (docs/encryption.md,
// "Annotation free text"): sealed at rest (no file of the data directory
// holds it, while the labels stay readable to the projections), served
// whole to who may read the annotation, and gone after its subject's key is
// shredded while the labels stay; another subject's annotation keeps its
// text.
TEST_F(ComplianceLogTest, AnnotationFreeTextIsSealedServedAndShredded) {
  const std::string kReason = "Zephyrine-Tollgate reasoning";
  const std::string kOther = "Marchpane-Ottoline reasoning";
  Cli("project create --id p1 --name P");
  Cli("schema publish " +
      WriteFile("note.json",
                R"({"id":"note","version":1,"title":"Note","fields":[)"
                R"({"name":"dx","type":"categorical","layer":"interpretive",)"
                R"("required":true,)"
                R"("categories":["a","b"]},)"
                R"({"name":"why","type":"text","layer":"interpretive",)"
                R"("required":true}]})"));
  // "admin": the CLI's default actor, so the commands below act as it.
  const std::string root = AddUser("admin", "--role admin");
  const std::string dr = AddUser("dr-a", "--role annotator --project p1");
  Cli("import records " +
      WriteFile("r.jsonl",
                "{\"id\":\"rec-1\",\"subject\":\"s-1\",\"text\":\"a\"}\n"
                "{\"id\":\"rec-2\",\"subject\":\"s-2\",\"text\":\"b\"}\n") +
      " --project p1");
  for (const char* r : {"rec-1", "rec-2"})
    Cli(std::string("assign --project p1 --record ") + r + " --annotator dr-a");
  stderr_file_ = (dir_ / "serve.stderr").string();
  Start();
  for (const auto& [id, record, why] :
       {std::tuple{"an-1", "rec-1", kReason}, {"an-2", "rec-2", kOther}}) {
    HttpReply r =
        Call("POST", "/v1/annotations", dr,
             std::string(R"({"annotation_id":")") + id + R"(","record":")" +
                 record + R"(","schema":"note@1","values":{"dx":"a","why":")" +
                 why + R"("}})");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  HttpReply r = Call("GET", "/v1/annotations/an-1", dr);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(kReason), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("free_text_shredded"), std::string::npos) << r.body;
  Stop();

  // At rest: the labels plain, the text nowhere in the data directory.
  const std::string events = Cli("events");
  EXPECT_NE(events.find("\"free_text_sealed\""), std::string::npos) << events;
  EXPECT_NE(events.find("\"dx\":\"a\""), std::string::npos) << events;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(Ledger())) {
    if (!e.is_regular_file()) continue;
    const std::string bytes = Slurp(e.path().string());
    EXPECT_EQ(bytes.find("Zephyrine"), std::string::npos) << e.path();
    EXPECT_EQ(bytes.find("Marchpane"), std::string::npos) << e.path();
  }

  Cli("shred --subject s-1 --reason erasure");
  Start();
  r = Call("GET", "/v1/annotations/an-1", root);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("Zephyrine"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"free_text_shredded\":true"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\"dx\":\"a\""), std::string::npos) << r.body;
  r = Call("GET", "/v1/annotations/an-2", root);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(kOther), std::string::npos) << r.body;
  Stop();
  const std::string logs = Slurp(stderr_file_);
  EXPECT_EQ(logs.find("Zephyrine"), std::string::npos) << logs;
  EXPECT_EQ(logs.find("Marchpane"), std::string::npos) << logs;
}

}  // namespace
}  // namespace consilium::api::testing
