#include "common/input.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace consilium {
namespace {

constexpr size_t kChunk = 64 * kKiB;

std::string Errno() { return std::strerror(errno); }

// read(2), retried on EINTR. Returns bytes read, 0 at end, -1 on error.
ssize_t ReadSome(int fd, char* p, size_t n) {
  while (true) {
    ssize_t r = ::read(fd, p, n);
    if (r >= 0 || errno != EINTR) return r;
  }
}

// Closes a descriptor on every return path.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Status TooLarge(std::string_view name, size_t limit) {
  return InvalidArgumentError(std::string(name) + ": larger than the " +
                              FormatByteLimit(limit) + " limit");
}

}  // namespace

std::string FormatByteLimit(size_t bytes) {
  if (bytes >= kMiB && bytes % kMiB == 0)
    return std::to_string(bytes / kMiB) + " MiB";
  if (bytes >= kKiB && bytes % kKiB == 0)
    return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

StatusOr<std::string> ReadBoundedFile(const std::string& path, size_t limit,
                                      std::string_view what) {
  const std::string name = std::string(what) + " " + path;
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return NotFoundError(name + ": cannot open: " + Errno());
  struct stat st;
  if (::fstat(f.fd, &st) != 0) {
    return DataLossError(name + ": cannot stat: " + Errno());
  }
  if (S_ISDIR(st.st_mode)) {
    return InvalidArgumentError(name + ": is a directory");
  }
  // A regular file says its size; a device or pipe is read and counted
  // (/dev/zero says 0 and never ends).
  if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > limit) {
    return TooLarge(name, limit);
  }
  std::string out;
  // Reserve once so growth never doubles past the bound: the file's size
  // (plus one chunk to see its end), or the whole bound for a stream (only
  // the pages written are ever touched).
  out.reserve(S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) + kChunk
                                  : limit + kChunk);
  // Invariant: out.size() <= limit before each read, so the string never
  // grows past limit + kChunk.
  while (true) {
    const size_t old = out.size();
    out.resize(old + kChunk);
    const ssize_t n = ReadSome(f.fd, out.data() + old, kChunk);
    if (n < 0) return DataLossError(name + ": read error: " + Errno());
    out.resize(old + static_cast<size_t>(n));
    if (n == 0) break;
    if (out.size() > limit) return TooLarge(name, limit);
  }
  return out;
}

LineReader::LineReader(int fd, std::string name, LineReaderOptions options)
    : fd_(fd), name_(std::move(name)), options_(options) {
  struct stat st;
  // A regular file already over the total limit is refused at the first
  // Next, without reading it (a 1 GB sparse file costs nothing).
  if (options_.max_total != 0 && ::fstat(fd_, &st) == 0 &&
      S_ISREG(st.st_mode) &&
      static_cast<uint64_t>(st.st_size) > options_.max_total) {
    failure_ = TooLarge(name_, options_.max_total);
  }
}

StatusOr<bool> LineReader::Fill() {
  if (pos_ > 0) {
    // Keep the unread tail at the front.
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (buf_.size() < end_ + kChunk) buf_.resize(end_ + kChunk);
  if (before_block_) {
    struct pollfd p = {fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) == 0) before_block_();
  }
  const ssize_t n = ReadSome(fd_, buf_.data() + end_, kChunk);
  if (n < 0) return DataLossError(name_ + ": read error: " + Errno());
  if (n == 0) return false;
  end_ += static_cast<size_t>(n);
  return true;
}

StatusOr<bool> LineReader::Next(std::string* line) {
  if (!failure_.ok()) return failure_;
  size_t scanned = pos_;  // bytes of the current line already searched
  while (true) {
    const char* start = buf_.data() + pos_;
    const char* nl = end_ > scanned
                         ? static_cast<const char*>(std::memchr(
                               buf_.data() + scanned, '\n', end_ - scanned))
                         : nullptr;
    const size_t len =
        nl ? static_cast<size_t>(nl - start) : end_ - pos_;  // without '\n'
    if (len > options_.max_line) {
      failure_ = InvalidArgumentError(
          name_ + " line " + std::to_string(line_number_ + 1) +
          ": longer than the " + FormatByteLimit(options_.max_line) +
          " line limit");
      return failure_;
    }
    if (nl != nullptr || (eof_ && len > 0)) {
      line->assign(start, len);
      const size_t consumed = len + (nl ? 1 : 0);
      pos_ += consumed;
      total_ += consumed;
      ++line_number_;
      if (options_.max_total != 0 && total_ > options_.max_total) {
        failure_ = TooLarge(name_, options_.max_total);
        return failure_;
      }
      return true;
    }
    if (eof_) return false;
    scanned = end_;
    const size_t keep = pos_;
    StatusOr<bool> got = Fill();
    if (!got.ok()) {
      failure_ = got.status();
      return failure_;
    }
    scanned -= keep;  // Fill moved the unread tail to the front
    if (!*got) eof_ = true;
  }
}

StatusOr<std::vector<std::string>> ReadBoundedLines(
    const std::string& path, const LineReaderOptions& options,
    std::string_view what) {
  const std::string name = std::string(what) + " " + path;
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return NotFoundError(name + ": cannot open: " + Errno());
  struct stat st;
  if (::fstat(f.fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    return InvalidArgumentError(name + ": is a directory");
  }
  LineReader in(f.fd, name, options);
  std::vector<std::string> lines;
  // Held bytes count each line's std::string as well, so a file of empty
  // lines cannot cost 32 times its size.
  size_t held = 0;
  std::string line;
  while (true) {
    ASSIGN_OR_RETURN(bool got, in.Next(&line));
    if (!got) break;
    held += line.size() + sizeof(std::string);
    if (options.max_total != 0 && held > options.max_total) {
      return TooLarge(name, options.max_total);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace consilium
