// The dataset versions of a project from a real `consilium serve` process
// (api/snapshot_tag_routes.h): tags made through POST .../snapshots appear
// in GET .../snapshots (paged, tagger by pseudonym for a researcher), the
// rules and errors of both, and the record content the download routes give
// each reader (api/snapshot_routes.h: hashes for a researcher, the content
// for an admin of the project), byte for byte the CLI's export.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/api/serve_fixture.h"
#include "tests/testing/build_paths.h"

namespace consilium::api {
namespace {

using testing::HttpReply;
namespace json = boost::json;

constexpr char kSecret[] = "SECRETNOTE right basal crackles, CRP 180";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class SnapshotTagRoutesTest : public testing::ServeFixture {
 protected:
  // Projects p and q, a global admin, a researcher and an annotator of p, a
  // researcher of q, a checkpoint key; the server started.
  void SetUpServer() {
    admin_ = AddUser("admin", "--role admin");
    Cli("project create --id p --name Chest");
    Cli("project create --id q --name Other");
    researcher_ = AddUser("res", "--role researcher --project p");
    annotator_ = AddUser("ann", "--role annotator --project p");
    other_ = AddUser("res-q", "--role researcher --project q");
    const std::string dir =
        std::filesystem::path(Ledger()).parent_path().string();
    int rc = 0;
    consilium::testing::RunShell(
        consilium::testing::ConsiliumBin() +
            " keygen --name consilium.test/tags --out " + dir + "/log.key",
        &rc);
    ASSERT_EQ(rc, 0);
    Cli("configure --checkpoint-key " + dir + "/log.key");
    Start();
    HttpReply r = Call("POST", "/v1/projects/p/records", admin_,
                       std::string(R"({"records":[{"id":"rec-1","text":")") +
                           kSecret + R"("}]})");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  json::object List(const std::string& target, const std::string& token) {
    HttpReply r = Call("GET", target, token);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    if (r.status != 200) return {};
    return json::parse(r.body).as_object();
  }

  static std::string Code(const HttpReply& r) {
    json::value v = json::parse(r.body);
    return std::string(v.at("error").at("code").as_string());
  }

  std::string admin_, researcher_, annotator_, other_;
};

TEST_F(SnapshotTagRoutesTest, ATagAppearsInTheListAfterTagging) {
  SetUpServer();
  json::object before = List("/v1/projects/p/snapshots", researcher_);
  EXPECT_TRUE(before.at("tags").as_array().empty());
  EXPECT_TRUE(before.at("next_from").is_null());
  const uint64_t head = before.at("head_seq").to_number<uint64_t>();
  ASSERT_GT(head, 0u);

  HttpReply tag = Call("POST", "/v1/projects/p/snapshots", admin_,
                       R"({"name":"v1","as_of_seq":)" + std::to_string(head) +
                           R"(,"note":"first cut"})");
  ASSERT_EQ(tag.status, 201) << tag.body;
  json::object made = json::parse(tag.body).as_object();
  EXPECT_EQ(made.at("name"), "v1");
  EXPECT_EQ(made.at("tagged_by"), "admin");
  const uint64_t tag_seq = made.at("seq").to_number<uint64_t>();
  EXPECT_GT(tag_seq, head);

  // The researcher sees the tag, the tagger by pseudonym.
  json::object after = List("/v1/projects/p/snapshots", researcher_);
  ASSERT_EQ(after.at("tags").as_array().size(), 1u);
  json::object t = after.at("tags").as_array()[0].as_object();
  EXPECT_EQ(t.at("name"), "v1");
  EXPECT_EQ(t.at("as_of_seq").to_number<uint64_t>(), head);
  EXPECT_EQ(t.at("note"), "first cut");
  EXPECT_EQ(t.at("seq").to_number<uint64_t>(), tag_seq);
  EXPECT_EQ(t.at("version"), "v1");
  EXPECT_EQ(t.at("time"), made.at("time"));
  const std::string pseudonym(t.at("tagged_by").as_string());
  EXPECT_NE(pseudonym, "admin");
  EXPECT_GE(after.at("head_seq").to_number<uint64_t>(), tag_seq);
  // An admin sees the id.
  json::object as_admin = List("/v1/projects/p/snapshots", admin_);
  EXPECT_EQ(as_admin.at("tags").as_array()[0].at("tagged_by"), "admin");

  // A tag of another project is not p's; the tag is downloadable by name.
  ASSERT_EQ(
      Call("POST", "/v1/projects/q/snapshots", admin_, R"({"name":"q-v1"})")
          .status,
      201);
  EXPECT_EQ(List("/v1/projects/p/snapshots", researcher_)
                .at("tags")
                .as_array()
                .size(),
            1u);
  ASSERT_EQ(List("/v1/projects/q/snapshots", other_)
                .at("tags")
                .as_array()[0]
                .at("name"),
            "q-v1");
  EXPECT_EQ(
      Call("GET", "/v1/projects/p/snapshots/v1/manifest.json", researcher_)
          .status,
      200);
  Stop();
  // The pseudonym is the one the admin was registered with.
  bool found = false;
  for (const json::object& e : Events()) {
    if (e.at("type") != "PrincipalRegistered") continue;
    const json::object& b = e.at("body").as_object();
    if (b.at("principal_id") != "admin") continue;
    found = true;
    EXPECT_EQ(std::string(b.at("pseudonym").as_string()), pseudonym);
  }
  EXPECT_TRUE(found);
}

