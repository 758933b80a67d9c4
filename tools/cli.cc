#include "tools/cli.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

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

StatusOr<Args> ParseArgs(const Command& command, int argc, char** argv,
                         int first) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      args.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    bool has_inline = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_inline = true;
    }
    if (command.bool_flags.count(name)) {
      if (has_inline) {
        return InvalidArgumentError("--" + name + " takes no value");
      }
      args.flags[name] = "true";
    } else if (command.value_flags.count(name)) {
      if (!has_inline) {
        if (i + 1 >= argc) {
          return InvalidArgumentError("--" + name + " needs a value");
        }
        value = argv[++i];
      }
      args.flags[name] = value;
    } else {
      return InvalidArgumentError("unknown flag --" + name +
                                  " (usage: " + command.usage + ")");
    }
  }
  return args;
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
