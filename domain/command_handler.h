// CommandHandler: one ledger's write side in one object, for callers that
// want every command (the CLI, tests, the benchmark). It opens the WriteCore
// (which scans the ledger into the domain state and claims its writer slot)
// and is the three command sets over it: AdminCommands (projects,
// principals, tokens, roles), ProjectCommands (schemas, imports, batches,
// assignments, gold answers, access) and AnnotationCommands (submit, revise,
// withdraw, bulk annotate). Their methods are its methods; their headers
// state each command's contract.
//
// A module that adds a command set (adjudication, issue 15) builds it over
// core() without any change here or in WriteCore (docs/commands.md, "Adding
// a command set"); a module that keeps write-side state of its own passes
// its domain::Model to Open, which the core applies with the domain state.
//
// Thread-safety: every method may be called from any thread concurrently.
//
//   auto h = CommandHandler::Open(ledger.get(), {});
//   Status s = (*h)->CreateProject("admin", {.id = "p1", .name = "Sepsis"})
//                  .status();
//   StatusOr<Committed> c = (*h)->SubmitAnnotation("dr-a", {
//       .annotation_id = "a-17", .record_id = "rec-1", .annotator_id = "dr-a",
//       .schema_id = "dx-reasoning", .schema_version = 3, .values = json});
#ifndef CONSILIUM_DOMAIN_COMMAND_HANDLER_H_
#define CONSILIUM_DOMAIN_COMMAND_HANDLER_H_

#include <memory>
#include <span>
#include <utility>

#include "common/status.h"
#include "domain/admin_commands.h"
#include "domain/annotation_commands.h"
#include "domain/commands.h"
#include "domain/domain_state.h"
#include "domain/project_commands.h"
#include "domain/write_core.h"
#include "ledger/ledger.h"

namespace consilium::domain {

namespace internal {
// Owns the core; a base listed before the command sets, so the core is built
// before them and destroyed after them (its destructor waits for callbacks).
struct OwnedCore {
  std::unique_ptr<WriteCore> owned_core;
};
}  // namespace internal

class CommandHandler : private internal::OwnedCore,
                       public AdminCommands,
                       public ProjectCommands,
                       public AnnotationCommands {
 public:
  // Builds the state by scanning `ledger` from its first event.
  // FailedPrecondition when a handler is already open on `ledger` in this
  // process; other errors are the ledger's. `ledger` is not owned and must
  // outlive the handler. `models` are attached to the core (WriteCore::Open)
  // and must outlive the handler.
  static StatusOr<std::unique_ptr<CommandHandler>> Open(
      Ledger* ledger, CommandHandlerOptions options,
      std::span<Model* const> models = {});

  // Waits until every queued event is applied and its callback has returned.
  ~CommandHandler() = default;
  CommandHandler(const CommandHandler&) = delete;
  CommandHandler& operator=(const CommandHandler&) = delete;

  using Callback = domain::Callback;

  // The core, for another command set over the same ledger.
  WriteCore& core() { return *owned_core; }

  // Runs fn(const DomainState&) under the state lock (WriteCore::Read): for
  // listings and authorization; `fn` must be short and must not call the
  // handler.
  template <typename Fn>
  auto Read(Fn&& fn) const {
    return owned_core->Read(std::forward<Fn>(fn));
  }
  // A copy of the whole state, for tests that compare states. It copies
  // every table under the state lock: servers and the CLI use Read.
  DomainState state() const {
    return owned_core->Read([](const DomainState& s) { return s; });
  }

 private:
  CommandHandler(std::unique_ptr<WriteCore> core, CommandHandlerOptions options)
      : OwnedCore{std::move(core)},
        AdminCommands(owned_core.get(), std::move(options)),
        ProjectCommands(owned_core.get()),
        AnnotationCommands(owned_core.get()) {}
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_COMMAND_HANDLER_H_
