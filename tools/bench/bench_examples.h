// Where the benches find schemas/examples and how they read a file from it
// (`consilium bench annotate`, `consilium bench api`).
#ifndef CONSILIUM_TOOLS_BENCH_BENCH_EXAMPLES_H_
#define CONSILIUM_TOOLS_BENCH_BENCH_EXAMPLES_H_

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "common/input.h"
#include "common/status.h"
#include "tools/cli.h"
#include "tools/input_limits.h"

namespace consilium::cli {

// An example file (--examples may point anywhere): bounded like every input.
inline StatusOr<std::string> Slurp(const std::filesystem::path& p) {
  return ReadBoundedFile(p.string(), kSchemaFileLimit, "example file");
}

// schemas/examples: --examples, else relative to the working directory, else
// relative to the executable (build/<dir>/consilium in a source tree).
inline std::filesystem::path ExamplesDir(const Args& args) {
  if (args.Has("examples")) return args.Get("examples");
  std::vector<std::filesystem::path> tries = {"schemas/examples"};
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    tries.push_back(exe.parent_path() / "../../schemas/examples");
    tries.push_back(exe.parent_path() / "../schemas/examples");
    tries.push_back(exe.parent_path() / "../../../schemas/examples");
  }
  for (const auto& t : tries) {
    if (std::filesystem::exists(t / "dx-reasoning.json", ec)) return t;
  }
  return tries.front();
}

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_BENCH_BENCH_EXAMPLES_H_
