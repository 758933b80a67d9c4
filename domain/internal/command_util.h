// Small helpers shared by the command sets (admin_commands.cc,
// project_commands.cc, annotation_commands.cc). Private to domain/.
#ifndef CONSILIUM_DOMAIN_INTERNAL_COMMAND_UTIL_H_
#define CONSILIUM_DOMAIN_INTERNAL_COMMAND_UTIL_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ledger/ledger.h"

namespace consilium::domain::internal {

inline constexpr uint64_t kMaxUint32 = std::numeric_limits<uint32_t>::max();

// What an Exclusive command's `decide` returns.
using Drafted = StatusOr<std::vector<EventDraft>>;

inline std::string Quote(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

// "dx-reasoning@3".
inline std::string SchemaRef(std::string_view id, uint32_t version) {
  return std::string(id) + "@" + std::to_string(version);
}

}  // namespace consilium::domain::internal

#endif  // CONSILIUM_DOMAIN_INTERNAL_COMMAND_UTIL_H_
