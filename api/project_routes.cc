#include "api/project_routes.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/internal/app_routes.h"
#include "api/internal/body_reader.h"
#include "common/strict_json.h"
#include "render/commit_json.h"
#include "render/domain_json.h"
#include "schemas/event.h"

namespace consilium::api {
namespace {

namespace json = boost::json;
using internal::Actor;
using internal::Blocking;
using internal::BodyReader;

constexpr uint64_t kMaxUint32 = 0xffffffffu;

Response Created(const Committed& c) {
  return JsonResponse(201, render::CommittedJson(c));
}

StatusOr<domain::RoleSpec> ReadRole(BodyReader& r) {
  ASSIGN_OR_RETURN(std::string name, r.String("role", true));
  domain::RoleSpec spec;
  spec.role = RoleFromName(name);
  if (spec.role == fb::Role::Unspecified) {
    return BodyReader::Error(
        "role", "unknown role \"" + name +
                    "\" (known: admin, annotator, adjudicator, researcher, "
                    "auditor)");
  }
  ASSIGN_OR_RETURN(spec.project, r.String("project", false));
  return spec;
}

// The admin rule of role and token changes: a global admin, a project
// admin (the command then checks the project), or the principal itself for
// its own tokens.
Status AnyAdmin(const domain::Authorizer& auth, const Request&) {
  if (auth.HoldsRole(fb::Role::Admin)) return OkStatus();
  return auth.RequireAdmin("");
}
Status AdminOrSelf(const domain::Authorizer& auth, const Request& request) {
  if (auth.actor() == request.params.at("principal")) return OkStatus();
  return auth.RequireAdmin("");
}

StatusOr<Response> ListProjects(const AppContext& ctx, const Request& req) {
  std::vector<const domain::ProjectState*> seen;
  json::object doc = ctx.handler->Read([&](const domain::DomainState& s) {
    domain::Authorizer a(s, Actor(req));
    for (const auto& [id, p] : s.projects()) {
      if (a.SeesProject(id)) seen.push_back(&p);
    }
    return render::ProjectsJson(seen);
  });
  return JsonResponse(200, doc);
}

StatusOr<Response> CreateProject(const AppContext& ctx, const Request& req) {
  ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
  domain::CreateProjectCommand cmd;
  ASSIGN_OR_RETURN(cmd.id, r.String("id", true));
  ASSIGN_OR_RETURN(cmd.name, r.String("name", true));
  ASSIGN_OR_RETURN(uint64_t overlap, r.Uint("overlap_target", false, 0, 1000));
  cmd.overlap_target = static_cast<uint32_t>(overlap);
  ASSIGN_OR_RETURN(cmd.blind_mode, r.Bool("blind_mode", false));
  RETURN_IF_ERROR(r.Finish());
  ASSIGN_OR_RETURN(Committed c, ctx.handler->CreateProject(Actor(req), cmd));
  return Created(c);
}

StatusOr<Response> GetProject(const AppContext& ctx, const Request& req) {
  const std::string& id = req.params.at("project");
  return ctx.handler->Read(
      [&](const domain::DomainState& s) -> StatusOr<Response> {
        const domain::ProjectState* p = s.FindProject(id);
        if (p == nullptr) return NotFoundError("project " + id + " not found");
        return JsonResponse(200, render::ProjectJson(*p));
      });
}

StatusOr<Response> PublishSchema(const AppContext& ctx, const Request& req) {
  // Strict JSON first (duplicate keys, content type); the schema language
  // checks the rest.
  RETURN_IF_ERROR(ParseJsonBody(req).status());
  ASSIGN_OR_RETURN(Committed c,
                   ctx.handler->PublishSchema(Actor(req), req.body));
  return Created(c);
}

// The published document of schema@version (the latest without version).
StatusOr<Response> ShowSchema(const AppContext& ctx, const Request& req) {
  const std::string& id = req.params.at("schema");
  uint64_t version = 0;
  if (auto v = req.params.find("version"); v != req.params.end()) {
    const std::string& text = v->second;
    if (text.empty() || text.size() > 9 ||
        text.find_first_not_of("0123456789") != std::string::npos ||
        (version = std::stoull(text)) == 0) {
      return InvalidArgumentError("schema version \"" + text +
                                  "\": must be an integer >= 1");
    }
  }
  auto find = [&](const domain::DomainState& s) -> StatusOr<std::string> {
    uint32_t ver = version != 0 ? static_cast<uint32_t>(version)
                                : s.LatestSchemaVersion(id);
    const domain::SchemaState* schema = s.FindSchema(id, ver);
    if (schema == nullptr) {
      return NotFoundError("schema " + id +
                           (version != 0 ? "@" + std::to_string(version) : "") +
                           " not found");
    }
    return schema->definition;
  };
  ASSIGN_OR_RETURN(std::string definition, ctx.handler->Read(find));
  json::value doc;
  RETURN_IF_ERROR(ParseStrictJson(definition, {.max_depth = 128}, doc));
  return JsonResponse(200, doc);
}

Status MayReadSchemas(const domain::Authorizer& a, const Request&) {
  return a.MayReadSchemas();
}

Status AddProjectsAndSchemas(RouteTable& t, const AppContext& ctx) {
  RETURN_IF_ERROR(t.Add(Blocking(ctx, "GET", "/v1/projects", ListProjects),
                        rules::Authenticated));
  RETURN_IF_ERROR(t.Add(Blocking(ctx, "POST", "/v1/projects", CreateProject),
                        rules::GlobalAdmin));
  RETURN_IF_ERROR(
      t.Add(Blocking(ctx, "GET", "/v1/projects/{project}", GetProject),
            [](const domain::Authorizer& a, const Request& req) {
              return a.MayReadProject(req.params.at("project"));
            }));
  RETURN_IF_ERROR(t.Add(Blocking(ctx, "POST", "/v1/schemas", PublishSchema),
                        rules::GlobalAdmin));
  RETURN_IF_ERROR(
      t.Add(Blocking(ctx, "GET", "/v1/schemas/{schema}", ShowSchema),
            MayReadSchemas));
  return t.Add(Blocking(ctx, "GET", "/v1/schemas/{schema}/versions/{version}",
                        ShowSchema),
               MayReadSchemas);
}

StatusOr<Response> RegisterPrincipal(const AppContext& ctx,
                                     const Request& req) {
  ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
  domain::RegisterPrincipalCommand cmd;
  ASSIGN_OR_RETURN(cmd.id, r.String("id", true));
  ASSIGN_OR_RETURN(cmd.display_name, r.String("display_name", false));
  ASSIGN_OR_RETURN(cmd.pseudonym, r.String("pseudonym", false));
  ASSIGN_OR_RETURN(std::string kind, r.String("kind", false));
  ASSIGN_OR_RETURN(std::string model, r.String("model", false));
  if (kind == "model") {
    cmd.kind = fb::PrincipalKind::Model;
    size_t at = model.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == model.size())
      return BodyReader::Error("model", "must be NAME@VERSION");
    cmd.model_name = model.substr(0, at);
    cmd.model_version = model.substr(at + 1);
  } else if (!kind.empty() && kind != "person") {
    return BodyReader::Error("kind", "must be \"person\" or \"model\"");
  } else if (!model.empty()) {
    return BodyReader::Error("model", "only for kind \"model\"");
  }
  Status error;
  const json::array* roles = r.Array("roles", &error);
  if (roles == nullptr) return error;
  for (size_t i = 0; i < roles->size(); ++i) {
    const json::value& v = (*roles)[i];
    const std::string key = "roles[" + std::to_string(i) + "]";
    if (!v.is_object()) return BodyReader::Error(key, "must be an object");
    BodyReader rr = BodyReader::Nested(v.get_object(), key);
    ASSIGN_OR_RETURN(domain::RoleSpec spec, ReadRole(rr));
    RETURN_IF_ERROR(rr.Finish());
    cmd.roles.push_back(spec);
  }
  RETURN_IF_ERROR(r.Finish());
  ASSIGN_OR_RETURN(domain::RegisteredPrincipal p,
                   ctx.handler->RegisterPrincipal(Actor(req), cmd));
  return JsonResponse(201, render::IssuedTokenJson(cmd.id, p.token));
}

StatusOr<Response> ChangeRole(const AppContext& ctx, const Request& req,
                              bool grant) {
  ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
  ASSIGN_OR_RETURN(domain::RoleSpec spec, ReadRole(r));
  RETURN_IF_ERROR(r.Finish());
  const std::string& p = req.params.at("principal");
  ASSIGN_OR_RETURN(Committed c,
                   grant ? ctx.handler->GrantRole(Actor(req), p, spec)
                         : ctx.handler->RevokeRole(Actor(req), p, spec));
  return JsonResponse(grant ? 201 : 200, render::CommittedJson(c));
}
StatusOr<Response> GrantRole(const AppContext& ctx, const Request& req) {
  return ChangeRole(ctx, req, true);
}
StatusOr<Response> RevokeRole(const AppContext& ctx, const Request& req) {
  return ChangeRole(ctx, req, false);
}

StatusOr<Response> IssueToken(const AppContext& ctx, const Request& req) {
  if (!req.body.empty()) {
    ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
    RETURN_IF_ERROR(r.Finish());
  }
  const std::string& p = req.params.at("principal");
  ASSIGN_OR_RETURN(domain::IssuedToken tok,
                   ctx.handler->IssueToken(Actor(req), p));
  return JsonResponse(201, render::IssuedTokenJson(p, tok));
}

StatusOr<Response> RevokeTokens(const AppContext& ctx, const Request& req) {
  ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
  domain::RevokeTokenCommand cmd;
  cmd.principal_id = req.params.at("principal");
  ASSIGN_OR_RETURN(cmd.token, r.String("token", false));
  ASSIGN_OR_RETURN(cmd.issued_seq, r.Uint("issued_seq", false, 0, UINT64_MAX));
  ASSIGN_OR_RETURN(cmd.all, r.Bool("all", false));
  ASSIGN_OR_RETURN(cmd.reason, r.String("reason", false));
  RETURN_IF_ERROR(r.Finish());
  ASSIGN_OR_RETURN(std::vector<Committed> c,
                   ctx.handler->RevokeTokens(Actor(req), cmd));
  return JsonResponse(200, render::RevokedTokensJson(c));
}

Status AddPrincipalRoutes(RouteTable& t, const AppContext& ctx) {
  RETURN_IF_ERROR(
      t.Add(Blocking(ctx, "POST", "/v1/principals", RegisterPrincipal),
            rules::GlobalAdmin));
  RETURN_IF_ERROR(t.Add(
      Blocking(ctx, "POST", "/v1/principals/{principal}/roles", GrantRole),
      AnyAdmin));
  RETURN_IF_ERROR(
      t.Add(Blocking(ctx, "POST", "/v1/principals/{principal}/roles/revoke",
                     RevokeRole),
            AnyAdmin));
  RETURN_IF_ERROR(t.Add(
      Blocking(ctx, "POST", "/v1/principals/{principal}/tokens", IssueToken),
      AdminOrSelf));
  return t.Add(Blocking(ctx, "POST", "/v1/principals/{principal}/tokens/revoke",
                        RevokeTokens),
               AdminOrSelf);
}

StatusOr<Response> ChangeAssignment(const AppContext& ctx, const Request& req,
                                    bool create) {
  ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
  ASSIGN_OR_RETURN(std::string record, r.String("record", true));
  ASSIGN_OR_RETURN(std::string annotator, r.String("annotator", true));
  std::string reason;
  if (!create) {
    ASSIGN_OR_RETURN(reason, r.String("reason", false));
  }
  RETURN_IF_ERROR(r.Finish());
  const std::string& p = req.params.at("project");
  ASSIGN_OR_RETURN(Committed c,
                   create
                       ? ctx.handler->Assign(Actor(req), p, record, annotator)
                       : ctx.handler->RevokeAssignment(Actor(req), p, record,
                                                       annotator, reason));
  return JsonResponse(create ? 201 : 200, render::CommittedJson(c));
}
StatusOr<Response> Assign(const AppContext& ctx, const Request& req) {
  return ChangeAssignment(ctx, req, true);
}
StatusOr<Response> Unassign(const AppContext& ctx, const Request& req) {
  return ChangeAssignment(ctx, req, false);
}

// Every assignment of the project, oldest first: for each annotator of the
// project, its records that belong to the project.
StatusOr<Response> ListAssignments(const AppContext& ctx, const Request& req) {
  const std::string& project = req.params.at("project");
  std::vector<render::AssignmentEntry> entries;
  ctx.handler->Read([&](const domain::DomainState& s) {
    for (const auto& [id, p] : s.principals()) {
      if (!p.HasRole(fb::Role::Annotator, project)) continue;
      for (auto& [seq, record] : s.AssignmentsOf(id)) {
        const domain::RecordState* rec = s.FindRecord(record);
        if (rec == nullptr || rec->project != project) continue;
        entries.push_back({record, project, id, seq});
      }
    }
  });
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.assigned_seq < b.assigned_seq;
  });
  return JsonResponse(200, render::AssignmentsJson(project, entries));
}

Status AddAssignmentRoutes(RouteTable& t, const AppContext& ctx) {
  RETURN_IF_ERROR(
      t.Add(Blocking(ctx, "POST", "/v1/projects/{project}/assignments", Assign),
            rules::ProjectAdmin));
  RETURN_IF_ERROR(
      t.Add(Blocking(ctx, "POST", "/v1/projects/{project}/assignments/revoke",
                     Unassign),
            rules::ProjectAdmin));
  return t.Add(Blocking(ctx, "GET", "/v1/projects/{project}/assignments",
                        ListAssignments),
               rules::ProjectAdmin);
}

}  // namespace

Status AddProjectRoutes(RouteTable& table, const AppContext& ctx) {
  RETURN_IF_ERROR(AddProjectsAndSchemas(table, ctx));
  RETURN_IF_ERROR(AddPrincipalRoutes(table, ctx));
  return AddAssignmentRoutes(table, ctx);
}

}  // namespace consilium::api
