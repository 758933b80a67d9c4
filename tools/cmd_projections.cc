// Ledger-backed analytics commands (docs/statistics.md, "Ledger-backed
// analytics"):
//   consilium calibration --data DIR --project P [--annotator A]
//       [--as-of SEQ|TIME] [--json]
//   consilium distribution --data DIR --record R [--as-of SEQ|TIME] [--json]
//   consilium access --data DIR (--record R | --principal P)
//       [--from TIME] [--to TIME] [--json]
// (`consilium agreement --data` is in tools/cmd_agreement.cc.) Each reads the
// analytics state of tools/analytics_source.h. Readable tables on a
// terminal; --json prints the document of render/analytics_json.h.
// `distribution` shows each field's adjudication outcome beside its
// distribution (the AdjudicationModel replayed to the same position,
// tools/adjudication_source.h; render::AddAdjudicationOutcomes).
#include <cstdio>
#include <string>
#include <vector>

#include "adjudication/as_of.h"
#include "adjudication/model.h"
#include "projections/access_history.h"
#include "projections/analytics.h"
#include "projections/pseudonyms.h"
#include "render/adjudication_json.h"
#include "render/analytics_json.h"
#include "schemas/event_json.h"
#include "schemas/task_schema.h"
#include "tools/adjudication_source.h"
#include "tools/analytics_source.h"
#include "tools/cli.h"
#include "tools/output.h"
#include "tools/progress.h"

