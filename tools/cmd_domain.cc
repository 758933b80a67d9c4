// Domain commands: project create, schema publish/show/diff, import records,
// batch create, assign, annotate, user add, user revoke-token. Each opens the
// ledger, rebuilds the domain state by scanning it
// (domain::CommandHandler::Open) and runs one command through the handler, so
// every rule in docs/commands.md applies. `--actor` names who performs the
// command (default "admin").
//
// Output: one JSON line per appended event ({"seq":N,"hash":"..."}), or per
// input line for the bulk commands ({"line":N,"id":"...","seq":...} or
// {"error":{...},"line":N}). Exit codes as in tools/cli.h: 1 when the
// command (or any input line) was rejected.
#include <algorithm>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/input.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "render/command_input.h"
#include "render/commit_json.h"
#include "schemas/event_json.h"
#include "schemas/schema_diff.h"
#include "tools/cli.h"
#include "tools/command_session.h"
#include "tools/content_keys.h"
#include "tools/deid_gate_args.h"
#include "tools/input_limits.h"
#include "tools/output.h"
#include "tools/progress.h"

namespace consilium::cli {
namespace {

using domain::CommandHandler;

// The lines of a JSON-lines input file, bounded (tools/input_limits.h).
StatusOr<std::vector<std::string>> ReadJsonLines(const std::string& path,
                                                 std::string_view what) {
  return ReadBoundedLines(
      path, {.max_line = kJsonLineLimit, .max_total = kBulkFileLimit}, what);
}

std::string Actor(const Args& args) { return args.Get("actor", "admin"); }

// Prints the result of a single-event command; exit 0, or 1 when rejected.
int Report(const StatusOr<Committed>& c) {
  if (!c.ok()) return Fail(c.status(), 1);
  return PrintJsonLine(render::CommittedJson(*c));
}

int PrintBulk(const domain::BulkReport& report) {
  for (const auto& l : report.lines) {
    if (l.status.ok()) {
      PrintJsonLine(render::ImportLineJson(l.line, l.id, l.committed));
    } else {
      std::printf("%s\n", ErrorJson(l.status, l.line).c_str());
      std::fprintf(stderr, "consilium: line %zu: %s\n", l.line,
                   l.status.ToString().c_str());
    }
  }
  std::fflush(stdout);
  return report.all_ok() ? 0 : 1;
}

int ProjectCreate(const Args& args) {
  auto id = args.Require("id");
  auto name = args.Require("name");
  auto overlap = args.GetUint("overlap", 0);
  if (!id.ok()) return Fail(id.status());
  if (!name.ok()) return Fail(name.status());
  if (!overlap.ok()) return Fail(overlap.status());
  if (*overlap > 1000)
    return Fail(InvalidArgumentError("--overlap is at most 1000"));
  auto s = OpenCommandSession(args, false);
  if (!s.ok()) return Fail(s.status());
  return Report(s->handler->CreateProject(
      Actor(args), {.id = *id,
                    .name = *name,
                    .overlap_target = static_cast<uint32_t>(*overlap),
                    .blind_mode = args.Has("blind")}));
}

int SchemaPublish(const Args& args) {
  if (args.positional.size() != 1)
    return Fail(InvalidArgumentError(
        "usage: consilium schema publish FILE --data DIR"));
  auto text =
      ReadBoundedFile(args.positional[0], kSchemaFileLimit, "schema file");
  if (!text.ok()) return Fail(text.status());
  auto s = OpenCommandSession(args, false);
  if (!s.ok()) return Fail(s.status());
  return Report(s->handler->PublishSchema(Actor(args), *text));
}

// "ID" (latest version) or "ID@VERSION" -> the published schema.
StatusOr<const domain::SchemaState*> FindSchema(
    const domain::DomainState& state, const std::string& ref) {
  std::string id = ref;
  uint32_t version = 0;
  if (ref.find('@') != std::string::npos) {
    ASSIGN_OR_RETURN(auto parsed, render::ParseSchemaRef(ref));
    id = parsed.first;
    version = parsed.second;
  } else {
    version = state.LatestSchemaVersion(id);
  }
  const domain::SchemaState* s = state.FindSchema(id, version);
  if (s == nullptr) return NotFoundError("schema " + ref + " not found");
  return s;
}

int SchemaShow(const Args& args) {
  if (args.positional.size() != 1)
    return Fail(InvalidArgumentError(
        "usage: consilium schema show ID[@VERSION] --data DIR"));
  auto s = OpenCommandSession(args, true);
  if (!s.ok()) return Fail(s.status());
  auto definition = s->handler->Read(
      [&](const domain::DomainState& state) -> StatusOr<std::string> {
        ASSIGN_OR_RETURN(const domain::SchemaState* schema,
                         FindSchema(state, args.positional[0]));
        return schema->definition;
      });
  if (!definition.ok()) return Fail(definition.status(), 1);
  std::string text = std::move(*definition);
  if (text.empty() || text.back() != '\n') text += '\n';
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

int SchemaDiffCommand(const Args& args) {
  if (args.positional.size() != 2 ||
      args.positional[0].find('@') == std::string::npos ||
      args.positional[1].find('@') == std::string::npos) {
    return Fail(InvalidArgumentError(
        "usage: consilium schema diff ID@A ID@B --data DIR"));
  }
  auto s = OpenCommandSession(args, true);
  if (!s.ok()) return Fail(s.status());
  // The schemas are immutable and shared: diffed outside the state lock.
  using Schema = std::shared_ptr<const schemas::TaskSchema>;
  auto find = [&](const std::string& ref) {
    return s->handler->Read(
        [&](const domain::DomainState& state) -> StatusOr<Schema> {
          ASSIGN_OR_RETURN(const domain::SchemaState* schema,
                           FindSchema(state, ref));
          return schema->schema;
        });
  };
  auto a = find(args.positional[0]);
  if (!a.ok()) return Fail(a.status(), 1);
  auto b = find(args.positional[1]);
  if (!b.ok()) return Fail(b.status(), 1);
  std::string out = schemas::RenderText(schemas::Diff(**a, **b));
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

// A non-atomic import runs in chunks (at most 50, of at least 64 lines),
// one exclusive transaction each, so that a bar follows the lines appended;
// always, whether a bar is drawn or not, so what a crash midway leaves does
// not depend on the terminal. The verdicts are the single transaction's: a
// line repeating a record id accepted in an earlier chunk gets the same
// "already on line N of this file" it would get in one transaction.
StatusOr<domain::BulkReport> ImportInChunks(
    domain::CommandHandler& h, const std::string& actor,
    const std::string& project, const std::vector<domain::RecordLine>& records,
    Progress& bar) {
  const size_t chunk = std::max<size_t>(64, (records.size() + 49) / 50);
  domain::BulkReport all;
  std::unordered_map<std::string, size_t> accepted;  // id -> line
  for (size_t b = 0; b < records.size(); b += chunk) {
    std::span<const domain::RecordLine> part(
        records.data() + b, std::min(chunk, records.size() - b));
    ASSIGN_OR_RETURN(domain::BulkReport r,
                     h.ImportRecords(actor, project, part, false));
    for (domain::LineOutcome& l : r.lines) {
      auto earlier = accepted.find(l.id);
      if (l.status.ok()) {
        accepted.emplace(l.id, l.line);
      } else if (l.status.code() == StatusCode::kAlreadyExists &&
                 earlier != accepted.end()) {
        l.status = AlreadyExistsError(
            "record " + l.id + " is already on line " +
            std::to_string(earlier->second) + " of this file");
      }
      all.lines.push_back(std::move(l));
    }
    all.appended += r.appended;
    bar.Add(part.size());
  }
  return all;
}

int ImportRecords(const Args& args) {
  if (args.positional.size() != 1)
    return Fail(
        InvalidArgumentError("usage: consilium import records FILE --data DIR "
                             "--project P [--atomic] [--progress | --quiet]"));
  auto project = args.Require("project");
  if (!project.ok()) return Fail(project.status());
  auto lines = ReadJsonLines(args.positional[0], "records file");
  if (!lines.ok()) return Fail(lines.status());
  StatusOr<domain::DeidGate> gate = DeidGateFromArgs(args);
  if (!gate.ok()) return Fail(gate.status());
  domain::CommandHandlerOptions options;
  options.deid_gate = std::move(*gate);
  auto s = OpenCommandSession(args, false, std::move(options));
  if (!s.ok()) return Fail(s.status());
  std::vector<domain::RecordLine> records = render::ParseRecordLines(*lines);
  // --atomic is one transaction: its bar jumps from 0 to the end.
  const bool atomic = args.Has("atomic"), drawn = ProgressWanted(args);
  Progress bar("importing records", records.size(), drawn);
  auto report =
      !atomic
          ? ImportInChunks(*s->handler, Actor(args), *project, records, bar)
          : s->handler->ImportRecords(Actor(args), *project, records, atomic);
  if (report.ok()) bar.Set(records.size());
  bar.Finish();
  if (!report.ok()) return Fail(report.status(), 1);
  return PrintBulk(*report);
}

int BatchCreate(const Args& args) {
  auto project = args.Require("project");
  auto id = args.Require("id");
  auto records = args.Require("records");
  if (!project.ok()) return Fail(project.status());
  if (!id.ok()) return Fail(id.status());
  if (!records.ok()) return Fail(records.status());
  std::vector<std::string> ids;
  std::string cur;
  for (char c : *records + ",") {
    if (c == ',') {
      if (!cur.empty()) ids.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  auto s = OpenCommandSession(args, false);
  if (!s.ok()) return Fail(s.status());
  return Report(s->handler->CreateBatch(Actor(args), *project, *id, ids));
}

int AssignCommand(const Args& args) {
  auto project = args.Require("project");
  auto record = args.Require("record");
  auto annotator = args.Require("annotator");
  if (!project.ok()) return Fail(project.status());
  if (!record.ok()) return Fail(record.status());
  if (!annotator.ok()) return Fail(annotator.status());
  auto s = OpenCommandSession(args, false);
  if (!s.ok()) return Fail(s.status());
  return Report(s->handler->Assign(Actor(args), *project, *record, *annotator));
}

// A non-atomic bulk annotation runs in chunks as ImportInChunks does (each
// line is its own command anyway), so that a bar follows the lines applied.
domain::BulkReport AnnotateInChunks(
    domain::CommandHandler& h, const std::string& actor,
    const std::vector<domain::AnnotationLine>& commands, Progress& bar) {
  const size_t chunk = std::max<size_t>(256, (commands.size() + 49) / 50);
  domain::BulkReport all;
  for (size_t b = 0; b < commands.size(); b += chunk) {
    std::span<const domain::AnnotationLine> part(
        commands.data() + b, std::min(chunk, commands.size() - b));
    domain::BulkReport r = h.Annotate(actor, part, false);
    for (domain::LineOutcome& l : r.lines) all.lines.push_back(std::move(l));
    all.appended += r.appended;
    bar.Add(part.size());
  }
  return all;
}

int AnnotateCommand(const Args& args) {
  if (args.positional.size() != 1)
    return Fail(InvalidArgumentError(
        "usage: consilium annotate FILE --data DIR [--atomic] [--progress | "
        "--quiet]"));
  auto lines = ReadJsonLines(args.positional[0], "annotations file");
  if (!lines.ok()) return Fail(lines.status());
  auto s = OpenCommandSession(args, false);
  if (!s.ok()) return Fail(s.status());
  std::vector<domain::AnnotationLine> commands =
      render::ParseAnnotationLines(*lines);
  // --atomic is one transaction: its bar jumps from 0 to the end.
  const bool atomic = args.Has("atomic");
  Progress bar("annotating", commands.size(), ProgressWanted(args));
  domain::BulkReport report =
      atomic ? s->handler->Annotate(Actor(args), commands, true)
             : AnnotateInChunks(*s->handler, Actor(args), commands, bar);
  bar.Set(commands.size());
  bar.Finish();
  return PrintBulk(report);
}

int UserAdd(const Args& args) {
  if (args.positional.size() != 1)
    return Fail(InvalidArgumentError(
        "usage: consilium user add NAME --role ROLE --data DIR [--project P] "
        "[--kind model --model M@V]"));
  auto role_name = args.Require("role");
  if (!role_name.ok()) return Fail(role_name.status());
  domain::RegisterPrincipalCommand cmd;
  cmd.id = args.positional[0];
  cmd.display_name = args.Get("display-name");
  cmd.pseudonym = args.Get("pseudonym");
  fb::Role role = RoleFromName(*role_name);
  if (role == fb::Role::Unspecified) {
    return Fail(InvalidArgumentError(
        "--role: unknown role \"" + *role_name +
        "\" (known: admin, annotator, adjudicator, researcher, auditor)"));
  }
  cmd.roles.push_back({role, args.Get("project")});
  std::string kind = args.Get("kind", "person");
  if (kind == "model") {
    cmd.kind = fb::PrincipalKind::Model;
    auto model = args.Require("model");
    if (!model.ok()) return Fail(model.status());
    size_t at = model->rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == model->size())
      return Fail(InvalidArgumentError("--model expects NAME@VERSION, got \"" +
                                       *model + "\""));
    cmd.model_name = model->substr(0, at);
    cmd.model_version = model->substr(at + 1);
  } else if (kind != "person") {
    return Fail(InvalidArgumentError("--kind must be person or model"));
  } else if (args.Has("model")) {
    return Fail(InvalidArgumentError("--model needs --kind model"));
  }
  auto ttl = args.GetUint("token-ttl", 0);
  if (!ttl.ok()) return Fail(ttl.status());
  domain::CommandHandlerOptions options;
  if (*ttl > 0) {
    if (*ttl > uint64_t{10} * 365 * 24 * 3600)
      return Fail(InvalidArgumentError("--token-ttl is at most 10 years"));
    options.token_ttl_us = static_cast<int64_t>(*ttl) * 1'000'000;
  }
  auto s = OpenCommandSession(args, false, std::move(options));
  if (!s.ok()) return Fail(s.status());
  auto r = s->handler->RegisterPrincipal(Actor(args), cmd);
  if (!r.ok()) return Fail(r.status(), 1);
  std::printf("principal %s registered (seq %llu..%llu)\n", cmd.id.c_str(),
              static_cast<unsigned long long>(r->events.front().seq),
              static_cast<unsigned long long>(r->events.back().seq));
  std::printf(
      "token (shown once; only its SHA-256 is stored, expires %s):\n%s\n",
      FormatTimestamp(r->token.expires_at_us).c_str(), r->token.token.c_str());
  return 0;
}

int UserRevokeToken(const Args& args) {
  if (args.positional.size() != 1)
    return Fail(InvalidArgumentError(
        "usage: consilium user revoke-token NAME --data DIR (--token T | "
        "--issued-seq N | --all) [--reason R]"));
  domain::RevokeTokenCommand cmd;
  cmd.principal_id = args.positional[0];
  cmd.token = args.Get("token");
  auto seq = args.GetUint("issued-seq", 0);
  if (!seq.ok()) return Fail(seq.status());
  cmd.issued_seq = *seq;
  cmd.all = args.Has("all");
  cmd.reason = args.Get("reason");
  auto s = OpenCommandSession(args, false);
  if (!s.ok()) return Fail(s.status());
  auto r = s->handler->RevokeTokens(Actor(args), cmd);
  if (!r.ok()) return Fail(r.status(), 1);
  for (const Committed& c : *r) PrintJsonLine(render::CommittedJson(c));
  return 0;
}

// Every command that appends takes the ledger and the acting principal.
std::vector<Flag> WriteFlags(std::vector<Flag> extra) {
  std::vector<Flag> flags = {DataFlag()};
  flags.insert(flags.end(), extra.begin(), extra.end());
  flags.push_back({"actor", "A", "acting principal (default admin)"});
  return flags;
}

Registrar project_create(Command{
    .words = {"project", "create"},
    .summary = "create a project (docs/commands.md)",
    .flags =
        WriteFlags({{"id", "P", "project id", true},
                    {"name", "N", "display name", true},
                    {"overlap", "K", "annotators per record (at most 1000)"},
                    {"blind", "", "annotators do not see each other's work"}}),
    .run = ProjectCreate});
Registrar schema_publish(Command{
    .words = {"schema", "publish"},
    .summary = "publish a task-schema version (docs/schema-language.md)",
    .positionals = {{"FILE", "the schema, JSON (schemas/examples/*.json)"}},
    .flags = WriteFlags({}),
    .run = SchemaPublish});
Registrar schema_show(Command{
    .words = {"schema", "show"},
    .summary = "print a published task schema (latest version without @)",
    .positionals = {{"ID[@VERSION]", "schema id, optionally @version"}},
    .flags = {DataFlag()},
    .run = SchemaShow});
Registrar schema_diff(Command{
    .words = {"schema", "diff"},
    .summary = "list fields added, removed and changed between two versions",
    .positionals = {{"ID@A", "the older version"},
                    {"ID@B", "the newer version"}},
    .flags = {DataFlag()},
    .run = SchemaDiffCommand});
Registrar import_records(Command{
    .words = {"import", "records"},
    .summary = "import records from JSON lines; per-line report",
    .positionals = {{"FILE", "records, one JSON object per line"}},
    .flags = WriteFlags({{"project", "P", "project the records belong to",
                          true},
                         {"atomic", "", "all lines or none"},
                         DeidFlag(),
                         DeidConfigFlag(),
                         ProgressFlag(),
                         QuietFlag()}),
    .run = ImportRecords});
Registrar batch_create(Command{
    .words = {"batch", "create"},
    .summary = "create a calibration batch",
    .flags = WriteFlags({{"project", "P", "project id", true},
                         {"id", "B", "batch id", true},
                         {"records", "IDS", "record ids, comma-separated", true,
                          /*repeatable=*/true}}),
    .run = BatchCreate});
Registrar assign_cmd(Command{
    .words = {"assign"},
    .summary = "assign a record to an annotator",
    .flags = WriteFlags({{"project", "P", "project id", true},
                         {"record", "R", "record id", true},
                         {"annotator", "A", "annotator's principal id", true}}),
    .run = AssignCommand});
Registrar annotate_cmd(Command{
    .words = {"annotate"},
    .summary = "submit, revise or withdraw annotations from JSON lines",
    .positionals = {{"FILE", "annotation commands, one JSON object per line"}},
    .flags = WriteFlags(
        {{"atomic", "", "all lines or none"}, ProgressFlag(), QuietFlag()}),
    .run = AnnotateCommand});
Registrar user_add(Command{
    .words = {"user", "add"},
    .summary = "register a principal with a role; prints its token once",
    .positionals = {{"NAME", "principal id"}},
    .flags = WriteFlags(
        {{"role", "ROLE",
          "admin, annotator, adjudicator, researcher or auditor", true},
         {"project", "P", "project the role applies to"},
         {"kind", "person|model", "what the principal is (default person)"},
         {"model", "M@V", "model name and version (with --kind model)"},
         {"display-name", "N", "name shown to people"},
         {"pseudonym", "X", "name shown in blind projects"},
         {"token-ttl", "SECONDS", "lifetime of the token (default 90 days)"}}),
    .run = UserAdd});
Registrar user_revoke_token(Command{
    .words = {"user", "revoke-token"},
    .summary = "revoke a principal's bearer token(s); effective at once",
    .positionals = {{"NAME", "principal id"}},
    .flags = WriteFlags(
        {{"token", "T", "the token to revoke (as issued)"},
         {"issued-seq", "N", "the token issued by the TokenIssued at seq N"},
         {"all", "", "every live token of the principal"},
         {"reason", "R", "why (kept in the TokenRevoked event)"}}),
    .run = UserRevokeToken,
    .notes = "Appends one TokenRevoked per token (docs/authorization.md). "
             "A running `consilium serve` holds the ledger: revoke through "
             "its API then (POST /v1/principals/{id}/tokens/revoke)."});

}  // namespace
}  // namespace consilium::cli
