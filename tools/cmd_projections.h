// Shared between tools/cmd_agreement.cc and tools/cmd_projections.cc: the
// ledger-backed mode of `consilium agreement` lives with the other
// projection commands, and they print JSON with the agreement command's
// pretty-printer (shortest round-trip numbers, never NaN).
#ifndef CONSILIUM_TOOLS_CMD_PROJECTIONS_H_
#define CONSILIUM_TOOLS_CMD_PROJECTIONS_H_

#include <boost/json/fwd.hpp>

#include "tools/cli.h"

namespace consilium::cli {

// `consilium agreement --data DIR --project P [--field F] [--batch B]
// [--as-of SEQ|TIME] [--threshold X] [--json]`. Returns the exit code.
int RunLedgerAgreement(const Args& args);

// Pretty-prints `v` to stdout with a trailing newline (cmd_agreement.cc).
void PrintJsonValue(const boost::json::value& v);

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_CMD_PROJECTIONS_H_
