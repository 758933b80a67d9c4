#include "api/metrics.h"

#include <gtest/gtest.h>

namespace consilium::api {
namespace {

TEST(MetricsTest, CountersAndGaugesRenderInTheTextFormat) {
  MetricsRegistry m;
  Counter* c = m.AddCounter("app_requests_total", "requests", {"route"});
  c->Add({"/a"});
  c->Add({"/a"}, 2);
  c->Add({"/b\"x"});
  Gauge* g = m.AddGauge("app_leases", "active leases", {});
  g->Set({}, 3);
  g->Add({}, -1);
  int depth = 7;
  m.AddGaugeCallback("app_queue_depth", "open items", [&] { return depth; });
  EXPECT_EQ(m.Render(),
            "# HELP app_requests_total requests\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{route=\"/a\"} 3\n"
            "app_requests_total{route=\"/b\\\"x\"} 1\n"
            "# HELP app_leases active leases\n"
            "# TYPE app_leases gauge\n"
            "app_leases 2\n"
            "# HELP app_queue_depth open items\n"
            "# TYPE app_queue_depth gauge\n"
            "app_queue_depth 7\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  MetricsRegistry m;
  Histogram* h = m.AddHistogram("app_seconds", "latency", {"op"}, {0.1, 1});
  h->Observe({"x"}, 0.05);
  h->Observe({"x"}, 0.1);  // on a bound: counted in that bucket (le)
  h->Observe({"x"}, 0.5);
  h->Observe({"x"}, 3);
  EXPECT_EQ(m.Render(),
            "# HELP app_seconds latency\n"
            "# TYPE app_seconds histogram\n"
            "app_seconds_bucket{op=\"x\",le=\"0.1\"} 2\n"
            "app_seconds_bucket{op=\"x\",le=\"1\"} 3\n"
            "app_seconds_bucket{op=\"x\",le=\"+Inf\"} 4\n"
            "app_seconds_sum{op=\"x\"} 3.65\n"
            "app_seconds_count{op=\"x\"} 4\n");
}

}  // namespace
}  // namespace consilium::api
