// `consilium deid scan` and `consilium deid evaluate`: the de-identification
// detectors (deid/) run on a file, with no ledger (docs/deid.md).
//
// scan FILE: a records file in the `import records` format, each line checked
// by the same parser as the import (render/command_input.h); prints the hits
// of each record's text as byte spans with their types, never the text.
// evaluate --gold FILE: notes with gold spans (deid/evaluate.h); prints the
// per-type table of tp, fp, fn, precision and recall under both matching
// rules. --config FILE: name lists and extra patterns (deid/config.h).
#include <boost/json.hpp>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/input.h"
#include "common/strict_json.h"
#include "deid/config.h"
#include "deid/detector.h"
#include "deid/evaluate.h"
#include "render/command_input.h"
#include "tools/cli.h"
#include "tools/input_limits.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;
using deid::Detector;
using deid::Hit;

StatusOr<std::unique_ptr<Detector>> MakeDetector(const Args& args) {
  deid::DetectorConfig config;
  if (args.Has("config")) {
    const std::string path = args.Get("config");
    ASSIGN_OR_RETURN(
        std::string text,
        ReadBoundedFile(path, deid::kMaxConfigBytes, "--config file"));
    StatusOr<deid::DetectorConfig> parsed = deid::ParseDetectorConfig(text);
    if (!parsed.ok()) return parsed.status().WithContext("--config " + path);
    config = std::move(*parsed);
  }
  StatusOr<std::unique_ptr<Detector>> d = Detector::Create(config);
  if (!d.ok() && args.Has("config")) {
    return d.status().WithContext("--config " + args.Get("config"));
  }
  return d;
}

StatusOr<std::vector<std::string>> ReadLines(const std::string& path,
                                             std::string_view what) {
  return ReadBoundedLines(
      path, {.max_line = kJsonLineLimit, .max_total = kBulkFileLimit}, what);
}

