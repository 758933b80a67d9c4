// Crypto-shredding (docs/encryption.md, "Shredding"):
//   consilium shred --data DIR --subject S --reason TEXT [--actor A]
// destroys the subject's data key in DIR/keys and appends KeyShredded. The
// key-encryption key comes from the environment (tools/content_keys.h).
// The events stay: `verify`, proofs and old signed checkpoints still check.
#include <string>

#include "domain/command_handler.h"
#include "domain/compliance_commands.h"
#include "render/commit_json.h"
#include "tools/cli.h"
#include "tools/command_session.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

int RunShred(const Args& args) {
  StatusOr<CommandSession> s = OpenCommandSession(args, /*read_only=*/false);
  if (!s.ok()) return Fail(s.status());
  domain::ComplianceCommands compliance(&s->handler->core());
  StatusOr<Committed> c = compliance.ShredSubject(
      args.Get("actor", "admin"), args.Get("subject"), args.Get("reason"));
  if (!c.ok()) return Fail(c.status(), 1);
  return PrintJsonLine(render::CommittedJson(*c));
}

Registrar shred_cmd(Command{
    .words = {"shred"},
    .summary = "destroy a subject's data key (crypto-shredding) and record "
               "it as a KeyShredded event",
    .flags = {DataFlag(),
              {"subject", "S", "the subject whose content becomes unreadable",
               true},
              {"reason", "TEXT", "why (kept in the event)", true},
              {"actor", "A", "the admin shredding (default admin)"}},
    .run = RunShred,
    .notes = "Needs the key-encryption key: CONSILIUM_KEK_FILE=F or "
             "CONSILIUM_KEK=HEX. Irreversible."});

}  // namespace
}  // namespace consilium::cli