namespace consilium::cli {
namespace {

namespace p = ::consilium::projections;
namespace json = ::boost::json;

// ---- calibration
// -----------------------------------------------------------------

int RunCalibration(const Args& args) {
  StatusOr<std::string> project = args.Require("project");
  if (!project.ok()) return Fail(project.status());
  StatusOr<LoadedAnalytics> loaded = LoadAnalytics(args);
  if (!loaded.ok()) return Fail(loaded.status());
  // Accuracy against adjudicated reads the items' outcomes as the
  // adjudication model has them at the same position (a round's outcome,
  // void decisions left out: docs/adjudication.md, "Rounds").
  auto replayed = adjudication::ReplayAdjudication(*loaded->ledger,
                                                   loaded->state.last_seq());
  if (!replayed.ok()) return Fail(replayed.status());
  const p::AdjudicationOutcomes outcomes =
      adjudication::OutcomesOf(*replayed->model, *project);
  auto cal = p::CalibrateAnnotators(loaded->state, *project,
                                    args.Get("annotator"), &outcomes);
  if (!cal.ok()) return Fail(cal.status());
  if (args.Has("pseudonyms")) p::PseudonymizeCalibration(loaded->state, &*cal);
  if (args.Has("json")) {
    return PrintJson(
        render::CalibrationJson(*project, loaded->state.last_seq(), *cal));
  }
  std::printf("project %s, as of event %llu\n\n", project->c_str(),
              static_cast<unsigned long long>(loaded->state.last_seq()));
  Table summary({{"annotator"},
                 {"pseudonym"},
                 {"annot.", Table::kRight},
                 {"loo-major.", Table::kRight},
                 {"gold acc.", Table::kRight},
                 {"adjud.acc", Table::kRight},
                 {"brier", Table::kRight},
                 {"ece", Table::kRight}});
  for (const p::AnnotatorCalibration& c : *cal) {
    summary.AddRow({c.annotator, c.pseudonym, std::to_string(c.annotations),
                    Cell(c.leave_one_out_majority.rate), Cell(c.gold.rate),
                    Cell(c.adjudicated.rate), Cell(c.confidence.brier),
                    Cell(c.confidence.ece)});
  }
  summary.Print();
  for (const p::AnnotatorCalibration& c : *cal) {
    std::printf("\n%s: agreement with peers\n", c.annotator.c_str());
    Table peers({{}, {"", Table::kRight}, {}}, "  ");
    for (const p::PeerAgreement& pa : c.peers) {
      peers.AddRow(
          {pa.peer, Cell(pa.agreement.rate),
           "over " + std::to_string(pa.agreement.compared) + " values"});
    }
    peers.Print();
    for (const p::FieldConfusion& f : c.confusion) {
      std::printf("  Dawid-Skene confusion, %s (rows true, columns given)\n",
                  f.path.c_str());
      const size_t k = f.classes.size();
      std::vector<Table::Column> columns = {{}};
      for (const auto& cl : f.classes) columns.push_back({cl, Table::kRight});
      Table matrix(std::move(columns), "    ");
      for (size_t t = 0; t < k; ++t) {
        std::vector<std::string> row = {f.classes[t]};
        for (size_t l = 0; l < k; ++l)
          row.push_back(Fixed(f.matrix[t * k + l], 4));
        matrix.AddRow(std::move(row));
      }
      matrix.Print();
    }
  }
  return 0;
}

// ---- distribution
// ------------------------------------------------------------------

// The item's adjudication under its distribution; nothing for an item
// never disputed.
void PrintAdjudication(const adjudication::ItemInfo* item) {
  if (item == nullptr || item->state == adjudication::ItemState::kNotDisputed)
    return;
  std::string line = std::string(adjudication::ItemStateName(item->state));
  if (item->state == adjudication::ItemState::kDecided ||
      item->state == adjudication::ItemState::kAmbiguous) {
    for (const adjudication::DecisionRecord& r : item->round) {
      line += "; #" + std::to_string(r.seq) + " " + r.adjudicator + ": " +
              (r.value_key.empty() ? "ambiguous" : r.value_key) + " (" +
              r.rationale + ")";
    }
  } else {
    line += " (" + item->evaluation.reason + ")";
    if (item->reopened_from) {
      line +=
          ", reopened from decision #" + std::to_string(*item->reopened_from);
    }
  }
  std::printf("  adjudication: %s\n", line.c_str());
}

int RunDistribution(const Args& args) {
  StatusOr<std::string> record = args.Require("record");
  if (!record.ok()) return Fail(record.status());
  StatusOr<LoadedAnalytics> loaded = LoadAnalytics(args);
  if (!loaded.ok()) return Fail(loaded.status());
  auto d = p::LabelDistribution(loaded->state, *record, /*soft_labels=*/true);
  if (!d.ok()) return Fail(d.status());
  // The adjudication state at the same position, beside the distribution
  // (which it never changes).
  auto replayed = adjudication::ReplayAdjudication(*loaded->ledger,
                                                   loaded->state.last_seq());
  if (!replayed.ok()) return Fail(replayed.status());
  auto find = [&](std::string_view path) {
    return replayed->model->FindItem(d->project, {*record, std::string(path)});
  };
  if (args.Has("pseudonyms")) p::PseudonymizeDistribution(loaded->state, &*d);
  if (args.Has("json")) {
    json::object doc = render::DistributionJson(*d, loaded->state.last_seq());
    render::AddAdjudicationOutcomes(doc, find);
    return PrintJson(doc);
  }
  std::printf("record %s (project %s), as of event %llu\n", d->record.c_str(),
              d->project.c_str(),
              static_cast<unsigned long long>(loaded->state.last_seq()));
  for (const p::FieldDistribution& f : d->fields) {
    std::printf("\n%s (%s@%u, %s, %s)\n", f.path.c_str(), f.schema_id.c_str(),
                f.schema_version,
                std::string(schemas::LayerName(f.layer)).c_str(),
                std::string(schemas::MetricName(f.metric)).c_str());
    for (const auto& [who, vc] :
         {std::pair{"human", &f.human}, std::pair{"model", &f.model}}) {
      if (vc->values.empty()) continue;
      std::printf("  %s: normalized entropy %s\n", who,
                  Cell(vc->normalized_entropy).c_str());
      Table counts({{}, {"", Table::kRight}}, "    ");
      for (const auto& [k, n] : vc->counts)
        counts.AddRow({k, std::to_string(n)});
      counts.Print();
      Table values({{}, {}}, "      ");
      for (const p::CurrentValue& v : vc->values) {
        values.AddRow(
            {v.annotator, "rev " + std::to_string(v.revision) + ": " + v.key});
      }
      values.Print();
    }
    if (!f.soft_label.empty()) {
      std::printf("  soft label (Dawid-Skene):");
      for (const auto& [k, prob] : f.soft_label)
        std::printf(" %s %.4f", k.c_str(), prob);
      std::printf("\n");
    }
    PrintAdjudication(find(f.path));
  }
  std::printf("\nrevision history\n");
  Table history({{}, {}, {}, {}, {}}, "  ");
  for (const p::RevisionEntry& r : d->history) {
    if (r.revision == 0) {
      history.AddRow({"#" + std::to_string(r.seq), r.annotation_id, r.annotator,
                      "withdrawn"});
      continue;
    }
    history.AddRow(
        {"#" + std::to_string(r.seq), r.annotation_id, r.annotator,
         "rev " + std::to_string(r.revision),
         FormatTimestamp(r.timestamp_us) +
             (r.extracted ? "" : " (values invalid for the schema)")});
  }
  history.Print();
  return 0;
}

// ---- access
// -----------------------------------------------------------------------

int RunAccess(const Args& args) {
  if (args.Has("record") == args.Has("principal")) {
    return Fail(
        InvalidArgumentError("give exactly one of --record R or "
                             "--principal P"));
  }
  int64_t from = 0, to = INT64_MAX;
  if (args.Has("from")) {
    StatusOr<int64_t> t = ParseTime(args.Get("from"));
    if (!t.ok()) return Fail(t.status().WithContext("--from"));
    from = *t;
  }
  if (args.Has("to")) {
    StatusOr<int64_t> t = ParseTime(args.Get("to"));
    if (!t.ok()) return Fail(t.status().WithContext("--to"));
    to = *t;
  }
  // From the ledger's indexes (projections/access_history.h).
  StatusOr<std::unique_ptr<Ledger>> ledger =
      Ledger::Open(args.Get("data"), {.read_only = true});
  if (!ledger.ok()) return Fail(ledger.status());
  const p::AccessWindow window{.from_us = from, .to_us = to};
  StatusOr<std::vector<p::AccessEntry>> read =
      args.Has("record")
          ? p::AccessHistoryForRecord(**ledger, args.Get("record"), window)
          : p::AccessHistoryByPrincipal(**ledger, args.Get("principal"),
                                        window);
  if (!read.ok()) return Fail(read.status());
  const std::vector<const p::AccessEntry*> entries = p::Pointers(*read);
  if (args.Has("json")) return PrintJson(render::AccessJson(entries));
  Table table({{}, {}, {}, {}, {}, {}, {}});
  for (const p::AccessEntry* e : entries) {
    table.AddRow(
        {"#" + std::to_string(e->seq), FormatTimestamp(e->timestamp_us),
         e->actor, e->allowed ? "allowed" : "DENIED", e->action,
         e->resource_kind + ":" + e->resource_id,
         e->purpose + (e->reason.empty() ? "" : " (" + e->reason + ")")});
  }
  table.Print();
  if (entries.empty()) std::printf("no access events\n");
  return 0;
}

Registrar calibration_cmd(Command{
    .words = {"calibration"},
    .summary = "per-annotator calibration: peers, majority, gold, "
               "adjudicated, Dawid-Skene confusion, Brier/ECE",
    .flags = {DataFlag(),
              {"project", "P", "project id", true},
              {"annotator", "A", "only this annotator"},
              {"as-of", "SEQ|TIME",
               "as the ledger stood at an event or a time"},
              {"pseudonyms", "",
               "annotators by pseudonym (a researcher's view)"},
              {"json", "", "print JSON instead of a table"},
              ProgressFlag(),
              QuietFlag()},
    .run = RunCalibration});
Registrar distribution_cmd(Command{
    .words = {"distribution"},
    .summary = "label distribution of a record: values, counts, entropy, "
               "soft labels, revisions",
    .flags = {DataFlag(),
              {"record", "R", "record id", true},
              {"as-of", "SEQ|TIME",
               "as the ledger stood at an event or a time"},
              {"pseudonyms", "",
               "annotators and annotation ids by pseudonym (a researcher's "
               "view)"},
              {"json", "", "print JSON instead of a table"},
              ProgressFlag(),
              QuietFlag()},
    .run = RunDistribution});
Registrar access_cmd(Command{
    .words = {"access"},
    .summary = "access history of a record or a principal, by time range",
    .flags = {DataFlag(),
              {"record", "R", "who accessed this record"},
              {"principal", "P", "what this principal accessed"},
              {"from", "TIME", "from this time on"},
              {"to", "TIME", "up to this time"},
              {"json", "", "print JSON instead of a table"}},
    .run = RunAccess,
    .notes = "Give exactly one of --record and --principal."});

}  // namespace
}  // namespace consilium::cli
