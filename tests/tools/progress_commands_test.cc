// Progress on stderr for the long commands beyond verify, report and demo
// (tools/progress.h): import records, import/export label-studio, snapshot
// export, backup, restore, repair-indexes and kek rotate. For each: with
// --progress stderr holds the bar's label and its final count; stdout is the
// same as with
// --quiet (record hashes aside where two ledgers are compared: they cover
// the events' timestamps); with stderr a file and neither flag, no bar.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"
#include "tests/tools/demo_ledgers.h"

namespace consilium {
namespace {

using testing::ReadText;

struct Output {
  int code = -1;
  std::string out, err;
};

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// `text` with every occurrence of `from` replaced by `to`.
std::string Replace(std::string text, const std::string& from,
                    const std::string& to) {
  for (size_t at = 0; (at = text.find(from, at)) != std::string::npos;
       at += to.size())
    text.replace(at, from.size(), to);
  return text;
}

// The JSON lines of `import records` without their "hash" members.
std::string WithoutHashes(std::string text) {
  const std::string key = ",\"hash\":\"";
  for (size_t at; (at = text.find(key)) != std::string::npos;) {
    const size_t end = text.find('"', at + key.size());
    text.erase(at, end + 1 - at);
  }
  return text;
}

std::string LsFixture(const std::string& name) {
  return testing::SourceDir() + "/tests/dataset/fixtures/label-studio/" + name;
}

class ProgressCommands : public ::testing::Test {
 protected:
  // `consilium ARGS` with stdout and stderr in files (neither a terminal),
  // CONSILIUM_NO_PROGRESS unset.
  Output Run(const std::string& args, const std::string& env = "") {
    const std::string o = tmp_.Sub("out"), e = tmp_.Sub("err"),
                      c = tmp_.Sub("code");
    int ignored = 0;
    testing::RunShell("(env -u CONSILIUM_NO_PROGRESS " + env + " " +
                          testing::ConsiliumBin() + " " + args + " >" + o +
                          " 2>" + e + "; echo $? >" + c + ")",
                      &ignored);
    Output r;
    r.out = ReadText(o);
    r.err = ReadText(e);
    const std::string code = ReadText(c);
    r.code = code.empty() ? -1 : std::stoi(code);
    return r;
  }
  void Ok(const std::string& args, const std::string& env = "") {
    Output r = Run(args, env);
    ASSERT_EQ(r.code, 0) << args << "\n" << r.out << r.err;
  }
  // A ledger in `dir` with project p; with `ls`, the Label Studio
  // fixture's schema and annotators too.
  void MakeLedger(const std::string& dir, bool ls) {
    Ok("init --data " + dir);
    Ok("project create --data " + dir + " --id p --name P");
    if (!ls) return;
    for (const char* who : {"dr-ada", "dr-ben", "ls-user-7"}) {
      Ok("user add " + std::string(who) +
         " --role annotator --project p --data " + dir);
    }
    Ok("schema publish " + LsFixture("schema.json") + " --data " + dir);
  }
  // Checks the three runs of one command: `quiet` (--quiet), `plain`
  // (neither flag) and `shown` (--progress).
  void ExpectBar(const Output& quiet, const Output& plain, const Output& shown,
                 const std::string& label, const std::string& count) {
    EXPECT_EQ(shown.code, quiet.code) << shown.err;
    EXPECT_EQ(plain.code, quiet.code) << plain.err;
    EXPECT_NE(shown.err.find(label + " ["), std::string::npos) << shown.err;
    EXPECT_NE(shown.err.find("] " + count + " "), std::string::npos)
        << shown.err;
    EXPECT_EQ(quiet.err.find(label), std::string::npos) << quiet.err;
    EXPECT_EQ(plain.err.find(label), std::string::npos) << plain.err;
    EXPECT_EQ(quiet.err.find('\r'), std::string::npos) << quiet.err;
    EXPECT_EQ(plain.err.find('\r'), std::string::npos) << plain.err;
    EXPECT_EQ(shown.out.find(label), std::string::npos) << shown.out;
    EXPECT_EQ(shown.out.find('\r'), std::string::npos) << shown.out;
  }

