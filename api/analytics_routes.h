// The analytics read routes: a record's label distribution, a project's
// agreement and per-annotator calibration (docs/server.md, "Read routes").
// Each returns the document `consilium distribution|agreement|calibration
// --json` prints, byte for byte (render/analytics_json.h written indented),
// with annotators by pseudonym for a reader who is not an admin of the
// project (projections/pseudonyms.h; the CLI's --pseudonyms).
//
//   GET /v1/records/{id}/distribution?as_of=&purpose=
//   GET /v1/projects/{project}/agreement?field=&batch=&threshold=&as_of=
//   GET /v1/projects/{project}/calibration?annotator=&as_of=
//
// A distribution names annotation values, so reading one records an access
// event (ProjectCommands::RecordAccess: resource record, action
// read_distribution) that is durable before the document is computed; the
// document then reflects at least that event. Who may call which route is
// the read rules' decision (domain::Authorizer), made before a handler runs.
//
// Thread-safety: the handlers are blocking (they append, or scan for as_of)
// and run concurrently; every dependency is thread-safe and must outlive the
// server.
//
//   for (Route& r : AnalyticsRoutes({.engine = engine.get(), ...}))
//     RETURN_IF_ERROR(router.Add(std::move(r)));
#ifndef CONSILIUM_API_ANALYTICS_ROUTES_H_
#define CONSILIUM_API_ANALYTICS_ROUTES_H_

#include <cstdint>
#include <vector>

#include "api/domain_metrics.h"
#include "api/router.h"
#include "domain/project_commands.h"
#include "domain/write_core.h"
#include "ledger/ledger.h"
#include "projections/engine.h"

namespace consilium::api {

struct AnalyticsDeps {
  // The live read model (started: StartLive) over `ledger`.
  const projections::ProjectionEngine* engine = nullptr;
  // For as_of queries (states built over a prefix).
  const Ledger* ledger = nullptr;
  // Where the access events of content reads are appended.
  domain::ProjectCommands* access = nullptr;
  // The write side's state: who sees annotator ids (domain::Authorizer::
  // SeesIdentities).
  const domain::WriteCore* core = nullptr;
  DomainMetrics metrics = {};
  // How long a content read waits for the read model to reach its own
  // access event before answering 503 UNAVAILABLE.
  int64_t catch_up_timeout_ms = 10000;
};

std::vector<Route> AnalyticsRoutes(const AnalyticsDeps& deps);

}  // namespace consilium::api

#endif  // CONSILIUM_API_ANALYTICS_ROUTES_H_
