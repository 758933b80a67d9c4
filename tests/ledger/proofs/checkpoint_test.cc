// ledger/checkpoint.h: checkpoint bodies, C2SP signed notes with Ed25519,
// key strings and key files; cross-checked against Go's sumdb/note test
// vector and against libsodium through verify_note_nacl.py.
#include "ledger/checkpoint.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/hash.h"
#include "gtest/gtest.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

namespace fs = std::filesystem;

// ---- Fixtures
// ----------------------------------------------------------------

// golang.org/x/mod/sumdb/note's documented example key and note
// (note.go package comment and note_test.go).
constexpr char kGoPrivateKey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+"
    "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kGoVerifierKey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kGoText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kGoNote[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngot"
    "pRZb6KE6RyyBwJnAM=\n";

constexpr char kEmDash[] = "\xE2\x80\x94";

Hash256 RootOf(std::string_view s) { return Sha256(s); }

using testing::TempDir;

void WriteText(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

NoteSigner MustGenerate(std::string_view name) {
  StatusOr<NoteSigner> s = NoteSigner::Generate(name);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

NoteVerifier MustVerifier(const std::string& vkey) {
  StatusOr<NoteVerifier> v = NoteVerifier::FromVerifierKey(vkey);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return std::move(v).value();
}

// ---- Checkpoint bodies -----------------------------------------------------

TEST(CheckpointBodyTest, FormatsTheThreeLines) {
  const Checkpoint cp{"example.com/log", 8, RootOf("x")};
  const std::string body = FormatCheckpointBody(cp);
  EXPECT_EQ(body, "example.com/log\n8\n" + ToBase64(cp.root) + "\n");
  StatusOr<Checkpoint> parsed = ParseCheckpointBody(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, cp);
}

TEST(CheckpointBodyTest, ExtensionLinesAreAcceptedAndIgnored) {
  const Checkpoint cp{"example.com/log", 0, EmptyTreeHash()};
  StatusOr<Checkpoint> parsed =
      ParseCheckpointBody(FormatCheckpointBody(cp) + "ext one\next two\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, cp);
}

TEST(CheckpointBodyTest, ParsingIsStrict) {
  const std::string root = ToBase64(RootOf("x"));
  struct Case {
    std::string body;
    std::string needle;
  };
  const Case cases[] = {
      {"", "does not end with a newline"},
      {"log\n8\n" + root, "does not end with a newline"},
      {"log\n8\n", "has 2 lines"},
      {"\n8\n" + root + "\n", "checkpoint line 1: origin is empty"},
      {"lo\tg\n8\n" + root + "\n", "control character 0x09"},
      {"lo\xff"
       "g\n8\n" +
           root + "\n",
       "invalid UTF-8"},
      {"log\n08\n" + root + "\n",
       "checkpoint line 2 (size): \"08\" has leading"},
      {"log\n-1\n" + root + "\n", "not a decimal number"},
      {"log\n+1\n" + root + "\n", "not a decimal number"},
      {"log\n 1\n" + root + "\n", "not a decimal number"},
      {"log\n\n" + root + "\n", "checkpoint line 2 (size): empty"},
      {"log\n18446744073709551616\n" + root + "\n", "does not fit in 64 bits"},
      {"log\n8\n" + root.substr(0, 43) + "\n", "checkpoint line 3 (root)"},
      {"log\n8\n" + ToBase64(std::string(31, 'a')) + "\n",
       "a SHA-256 hash is 32 bytes, got 31"},
      {"log\n8\n" + root + "\n\n", "line 4 (extension) is empty"},
      {"log\n8\n" + root + "\r\n", "checkpoint line 3 (root)"},
  };
  for (const Case& c : cases) {
    StatusOr<Checkpoint> parsed = ParseCheckpointBody(c.body);
    ASSERT_FALSE(parsed.ok()) << c.body;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.needle), std::string::npos)
        << "message \"" << parsed.status().message() << "\" lacks \""
        << c.needle << "\"";
  }
  StatusOr<Checkpoint> max =
      ParseCheckpointBody("log\n18446744073709551615\n" + root + "\n");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->size, UINT64_MAX);
}

