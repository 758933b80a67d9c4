#include "projections/report_figures.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <utility>

#include "projections/internal/human_cells.h"

namespace consilium::projections {
namespace {

using internal::AgreementOfCells;
using internal::Cell;
using internal::FieldKey;
using internal::HumanCells;

constexpr int32_t kMaxReplicates = 100000;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The generator's seed for one field of one group: the report's seed mixed
// with the FNV-1a hash of "batch␟schema␟version␟path", so a field's interval
// does not depend on which other fields or groups the report holds.
uint64_t FieldSeed(uint64_t seed, std::string_view batch, const FieldKey& key) {
  const std::string name = std::string(batch) + '\x1f' + std::get<0>(key) +
                           '\x1f' + std::to_string(std::get<1>(key)) + '\x1f' +
                           std::get<2>(key);
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return SplitMix64(seed ^ h);
}

ConfidenceInterval UndefinedInterval(int32_t replicates, std::string reason) {
  ConfidenceInterval ci;
  ci.replicates = replicates;
  ci.undefined_reason = std::move(reason);
  return ci;
}

// Resamples the items (records) of one field's cells with replacement; each
// drawn item enters under a name of its own, so an item drawn twice counts
// twice, as the bootstrap requires.
ConfidenceInterval Bootstrap(const FieldKey& key,
                             const std::vector<Cell>& cells,
                             std::string_view batch,
                             const FieldAgreement& observed,
                             const ReportOptions& options) {
  if (!observed.primary.value) {
    return UndefinedInterval(0,
                             "the statistic is undefined on the observed "
                             "items, so it has no interval");
  }
  // Cells come in (record, annotator) order: one range per record.
  std::vector<std::pair<size_t, size_t>> items;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i == 0 || cells[i].record != cells[i - 1].record)
      items.emplace_back(i, i);
    items.back().second = i + 1;
  }
  const size_t n = items.size();
  std::vector<std::string> names(n);
  for (size_t k = 0; k < n; ++k)
    names[k] = "bootstrap-item-" + std::to_string(k);
  std::mt19937_64 rng(FieldSeed(options.seed, batch, key));
  std::vector<Cell> sample;
  std::vector<double> values;
  for (int32_t b = 0; b < options.replicates; ++b) {
    sample.clear();
    for (size_t k = 0; k < n; ++k) {
      const auto [begin, end] = items[rng() % n];
      for (size_t c = begin; c < end; ++c) {
        sample.push_back(cells[c]);
        sample.back().record = names[k];
      }
    }
    const FieldAgreement f = AgreementOfCells(key, sample);
    if (f.primary.value && std::isfinite(*f.primary.value))
      values.push_back(*f.primary.value);
  }
  return PercentileInterval(std::move(values), options.replicates);
}

StatusOr<AgreementGroup> GroupOf(const AnalyticsState& state,
                                 std::string_view project,
                                 const std::string& batch,
                                 const ReportOptions& options) {
  AgreementGroup g;
  g.batch = batch;
  ASSIGN_OR_RETURN(
      g.fields, ComputeFieldAgreement(
                    state, {.project = std::string(project), .batch = batch}));
  std::set<std::string, std::less<>> records;
  if (!batch.empty()) {
    const auto& list = state.batches().at({std::string(project), batch});
    records.insert(list.begin(), list.end());
  }
  const auto cells =
      HumanCells(state, project, batch.empty() ? nullptr : &records);
  for (const FieldAgreement& f : g.fields) {
    const FieldKey key{f.schema_id, f.schema_version, f.path};
    g.cis.push_back(Bootstrap(key, cells.at(key), batch, f, options));
  }
  const CalibrationLoopReport loop = RankFields(g.fields, options.threshold);
  g.descriptive = loop.descriptive;
  g.interpretive = loop.interpretive;
  return g;
}

// The field stated confidence is about (the calibration's target), else the
// first nominal or ordinal field; empty when there is neither.
std::string DecisionPath(const ReportFigures& r) {
  for (const AnnotatorCalibration& a : r.annotators) {
    if (!a.confidence.target_path.empty()) return a.confidence.target_path;
  }
  for (const FieldAgreement& f : r.groups.front().fields) {
    if (f.metric == schemas::Metric::kNominal ||
        f.metric == schemas::Metric::kOrdinal)
      return f.path;
  }
  return "";
}

