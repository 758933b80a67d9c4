// Bounded readers for outside bytes (common/input.h): nothing reads past a
// stated limit, and refusals name it (issue 13, defect 1).
#include "common/input.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(FormatByteLimit, NamesUnits) {
  EXPECT_EQ(FormatByteLimit(4 * kMiB), "4 MiB");
  EXPECT_EQ(FormatByteLimit(64 * kKiB), "64 KiB");
  EXPECT_EQ(FormatByteLimit(1000), "1000 bytes");
  EXPECT_EQ(FormatByteLimit(1), "1 byte");
}

TEST(ReadBoundedFile, ReadsUpToTheLimitAndRefusesPastItNamingIt) {
  testing::TempDir tmp;
  Write(tmp.Sub("at"), std::string(kKiB, 'x'));
  Write(tmp.Sub("over"), std::string(kKiB + 1, 'x'));
  StatusOr<std::string> at = ReadBoundedFile(tmp.Sub("at"), kKiB, "test file");
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(at->size(), kKiB);
  StatusOr<std::string> over =
      ReadBoundedFile(tmp.Sub("over"), kKiB, "test file");
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(over.status().message(),
            "test file " + tmp.Sub("over") + ": larger than the 1 KiB limit");
  EXPECT_EQ(
      ReadBoundedFile(tmp.Sub("missing"), kKiB, "test file").status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(ReadBoundedFile(tmp.path(), kKiB, "test file").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ReadBoundedFile, DevZeroAndASparseGigabyteAreRefusedQuickly) {
  testing::TempDir tmp;
  const std::string sparse = tmp.Sub("sparse");
  Write(sparse, "");
  std::filesystem::resize_file(sparse, uintmax_t{1} << 30);
  const auto start = std::chrono::steady_clock::now();
  StatusOr<std::string> zero = ReadBoundedFile("/dev/zero", kMiB, "f");
  EXPECT_EQ(zero.status().message(),
            "f /dev/zero: larger than the 1 MiB limit");
  StatusOr<std::string> big = ReadBoundedFile(sparse, kMiB, "f");
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(ReadBoundedFile, ReadsAFifoAsAStream) {
  testing::TempDir tmp;
  const std::string fifo = tmp.Sub("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { Write(fifo, "{\"a\":1}\n"); });
  StatusOr<std::string> text = ReadBoundedFile(fifo, kKiB, "f");
  writer.join();
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "{\"a\":1}\n");
}

// A pipe with `bytes` written and the write end kept open (returned).
struct Pipe {
  int r = -1, w = -1;
  Pipe() { EXPECT_EQ(::pipe(&r), 0); }
  ~Pipe() {
    ::close(r);
    Close();
  }
  void Put(const std::string& s) {
    ASSERT_EQ(::write(w, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
  void Close() {
    if (w >= 0) ::close(w);
    w = -1;
  }
};

TEST(LineReader, SplitsLinesLikeGetline) {
  Pipe p;
  p.Put("a\n\nb\r\nlast");
  p.Close();
  LineReader in(p.r, "stdin");
  std::string line;
  std::vector<std::string> lines;
  while (true) {
    StatusOr<bool> got = in.Next(&line);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    if (!*got) break;
    lines.push_back(line);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "", "b\r", "last"}));
  EXPECT_EQ(in.line_number(), 4u);
}

TEST(LineReader, RefusesALineOverTheLimitNamingItsNumberAndTheLimit) {
  testing::TempDir tmp;
  Write(tmp.Sub("f"), "ok\n" + std::string(3 * kKiB, 'x') + "\nnever\n");
  FILE* f = std::fopen(tmp.Sub("f").c_str(), "r");
  ASSERT_NE(f, nullptr);
  LineReader in(fileno(f), "lines", {.max_line = 2 * kKiB});
  std::string line;
  ASSERT_TRUE(*in.Next(&line));
  StatusOr<bool> got = in.Next(&line);
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(got.status().message(),
            "lines line 2: longer than the 2 KiB line limit");
  // Spent: the same error again, nothing after it is read.
  EXPECT_EQ(in.Next(&line).status().message(), got.status().message());
  std::fclose(f);
}

TEST(LineReader, DevZeroEndsAtTheLineLimit) {
  FILE* f = std::fopen("/dev/zero", "r");
  ASSERT_NE(f, nullptr);
  LineReader in(fileno(f), "/dev/zero", {.max_line = kMiB});
  std::string line;
  EXPECT_EQ(in.Next(&line).status().message(),
            "/dev/zero line 1: longer than the 1 MiB line limit");
  std::fclose(f);
}

TEST(LineReader, TotalLimit) {
  testing::TempDir tmp;
  std::string text;
  for (int i = 0; i < 100; ++i) text += "0123456789\n";  // 1100 bytes
  Write(tmp.Sub("f"), text);
  StatusOr<std::vector<std::string>> lines =
      ReadBoundedLines(tmp.Sub("f"), {.max_total = 8 * kKiB}, "records file");
  ASSERT_TRUE(lines.ok()) << lines.status().ToString();
  EXPECT_EQ(lines->size(), 100u);
  // Counting each held line's bookkeeping: 100 * (10 + 32) > 4000.
  lines = ReadBoundedLines(tmp.Sub("f"), {.max_total = 4000}, "records file");
  EXPECT_EQ(lines.status().message(), "records file " + tmp.Sub("f") +
                                          ": larger than the 4000 bytes limit");
  // A regular file over the total is refused from its size.
  lines = ReadBoundedLines(tmp.Sub("f"), {.max_total = 1000}, "records file");
  EXPECT_EQ(lines.status().code(), StatusCode::kInvalidArgument);
}

TEST(LineReader, CallsBeforeBlockOnlyWhenNoInputIsReady) {
  Pipe p;
  p.Put("a\n");
  LineReader in(p.r, "stdin");
  int calls = 0;
  in.set_before_block([&] {
    ++calls;
    // The producer answers only now, then ends its input.
    p.Put("b\n");
    p.Close();
  });
  std::string line;
  ASSERT_TRUE(*in.Next(&line));
  EXPECT_EQ(line, "a");
  EXPECT_EQ(calls, 0);
  ASSERT_TRUE(*in.Next(&line));
  EXPECT_EQ(line, "b");
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(*in.Next(&line));
}

}  // namespace
}  // namespace consilium
