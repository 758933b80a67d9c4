#include "api/metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

#include "common/canonical_json.h"

namespace consilium::api {

const std::vector<double> kLatencyBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

namespace {

[[maybe_unused]] bool ValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Prometheus numbers: integers without a fraction, +Inf, shortest decimal.
void AppendValue(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (std::isnan(v)) {
    out += "NaN";
  } else {
    AppendJsonNumber(out, v);
  }
}

// Label values escape '\', '"' and newline (exposition format).
void AppendLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

// {a="x",b="y"} with an optional extra label (le), or nothing when empty.
void AppendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values,
                  std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return;
  out.push_back('{');
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += names[i] + "=\"";
    AppendLabelValue(out, values[i]);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out.push_back(',');
    out += std::string(extra_name) + "=\"" + std::string(extra_value) + "\"";
  }
  out.push_back('}');
}

}  // namespace

MetricFamily::MetricFamily(std::mutex* mu, Type type, std::string name,
                           std::string help,
                           std::vector<std::string> label_names,
                           std::vector<double> bounds)
    : mu_(mu),
      type_(type),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

MetricFamily::Series& MetricFamily::At(const std::vector<std::string>& labels) {
  assert(labels.size() == label_names_.size() && "one value per label name");
  Series& s = series_[labels];
  if (type_ == Type::kHistogram && s.counts.empty()) {
    s.counts.assign(bounds_.size(), 0);
  }
  return s;
}

void MetricFamily::Add(const std::vector<std::string>& labels, double by) {
  assert(type_ != Type::kHistogram);
  assert(type_ != Type::kCounter || by >= 0);
  std::lock_guard lock(*mu_);
  At(labels).value += by;
}

void MetricFamily::Set(const std::vector<std::string>& labels, double value) {
  assert(type_ == Type::kGauge);
  std::lock_guard lock(*mu_);
  At(labels).value = value;
}

void MetricFamily::Observe(const std::vector<std::string>& labels,
                           double value) {
  assert(type_ == Type::kHistogram);
  std::lock_guard lock(*mu_);
  Series& s = At(labels);
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  if (it != bounds_.end()) ++s.counts[it - bounds_.begin()];
  s.value += value;
  ++s.count;
}

void MetricFamily::Render(std::string& out) const {
  static constexpr const char* kTypeNames[] = {"counter", "gauge", "histogram"};
  out += "# HELP " + name_ + " ";
  for (char c : help_)
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  out += "\n# TYPE " + name_ + " " + kTypeNames[static_cast<int>(type_)] + "\n";
  if (read_) {
    out += name_ + " ";
    AppendValue(out, read_());
    out.push_back('\n');
    return;
  }
  for (const auto& [labels, s] : series_) {
    if (type_ != Type::kHistogram) {
      out += name_;
      AppendLabels(out, label_names_, labels);
      out.push_back(' ');
      AppendValue(out, s.value);
      out.push_back('\n');
      continue;
    }
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= bounds_.size(); ++b) {
      std::string le = "+Inf";
      if (b < bounds_.size()) {
        cumulative += s.counts[b];
        le.clear();
        AppendValue(le, bounds_[b]);
      } else {
        cumulative = s.count;
      }
      out += name_ + "_bucket";
      AppendLabels(out, label_names_, labels, "le", le);
      out += " " + std::to_string(cumulative) + "\n";
    }
    out += name_ + "_sum";
    AppendLabels(out, label_names_, labels);
    out.push_back(' ');
    AppendValue(out, s.value);
    out += "\n" + name_ + "_count";
    AppendLabels(out, label_names_, labels);
    out += " " + std::to_string(s.count) + "\n";
  }
}

MetricFamily* MetricsRegistry::AddFamily(MetricFamily::Type type,
                                         std::string name, std::string help,
                                         std::vector<std::string> labels,
                                         std::vector<double> bounds) {
  assert(ValidName(name, true) && "Prometheus metric name");
  for ([[maybe_unused]] const std::string& l : labels) {
    assert(ValidName(l, false) && l != "le" && "Prometheus label name");
  }
  assert(std::is_sorted(bounds.begin(), bounds.end()));
  std::lock_guard lock(mu_);
  for ([[maybe_unused]] const auto& f : families_) {
    assert(f->name_ != name && "metric registered twice");
  }
  families_.push_back(std::unique_ptr<MetricFamily>(
      new MetricFamily(&mu_, type, std::move(name), std::move(help),
                       std::move(labels), std::move(bounds))));
  MetricFamily* f = families_.back().get();
  // A family without labels has its one series from the start: a counter
  // nobody has incremented yet reads 0 rather than being absent.
  if (f->label_names_.empty()) f->At({});
  return f;
}

Counter* MetricsRegistry::AddCounter(std::string name, std::string help,
                                     std::vector<std::string> label_names) {
  return AddFamily(MetricFamily::Type::kCounter, std::move(name),
                   std::move(help), std::move(label_names), {});
}

Gauge* MetricsRegistry::AddGauge(std::string name, std::string help,
                                 std::vector<std::string> label_names) {
  return AddFamily(MetricFamily::Type::kGauge, std::move(name), std::move(help),
                   std::move(label_names), {});
}

Histogram* MetricsRegistry::AddHistogram(std::string name, std::string help,
                                         std::vector<std::string> label_names,
                                         std::vector<double> bounds) {
  return AddFamily(MetricFamily::Type::kHistogram, std::move(name),
                   std::move(help), std::move(label_names), std::move(bounds));
}

void MetricsRegistry::AddGaugeCallback(std::string name, std::string help,
                                       std::function<double()> read) {
  MetricFamily* f = AddFamily(MetricFamily::Type::kGauge, std::move(name),
                              std::move(help), {}, {});
  std::lock_guard lock(mu_);
  f->read_ = std::move(read);
}

std::string MetricsRegistry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& f : families_) f->Render(out);
  return out;
}

}  // namespace consilium::api
