// `consilium report --data DIR --project P (--out FILE | --json)
//  [--seed N] [--replicates N] [--as-of SEQ|TIME]`: the project's HTML report
// (docs/report.md). The figures come from projections/report_figures.h, the
// page and the JSON from render/report_html.h; this file only reads flags
// and writes the result. The HTML goes to a temporary file beside FILE and
// is renamed over it, so FILE is either the whole report or untouched.
// Prints nothing else with --json, so its output is the document alone.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "adjudication/report_as_of.h"
#include "projections/report_figures.h"
#include "render/report_html.h"
#include "tools/analytics_source.h"
#include "tools/cli.h"
#include "tools/output.h"
#include "tools/progress.h"

namespace consilium::cli {
namespace {

// The report's file: a temporary file beside --out, created before the
// figures are computed (an unwritable --out fails at once), renamed over
// --out when complete, removed otherwise.
class ReportFile {
 public:
  ~ReportFile() {
    if (f_ != nullptr) std::fclose(f_);
    if (!tmp_.empty()) std::remove(tmp_.c_str());
  }
  Status Open(const std::string& path) {
    path_ = path;
    tmp_ = path + ".tmp-" + std::to_string(getpid());
    f_ = std::fopen(tmp_.c_str(), "wb");
    if (f_ == nullptr) {
      const std::string why = std::strerror(errno);
      tmp_.clear();
      return InvalidArgumentError("--out " + path + ": cannot create " + path +
                                  ".tmp-" + std::to_string(getpid()) + ": " +
                                  why);
    }
    return OkStatus();
  }
  Status Commit(const std::string& bytes) {
    const bool written =
        std::fwrite(bytes.data(), 1, bytes.size(), f_) == bytes.size();
    const bool closed = std::fclose(f_) == 0;
    f_ = nullptr;
    if (!written || !closed || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
      return InternalError("--out " + path_ + ": cannot write the report: " +
                           std::strerror(errno));
    }
    tmp_.clear();
    return OkStatus();
  }

 private:
  std::string path_, tmp_;
  FILE* f_ = nullptr;
};

int RunReport(const Args& args) {
  StatusOr<std::string> project = args.Require("project");
  if (!project.ok()) return Fail(project.status());
  if (!args.Has("out") && !args.Has("json")) {
    return Fail(InvalidArgumentError(
        "give --out FILE (the HTML report), --json (its figures), or both"));
  }
  if (args.Has("out") && args.Get("out").empty())
    return Fail(InvalidArgumentError("--out: empty file name"));
  StatusOr<uint64_t> seed = args.GetUint("seed", 1);
  if (!seed.ok()) return Fail(seed.status());
  StatusOr<uint64_t> replicates = args.GetUint("replicates", 1000);
  if (!replicates.ok()) return Fail(replicates.status());
  if (*replicates < 1 || *replicates > 100000) {
    return Fail(
        InvalidArgumentError("--replicates must be between 1 and 100000, got " +
                             std::to_string(*replicates)));
  }
  ReportFile file;
  if (args.Has("out")) {
    if (Status s = file.Open(args.Get("out")); !s.ok()) return Fail(s);
  }
  StatusOr<LoadedAnalytics> loaded = LoadAnalytics(args);
  if (!loaded.ok()) return Fail(loaded.status());
  // Progress: the bootstrap, group by group (every record, then each
  // batch), the one part that takes seconds.
  Progress bar("bootstrap", 0, ProgressWanted(args));
  StatusOr<projections::ReportFigures> figures =
      adjudication::ReportFiguresAsOf(
          *loaded->ledger, loaded->state, *project,
          {.seed = *seed,
           .replicates = static_cast<int32_t>(*replicates),
           .progress = [&bar](size_t done,
                              size_t total) { bar.Update(done, total); }},
          args.Has("pseudonyms"));
  bar.Finish();
  if (!figures.ok()) return Fail(figures.status());
  if (args.Has("out")) {
    if (Status s = file.Commit(render::ReportHtml(*figures)); !s.ok())
      return Fail(s);
  }
  if (args.Has("json")) return PrintJson(render::ReportJson(*figures));
  std::printf(
      "wrote %s: project %s as of event %llu, %d bootstrap "
      "replicates, seed %llu\n",
      args.Get("out").c_str(), project->c_str(),
      static_cast<unsigned long long>(figures->as_of_seq),
      figures->options.replicates,
      static_cast<unsigned long long>(figures->options.seed));
  return 0;
}

Registrar report_cmd(Command{
    .words = {"report"},
    .summary = "a project's agreement and calibration report: one "
               "self-contained HTML file",
    .flags = {DataFlag(),
              {"project", "P", "project id", true},
              {"out", "FILE", "write the HTML report here"},
              {"json", "", "print the report's figures as JSON"},
              {"pseudonyms", "",
               "annotators by pseudonym (a researcher's view, as the server "
               "gives it)"},
              {"seed", "N", "bootstrap seed (default 1)"},
              {"replicates", "N",
               "bootstrap replicates per field, 1 to 100000 (default 1000)"},
              {"as-of", "SEQ|TIME",
               "as the ledger stood at an event or a time"},
              ProgressFlag(),
              QuietFlag()},
    .run = RunReport,
    .notes = "Give --out FILE, --json, or both. The same ledger position, "
             "seed and replicates give the same bytes (docs/report.md)."});

}  // namespace
}  // namespace consilium::cli
