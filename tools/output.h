// Output helpers for commands: JSON error lines and a terminal progress bar.
#ifndef CONSILIUM_TOOLS_OUTPUT_H_
#define CONSILIUM_TOOLS_OUTPUT_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "common/status.h"

namespace consilium::cli {

// {"error":{"code":"INVALID_ARGUMENT","message":"..."},"line":N}; the line is
// omitted when 0.
std::string ErrorJson(const Status& status, size_t line = 0);

// A one-line progress bar on stderr, redrawn at most 10 times a second.
// Disabled (prints nothing) when `enabled` is false, e.g. not a terminal.
class ProgressBar {
 public:
  ProgressBar(std::string label, bool enabled);
  void Update(uint64_t done, uint64_t total);
  void Finish();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_OUTPUT_H_
