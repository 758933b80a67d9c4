// Dataset snapshots (docs/snapshots.md):
//   consilium snapshot export --data DIR --project P (--as-of SEQ | --tag NAME)
//       [--layers L,...] [--content full|hash] [--key KEYFILE] --out OUTDIR
//       [--progress | --quiet]
//   consilium snapshot tag NAME --data DIR --project P --as-of SEQ
//       [--note TEXT] [--actor A]
//   consilium snapshot verify OUTDIR [--data DIR] [--vkey VKEY]
// The export reads the ledger read-only; only when no signed checkpoint of
// exactly the exported size is stored does it open the ledger read-write,
// for as long as it takes to sign one (with --key or the configured key), and
// it refuses, saying how to get one, when that is impossible (a server holds
// the ledger).
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <string>

#include "common/input.h"
#include "dataset/manifest.h"
#include "dataset/pseudonyms.h"
#include "dataset/snapshot.h"
#include "dataset/snapshot_dir.h"
#include "dataset/snapshot_tags.h"
#include "domain/command_handler.h"
#include "ledger/checkpoint.h"
#include "projections/engine.h"
#include "render/commit_json.h"
#include "tools/build_info.h"
#include "tools/cli.h"
#include "tools/command_session.h"
#include "tools/content_keys.h"
#include "tools/open_ledger.h"
#include "tools/output.h"
#include "tools/progress.h"
#include "tools/snapshot_args.h"

