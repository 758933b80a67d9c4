// The metrics of what stands behind the server, beside the transport's own
// (requests and latency by route, open connections: api/server.h):
//
//   consilium_append_duration_seconds{operation}  histogram, kLatencyBuckets:
//       from a command's call to its durable commit, per operation
//       ("record_access", ...), as a handler measures it with TimeAppend.
//   consilium_adjudication_queue_depth, consilium_adjudication_active_leases
//       gauges read at scrape time, registered by RegisterAdjudicationGauges
//       once the adjudication model is served (issue 15).
//
// Thread-safety: as MetricsRegistry (any thread).
//
//   DomainMetrics m = RegisterDomainMetrics(&registry);
//   auto c = TimeAppend(m, "record_access", [&] { return cmds.RecordAccess(..);
//   });
#ifndef CONSILIUM_API_DOMAIN_METRICS_H_
#define CONSILIUM_API_DOMAIN_METRICS_H_

#include <chrono>
#include <functional>
#include <string>

#include "api/metrics.h"

namespace consilium::api {

struct DomainMetrics {
  Histogram* append_latency = nullptr;  // null: nothing is observed
};

// Registers the append-latency family in `registry` (once per registry).
DomainMetrics RegisterDomainMetrics(MetricsRegistry* registry);

// The hook for the adjudication model: two label-less gauges whose values
// `queue_depth` (open items waiting for an adjudicator) and `active_leases`
// return at each scrape, under the registry's lock (they must not call into
// the registry).
void RegisterAdjudicationGauges(MetricsRegistry* registry,
                                std::function<double()> queue_depth,
                                std::function<double()> active_leases);

// Runs `append` (a command that returns once durable) and observes its
// duration under `operation`, whatever it returns.
template <typename Fn>
auto TimeAppend(const DomainMetrics& metrics, const std::string& operation,
                Fn&& append) {
  const auto start = std::chrono::steady_clock::now();
  auto result = append();
  if (metrics.append_latency != nullptr) {
    metrics.append_latency->Observe(
        {operation},
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count());
  }
  return result;
}

}  // namespace consilium::api

#endif  // CONSILIUM_API_DOMAIN_METRICS_H_
