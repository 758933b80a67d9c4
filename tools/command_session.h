// The ledger a command names with --data, its content keys (encryption at
// rest) and a command handler over both: what every command that validates,
// writes or reads record content opens first.
#ifndef CONSILIUM_TOOLS_COMMAND_SESSION_H_
#define CONSILIUM_TOOLS_COMMAND_SESSION_H_

#include <memory>
#include <utility>

#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "tools/cli.h"
#include "tools/content_keys.h"
#include "tools/open_ledger.h"

namespace consilium::cli {

struct CommandSession {
  OpenedKeys keys;  // outlives the handler, which reads through it
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<domain::CommandHandler> handler;
};

// The ledger (read-write unless `read_only`), the keys of DIR/keys and a
// handler reading through them; `options.content_keys` is set here.
inline StatusOr<CommandSession> OpenCommandSession(
    const Args& args, bool read_only,
    domain::CommandHandlerOptions options = {}) {
  CommandSession s;
  ASSIGN_OR_RETURN(s.ledger, OpenLedger(args, read_only));
  ASSIGN_OR_RETURN(s.keys, OpenContentKeys(args.Get("data")));
  options.content_keys = s.keys.keys();
  ASSIGN_OR_RETURN(s.handler, domain::CommandHandler::Open(s.ledger.get(),
                                                           std::move(options)));
  return s;
}

}  // namespace consilium::cli

#endif  // CONSILIUM_TOOLS_COMMAND_SESSION_H_
