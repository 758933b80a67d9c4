// `consilium serve`: the HTTP API over the ledger at --data (docs/server.md).
// The ledger is opened for writing with its CommandHandler (the single
// writer), held for the server's lifetime, so no other process writes it
// meanwhile. Bearer tokens are checked against the handler's domain state
// (api/domain_authenticator.h). Routes today: the server's own (/healthz,
// /metrics, /v1/openapi.json), GET /v1/whoami and the read routes
// (api/read_routes.h: analytics, audit, ledger) over a live projection
// engine; the other domain routes join the Router built here.
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/domain_authenticator.h"
#include "api/read_routes.h"
#include "api/server.h"
#include "api/whoami_route.h"
#include "common/clock.h"
#include "domain/command_handler.h"
#include "projections/engine.h"
#include "tools/cli.h"
#include "tools/open_ledger.h"

namespace consilium::cli {
namespace {

int Serve(const Args& args) {
  if (args.Has("tls-cert") != args.Has("tls-key")) {
    return Fail(InvalidArgumentError("--tls-cert and --tls-key go together"));
  }
  auto ledger = OpenLedger(args, /*read_only=*/false);
  if (!ledger.ok()) return Fail(ledger.status());
  auto handler = domain::CommandHandler::Open(ledger->get(), {});
  if (!handler.ok()) return Fail(handler.status());
  // The read side: analytics and access history, live, checkpointed now
  // and then so a restart resumes rather than replays.
  auto engine = projections::ProjectionEngine::Open(
      ledger->get(), {.checkpoint_every_events = 10000});
  if (!engine.ok()) return Fail(engine.status());
  (*engine)->StartLive();

  api::ServerOptions options;
  options.listen = args.Get("listen", api::kDefaultListen);
  if (args.Has("tls-cert")) {
    options.tls = api::TlsFiles{args.Get("tls-cert"), args.Get("tls-key")};
  }
  options.stop_on_signals = true;
  api::ServerDeps deps;
  deps.authenticator = std::make_shared<api::DomainAuthenticator>(
      &(*handler)->core(), SystemClock());
  api::Router routes;
  if (Status s = routes.Add(api::WhoamiRoute()); !s.ok()) return Fail(s);
  if (Status s = api::AddReadRoutes(
          {ledger->get(), engine->get(), handler->get()}, &routes, &deps);
      !s.ok()) {
    return Fail(s);
  }
  StatusOr<std::unique_ptr<api::Server>> server = api::Server::Start(
      std::move(options), std::move(routes), std::move(deps));
  if (!server.ok()) return Fail(server.status());
  // The line scripts wait for: the server accepts from here on.
  std::cout << "consilium serve: listening on " << (*server)->url()
            << std::endl;
  (*server)->Wait();
  std::cout << "consilium serve: stopped" << std::endl;
  return 0;
}

// --listen's help names the default address.
std::vector<Flag> ServeFlags() {
  return {DataFlag(),
          {"listen", "ADDR:PORT",
           std::string("address to listen on (default ") + api::kDefaultListen +
               "; port 0 picks a free one)"},
          {"tls-cert", "FILE", "PEM certificate chain, enables TLS"},
          {"tls-key", "FILE", "PEM private key of --tls-cert"}};
}

Registrar serve_cmd(Command{
    .words = {"serve"},
    .summary = "serve the HTTP API (plain and TLS on one port)",
    .flags = ServeFlags(),
    .run = Serve,
    .notes = "Plain HTTP and TLS (1.2 or later) are told apart per connection "
             "on the same port; without --tls-cert TLS connections are "
             "closed. Prints the URL once listening; SIGTERM or SIGINT stops "
             "accepting, lets requests in flight finish (10 s at most) and "
             "exits 0. Endpoints, limits and errors: docs/server.md."});

}  // namespace
}  // namespace consilium::cli
