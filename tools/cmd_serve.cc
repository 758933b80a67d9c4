// `consilium serve`: the HTTP API over the ledger at --data (docs/server.md).
// The ledger is opened for writing by api::App (api/app.h: the
// CommandHandler, the single writer, and a live ProjectionEngine), held for
// the server's lifetime, so no other process writes it meanwhile. The App
// builds the routes, the authenticator, the rule-table authorizer and the
// denial hook; this file only reads the flags and runs the server.
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/app.h"
#include "api/server.h"
#include "api/ws_adjudication.h"
#include "common/clock.h"
#include "tools/build_info.h"
#include "tools/cli.h"
#include "tools/content_keys.h"
#include "tools/deid_gate_args.h"
#include "tools/demo/sign_in.h"
#include "tools/open_ledger.h"

namespace consilium::cli {
namespace {

// The edge limits a deployment tunes (docs/server.md, "Limits and
// timeouts"), checked before the ledger is opened; the rest keep
// api::ServerOptions' defaults.
StatusOr<api::ServerOptions> EdgeOptions(const Args& args) {
  api::ServerOptions options;
  ASSIGN_OR_RETURN(uint64_t max_connections,
                   args.GetUint("max-connections", options.max_connections));
  if (max_connections < 1 || max_connections > 1'000'000) {
    return InvalidArgumentError("--max-connections must be 1..1000000, not " +
                                std::to_string(max_connections));
  }
  options.max_connections = max_connections;
  ASSIGN_OR_RETURN(
      uint64_t header_ms,
      args.GetUint("header-timeout-ms",
                   static_cast<uint64_t>(options.header_timeout.count())));
  if (header_ms < 100 || header_ms > 600'000) {
    return InvalidArgumentError(
        "--header-timeout-ms must be 100..600000, not " +
        std::to_string(header_ms));
  }
  options.header_timeout = std::chrono::milliseconds(header_ms);
  return options;
}

int Serve(const Args& args) {
  // A server outlives its readers: a client gone mid-write, or a parent that
  // closed our stdout before the final "stopped" line, must be an error on
  // that write, never a SIGPIPE that kills the process during shutdown.
  std::signal(SIGPIPE, SIG_IGN);
  if (args.Has("tls-cert") != args.Has("tls-key")) {
    return Fail(InvalidArgumentError("--tls-cert and --tls-key go together"));
  }
  StatusOr<api::ServerOptions> edge = EdgeOptions(args);
  if (!edge.ok()) return Fail(edge.status());
  api::ServerOptions options = std::move(*edge);
  auto ledger = OpenLedger(args, /*read_only=*/false);
  if (!ledger.ok()) return Fail(ledger.status());
  // Encryption at rest: the key store, open for the server's lifetime.
  StatusOr<OpenedKeys> keys = OpenContentKeys(args.Get("data"));
  if (!keys.ok()) return Fail(keys.status());
  StatusOr<domain::DeidGate> gate = DeidGateFromArgs(args);
  if (!gate.ok()) return Fail(gate.status());
  api::AppOptions app_options;
  app_options.handler.content_keys = keys->keys();
  app_options.handler.deid_gate = std::move(*gate);
  app_options.software_version = kConsiliumVersion;
  app_options.software_revision = kConsiliumGitRevision;
  auto app = api::App::Open(ledger->get(), std::move(app_options));
  if (!app.ok()) return Fail(app.status());
  StatusOr<api::Router> routes = (*app)->BuildRouter();
  if (!routes.ok()) return Fail(routes.status());

  options.listen = args.Get("listen", api::kDefaultListen);
  if (args.Has("tls-cert")) {
    options.tls = api::TlsFiles{args.Get("tls-cert"), args.Get("tls-key")};
  }
  options.stop_on_signals = true;
  // The WebSocket's messages (docs/websocket.md): the event stream, its
  // follows recorded through the App's handler, and the adjudicators'.
  api::ServerDeps deps = (*app)->Deps();
  std::shared_ptr<api::WsAdjudication> adjudication;
  deps.websocket = api::WebSocketMessages(app->get(), &adjudication);
  StatusOr<std::unique_ptr<api::Server>> server = api::Server::Start(
      std::move(options), std::move(*routes), std::move(deps));
  if (!server.ok()) {
    adjudication->Stop();
    return Fail(server.status());
  }
  // A revoked role or token closes its WebSocket sessions at once.
  adjudication->SetRevocationHook(
      [s = server->get()] { s->RecheckSessions(); });
  // The line scripts wait for: the server accepts from here on.
  std::cout << "consilium serve: listening on " << (*server)->url()
            << std::endl;
  demo::PrintDemoSignIn(args.Get("data"), (*server)->url(), std::cout);
  (*server)->Wait();
  adjudication->Stop();  // no pushes, no hook into the server after this
  // The server has joined its threads: every handler has returned, so every
  // append it started is durable. Destroying the App drains the handler.
  server->reset();
  app->reset();
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
          {"max-connections", "N",
           "open connections at most (default 1024); more are closed on "
           "accept"},
          {"header-timeout-ms", "MS",
           "a request's headers must arrive within MS of the wait for it "
           "(default 10000); an idle kept-alive connection is closed then"},
          {"tls-key", "FILE", "PEM private key of --tls-cert"},
          DeidFlag(),
          DeidConfigFlag()};
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
