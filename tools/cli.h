// Command-line plumbing shared by every `consilium` subcommand: the command
// definitions, flag parsing, help and usage, error reporting and exit codes.
//
// Each tools/cmd_*.cc declares its commands once; the parser, the usage line
// and `--help` are all derived from that declaration, so they cannot drift:
//
//   Registrar events_cmd(Command{
//       .words = {"events"},
//       .summary = "print events as JSON lines",
//       .flags = {DataFlag(), {"from", "N", "first sequence number"}},
//       .run = Events});
//
//   int Events(const Args& args) {  // `consilium events --data d --from 5`
//     StatusOr<uint64_t> from = args.GetUint("from", 1);
//
// Parsing rules (docs/cli.md): flags are `--name VALUE`, `--name=VALUE` or a
// boolean `--name`; a flag given twice is an error unless it is repeatable
// (a list); a positional argument the command does not declare, an unknown
// flag, a missing value or a missing required flag is a usage error.
// `-h`/`--help` anywhere prints the command's help and exits 0.
//
// Exit codes: 0 success, 1 the command ran and found a problem (verification
// failed, an input line was rejected), 2 usage or setup error.
#ifndef CONSILIUM_TOOLS_CLI_H_
#define CONSILIUM_TOOLS_CLI_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace consilium::cli {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // name without "--" -> value

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  std::string Get(const std::string& name,
                  const std::string& fallback = "") const;
  // InvalidArgument naming the flag when required and absent.
  StatusOr<std::string> Require(const std::string& name) const;
  StatusOr<uint64_t> GetUint(const std::string& name, uint64_t fallback) const;
  StatusOr<double> GetDouble(const std::string& name, double fallback) const;
};

// One flag: `--name VALUE` when value_name is set ("DIR"), else a boolean
// `--name` (Args holds "true" for it). A repeatable flag is a list: its
// values reach Args joined with ',' (`--records a --records b,c` is "a,b,c").
struct Flag {
  std::string name = {};        // without "--"
  std::string value_name = {};  // empty for a boolean flag
  std::string help = {};
  bool required = false;
  bool repeatable = false;
};

// A positional argument; every declared one is required, in order.
struct Positional {
  std::string name = {};  // "FILE"
  std::string help = {};
};

// A subcommand: its words ("proof", "inclusion"), what it takes, its body.
struct Command {
  std::vector<std::string> words = {};
  std::string summary = {};
  std::vector<Positional> positionals = {};
  std::vector<Flag> flags = {};
  std::function<int(const Args&)> run = {};
  // Shown under the flags by --help: forms the flags alone cannot say
  // ("--record R or --principal P, not both"), stdin input.
  std::string notes = {};
};

// `--data DIR`, required: the ledger's directory.
Flag DataFlag();

// "consilium proof inclusion --data DIR --seq S [--size N]", from the
// declaration (required flags bare, optional ones in brackets).
std::string Usage(const Command& command);
// The usage line, the summary, and one line per positional and flag.
std::string Help(const Command& command);

// Parses argv[first..] against the declaration (see the rules above).
// nullopt when -h/--help was given; InvalidArgument for a usage error.
StatusOr<std::optional<Args>> ParseArgs(const Command& command, int argc,
                                        char** argv, int first);

// The whole program: picks the command whose words match argv longest, parses
// its flags, runs it; `help`, `-h`, `--help`, `--version` and group words
// (`consilium proof -h`) are handled here. Returns the exit code.
int Main(int argc, char** argv);

// "consilium 0.1.0 (git 1a2b3c4d5e6f)"; the revision is captured when CMake
// configures the build, "unknown" outside a git checkout.
std::string VersionLine();

// Prints "consilium: error: <message>" to stderr; returns the exit code.
int Fail(const Status& status, int exit_code = 2);

// Registry filled by each tools/cmd_*.cc through a static Registrar.
std::vector<Command>& Commands();
struct Registrar {
  explicit Registrar(Command command) {
    Commands().push_back(std::move(command));
  }
};

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_CLI_H_
