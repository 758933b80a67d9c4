// Outside input through the CLI, as issue 13 found it: every command that
// takes a file (or stdin) ends quickly on /dev/zero and on a 1 GB sparse
// file, with an error naming the limit and a bounded peak RSS, measured
// (defect 1); duplicate JSON keys are refused (defect 2); `append` answers a
// producer that writes one event and waits (defect 8); `agreement --csv`
// refuses what is not a rating table (defect 9).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

using Clock = std::chrono::steady_clock;

struct Measured {
  int exit_code = -1;  // -1: killed (did not end in time) or not run
  bool timed_out = false;
  double seconds = 0;
  long max_rss_kb = 0;  // the child's peak resident set (wait4's rusage)
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs consilium with `args`, stdin from `stdin_path`, and measures it. A
// run longer than `limit` is killed (timed_out).
Measured RunMeasured(const std::vector<std::string>& args,
                     const std::string& stdin_path, const std::string& scratch,
                     std::chrono::seconds limit = std::chrono::seconds(5)) {
  const std::string out_path = scratch + "/run.out";
  const std::string err_path = scratch + "/run.err";
  const std::string bin = testing::ConsiliumBin();
  const auto start = Clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open(stdin_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0) ::_exit(127);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(bin.c_str()));
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  Measured r;
  if (pid < 0) return r;
  int status = 0;
  struct rusage usage = {};
  while (true) {
    pid_t done = ::wait4(pid, &status, WNOHANG, &usage);
    if (done == pid) break;
    if (Clock::now() - start > limit) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      ::wait4(pid, &status, 0, &usage);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  r.max_rss_kb = usage.ru_maxrss;
  if (!r.timed_out && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = Slurp(out_path);
  r.err = Slurp(err_path);
  return r;
}

int Consilium(const std::string& args) {
  int code = -1;
  testing::RunConsilium(args, &code);
  return code;
}

class InputCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = tmp_.Sub("ledger");
    ASSERT_EQ(Consilium("init --data " + data_), 0);
    ASSERT_EQ(Consilium("project create --data " + data_ + " --id p --name P"),
              0);
    sparse_ = tmp_.Sub("sparse-1g");
    std::ofstream(sparse_).close();
    std::filesystem::resize_file(sparse_, uintmax_t{1} << 30);
  }

  testing::TempDir tmp_;
  std::string data_;
  std::string sparse_;
};

// Issue 13, defect 1: `schema publish /dev/zero` ran until killed (923 MB
// after 5 s); the same for every command that reads a file or stdin.
TEST_F(InputCliTest, EveryFileInputEndsWithinFiveSecondsNamingTheLimit) {
  // A well-formed verifier key (made with `consilium keygen`), so that the
  // command gets as far as reading the checkpoint file.
  const std::string vkey =
      "test+7928b4f0+AZjcb9NPoHWQRsXOUg2m6tPd2xsHSCJultLgKgYJpeky";
  struct Case {
    std::string name;
    std::vector<std::string> args;  // SRC is replaced by the input
    bool via_stdin;
  };
  const std::vector<Case> cases = {
      {"schema publish", {"schema", "publish", "SRC", "--data", data_}, false},
      {"annotate", {"annotate", "SRC", "--data", data_}, false},
      {"import records",
       {"import", "records", "SRC", "--data", data_, "--project", "p"},
       false},
      {"agreement --csv", {"agreement", "--csv", "SRC"}, false},
      {"aggregate --csv",
       {"aggregate", "--csv", "SRC", "--method", "majority"},
       false},
      {"append", {"append", "--data", data_}, true},
      {"audit verify --checkpoint",
       {"audit", "verify", "--vkey", vkey, "--checkpoint", "SRC"},
       false},
      {"audit verify --vkey FILE",
       {"audit", "verify", "--vkey", "SRC", "--checkpoint", "SRC"},
       false},
  };
  for (const std::string& src : {std::string("/dev/zero"), sparse_}) {
    for (const Case& c : cases) {
      std::vector<std::string> args = c.args;
      for (std::string& a : args) {
        if (a == "SRC") a = src;
      }
      Measured r =
          RunMeasured(args, c.via_stdin ? src : "/dev/null", tmp_.path());
      const std::string what = c.name + " on " + src;
      EXPECT_FALSE(r.timed_out) << what << " ran past 5 s";
      EXPECT_NE(r.exit_code, 0) << what;
      EXPECT_NE(r.exit_code, -1) << what;
      EXPECT_LT(r.seconds, 5.0) << what;
      EXPECT_LT(r.max_rss_kb, 300 * 1024)
          << what << ": peak RSS " << r.max_rss_kb << " KB";
      // The message names the limit ("larger than the 1 MiB limit",
      // "longer than the 8 MiB line limit").
      EXPECT_NE(r.err.find(" MiB "), std::string::npos)
          << what << ": " << r.err;
      EXPECT_NE(r.err.find("limit"), std::string::npos)
          << what << ": " << r.err;
      std::printf("%-28s %-10s %6.3f s %7ld KB  %s", c.name.c_str(),
                  src == sparse_ ? "sparse-1g" : src.c_str(), r.seconds,
                  r.max_rss_kb, r.err.c_str());
    }
  }
  // Nothing was appended (the ledger holds only the project).
  int code = -1;
  std::string head = testing::RunConsilium("head --data " + data_, &code,
                                           /*with_stderr=*/false);
  EXPECT_NE(head.find("\"seq\":1,"), std::string::npos) << head;
}