TEST_F(SnapshotTagRoutesTest, RulesAndErrorsHaveTheUsualShape) {
  SetUpServer();
  // Listing: admin or researcher of the project.
  HttpReply refused = Call("GET", "/v1/projects/p/snapshots", annotator_);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(Code(refused), "PERMISSION_DENIED");
  EXPECT_EQ(Call("GET", "/v1/projects/p/snapshots", other_).status, 403);
  EXPECT_EQ(Call("GET", "/v1/projects/p/snapshots", "").status, 401);
  HttpReply unknown = Call("GET", "/v1/projects/nope/snapshots", admin_);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Code(unknown), "NOT_FOUND");
  // Bad queries.
  for (const char* q :
       {"?limit=0", "?limit=1001", "?from=0", "?limit=x", "?frm=1"}) {
    HttpReply r =
        Call("GET", std::string("/v1/projects/p/snapshots") + q, researcher_);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(Code(r), "INVALID_ARGUMENT") << q;
  }
  // Tagging: admin of the project; a name never moves; bad bodies.
  HttpReply by_res =
      Call("POST", "/v1/projects/p/snapshots", researcher_, R"({"name":"r"})");
  EXPECT_EQ(by_res.status, 403);
  EXPECT_EQ(Code(by_res), "PERMISSION_DENIED");
  EXPECT_EQ(
      Call("POST", "/v1/projects/nope/snapshots", admin_, R"({"name":"x"})")
          .status,
      404);
  ASSERT_EQ(Call("POST", "/v1/projects/p/snapshots", admin_, R"({"name":"v1"})")
                .status,
            201);
  HttpReply again =
      Call("POST", "/v1/projects/p/snapshots", admin_, R"({"name":"v1"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(Code(again), "ALREADY_EXISTS");
  for (const char* body :
       {R"({"name":"v2","as_of_seq":0})", R"({"name":"v2","as_of_seq":-1})",
        R"({"name":"v2","colour":"red"})", R"({"as_of_seq":1})",
        R"({"name":"no spaces allowed"})", R"({"name":"v2","note":7})"}) {
    HttpReply r = Call("POST", "/v1/projects/p/snapshots", admin_, body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
  }
  HttpReply beyond = Call("POST", "/v1/projects/p/snapshots", admin_,
                          R"({"name":"v2","as_of_seq":100000})");
  EXPECT_EQ(beyond.status, 400);
  EXPECT_EQ(Code(beyond), "OUT_OF_RANGE");
  // Nothing of the refused ones was tagged.
  json::array tags =
      List("/v1/projects/p/snapshots", researcher_).at("tags").as_array();
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].at("name"), "v1");
}

