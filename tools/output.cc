#include "tools/output.h"

#include <boost/json.hpp>
#include <cstdio>

namespace consilium::cli {

std::string ErrorJson(const Status& status, size_t line) {
  boost::json::object err;
  err["code"] = StatusCodeName(status.code());
  err["message"] = status.message();
  boost::json::object o;
  o["error"] = std::move(err);
  if (line != 0) o["line"] = line;
  return boost::json::serialize(o);
}

ProgressBar::ProgressBar(std::string label, bool enabled)
    : label_(std::move(label)),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void ProgressBar::Update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? done / secs : 0;
  constexpr int kWidth = 30;
  int filled = total ? static_cast<int>(
                           kWidth * std::min<double>(1.0, double(done) / total))
                     : 0;
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  std::fprintf(stderr, "\r%s [%s] %llu/%llu  %.0f/s ", label_.c_str(),
               bar.c_str(), static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total), rate);
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (enabled_ && drawn_) std::fprintf(stderr, "\n");
}

}  // namespace consilium::cli
