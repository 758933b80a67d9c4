// Label Studio interchange (docs/imports.md):
//   consilium import label-studio --data DIR --project P --mapping MAP.json
//       --in export.json [--json] [--actor A] [--progress | --quiet]
//   consilium export label-studio --data DIR --project P (--as-of SEQ |
//       --tag NAME) --mapping MAP.json --out tasks.json [--progress | --quiet]
// The import opens the ledger read-write (it holds it alone), plans every
// task (dataset/label_studio.h), appends the tasks that pass and prints a
// report per task: what mapped, what did not, and why a task was refused.
// The export reads the ledger read-only and writes the project's snapshot
// lines as of SEQ as Label Studio tasks.
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "common/input.h"
#include "dataset/label_studio.h"
#include "dataset/pseudonyms.h"
#include "dataset/snapshot.h"
#include "domain/command_handler.h"
#include "projections/engine.h"
#include "tools/cli.h"
#include "tools/command_session.h"
#include "tools/content_keys.h"
#include "tools/deid_gate_args.h"
#include "tools/input_limits.h"
#include "tools/open_ledger.h"
#include "tools/output.h"
#include "tools/progress.h"
#include "tools/snapshot_args.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;
namespace ls = ::consilium::dataset::ls;

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const std::string& s : v) a.push_back(json::value(s));
  return a;
}

// One task's line of the --json report.
json::object TaskJson(const ls::TaskOutcome& t) {
  json::object o;
  o["task"] = t.index;
  o["ls_id"] = t.ls_id;
  o["record"] = t.record_id;
  if (t.status.ok()) {
    o["record_imported"] = t.record_imported;
    o["assignments"] = t.assignments;
    o["annotations"] = Strings(t.annotation_ids);
  } else {
    o["error"] = {{"code", StatusCodeName(t.status.code())},
                  {"message", t.status.message()}};
  }
  o["mapped"] = Strings(t.mapped);
  o["unmapped"] = Strings(t.unmapped);
  return o;
}

void PrintText(const ls::ImportReport& r) {
  for (const ls::TaskOutcome& t : r.tasks) {
    if (t.status.ok()) {
      std::printf("task %zu (%s): record %s%s, %zu annotations\n", t.index,
                  t.ls_id.c_str(), t.record_id.c_str(),
                  t.record_imported ? " imported" : " (existed)",
                  t.annotation_ids.size());
    } else {
      std::printf("task %zu: refused, nothing imported: %s\n", t.index,
                  t.status.ToString().c_str());
    }
    for (const std::string& m : t.mapped)
      std::printf("  mapped      %s\n", m.c_str());
    for (const std::string& m : t.unmapped)
      std::printf("  not mapped  %s\n", m.c_str());
  }
  std::printf("%zu of %zu tasks imported\n", r.imported, r.tasks.size());
}

StatusOr<std::shared_ptr<const schemas::TaskSchema>> MappingSchema(
    domain::CommandHandler& h, const ls::Mapping& m) {
  return h.Read([&](const domain::DomainState& s)
                    -> StatusOr<std::shared_ptr<const schemas::TaskSchema>> {
    const domain::SchemaState* schema =
        s.FindSchema(m.schema_id, m.schema_version);
    if (schema == nullptr)
      return NotFoundError("mapping: schema " + m.schema_id + "@" +
                           std::to_string(m.schema_version) + " not found");
    return schema->schema;
  });
}

int RunImport(const Args& args) {
  auto mapping_text =
      ReadBoundedFile(args.Get("mapping"), kSchemaFileLimit, "mapping file");
  if (!mapping_text.ok()) return Fail(mapping_text.status());
  auto mapping = ls::ParseMapping(*mapping_text);
  if (!mapping.ok()) return Fail(mapping.status());
  auto input =
      ReadBoundedFile(args.Get("in"), kBulkFileLimit, "Label Studio export");
  if (!input.ok()) return Fail(input.status());
  StatusOr<domain::DeidGate> gate = DeidGateFromArgs(args);
  if (!gate.ok()) return Fail(gate.status());
  domain::CommandHandlerOptions options;
  options.deid_gate = std::move(*gate);
  // The content keys too (encryption at rest): records and free text are
  // sealed as `import records` and `annotate` seal them.
  auto session = OpenCommandSession(args, false, std::move(options));
  if (!session.ok()) return Fail(session.status());
  domain::CommandHandler* const handler = session->handler.get();
  auto schema = MappingSchema(*handler, *mapping);
  if (!schema.ok()) return Fail(schema.status(), 1);
  if (Status s = ls::CheckMapping(*mapping, **schema); !s.ok()) return Fail(s);
  auto plan = ls::PlanImport(*input, *mapping, **schema);
  if (!plan.ok()) return Fail(plan.status(), 1);
  Progress bar("importing tasks", plan->size(), ProgressWanted(args));
  auto report = ls::ImportPlan(*handler, args.Get("actor", "admin"),
                               args.Get("project"), *mapping, std::move(*plan),
                               [&](uint64_t done, uint64_t) { bar.Set(done); });
  bar.Finish();
  if (!report.ok()) return Fail(report.status(), 1);
  if (args.Has("json")) {
    for (const ls::TaskOutcome& t : report->tasks) PrintJsonLine(TaskJson(t));
    PrintJsonLine(json::object{{"tasks", report->tasks.size()},
                               {"imported", report->imported},
                               {"last_seq", report->last_seq}});
  } else {
    PrintText(*report);
  }
  std::fflush(stdout);
  return report->all_ok() ? 0 : 1;
}

// What an export wrote, and what it left out.
struct ExportTally {
  size_t tasks = 0, annotations = 0, skipped = 0, seen = 0;
  std::map<std::string, size_t> left_out;  // why -> records
};