TEST_F(SnapshotTagRoutesTest, PagesByTagEvent) {
  SetUpServer();
  for (const char* name : {"a1", "a2", "a3", "2024"}) {
    ASSERT_EQ(Call("POST", "/v1/projects/p/snapshots", admin_,
                   std::string(R"({"name":")") + name + R"(","as_of_seq":2})")
                  .status,
              201);
  }
  json::object first = List("/v1/projects/p/snapshots?limit=3", researcher_);
  json::array page1 = first.at("tags").as_array();
  ASSERT_EQ(page1.size(), 3u);
  EXPECT_EQ(page1[0].at("name"), "a1");
  EXPECT_EQ(page1[2].at("name"), "a3");
  ASSERT_TRUE(first.at("next_from").is_uint64() ||
              first.at("next_from").is_int64());
  const std::string next =
      std::to_string(first.at("next_from").to_number<uint64_t>());
  json::object second =
      List("/v1/projects/p/snapshots?limit=3&from=" + next, researcher_);
  json::array page2 = second.at("tags").as_array();
  ASSERT_EQ(page2.size(), 1u);
  EXPECT_EQ(page2[0].at("name"), "2024");
  // A name of digits is reached by its sequence number.
  EXPECT_EQ(page2[0].at("version"), "2");
  EXPECT_TRUE(second.at("next_from").is_null());
  EXPECT_EQ(page1[2].at("seq").to_number<uint64_t>() + 1,
            page2[0].at("seq").to_number<uint64_t>());
}

TEST_F(SnapshotTagRoutesTest, ResearchersExportContentHashesAdminsContent) {
  SetUpServer();
  ASSERT_EQ(Call("POST", "/v1/projects/p/snapshots", admin_, R"({"name":"v1"})")
                .status,
            201);
  const std::string base = "/v1/projects/p/snapshots/v1/";
  HttpReply res_data = Call("GET", base + "data.jsonl", researcher_);
  HttpReply res_manifest = Call("GET", base + "manifest.json", researcher_);
  ASSERT_EQ(res_data.status, 200) << res_data.body;
  ASSERT_EQ(res_manifest.status, 200) << res_manifest.body;
  EXPECT_EQ(res_data.body.find("SECRETNOTE"), std::string::npos);
  EXPECT_NE(res_data.body.find("\"content_sha256\""), std::string::npos);
  EXPECT_EQ(json::parse(res_manifest.body).at("spec").at("content"), "hash");
  EXPECT_EQ(Call("GET", base + "data.jsonl?content=hash", researcher_).body,
            res_data.body);
  HttpReply asks_full =
      Call("GET", base + "data.jsonl?content=full", researcher_);
  EXPECT_EQ(asks_full.status, 403);
  EXPECT_EQ(Code(asks_full), "PERMISSION_DENIED");
  EXPECT_EQ(
      Call("GET", base + "manifest.json?content=full", researcher_).status,
      403);
  HttpReply bad = Call("GET", base + "data.jsonl?content=some", researcher_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Code(bad), "INVALID_ARGUMENT");

  HttpReply admin_data = Call("GET", base + "data.jsonl", admin_);
  ASSERT_EQ(admin_data.status, 200);
  EXPECT_NE(admin_data.body.find("SECRETNOTE"), std::string::npos);
  EXPECT_EQ(Call("GET", base + "data.jsonl?content=hash", admin_).body,
            res_data.body);
  Stop();

  // The CLI's exports of the same tag: the same bytes.
  const std::string dir =
      std::filesystem::path(Ledger()).parent_path().string();
  Cli("snapshot export --project p --tag v1 --content hash --out " + dir +
      "/hash");
  Cli("snapshot export --project p --tag v1 --out " + dir + "/full");
  EXPECT_EQ(Slurp(dir + "/hash/data.jsonl"), res_data.body);
  EXPECT_EQ(Slurp(dir + "/hash/manifest.json"), res_manifest.body);
  EXPECT_EQ(Slurp(dir + "/full/data.jsonl"), admin_data.body);
  // The refused full export was recorded as denied.
  int denied = 0;
  for (const json::object& e : Events()) {
    if (e.at("type") != "AccessRecorded" || e.at("actor") != "res") continue;
    const json::object& b = e.at("body").as_object();
    if (b.at("allowed") == false &&
        json::serialize(b).find("record content") != std::string::npos)
      ++denied;
  }
  EXPECT_EQ(denied, 2);
}

}  // namespace
}  // namespace consilium::api