  testing::TempDir tmp_;
};

TEST_F(ProgressCommands, ImportRecordsCountsLinesAndKeepsEveryVerdict) {
  // 200 records, then two repeating ids of earlier lines: with the bar the
  // import runs in chunks of 64 lines, and the repeats still get the
  // single transaction's "already on line N of this file".
  std::string text;
  for (int i = 1; i <= 200; ++i) {
    text += "{\"id\":\"r" + std::to_string(i) + "\",\"text\":\"note " +
            std::to_string(i) + "\"}\n";
  }
  text += "{\"id\":\"r3\",\"text\":\"again\"}\n\n";  // line 202 blank
  text += "{\"id\":\"r150\",\"text\":\"x\"}\n";
  const std::string file = tmp_.Sub("records.jsonl");
  WriteFile(file, text);
  Output runs[3];
  const char* flags[3] = {" --quiet", "", " --progress"};
  for (int k = 0; k < 3; ++k) {
    const std::string dir = tmp_.Sub("d" + std::to_string(k));
    MakeLedger(dir, false);
    runs[k] =
        Run("import records " + file + " --project p --data " + dir + flags[k]);
  }
  EXPECT_EQ(runs[0].code, 1);  // two lines rejected
  ExpectBar(runs[0], runs[1], runs[2], "importing records", "202/202");
  EXPECT_EQ(WithoutHashes(runs[2].out), WithoutHashes(runs[0].out));
  EXPECT_EQ(WithoutHashes(runs[1].out), WithoutHashes(runs[0].out));
  EXPECT_NE(runs[2].out.find("{\"line\":200,\"id\":\"r200\",\"seq\":201,"),
            std::string::npos)
      << runs[2].out;
  EXPECT_NE(runs[2].out.find("record r3 is already on line 3 of this file"),
            std::string::npos)
      << runs[2].out;
  EXPECT_NE(runs[2].out.find("record r150 is already on line 150 of this "
                             "file\"},\"line\":203}"),
            std::string::npos)
      << runs[2].out;
  // The per-line messages on stderr are the same with the bar.
  EXPECT_NE(runs[2].err.find("consilium: line 203: ALREADY_EXISTS: record "
                             "r150 is already on line 150 of this file"),
            std::string::npos)
      << runs[2].err;
  // --atomic is one transaction: all lines refused, the same with the bar.
  Output atomic[3];
  for (int k = 0; k < 3; ++k) {
    const std::string dir = tmp_.Sub("a" + std::to_string(k));
    MakeLedger(dir, false);
    atomic[k] = Run("import records " + file + " --atomic --project p --data " +
                    dir + flags[k]);
  }
  ExpectBar(atomic[0], atomic[1], atomic[2], "importing records", "202/202");
  EXPECT_EQ(atomic[2].out, atomic[0].out);
  EXPECT_EQ(atomic[1].out, atomic[0].out);
  EXPECT_EQ(atomic[0].out.find("\"seq\""), std::string::npos);
}

TEST_F(ProgressCommands, AnnotateCountsItsLines) {
  // Three lines on records that do not exist: each refused, each counted.
  const std::string lines = tmp_.Sub("annotations.jsonl");
  std::string text;
  for (int i = 0; i < 3; ++i) {
    text += R"({"annotation_id":"a-)" + std::to_string(i) +
            R"(","record":"none","annotator":"dr-ada","schema":"s@1",)"
            R"("values":{}})"
            "\n";
  }
  std::ofstream(lines) << text;
  Output runs[3];
  const char* flags[3] = {" --quiet", "", " --progress"};
  for (int k = 0; k < 3; ++k) {
    const std::string dir = tmp_.Sub("an" + std::to_string(k));
    MakeLedger(dir, true);
    runs[k] = Run("annotate " + lines + " --data " + dir + flags[k]);
  }
  EXPECT_EQ(runs[0].code, 1) << runs[0].err;
  ExpectBar(runs[0], runs[1], runs[2], "annotating", "3/3");
  EXPECT_EQ(runs[2].out, runs[0].out);
  EXPECT_EQ(runs[1].out, runs[0].out);
  EXPECT_NE(runs[0].out.find("NOT_FOUND"), std::string::npos) << runs[0].out;
}

TEST_F(ProgressCommands, LabelStudioImportAndExportCountTasks) {
  Output runs[3];
  const char* flags[3] = {" --quiet", "", " --progress"};
  for (int k = 0; k < 3; ++k) {
    const std::string dir = tmp_.Sub("ls" + std::to_string(k));
    MakeLedger(dir, true);
    runs[k] = Run("import label-studio --data " + dir +
                  " --project p --mapping " + LsFixture("mapping.json") +
                  " --in " + LsFixture("export.json") + " --json" + flags[k]);
  }
  // Four tasks, two refused (tests/dataset/label_studio_test.cc).
  EXPECT_EQ(runs[0].code, 1) << runs[0].err;
  ExpectBar(runs[0], runs[1], runs[2], "importing tasks", "4/4");
  EXPECT_EQ(runs[2].out, runs[0].out);
  EXPECT_EQ(runs[1].out, runs[0].out);
  EXPECT_NE(runs[0].out.find("\"imported\":2"), std::string::npos)
      << runs[0].out;

  // The export of the first ledger, three times: the same file each time.
  const std::string dir = tmp_.Sub("ls0");
  Output exports[3];
  for (int k = 0; k < 3; ++k) {
    const std::string out = tmp_.Sub("tasks" + std::to_string(k) + ".json");
    exports[k] = Run("export label-studio --data " + dir +
                     " --project p --as-of 19 --mapping " +
                     LsFixture("mapping.json") + " --out " + out + flags[k]);
    exports[k].out = Replace(exports[k].out, out, "OUT");
  }
  ASSERT_EQ(exports[0].code, 0) << exports[0].err;
  // The state as of event 19 first (projections::BuildStateAsOf), then the
  // tasks.
  ExpectBar(exports[0], exports[1], exports[2], "reading events", "19/19");
  ExpectBar(exports[0], exports[1], exports[2], "exporting tasks", "2/2");
  EXPECT_EQ(exports[2].out, exports[0].out);
  EXPECT_EQ(exports[1].out, exports[0].out);
  EXPECT_NE(exports[0].out.find("2 tasks, 3 annotations"), std::string::npos)
      << exports[0].out;
  EXPECT_EQ(ReadText(tmp_.Sub("tasks2.json")),
            ReadText(tmp_.Sub("tasks0.json")));
}

