#include "domain/command_handler.h"

namespace consilium::domain {

StatusOr<std::unique_ptr<CommandHandler>> CommandHandler::Open(
    Ledger* ledger, CommandHandlerOptions options,
    std::span<Model* const> models) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<WriteCore> core,
      WriteCore::Open(ledger, models, options.content_keys, options.deid_gate));
  return std::unique_ptr<CommandHandler>(
      new CommandHandler(std::move(core), std::move(options)));
}

}  // namespace consilium::domain
