// Proof commands that need no data directory: `keygen` makes a checkpoint
// signing key, `audit verify` checks signed checkpoints, inclusion and
// consistency proofs offline, from files, the way an auditor would
// (docs/proofs.md).
//
// audit verify, precisely:
//   --vkey VKEY          the verifier key "<name>+<hex8 key id>+<base64>", or
//                        a file holding it (one line).
//   --checkpoint FILE    a signed note; a signature line by the verifier key
//                        must verify and its body must be a strict
//                        tlog-checkpoint.
//   --proof FILE         an inclusion proof in JSON (docs/proofs.md). Its
//                        treeSize and root must equal the checkpoint's, and
//                        its proof must lead from its leafHash to that root.
//   --event FILE         optional, with --proof: the event's stored bytes as
//                        exported raw by the ledger (`consilium event --seq S
//                        --raw`). LeafHash(bytes) = SHA-256(0x00 || bytes)
//                        must equal the proof's leafHash; without --event the
//                        proof's leafHash is taken as given. When the bytes
//                        decode as a Consilium event, its sequence number
//                        must be leafIdx + 1 (sequence numbers start at 1).
//   --old-checkpoint FILE, --consistency FILE   together: an older signed
//                        checkpoint by the same key and origin, and a JSON
//                        consistency proof whose size1/root1 and size2/root2
//                        equal the old and new checkpoints'; it must verify.
// Each check prints one line to stdout as it passes. The first failure is
// printed to stderr and the exit code is 1; unreadable files and bad flags
// exit 2.
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "common/hash.h"
#include "common/input.h"
#include "ledger/checkpoint.h"
#include "ledger/proof_json.h"
#include "ledger/proof_verifier.h"
#include "schemas/event.h"
#include "tools/cli.h"
#include "tools/input_limits.h"

