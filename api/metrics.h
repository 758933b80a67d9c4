// Metrics in the Prometheus text exposition format (version 0.0.4), served
// at /metrics. The server registers its own families (requests and latency
// by route and status, open connections); later modules add theirs (append
// latency, queue depths, active leases) through the same registry, as
// counters, gauges, histograms, or gauges read when scraped.
//
// Thread-safety: every method may be called from any thread (one mutex per
// registry; an observation is a map lookup and a few additions). Family
// pointers stay valid for the registry's lifetime.
//
//   MetricsRegistry m;
//   Histogram* lat = m.AddHistogram("consilium_append_seconds",
//                                   "ledger append latency", {},
//                                   kLatencyBuckets);
//   lat->Observe({}, 0.004);
//   m.AddGaugeCallback("consilium_queue_depth", "open items", [&] { ... });
//   std::string text = m.Render();
#ifndef CONSILIUM_API_METRICS_H_
#define CONSILIUM_API_METRICS_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace consilium::api {

// Seconds: 1 ms to 10 s, for request and append latencies.
extern const std::vector<double> kLatencyBuckets;

class MetricsRegistry;

// One metric family: a name, its help, its label names, and one series per
// combination of label values. Values are given in label-name order; a call
// with the wrong number of values is a programmer error (assert).
class MetricFamily {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  // Counters: adds `by` (>= 0). Gauges: adds `by` (any sign).
  void Add(const std::vector<std::string>& labels, double by = 1);
  // Gauges only.
  void Set(const std::vector<std::string>& labels, double value);
  // Histograms only.
  void Observe(const std::vector<std::string>& labels, double value);

 private:
  friend class MetricsRegistry;
  struct Series {
    double value = 0;              // counter, gauge; histogram sum
    std::vector<uint64_t> counts;  // histogram: per bucket, not cumulative
    uint64_t count = 0;            // histogram
  };
  MetricFamily(std::mutex* mu, Type type, std::string name, std::string help,
               std::vector<std::string> label_names,
               std::vector<double> bounds);
  Series& At(const std::vector<std::string>& labels);
  void Render(std::string& out) const;

  std::mutex* mu_;  // the registry's
  Type type_;
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;  // histogram upper bounds, ascending
  std::map<std::vector<std::string>, Series> series_;
  std::function<double()> read_;  // gauge callbacks
};

using Counter = MetricFamily;
using Gauge = MetricFamily;
using Histogram = MetricFamily;

class MetricsRegistry {
 public:
  // `name` must be a valid Prometheus metric name not yet registered, label
  // names valid label names (programmer errors: assert).
  Counter* AddCounter(std::string name, std::string help,
                      std::vector<std::string> label_names);
  Gauge* AddGauge(std::string name, std::string help,
                  std::vector<std::string> label_names);
  Histogram* AddHistogram(std::string name, std::string help,
                          std::vector<std::string> label_names,
                          std::vector<double> bounds);
  // A label-less gauge whose value is read by `read` at each Render; `read`
  // runs under the registry's lock and must not call into the registry.
  void AddGaugeCallback(std::string name, std::string help,
                        std::function<double()> read);

  // Every family in registration order, each series in label order.
  std::string Render() const;

 private:
  MetricFamily* AddFamily(MetricFamily::Type type, std::string name,
                          std::string help, std::vector<std::string> labels,
                          std::vector<double> bounds);
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<MetricFamily>> families_;
};

}  // namespace consilium::api

#endif  // CONSILIUM_API_METRICS_H_