TEST_F(ProgressCommands, SnapshotExportBackupAndRestoreShowTheirCounts) {
  const std::string dir = tmp_.Sub("data");
  MakeLedger(dir, true);
  // Two of the four tasks import (events up to 19), two are refused.
  EXPECT_EQ(
      Run("import label-studio --data " + dir + " --project p --mapping " +
          LsFixture("mapping.json") + " --in " + LsFixture("export.json"))
          .code,
      1);
  Ok("keygen --name progress-test --out " + tmp_.Sub("sk"));
  const char* flags[3] = {" --quiet", "", " --progress"};
  Output snaps[3], backups[3], restores[3];
  for (int k = 0; k < 3; ++k) {
    const std::string out = tmp_.Sub("snap" + std::to_string(k));
    snaps[k] =
        Run("snapshot export --data " + dir + " --project p --as-of 19 " +
            "--key " + tmp_.Sub("sk") + " --out " + out + flags[k]);
    snaps[k].out = Replace(snaps[k].out, out, "OUT");
  }
  ASSERT_EQ(snaps[0].code, 0) << snaps[0].err;
  ExpectBar(snaps[0], snaps[1], snaps[2], "reading events", "19/19");
  ExpectBar(snaps[0], snaps[1], snaps[2], "exporting records", "2/2");
  EXPECT_LT(snaps[2].err.find("reading events"),
            snaps[2].err.find("exporting records"))
      << snaps[2].err;

  // Analytics as of a position build that state too; without --as-of they
  // read the kept projection and draw nothing.
  Output agreement[3];
  for (int k = 0; k < 3; ++k) {
    agreement[k] = Run("agreement --data " + dir +
                       " --project p --as-of 19 --json" + flags[k]);
  }
  ASSERT_EQ(agreement[0].code, 0) << agreement[0].err;
  ExpectBar(agreement[0], agreement[1], agreement[2], "reading events",
            "19/19");
  EXPECT_EQ(agreement[2].out, agreement[0].out);
  Output live = Run("agreement --data " + dir + " --project p --progress");
  ASSERT_EQ(live.code, 0) << live.err;
  EXPECT_EQ(live.err.find("reading events"), std::string::npos) << live.err;
  EXPECT_EQ(snaps[2].out, snaps[0].out);
  EXPECT_EQ(snaps[1].out, snaps[0].out);
  EXPECT_EQ(ReadText(tmp_.Sub("snap2/data.jsonl")),
            ReadText(tmp_.Sub("snap0/data.jsonl")));

  for (int k = 0; k < 3; ++k) {
    const std::string out = tmp_.Sub("backup" + std::to_string(k));
    backups[k] = Run("backup --data " + dir + " --out " + out + flags[k]);
    backups[k].out = Replace(backups[k].out, out, "OUT");
  }
  ASSERT_EQ(backups[0].code, 0) << backups[0].err;
  // The bytes of the copy: its files' sizes, added up.
  uint64_t bytes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           tmp_.Sub("backup2/ledger"))) {
    if (e.is_regular_file()) bytes += e.file_size();
  }
  ASSERT_GT(bytes, 0u);
  const std::string n = std::to_string(bytes);
  ExpectBar(backups[0], backups[1], backups[2], "backing up (bytes)",
            n + "/" + n);
  EXPECT_EQ(backups[2].out, backups[0].out);
  EXPECT_EQ(backups[1].out, backups[0].out);

  for (int k = 0; k < 3; ++k) {
    const std::string to = tmp_.Sub("restored" + std::to_string(k));
    restores[k] =
        Run("restore " + tmp_.Sub("backup2") + " --data " + to + flags[k]);
    restores[k].out = Replace(restores[k].out, to, "TO");
  }
  ASSERT_EQ(restores[0].code, 0) << restores[0].err;
  ExpectBar(restores[0], restores[1], restores[2], "restoring (bytes)",
            n + "/" + n);
  // Then the verification of the copy: every event, 1..19.
  ExpectBar(restores[0], restores[1], restores[2], "verifying", "19/19");
  EXPECT_LT(restores[2].err.find("restoring (bytes)"),
            restores[2].err.find("verifying ["));
  EXPECT_EQ(restores[2].out, restores[0].out);
  EXPECT_EQ(restores[1].out, restores[0].out);
  EXPECT_NE(restores[0].out.find("19 events verified"), std::string::npos)
      << restores[0].out;
}