TEST(KeyNameTest, RejectsSpacesPlusAndControls) {
  EXPECT_TRUE(ValidateKeyName("example.com/log").ok());
  EXPECT_TRUE(ValidateKeyName("h\xC3\xB4pital").ok());
  for (std::string_view bad :
       {std::string_view(""), std::string_view("a b"), std::string_view("a+b"),
        std::string_view("a\nb"),
        std::string_view("a\xC2\xA0"
                         "b"),
        std::string_view("a\xE3\x80\x80"
                         "b"),
        std::string_view("\xC0\xAF")}) {
    EXPECT_EQ(ValidateKeyName(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

// ---- Keys
// ----------------------------------------------------------------------

TEST(NoteKeyTest, GoSumdbNoteKnownAnswer) {
  StatusOr<NoteSigner> signer = NoteSigner::FromPrivateKeyString(kGoPrivateKey);
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_EQ(signer->name(), "PeterNeumann");
  EXPECT_EQ(signer->key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer->VerifierKey(), kGoVerifierKey);
  EXPECT_EQ(signer->PrivateKeyString(), kGoPrivateKey);
  // Ed25519 is deterministic: the same bytes as Go's note.Sign.
  StatusOr<std::string> note = signer->Sign(kGoText);
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  EXPECT_EQ(*note, kGoNote);

  NoteVerifier verifier = MustVerifier(kGoVerifierKey);
  EXPECT_EQ(verifier.key_id(), 0xc74f20a3u);
  EXPECT_EQ(verifier.VerifierKey(), kGoVerifierKey);
  StatusOr<std::string> body = verifier.Open(kGoNote);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, kGoText);
}

TEST(NoteKeyTest, GeneratedKeyStringsRoundTrip) {
  NoteSigner signer = MustGenerate("example.com/log");
  const std::string vkey = signer.VerifierKey();
  const std::string prefix = "example.com/log+" + [&] {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", signer.key_id());
    return std::string(buf);
  }() + "+";
  EXPECT_EQ(vkey.rfind(prefix, 0), 0u) << vkey;
  EXPECT_EQ(vkey.size(), prefix.size() + 44);  // base64 of 33 bytes
  EXPECT_EQ(signer.PrivateKeyString().rfind("PRIVATE+KEY+" + prefix, 0), 0u);

  StatusOr<NoteSigner> again =
      NoteSigner::FromPrivateKeyString(signer.PrivateKeyString());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->VerifierKey(), vkey);
  EXPECT_NE(MustGenerate("example.com/log").VerifierKey(), vkey);
}

TEST(NoteKeyTest, MalformedKeyStringsAreRejected) {
  const std::string good = kGoVerifierKey;
  const std::string key64 = good.substr(good.rfind('+') + 1);
  struct Case {
    std::string key;
    std::string needle;
  };
  const Case cases[] = {
      {"PeterNeumann", "is not of the form"},
      {"PeterNeumann+c74f20a3", "is not of the form"},
      {"+c74f20a3+" + key64, "key name is empty"},
      {"PeterNeumann+c74f20a+" + key64, "is not 8 hex digits"},
      {"PeterNeumann+c74f20ag+" + key64, "not a hex digit"},
      {"PeterNeumann+c74f20a4+" + key64,
       "key id c74f20a4 does not match name and key (expected c74f20a3)"},
      {"PeterNeumanN+c74f20a3+" + key64, "does not match name and key"},
      {"PeterNeumann+c74f20a3+" + key64.substr(0, 42), "key: base64"},
      {"PeterNeumann+c74f20a3+" + ToBase64(std::string(32, 'k')),
       "key is 32 bytes, expected 33"},
      {"PeterNeumann+c74f20a3+" + ToBase64("\x02" + std::string(32, 'k')),
       "unsupported signature algorithm 2"},
  };
  for (const Case& c : cases) {
    StatusOr<NoteVerifier> v = NoteVerifier::FromVerifierKey(c.key);
    ASSERT_FALSE(v.ok()) << c.key;
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(v.status().message().find(c.needle), std::string::npos)
        << "message \"" << v.status().message() << "\" lacks \"" << c.needle
        << "\"";
  }
  StatusOr<NoteSigner> s = NoteSigner::FromPrivateKeyString(kGoVerifierKey);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  std::string wrong_id = kGoPrivateKey;
  wrong_id.replace(wrong_id.find("c74f20a3"), 8, "c74f20a4");
  s = NoteSigner::FromPrivateKeyString(wrong_id);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("does not match"), std::string::npos);
  EXPECT_EQ(NoteSigner::Generate("bad name").status().code(),
            StatusCode::kInvalidArgument);
}

// ---- Signing and opening
// -----------------------------------------------------

class SignedNoteTest : public ::testing::Test {
 protected:
  SignedNoteTest()
      : signer_(MustGenerate("example.com/log")),
        verifier_(MustVerifier(signer_.VerifierKey())),
        body_(FormatCheckpointBody({"example.com/log", 42, RootOf("t")})) {}

  std::string Note() {
    StatusOr<std::string> note = signer_.Sign(body_);
    EXPECT_TRUE(note.ok()) << note.status().ToString();
    return *note;
  }

  NoteSigner signer_;
  NoteVerifier verifier_;
  std::string body_;
};

TEST_F(SignedNoteTest, SignThenOpenReturnsTheBody) {
  const std::string note = Note();
  EXPECT_EQ(note.rfind(body_ + "\n" + kEmDash + " example.com/log ", 0), 0u)
      << note;
  StatusOr<std::string> body = verifier_.Open(note);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, body_);
  StatusOr<Checkpoint> cp = ParseCheckpointBody(*body);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->size, 42u);
}

