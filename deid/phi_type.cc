#include "deid/phi_type.h"

#include <string>

namespace consilium::deid {
namespace {

constexpr std::array<std::string_view, kPhiTypeCount> kNames = {
    "name",   "date", "age",         "phone",   "fax",      "email",
    "ssn",    "mrn",  "health_plan", "account", "license",  "vehicle",
    "device", "url",  "ip",          "address", "location", "zip"};

}  // namespace

const std::array<PhiType, kPhiTypeCount>& AllPhiTypes() {
  static const std::array<PhiType, kPhiTypeCount> all = [] {
    std::array<PhiType, kPhiTypeCount> a{};
    for (size_t i = 0; i < kPhiTypeCount; ++i) a[i] = static_cast<PhiType>(i);
    return a;
  }();
  return all;
}

std::string_view PhiTypeName(PhiType type) {
  return kNames[static_cast<size_t>(type)];
}

StatusOr<PhiType> ParsePhiType(std::string_view name) {
  for (size_t i = 0; i < kPhiTypeCount; ++i) {
    if (kNames[i] == name) return static_cast<PhiType>(i);
  }
  std::string known;
  for (std::string_view n : kNames) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  return InvalidArgumentError("unknown identifier type \"" + std::string(name) +
                              "\" (known: " + known + ")");
}

}  // namespace consilium::deid
