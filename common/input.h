// Bounded readers for outside bytes: every file, pipe or device the tools
// read goes through one of these, so no input can make a command hold more
// than a stated limit (issue 13: `schema publish /dev/zero` used to run until
// killed). The limits themselves are chosen by the callers and listed in
// docs/input-limits.md.
//
//   ReadBoundedFile: a whole file of at most `limit` bytes (regular files,
//     FIFOs, devices alike: a device is read until the limit, not trusted).
//   LineReader: newline-separated lines from a file descriptor, each at most
//     `max_line` bytes and all together at most `max_total`; streams (stdin,
//     FIFOs) are read as they arrive, in 64 KiB chunks.
//
// Refusals name the limit: `schema file x.json: larger than the 1 MiB limit`,
// `stdin line 3: longer than the 4 MiB line limit`.
//
// Thread-safety: ReadBoundedFile is reentrant; a LineReader is used by one
// thread at a time.
//
//   ASSIGN_OR_RETURN(std::string text,
//                    ReadBoundedFile(path, kMiB, "schema file"));
//
//   LineReader in(STDIN_FILENO, "stdin", {.max_line = 4 * kMiB});
//   std::string line;
//   while (true) {
//     ASSIGN_OR_RETURN(bool got, in.Next(&line));
//     if (!got) break;  // end of input
//     ...               // in.line_number() is 1-based
//   }
#ifndef CONSILIUM_COMMON_INPUT_H_
#define CONSILIUM_COMMON_INPUT_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace consilium {

inline constexpr size_t kKiB = size_t{1} << 10;
inline constexpr size_t kMiB = size_t{1} << 20;

// "4 MiB", "64 KiB", "1000 bytes": a limit as the messages print it.
std::string FormatByteLimit(size_t bytes);

// Reads all of `path`, at most `limit` bytes. Never allocates more than
// `limit` + 64 KiB. A regular file whose size is already over the limit is
// refused without reading it. Returns NotFound when it cannot be opened
// ("WHAT PATH: cannot open: No such file or directory"), InvalidArgument
// "WHAT PATH: larger than the N MiB limit" past the limit (or for a
// directory), DataLoss on a read error. `what` names the input ("schema
// file", "--csv file").
StatusOr<std::string> ReadBoundedFile(const std::string& path, size_t limit,
                                      std::string_view what);

struct LineReaderOptions {
  size_t max_line = 4 * kMiB;  // bytes in one line, without its newline
  size_t max_total = 0;        // bytes in all lines together; 0: no limit
};

// Lines from `fd` (not owned; not closed). A line ends at '\n' (a '\r' before
// it stays part of the line, as with std::getline); a last line without a
// newline is still a line. Holds at most one chunk plus one line.
class LineReader {
 public:
  LineReader(int fd, std::string name, LineReaderOptions options = {});

  // Reads the next line into `line`. Returns true, false at the end of input,
  // InvalidArgument "NAME line N: longer than the 4 MiB line limit" or
  // "NAME: larger than the 256 MiB limit" (after which the reader is spent),
  // or DataLoss on a read error.
  [[nodiscard]] StatusOr<bool> Next(std::string* line);

  // 1-based number of the line last returned (0 before the first).
  size_t line_number() const { return line_number_; }

  // Called before a read that would block because no input is ready yet
  // (a producer writing one line and waiting for its answer): the caller
  // prints what it owes. Regular files never block.
  void set_before_block(std::function<void()> f) {
    before_block_ = std::move(f);
  }

 private:
  // Reads one chunk into buf_. Returns false at end of input.
  StatusOr<bool> Fill();

  int fd_;
  std::string name_;
  LineReaderOptions options_;
  std::function<void()> before_block_;
  std::vector<char> buf_;
  size_t pos_ = 0;  // next unread byte in buf_
  size_t end_ = 0;  // bytes valid in buf_
  bool eof_ = false;
  Status failure_;  // once set, every Next returns it
  size_t line_number_ = 0;
  size_t total_ = 0;  // bytes consumed so far
};

// All lines of `path` through a LineReader (the bulk JSON-lines commands
// take the whole file, for --atomic). Errors as ReadBoundedFile and
// LineReader::Next, named "WHAT PATH".
StatusOr<std::vector<std::string>> ReadBoundedLines(
    const std::string& path, const LineReaderOptions& options,
    std::string_view what);

}  // namespace consilium

#endif  // CONSILIUM_COMMON_INPUT_H_
