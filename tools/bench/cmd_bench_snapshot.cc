// `consilium bench snapshot [--records N] [--json]`: the snapshot figures of
// docs/snapshots.md ("Performance"), in one run on scratch ledgers removed at
// the end:
//   * a ledger of N records (default 100,000) with 3 annotations each by 3
//     annotators (one categorical decision and a probability confidence),
//     written with Ledger::AppendAll in batches;
//   * raw scan: Ledger::Scan over every event without hashing, the baseline
//     any export pays to read the prefix;
//   * export: BuildStateAsOf(head) then ExportSnapshot to a scratch
//     directory (data.jsonl + manifest, synced), records per second over the
//     whole export and over the writing alone;
//   * import: the same N records as JSON lines through the records import
//     path (render::ParseRecordLines, CommandHandler::ImportRecords) into a
//     fresh ledger, records per second;
//   * Label Studio import: --ls-tasks tasks (default 2,000), each with 3
//     annotations by 3 annotators (a choices result), planned and imported
//     through dataset/label_studio.h into a fresh ledger, tasks and
//     annotations per second (each task's assignments are one synced
//     command per annotator, which dominates: docs/imports.md);
//   * peak RSS (getrusage ru_maxrss) of the process.
// Figures vary with the machine and what else runs: BENCHMARKS.md records
// them with the command that produced them.
#include <sys/resource.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "dataset/label_studio.h"
#include "dataset/snapshot_dir.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "projections/engine.h"
#include "render/command_input.h"
#include "tools/cli.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

constexpr char kSchema[] = R"({
  "id": "bench-snap", "version": 1, "title": "Bench snapshot",
  "fields": [
    {"name": "dx", "type": "categorical", "layer": "interpretive",
     "required": true, "categories": ["c0", "c1", "c2", "c3"]},
    {"name": "confidence", "type": "confidence", "layer": "interpretive"}
  ]})";

Status Flush(Ledger& ledger, std::vector<EventDraft>& batch) {
  if (batch.empty()) return OkStatus();
  Status s = ledger.AppendAll(std::move(batch)).status();
  batch.clear();
  return s;
}

Status Fill(Ledger& ledger, uint64_t records) {
  const EventHeader admin{"admin", ""};
  std::vector<EventDraft> batch;
  batch.push_back(MakeProjectCreated(admin, "bench", "Bench"));
  for (int a = 0; a < 3; ++a) {
    const std::string id = "ann" + std::to_string(a);
    batch.push_back(MakePrincipalRegistered(admin, {.principal_id = id}));
  }
  batch.push_back(MakeSchemaPublished(
      admin, {.schema_id = "bench-snap", .version = 1, .definition = kSchema}));
  RETURN_IF_ERROR(Flush(ledger, batch));
  for (uint64_t r = 0; r < records; ++r) {
    const std::string rec = "r" + std::to_string(r);
    batch.push_back(MakeRecordImported(admin, rec, "bench",
                                       R"({"text":"bench record"})", "{}"));
    for (int a = 0; a < 3; ++a) {
      const std::string who = "ann" + std::to_string(a);
      const std::string id = rec + "-" + who;
      const std::string values =
          R"({"confidence":0.)" + std::to_string(5 + (r + a) % 5) +
          R"(,"dx":"c)" + std::to_string((r * 7 + a) % 4) + R"("})";
      batch.push_back(
          MakeAnnotationSubmitted({who, ""}, {.annotation_id = id,
                                              .project_id = "bench",
                                              .record_id = rec,
                                              .annotator_id = who,
                                              .schema_id = "bench-snap",
                                              .schema_version = 1,
                                              .values = values}));
    }
    if (batch.size() >= 2000) RETURN_IF_ERROR(Flush(ledger, batch));
  }
  return Flush(ledger, batch);
}

