// Reads of the domain's current state from the command line, with the
// documents the server returns for the same question (render/domain_json.h):
// `record show` (record content: the read is recorded, as the server
// records it, with an AccessRecorded for --actor before the content is
// printed) and `worklist` (an annotator's assigned records not yet
// annotated, the next one first). docs/server.md, "Routes".
#include <string>
#include <utility>

#include "domain/command_handler.h"
#include "render/domain_json.h"
#include "tools/cli.h"
#include "tools/command_session.h"
#include "tools/open_ledger.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

int RecordShow(const Args& args) {
  if (args.positional.size() != 1) {
    return Fail(InvalidArgumentError(
        "usage: consilium record show ID --data DIR [--actor A]"));
  }
  const std::string& id = args.positional[0];
  StatusOr<CommandSession> s = OpenCommandSession(args, /*read_only=*/false);
  if (!s.ok()) return Fail(s.status());
  auto doc = render::ReadRecordDocument(*s->handler, *s->ledger, id);
  if (!doc.ok()) return Fail(doc.status(), 1);
  domain::RecordAccessCommand access{.resource_kind = "record",
                                     .resource_id = id,
                                     .action = "read",
                                     .purpose = "cli: record show",
                                     .allowed = true,
                                     .reason = ""};
  Status recorded =
      s->handler->RecordAccess(args.Get("actor", "admin"), access).status();
  if (!recorded.ok()) return Fail(recorded, 1);
  return PrintJson(*doc);
}

int Worklist(const Args& args) {
  if (args.positional.size() != 1) {
    return Fail(
        InvalidArgumentError("usage: consilium worklist ANNOTATOR --data DIR"));
  }
  const std::string& annotator = args.positional[0];
  auto session = OpenCommandSession(args, /*read_only=*/true);
  if (!session.ok()) return Fail(session.status());
  auto entries = session->handler->Read([&](const domain::DomainState& s) {
    return render::WorklistEntries(
        s, annotator, [](const domain::RecordState&) { return true; });
  });
  return PrintJson(render::WorklistJson(annotator, entries));
}

Registrar record_show(Command{
    .words = {"record", "show"},
    .summary = "print a record's content; the read is recorded (access)",
    .positionals = {{"ID", "record id"}},
    .flags = {DataFlag(),
              {"actor", "A", "who reads it, recorded (default admin)"}},
    .run = RecordShow,
    .notes = "The document GET /v1/records/{id} returns. Appends an "
             "AccessRecorded for --actor, durable before the content is "
             "printed (DESIGN.md invariant 3)."});
Registrar worklist_cmd(Command{
    .words = {"worklist"},
    .summary = "an annotator's assigned records not yet annotated, next first",
    .positionals = {{"ANNOTATOR", "principal id"}},
    .flags = {DataFlag()},
    .run = Worklist,
    .notes = "The document GET /v1/worklist returns for that annotator."});

}  // namespace
}  // namespace consilium::cli
