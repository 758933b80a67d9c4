// libFuzzer target for the proof JSON parsers, InclusionBundleFromJson and
// ConsistencyBundleFromJson (bytes from `audit verify --proof` and
// `--consistency` files, written by another party).
//
// The whole input is tried as both shapes. Properties checked beyond "no
// crash": every rejection is InvalidArgument; an accepted bundle prints
// (InclusionBundleToJson, ConsistencyBundleToJson) to JSON that parses back to
// an equal bundle and prints again to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "ledger/proof_json.h"

namespace {

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

template <typename Bundle>
void Check(std::string_view text,
           consilium::StatusOr<Bundle> (*parse)(std::string_view),
           std::string (*print)(const Bundle&)) {
  consilium::StatusOr<Bundle> bundle = parse(text);
  if (!bundle.ok()) {
    if (bundle.status().code() != consilium::StatusCode::kInvalidArgument) {
      Violated("rejection is not InvalidArgument");
    }
    return;
  }
  const std::string printed = print(*bundle);
  consilium::StatusOr<Bundle> again = parse(printed);
  if (!again.ok()) Violated("printed bundle does not parse");
  if (!(*again == *bundle)) Violated("printed bundle parses to another");
  if (print(*again) != printed) Violated("printing is not stable");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace consilium::merkle;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Check<InclusionBundle>(text, &InclusionBundleFromJson,
                         &InclusionBundleToJson);
  Check<ConsistencyBundle>(text, &ConsistencyBundleFromJson,
                           &ConsistencyBundleToJson);
  return 0;
}
