// The snapshot and backup routes against a real `consilium serve` process
// (api/snapshot_routes.h): a ledger prepared with the CLI (a Label Studio
// import gives it annotations), then, while a client keeps importing records
// through the server, a backup through POST /v1/admin/backup and a snapshot
// read through GET .../snapshots/{version}/data.jsonl and manifest.json.
// After the server stops: the served bytes are the CLI export's, byte for
// byte; the backup restores, verifies, and exports identically up to its
// head; the read was recorded as an access event.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/api/serve_fixture.h"
#include "tests/testing/build_paths.h"

namespace consilium::api {
namespace {

using testing::HttpReply;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SnapshotRoutesTest : public testing::ServeFixture {
 protected:
  // Project p with the Label Studio fixture imported, a researcher, an
  // annotator and a signing key; returns the head.
  uint64_t Prepare() {
    const std::string ls = ::consilium::testing::SourceDir() +
                           "/tests/dataset/fixtures/label-studio";
    admin_ = AddUser("admin", "--role admin");
    Cli("project create --id p --name Chest");
    for (const char* who : {"dr-ada", "dr-ben", "ls-user-7"})
      annotator_ = AddUser(who, "--role annotator --project p");
    researcher_ = AddUser("res", "--role researcher --project p");
    Cli("schema publish " + ls + "/schema.json");
    int rc = 0;
    consilium::testing::RunShell(
        consilium::testing::ConsiliumBin() + " import label-studio --data " +
            Ledger() + " --project p --mapping " + ls + "/mapping.json --in " +
            ls + "/export.json",
        &rc);
    EXPECT_EQ(rc, 1);  // two of the four fixture tasks are refused
    std::string dir = std::filesystem::path(Ledger()).parent_path().string();
    consilium::testing::RunShell(
        consilium::testing::ConsiliumBin() +
            " keygen --name consilium.test/log --out " + dir + "/log.key",
        &rc);
    EXPECT_EQ(rc, 0);
    Cli("configure --checkpoint-key " + dir + "/log.key");
    Cli("snapshot tag v1 --project p --as-of " + Head());
    return std::stoull(Head());
  }
  std::string Head() {
    std::string out = Cli("head");
    return std::to_string(
        boost::json::parse(out).as_object().at("seq").to_number<uint64_t>());
  }

  // Polls `done` until it holds or 120 s passed (a slow, busy machine).
  template <class Fn>
  static bool WaitFor(Fn done) {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  std::string admin_, annotator_, researcher_;
};

TEST_F(SnapshotRoutesTest, ServesTheCliBytesAndBacksUpUnderWriteLoad) {
  const uint64_t tagged = Prepare();
  Start();
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      if (t.joinable()) t.join();
    }
  };
  std::thread writer([&] {
    for (int i = 0; !stop.load(); ++i) {
      HttpReply r =
          Call("POST", "/v1/projects/p/records", admin_,
               R"({"records":[{"id":"load-)" + std::to_string(i) +
                   R"(","text":"note )" + std::to_string(i) + R"("}]})");
      if (r.status == 201) written.fetch_add(1);
      if (r.status == 0) return;  // the request failed (reported by Call)
    }
  });
  Join join{stop, writer};
  // The backup is taken while the writer appends (at least one import
  // before it and one after it).
  ASSERT_TRUE(WaitFor([&] { return written.load() >= 3; }));
  const std::string backup =
      (std::filesystem::path(Ledger()).parent_path() / "b").string();
  HttpReply b = Call("POST", "/v1/admin/backup", admin_,
                     R"({"out":")" + backup + R"("})");
  ASSERT_EQ(b.status, 200) << b.body;
  const int at_backup = written.load();
  uint64_t backup_seq = boost::json::parse(b.body)
                            .as_object()
                            .at("head")
                            .at("seq")
                            .to_number<uint64_t>();
  EXPECT_GT(backup_seq, tagged);
  EXPECT_EQ(
      Call("POST", "/v1/admin/backup", admin_, R"({"out":")" + backup + R"("})")
          .status,
      409);
  EXPECT_EQ(
      Call("POST", "/v1/admin/backup", researcher_, R"({"out":"/tmp/never"})")
          .status,
      403);

  HttpReply data =
      Call("GET", "/v1/projects/p/snapshots/v1/data.jsonl", researcher_);
  HttpReply manifest =
      Call("GET", "/v1/projects/p/snapshots/v1/manifest.json", researcher_);
  HttpReply by_seq =
      Call("GET",
           "/v1/projects/p/snapshots/" + std::to_string(tagged) + "/data.jsonl",
           researcher_);
  // An admin of the project is granted the record content; the researcher
  // gets content hashes (docs/snapshots.md, "From a running server").
  HttpReply full =
      Call("GET", "/v1/projects/p/snapshots/v1/data.jsonl", admin_);
  ASSERT_EQ(data.status, 200) << data.body;
  ASSERT_EQ(manifest.status, 200) << manifest.body;
  ASSERT_EQ(full.status, 200) << full.body;
  EXPECT_EQ(by_seq.body, data.body);
  EXPECT_EQ(
      Call("GET", "/v1/projects/p/snapshots/v1/data.jsonl", annotator_).status,
      403);
  EXPECT_EQ(Call("GET", "/v1/projects/p/snapshots/nope/data.jsonl", researcher_)
                .status,
            404);
  EXPECT_TRUE(WaitFor([&] { return written.load() >= at_backup + 3; }));
  stop = true;
  writer.join();
  Stop();

  // The CLI's exports of the same tag: the same bytes.
  const std::string base =
      std::filesystem::path(Ledger()).parent_path().string();
  Cli("snapshot export --project p --tag v1 --content hash --out " + base +
      "/cli");
  Cli("snapshot export --project p --tag v1 --out " + base + "/cli-full");
  EXPECT_EQ(Slurp(base + "/cli/data.jsonl"), data.body);
  EXPECT_EQ(Slurp(base + "/cli/manifest.json"), manifest.body);
  EXPECT_EQ(Slurp(base + "/cli-full/data.jsonl"), full.body);
  // The read was recorded (researcher, dataset p, export), allowed.
  int exports = 0;
  for (const boost::json::object& e : Events()) {
    std::string text = boost::json::serialize(e);
    if (text.find("AccessRecorded") != std::string::npos &&
        text.find("\"export\"") != std::string::npos &&
        text.find("\"res\"") != std::string::npos &&
        text.find("\"allowed\":true") != std::string::npos)
      ++exports;
  }
  EXPECT_EQ(exports, 2);  // by tag and by sequence number

  // The backup restores, verifies, and exports as the live ledger did at
  // its head, though the writer appended after it.
  int rc = 0;
  std::string out = consilium::testing::RunShell(
      consilium::testing::ConsiliumBin() + " restore " + backup + " --data " +
          base + "/restored",
      &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_GT(std::stoull(Head()), backup_seq);
  const std::string n = std::to_string(backup_seq);
  Cli("snapshot export --project p --as-of " + n + " --out " + base + "/live");
  out = consilium::testing::RunShell(
      consilium::testing::ConsiliumBin() +
          " snapshot export --project p --as-of " + n + " --data " + base +
          "/restored --out " + base + "/copy",
      &rc);
  ASSERT_EQ(rc, 0) << out;
  const std::string copy = Slurp(base + "/copy/data.jsonl");
  const std::string live = Slurp(base + "/live/data.jsonl");
  EXPECT_TRUE(copy == live)
      << "backup at " << n << "; restored head "
      << consilium::testing::RunShell(consilium::testing::ConsiliumBin() +
                                          " head --data " + base + "/restored",
                                      &rc)
      << "copy has " << std::count(copy.begin(), copy.end(), '\n')
      << " lines, live " << std::count(live.begin(), live.end(), '\n');
  EXPECT_FALSE(Slurp(base + "/live/data.jsonl").empty());
}

}  // namespace
}  // namespace consilium::api
