// App: the domain-backed application `consilium serve` runs (docs/server.md,
// "The application"). It opens the ledger's write side (domain::
// CommandHandler, the single writer) and a live read side (projections::
// ProjectionEngine), holds the clock, and builds what api::Server::Start
// takes: the Router of every route group, and the dependencies (the
// DomainAuthenticator, the rule-table Authorizer, the DenialHook that
// records refusals, the metrics registry).
//
// Route groups are functions `Status AddXRoutes(RouteTable&, const
// AppContext&)` (api/record_routes.h, api/annotation_routes.h,
// api/project_routes.h, ...). Each route is added with its authorization
// rule, a check against domain::Authorizer (domain/authorizer.h, the one
// place that decides every rule) which the server runs before the handler;
// a route without a rule cannot be added. docs/authorization.md lists them.
//
// Access events (DESIGN.md invariant 3): handlers that return record content
// or annotations call AppContext::RecordRead, which returns once the
// AccessRecorded event is durable; every 401/403 is recorded by
// AppContext::RecordDenial (the DenialHook, and handlers whose command was
// refused with PermissionDenied) before the refusal is sent.
//
// Thread-safety: Open and BuildRouter/Deps run before the server starts;
// afterwards the App is used from the server's threads through the
// thread-safe handler and engine. The App must outlive the Server.
//
//   ASSIGN_OR_RETURN(auto app, App::Open(ledger.get(), {}));
//   ASSIGN_OR_RETURN(Router routes, app->BuildRouter());
//   auto server = Server::Start(options, std::move(routes), app->Deps());
#ifndef CONSILIUM_API_APP_H_
#define CONSILIUM_API_APP_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "adjudication/commands.h"
#include "adjudication/model.h"
#include "api/auth.h"
#include "api/http.h"
#include "api/metrics.h"
#include "api/router.h"
#include "api/server.h"
#include "common/clock.h"
#include "common/status.h"
#include "domain/authorizer.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "projections/engine.h"

namespace consilium::api {

// A route's authorization rule: asked of domain::Authorizer (actor: the
// authenticated principal) under the write side's state lock, with the
// request (params set). OK, PermissionDenied, or NotFound for what the
// request names that does not exist (the handler then answers 404; nothing
// is refused, so nothing is recorded as denied).
using Rule = std::function<Status(const domain::Authorizer& auth,
                                  const Request& request)>;

// Rules every route group uses.
namespace rules {
// Any authenticated principal (whoami).
Status Authenticated(const domain::Authorizer&, const Request&);
// The global admin role.
Status GlobalAdmin(const domain::Authorizer& auth, const Request&);
// Admin of the project named by the `project` parameter.
Status ProjectAdmin(const domain::Authorizer& auth, const Request& request);
}  // namespace rules

// What handlers use. Pointers are not owned; they outlive the server.
struct AppContext {
  domain::CommandHandler* handler = nullptr;
  projections::ProjectionEngine* engine = nullptr;
  Ledger* ledger = nullptr;
  const Clock* clock = nullptr;
  // The adjudication engine (docs/server.md, "Adjudication"): the model
  // attached to `handler`'s core (read it under handler->Read only), its
  // command set, and what an adjudicator's queue offers (pass it to every
  // domain::Authorizer a handler builds, so the adjudicator branch of the
  // read rules sees the queues).
  adjudication::AdjudicationModel* model = nullptr;
  adjudication::AdjudicationCommands* adjudication = nullptr;
  const domain::AdjudicatorOffers* offers = nullptr;
  // The registry the server serves at /metrics (Deps().metrics).
  MetricsRegistry* metrics = nullptr;
  // What the snapshot manifests name (AppOptions::software_*).
  std::string software_version{};
  std::string software_revision{};

  // Appends an allowed AccessRecorded for `principal` and returns once it is
  // durable: call it after the data is ready and before it is returned.
  // `kind`: record, annotation, project, schema, ...; `action`: read, list,
  // ... Errors: the command's (NotFound for content that does not exist).
  Status RecordRead(std::string_view principal, std::string_view kind,
                    std::string_view id, std::string_view action,
                    const Request& request) const;
  // The same without waiting (deferred routes): `done` gets the outcome once
  // the event is durable, on the ledger's acknowledger thread (keep it
  // short: respond), or at once on this thread when it was rejected.
  void RecordReadAsync(std::string_view principal, std::string_view kind,
                       std::string_view id, std::string_view action,
                       const Request& request,
                       std::function<void(Status)> done) const;
  // Appends a denied AccessRecorded for a refused request (docs/
  // authorization.md, "Denied access"): the resource is taken from the
  // route's parameters, the actor is the principal, or "(anonymous)" when
  // none was established.
  Status RecordDenial(const Denial& denial) const;
  // The same without waiting (the WebSocket's adjudication messages): the
  // event is queued before this returns; `done` gets the outcome once it is
  // durable, on the ledger's acknowledger thread (keep it short), or at once
  // on this thread when it was rejected.
  void RecordDenialAsync(const Denial& denial,
                         std::function<void(Status)> done) const;
  // The response for a failed handler step: PermissionDenied is recorded as
  // a denial first (a 503 when that fails), then ErrorResponse(status).
  Response Fail(const Request& request, std::string_view route,
                const Status& status) const;
  // Fail for deferred routes: the denial is queued without waiting and
  // `respond` gets the response once it is durable. Call it from the
  // route's own thread, never from a ledger callback (a refusal is always
  // decided there: the commands reject before they queue).
  void FailAsync(const Request& request, std::string_view route,
                 const Status& status, Responder respond) const;
};

// A Router whose every route carries its rule.
class RouteTable {
 public:
  // InvalidArgument when `rule` is empty; the Router's errors otherwise.
  Status Add(Route route, Rule rule);
  Router& router() { return router_; }
  const std::map<std::string, Rule>& rules() const { return rules_; }

