// Ledger-backed proof commands: configure, checkpoint, proof inclusion,
// proof consistency. (Offline auditing — keygen, audit verify — is in
// cmd_proofs.cc.) Formats: docs/proofs.md.
#include <cstdio>
#include <string>

#include "ledger/ledger.h"
#include "ledger/proof_json.h"
#include "tools/cli.h"
#include "tools/open_ledger.h"

namespace consilium::cli {
namespace {

int Configure(const Args& args) {
  auto ledger = OpenLedger(args, false);
  if (!ledger.ok()) return Fail(ledger.status());
  auto key = args.Require("checkpoint-key");
  if (!key.ok()) return Fail(key.status());
  // Refuse a file we could not sign with, now rather than at the first
  // checkpoint.
  auto signer = ReadKeyFile(*key);
  if (!signer.ok()) return Fail(signer.status());
  Status s = (*ledger)->SetSetting("checkpoint_key_file", *key);
  if (!s.ok()) return Fail(s);
  std::printf("checkpoints of %s will be signed with %s (key %s)\n",
              (*ledger)->dir().c_str(), key->c_str(),
              signer->VerifierKey().c_str());
  return 0;
}

int CheckpointCommand(const Args& args) {
  auto ledger = OpenLedger(args, false);
  if (!ledger.ok()) return Fail(ledger.status());
  std::string key_file = args.Get("key");
  if (key_file.empty()) {
    auto configured = (*ledger)->GetSetting("checkpoint_key_file");
    if (!configured.ok()) return Fail(configured.status());
    if (!configured->has_value()) {
      return Fail(
          InvalidArgumentError("no signing key: pass --key KEYFILE or "
                               "configure one with `consilium configure --data "
                               "DIR --checkpoint-key KEYFILE`"));
    }
    key_file = **configured;
  }
  auto signer = ReadKeyFile(key_file);
  if (!signer.ok()) return Fail(signer.status());
  auto size = args.GetUint("size", 0);
  if (!size.ok()) return Fail(size.status());
  auto cp = (*ledger)->SignCheckpoint(*signer, *size);
  if (!cp.ok()) return Fail(cp.status(), 1);
  std::fwrite(cp->note.data(), 1, cp->note.size(), stdout);
  return 0;
}

int ProofInclusion(const Args& args) {
  auto ledger = OpenLedger(args, true);
  if (!ledger.ok()) return Fail(ledger.status());
  auto seq = args.GetUint("seq", 0);
  auto size = args.GetUint("size", 0);
  if (!seq.ok()) return Fail(seq.status());
  if (!size.ok()) return Fail(size.status());
  auto head = (*ledger)->CheckedHead();
  if (!head.ok()) return Fail(head.status(), 1);
  uint64_t n = *size == 0 ? head->seq : *size;
  // Checked by the ledger: the proof leads from the event's leaf hash to
  // the root (and the root matches a checkpoint of that size, if stored).
  auto bundle = (*ledger)->ProveInclusion(*seq, n);
  if (!bundle.ok()) return Fail(bundle.status(), 1);
  std::printf("%s\n", merkle::InclusionBundleToJson(*bundle).c_str());
  return 0;
}

int ProofConsistency(const Args& args) {
  auto ledger = OpenLedger(args, true);
  if (!ledger.ok()) return Fail(ledger.status());
  auto from = args.GetUint("from", 0);
  auto to = args.GetUint("to", 0);
  if (!from.ok()) return Fail(from.status());
  if (!to.ok()) return Fail(to.status());
  auto head = (*ledger)->CheckedHead();
  if (!head.ok()) return Fail(head.status(), 1);
  uint64_t n = *to == 0 ? head->seq : *to;
  auto bundle = (*ledger)->ProveConsistency(*from, n);
  if (!bundle.ok()) return Fail(bundle.status(), 1);
  std::printf("%s\n", merkle::ConsistencyBundleToJson(*bundle).c_str());
  return 0;
}

Registrar configure_cmd(Command{
    .words = {"configure"},
    .summary = "name the key file checkpoints are signed with",
    .flags = {DataFlag(),
              {"checkpoint-key", "KEYFILE",
               "signing key file made by `consilium keygen`", true}},
    .run = Configure});
Registrar checkpoint_cmd(Command{
    .words = {"checkpoint"},
    .summary = "sign, store and print a checkpoint (C2SP signed note)",
    .flags = {DataFlag(),
              {"key", "KEYFILE",
               "signing key (default: the one named by `configure`)"},
              {"size", "N", "tree size to sign (default: the whole ledger)"}},
    .run = CheckpointCommand});
Registrar proof_inclusion_cmd(Command{
    .words = {"proof", "inclusion"},
    .summary = "RFC 9162 inclusion proof of event S (JSON)",
    .flags = {DataFlag(),
              {"seq", "S", "sequence number of the event", true},
              {"size", "N", "tree size to prove against (default: all)"}},
    .run = ProofInclusion});
Registrar proof_consistency_cmd(Command{
    .words = {"proof", "consistency"},
    .summary = "RFC 9162 consistency proof between tree sizes M and N (JSON)",
    .flags = {DataFlag(),
              {"from", "M", "the older tree size", true},
              {"to", "N", "the newer tree size (default: the whole ledger)"}},
    .run = ProofConsistency});

}  // namespace
}  // namespace consilium::cli
