// libFuzzer target for signed checkpoints as an auditor receives them:
// ParseCheckpointBody and NoteVerifier::Open (bytes from `consilium
// checkpoint` output files, `audit verify --checkpoint`, and any log's
// published checkpoint).
//
// The whole input is tried both as a checkpoint body and as a signed note,
// opened with a fixed verifier key: the example key of Go's
// golang.org/x/mod/sumdb/note (also the fixture of checkpoint_test.cc), whose
// private key is public, so the seed corpus holds notes that verify.
//
// Properties checked beyond "no crash":
// - ParseCheckpointBody rejects with InvalidArgument only. An accepted body
//   starts with FormatCheckpointBody of what it parsed to (the rest is
//   extension lines, accepted and not returned), equals it when there are no
//   extension lines, and the formatted body parses back to the same
//   checkpoint. Signing an accepted body and opening the note returns it.
// - Open rejects with InvalidArgument, NotFound or Unauthenticated only, and
//   what it opens is the note's text up to its last blank line.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ledger/checkpoint.h"

namespace {

constexpr char kPrivateKey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+"
    "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kVerifierKey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

const consilium::NoteSigner& Signer() {
  static const consilium::NoteSigner* signer = [] {
    auto s = consilium::NoteSigner::FromPrivateKeyString(kPrivateKey);
    if (!s.ok()) Violated("the fixed private key does not parse");
    return new consilium::NoteSigner(std::move(*s));
  }();
  return *signer;
}

const consilium::NoteVerifier& Verifier() {
  static const consilium::NoteVerifier* verifier = [] {
    auto v = consilium::NoteVerifier::FromVerifierKey(kVerifierKey);
    if (!v.ok()) Violated("the fixed verifier key does not parse");
    return new consilium::NoteVerifier(std::move(*v));
  }();
  return *verifier;
}

void CheckBody(std::string_view text) {
  using namespace consilium;
  StatusOr<Checkpoint> cp = ParseCheckpointBody(text);
  if (!cp.ok()) {
    if (cp.status().code() != StatusCode::kInvalidArgument) {
      Violated("body rejection is not InvalidArgument");
    }
    return;
  }
  if (!ValidateCheckpointOrigin(cp->origin).ok()) {
    Violated("accepted origin fails ValidateCheckpointOrigin");
  }
  const std::string formatted = FormatCheckpointBody(*cp);
  if (text.substr(0, formatted.size()) != formatted) {
    Violated("body does not start with its re-formatted checkpoint");
  }
  const bool has_extensions = text.size() != formatted.size();
  if (has_extensions && text[formatted.size() - 1] != '\n') {
    Violated("extension lines do not start on a new line");
  }
  StatusOr<Checkpoint> again = ParseCheckpointBody(formatted);
  if (!again.ok() || *again != *cp) Violated("formatted body parses apart");

  StatusOr<std::string> note = Signer().Sign(text);
  if (!note.ok()) Violated("an accepted body cannot be signed");
  StatusOr<std::string> opened = Verifier().Open(*note);
  if (!opened.ok() || *opened != text) Violated("sign then open != body");
}

void CheckNote(std::string_view text) {
  using namespace consilium;
  StatusOr<std::string> opened = Verifier().Open(text);
  if (!opened.ok()) {
    const StatusCode code = opened.status().code();
    if (code != StatusCode::kInvalidArgument && code != StatusCode::kNotFound &&
        code != StatusCode::kUnauthenticated) {
      Violated("note rejection has an unexpected code");
    }
    return;
  }
  const size_t split = text.rfind("\n\n");
  if (split == std::string_view::npos || *opened != text.substr(0, split + 1)) {
    Violated("opened body is not the text before the last blank line");
  }
  CheckBody(*opened);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckBody(text);
  CheckNote(text);
  return 0;
}