TEST_F(SignedNoteTest, ChangedBodyFailsAsInvalidSignature) {
  std::string note = Note();
  note.replace(note.find("\n42\n"), 4, "\n43\n");
  StatusOr<std::string> body = verifier_.Open(note);
  EXPECT_EQ(body.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(body.status().message(),
            "signature by key name \"example.com/log\" (key id " +
                verifier_.VerifierKey().substr(16, 8) +
                ") is invalid for this note's text");
}

TEST_F(SignedNoteTest, ChangedSignatureFails) {
  std::string note = Note();
  // Flip a character inside the signature bytes (past the key id).
  const size_t at = note.size() - 20;
  note[at] = note[at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verifier_.Open(note).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(SignedNoteTest, WrongKeyNameIsNotFound) {
  NoteSigner other = MustGenerate("other.example/log");
  StatusOr<std::string> body = MustVerifier(other.VerifierKey()).Open(Note());
  EXPECT_EQ(body.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(body.status().message(),
            "no signature by key name \"other.example/log\" (the note is "
            "signed by: example.com/log)");
}

TEST_F(SignedNoteTest, SameNameOtherKeyIsKeyIdMismatch) {
  NoteSigner impostor = MustGenerate("example.com/log");
  StatusOr<std::string> note = impostor.Sign(body_);
  ASSERT_TRUE(note.ok());
  StatusOr<std::string> body = verifier_.Open(*note);
  EXPECT_EQ(body.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(body.status().message().rfind("key id mismatch: ", 0), 0u)
      << body.status().message();
}

TEST_F(SignedNoteTest, WrongKeyIdOnTheSignatureLineIsKeyIdMismatch) {
  std::string note = Note();
  // Rewrite the key id inside the base64 blob.
  const size_t line = note.rfind(kEmDash);
  const size_t b64 = note.find(' ', line + 4) + 1;
  StatusOr<std::string> raw =
      FromBase64(std::string_view(note).substr(b64, note.size() - b64 - 1));
  ASSERT_TRUE(raw.ok());
  (*raw)[0] ^= 1;
  note = note.substr(0, b64) + ToBase64(*raw) + "\n";
  StatusOr<std::string> body = verifier_.Open(note);
  EXPECT_EQ(body.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(body.status().message().find("key id mismatch"), std::string::npos)
      << body.status().message();
}

TEST_F(SignedNoteTest, CosignedNoteOpensWithEitherKey) {
  NoteSigner witness = MustGenerate("witness.example");
  StatusOr<std::string> witness_note = witness.Sign(body_);
  ASSERT_TRUE(witness_note.ok());
  const std::string witness_line =
      witness_note->substr(witness_note->rfind(kEmDash));
  const std::string both = Note() + witness_line;
  EXPECT_TRUE(verifier_.Open(both).ok());
  StatusOr<std::string> body = MustVerifier(witness.VerifierKey()).Open(both);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, body_);
}

TEST_F(SignedNoteTest, GarbageNotesAreMalformed) {
  const std::string note = Note();
  const std::string sig_line = note.substr(note.rfind(kEmDash));
  struct Case {
    std::string note;
    std::string needle;
  };
  const Case cases[] = {
      {"", "text is empty"},
      {"garbage", "does not end with a newline"},
      {"garbage\n", "no blank line"},
      {body_ + "\n", "no signature lines"},
      {note.substr(0, note.size() - 1), "does not end with a newline"},
      {body_ + "\n- example.com/log AAAA\n", "does not start with an em dash"},
      {body_ + "\n" + kEmDash + " example.com/log\n", "has no space"},
      {body_ + "\n" + kEmDash + " example.com/log AAA\n", "base64"},
      {body_ + "\n" + kEmDash + " example.com/log AAAA\n",
       "signature is 3 bytes"},
      {body_ + "\n" + kEmDash + "  x AAAAAAAA\n", "key name"},
      {"bad\x01text\n\n" + sig_line, "control character 0x01"},
      {"bad\xC3text\n\n" + sig_line, "invalid UTF-8"},
  };
  for (const Case& c : cases) {
    StatusOr<std::string> body = verifier_.Open(c.note);
    ASSERT_FALSE(body.ok()) << c.note;
    EXPECT_EQ(body.status().code(), StatusCode::kInvalidArgument) << c.note;
    EXPECT_EQ(body.status().message().rfind("malformed note: ", 0), 0u)
        << body.status().message();
    EXPECT_NE(body.status().message().find(c.needle), std::string::npos)
        << "message \"" << body.status().message() << "\" lacks \"" << c.needle
        << "\"";
  }
  std::string many = body_ + "\n";
  for (int i = 0; i < 101; ++i) many += sig_line;
  EXPECT_EQ(verifier_.Open(many).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(SignedNoteTest, SignRefusesInvalidText) {
  EXPECT_EQ(signer_.Sign("no newline").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(signer_.Sign("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(signer_.Sign("tab\there\n").status().code(),
            StatusCode::kInvalidArgument);
}

// ---- Key files
// -------------------------------------------------------------------

TEST(KeyFileTest, WriteThenReadRoundTripsWithMode0600) {
  TempDir dir;
  const std::string path = (dir / "log.key").string();
  NoteSigner signer = MustGenerate("example.com/log");
  ASSERT_TRUE(WriteKeyFile(path, signer).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(ReadText(path), signer.PrivateKeyString() + "\n");
  StatusOr<NoteSigner> read = ReadKeyFile(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->VerifierKey(), signer.VerifierKey());
}

TEST(KeyFileTest, NeverOverwritesAnExistingFile) {
  TempDir dir;
  const std::string path = (dir / "log.key").string();
  NoteSigner first = MustGenerate("example.com/log");
  ASSERT_TRUE(WriteKeyFile(path, first).ok());
  Status s = WriteKeyFile(path, MustGenerate("example.com/log"));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("refusing to overwrite"), std::string::npos);
  EXPECT_EQ(ReadText(path), first.PrivateKeyString() + "\n");
}

TEST(KeyFileTest, ReadErrorsAreSpecific) {
  TempDir dir;
  const std::string missing = (dir / "missing.key").string();
  EXPECT_EQ(ReadKeyFile(missing).status().code(), StatusCode::kNotFound);

  const std::string open = (dir / "open.key").string();
  WriteText(open, std::string(kGoPrivateKey) + "\n");
  ASSERT_EQ(::chmod(open.c_str(), 0644), 0);
  StatusOr<NoteSigner> s = ReadKeyFile(open);
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("mode 0644"), std::string::npos)
      << s.status().message();
  ASSERT_EQ(::chmod(open.c_str(), 0600), 0);
  ASSERT_TRUE(ReadKeyFile(open).ok());

  const std::string garbage = (dir / "garbage.key").string();
  WriteText(garbage, "not a key\n");
  ASSERT_EQ(::chmod(garbage.c_str(), 0600), 0);
  s = ReadKeyFile(garbage);
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("key file " + garbage),
            std::string::npos);
}

// ---- Independent check with libsodium
// ----------------------------------------------

constexpr char kPython[] = "/usr/bin/python3";

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

RunResult RunCommand(const std::string& command) {
  RunResult r;
  r.output = testing::RunShell(command, &r.exit_code);
  return r;
}

std::string Quote(const fs::path& p) { return "'" + p.string() + "'"; }

class NaclTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kPython, X_OK), 0)
        << kPython << " is missing: install Debian's python3 and python3-nacl "
        << "(apt-get install python3-nacl); the independent Ed25519 check "
        << "cannot run without them";
    RunResult probe =
        RunCommand(std::string(kPython) + " -c 'import nacl.signing'");
    ASSERT_EQ(probe.exit_code, 0)
        << "python3-nacl is not importable by " << kPython
        << " (apt-get install python3-nacl): " << probe.output;
    script_ =
        (fs::path(::consilium::testing::SourceDir()) / "tests/ledger/proofs") /
        "verify_note_nacl.py";
    ASSERT_TRUE(fs::exists(script_)) << script_;
  }

  RunResult Script(const std::string& args) {
    return RunCommand(std::string(kPython) + " " + Quote(script_) + " " + args);
  }

  fs::path script_;
};

TEST_F(NaclTest, LibsodiumVerifiesOurSignedCheckpoint) {
  TempDir dir;
  NoteSigner signer = MustGenerate("example.com/log");
  const std::string body =
      FormatCheckpointBody({"example.com/log", 12345, RootOf("nacl")});
  StatusOr<std::string> note = signer.Sign(body);
  ASSERT_TRUE(note.ok());
  WriteText(dir / "vkey", signer.VerifierKey() + "\n");
  WriteText(dir / "note", *note);

  RunResult ok =
      Script("verify " + Quote(dir / "vkey") + " " + Quote(dir / "note"));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output, "OK\n" + body);

  // A changed body fails in libsodium too.
  std::string tampered = *note;
  tampered.replace(tampered.find("\n12345\n"), 7, "\n12346\n");
  WriteText(dir / "tampered", tampered);
  RunResult bad =
      Script("verify " + Quote(dir / "vkey") + " " + Quote(dir / "tampered"));
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("does not verify"), std::string::npos)
      << bad.output;

  // A verifier key under another name finds no signature.
  NoteSigner other = MustGenerate("other.example");
  WriteText(dir / "other", other.VerifierKey() + "\n");
  RunResult wrong_name =
      Script("verify " + Quote(dir / "other") + " " + Quote(dir / "note"));
  EXPECT_EQ(wrong_name.exit_code, 1) << wrong_name.output;
  EXPECT_NE(wrong_name.output.find("no signature by key name other.example"),
            std::string::npos)
      << wrong_name.output;

  // Same name, another key: the key id does not match.
  NoteSigner impostor = MustGenerate("example.com/log");
  WriteText(dir / "impostor", impostor.VerifierKey() + "\n");
  RunResult wrong_id =
      Script("verify " + Quote(dir / "impostor") + " " + Quote(dir / "note"));
  EXPECT_EQ(wrong_id.exit_code, 1) << wrong_id.output;
  EXPECT_NE(wrong_id.output.find("with key id"), std::string::npos)
      << wrong_id.output;
}

TEST_F(NaclTest, LibsodiumDerivesTheSameVerifierKeyFromOurKeyFile) {
  TempDir dir;
  NoteSigner signer = MustGenerate("example.com/log");
  ASSERT_TRUE(WriteKeyFile((dir / "log.key").string(), signer).ok());
  RunResult r = Script("vkey " + Quote(dir / "log.key"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, signer.VerifierKey() + "\n");
}

TEST_F(NaclTest, WeOpenNotesSignedByLibsodium) {
  TempDir dir;
  NoteSigner signer = MustGenerate("example.com/log");
  ASSERT_TRUE(WriteKeyFile((dir / "log.key").string(), signer).ok());
  const std::string body =
      FormatCheckpointBody({"example.com/log", 7, RootOf("sodium")});
  WriteText(dir / "body", body);
  RunResult r =
      Script("sign " + Quote(dir / "log.key") + " " + Quote(dir / "body"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  StatusOr<std::string> ours = signer.Sign(body);
  ASSERT_TRUE(ours.ok());
  // Ed25519 signatures are deterministic: byte-identical notes.
  EXPECT_EQ(r.output, *ours);
  StatusOr<std::string> opened =
      MustVerifier(signer.VerifierKey()).Open(r.output);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, body);
}

}  // namespace
}  // namespace consilium