// Exports the head of `ledger` to `out`; seconds for the state and in all.
StatusOr<std::pair<double, double>> Export(Ledger& ledger,
                                           const std::string& out) {
  const auto start = Clock::now();
  const uint64_t head = ledger.head().seq;
  ASSIGN_OR_RETURN(auto signer, NoteSigner::Generate("bench.invalid/log"));
  ASSIGN_OR_RETURN(StoredCheckpoint cp, ledger.SignCheckpoint(signer, head));
  ASSIGN_OR_RETURN(projections::AnalyticsState state,
                   projections::BuildStateAsOf(ledger, head));
  const double state_s = Seconds(Clock::now() - start);
  ASSIGN_OR_RETURN(auto ps,
                   dataset::Pseudonymizer::FromKey(std::string(32, 'k')));
  RETURN_IF_ERROR(dataset::ExportSnapshot(
                      ledger, state, {.project = "bench", .as_of_seq = head},
                      ps, cp, signer.VerifierKey(), {"bench", "bench"}, out)
                      .status());
  return std::make_pair(state_s, Seconds(Clock::now() - start));
}

StatusOr<double> Import(const std::string& dir, uint64_t records) {
  RETURN_IF_ERROR(Ledger::Init(dir));
  ASSIGN_OR_RETURN(auto ledger, Ledger::Open(dir, {}));
  ASSIGN_OR_RETURN(auto handler,
                   domain::CommandHandler::Open(ledger.get(), {}));
  RETURN_IF_ERROR(
      handler->CreateProject("admin", {.id = "bench", .name = "Bench"})
          .status());
  std::vector<std::string> lines;
  lines.reserve(records);
  for (uint64_t r = 0; r < records; ++r) {
    lines.push_back(R"({"id":"r)" + std::to_string(r) +
                    R"(","text":"bench record"})");
  }
  const auto start = Clock::now();
  std::vector<domain::RecordLine> parsed = render::ParseRecordLines(lines);
  ASSIGN_OR_RETURN(domain::BulkReport report,
                   handler->ImportRecords("admin", "bench", parsed, false));
  const double s = Seconds(Clock::now() - start);
  if (!report.all_ok()) return InternalError("a bench record was rejected");
  return s;
}

// The Label Studio import of `tasks` tasks; seconds for plan + import.
StatusOr<double> ImportLabelStudio(const std::string& dir, uint64_t tasks) {
  RETURN_IF_ERROR(Ledger::Init(dir));
  ASSIGN_OR_RETURN(auto ledger, Ledger::Open(dir, {}));
  ASSIGN_OR_RETURN(auto handler,
                   domain::CommandHandler::Open(ledger.get(), {}));
  RETURN_IF_ERROR(
      handler->CreateProject("admin", {.id = "bench", .name = "Bench"})
          .status());
  for (const char* who : {"dr-a", "dr-b", "dr-c"}) {
    RETURN_IF_ERROR(
        handler
            ->RegisterPrincipal(
                "admin", {.id = who, .roles = {{fb::Role::Annotator, "bench"}}})
            .status());
  }
  RETURN_IF_ERROR(handler->PublishSchema("admin", kSchema).status());
  ASSIGN_OR_RETURN(dataset::ls::Mapping m, dataset::ls::ParseMapping(R"({
    "schema": "bench-snap@1", "text_key": "text",
    "annotators": {"1": "dr-a", "2": "dr-b", "3": "dr-c"},
    "fields": [{"from_name": "dx", "type": "choices", "field": "dx",
                "values": {"A": "c0", "B": "c1", "C": "c2"}}]})"));
  std::string text = "[";
  for (uint64_t t = 0; t < tasks; ++t) {
    text += (t == 0 ? "" : ",") + std::string(R"({"id":)") +
            std::to_string(t + 1) + R"(,"data":{"text":"bench task"},)" +
            R"("annotations":[)";
    for (int a = 1; a <= 3; ++a) {
      text += (a == 1 ? "" : ",") + std::string(R"({"id":)") +
              std::to_string(t * 3 + a) + R"(,"completed_by":)" +
              std::to_string(a) +
              R"(,"result":[{"id":"x","from_name":"dx","to_name":"text",)" +
              R"("type":"choices","value":{"choices":[")" +
              std::string(1, "ABC"[(t + a) % 3]) + R"("]}}]})";
    }
    text += "]}";
  }
  text += "]";
  auto schema = handler->Read([](const domain::DomainState& st) {
    return st.FindSchema("bench-snap", 1)->schema;
  });
  const auto start = Clock::now();
  ASSIGN_OR_RETURN(auto plan, dataset::ls::PlanImport(text, m, *schema));
  ASSIGN_OR_RETURN(
      dataset::ls::ImportReport r,
      dataset::ls::ImportPlan(*handler, "admin", "bench", m, std::move(plan)));
  const double s = Seconds(Clock::now() - start);
  if (!r.all_ok()) return InternalError("a bench task was refused");
  return s;
}