// The limits refuse only what is past them: a 1 MiB + 1 schema file is
// refused before parsing, with the limit named.
TEST_F(InputCliTest, SchemaFileOverTheLimitIsRefusedNamingIt) {
  const std::string big = tmp_.Sub("big.json");
  std::ofstream(big) << std::string((1 << 20) + 1, ' ');
  Measured r = RunMeasured({"schema", "publish", big, "--data", data_},
                           "/dev/null", tmp_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("schema file " + big + ": larger than the 1 MiB limit"),
            std::string::npos)
      << r.err;
}

// Issue 13, defect 2, through the CLI: the issue's line is refused and
// appends nothing.
TEST_F(InputCliTest, AppendRefusesDuplicateKeys) {
  const std::string in = tmp_.Sub("dup.jsonl");
  std::ofstream(in)
      << R"({"type":"ProjectCreated","actor":"a","actor":"b","body":{"project_id":"q","name":"x","name":"y"}})"
      << "\n";
  Measured r = RunMeasured({"append", "--data", data_}, in, tmp_.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(R"(event has a duplicate key \"body.name\")"),
            std::string::npos)
      << r.out;
  int code = -1;
  std::string head = testing::RunConsilium("head --data " + data_, &code,
                                           /*with_stderr=*/false);
  EXPECT_NE(head.find("\"seq\":1,"), std::string::npos) << head;
}

// Issue 13, defect 8: append held acknowledgements back until 512 lines or
// the end of input. A producer writes one event, keeps the pipe open, and
// must read its acknowledgement within a couple of seconds; then a second.
TEST_F(InputCliTest, AppendAcknowledgesEachEventWhileInputStaysOpen) {
  int to_child[2], from_child[2];
  ASSERT_EQ(::pipe(to_child), 0);
  ASSERT_EQ(::pipe(from_child), 0);
  const std::string bin = testing::ConsiliumBin();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    ::close(to_child[1]);
    ::close(from_child[0]);
    ::execl(bin.c_str(), bin.c_str(), "append", "--data", data_.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  ::close(to_child[0]);
  ::close(from_child[1]);
  // Reads one line of output, waiting at most `wait`.
  std::string pending;
  auto read_line = [&](std::chrono::milliseconds wait) -> std::string {
    const auto deadline = Clock::now() + wait;
    while (pending.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - Clock::now());
      if (left.count() <= 0) return "";
      struct pollfd p = {from_child[0], POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
      char buf[512];
      ssize_t n = ::read(from_child[0], buf, sizeof buf);
      if (n <= 0) return "";
      pending.append(buf, static_cast<size_t>(n));
    }
    const size_t nl = pending.find('\n');
    std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    return line;
  };
  auto send = [&](const std::string& line) {
    ASSERT_EQ(::write(to_child[1], line.data(), line.size()),
              static_cast<ssize_t>(line.size()));
  };
  send(
      R"({"type":"ProjectCreated","actor":"admin","body":{"project_id":"q1","name":"Q"}})"
      "\n");
  std::string ack = read_line(std::chrono::milliseconds(2000));
  EXPECT_EQ(ack.rfind(R"({"line":1,"seq":2,"hash":")", 0), 0u)
      << "no acknowledgement within 2 s: \"" << ack << "\"";
  send(
      R"({"type":"ProjectCreated","actor":"admin","body":{"project_id":"q2","name":"Q"}})"
      "\n");
  ack = read_line(std::chrono::milliseconds(2000));
  EXPECT_EQ(ack.rfind(R"({"line":2,"seq":3,"hash":")", 0), 0u)
      << "no acknowledgement within 2 s: \"" << ack << "\"";
  ::close(to_child[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(from_child[0]);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// Issue 13, defect 9: a 10 MB file that is not CSV printed "0 items, 1
// rater, 0 ratings" and exited 0. Now each kind of non-table is refused with
// a message saying what is wrong.
TEST_F(InputCliTest, AgreementRefusesInputThatIsNotARatingTable) {
  auto agreement = [&](const std::string& name, const std::string& bytes) {
    const std::string path = tmp_.Sub(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return RunMeasured({"agreement", "--csv", path}, "/dev/null", tmp_.path());
  };
  // 10 MB of text with no line break: a header and no rows.
  Measured r = agreement("no-rows.txt", std::string(10 << 20, 'a'));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("no rows of ratings after the header line: not a "
                       "rating table"),
            std::string::npos)
      << r.err;
  // Binary bytes.
  std::string binary;
  uint32_t x = 12345;
  for (int i = 0; i < (1 << 20); ++i) {
    x = x * 1103515245u + 12345u;
    binary.push_back(static_cast<char>(x >> 24));
  }
  r = agreement("binary.bin", binary);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is not UTF-8 text: not a CSV rating table"),
            std::string::npos)
      << r.err;
  // One column of free text, every line different.
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "line " + std::to_string(i) + "\n";
  r = agreement("free-text.txt", text);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.err.find("distinct labels"), std::string::npos) << r.err;
  // A UTF-16 byte order mark is named.
  r = agreement("utf16.csv", std::string("\xFF\xFE"
                                         "i\0t\0",
                                         6));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("UTF-16 byte order mark"), std::string::npos) << r.err;
  // A UTF-8 byte order mark is accepted and skipped (docs/statistics.md):
  // the same table as without it.
  const std::string table = "item,a,b\nx,1,1\ny,1,2\n";
  Measured plain = agreement("plain.csv", table);
  Measured bom = agreement("bom.csv", "\xEF\xBB\xBF" + table);
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(bom.exit_code, 0) << bom.err;
  EXPECT_EQ(bom.out.substr(bom.out.find(':')),
            plain.out.substr(plain.out.find(':')));
}

}  // namespace
}  // namespace consilium
