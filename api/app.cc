#include "api/app.h"

#include <utility>
#include <vector>

#include "api/annotation_routes.h"
#include "api/domain_authenticator.h"
#include "api/project_routes.h"
#include "api/read_routes.h"
#include "api/record_routes.h"
#include "api/whoami_route.h"

namespace consilium::api {
namespace {

// The actor of a denied access when no principal was established (no
// token, or one refused). Parentheses are not allowed in principal ids
// (domain::CheckDomainId), so no principal can ever be mistaken for it.
constexpr std::string_view kAnonymous = "(anonymous)";

std::string RuleKey(std::string_view method, std::string_view pattern) {
  return std::string(method) + " " + std::string(pattern);
}

bool UsableId(const std::string& id) {
  return !id.empty() && id.size() <= 256 && id.find('\0') == std::string::npos;
}

// The api::Authorizer of `consilium serve`: the route's rule, asked of
// domain::Authorizer under the write side's state lock (so a role revoked a
// moment ago already counts). A route without a rule is refused (fail
// closed); NotFound from a rule lets the handler answer 404.
class RuleAuthorizer final : public Authorizer {
 public:
  RuleAuthorizer(const domain::WriteCore* core,
                 std::shared_ptr<const std::map<std::string, Rule>> rules)
      : core_(core), rules_(std::move(rules)) {}

  Status Authorize(const Principal& principal, std::string_view route,
                   const Request& request) const override {
    auto it = rules_->find(RuleKey(request.method, route));
    if (it == rules_->end()) {
      return PermissionDeniedError("no authorization rule for " +
                                   RuleKey(request.method, route));
    }
    Status s = core_->Read([&](const domain::DomainState& state) {
      return it->second(domain::Authorizer(state, principal.id), request);
    });
    if (s.code() == StatusCode::kNotFound) return OkStatus();
    return s;
  }

 private:
  const domain::WriteCore* core_;
  std::shared_ptr<const std::map<std::string, Rule>> rules_;
};

}  // namespace

namespace rules {

Status Authenticated(const domain::Authorizer&, const Request&) {
  return OkStatus();
}

Status GlobalAdmin(const domain::Authorizer& auth, const Request&) {
  return auth.RequireAdmin("");
}

Status ProjectAdmin(const domain::Authorizer& auth, const Request& request) {
  return auth.AdminOfProject(request.params.at("project"));
}

}  // namespace rules

Status AppContext::RecordRead(std::string_view principal, std::string_view kind,
                              std::string_view id, std::string_view action,
                              const Request& request) const {
  domain::RecordAccessCommand cmd;
  cmd.resource_kind = kind;
  cmd.resource_id = id;
  cmd.action = action;
  cmd.purpose = "api: " + request.method + " " + request.path;
  if (cmd.purpose.size() > 512) cmd.purpose.resize(512);
  cmd.allowed = true;
  return handler->RecordAccess(principal, cmd).status();
}

Status AppContext::RecordDenial(const Denial& denial) const {
  domain::RecordAccessCommand cmd;
  // The resource the refused request named, most specific first.
  cmd.resource_kind = "route";
  cmd.resource_id = denial.route.empty() ? "unmatched" : denial.route;
  for (const char* kind :
       {"annotation", "record", "schema", "principal", "project"}) {
    auto it = denial.params.find(kind);
    if (it != denial.params.end() && UsableId(it->second)) {
      cmd.resource_kind = kind;
      cmd.resource_id = it->second;
      break;
    }
  }
  // The distribution route names its record `{id}` (/v1/records/{id}/...).
  if (auto it = denial.params.find("id");
      cmd.resource_kind == "route" && it != denial.params.end() &&
      denial.route.starts_with("/v1/records/") && UsableId(it->second)) {
    cmd.resource_kind = "record";
    cmd.resource_id = it->second;
  }
  if (!UsableId(cmd.resource_id)) cmd.resource_id = "unmatched";
  cmd.action = "request";
  cmd.purpose = "api: " + denial.method + " " + denial.path;
  if (cmd.purpose.size() > 512) cmd.purpose.resize(512);
  cmd.allowed = false;
  cmd.reason = std::string(StatusCodeName(denial.reason.code())) + ": " +
               denial.reason.message();
  const std::string_view actor =
      denial.principal.empty() ? kAnonymous : denial.principal;
  return handler->RecordAccess(actor, cmd).status();
}

Response AppContext::Fail(const Request& request, std::string_view route,
                          const Status& status) const {
  if (status.code() == StatusCode::kPermissionDenied ||
      status.code() == StatusCode::kUnauthenticated) {
    Denial d{request.principal ? request.principal->id : "",
             request.method,
             request.path,
             std::string(route),
             status,
             request.params};
    if (Status recorded = RecordDenial(d); !recorded.ok()) {
      return ErrorResponse(UnavailableError(
          "the refusal of this request could not be recorded: " +
          recorded.message()));
    }
  }
  return ErrorResponse(status);
}

Status RouteTable::Add(Route route, Rule rule) {
  if (!rule) {
    return InvalidArgumentError("route " + route.method + " " + route.pattern +
                                " has no authorization rule");
  }
  std::string key = RuleKey(route.method, route.pattern);
  RETURN_IF_ERROR(router_.Add(std::move(route)));
  rules_.emplace(std::move(key), std::move(rule));
  return OkStatus();
}

StatusOr<std::unique_ptr<App>> App::Open(Ledger* ledger, AppOptions options) {
  std::unique_ptr<App> app(new App());
  app->options_ = std::move(options);
  ASSIGN_OR_RETURN(app->handler_,
                   domain::CommandHandler::Open(ledger, app->options_.handler));
  // Checkpointed now and then, so a restart resumes rather than replays.
  ASSIGN_OR_RETURN(app->engine_,
                   projections::ProjectionEngine::Open(
                       ledger, {.checkpoint_every_events = 10000}));
  app->engine_->StartLive();
  app->metrics_ = std::make_shared<MetricsRegistry>();
  app->context_ = AppContext{.handler = app->handler_.get(),
                             .engine = app->engine_.get(),
                             .ledger = ledger,
                             .clock = app->options_.clock,
                             .metrics = app->metrics_.get()};
  return app;
}

App::~App() {
  if (engine_) engine_->StopLive();
}

StatusOr<Router> App::BuildRouter() {
  RouteTable table;
  RETURN_IF_ERROR(table.Add(WhoamiRoute(), rules::Authenticated));
  RETURN_IF_ERROR(AddProjectRoutes(table, context_));
  RETURN_IF_ERROR(AddRecordRoutes(table, context_));
  RETURN_IF_ERROR(AddAnnotationRoutes(table, context_));
  RETURN_IF_ERROR(AddReadRoutes(table, context_, context_.metrics));
  rules_ = std::make_shared<const std::map<std::string, Rule>>(table.rules());
  return std::move(table.router());
}

ServerDeps App::Deps() const {
  ServerDeps deps;
  deps.authenticator =
      std::make_shared<DomainAuthenticator>(&handler_->core(), options_.clock);
  deps.authorizer = std::make_shared<RuleAuthorizer>(
      &handler_->core(),
      rules_ ? rules_ : std::make_shared<const std::map<std::string, Rule>>());
  const AppContext* ctx = &context_;
  deps.on_denial = [ctx](const Denial& d) { return ctx->RecordDenial(d); };
  deps.metrics = metrics_;
  return deps;
}

}  // namespace consilium::api