bool BlankLine(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

json::array HitsJson(const std::vector<Hit>& hits) {
  json::array a;
  for (const Hit& h : hits) {
    a.push_back(json::object{{"end", h.end},
                             {"start", h.begin},
                             {"type", deid::PhiTypeName(h.type)}});
  }
  return a;
}

// The text of a record line, read from the canonical content the import
// parser produced (a record of images only has none: "").
StatusOr<std::string> RecordText(const domain::ImportRecordCommand& record) {
  json::value content;
  RETURN_IF_ERROR(ParseStrictJson(record.content, {}, content));
  const json::value* text = content.as_object().if_contains("text");
  return text != nullptr ? std::string(text->as_string()) : std::string();
}

void PrintScanText(size_t line, const std::string& id,
                   const std::vector<Hit>& hits) {
  std::printf("%s (line %zu): %zu hit%s\n", id.c_str(), line, hits.size(),
              hits.size() == 1 ? "" : "s");
  for (const Hit& h : hits) {
    std::printf("  %-11s %zu..%zu\n",
                std::string(deid::PhiTypeName(h.type)).c_str(), h.begin, h.end);
  }
}

int Scan(const Args& args) {
  const bool as_json = args.Has("json");
  auto detector = MakeDetector(args);
  if (!detector.ok()) return Fail(detector.status());
  auto lines = ReadLines(args.positional[0], "records file");
  if (!lines.ok()) return Fail(lines.status());
  size_t records = 0, flagged = 0, total_hits = 0, rejected = 0;
  for (size_t i = 0; i < lines->size(); ++i) {
    const std::string& line = (*lines)[i];
    if (BlankLine(line)) continue;
    StatusOr<domain::ImportRecordCommand> record =
        render::ParseRecordLine(line);
    StatusOr<std::string> text = record.ok()
                                     ? RecordText(*record)
                                     : StatusOr<std::string>(record.status());
    if (!text.ok()) {
      ++rejected;
      if (as_json) {
        std::printf("%s\n", ErrorJson(text.status(), i + 1).c_str());
      } else {
        std::printf("line %zu: error: %s\n", i + 1,
                    text.status().ToString().c_str());
      }
      continue;
    }
    std::vector<Hit> hits = (*detector)->Scan(*text);
    ++records;
    flagged += hits.empty() ? 0 : 1;
    total_hits += hits.size();
    if (as_json) {
      int rc = PrintJsonLine(json::object{
          {"line", i + 1}, {"id", record->id}, {"hits", HitsJson(hits)}});
      if (rc != 0) return rc;
    } else {
      PrintScanText(i + 1, record->id, hits);
    }
  }
  if (!as_json) {
    std::printf(
        "%zu records scanned, %zu with hits, %zu hits, %zu lines "
        "rejected\n",
        records, flagged, total_hits, rejected);
  }
  return rejected == 0 ? 0 : 1;
}

json::value Ratio(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::object CountsJson(const deid::Counts& c) {
  return json::object{{"fn", c.fn},
                      {"fp", c.fp},
                      {"hits", c.hits},
                      {"precision", Ratio(c.Precision())},
                      {"recall", Ratio(c.Recall())},
                      {"tp", c.tp}};
}

json::object TypeJson(std::string_view name, const deid::TypeCounts& c) {
  return json::object{{"exact", CountsJson(c.exact)},
                      {"gold", c.overlap.tp + c.overlap.fn},
                      {"overlap", CountsJson(c.overlap)},
                      {"type", name}};
}

int PrintEvaluationJson(const deid::Evaluation& e) {
  json::array types;
  for (deid::PhiType t : deid::AllPhiTypes()) {
    types.push_back(
        TypeJson(deid::PhiTypeName(t), e.by_type[static_cast<size_t>(t)]));
  }
  return PrintJson(json::object{{"all", TypeJson("all", e.Total())},
                                {"notes", e.notes},
                                {"types", std::move(types)}});
}

void AddCountsRow(Table& t, std::string_view name, const deid::TypeCounts& c) {
  const deid::Counts& o = c.overlap;
  const deid::Counts& x = c.exact;
  t.AddRow({std::string(name), std::to_string(o.tp + o.fn),
            std::to_string(o.tp), std::to_string(o.fp), std::to_string(o.fn),
            Cell(o.Precision()), Cell(o.Recall()), std::to_string(x.tp),
            std::to_string(x.fp), std::to_string(x.fn), Cell(x.Precision()),
            Cell(x.Recall())});
}

void PrintEvaluationText(const deid::Evaluation& e) {
  std::printf(
      "%zu notes; overlap: a hit and a gold span of the same type "
      "share a byte; exact: same start, end and type\n",
      e.notes);
  const auto r = Table::kRight;
  Table t({{"type"},
           {"gold", r},
           {"ovl tp", r},
           {"fp", r},
           {"fn", r},
           {"precision", r},
           {"recall", r},
           {"exact tp", r},
           {"fp", r},
           {"fn", r},
           {"precision", r},
           {"recall", r}});
  for (deid::PhiType type : deid::AllPhiTypes()) {
    AddCountsRow(t, deid::PhiTypeName(type),
                 e.by_type[static_cast<size_t>(type)]);
  }
  AddCountsRow(t, "all", e.Total());
  t.Print();
}

int Evaluate(const Args& args) {
  auto gold_path = args.Require("gold");
  if (!gold_path.ok()) return Fail(gold_path.status());
  auto detector = MakeDetector(args);
  if (!detector.ok()) return Fail(detector.status());
  auto lines = ReadLines(*gold_path, "gold file");
  if (!lines.ok()) return Fail(lines.status());
  deid::Evaluation e;
  std::set<std::string> ids;
  for (size_t i = 0; i < lines->size(); ++i) {
    if (BlankLine((*lines)[i])) continue;
    const std::string where =
        "gold file " + *gold_path + " line " + std::to_string(i + 1);
    StatusOr<deid::GoldNote> note = deid::ParseGoldLine((*lines)[i]);
    if (!note.ok()) return Fail(note.status().WithContext(where), 1);
    if (!ids.insert(note->id).second) {
      return Fail(InvalidArgumentError(where + ": note " + note->id +
                                       " is already in this file"),
                  1);
    }
    deid::Score(note->spans, (*detector)->Scan(note->text), e);
  }
  if (e.notes == 0) {
    return Fail(
        InvalidArgumentError("gold file " + *gold_path + ": holds no notes"),
        1);
  }
  if (args.Has("json")) return PrintEvaluationJson(e);
  PrintEvaluationText(e);
  return 0;
}

const Flag kConfigFlag = {"config", "FILE",
                          "detector configuration: name lists and extra "
                          "patterns (docs/deid.md)"};

Registrar deid_scan(Command{
    .words = {"deid", "scan"},
    .summary = "run the de-identification detectors on a records file "
               "(no import); hits per record",
    .positionals = {{"FILE",
                     "records, one JSON line each (import records "
                     "format)"}},
    .flags = {kConfigFlag, {"json", "", "one JSON line per record"}},
    .run = Scan,
    .notes = "Prints byte spans and types, never the text. Exit 1 when a line "
             "is rejected (the others are still scanned)."});

Registrar deid_evaluate(Command{
    .words = {"deid", "evaluate"},
    .summary = "precision and recall of the detectors per identifier type "
               "on gold spans",
    .flags = {{"gold", "FILE",
               "notes with gold spans, JSON lines "
               "(docs/deid.md)",
               true},
              kConfigFlag,
              {"json", "", "print JSON"}},
    .run = Evaluate,
    .notes = "Counts both matching rules: overlap (same type, at least one "
             "shared byte) and exact (same start, end and type)."});

}  // namespace
}  // namespace consilium::cli
