// consilium: the command-line tool and (later) the server.
// Each subcommand lives in tools/cmd_*.cc and registers itself in
// cli::Commands(); main() picks the longest matching word sequence.
#include <cstdio>
#include <cstring>
#include <string>

#include "tools/cli.h"

namespace {

void PrintUsage() {
  std::fprintf(stderr, "usage: consilium <command> [flags]\n\ncommands:\n");
  for (const auto& c : consilium::cli::Commands()) {
    std::string words;
    for (const auto& w : c.words) words += (words.empty() ? "" : " ") + w;
    std::fprintf(stderr, "  %-22s %s\n      %s\n", words.c_str(),
                 c.summary.c_str(), c.usage.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  using consilium::cli::Commands;
  const consilium::cli::Command* best = nullptr;
  for (const auto& c : Commands()) {
    if (static_cast<int>(c.words.size()) >= argc) continue;
    bool match = true;
    for (size_t i = 0; i < c.words.size(); ++i) {
      if (c.words[i] != argv[i + 1]) match = false;
    }
    if (match && (best == nullptr || c.words.size() > best->words.size()))
      best = &c;
  }
  if (best == nullptr) {
    if (argc >= 2 && std::strcmp(argv[1], "--help") != 0 &&
        std::strcmp(argv[1], "help") != 0) {
      std::fprintf(stderr, "consilium: error: unknown command \"%s\"\n\n",
                   argv[1]);
    }
    PrintUsage();
    return 2;
  }
  auto args = consilium::cli::ParseArgs(
      *best, argc, argv, 1 + static_cast<int>(best->words.size()));
  if (!args.ok()) return consilium::cli::Fail(args.status());
  return best->run(*args);
}