namespace consilium::cli {

StatusOr<uint64_t> SnapshotSize(const Args& args, const Ledger& ledger,
                                std::string* tag) {
  if (args.Has("as-of") == args.Has("tag")) {
    return InvalidArgumentError(
        "give exactly one of --as-of SEQ or --tag NAME");
  }
  ASSIGN_OR_RETURN(Head head, ledger.CheckedHead());
  uint64_t seq = 0;
  if (args.Has("tag")) {
    ASSIGN_OR_RETURN(dataset::SnapshotTag t,
                     dataset::FindSnapshotTag(ledger, args.Get("tag")));
    if (t.project != args.Get("project")) {
      return InvalidArgumentError("snapshot tag " + t.name + " names project " +
                                  t.project + ", not " + args.Get("project"));
    }
    *tag = t.name;
    seq = t.as_of_seq;
  } else {
    ASSIGN_OR_RETURN(seq, args.GetUint("as-of", 0));
  }
  if (seq == 0 || seq > head.seq) {
    return OutOfRangeError("--as-of " + std::to_string(seq) +
                           " is not an event of the ledger (1.." +
                           std::to_string(head.seq) + ")");
  }
  return seq;
}

namespace {

namespace ds = ::consilium::dataset;

std::unique_ptr<Ledger> OpenAt(const std::string& dir, bool read_only,
                               Status* status) {
  LedgerOptions o;
  o.read_only = read_only;
  StatusOr<std::unique_ptr<Ledger>> l = Ledger::Open(dir, o);
  if (!l.ok()) {
    *status = l.status();
    return nullptr;
  }
  return std::move(*l);
}

// Signs the checkpoint of `size` events: the ledger opened read-write for
// that alone. FailedPrecondition saying what to do when it cannot be.
Status SignMissingCheckpoint(const std::string& dir, uint64_t size,
                             const std::string& key_arg) {
  Status s;
  std::unique_ptr<Ledger> rw = OpenAt(dir, false, &s);
  if (rw == nullptr) {
    return FailedPreconditionError(
        "no signed checkpoint of exactly " + std::to_string(size) +
        " events is stored, and one cannot be signed now (" + s.message() +
        "): sign it with `consilium checkpoint --data " + dir + " --size " +
        std::to_string(size) +
        "` while the server is stopped, or export at a size that has one");
  }
  std::string key_file = key_arg;
  if (key_file.empty()) {
    ASSIGN_OR_RETURN(std::optional<std::string> configured,
                     rw->GetSetting("checkpoint_key_file"));
    if (!configured) {
      return FailedPreconditionError(
          "no signed checkpoint of exactly " + std::to_string(size) +
          " events is stored and there is no key to sign one: pass --key "
          "KEYFILE or configure one with `consilium configure --data DIR "
          "--checkpoint-key KEYFILE`");
    }
    key_file = *configured;
  }
  ASSIGN_OR_RETURN(NoteSigner signer, ReadKeyFile(key_file));
  return rw->SignCheckpoint(signer, size).status();
}

StatusOr<ds::ExportSpec> SpecOf(const Args& args) {
  ds::ExportSpec spec;
  ASSIGN_OR_RETURN(spec.project, args.Require("project"));
  if (args.Has("layers")) {
    ASSIGN_OR_RETURN(spec.layers, ds::ParseLayers(args.Get("layers")));
  }
  ASSIGN_OR_RETURN(spec.content,
                   ds::ParseContentMode(args.Get("content", "full")));
  return spec;
}

int RunExport(const Args& args) {
  StatusOr<ds::ExportSpec> spec = SpecOf(args);
  if (!spec.ok()) return Fail(spec.status());
  const std::string dir = args.Get("data");
  const std::string out = args.Get("out");
  Status s;
  std::unique_ptr<Ledger> ledger = OpenAt(dir, true, &s);
  if (ledger == nullptr) return Fail(s);
  StatusOr<uint64_t> size = SnapshotSize(args, *ledger, &spec->tag);
  if (!size.ok()) return Fail(size.status());
  spec->as_of_seq = *size;
  auto cp = ledger->CheckpointAt(*size);
  if (!cp.ok()) return Fail(cp.status(), 1);
  if (!cp->has_value()) {
    ledger.reset();  // a read-only instance would not see the new checkpoint
    s = SignMissingCheckpoint(dir, *size, args.Get("key"));
    if (!s.ok()) return Fail(s);
    ledger = OpenAt(dir, true, &s);
    if (ledger == nullptr) return Fail(s);
    cp = ledger->CheckpointAt(*size);
    if (!cp.ok() || !cp->has_value()) {
      return Fail(cp.ok() ? InternalError("the signed checkpoint is not stored")
                          : cp.status());
    }
  }
  StatusOr<ds::Pseudonymizer> ps = ds::Pseudonymizer::LoadOrCreate(dir);
  if (!ps.ok()) return Fail(ps.status());
  StatusOr<OpenedKeys> keys = OpenContentKeys(dir);  // encryption at rest
  if (!keys.ok()) return Fail(keys.status());
  Progress reading("reading events", 0, ProgressWanted(args));
  auto state = projections::BuildStateAsOf(*ledger, *size, keys->keys(),
                                           reading.Callback());
  reading.Finish();
  if (!state.ok()) return Fail(state.status(), 1);
  Progress bar("exporting records", 0, ProgressWanted(args));
  auto m = ds::ExportSnapshot(*ledger, *state, *spec, *ps, **cp,
                              ledger->CheckpointVerifierKey(),
                              {kConsiliumVersion, kConsiliumGitRevision}, out,
                              keys->keys(), bar.Callback());
  bar.Finish();
  if (!m.ok()) return Fail(m.status(), 1);
  std::printf(
      "snapshot of %s as of event %llu: %llu records, %llu annotations\n"
      "%s/%s sha256 %s\n",
      spec->project.c_str(), static_cast<unsigned long long>(*size),
      static_cast<unsigned long long>(m->counts.records),
      static_cast<unsigned long long>(m->counts.annotations), out.c_str(),
      ds::kDataFile, ToHex(m->data_sha256).c_str());
  return 0;
}

int RunTag(const Args& args) {
  StatusOr<uint64_t> as_of = args.GetUint("as-of", 0);
  if (!as_of.ok()) return Fail(as_of.status());
  auto session = OpenCommandSession(args, false);
  if (!session.ok()) return Fail(session.status());
  ds::SnapshotCommands tags(&session->handler->core(), session->ledger.get());
  const std::string name = args.positional[0], project = args.Get("project"),
                    note = args.Get("note");
  StatusOr<Committed> c = tags.TagSnapshot(
      args.Get("actor", "admin"),
      {.name = name, .project_id = project, .as_of_seq = *as_of, .note = note});
  if (!c.ok()) return Fail(c.status(), 1);
  return PrintJsonLine(render::CommittedJson(*c));
}

// --vkey: a key string, or else a file holding one.
StatusOr<NoteVerifier> VerifierFromArg(const std::string& arg) {
  StatusOr<NoteVerifier> direct = NoteVerifier::FromVerifierKey(arg);
  struct stat st;
  if (direct.ok() || ::stat(arg.c_str(), &st) != 0) return direct;
  ASSIGN_OR_RETURN(std::string text,
                   ReadBoundedFile(arg, 64 * kKiB, "verifier key file"));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  return NoteVerifier::FromVerifierKey(text);
}

int RunVerify(const Args& args) {
  if (!args.Has("data") && !args.Has("vkey")) {
    return Fail(InvalidArgumentError(
        "give --data DIR (the ledger) or --vkey VKEY (its verifier key)"));
  }
  std::unique_ptr<Ledger> ledger;
  if (args.Has("data")) {
    Status s;
    ledger = OpenAt(args.Get("data"), true, &s);
    if (ledger == nullptr) return Fail(s);
  }
  StatusOr<NoteVerifier> verifier =
      args.Has("vkey")
          ? VerifierFromArg(args.Get("vkey"))
          : NoteVerifier::FromVerifierKey(ledger->CheckpointVerifierKey());
  if (!verifier.ok()) {
    return Fail(verifier.status().WithContext(
        args.Has("vkey") ? "--vkey" : "the ledger's verifier key"));
  }
  OpenedKeys keys;  // encryption at rest: what the re-export opens
  if (ledger != nullptr) {
    StatusOr<OpenedKeys> opened = OpenContentKeys(args.Get("data"));
    if (!opened.ok()) return Fail(opened.status());
    keys = std::move(*opened);
  }
  auto m = ds::VerifySnapshot(
      args.positional[0], *verifier, ledger.get(),
      [](std::string_view line) {
        std::printf("ok  %.*s\n", static_cast<int>(line.size()), line.data());
      },
      keys.keys());
  if (!m.ok()) {
    return Fail(m.status().WithContext("snapshot " + args.positional[0]), 1);
  }
  std::printf("snapshot %s verified\n", args.positional[0].c_str());
  return 0;
}

Registrar snapshot_export_cmd(Command{
    .words = {"snapshot", "export"},
    .summary = "export a reproducible dataset version (data.jsonl, "
               "manifest.json)",
    .flags = {DataFlag(),
              {"project", "P", "project id", true},
              {"as-of", "SEQ", "the ledger prefix: events 1..SEQ"},
              {"tag", "NAME", "the prefix a `snapshot tag` named"},
              {"layers", "L,...",
               "only fields of these layers (descriptive, "
               "interpretive; default both)"},
              {"content", "full|hash",
               "record content and metadata, or only the content's SHA-256 "
               "(default full)"},
              {"key", "KEYFILE",
               "signs the checkpoint of that size if none is stored "
               "(default: the configured key)"},
              {"out", "OUTDIR", "a new or empty directory", true},
              ProgressFlag(),
              QuietFlag()},
    .run = RunExport,
    .notes = "Give exactly one of --as-of and --tag. Pseudonyms use the key "
             "in DIR/pseudonym.key (created on first use; back it up)."});
Registrar snapshot_tag_cmd(Command{
    .words = {"snapshot", "tag"},
    .summary = "name a dataset version (a SnapshotTagged event)",
    .positionals = {{"NAME", "the tag, a new name"}},
    .flags = {DataFlag(),
              {"project", "P", "project id", true},
              {"as-of", "SEQ", "the ledger prefix: events 1..SEQ", true},
              {"note", "TEXT", "what the version is for"},
              {"actor", "A", "who tags (default admin; an admin of P)"}},
    .run = RunTag});
Registrar snapshot_verify_cmd(Command{
    .words = {"snapshot", "verify"},
    .summary = "check a snapshot's digest, signed checkpoint and, with the "
               "ledger, its provenance",
    .positionals = {{"OUTDIR", "the snapshot's directory"}},
    .flags = {{"data", "DIR", "the ledger: consistency proof and re-export"},
              {"vkey", "VKEY", "verifier key (or a file holding it)"}},
    .run = RunVerify,
    .notes = "Give --data, --vkey or both (then --vkey is the key trusted)."});

}  // namespace
}  // namespace consilium::cli