TEST_F(ProgressCommands, RepairIndexesCountsTheEventsRead) {
  const std::string dir = tmp_.Sub("data");
  MakeLedger(dir, true);
  // Events 1..19, as above; every index matches, so each run reads all
  // nineteen and writes nothing (the three stdouts are alike).
  EXPECT_EQ(
      Run("import label-studio --data " + dir + " --project p --mapping " +
          LsFixture("mapping.json") + " --in " + LsFixture("export.json"))
          .code,
      1);
  const char* flags[3] = {" --quiet", "", " --progress"};
  Output runs[3];
  for (int k = 0; k < 3; ++k)
    runs[k] = Run("repair-indexes --data " + dir + flags[k]);
  ASSERT_EQ(runs[0].code, 0) << runs[0].err;
  ExpectBar(runs[0], runs[1], runs[2], "reading events", "19/19");
  EXPECT_EQ(runs[2].out, runs[0].out);
  EXPECT_EQ(runs[1].out, runs[0].out);
  EXPECT_NE(runs[0].out.find("nothing to repair"), std::string::npos)
      << runs[0].out;
}

TEST_F(ProgressCommands, KekRotateCountsTheDataKeys) {
  // Seven subjects: seven data keys, rewrapped with each rotation.
  std::string text;
  for (int i = 1; i <= 30; ++i) {
    text += "{\"id\":\"r" + std::to_string(i) + "\",\"subject\":\"s" +
            std::to_string(i % 7) + "\",\"text\":\"note\"}\n";
  }
  WriteFile(tmp_.Sub("records.jsonl"), text);
  const char* flags[3] = {" --quiet", "", " --progress"};
  Output runs[3];
  for (int k = 0; k < 3; ++k) {
    const std::string dir = tmp_.Sub("enc" + std::to_string(k));
    const std::string k1 = dir + "-k1", k2 = dir + "-k2";
    Ok("kek new --out " + k1);
    Ok("kek new --out " + k2);
    MakeLedger(dir, false);
    Ok("kek init --data " + dir + " --kek " + k1);
    Ok("import records " + tmp_.Sub("records.jsonl") + " --project p --data " +
           dir,
       "CONSILIUM_KEK_FILE=" + k1);
    runs[k] = Run("kek rotate --data " + dir + " --old " + k1 + " --new " + k2 +
                  flags[k]);
    runs[k].out = Replace(runs[k].out, dir, "DIR");
    // The new key opens the store, the old one no more.
    Output read =
        Run("record show r1 --data " + dir, "CONSILIUM_KEK_FILE=" + k2);
    EXPECT_EQ(read.code, 0) << read.out << read.err;
  }
  ASSERT_EQ(runs[0].code, 0) << runs[0].err;
  ExpectBar(runs[0], runs[1], runs[2], "rewrapping data keys", "7/7");
  EXPECT_EQ(runs[2].out, runs[0].out);
  EXPECT_EQ(runs[1].out, runs[0].out);
}

TEST_F(ProgressCommands, ATerminalSeesTheBarUnlessQuiet) {
  const std::string dir = tmp_.Sub("data");
  MakeLedger(dir, false);
  WriteFile(tmp_.Sub("r.jsonl"), "{\"id\":\"a\",\"text\":\"x\"}\n");
  Ok("import records " + tmp_.Sub("r.jsonl") + " --project p --data " + dir);
  auto on_terminal = [&](const std::string& args) {
    int code = 0;
    std::string shown = testing::RunShell(
        "env -u CONSILIUM_NO_PROGRESS script -qec \"" +
            testing::ConsiliumBin() + " " + args + " >/dev/null\" /dev/null",
        &code, /*with_stderr=*/false);
    EXPECT_EQ(code, 0) << shown;
    return shown;
  };
  EXPECT_NE(on_terminal("backup --data " + dir + " --out " + tmp_.Sub("b1"))
                .find("backing up (bytes) ["),
            std::string::npos);
  EXPECT_EQ(on_terminal("backup --data " + dir + " --out " + tmp_.Sub("b2") +
                        " --quiet")
                .find("backing up"),
            std::string::npos);
}

}  // namespace
}  // namespace consilium