KappaMatrix KappaOf(const FieldAgreement& f) {
  KappaMatrix m{f.schema_id, f.schema_version, f.path, f.rater_names, {}, {}};
  const size_t n = m.raters.size();
  m.kappa.assign(n * n, std::nullopt);
  m.items.assign(n * n, 0);
  for (size_t i = 0; i < n; ++i) m.kappa[i * n + i] = 1.0;
  for (const statistics::PairKappa& p : f.report->cohen) {
    const size_t a = static_cast<size_t>(p.rater_a);
    const size_t b = static_cast<size_t>(p.rater_b);
    m.kappa[a * n + b] = m.kappa[b * n + a] = p.unweighted.value;
    m.items[a * n + b] = m.items[b * n + a] = p.unweighted.items;
  }
  return m;
}

EntropyHistogram EntropyOf(const AnalyticsState& state,
                           std::string_view project, const std::string& path) {
  EntropyHistogram h;
  h.path = path;
  std::set<std::string, std::less<>> records;
  for (const auto& [key, cells] : HumanCells(state, project, nullptr)) {
    if (std::get<2>(key) != path) continue;
    for (const Cell& c : cells) records.emplace(c.record);
  }
  for (const std::string& record : records) {
    StatusOr<RecordDistribution> d = LabelDistribution(state, record, false);
    if (!d.ok()) continue;  // every record here has values: not expected
    for (const FieldDistribution& f : d->fields) {
      if (f.path != path || f.human.values.empty()) continue;
      const auto& v = f.human.normalized_entropy.value;
      if (!v) {
        ++h.undefined;
        continue;
      }
      const double x = std::clamp(*v, 0.0, 1.0);
      ++h.counts[std::min<size_t>(9, static_cast<size_t>(x * 10))];
      ++h.items;
    }
  }
  return h;
}

}  // namespace

ConfidenceInterval PercentileInterval(std::vector<double> defined,
                                      int32_t replicates) {
  if (defined.empty()) {
    return UndefinedInterval(replicates,
                             "the statistic was undefined in every replicate");
  }
  std::sort(defined.begin(), defined.end());
  const auto quantile = [&](double q) {
    const double h = q * static_cast<double>(defined.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(h));
    const size_t hi = std::min(lo + 1, defined.size() - 1);
    return defined[lo] +
           (h - static_cast<double>(lo)) * (defined[hi] - defined[lo]);
  };
  ConfidenceInterval ci;
  ci.replicates = replicates;
  ci.defined = static_cast<int32_t>(defined.size());
  ci.lower = quantile(0.025);
  ci.upper = quantile(0.975);
  return ci;
}

StatusOr<ReportFigures> ComputeReportFigures(
    const AnalyticsState& state, std::string_view project,
    const ReportOptions& options, const AdjudicationOutcomes* outcomes) {
  if (options.replicates < 1 || options.replicates > kMaxReplicates) {
    return InvalidArgumentError("replicates must be between 1 and " +
                                std::to_string(kMaxReplicates) + ", got " +
                                std::to_string(options.replicates));
  }
  if (!std::isfinite(options.threshold)) {
    return InvalidArgumentError("the agreement threshold must be finite");
  }
  ReportFigures r;
  r.project = std::string(project);
  r.as_of_seq = state.last_seq();
  r.options = options;
  r.options.progress = nullptr;  // the caller's, not part of the figures
  size_t groups = 1;
  for (const auto& [key, records] : state.batches())
    groups += key.first == project ? 1 : 0;
  ASSIGN_OR_RETURN(AgreementGroup all, GroupOf(state, project, "", options));
  r.groups.push_back(std::move(all));
  if (options.progress) options.progress(1, groups);
  for (const auto& [key, records] : state.batches()) {
    if (key.first != project) continue;
    ASSIGN_OR_RETURN(AgreementGroup g,
                     GroupOf(state, project, key.second, options));
    r.groups.push_back(std::move(g));
    if (options.progress) options.progress(r.groups.size(), groups);
  }
  ASSIGN_OR_RETURN(r.annotators,
                   CalibrateAnnotators(state, project, "", outcomes));
  r.decision_path = DecisionPath(r);
  for (const FieldAgreement& f : r.groups.front().fields) {
    if (f.path == r.decision_path && f.report) r.kappa.push_back(KappaOf(f));
  }
  if (!r.decision_path.empty())
    r.entropy = EntropyOf(state, project, r.decision_path);
  for (const auto& [key, d] : state.decisions()) {
    if (d.project == project) ++r.decisions_recorded;
  }
  r.queue_unavailable_reason = "the adjudication queue was not read";
  return r;
}

}  // namespace consilium::projections
