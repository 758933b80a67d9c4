// Crash safety: a writer process appends from many threads and is killed
// with SIGKILL at random moments; after each kill the ledger must hold every
// acknowledged event, verify, and have no half-written event or dangling
// index entry.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "tests/testing/build_paths.h"
#include "tests/testing/temp_dir.h"

namespace consilium {
namespace {

struct Ack {
  uint64_t seq;
  std::string hash;
  std::string record_id;
};

// Runs the writer for `run_ms`, kills it with SIGKILL, and returns every
// complete line it printed (each one an acknowledged append).
std::vector<Ack> RunAndKill(const std::string& dir, int cycle, int run_ms) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::string tag = std::to_string(cycle);
    execl(::consilium::testing::CrashWriterBin().c_str(),
          ::consilium::testing::CrashWriterBin().c_str(), dir.c_str(), "16",
          tag.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  // Drain the pipe while the writer runs, so it never blocks on a full pipe.
  std::string out;
  char buf[65536];
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 5) > 0) {
      ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, n);
    }
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status))
      << "writer exited on its own with " << WEXITSTATUS(status);
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, n);
  close(fds[0]);
  std::vector<Ack> acks;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line cut short by the kill was never complete
    std::istringstream f(line);
    Ack a;
    f >> a.seq >> a.hash >> a.record_id;
    if (!f.fail()) acks.push_back(a);
  }
  return acks;
}

TEST(CrashTest, EveryAcknowledgedAppendSurvivesSigkill) {
  testing::TempDir tmp;
  std::string dir = tmp.Sub("ledger");
  ASSERT_TRUE(Ledger::Init(dir).ok());
  std::mt19937 rng(std::random_device{}());
  std::vector<Ack> all;
  uint64_t total_acked = 0;
  constexpr int kCycles = 24;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    int run_ms = std::uniform_int_distribution<int>(30, 300)(rng);
    std::vector<Ack> acks = RunAndKill(dir, cycle, run_ms);
    total_acked += acks.size();
    all.insert(all.end(), acks.begin(), acks.end());

    auto ledger = Ledger::Open(dir, {.read_only = true});
    ASSERT_TRUE(ledger.ok())
        << "cycle " << cycle << ": " << ledger.status().ToString();
    for (const Ack& a : all) {
      auto e = (*ledger)->Get(a.seq);
      ASSERT_TRUE(e.ok()) << "cycle " << cycle << ": acknowledged event "
                          << a.seq << " lost";
      ASSERT_EQ(ToHex(e->hash), a.hash)
          << "cycle " << cycle << ": event " << a.seq;
    }
    VerifyReport r = (*ledger)->Verify(1, nullptr);
    ASSERT_TRUE(r.ok) << "cycle " << cycle << ": event " << r.bad_seq << ": "
                      << r.problem;
    ASSERT_EQ(r.head.seq, (*ledger)->head().seq);
    // Indexes were written in the same batch: each entry names a stored event
    // about that record.
    for (size_t i = all.size() > 50 ? all.size() - 50 : 0; i < all.size();
         ++i) {
      auto seqs = (*ledger)->EventsForRecord(all[i].record_id);
      ASSERT_TRUE(seqs.ok());
      ASSERT_EQ(*seqs, std::vector<uint64_t>{all[i].seq});
    }
  }
  // The test means something only if appends were acknowledged and killed
  // mid-flight; the writer keeps 16 appends in flight at every kill.
  EXPECT_GT(total_acked, uint64_t{kCycles});
  std::printf("%llu acknowledged appends over %d SIGKILLs\n",
              static_cast<unsigned long long>(total_acked), kCycles);
}

}  // namespace
}  // namespace consilium
