// Encryption at rest and crypto-shredding through the binary, as an operator
// runs them (docs/encryption.md): `kek init` turns a ledger encrypted,
// imports seal record content, no file of the data directory holds the
// imported plaintext (the same scan finds it on a plain ledger, so the scan
// can fail), reads decrypt with the KEK and name it without, `shred` makes
// the content unreadable everywhere while `verify` still passes.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

namespace fs = std::filesystem;
using testing::RunConsilium;
using testing::RunShell;
using testing::TempDir;

// Strings that occur nowhere but in the imported records.
const std::vector<std::string> kPlaintexts = {
    "Quillfeather-Vantablack syndrome", "ZORBULENT-TACHYCARDIA-7731",
    "mediastinal xylophonoma", "site-Ptarmigan-9",
    "Bellwether-Quandary reasoning"};  // annotation free text on rec-1
// The free text of the annotation on rec-3 (another subject): sealed too,
// and still readable after patient-1 is shredded.
const char kOtherReason[] = "Umbrage-Lattice reasoning";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every (file, string) of kPlaintexts found in a file under `dir`.
std::vector<std::string> PlaintextHits(const std::string& dir) {
  std::vector<std::string> hits;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = ReadAll(entry.path());
    for (const std::string& s : kPlaintexts) {
      if (bytes.find(s) != std::string::npos)
        hits.push_back(entry.path().string() + ": " + s);
    }
  }
  return hits;
}

class EncryptionCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("data");
    kek_ = dir_.Sub("kek");
    records_ = dir_.Sub("records.jsonl");
    WriteFile(records_,
              "{\"id\":\"rec-1\",\"subject\":\"patient-1\",\"text\":\"72F with "
              "Quillfeather-Vantablack syndrome, lab "
              "ZORBULENT-TACHYCARDIA-7731\"}\n"
              "{\"id\":\"rec-2\",\"subject\":\"patient-1\",\"text\":\"follow-up"
              ": mediastinal xylophonoma\"}\n"
              "{\"id\":\"rec-3\",\"text\":\"unrelated note\",\"metadata\":"
              "{\"site\":\"A\"}}\n");
  }
  // `consilium ARGS` with the KEK in the environment (when `with_kek`).
  std::string Run(const std::string& args, int* rc, bool with_kek = true) {
    std::string env = with_kek ? "CONSILIUM_KEK_FILE=" + kek_ + " " : "";
    return RunShell("env -u CONSILIUM_KEK -u CONSILIUM_KEK_FILE " + env +
                        testing::ConsiliumBin() + " " + args,
                    rc);
  }
  void MakeLedger(bool encrypted) {
    int rc = 0;
    std::string out = Run("init --data " + data_, &rc);
    ASSERT_EQ(rc, 0) << out;
    if (encrypted) {
      out = Run("kek new --out " + kek_, &rc);
      ASSERT_EQ(rc, 0) << out;
      out = Run("kek init --data " + data_ + " --kek " + kek_, &rc);
      ASSERT_EQ(rc, 0) << out;
    }
    out = Run("project create --data " + data_ + " --id p1 --name P", &rc);
    ASSERT_EQ(rc, 0) << out;
    std::string file = records_;
    if (!encrypted) {  // a plain ledger keeps no subjects: the same records
      file = dir_.Sub("plain.jsonl");
      const std::string key = "\"subject\":\"patient-1\",";
      std::string text = ReadAll(records_);
      for (size_t at; (at = text.find(key)) != std::string::npos;)
        text.erase(at, key.size());
      WriteFile(file, text);
    }
    out = Run("import records " + file + " --data " + data_ + " --project p1",
              &rc);
    ASSERT_EQ(rc, 0) << out;
    ASSERT_NO_FATAL_FAILURE(Annotate());
  }

  // dr-a annotates rec-1 and rec-3 with a label and free text.
  void Annotate() {
    const std::string schema = dir_.Sub("note.json");
    WriteFile(schema,
              R"({"id":"note","version":1,"title":"Note","fields":[)"
              R"({"name":"dx","type":"categorical","layer":"interpretive",)"
              R"("required":true,)"
              R"("categories":["a","b"]},)"
              R"({"name":"why","type":"text","layer":"interpretive"}]})");
    int rc = 0;
    for (const std::string& args :
         {"schema publish " + schema,
          std::string("user add dr-a --role annotator --project p1"),
          std::string("assign --project p1 --record rec-1 --annotator dr-a"),
          std::string("assign --project p1 --record rec-3 --annotator dr-a")}) {
      std::string out = Run(args + " --data " + data_, &rc);
      ASSERT_EQ(rc, 0) << args << "\n" << out;
    }
    const std::string lines = dir_.Sub("annotations.jsonl");
    WriteFile(lines,
              R"({"annotation_id":"an-1","record":"rec-1","annotator":"dr-a",)"
              R"("schema":"note@1","values":{"dx":"a","why":")" +
                  kPlaintexts[4] + "\"}}\n" +
                  R"({"annotation_id":"an-3","record":"rec-3",)"
                  R"("annotator":"dr-a","schema":"note@1","values":{"dx":"b",)"
                  R"("why":")" +
                  kOtherReason + "\"}}\n");
    std::string out = Run("annotate " + lines + " --data " + data_, &rc);
    ASSERT_EQ(rc, 0) << out;
  }

  // `snapshot export` of the whole ledger into DIR/NAME; data.jsonl's text.
  std::string Export(const std::string& name) {
    int rc = 0;
    std::string out = Run("snapshot export --data " + data_ +
                              " --project p1 --as-of " + Head() + " --key " +
                              dir_.Sub("sk") + " --out " + dir_.Sub(name),
                          &rc);
    EXPECT_EQ(rc, 0) << out;
    return ReadAll(dir_ / name / "data.jsonl");
  }

  // The ledger's head sequence number, as text.
  std::string Head() {
    int rc = 0;
    std::string out = Run("head --data " + data_, &rc);
    const size_t at = out.find("\"seq\":");
    EXPECT_NE(at, std::string::npos) << out;
    if (at == std::string::npos) return "0";
    return std::to_string(std::stoull(out.substr(at + 6)));
  }

  // A signed checkpoint (a new signing key in DIR/sk): the store writes more.
  std::string Checkpoint() {
    int rc = 0;
    std::string out =
        Run("keygen --name enc-test --out " + dir_.Sub("sk"), &rc);
    EXPECT_EQ(rc, 0) << out;
    out = Run("checkpoint --data " + data_ + " --key " + dir_.Sub("sk"), &rc);
    EXPECT_EQ(rc, 0) << out;
    return out;
  }

  TempDir dir_;
  std::string data_, kek_, records_;
};

TEST_F(EncryptionCliTest, PlainLedgerHoldsThePlaintextSoTheScanCanFail) {
  MakeLedger(/*encrypted=*/false);
  EXPECT_FALSE(PlaintextHits(data_).empty());
}

