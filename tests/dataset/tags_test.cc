// snapshot tag: a SnapshotTagged event through the write side; names are
// unique, the prefix must exist, and an export by tag equals the export by
// its sequence number.
#include <fstream>
#include <sstream>

#include "dataset/snapshot_tags.h"
#include "domain/command_handler.h"
#include "schemas/event_json.h"
#include "tests/dataset/snapshot_fixture.h"
#include "tests/testing/temp_dir.h"

namespace consilium::dataset {
namespace {

using ::consilium::testing::FixtureLedger;
using ::consilium::testing::TempDir;

TEST(SnapshotTagTest, TagsAreFoundAndNeverMove) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  const uint64_t as_of = f.head - 2;
  {
    auto handler = domain::CommandHandler::Open(f.ledger.get(), {});
    ASSERT_TRUE(handler.ok()) << handler.status().ToString();
    SnapshotCommands tags(&(*handler)->core(), f.ledger.get());
    auto c = tags.TagSnapshot("admin", {.name = "v1",
                                        .project_id = "p1",
                                        .as_of_seq = as_of,
                                        .note = "first cut"});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    auto again = tags.TagSnapshot(
        "admin", {.name = "v1", .project_id = "p1", .as_of_seq = 3});
    EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
    auto beyond = tags.TagSnapshot(
        "admin", {.name = "v2", .project_id = "p1", .as_of_seq = c->seq + 1});
    EXPECT_EQ(beyond.status().code(), StatusCode::kOutOfRange);
    auto unknown = tags.TagSnapshot(
        "admin", {.name = "v3", .project_id = "nope", .as_of_seq = 3});
    EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
    auto bad = tags.TagSnapshot(
        "admin", {.name = "", .project_id = "p1", .as_of_seq = 3});
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
    auto zero = tags.TagSnapshot(
        "admin", {.name = "v4", .project_id = "p1", .as_of_seq = 0});
    EXPECT_EQ(zero.status().code(), StatusCode::kInvalidArgument);
  }
  auto tag = FindSnapshotTag(*f.ledger, "v1");
  ASSERT_TRUE(tag.ok()) << tag.status().ToString();
  EXPECT_EQ(tag->project, "p1");
  EXPECT_EQ(tag->as_of_seq, as_of);
  EXPECT_EQ(tag->note, "first cut");
  EXPECT_EQ(FindSnapshotTag(*f.ledger, "v9").status().code(),
            StatusCode::kNotFound);
  auto listed = ListSnapshotTags(*f.ledger);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
  // Printed, but not accepted back as input.
  auto event = f.ledger->Get(tag->seq);
  ASSERT_TRUE(event.ok());
  std::string json = EventToJson(event->seq, event->hash, event->bytes);
  EXPECT_NE(json.find("\"as_of_seq\""), std::string::npos) << json;
  auto back = DraftFromJson(
      R"({"type":"SnapshotTagged","actor":"admin","body":{"name":"v5",)"
      R"("project_id":"p1","as_of_seq":3}})");
  EXPECT_EQ(back.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(back.status().message().find("consilium snapshot tag"),
            std::string::npos)
      << back.status().ToString();
}

TEST(SnapshotTagTest, ExportByTagEqualsExportBySeq) {
  TempDir tmp;
  FixtureLedger f(tmp.Sub("ledger"));
  auto by_seq = f.Export({.as_of_seq = f.head - 1}, tmp.Sub("seq"));
  ASSERT_TRUE(by_seq.ok()) << by_seq.status().ToString();
  auto tagged =
      f.Export({.as_of_seq = f.head - 1, .tag = "v1"}, tmp.Sub("tag"));
  ASSERT_TRUE(tagged.ok()) << tagged.status().ToString();
  EXPECT_EQ(by_seq->data_sha256, tagged->data_sha256);
  std::ifstream in(tmp.Sub("tag/manifest.json"));
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("\"tag\":\"v1\""), std::string::npos);
}

}  // namespace
}  // namespace consilium::dataset
