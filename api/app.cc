#include "api/app.h"

#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include "api/adjudication_routes.h"
#include "api/annotation_routes.h"
#include "api/deid_routes.h"
#include "api/domain_authenticator.h"
#include "api/internal/claim_contexts.h"
#include "api/project_routes.h"
#include "api/read_routes.h"
#include "api/record_routes.h"
#include "api/report_routes.h"
#include "api/snapshot_routes.h"
#include "api/snapshot_tag_routes.h"
#include "api/static_routes.h"
#include "api/whoami_route.h"
#include "render/error_json.h"

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
  return !id.empty() && id.size() <= 256 &&
         id.find('\0') == std::string::npos && render::ValidUtf8(id) == id;
}

// "api: METHOD PATH", cut to 512 bytes, as valid UTF-8 (the path is the
// client's bytes; an event's strings are JSON text).
std::string AccessPurpose(const std::string& method, const std::string& path) {
  std::string purpose = "api: " + method + " " + path;
  if (purpose.size() > 512) purpose.resize(512);
  return render::ValidUtf8(purpose);
}

// The api::Authorizer of `consilium serve`: the route's rule, asked of
// domain::Authorizer under the write side's state lock (so a role revoked a
// moment ago already counts). A route without a rule is refused (fail
// closed); NotFound from a rule lets the handler answer 404.
class RuleAuthorizer final : public Authorizer {
 public:
  RuleAuthorizer(const domain::WriteCore* core,
                 std::shared_ptr<const std::map<std::string, Rule>> rules,
                 const domain::AdjudicatorOffers* offers)
      : core_(core), rules_(std::move(rules)), offers_(offers) {}

  Status Authorize(const Principal& principal, std::string_view route,
                   const Request& request) const override {
    auto it = rules_->find(RuleKey(request.method, route));
    if (it == rules_->end()) {
      return PermissionDeniedError("no authorization rule for " +
                                   RuleKey(request.method, route));
    }
    Status s = core_->Read([&](const domain::DomainState& state) {
      return it->second(domain::Authorizer(state, principal.id, offers_),
                        request);
    });
    if (s.code() == StatusCode::kNotFound) return OkStatus();
    return s;
  }

 private:
  const domain::WriteCore* core_;
  std::shared_ptr<const std::map<std::string, Rule>> rules_;
  const domain::AdjudicatorOffers* offers_;
};

}  // namespace

// What an adjudicator's queue offers it (docs/authorization.md,
// "Adjudicators"): an item of the record it may claim now (the queue's own
// claim check: claimable, no conflict of interest, the right tier) or one it
// holds the lease of. Runs under the core's lock, like every rule.
// O(items of the project).
class App::QueueOffers final : public domain::AdjudicatorOffers {
 public:
  explicit QueueOffers(const adjudication::AdjudicationModel* model)
      : model_(model) {}

  Status Offers(std::string_view project, std::string_view record,
                std::string_view adjudicator) const override {
    const adjudication::Queue* queue = model_->FindQueue(project);
    if (queue != nullptr) {
      for (const adjudication::ItemInfo* item : queue->Items()) {
        if (item->key.record != record) continue;
        if (item->lease != 0) {
          const adjudication::LeaseInfo* l = queue->FindLease(item->lease);
          if (l != nullptr && l->adjudicator == adjudicator) return OkStatus();
          continue;
        }
        if (queue->CheckClaimItem(adjudicator, item->key).ok())
          return OkStatus();
      }
    }
    return PermissionDeniedError(
        "its adjudication queue does not offer the record (no item of it is "
        "claimable by it or leased to it)");
  }

 private:
  const adjudication::AdjudicationModel* model_;
};

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

namespace {

domain::RecordAccessCommand ReadAccess(std::string_view kind,
                                       std::string_view id,
                                       std::string_view action,
                                       const Request& request) {
  domain::RecordAccessCommand cmd;
  cmd.resource_kind = kind;
  cmd.resource_id = id;
  cmd.action = action;
  cmd.purpose = AccessPurpose(request.method, request.path);
  cmd.allowed = true;
  return cmd;
}

domain::RecordAccessCommand DenialAccess(const Denial& denial) {
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
  cmd.purpose = AccessPurpose(denial.method, denial.path);
  cmd.allowed = false;
  cmd.reason =
      render::ValidUtf8(std::string(StatusCodeName(denial.reason.code())) +
                        ": " + denial.reason.message());
  return cmd;
}

bool IsRefusal(const Status& status) {
  return status.code() == StatusCode::kPermissionDenied ||
         status.code() == StatusCode::kUnauthenticated;
}

Response RefusalNotRecorded(const Status& recorded) {
  return ErrorResponse(
      UnavailableError("the refusal of this request could not be recorded: " +
                       recorded.message()));
}

}  // namespace