TEST_F(EncryptionCliTest, NoFileOfAnEncryptedLedgerHoldsThePlaintext) {
  MakeLedger(/*encrypted=*/true);
  // More events, a checkpoint and an export-ready state: the store's files
  // (SSTs after flushes, WAL, MANIFEST, keys/) all get written.
  int rc = 0;
  std::string out = Checkpoint();
  out = Run("record show rec-1 --data " + data_, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Quillfeather-Vantablack syndrome"), std::string::npos)
      << out;
  EXPECT_NE(out.find("\"subject\": \"patient-1\""), std::string::npos) << out;
  std::vector<std::string> hits = PlaintextHits(data_);
  EXPECT_TRUE(hits.empty()) << hits.front();
  // The sealed form names subject and key, never the content; an
  // annotation's labels stay readable, its free text is sealed.
  out = Run("events --data " + data_, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("content_sealed"), std::string::npos) << out;
  EXPECT_EQ(out.find("Quillfeather"), std::string::npos) << out;
  EXPECT_NE(out.find("\"free_text_sealed\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"dx\":\"a\""), std::string::npos) << out;
  EXPECT_EQ(out.find("Bellwether"), std::string::npos) << out;
  // An export is the document a plain ledger gives: the free text opened.
  const std::string lines = Export("snap");
  EXPECT_NE(lines.find(kPlaintexts[4]), std::string::npos) << lines;
  EXPECT_NE(lines.find(kOtherReason), std::string::npos) << lines;
  EXPECT_EQ(lines.find("free_text_shredded"), std::string::npos) << lines;
  // Its re-export, which opens the same text, gives the same bytes.
  out = Run("snapshot verify " + dir_.Sub("snap") + " --data " + data_, &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("re-export"), std::string::npos) << out;
}

TEST_F(EncryptionCliTest, ReadsWithoutTheKekNameIt) {
  MakeLedger(/*encrypted=*/true);
  int rc = 0;
  std::string out = Run("record show rec-1 --data " + data_, &rc, false);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("CONSILIUM_KEK_FILE"), std::string::npos) << out;
  EXPECT_EQ(out.find("Quillfeather"), std::string::npos) << out;
  // An import without the KEK stores nothing rather than plaintext.
  WriteFile(dir_.Sub("more.jsonl"),
            "{\"id\":\"rec-9\",\"text\":\"site-Ptarmigan-9\"}\n");
  out = Run("import records " + dir_.Sub("more.jsonl") + " --data " + data_ +
                " --project p1",
            &rc, false);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("FAILED_PRECONDITION"), std::string::npos) << out;
  EXPECT_TRUE(PlaintextHits(data_).empty());
  // A wrong KEK is refused as a whole.
  out = Run("kek new --out " + dir_.Sub("other"), &rc);
  ASSERT_EQ(rc, 0);
  out = RunShell("CONSILIUM_KEK_FILE=" + dir_.Sub("other") + " " +
                     testing::ConsiliumBin() + " record show rec-1 --data " +
                     data_,
                 &rc);
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("PERMISSION_DENIED"), std::string::npos) << out;
}

TEST_F(EncryptionCliTest, RawAppendOfRecordContentIsRefusedWhenEncrypted) {
  MakeLedger(/*encrypted=*/true);
  WriteFile(dir_.Sub("raw.jsonl"),
            "{\"type\":\"RecordImported\",\"actor\":\"admin\",\"body\":{"
            "\"record_id\":\"rec-7\",\"project_id\":\"p1\",\"content\":"
            "{\"text\":\"site-Ptarmigan-9\"}}}\n");
  int rc = 0;
  std::string out =
      Run("append --data " + data_ + " < " + dir_.Sub("raw.jsonl"), &rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("the ledger is encrypted"), std::string::npos) << out;
  EXPECT_TRUE(PlaintextHits(data_).empty());
  // Nor raw annotations, revisions or gold answers: their free text would
  // be stored in the clear.
  const std::string values = R"("values":{"dx":"a","why":"site-Ptarmigan-9"})";
  for (const std::string& body :
       {R"({"annotation_id":"an-9","project_id":"p1","record_id":"rec-1",)"
        R"("annotator_id":"dr-a","schema_id":"note","schema_version":1,)" +
            values + "}",
        R"({"project_id":"p1","record_id":"rec-1","schema_id":"note",)"
        R"("schema_version":1,)" +
            values + "}"}) {
    const bool gold = body.find("annotation_id") == std::string::npos;
    WriteFile(dir_.Sub("raw.jsonl"),
              std::string(R"({"type":")") +
                  (gold ? "GoldAnswerRecorded" : "AnnotationSubmitted") +
                  R"(","actor":"admin","body":)" + body + "}\n");
    out = Run("append --data " + data_ + " < " + dir_.Sub("raw.jsonl"), &rc);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("would store its free text in plaintext"),
              std::string::npos)
        << out;
    EXPECT_TRUE(PlaintextHits(data_).empty());
  }
}

