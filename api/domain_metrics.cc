#include "api/domain_metrics.h"

#include <utility>

namespace consilium::api {

DomainMetrics RegisterDomainMetrics(MetricsRegistry* registry) {
  return {.append_latency = registry->AddHistogram(
              "consilium_append_duration_seconds",
              "Time from a command's call to its durable commit, by operation",
              {"operation"}, kLatencyBuckets)};
}

void RegisterAdjudicationGauges(MetricsRegistry* registry,
                                std::function<double()> queue_depth,
                                std::function<double()> active_leases) {
  registry->AddGaugeCallback("consilium_adjudication_queue_depth",
                             "Adjudication items waiting for an adjudicator",
                             std::move(queue_depth));
  registry->AddGaugeCallback("consilium_adjudication_active_leases",
                             "Adjudication items claimed under a live lease",
                             std::move(active_leases));
}

}  // namespace consilium::api
