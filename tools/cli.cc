#include "tools/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace consilium::cli {

std::string Args::Get(const std::string& name,
                      const std::string& fallback) const {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

StatusOr<std::string> Args::Require(const std::string& name) const {
  auto it = flags.find(name);
  if (it == flags.end() || it->second.empty()) {
    return InvalidArgumentError("--" + name + " is required");
  }
  return it->second;
}

StatusOr<uint64_t> Args::GetUint(const std::string& name,
                                 uint64_t fallback) const {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  const std::string& v = it->second;
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos ||
      v.size() > 20) {
    return InvalidArgumentError(
        "--" + name + " expects a non-negative integer, got \"" + v + "\"");
  }
  errno = 0;
  unsigned long long n = std::strtoull(v.c_str(), nullptr, 10);
  if (errno == ERANGE) {
    return InvalidArgumentError("--" + name + " is out of range: " + v);
  }
  return static_cast<uint64_t>(n);
}

StatusOr<double> Args::GetDouble(const std::string& name,
                                 double fallback) const {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || errno == ERANGE) {
    return InvalidArgumentError("--" + name + " expects a number, got \"" +
                                it->second + "\"");
  }
  return d;
}

Flag DataFlag() {
  return {"data", "DIR", "the ledger's directory", /*required=*/true};
}

namespace {

std::string Words(const Command& command) {
  std::string out;
  for (const auto& w : command.words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Positionals and flags, as one line: "FILE --data DIR [--atomic]".
std::string Synopsis(const Command& command) {
  std::string out;
  auto add = [&out](const std::string& part) {
    out += (out.empty() ? "" : " ") + part;
  };
  for (const auto& p : command.positionals) add(p.name);
  for (const auto& f : command.flags) {
    std::string part = "--" + f.name;
    if (!f.value_name.empty()) part += " " + f.value_name;
    if (f.repeatable) part += " ...";
    add(f.required ? part : "[" + part + "]");
  }
  return out;
}

// Two columns, the first as wide as its widest cell.
std::string TwoColumns(
    const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (const auto& [left, right] : rows) width = std::max(width, left.size());
  std::string out;
  for (const auto& [left, right] : rows) {
    out += "  " + left + std::string(width - left.size() + 2, ' ') + right;
    out += '\n';
  }
  return out;
}

}  // namespace

std::string Usage(const Command& command) {
  std::string synopsis = Synopsis(command);
  return "consilium " + Words(command) +
         (synopsis.empty() ? "" : " " + synopsis);
}

std::string Help(const Command& command) {
  std::string out =
      "usage: " + Usage(command) + "\n\n" + command.summary + "\n";
  if (!command.positionals.empty()) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& p : command.positionals) rows.emplace_back(p.name, p.help);
    out += "\narguments:\n" + TwoColumns(rows);
  }
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& f : command.flags) {
    std::string left = "--" + f.name;
    if (!f.value_name.empty()) left += " " + f.value_name;
    std::string right = f.help;
    if (f.required) right += " (required)";
    if (f.repeatable) right += " (repeatable; values are joined with ',')";
    rows.emplace_back(left, right);
  }
  rows.emplace_back("-h, --help", "print this help and exit");
  out += "\nflags:\n" + TwoColumns(rows);
  if (!command.notes.empty()) out += "\n" + command.notes + "\n";
  return out;
}

// CLI11 tokenizes (`--name=value`, `--`, `-h`, a missing value); the rules
// that make the parser strict (duplicates, strays, required flags) are
// checked here so that their messages name the flag the way Args::Require
// does.
StatusOr<std::optional<Args>> ParseArgs(const Command& command, int argc,
                                        char** argv, int first) {
  CLI::App app(command.summary, "consilium " + Words(command));
  app.allow_extras(true);
  app.set_help_flag("-h,--help");
  std::vector<CLI::Option*> options;
  for (const auto& f : command.flags) {
    CLI::Option* o = nullptr;
    if (f.value_name.empty()) {
      o = app.add_flag("--" + f.name);
    } else {
      o = app.add_option("--" + f.name)
              ->type_name(f.value_name)
              ->expected(1)
              ->allow_extra_args(false);
    }
    // Every occurrence is kept, so that a repeated flag can be refused.
    o->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    options.push_back(o);
  }
  // CLI11 takes the arguments in reverse order.
  std::vector<std::string> reversed;
  for (int i = argc - 1; i >= first; --i) reversed.emplace_back(argv[i]);
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return std::optional<Args>();
  } catch (const CLI::ParseError& e) {
    return InvalidArgumentError(e.what());
  }

  Args args;
  bool only_positionals = false;
  for (const std::string& a : app.remaining()) {
    if (!only_positionals && a == "--") {
      only_positionals = true;
    } else if (!only_positionals && a.size() > 1 && a[0] == '-') {
      return InvalidArgumentError("unknown flag " + a.substr(0, a.find('=')));
    } else {
      args.positional.push_back(a);
    }
  }
  if (args.positional.size() > command.positionals.size()) {
    const std::string& stray = args.positional[command.positionals.size()];
    return InvalidArgumentError(
        "unexpected argument \"" + stray + "\" (" +
        (command.positionals.empty()
             ? std::string("the command takes none")
             : "the command takes " +
                   std::to_string(command.positionals.size()) + ": " +
                   Synopsis(Command{.positionals = command.positionals})) +
        ")");
  }
  for (size_t i = 0; i < command.flags.size(); ++i) {
    const Flag& f = command.flags[i];
    const std::vector<std::string>& values = options[i]->results();
    if (values.empty()) continue;
    if (values.size() > 1 && !f.repeatable) {
      return InvalidArgumentError(
          "--" + f.name + " is given more than once (it takes one " +
          (f.value_name.empty() ? "switch" : "value") + ")");
    }
    std::string joined;
    for (const std::string& v : values) {
      if (f.value_name.empty() && v != "true") {
        return InvalidArgumentError("--" + f.name + " takes no value");
      }
      joined += (joined.empty() ? "" : ",") + v;
    }
    args.flags[f.name] = joined;
  }
  if (args.positional.size() < command.positionals.size()) {
    return InvalidArgumentError(
        command.positionals[args.positional.size()].name + " is required");
  }
  for (const auto& f : command.flags) {
    if (f.required && !args.Has(f.name)) {
      return InvalidArgumentError("--" + f.name + " is required");
    }
  }
  return std::optional<Args>(std::move(args));
}