namespace consilium::cli {
namespace {

std::string Hex8(uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return buf;
}

// The whole file, at most kProofFileLimit bytes (tools/input_limits.h):
// NotFound when it cannot be opened, InvalidArgument past the limit, DataLoss
// on a read error. Pipes and devices are read like files, and bounded.
StatusOr<std::string> ReadInput(const std::string& path, const char* what) {
  return ReadBoundedFile(path, kProofFileLimit, what);
}

std::string_view TrimLine(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' ||
                        s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// --vkey: a key string, or else a file holding one.
StatusOr<NoteVerifier> LoadVerifierKey(const std::string& arg) {
  StatusOr<NoteVerifier> direct = NoteVerifier::FromVerifierKey(arg);
  if (direct.ok()) return direct;
  struct stat st;
  if (::stat(arg.c_str(), &st) != 0) {
    return InvalidArgumentError("--vkey is neither a verifier key (" +
                                direct.status().message() +
                                ") nor an existing file");
  }
  ASSIGN_OR_RETURN(std::string text, ReadInput(arg, "verifier key file"));
  StatusOr<NoteVerifier> from_file =
      NoteVerifier::FromVerifierKey(TrimLine(text));
  if (!from_file.ok()) {
    return from_file.status().WithContext("verifier key file " + arg);
  }
  return from_file;
}

// Prints one passed check and counts it.
int passed_checks = 0;
void Passed(const std::string& line) {
  ++passed_checks;
  std::printf("ok  %s\n", line.c_str());
  std::fflush(stdout);
}

// Exit code 1 with the failed check named.
int Failed(const std::string& check, const Status& status) {
  return Fail(status.WithContext(check), 1);
}

// Reads, opens and parses a signed checkpoint. `exit_code` is set to 2 for
// an unreadable file and 1 for a note or body that does not check out.
StatusOr<Checkpoint> OpenCheckpoint(const NoteVerifier& verifier,
                                    const std::string& path, const char* what,
                                    int& exit_code) {
  StatusOr<std::string> note = ReadInput(path, what);
  if (!note.ok()) {
    exit_code = 2;
    return note.status();
  }
  exit_code = 1;
  StatusOr<std::string> body = verifier.Open(*note);
  if (!body.ok())
    return body.status().WithContext(std::string(what) + " " + path);
  Passed(std::string(what) + " " + path + ": signature by " + verifier.name() +
         " (key id " + Hex8(verifier.key_id()) + ") verifies");
  StatusOr<Checkpoint> cp = ParseCheckpointBody(*body);
  if (!cp.ok()) return cp.status().WithContext(std::string(what) + " " + path);
  Passed(std::string(what) + ": origin " + cp->origin + ", tree size " +
         std::to_string(cp->size) + ", root " + ToBase64(cp->root));
  return cp;
}

int Keygen(const Args& args) {
  StatusOr<std::string> name = args.Require("name");
  if (!name.ok()) return Fail(name.status());
  StatusOr<std::string> out = args.Require("out");
  if (!out.ok()) return Fail(out.status());
  StatusOr<NoteSigner> signer = NoteSigner::Generate(*name);
  if (!signer.ok()) return Fail(signer.status());
  Status s = WriteKeyFile(*out, *signer);
  if (!s.ok()) return Fail(s);
  std::fprintf(stderr,
               "wrote the private key for %s to %s (mode 0600); give "
               "auditors the verifier key below\n",
               signer->name().c_str(), out->c_str());
  std::printf("%s\n", signer->VerifierKey().c_str());
  return 0;
}

int AuditVerify(const Args& args) {
  StatusOr<std::string> vkey_arg = args.Require("vkey");
  if (!vkey_arg.ok()) return Fail(vkey_arg.status());
  StatusOr<std::string> checkpoint_path = args.Require("checkpoint");
  if (!checkpoint_path.ok()) return Fail(checkpoint_path.status());
  if (args.Has("event") && !args.Has("proof")) {
    return Fail(InvalidArgumentError(
        "--event needs --proof (the inclusion proof of that event)"));
  }
  if (args.Has("old-checkpoint") != args.Has("consistency")) {
    return Fail(
        InvalidArgumentError("--old-checkpoint and --consistency go together"));
  }

  StatusOr<NoteVerifier> verifier = LoadVerifierKey(*vkey_arg);
  if (!verifier.ok()) return Fail(verifier.status());
  Passed("verifier key: " + verifier->name() + ", key id " +
         Hex8(verifier->key_id()) + ", Ed25519");

  int exit_code = 1;
  StatusOr<Checkpoint> cp =
      OpenCheckpoint(*verifier, *checkpoint_path, "checkpoint", exit_code);
  if (!cp.ok()) return Fail(cp.status(), exit_code);

  if (args.Has("proof")) {
    const std::string proof_path = args.Get("proof");
    StatusOr<std::string> text = ReadInput(proof_path, "inclusion proof");
    if (!text.ok()) return Fail(text.status());
    StatusOr<merkle::InclusionBundle> proof =
        merkle::InclusionBundleFromJson(*text);
    if (!proof.ok())
      return Failed("inclusion proof " + proof_path, proof.status());

    if (args.Has("event")) {
      const std::string event_path = args.Get("event");
      StatusOr<std::string> bytes = ReadInput(event_path, "event");
      if (!bytes.ok()) return Fail(bytes.status());
      const Hash256 leaf = LeafHash(AsBytes(*bytes));
      if (leaf != proof->leaf_hash) {
        return Failed("event " + event_path,
                      DataLossError("leaf hash SHA-256(0x00 || " +
                                    std::to_string(bytes->size()) +
                                    " bytes) = " + ToHex(leaf) +
                                    " differs from the proof's leafHash " +
                                    ToHex(proof->leaf_hash)));
      }
      std::string described = std::to_string(bytes->size()) + " bytes";
      if (VerifyStoredEvent(*bytes).ok()) {
        const fb::Event* event = EventView(*bytes);
        const uint64_t seq = SequenceOf(*event);
        if (seq != proof->leaf_index + 1) {
          return Failed(
              "event " + event_path,
              InvalidArgumentError(
                  "the event has sequence number " + std::to_string(seq) +
                  " but the proof is for leaf " +
                  std::to_string(proof->leaf_index) + " (sequence " +
                  std::to_string(proof->leaf_index + 1) + ")"));
        }
        described += ", sequence " + std::to_string(seq) + " (" +
                     std::string(EventTypeName(event->body_type())) + ")";
      } else {
        described += ", not decodable by this build (sequence not checked)";
      }
      Passed("event " + event_path + ": " + described + ", leaf hash " +
             ToHex(leaf) + " equals the proof's leafHash");
    } else {
      Passed("inclusion proof " + proof_path + ": leafHash " +
             ToHex(proof->leaf_hash) + " taken as given (no --event)");
    }
    if (proof->tree_size != cp->size) {
      return Failed(
          "inclusion proof " + proof_path,
          InvalidArgumentError("treeSize " + std::to_string(proof->tree_size) +
                               " differs from the checkpoint's tree size " +
                               std::to_string(cp->size)));
    }
    if (proof->root != cp->root) {
      return Failed("inclusion proof " + proof_path,
                    DataLossError("root " + ToBase64(proof->root) +
                                  " differs from the checkpoint's root " +
                                  ToBase64(cp->root)));
    }
    Status s =
        merkle::VerifyInclusion(proof->leaf_index, proof->tree_size,
                                proof->leaf_hash, proof->proof, cp->root);
    if (!s.ok()) return Failed("inclusion proof " + proof_path, s);
    Passed("inclusion: leaf " + std::to_string(proof->leaf_index) +
           " (sequence " + std::to_string(proof->leaf_index + 1) +
           ") is in the checkpoint's tree of size " + std::to_string(cp->size) +
           " (" + std::to_string(proof->proof.size()) +
           " proof hashes recompute its root)");
  }

  if (args.Has("old-checkpoint")) {
    const std::string old_path = args.Get("old-checkpoint");
    StatusOr<Checkpoint> old =
        OpenCheckpoint(*verifier, old_path, "old checkpoint", exit_code);
    if (!old.ok()) return Fail(old.status(), exit_code);
    if (old->origin != cp->origin) {
      return Failed("old checkpoint " + old_path,
                    InvalidArgumentError("origin \"" + old->origin +
                                         "\" differs from the checkpoint's \"" +
                                         cp->origin + "\""));
    }
    if (old->size > cp->size) {
      return Failed(
          "old checkpoint " + old_path,
          InvalidArgumentError("tree size " + std::to_string(old->size) +
                               " is larger than the checkpoint's " +
                               std::to_string(cp->size) + "; swap the two"));
    }
    const std::string cons_path = args.Get("consistency");
    StatusOr<std::string> text = ReadInput(cons_path, "consistency proof");
    if (!text.ok()) return Fail(text.status());
    StatusOr<merkle::ConsistencyBundle> proof =
        merkle::ConsistencyBundleFromJson(*text);
    if (!proof.ok()) {
      return Failed("consistency proof " + cons_path, proof.status());
    }
    if (proof->size1 != old->size || proof->size2 != cp->size) {
      return Failed(
          "consistency proof " + cons_path,
          InvalidArgumentError(
              "it is from size " + std::to_string(proof->size1) + " to " +
              std::to_string(proof->size2) + ", the checkpoints are of sizes " +
              std::to_string(old->size) + " and " + std::to_string(cp->size)));
    }
    if (proof->root1 != old->root) {
      return Failed("consistency proof " + cons_path,
                    DataLossError("root1 " + ToBase64(proof->root1) +
                                  " differs from the old checkpoint's root " +
                                  ToBase64(old->root)));
    }
    if (proof->root2 != cp->root) {
      return Failed("consistency proof " + cons_path,
                    DataLossError("root2 " + ToBase64(proof->root2) +
                                  " differs from the checkpoint's root " +
                                  ToBase64(cp->root)));
    }
    Status s = merkle::VerifyConsistency(old->size, cp->size, proof->proof,
                                         old->root, cp->root);
    if (!s.ok()) return Failed("consistency proof " + cons_path, s);
    Passed("consistency: the old checkpoint's tree of size " +
           std::to_string(old->size) + " is a prefix of the tree of size " +
           std::to_string(cp->size) + " (" +
           std::to_string(proof->proof.size()) + " proof hashes)");
  }
  std::printf("verified: all %d checks passed\n", passed_checks);
  return 0;
}

Registrar keygen_cmd(Command{
    .words = {"keygen"},
    .summary = "create a checkpoint signing key (mode 0600); prints the "
               "verifier key",
    .flags = {{"name", "ORIGIN", "the checkpoint origin (log name)", true},
              {"out", "KEYFILE", "where to write the signing key", true}},
    .run = Keygen});
Registrar audit_verify_cmd(Command{
    .words = {"audit", "verify"},
    .summary =
        "offline: check a signed checkpoint and inclusion/consistency proofs",
    .flags = {{"vkey", "VKEY", "verifier key (or a file holding it)", true},
              {"checkpoint", "FILE", "the signed checkpoint", true},
              {"event", "FILE", "an event's stored bytes (needs --proof)"},
              {"proof", "FILE", "inclusion proof JSON"},
              {"old-checkpoint", "FILE",
               "an older checkpoint (with --consistency)"},
              {"consistency", "FILE",
               "consistency proof JSON (with --old-checkpoint)"}},
    .run = AuditVerify,
    .notes = "--event needs --proof; --old-checkpoint and --consistency go "
             "together."});

}  // namespace
}  // namespace consilium::cli