 private:
  Router router_;
  std::map<std::string, Rule> rules_;  // "GET /v1/records/{record}" -> rule
};

struct AppOptions {
  const Clock* clock = SystemClock();  // token expiry; not owned
  // Passed to the CommandHandler (token lifetime, ...).
  domain::CommandHandlerOptions handler;
  // How often the lease-expiry timer calls AdjudicationCommands::ExpireDue
  // (docs/server.md, "Adjudication"); 1..60000.
  int64_t lease_sweep_ms = 500;
  // The build a snapshot manifest names (`consilium serve` passes its own,
  // so the server's snapshot bytes are the CLI's).
  std::string software_version = "unknown";
  std::string software_revision = "unknown";
};

class App {
 public:
  // Opens the CommandHandler over `ledger` (read-write) and a live
  // ProjectionEngine. `ledger` is not owned and must outlive the App.
  // Errors: the handler's (FailedPrecondition when one is already open on
  // `ledger`) and the engine's.
  // Also attaches an AdjudicationModel to the handler's core, returns the
  // leases whose deadline passed while no server ran (ExpireDue, once, before
  // Open returns) and starts the lease-expiry timer. InvalidArgument for a
  // lease_sweep_ms out of range.
  static StatusOr<std::unique_ptr<App>> Open(Ledger* ledger,
                                             AppOptions options);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Every route group's routes and rules; the rules become the Authorizer
  // Deps() returns, so call this first. AlreadyExists for a duplicate route.
  StatusOr<Router> BuildRouter();
  // Authenticator, Authorizer (the rule table), DenialHook, metrics.
  ServerDeps Deps() const;

  const AppContext& context() const { return context_; }
  domain::CommandHandler& handler() { return *handler_; }
  projections::ProjectionEngine& engine() { return *engine_; }

  // ---- The adjudication engine, for the WebSocket round (issue 17) ------
  // The model attached to handler()'s core. Read it only inside
  // handler().Read(...); Subscribe (queue depth changes, lease ends) and
  // Unsubscribe may be called from any thread; unsubscribe before the App
  // is destroyed. Its notices reach the App's own listener too (the
  // /metrics gauges).
  adjudication::AdjudicationModel& adjudication_model() { return *model_; }
  // Claim, Heartbeat, Release, Decide, Escalate, SetPolicy, with the App's
  // clock; thread-safe. ExpireDue is the App's timer's: another caller is
  // harmless (a lease is expired once) but unnecessary.
  adjudication::AdjudicationCommands& adjudication() { return *commands_; }
  // The registry Deps() hands the server, holding the adjudication gauges.
  const std::shared_ptr<MetricsRegistry>& metrics() const { return metrics_; }
  // Leases the timer (and Open) expired so far; tests and logs.
  uint64_t leases_expired() const;

 private:
  class QueueOffers;
  App() = default;
  // The lease-expiry timer: ExpireDue every lease_sweep_ms until stopped.
  void SweepLoop();
  // Sets the gauges of `project` from the model (under the core's lock).
  void UpdateGauges(const std::string& project);

  AppOptions options_;
  // Declared before the handler: the core applies events to it until the
  // handler is destroyed.
  std::unique_ptr<adjudication::AdjudicationModel> model_;
  std::unique_ptr<domain::CommandHandler> handler_;
  std::unique_ptr<adjudication::AdjudicationCommands> commands_;
  std::unique_ptr<QueueOffers> offers_;
  std::shared_ptr<MetricsRegistry> metrics_;
  Gauge* depth_gauge_ = nullptr;
  Gauge* lease_gauge_ = nullptr;
  uint64_t gauge_listener_ = 0;
  mutable std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool stopping_ = false;
  uint64_t leases_expired_ = 0;
  std::thread sweeper_;
  std::unique_ptr<projections::ProjectionEngine> engine_;
  AppContext context_;
  std::shared_ptr<const std::map<std::string, Rule>> rules_;
};

}  // namespace consilium::api

#endif  // CONSILIUM_API_APP_H_
