// Opens the ledger named by a command's --data flag.
#ifndef CONSILIUM_TOOLS_OPEN_LEDGER_H_
#define CONSILIUM_TOOLS_OPEN_LEDGER_H_

#include <memory>
#include <string>

#include "ledger/ledger.h"
#include "tools/cli.h"

namespace consilium::cli {

// InvalidArgument without --data; otherwise whatever Ledger::Open returns.
// `adopt_indexer`: LedgerOptions::adopt_indexer (repair-indexes only).
inline StatusOr<std::unique_ptr<Ledger>> OpenLedger(
    const Args& args, bool read_only, bool adopt_indexer = false) {
  ASSIGN_OR_RETURN(std::string dir, args.Require("data"));
  LedgerOptions o;
  o.read_only = read_only;
  o.adopt_indexer = adopt_indexer;
  return Ledger::Open(dir, o);
}

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_OPEN_LEDGER_H_