TEST_F(EncryptionCliTest, AnAdjudicatorIsShownTheOpenedContentAndTraces) {
  // `adjudicate claim` opens the content keys: the view shows the sealed
  // record's text and each annotation's free text, not nulls or marks.
  MakeLedger(/*encrypted=*/true);
  int rc = 0;
  const std::string lines = dir_.Sub("disputed.jsonl");
  WriteFile(lines,
            R"({"id":"adj-1","subject":"patient-9","text":"Orrery-Maple )"
            R"(note"})"
            "\n");
  for (const std::string& args :
       {std::string("project create --id q --name Q --overlap 2"),
        "import records " + lines + " --project q",
        std::string("user add dr-x --role annotator --project q"),
        std::string("user add dr-y --role annotator --project q"),
        std::string("user add dr-k --role adjudicator --project q"),
        std::string("assign --project q --record adj-1 --annotator dr-x"),
        std::string("assign --project q --record adj-1 --annotator dr-y")}) {
    std::string out = Run(args + " --data " + data_, &rc);
    ASSERT_EQ(rc, 0) << args << "\n" << out;
  }
  const std::string annotations = dir_.Sub("disputed-annotations.jsonl");
  WriteFile(annotations,
            R"({"annotation_id":"x-1","record":"adj-1","annotator":"dr-x",)"
            R"("schema":"note@1","values":{"dx":"a","why":"Quince-Harbour"}})"
            "\n"
            R"({"annotation_id":"y-1","record":"adj-1","annotator":"dr-y",)"
            R"("schema":"note@1","values":{"dx":"b","why":"Quince-Lantern"}})"
            "\n");
  std::string out = Run("annotate " + annotations + " --data " + data_, &rc);
  ASSERT_EQ(rc, 0) << out;
  out =
      Run("adjudicate claim --project q --json --as dr-k --data " + data_, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Orrery-Maple note"), std::string::npos) << out;
  EXPECT_NE(out.find("Quince-Harbour"), std::string::npos) << out;
  EXPECT_NE(out.find("Quince-Lantern"), std::string::npos) << out;
  EXPECT_EQ(out.find("free_text_sealed"), std::string::npos) << out;
  EXPECT_EQ(out.find("\u2588"), std::string::npos) << out;
}

TEST_F(EncryptionCliTest, LabelStudioImportSealsTasksAndFreeText) {
  // `import label-studio` writes through the same sealing as `import
  // records` and `annotate`: neither a task's text nor a textarea answer
  // reaches the data directory in the clear.
  MakeLedger(/*encrypted=*/true);
  const std::string fixtures =
      testing::SourceDir() + "/tests/dataset/fixtures/label-studio/";
  int rc = 0;
  for (const std::string& args :
       {"schema publish " + fixtures + "schema.json",
        std::string("user add dr-ada --role annotator --project p1"),
        std::string("user add dr-ben --role annotator --project p1"),
        std::string("user add ls-user-7 --role annotator --project p1")}) {
    std::string out = Run(args + " --data " + data_, &rc);
    ASSERT_EQ(rc, 0) << args << "\n" << out;
  }
  std::string out =
      Run("import label-studio --data " + data_ + " --project p1 --mapping " +
              fixtures + "mapping.json --in " + fixtures + "export.json",
          &rc);
  EXPECT_NE(out.find("record ls-101 imported, 2 annotations"),
            std::string::npos)
      << out;
  out = Run("events --data " + data_, &rc);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("free_text_sealed"), std::string::npos) << out;
  for (const auto& e : fs::recursive_directory_iterator(data_)) {
    if (!e.is_regular_file()) continue;
    const std::string bytes = ReadAll(e.path());
    EXPECT_EQ(bytes.find("Right lower lobe consolidation"), std::string::npos)
        << e.path();
    EXPECT_EQ(bytes.find("likely bacterial"), std::string::npos) << e.path();
  }
  // Exported back with the free text opened; after the subject's key is
  // shredded, the textarea answer is left out, never written as the mark.
  auto export_tasks = [&](const std::string& name) {
    const std::string file = dir_.Sub(name);
    std::string o = Run("export label-studio --data " + data_ +
                            " --project p1 --as-of " + Head() + " --mapping " +
                            fixtures + "mapping.json --out " + file,
                        &rc);
    EXPECT_EQ(rc, 0) << o;
    return ReadAll(file);
  };
  std::string tasks = export_tasks("tasks.json");
  EXPECT_NE(tasks.find("likely bacterial"), std::string::npos) << tasks;
  out =
      Run("shred --data " + data_ + " --subject ls-101 --reason erasure", &rc);
  ASSERT_EQ(rc, 0) << out;
  tasks = export_tasks("tasks-after.json");
  // The shredded record has no content left to give a task: left out.
  EXPECT_EQ(tasks.find("ls-101"), std::string::npos) << tasks;
  EXPECT_NE(tasks.find("ls-102"), std::string::npos) << tasks;
  EXPECT_EQ(tasks.find("likely bacterial"), std::string::npos) << tasks;
  EXPECT_EQ(tasks.find("\u2588"), std::string::npos) << tasks;
  EXPECT_EQ(tasks.find("\\u2588"), std::string::npos) << tasks;
}