Status AppContext::RecordRead(std::string_view principal, std::string_view kind,
                              std::string_view id, std::string_view action,
                              const Request& request) const {
  return handler->RecordAccess(principal, ReadAccess(kind, id, action, request))
      .status();
}

void AppContext::RecordReadAsync(std::string_view principal,
                                 std::string_view kind, std::string_view id,
                                 std::string_view action,
                                 const Request& request,
                                 std::function<void(Status)> done) const {
  handler->RecordAccessAsync(
      principal, ReadAccess(kind, id, action, request),
      [done = std::move(done)](StatusOr<Committed> c) { done(c.status()); });
}

Status AppContext::RecordDenial(const Denial& denial) const {
  const std::string_view actor =
      denial.principal.empty() ? kAnonymous : denial.principal;
  return handler->RecordAccess(actor, DenialAccess(denial)).status();
}

void AppContext::RecordDenialAsync(const Denial& denial,
                                   std::function<void(Status)> done) const {
  const std::string_view actor =
      denial.principal.empty() ? kAnonymous : denial.principal;
  handler->RecordAccessAsync(
      actor, DenialAccess(denial),
      [done = std::move(done)](StatusOr<Committed> c) { done(c.status()); });
}

Response AppContext::Fail(const Request& request, std::string_view route,
                          const Status& status) const {
  if (IsRefusal(status)) {
    Denial d{request.principal ? request.principal->id : "",
             request.method,
             request.path,
             std::string(route),
             status,
             request.params};
    if (Status recorded = RecordDenial(d); !recorded.ok()) {
      return RefusalNotRecorded(recorded);
    }
  }
  return ErrorResponse(status);
}

void AppContext::FailAsync(const Request& request, std::string_view route,
                           const Status& status, Responder respond) const {
  if (!IsRefusal(status)) return respond(ErrorResponse(status));
  Denial d{request.principal ? request.principal->id : "",
           request.method,
           request.path,
           std::string(route),
           status,
           request.params};
  const std::string_view actor =
      d.principal.empty() ? kAnonymous : std::string_view(d.principal);
  handler->RecordAccessAsync(
      actor, DenialAccess(d),
      [status, respond = std::move(respond)](StatusOr<Committed> c) {
        respond(c.ok() ? ErrorResponse(status)
                       : RefusalNotRecorded(c.status()));
      });
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
  if (options.lease_sweep_ms < 1 || options.lease_sweep_ms > 60000) {
    return InvalidArgumentError("lease_sweep_ms must be 1..60000, not " +
                                std::to_string(options.lease_sweep_ms));
  }
  std::unique_ptr<App> app(new App());
  app->options_ = std::move(options);
  app->model_ = std::make_unique<adjudication::AdjudicationModel>();
  domain::Model* models[] = {app->model_.get()};
  ASSIGN_OR_RETURN(app->handler_, domain::CommandHandler::Open(
                                      ledger, app->options_.handler, models));
  // The commands only read the clock (Clock::NowMicros is const); their
  // constructor predates const clocks.
  app->commands_ = std::make_unique<adjudication::AdjudicationCommands>(
      &app->handler_->core(), app->model_.get(),
      const_cast<Clock*>(app->options_.clock));
  app->offers_ = std::make_unique<QueueOffers>(app->model_.get());
  // Checkpointed now and then, so a restart resumes rather than replays.
  ASSIGN_OR_RETURN(
      app->engine_,
      projections::ProjectionEngine::Open(
          ledger, {.checkpoint_every_events = 10000,
                   .content_keys = app->options_.handler.content_keys}));
  app->engine_->StartLive();
  app->metrics_ = std::make_shared<MetricsRegistry>();
  app->context_ =
      AppContext{.handler = app->handler_.get(),
                 .engine = app->engine_.get(),
                 .ledger = ledger,
                 .clock = app->options_.clock,
                 .model = app->model_.get(),
                 .adjudication = app->commands_.get(),
                 .offers = app->offers_.get(),
                 .metrics = app->metrics_.get(),
                 .software_version = app->options_.software_version,
                 .software_revision = app->options_.software_revision};

  app->depth_gauge_ = app->metrics_->AddGauge(
      "consilium_adjudication_queue_depth",
      "Claimable adjudication items (both tiers) by project", {"project"});
  app->lease_gauge_ = app->metrics_->AddGauge(
      "consilium_adjudication_active_leases",
      "Adjudication leases held by project", {"project"});
  App* self = app.get();
  app->gauge_listener_ =
      app->model_->Subscribe([self](const adjudication::QueueNotice& n) {
        self->UpdateGauges(n.project);
      });
  const std::vector<std::string> projects = app->handler_->Read(
      [&](const domain::DomainState&) { return self->model_->Projects(); });
  for (const std::string& p : projects) app->UpdateGauges(p);

  // Leases whose deadline passed while no server ran: returned once, before
  // the first request.
  ASSIGN_OR_RETURN(std::vector<adjudication::ExpiredLease> expired,
                   app->commands_->ExpireDue(app->options_.clock->NowMicros()));
  app->leases_expired_ = expired.size();
  app->sweeper_ = std::thread([self] { self->SweepLoop(); });
  internal::RegisterClaimContexts(app->engine_.get(), app->options_.clock);
  return app;
}

