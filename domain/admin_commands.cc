#include "domain/admin_commands.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <set>

#include "domain/internal/command_util.h"

namespace consilium::domain {

using internal::Drafted;

namespace {

std::string Base64Url(std::span<const uint8_t> bytes) {
  std::string s = ToBase64(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

}  // namespace

StatusOr<IssuedToken> AdminCommands::NewToken() {
  std::array<uint8_t, 32> raw{};
  if (options_.random_bytes) {
    RETURN_IF_ERROR(options_.random_bytes(raw));
  } else if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    return InternalError(std::string("RAND_bytes failed: ") + buf);
  }
  IssuedToken t;
  t.token = "csl_" + Base64Url(raw);
  t.expires_at_us = options_.clock->NowMicros() + options_.token_ttl_us;
  return t;
}

StatusOr<Committed> AdminCommands::CreateProject(
    std::string_view actor, const CreateProjectCommand& cmd) {
  RETURN_IF_ERROR(CheckDomainId("project id", cmd.id));
  if (cmd.name.empty())
    return InvalidArgumentError("project " + cmd.id + ": name is required");
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    RETURN_IF_ERROR(t.auth().RequireAdmin(""));
    if (t.state().FindProject(cmd.id) != nullptr)
      return AlreadyExistsError("project " + cmd.id + " already exists");
    return Drafts(MakeProjectCreated({std::string(actor), ""}, cmd.id, cmd.name,
                                     cmd.overlap_target, cmd.blind_mode));
  }));
}

namespace {

// A role a principal may be granted: the role is known, its project exists,
// and models hold only the annotator role.
Status CheckGrantable(const DomainState& s, std::string_view principal,
                      fb::PrincipalKind kind, const RoleSpec& role) {
  if (role.role == fb::Role::Unspecified ||
      static_cast<uint8_t>(role.role) > static_cast<uint8_t>(fb::Role::MAX)) {
    return InvalidArgumentError(
        "role: must be one of admin, annotator, adjudicator, researcher, "
        "auditor");
  }
  if (!role.project.empty() && s.FindProject(role.project) == nullptr)
    return NotFoundError("project " + role.project + " not found");
  if (kind == fb::PrincipalKind::Model && role.role != fb::Role::Annotator) {
    return FailedPreconditionError(
        "principal " + std::string(principal) +
        " is a model; models may hold only the annotator role, not " +
        std::string(RoleName(role.role)));
  }
  return OkStatus();
}

// The principal `id`, or NotFound.
StatusOr<const PrincipalState*> KnownPrincipal(const DomainState& s,
                                               std::string_view id) {
  const PrincipalState* p = s.FindPrincipal(id);
  if (p == nullptr)
    return NotFoundError("principal " + std::string(id) + " not found");
  return p;
}

std::string RoleText(const RoleSpec& r) {
  std::string s(RoleName(r.role));
  if (!r.project.empty()) s += " in project " + r.project;
  return s;
}

// The principal's pseudonym: as given, else its registration ordinal
// ("P-000002", models "M-000004").
std::string Pseudonym(const DomainState& s, const RegisterPrincipalCommand& c) {
  if (!c.pseudonym.empty()) return c.pseudonym;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c-%06zu",
                c.kind == fb::PrincipalKind::Model ? 'M' : 'P',
                s.principals().size() + 1);
  return buf;
}

Status CheckModelFields(const RegisterPrincipalCommand& cmd) {
  const bool model = cmd.kind == fb::PrincipalKind::Model;
  if (model && (cmd.model_name.empty() || cmd.model_version.empty())) {
    return InvalidArgumentError("principal " + cmd.id +
                                ": a model needs a model name and version");
  }
  if (!model && (!cmd.model_name.empty() || !cmd.model_version.empty())) {
    return InvalidArgumentError("principal " + cmd.id +
                                ": only a model has a model name and version");
  }
  return OkStatus();
}

}  // namespace

StatusOr<RegisteredPrincipal> AdminCommands::RegisterPrincipal(
    std::string_view actor, const RegisterPrincipalCommand& cmd) {
  RETURN_IF_ERROR(CheckDomainId("principal id", cmd.id));
  RETURN_IF_ERROR(CheckModelFields(cmd));
  IssuedToken token;
  auto c = core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    const DomainState& s = t.state();
    RETURN_IF_ERROR(t.auth().RequireAdmin(""));
    if (s.FindPrincipal(cmd.id) != nullptr)
      return AlreadyExistsError("principal " + cmd.id + " already exists");
    std::set<RoleGrant> seen;
    for (const RoleSpec& r : cmd.roles) {
      RETURN_IF_ERROR(CheckGrantable(s, cmd.id, cmd.kind, r));
      if (!seen.insert(RoleGrant{r.role, r.project}).second)
        return InvalidArgumentError("role " + RoleText(r) + " given twice");
    }
    std::string pseudonym = Pseudonym(s, cmd);
    ASSIGN_OR_RETURN(token, NewToken());
    EventHeader h{std::string(actor), ""};
    std::vector<EventDraft> d;
    d.push_back(
        MakePrincipalRegistered(h, {.principal_id = cmd.id,
                                    .kind = cmd.kind,
                                    .display_name = cmd.display_name,
                                    .pseudonym = pseudonym,
                                    .model_name = cmd.model_name,
                                    .model_version = cmd.model_version}));
    for (const RoleSpec& r : cmd.roles)
      d.push_back(MakeRoleGranted(h, cmd.id, r.role, r.project));
    d.push_back(
        MakeTokenIssued(h, cmd.id, Sha256(token.token), token.expires_at_us));
    for (const EventDraft& e : d) RETURN_IF_ERROR(e.Validate());
    return d;
  });
  if (!c.ok()) return std::move(c).status();
  return RegisteredPrincipal{std::move(token), std::move(*c)};
}

