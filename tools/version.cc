// The version line; kept apart from cli.cc because build_info.h changes with
// every commit (only this small file recompiles).
#include "tools/build_info.h"
#include "tools/cli.h"

namespace consilium::cli {

std::string VersionLine() {
  return std::string("consilium ") + kConsiliumVersion + " (git " +
         kConsiliumGitRevision + ")";
}

}  // namespace consilium::cli
