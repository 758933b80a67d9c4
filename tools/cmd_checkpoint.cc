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
  uint64_t n = *size == 0 ? (*ledger)->head().seq : *size;
  auto event = (*ledger)->Get(*seq);
  if (!event.ok()) return Fail(event.status(), 1);
  auto proof = (*ledger)->InclusionProof(*seq, n);
  if (!proof.ok()) return Fail(proof.status(), 1);
  auto root = (*ledger)->RootAt(n);
  if (!root.ok()) return Fail(root.status(), 1);
  merkle::InclusionBundle b;
  b.leaf_index = *seq - 1;
  b.tree_size = n;
  b.root = *root;
  b.leaf_hash = event->hash;
  b.proof = std::move(*proof);
  std::printf("%s\n", merkle::InclusionBundleToJson(b).c_str());
  return 0;
}

int ProofConsistency(const Args& args) {
  auto ledger = OpenLedger(args, true);
  if (!ledger.ok()) return Fail(ledger.status());
  auto from = args.GetUint("from", 0);
  auto to = args.GetUint("to", 0);
  if (!from.ok()) return Fail(from.status());
  if (!to.ok()) return Fail(to.status());
  uint64_t n = *to == 0 ? (*ledger)->head().seq : *to;
  auto proof = (*ledger)->ConsistencyProof(*from, n);
  if (!proof.ok()) return Fail(proof.status(), 1);
  auto root1 = (*ledger)->RootAt(*from);
  auto root2 = (*ledger)->RootAt(n);
  if (!root1.ok()) return Fail(root1.status(), 1);
  if (!root2.ok()) return Fail(root2.status(), 1);
  merkle::ConsistencyBundle b;
  b.size1 = *from;
  b.size2 = n;
  b.root1 = *root1;
  b.root2 = *root2;
  b.proof = std::move(*proof);
  std::printf("%s\n", merkle::ConsistencyBundleToJson(b).c_str());
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
