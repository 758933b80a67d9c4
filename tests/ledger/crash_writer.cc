// A writer process for the crash test: appends from many threads and prints
// "seq hash" for every acknowledged append, one write(2) per line (atomic on a
// pipe), until it is killed.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_writer DIR THREADS TAG\n");
    return 2;
  }
  std::string dir = argv[1];
  int threads = std::atoi(argv[2]);
  std::string tag = argv[3];
  auto ledger = consilium::Ledger::Open(dir, {});
  if (!ledger.ok()) {
    std::fprintf(stderr, "%s\n", ledger.status().ToString().c_str());
    return 1;
  }
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (uint64_t i = 0;; ++i) {
        std::string rid =
            "rec-" + tag + "-" + std::to_string(t) + "-" + std::to_string(i);
        auto c = (*ledger)->Append(consilium::MakeRecordImported(
            {"writer-" + std::to_string(t), rid}, rid, "crash",
            "{\"text\":\"" + std::string(100 + (i * 37) % 400, 'n') + "\"}",
            "{}"));
        if (!c.ok()) {
          std::fprintf(stderr, "%s\n", c.status().ToString().c_str());
          std::_Exit(1);
        }
        std::string line = std::to_string(c->seq) + " " +
                           consilium::ToHex(c->hash) + " " + rid + "\n";
        if (write(STDOUT_FILENO, line.data(), line.size()) !=
            static_cast<ssize_t>(line.size())) {
          std::_Exit(1);
        }
      }
    });
  }
  for (auto& t : ts) t.join();
}
