// ServeProcess: a `consilium` child process (usually `consilium serve`)
// with its stdout on a pipe, for the tests that run the real server: spawn
// it, read what it prints until a line appears (the "listening on" line
// gives the port), signal it, wait for its exit status. The destructor
// kills (SIGKILL) and reaps a child still running, so a failed assertion
// never leaves a server behind. stderr is inherited (the test's log).
//
// Thread-safety: one thread.
//
//   ServeProcess serve;
//   uint16_t port = serve.StartServe({"--data", dir, "--listen",
//                                     "127.0.0.1:0"});
//   ASSERT_NE(port, 0) << serve.printed();
//   ...
//   ASSERT_TRUE(serve.Signal(SIGTERM));
//   EXPECT_EQ(serve.WaitExit(std::chrono::seconds(15)), 0);
#ifndef CONSILIUM_TESTS_TESTING_SERVE_PROCESS_H_
#define CONSILIUM_TESTS_TESTING_SERVE_PROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/paths.h"

namespace consilium::testing {

class ServeProcess {
 public:
  ServeProcess() = default;
  ~ServeProcess() { Reset(); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Where the next Spawn's stderr goes (a file, truncated); empty: inherited.
  void set_stderr_file(std::string path) { stderr_file_ = std::move(path); }

  // Starts `consilium ARGS...` (ConsiliumBin()) with stdout on a pipe; a
  // child from an earlier Spawn is killed first and what it printed
  // forgotten. False when pipe or fork failed.
  bool Spawn(const std::vector<std::string>& args) {
    Reset();
    int fds[2];
    if (pipe(fds) != 0) return false;
    pid_ = fork();
    if (pid_ < 0) {
      close(fds[0]);
      close(fds[1]);
      return false;
    }
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      if (!stderr_file_.empty()) {  // a test that reads the server's log
        int err =
            open(stderr_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (err >= 0) dup2(err, STDERR_FILENO);
      }
      std::string bin = ConsiliumBin();
      std::vector<std::string> copy = args;
      std::vector<char*> argv = {bin.data()};
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
    return true;
  }

  // Spawns `consilium serve ARGS...` and waits up to `limit` for its
  // "listening on http[s]://HOST:PORT" line: the port, or 0 when the line
  // did not come (the child exited, or was too slow; printed() holds what
  // it printed instead).
  uint16_t StartServe(
      const std::vector<std::string>& args,
      std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    std::vector<std::string> full = {"serve"};
    full.insert(full.end(), args.begin(), args.end());
    if (!Spawn(full)) return 0;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    uint16_t port = 0;
    while ((port = ListeningPort(printed_)) == 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !ReadSome(left)) return 0;
    }
    return port;
  }

  // The port in "listening on http(s)://HOST:PORT", 0 until it is printed.
  // (No std::regex: GCC 12 warns inside <regex> under ASan, and -Werror.)
  static uint16_t ListeningPort(const std::string& printed) {
    const std::string key = "listening on http";
    for (size_t at = printed.find(key); at != std::string::npos;
         at = printed.find(key, at + 1)) {
      size_t p = at + key.size();
      if (p < printed.size() && printed[p] == 's') ++p;
      if (printed.compare(p, 3, "://") != 0) continue;
      p += 3;
      while (p < printed.size() && printed[p] != ':' && printed[p] != '/' &&
             !std::isspace(static_cast<unsigned char>(printed[p])))
        ++p;
      if (p >= printed.size() || printed[p] != ':') continue;
      size_t digits = ++p;
      uint32_t port = 0;
      while (p < printed.size() &&
             std::isdigit(static_cast<unsigned char>(printed[p])) &&
             port <= 65535)
        port = port * 10 + static_cast<uint32_t>(printed[p++] - '0');
      // The number must be complete (something printed after it) and valid.
      if (p == digits || p >= printed.size() || port == 0 || port > 65535)
        continue;
      return static_cast<uint16_t>(port);
    }
    return 0;
  }

  // What the child printed until `want` appeared, it closed its stdout, or
  // `limit` passed.
  const std::string& ReadUntil(const std::string& want,
                               std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (printed_.find(want) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !ReadSome(left)) break;
    }
    return printed_;
  }

  // Sends `sig` to the child; false when none runs.
  bool Signal(int sig) { return pid_ > 0 && kill(pid_, sig) == 0; }

  // The child's exit code (128 + the signal when a signal ended it), or -1
  // when it still runs after `limit` (or none was started).
  int WaitExit(std::chrono::milliseconds limit) {
    if (pid_ <= 0) return -1;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    do {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return -1;
  }

  // Kills a running child and reaps it, closes the pipe, forgets printed().
  void Reset() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (out_ >= 0) close(out_);
    out_ = -1;
    printed_.clear();
  }

  pid_t pid() const { return pid_; }
  const std::string& printed() const { return printed_; }

 private:
  // One read of what is available within `limit`; false on timeout, end of
  // output or error.
  bool ReadSome(std::chrono::milliseconds limit) {
    if (out_ < 0) return false;
    pollfd p{out_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(limit.count())) <= 0) return false;
    char buf[512];
    ssize_t n = read(out_, buf, sizeof buf);
    if (n <= 0) return false;
    printed_.append(buf, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string stderr_file_;
  std::string printed_;
};

}  // namespace consilium::testing

#endif  // CONSILIUM_TESTS_TESTING_SERVE_PROCESS_H_