App::~App() {
  if (sweeper_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(sweep_mu_);
      stopping_ = true;
    }
    sweep_cv_.notify_all();
    sweeper_.join();
  }
  if (model_ && gauge_listener_ != 0) model_->Unsubscribe(gauge_listener_);
  if (engine_) {
    internal::UnregisterClaimContexts(engine_.get());
    engine_->StopLive();
  }
}

uint64_t App::leases_expired() const {
  std::lock_guard<std::mutex> lock(sweep_mu_);
  return leases_expired_;
}

void App::SweepLoop() {
  std::unique_lock<std::mutex> lock(sweep_mu_);
  const auto interval = std::chrono::milliseconds(options_.lease_sweep_ms);
  while (!sweep_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    StatusOr<std::vector<adjudication::ExpiredLease>> expired =
        commands_->ExpireDue(options_.clock->NowMicros());
    lock.lock();
    if (expired.ok()) {
      leases_expired_ += expired->size();
    } else {
      // The ledger refused the append (disk full, ...): the leases stay
      // held, and the next tick tries again.
      std::fprintf(stderr, "consilium serve: lease expiry failed: %s\n",
                   expired.status().ToString().c_str());
    }
  }
}

void App::UpdateGauges(const std::string& project) {
  auto [depth, leases] = handler_->Read([&](const domain::DomainState&) {
    const adjudication::Queue* q = model_->FindQueue(project);
    return q == nullptr ? std::pair<size_t, size_t>{0, 0}
                        : std::pair<size_t, size_t>{q->queued(), q->leases()};
  });
  depth_gauge_->Set({project}, static_cast<double>(depth));
  lease_gauge_->Set({project}, static_cast<double>(leases));
}

StatusOr<Router> App::BuildRouter() {
  RouteTable table;
  RETURN_IF_ERROR(table.Add(WhoamiRoute(), rules::Authenticated));
  RETURN_IF_ERROR(AddProjectRoutes(table, context_));
  RETURN_IF_ERROR(AddRecordRoutes(table, context_));
  RETURN_IF_ERROR(AddAnnotationRoutes(table, context_));
  RETURN_IF_ERROR(AddReadRoutes(table, context_, context_.metrics));
  RETURN_IF_ERROR(AddReportRoutes(table, context_));
  RETURN_IF_ERROR(AddAdjudicationRoutes(table, context_));
  RETURN_IF_ERROR(AddSnapshotRoutes(table, context_));
  RETURN_IF_ERROR(AddSnapshotTagRoutes(table, context_));
  RETURN_IF_ERROR(AddDeidRoutes(table, context_));
  RETURN_IF_ERROR(AddStaticRoutes(table));
  rules_ = std::make_shared<const std::map<std::string, Rule>>(table.rules());
  return std::move(table.router());
}

ServerDeps App::Deps() const {
  ServerDeps deps;
  deps.authenticator =
      std::make_shared<DomainAuthenticator>(&handler_->core(), options_.clock);
  deps.authorizer = std::make_shared<RuleAuthorizer>(
      &handler_->core(),
      rules_ ? rules_ : std::make_shared<const std::map<std::string, Rule>>(),
      offers_.get());
  deps.metrics = metrics_;
  const AppContext* ctx = &context_;
  deps.on_denial = [ctx](const Denial& d) { return ctx->RecordDenial(d); };
  return deps;
}

}  // namespace consilium::api
