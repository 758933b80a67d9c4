// AdminCommands: projects, principals, tokens and roles. Each command checks
// against the state frozen by WriteCore::Exclusive and drafts its events;
// the core appends and applies them (docs/commands.md, "Permissions" and
// "Commands"). Actor: the global admin (any actor while no principal holds
// the global admin role: bootstrap), except where a command says otherwise.
//
// Thread-safety: every method may be called from any thread concurrently.
//
//   AdminCommands admin(&core, {});
//   auto c = admin.CreateProject("admin", {.id = "p1", .name = "Sepsis"});
#ifndef CONSILIUM_DOMAIN_ADMIN_COMMANDS_H_
#define CONSILIUM_DOMAIN_ADMIN_COMMANDS_H_

#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "domain/commands.h"
#include "domain/write_core.h"

namespace consilium::domain {

class AdminCommands {
 public:
  // `core` is not owned and must outlive this object.
  AdminCommands(WriteCore* core, CommandHandlerOptions options)
      : core_(core), options_(std::move(options)) {}

  // AlreadyExists for a known project id.
  StatusOr<Committed> CreateProject(std::string_view actor,
                                    const CreateProjectCommand& cmd);

  // Registers a principal, grants its roles and issues its first token, all
  // in one atomic append. A model principal needs model_name and
  // model_version and may hold only the annotator role.
  StatusOr<RegisteredPrincipal> RegisterPrincipal(
      std::string_view actor, const RegisterPrincipalCommand& cmd);

  // A new token for an existing principal. Actor: global admin or the
  // principal itself.
  StatusOr<IssuedToken> IssueToken(std::string_view actor,
                                   std::string_view principal_id);

  // Revokes tokens (TokenRevoked, one per token, in one append): from the
  // next request on they authenticate nothing. Actor: global admin or the
  // principal itself. InvalidArgument unless exactly one selector is given;
  // NotFound for an unknown principal or a token it was not issued;
  // FailedPrecondition for a token already revoked, or `all` with no live
  // token (expired tokens are live until revoked: revoking them is allowed).
  StatusOr<std::vector<Committed>> RevokeTokens(std::string_view actor,
                                                const RevokeTokenCommand& cmd);

  // Actor: global admin, or an admin of `role.project` for a project-scoped
  // role other than admin. AlreadyExists when held; RevokeRole: NotFound when
  // not held, FailedPrecondition for the last global admin.
  StatusOr<Committed> GrantRole(std::string_view actor,
                                std::string_view principal_id,
                                const RoleSpec& role);
  StatusOr<Committed> RevokeRole(std::string_view actor,
                                 std::string_view principal_id,
                                 const RoleSpec& role);

 private:
  StatusOr<IssuedToken> NewToken();

  WriteCore* core_;
  CommandHandlerOptions options_;
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_ADMIN_COMMANDS_H_
