// The de-identification gate at import (docs/deid.md, "The import gate"):
// which detector screens imported records. Set once, when the command
// handler opens (CommandHandlerOptions::deid_gate).
#ifndef CONSILIUM_DOMAIN_DEID_GATE_H_
#define CONSILIUM_DOMAIN_DEID_GATE_H_

#include <memory>
#include <string>

namespace consilium::deid {
class Detector;
}  // namespace consilium::deid

namespace consilium::domain {

struct DeidGate {
  // Off (`import records --deid off`): records are imported with the report
  // {"detector": "off"} and never held back.
  bool enabled = true;
  // The detector and the identity its reports carry; null: the built-in
  // detector (deid::BuiltInDetector) and its identity.
  std::shared_ptr<const deid::Detector> detector{};
  std::string identity{};
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_DEID_GATE_H_
