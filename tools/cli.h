// Command-line plumbing shared by every `consilium` subcommand: flag parsing,
// error reporting and exit codes.
//
//   Args args;  // filled by main() from `consilium events --data d --from 5`
//   StatusOr<uint64_t> from = args.GetUint("from", 1);
//
// Exit codes: 0 success, 1 the command ran and found a problem (verification
// failed, an input line was rejected), 2 usage or setup error.
#ifndef CONSILIUM_TOOLS_CLI_H_
#define CONSILIUM_TOOLS_CLI_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
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

// A subcommand: its words ("proof", "inclusion"), the flags it accepts, and
// its body. Boolean flags take no value; value flags take one.
struct Command {
  std::vector<std::string> words;
  std::string usage;  // one line: "--data DIR [--from N] [--limit K]"
  std::string summary;
  std::set<std::string> value_flags;
  std::set<std::string> bool_flags;
  std::function<int(const Args&)> run;
};

// Parses argv[first..] strictly: unknown flags, a missing value and a value
// given to a boolean flag are InvalidArgument.
StatusOr<Args> ParseArgs(const Command& command, int argc, char** argv,
                         int first);

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
