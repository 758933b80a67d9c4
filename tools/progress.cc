#include "tools/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace consilium::cli {

Flag ProgressFlag() {
  return {"progress", "",
          "show progress on stderr even when it is not a terminal"};
}

Flag QuietFlag() { return {"quiet", "", "no progress on stderr"}; }

bool ProgressWanted(const Args& args) {
  if (args.Has("progress")) return true;
  if (args.Has("quiet")) return false;
  const char* off = std::getenv("CONSILIUM_NO_PROGRESS");
  if (off != nullptr && *off != '\0') return false;
  return isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, uint64_t total, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_(start_),
      total_(total) {}

void Progress::Add(uint64_t n) {
  std::lock_guard l(mu_);
  done_ += n;
  Draw(false);
}

void Progress::Set(uint64_t done) {
  std::lock_guard l(mu_);
  done_ = done;
  Draw(false);
}

void Progress::SetTotal(uint64_t total) {
  std::lock_guard l(mu_);
  total_ = total;
  Draw(false);
}

void Progress::Update(uint64_t done, uint64_t total) {
  std::lock_guard l(mu_);
  total_ = total;
  done_ = done;
  Draw(false);
}

std::function<void(uint64_t, uint64_t)> Progress::Callback() {
  return [this](uint64_t done, uint64_t total) { Update(done, total); };
}

void Progress::Finish() {
  std::lock_guard l(mu_);
  if (finished_) return;
  finished_ = true;
  Draw(true);
  if (enabled_) std::fprintf(stderr, "\n");
}

void Progress::Draw(bool force) {
  if (!enabled_ || finished_ != force) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
  constexpr int kWidth = 30;
  int filled =
      total_ ? static_cast<int>(
                   kWidth * std::min(1.0, static_cast<double>(done_) / total_))
             : 0;
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r%s [%s] %llu/%llu  %.0f/s ", label_.c_str(),
               bar.c_str(), static_cast<unsigned long long>(done_),
               static_cast<unsigned long long>(total_), rate);
  std::fflush(stderr);
}

}  // namespace consilium::cli