int Run(const Args& args) {
  auto records = args.GetUint("records", 100'000);
  if (!records.ok()) return Fail(records.status());
  if (*records == 0) return Fail(InvalidArgumentError("--records must be > 0"));
  const std::string root =
      (std::filesystem::temp_directory_path() /
       ("consilium-bench-snapshot-" + std::to_string(::getpid())))
          .string();
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{root};
  if (Status s = Ledger::Init(root + "/ledger"); !s.ok()) return Fail(s);
  auto ledger = Ledger::Open(root + "/ledger", {});
  if (!ledger.ok()) return Fail(ledger.status());
  if (Status s = Fill(**ledger, *records); !s.ok()) return Fail(s);
  const uint64_t events = (*ledger)->head().seq;
  auto scan_start = Clock::now();
  uint64_t scanned = 0;
  Status s = (*ledger)->Scan(
      1, 0, [&](const StoredEvent&) { return ++scanned > 0; }, false);
  if (!s.ok()) return Fail(s);
  const double scan_s = Seconds(Clock::now() - scan_start);
  auto exported = Export(**ledger, root + "/snapshot");
  if (!exported.ok()) return Fail(exported.status());
  auto import_s = Import(root + "/import", *records);
  if (!import_s.ok()) return Fail(import_s.status());
  auto ls_tasks = args.GetUint("ls-tasks", 2000);
  if (!ls_tasks.ok()) return Fail(ls_tasks.status());
  if (*ls_tasks == 0)
    return Fail(InvalidArgumentError("--ls-tasks must be > 0"));
  auto ls_s = ImportLabelStudio(root + "/ls", *ls_tasks);
  if (!ls_s.ok()) return Fail(ls_s.status());
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  const double n = static_cast<double>(*records);
  json::object o;
  o["records"] = *records;
  o["annotations_per_record"] = 3;
  o["events"] = events;
  o["raw_scan_events_per_s"] = static_cast<double>(scanned) / scan_s;
  o["export_seconds"] = exported->second;
  o["export_state_seconds"] = exported->first;
  o["export_records_per_s"] = n / exported->second;
  o["export_write_records_per_s"] = n / (exported->second - exported->first);
  o["import_records_per_s"] = n / *import_s;
  o["label_studio_tasks"] = *ls_tasks;
  o["label_studio_import_tasks_per_s"] = static_cast<double>(*ls_tasks) / *ls_s;
  o["label_studio_import_annotations_per_s"] =
      static_cast<double>(*ls_tasks * 3) / *ls_s;
  o["peak_rss_kib"] = static_cast<int64_t>(usage.ru_maxrss);
  if (args.Has("json")) return PrintJson(o);
  for (const auto& kv : o) {
    std::printf("%-28s %s\n", std::string(kv.key()).c_str(),
                json::serialize(kv.value()).c_str());
  }
  return 0;
}

Registrar bench_snapshot(Command{
    .words = {"bench", "snapshot"},
    .summary = "snapshot export, record and Label Studio import rates beside "
               "the raw ledger scan, and peak RSS",
    .flags = {{"records", "N", "records, 3 annotations each (default 100000)"},
              {"ls-tasks", "N",
               "Label Studio tasks, 3 annotations each (default 2000)"},
              {"json", "", "print JSON"}},
    .run = Run});

}  // namespace
}  // namespace consilium::cli