StatusOr<IssuedToken> AdminCommands::IssueToken(std::string_view actor,
                                                std::string_view principal_id) {
  IssuedToken token;
  auto c = core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    RETURN_IF_ERROR(KnownPrincipal(t.state(), principal_id).status());
    if (actor != principal_id) RETURN_IF_ERROR(t.auth().RequireAdmin(""));
    ASSIGN_OR_RETURN(token, NewToken());
    return Drafts(MakeTokenIssued({std::string(actor), ""}, principal_id,
                                  Sha256(token.token), token.expires_at_us));
  });
  RETURN_IF_ERROR(c.status());
  return token;
}

StatusOr<std::vector<Committed>> AdminCommands::RevokeTokens(
    std::string_view actor, const RevokeTokenCommand& cmd) {
  const int selectors = (cmd.token.empty() ? 0 : 1) +
                        (cmd.issued_seq == 0 ? 0 : 1) + (cmd.all ? 1 : 0);
  if (selectors != 1) {
    return InvalidArgumentError(
        "revoke token: give exactly one of the token, its issue sequence "
        "number, or all");
  }
  const std::string who = "principal " + cmd.principal_id;
  return core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    ASSIGN_OR_RETURN(const PrincipalState* p,
                     KnownPrincipal(t.state(), cmd.principal_id));
    if (actor != cmd.principal_id) RETURN_IF_ERROR(t.auth().RequireAdmin(""));
    const Hash256 wanted = cmd.token.empty() ? Hash256{} : Sha256(cmd.token);
    std::vector<EventDraft> d;
    for (const TokenState& tok : p->tokens) {
      const bool named =
          cmd.all || (cmd.issued_seq != 0 ? tok.seq == cmd.issued_seq
                                          : tok.sha256 == wanted);
      if (!named) continue;
      if (tok.revoked_seq != 0) {
        if (cmd.all) continue;
        return FailedPreconditionError(
            who + ": the token issued at seq " + std::to_string(tok.seq) +
            " was already revoked at seq " + std::to_string(tok.revoked_seq));
      }
      d.push_back(MakeTokenRevoked({std::string(actor), ""}, cmd.principal_id,
                                   tok.sha256, cmd.reason));
      RETURN_IF_ERROR(d.back().Validate());
    }
    if (d.empty() && cmd.all)
      return FailedPreconditionError(who + " has no live token");
    if (d.empty() && cmd.issued_seq != 0) {
      return NotFoundError(who + " was issued no token at seq " +
                           std::to_string(cmd.issued_seq));
    }
    if (d.empty()) return NotFoundError(who + " holds no such token");
    return d;
  });
}

StatusOr<Committed> AdminCommands::GrantRole(std::string_view actor,
                                             std::string_view principal_id,
                                             const RoleSpec& role) {
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    ASSIGN_OR_RETURN(const PrincipalState* p,
                     KnownPrincipal(t.state(), principal_id));
    RETURN_IF_ERROR(CheckGrantable(t.state(), principal_id, p->kind, role));
    // Project admins may grant roles in their project, except admin itself.
    RETURN_IF_ERROR(t.auth().RequireAdmin(
        role.role == fb::Role::Admin ? "" : role.project));
    if (p->roles.count(RoleGrant{role.role, role.project})) {
      return AlreadyExistsError("principal " + std::string(principal_id) +
                                " already holds the role " + RoleText(role));
    }
    return Drafts(MakeRoleGranted({std::string(actor), ""}, principal_id,
                                  role.role, role.project));
  }));
}

StatusOr<Committed> AdminCommands::RevokeRole(std::string_view actor,
                                              std::string_view principal_id,
                                              const RoleSpec& role) {
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    ASSIGN_OR_RETURN(const PrincipalState* p,
                     KnownPrincipal(t.state(), principal_id));
    RETURN_IF_ERROR(t.auth().RequireAdmin(
        role.role == fb::Role::Admin ? "" : role.project));
    if (!p->roles.count(RoleGrant{role.role, role.project})) {
      return NotFoundError("principal " + std::string(principal_id) +
                           " does not hold the role " + RoleText(role));
    }
    // Without a global admin the ledger would fall back to bootstrap mode,
    // where anyone administers.
    if (role.role == fb::Role::Admin && role.project.empty()) {
      size_t admins = 0;
      for (const auto& [id, q] : t.state().principals())
        admins += q.roles.count(RoleGrant{fb::Role::Admin, ""});
      if (admins <= 1)
        return FailedPreconditionError(
            "principal " + std::string(principal_id) +
            " is the last global admin; grant the role to another principal "
            "first");
    }
    return Drafts(MakeRoleRevoked({std::string(actor), ""}, principal_id,
                                  role.role, role.project));
  }));
}

}  // namespace consilium::domain