TEST_F(EncryptionCliTest, ShreddingLeavesTheLedgerVerifiableAndContentGone) {
  MakeLedger(/*encrypted=*/true);
  int rc = 0;
  std::string out = Checkpoint();
  out = Run("shred --data " + data_ +
                " --subject patient-1 --reason 'erasure request 42'",
            &rc);
  ASSERT_EQ(rc, 0) << out;
  out = Run("verify --data " + data_, &rc, false);
  EXPECT_EQ(rc, 0) << out;
  for (const char* id : {"rec-1", "rec-2"}) {
    out = Run(std::string("record show ") + id + " --data " + data_, &rc);
    EXPECT_EQ(rc, 1) << out;
    EXPECT_NE(out.find("shredded"), std::string::npos) << out;
  }
  out = Run("record show rec-3 --data " + data_, &rc);
  EXPECT_EQ(rc, 0) << out;  // another subject: untouched
  EXPECT_NE(out.find("unrelated note"), std::string::npos) << out;
  // Twice is refused; the event is in the ledger with its records.
  out =
      Run("shred --data " + data_ + " --subject patient-1 --reason again", &rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("ALREADY_EXISTS"), std::string::npos) << out;
  out = Run("events --data " + data_, &rc);
  EXPECT_NE(out.find("\"record_ids\":[\"rec-1\",\"rec-2\"]"), std::string::npos)
      << out;
  // The export carries tombstones and the manifest lists them; the
  // shredded subject's annotation keeps its label, not its free text.
  const std::string lines = Export("snap");
  EXPECT_NE(lines.find("\"content_shredded\":true"), std::string::npos)
      << lines;
  EXPECT_NE(lines.find("unrelated note"), std::string::npos) << lines;
  EXPECT_NE(lines.find("\"free_text_shredded\":true"), std::string::npos)
      << lines;
  EXPECT_NE(lines.find(kOtherReason), std::string::npos) << lines;
  const std::string manifest = ReadAll(dir_ / "snap/manifest.json");
  EXPECT_NE(manifest.find("\"shredded_records\":[\"rec-1\",\"rec-2\"]"),
            std::string::npos)
      << manifest;
  std::vector<std::string> hits = PlaintextHits(data_);
  for (const std::string& h : PlaintextHits(dir_.Sub("snap")))
    hits.push_back(h);
  EXPECT_TRUE(hits.empty()) << hits.front();
}

}  // namespace
}  // namespace consilium
