// The de-identification gate from the command line (docs/deid.md, "The
// import gate", "Review"): `import records` holds a flagged record,
// `deid queue` lists it with its spans (never the text), `deid redact` and
// `deid release` review it, `--deid off` imports unscreened, and `snapshot
// export` carries a held record without content and a redacted one with its
// tokens. On an encrypted ledger the redacted content is sealed too.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium::deid {
namespace {

using testing::RunConsilium;

constexpr char kRecords[] =
    R"({"id":"held","text":"Seen by Dr. Whitfield on 03/14/2021."})"
    "\n"
    R"({"id":"held-2","text":"Call Dr. Whitfield at 617-555-0199."})"
    "\n"
    R"({"id":"clean","text":"Lactate 4.8, on noradrenaline."})"
    "\n";

class DeidReviewCli : public ::testing::Test {
 protected:
  std::string Run(const std::string& args, int expect = 0,
                  const std::string& env = "") {
    int rc = -1;
    std::string out = testing::RunShell(
        env + " " + testing::ConsiliumBin() + " " + args, &rc);
    EXPECT_EQ(rc, expect) << args << "\n" << out;
    return out;
  }
  void MakeLedger(const std::string& env = "") {
    data_ = dir_.Sub("data");
    Run("init --data " + data_);
    if (!env.empty()) {
      Run("kek new --out " + dir_.Sub("kek"));
      Run("kek init --data " + data_ + " --kek " + dir_.Sub("kek"));
    }
    Run("project create --data " + data_ + " --id p --name P", 0, env);
    std::ofstream(dir_.Sub("r.jsonl")) << kRecords;
    Run("import records " + dir_.Sub("r.jsonl") + " --data " + data_ +
            " --project p",
        0, env);
  }
  std::string Head() {
    std::string out = Run("head --data " + data_);
    return std::to_string(std::stoull(out.substr(out.find("\"seq\":") + 6)));
  }
  std::string Export(const std::string& name) {
    if (!std::ifstream(dir_.Sub("sk")).good())
      Run("keygen --name deid-test --out " + dir_.Sub("sk"));
    Run("snapshot export --data " + data_ + " --project p --as-of " + Head() +
        " --key " + dir_.Sub("sk") + " --out " + dir_.Sub(name));
    std::ifstream in(dir_.Sub(name + "/data.jsonl"));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  // The export line of `record`.
  static std::string Line(const std::string& lines, const std::string& record) {
    const size_t at = lines.find("\"record_id\":\"" + record + "\"");
    if (at == std::string::npos) return "";
    const size_t from = lines.rfind('\n', at);
    const size_t to = lines.find('\n', at);
    return lines.substr(from == std::string::npos ? 0 : from + 1,
                        to - (from == std::string::npos ? 0 : from + 1));
  }

  testing::TempDir dir_;
  std::string data_;
};

TEST_F(DeidReviewCli, QueueRedactReleaseAndExport) {
  MakeLedger();
  std::string queue = Run("deid queue --data " + data_ + " --json");
  EXPECT_EQ(queue.find("Whitfield"), std::string::npos) << queue;
  EXPECT_NE(queue.find(R"("record":"held")"), std::string::npos) << queue;
  EXPECT_NE(queue.find(R"("record":"held-2")"), std::string::npos) << queue;
  EXPECT_EQ(queue.find(R"("record":"clean")"), std::string::npos) << queue;
  EXPECT_NE(queue.find(R"("type":"date")"), std::string::npos) << queue;
  std::string table = Run("deid queue --data " + data_ + " --project p");
  EXPECT_NE(table.find("2 record(s) held"), std::string::npos) << table;
  Run("deid queue --data " + data_ + " --project nope", 2);

  // Held at export: no content, marked.
  std::string lines = Export("snap1");
  std::string held = Line(lines, "held");
  EXPECT_NE(held.find(R"("deid":"quarantined")"), std::string::npos) << held;
  EXPECT_NE(held.find(R"("content":null)"), std::string::npos) << held;
  EXPECT_EQ(lines.find("Whitfield"), std::string::npos) << lines;
  EXPECT_NE(lines.find("noradrenaline"), std::string::npos) << lines;

  // A bad span and a missing reason change nothing.
  const std::string before = Head();
  Run("deid redact --data " + data_ +
          " --record held --reason x --span "
          "name:8-",
      2);
  Run("deid redact --data " + data_ +
          " --record held --reason x --span "
          "name:8-900",
      1);
  Run("deid release --data " + data_ + " --record held", 2);
  EXPECT_EQ(Head(), before);

  // "Seen by Dr. Whitfield on 03/14/2021.": the name only, by --span.
  Run("deid redact --data " + data_ +
      " --record held --reason name "
      "--span name:12-21");
  std::string shown = Run("record show held --data " + data_);
  EXPECT_NE(shown.find("Seen by Dr. [NAME] on 03/14/2021."), std::string::npos)
      << shown;
  Run("deid release --data " + data_ + " --record held-2 --reason fictional");
  Run("deid release --data " + data_ + " --record held-2 --reason again", 1);
  EXPECT_NE(Run("deid queue --data " + data_).find("no record is held"),
            std::string::npos);

  lines = Export("snap2");
  held = Line(lines, "held");
  EXPECT_NE(held.find(R"("deid":"redacted")"), std::string::npos) << held;
  EXPECT_NE(held.find("Dr. [NAME] on"), std::string::npos) << held;
  EXPECT_NE(Line(lines, "held-2").find(R"("deid":"released")"),
            std::string::npos);
  EXPECT_NE(Line(lines, "held-2").find("617-555-0199"), std::string::npos);

  // The events: one quarantine per held record, the reports on every import.
  std::string events = Run("events --data " + data_);
  EXPECT_NE(events.find(R"("type":"RecordQuarantined")"), std::string::npos);
  EXPECT_NE(events.find(R"("outcome":"redacted")"), std::string::npos);
  EXPECT_NE(events.find(R"("detector":"consilium-deid/1")"), std::string::npos);
  EXPECT_NE(Run("verify --data " + data_).find("OK"), std::string::npos);
}

TEST_F(DeidReviewCli, GateOffAndBadFlags) {
  data_ = dir_.Sub("data");
  Run("init --data " + data_);
  Run("project create --data " + data_ + " --id p --name P");
  std::ofstream(dir_.Sub("r.jsonl")) << kRecords;
  const std::string import = "import records " + dir_.Sub("r.jsonl") +
                             " --data " + data_ + " --project p";
  std::string out = Run(import + " --deid maybe", 2);
  EXPECT_NE(out.find("--deid must be on or off"), std::string::npos) << out;
  std::ofstream(dir_.Sub("bad.json")) << "{\"names\": 5}";
  Run(import + " --deid-config " + dir_.Sub("bad.json"), 2);
  Run(import + " --deid off --deid-config " + dir_.Sub("bad.json"), 2);
  EXPECT_EQ(Head(), "1");  // nothing but the project
  Run(import + " --deid off");
  EXPECT_NE(Run("deid queue --data " + data_).find("no record is held"),
            std::string::npos);
  EXPECT_NE(Run("events --data " + data_).find(R"("detector":"off")"),
            std::string::npos);
}

TEST_F(DeidReviewCli, ARedactionIsSealedOnAnEncryptedLedger) {
  const std::string env = "CONSILIUM_KEK_FILE=" + dir_.Sub("kek");
  MakeLedger(env);  // encrypted: a KEK in dir_/kek
  Run("deid redact --data " + data_ + " --record held --reason all", 0, env);
  std::string shown = Run("record show held --data " + data_, 0, env);
  EXPECT_NE(shown.find("[NAME]"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("Whitfield"), std::string::npos) << shown;
  // Without the key nothing of it reads; the events carry no text.
  std::string events = Run("events --data " + data_);
  EXPECT_EQ(events.find("[NAME]"), std::string::npos);
  EXPECT_EQ(events.find("Whitfield"), std::string::npos);
}

}  // namespace
}  // namespace consilium::deid
