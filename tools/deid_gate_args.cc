#include "tools/deid_gate_args.h"

#include <memory>
#include <string>
#include <utility>

#include "common/input.h"
#include "deid/config.h"
#include "deid/detector.h"
#include "tools/input_limits.h"

namespace consilium::cli {

Flag DeidFlag() {
  return {"deid", "on|off",
          "the de-identification gate (default on): records whose text the "
          "detectors flag are held for review (docs/deid.md)"};
}

Flag DeidConfigFlag() {
  return {"deid-config", "FILE",
          "the gate's detector configuration: name lists and extra patterns "
          "(as `deid scan --config`)"};
}

StatusOr<domain::DeidGate> DeidGateFromArgs(const Args& args) {
  domain::DeidGate gate;
  const std::string mode = args.Get("deid", "on");
  if (mode != "on" && mode != "off") {
    return InvalidArgumentError("--deid must be on or off, not \"" + mode +
                                "\"");
  }
  if (mode == "off") {
    if (args.Has("deid-config")) {
      return InvalidArgumentError("--deid off and --deid-config contradict");
    }
    gate.enabled = false;
    return gate;
  }
  if (!args.Has("deid-config")) return gate;
  const std::string path = args.Get("deid-config");
  ASSIGN_OR_RETURN(
      std::string text,
      ReadBoundedFile(path, deid::kMaxConfigBytes, "--deid-config file"));
  StatusOr<deid::DetectorConfig> config = deid::ParseDetectorConfig(text);
  if (!config.ok()) return config.status().WithContext("--deid-config " + path);
  StatusOr<std::unique_ptr<deid::Detector>> d = deid::Detector::Create(*config);
  if (!d.ok()) return d.status().WithContext("--deid-config " + path);
  gate.detector = std::move(*d);
  gate.identity = deid::DetectorIdentity(text);
  return gate;
}

}  // namespace consilium::cli