namespace {

bool IsHelp(const char* arg) {
  return std::strcmp(arg, "-h") == 0 || std::strcmp(arg, "--help") == 0;
}

// The listing `consilium help` prints: each command's words and summary,
// then its synopsis. Only the commands whose words start with `prefix`.
void PrintListing(std::FILE* out, const std::vector<std::string>& prefix) {
  std::string prefix_words;
  for (const auto& w : prefix) prefix_words += w + " ";
  std::fprintf(out, "usage: consilium %s<command> [flags]\n\ncommands:\n",
               prefix_words.c_str());
  std::vector<const Command*> listed;
  int width = 22;
  for (const auto& c : Commands()) {
    if (c.words.size() >= prefix.size() &&
        std::equal(prefix.begin(), prefix.end(), c.words.begin())) {
      listed.push_back(&c);
      width = std::max(width, static_cast<int>(Words(c).size()) + 1);
    }
  }
  // Words, at least two spaces, the summary; the synopsis indented below.
  for (const Command* c : listed) {
    std::fprintf(out, "  %-*s %s\n      %s\n", width, Words(*c).c_str(),
                 c->summary.c_str(), Synopsis(*c).c_str());
  }
  std::fprintf(out,
               "\n`consilium COMMAND --help` describes a command's flags; "
               "`consilium --version` prints the version.\n");
}

// How many of argv[first..] match the first words of some command, at most.
size_t LongestPrefix(int argc, char** argv, int first) {
  size_t best = 0;
  for (const auto& c : Commands()) {
    size_t n = 0;
    while (n < c.words.size() && first + static_cast<int>(n) < argc &&
           c.words[n] == argv[first + n]) {
      ++n;
    }
    best = std::max(best, n);
  }
  return best;
}

const Command* Find(int argc, char** argv, int first) {
  const Command* best = nullptr;
  for (const auto& c : Commands()) {
    if (first + static_cast<int>(c.words.size()) > argc) continue;
    bool match = true;
    for (size_t i = 0; i < c.words.size(); ++i) {
      if (c.words[i] != argv[first + i]) match = false;
    }
    if (match && (best == nullptr || c.words.size() > best->words.size())) {
      best = &c;
    }
  }
  return best;
}

}  // namespace

int Main(int argc, char** argv) {
  if (argc < 2) {
    PrintListing(stderr, {});
    return 2;
  }
  int first = 1;
  bool help = false;
  if (std::strcmp(argv[1], "help") == 0 || IsHelp(argv[1])) {
    // `consilium help`, `-h`, `--help`; `consilium help WORDS` is
    // `consilium WORDS --help`.
    if (argc == 2 || IsHelp(argv[1])) {
      PrintListing(stdout, {});
      return 0;
    }
    first = 2;
    help = true;
  } else if (std::strcmp(argv[1], "--version") == 0) {
    if (argc > 2) {
      return Fail(InvalidArgumentError(std::string("unexpected argument \"") +
                                       argv[2] + "\" after --version"));
    }
    std::printf("%s\n", VersionLine().c_str());
    return 0;
  }
  const Command* command = Find(argc, argv, first);
  if (command == nullptr) {
    size_t matched = LongestPrefix(argc, argv, first);
    std::vector<std::string> prefix(argv + first, argv + first + matched);
    int next = first + static_cast<int>(matched);
    if (matched > 0 && (help || (next < argc && IsHelp(argv[next])))) {
      PrintListing(stdout, prefix);  // `consilium proof -h`
      return 0;
    }
    if (next < argc) {
      std::fprintf(stderr, "consilium: error: unknown command \"%s\"\n\n",
                   argv[next]);
    } else {
      std::fprintf(stderr, "consilium: error: \"%s\" needs a subcommand\n\n",
                   argv[next - 1]);
    }
    PrintListing(stderr, prefix);
    return 2;
  }
  if (help) {
    std::fputs(Help(*command).c_str(), stdout);
    return 0;
  }
  auto args = ParseArgs(*command, argc, argv,
                        first + static_cast<int>(command->words.size()));
  if (!args.ok()) {
    Fail(args.status());
    std::fprintf(stderr, "usage: %s\n(`consilium %s --help` for details)\n",
                 Usage(*command).c_str(), Words(*command).c_str());
    return 2;
  }
  if (!args->has_value()) {
    std::fputs(Help(*command).c_str(), stdout);
    return 0;
  }
  return command->run(**args);
}

int Fail(const Status& status, int exit_code) {
  std::fprintf(stderr, "consilium: error: %s\n", status.ToString().c_str());
  return exit_code;
}

std::vector<Command>& Commands() {
  static auto* commands = new std::vector<Command>;
  return *commands;
}

}  // namespace consilium::cli