void PrintExportTally(const ExportTally& t, uint64_t size,
                      const std::string& out) {
  std::printf(
      "%zu tasks, %zu annotations as of event %llu written to %s "
      "(%zu values of unmapped fields left out)\n",
      t.tasks, t.annotations, static_cast<unsigned long long>(size),
      out.c_str(), t.skipped);
  for (const auto& [why, n] : t.left_out) {
    std::printf("%zu records left out: %s\n", n,
                why == "shredded"
                    ? "shredded (their subject's key was destroyed)"
                    : "held by the de-identification gate until reviewed");
  }
}

int RunExport(const Args& args) {
  const std::string out = args.Get("out");
  if (std::filesystem::exists(out))
    return Fail(
        AlreadyExistsError(out + " exists (an export never overwrites)"), 1);
  auto mapping_text =
      ReadBoundedFile(args.Get("mapping"), kSchemaFileLimit, "mapping file");
  if (!mapping_text.ok()) return Fail(mapping_text.status());
  auto mapping = ls::ParseMapping(*mapping_text);
  if (!mapping.ok()) return Fail(mapping.status());
  auto ledger = OpenLedger(args, true);
  if (!ledger.ok()) return Fail(ledger.status());
  dataset::ExportSpec spec{.project = args.Get("project")};
  StatusOr<uint64_t> size = SnapshotSize(args, **ledger, &spec.tag);
  if (!size.ok()) return Fail(size.status());
  spec.as_of_seq = *size;
  StatusOr<OpenedKeys> keys = OpenContentKeys(args.Get("data"));
  if (!keys.ok()) return Fail(keys.status());  // encryption at rest
  Progress reading("reading events", 0, ProgressWanted(args));
  auto state = projections::BuildStateAsOf(**ledger, *size, keys->keys(),
                                           reading.Callback());
  reading.Finish();
  if (!state.ok()) return Fail(state.status(), 1);
  const projections::SchemaVersionInfo* info =
      state->FindSchema(mapping->schema_id, mapping->schema_version);
  if (info == nullptr)
    return Fail(NotFoundError("mapping: schema " + mapping->schema_id + "@" +
                              std::to_string(mapping->schema_version) +
                              " not found as of " + std::to_string(*size)),
                1);
  if (Status s = ls::CheckMapping(*mapping, *info->schema); !s.ok())
    return Fail(s);
  auto ps = dataset::Pseudonymizer::LoadOrCreate(args.Get("data"));
  if (!ps.ok()) return Fail(ps.status());
  const std::string partial = out + ".partial";
  std::ofstream file(partial, std::ios::binary | std::ios::trunc);
  if (!file) return Fail(InternalError("cannot write " + partial), 1);
  ExportTally tally;
  Progress bar("exporting tasks", state->RecordsOfProject(spec.project).size(),
               ProgressWanted(args));
  file << "[";
  auto counts = dataset::WriteSnapshotLines(
      **ledger, *state, spec, *ps,
      [&](std::string_view line) -> Status {
        // The record's position is its LS id when it came with none, so
        // a record left out does not renumber the ones after it.
        ASSIGN_OR_RETURN(
            ls::ExportedTask t,
            ls::LabelStudioTask(line.substr(0, line.size() - 1), *mapping,
                                *info->schema, ++tally.seen));
        bar.Add();
        if (!t.left_out.empty()) {
          ++tally.left_out[t.left_out];
          return OkStatus();
        }
        file << (tally.tasks == 0 ? "\n" : ",\n") << t.json;
        ++tally.tasks;
        tally.annotations += t.annotations;
        tally.skipped += t.skipped_values;
        return file ? OkStatus() : InternalError("cannot write " + partial);
      },
      keys->keys());
  bar.Finish();
  file << "\n]\n";
  file.close();
  if (!counts.ok() || !file) {
    std::filesystem::remove(partial);
    return Fail(counts.ok() ? InternalError("cannot write " + partial)
                            : counts.status(),
                1);
  }
  std::filesystem::rename(partial, out);
  PrintExportTally(tally, *size, out);
  return 0;
}

Registrar import_label_studio_cmd(Command{
    .words = {"import", "label-studio"},
    .summary = "import a Label Studio JSON export through a mapping file; "
               "per-task report",
    .flags = {DataFlag(),
              {"project", "P", "project the records belong to", true},
              {"mapping", "MAP", "the mapping file (docs/imports.md)", true},
              {"in", "FILE", "Label Studio's JSON export (a task array)", true},
              {"json", "", "one JSON line per task, then a summary line"},
              {"actor", "A", "acting principal (default admin)"},
              DeidFlag(),
              DeidConfigFlag(),
              ProgressFlag(),
              QuietFlag()},
    .run = RunImport,
    .notes = "Atomic per task: a task that does not map in full, or whose "
             "record, annotators or annotations the ledger refuses, is "
             "reported by its index and nothing of it is imported."});
Registrar export_label_studio_cmd(Command{
    .words = {"export", "label-studio"},
    .summary = "write a project's annotations as Label Studio tasks",
    .flags = {DataFlag(),
              {"project", "P", "project id", true},
              {"as-of", "SEQ", "the ledger prefix: events 1..SEQ"},
              {"tag", "NAME", "the prefix a `snapshot tag` named"},
              {"mapping", "MAP", "the mapping file, read backwards", true},
              {"out", "FILE", "a new file", true},
              ProgressFlag(),
              QuietFlag()},
    .run = RunExport,
    .notes = "Give exactly one of --as-of and --tag. completed_by is the "
             "annotator's pseudonym (DIR/pseudonym.key)."});

}  // namespace
}  // namespace consilium::cli
