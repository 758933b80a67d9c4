// Progress: a counter shown as a one-line bar on stderr while a long command
// runs (verify, report, demo, import records, import/export label-studio,
// snapshot export, backup, restore, kek rotate: the table in docs/audit.md,
// "Progress bars"), and nothing at all when stderr is not a
// terminal or CONSILIUM_NO_PROGRESS is set, so scripts and logs never see
// it; a command's --progress draws it anyway, --quiet never. Only stderr:
// stdout (a --json document, a table) never holds a byte of it. At most ten
// redraws a second ("label [####....] 40/100 250/s"), the final count
// always, then a newline.
//
// Thread-safety: Add and Set may be called from any thread (callbacks of
// asynchronous commands); Finish from one.
//
//   Progress bar("importing", lines.size(), ProgressWanted(args));
//   for (...) { ...; bar.Add(); }
//   bar.Finish();  // or let the destructor do it
#ifndef CONSILIUM_TOOLS_PROGRESS_H_
#define CONSILIUM_TOOLS_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "tools/cli.h"

namespace consilium::cli {

// The flags of a command that shows progress: --progress (draw it even when
// stderr is not a terminal) and --quiet (never draw it).
Flag ProgressFlag();
Flag QuietFlag();

// Whether a command run with `args` draws progress: --progress gives true,
// --quiet false; otherwise stderr is a terminal and the environment
// variable CONSILIUM_NO_PROGRESS is unset or empty.
bool ProgressWanted(const Args& args);

class Progress {
 public:
  // `total` is the count that means done (0 when unknown: the bar stays
  // empty and the count still shows). Draws nothing unless `enabled`
  // (ProgressWanted(args)).
  Progress(std::string label, uint64_t total, bool enabled);
  ~Progress() { Finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(uint64_t n = 1);
  void Set(uint64_t done);
  // A new total, for work whose size is learned on the way.
  void SetTotal(uint64_t total);
  // Both at once, as the (done, total) callbacks of long operations report
  // (Ledger::RepairIndexes, projections::BuildStateAsOf, ExportSnapshot).
  void Update(uint64_t done, uint64_t total);
  // A callback calling Update on this bar, which must outlive it.
  std::function<void(uint64_t done, uint64_t total)> Callback();
  // Draws the final count and ends the line; later calls do nothing.
  void Finish();

 private:
  void Draw(bool force);  // under mu_

  std::mutex mu_;
  const std::string label_;
  const bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  uint64_t done_ = 0;
  uint64_t total_;
  bool finished_ = false;
};

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_PROGRESS_H_
