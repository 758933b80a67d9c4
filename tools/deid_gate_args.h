// The de-identification gate's flags (docs/deid.md, "The import gate"), for
// the commands that import records (`import records`, `import
// label-studio`, `serve`): --deid on|off and --deid-config FILE.
#ifndef CONSILIUM_TOOLS_DEID_GATE_ARGS_H_
#define CONSILIUM_TOOLS_DEID_GATE_ARGS_H_

#include "common/status.h"
#include "domain/deid_gate.h"
#include "tools/cli.h"

namespace consilium::cli {

Flag DeidFlag();
Flag DeidConfigFlag();

// The gate the flags ask for: on with the built-in detector by default;
// --deid-config FILE adds its name lists and patterns (the reports then
// name the file's SHA-256); --deid off imports unscreened (reports say
// "off"). InvalidArgument for another --deid value, --deid off with a
// configuration, or a configuration that does not parse or compile.
StatusOr<domain::DeidGate> DeidGateFromArgs(const Args& args);

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_DEID_GATE_ARGS_H_
