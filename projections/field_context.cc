#include "projections/field_context.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <tuple>

#include "projections/internal/human_cells.h"
#include "statistics/dawid_skene.h"

namespace consilium::projections {
namespace {

using internal::Cell;
using internal::TableLabel;
using Rated = FieldSnapshot::Rated;
using Ratings = std::vector<std::pair<std::string, std::string>>;

// A computation not finished after this long is presumed abandoned.
constexpr int64_t kLostAfterUs = 30'000'000;

// Dawid–Skene as DawidSkeneSoftLabels runs it (projections/analytics.cc),
// over `rated` in annotation-id order (the order that function reads them,
// so the fit is bit for bit the same).
void FitDawidSkene(const std::vector<Rated>& rated, const std::string& path,
                   VersionContext& v) {
  std::vector<Cell> cells;
  cells.reserve(rated.size());
  for (const Rated& r : rated) {
    if (!internal::Categorical(r.value.kind)) {
      v.soft_label_undefined_reason =
          "Dawid-Skene needs a categorical or ordinal field; \"" + path +
          "\" is not";
      return;
    }
    cells.push_back({nullptr, &r.value, r.record, r.annotator});
  }
  StatusOr<statistics::RatingTable> t =
      internal::BuildTable(cells, statistics::Level::kNominal);
  if (!t.ok()) {
    v.soft_label_undefined_reason = t.status().message();
    return;
  }
  statistics::DawidSkeneOptions options;
  options.max_iterations = 50;
  StatusOr<statistics::DawidSkeneResult> ds =
      statistics::DawidSkene(*t, options);
  if (!ds.ok()) {
    v.soft_label_undefined_reason = ds.status().message();
    return;
  }
  for (int32_t c = 0; c < t->num_categories(); ++c) {
    v.classes.push_back(t->category_label(c));
    v.class_index.emplace(t->category_label(c), c);
  }
  for (int32_t r = 0; r < t->num_raters(); ++r)
    v.rater_index.emplace(t->rater_name(r), r);
  v.priors = ds->priors;
  v.confusions = ds->confusions;
  for (int32_t i = 0; i < t->num_items(); ++i) {
    const auto begin = ds->posteriors.begin() + i * ds->num_classes;
    v.records[t->item_id(i)].posterior.assign(begin, begin + ds->num_classes);
  }
  for (const Rated& r : rated) {
    v.records[r.record].ratings.emplace_back(r.annotator, TableLabel(r.value));
  }
  for (auto& [record, fit] : v.records)
    std::sort(fit.ratings.begin(), fit.ratings.end());
}

// The field's agreement at one version, as ComputeFieldAgreement computes it:
// its cells in (record, annotator) order, ties in annotation-id order
// (internal::HumanCells).
FieldAgreement Agreement(const SchemaVersionKey& version,
                         const std::string& path,
                         const std::vector<Rated>& rated) {
  std::vector<Cell> cells;
  cells.reserve(rated.size());
  for (const Rated& r : rated)
    cells.push_back({nullptr, &r.value, r.record, r.annotator});
  std::stable_sort(cells.begin(), cells.end(),
                   [](const Cell& x, const Cell& y) {
                     return std::tie(x.record, x.annotator) <
                            std::tie(y.record, y.annotator);
                   });
  return internal::AgreementOfCells(
      internal::FieldKey(version.first, version.second, path), cells);
}

// The posterior of one item with `ratings` under the fit's parameters (the
// E-step of docs/statistics.md), in log space; nullopt when a rating names
// an annotator or class the fit has not seen, or no class is possible.
std::optional<std::vector<double>> Posterior(const VersionContext& v,
                                             const Ratings& ratings) {
  const size_t k = v.classes.size();
  std::vector<double> log_p(k);
  for (size_t c = 0; c < k; ++c) log_p[c] = std::log(v.priors[c]);
  for (const auto& [annotator, label] : ratings) {
    auto r = v.rater_index.find(annotator);
    auto l = v.class_index.find(label);
    if (r == v.rater_index.end() || l == v.class_index.end())
      return std::nullopt;
    for (size_t c = 0; c < k; ++c) {
      log_p[c] +=
          std::log(v.confusions[(static_cast<size_t>(r->second) * k + c) * k +
                                static_cast<size_t>(l->second)]);
    }
  }
  const double top = *std::max_element(log_p.begin(), log_p.end());
  if (!std::isfinite(top)) return std::nullopt;
  double sum = 0;
  for (double& x : log_p) sum += (x = std::exp(x - top));
  for (double& x : log_p) x /= sum;
  return log_p;
}

}  // namespace

const VersionContext* FieldContext::Find(std::string_view schema_id,
                                         uint32_t schema_version) const {
  for (const VersionContext& v : versions) {
    if (v.schema_id == schema_id && v.schema_version == schema_version)
      return &v;
  }
  return nullptr;
}

FieldSnapshot SnapshotField(const AnalyticsState& state, uint64_t seq,
                            std::string_view project, std::string_view path,
                            int64_t taken_us) {
  FieldSnapshot out;
  out.project = std::string(project);
  out.path = std::string(path);
  out.seq = seq;
  out.taken_us = taken_us;
  const uint32_t p = state.FindName(project);
  if (p == UINT32_MAX) return out;
  // In index order (no sort under the caller's lock); Compute sorts.
  const std::vector<AnnotationEntry>& all = state.annotations();
  for (uint32_t i = 0; i < all.size(); ++i) {
    const AnnotationEntry& a = all[i];
    if (a.project != p || a.by_model || a.withdrawn) continue;
    for (const schemas::ExtractedValue& v : state.values(a.current())) {
      if (v.path != path) continue;
      out.versions[{std::string(state.name(a.schema_id)), a.schema_version}]
          .push_back({std::string(state.annotation_id(i)),
                      std::string(state.name(a.record)),
                      std::string(state.name(a.annotator)), v});
    }
  }
  return out;
}

FieldContext ComputeFieldContext(FieldSnapshot snapshot) {
  FieldContext out;
  out.project = std::move(snapshot.project);
  out.path = std::move(snapshot.path);
  out.as_of_seq = snapshot.seq;
  out.taken_us = snapshot.taken_us;
  for (auto& [version, rated] : snapshot.versions) {
    std::sort(rated.begin(), rated.end(), [](const Rated& x, const Rated& y) {
      return x.annotation_id < y.annotation_id;
    });
    VersionContext& v = out.versions.emplace_back();
    v.schema_id = version.first;
    v.schema_version = version.second;
    v.agreement = Agreement(version, out.path, rated);
    FitDawidSkene(rated, out.path, v);
  }
  return out;
}

ItemRatings ItemFieldRatings(const AnalyticsState& state,
                             std::string_view project, std::string_view record,
                             std::string_view path) {
  ItemRatings out;
  const uint32_t p = state.FindName(project);
  if (p == UINT32_MAX) return out;
  for (uint32_t i : state.AnnotationsOnRecord(record)) {
    const AnnotationEntry& a = state.annotations()[i];
    if (a.project != p || a.by_model || a.withdrawn) continue;
    for (const schemas::ExtractedValue& v : state.values(a.current())) {
      if (v.path != path) continue;
      out[{std::string(state.name(a.schema_id)), a.schema_version}]
          .emplace_back(std::string(state.name(a.annotator)), TableLabel(v));
    }
  }
  for (auto& [version, ratings] : out)
    std::sort(ratings.begin(), ratings.end());
  return out;
}

ItemSoftLabel SoftLabelOf(const FieldContext& context,
                          const SchemaVersionKey& version,
                          std::string_view record, const Ratings& ratings) {
  ItemSoftLabel out;
  const VersionContext* v = context.Find(version.first, version.second);
  if (v == nullptr) {
    // DawidSkeneSoftLabels' refusal for a version no human rated.
    out.covered = ratings.empty();
    out.undefined_reason = "no human values at \"" + context.path + "\"";
    return out;
  }
  if (!v->soft_label_undefined_reason.empty()) {
    out.undefined_reason = v->soft_label_undefined_reason;
    return out;
  }
  if (ratings.empty()) {
    out.undefined_reason = "no human value on this record";
    return out;
  }
  std::optional<std::vector<double>> posterior;
  auto fit = v->records.find(record);
  if (fit != v->records.end() && fit->second.ratings == ratings) {
    posterior = fit->second.posterior;
  } else {
    posterior = Posterior(*v, ratings);
  }
  if (!posterior) {
    out.covered = false;
    return out;
  }
  for (size_t c = 0; c < v->classes.size(); ++c)
    out.label.emplace_back(v->classes[c], (*posterior)[c]);
  return out;
}

bool Covers(const FieldContext& context, std::string_view record,
            const ItemRatings& ratings) {
  for (const auto& [version, r] : ratings) {
    if (!SoftLabelOf(context, version, record, r).covered) return false;
  }
  return true;
}

// ---- FieldContextCache ------------------------------------------------------

FieldContextCache::FieldContextCache(const Clock* clock)
    : FieldContextCache(clock, Options{}) {}

FieldContextCache::FieldContextCache(const Clock* clock, Options options)
    : clock_(clock), options_(options) {}

std::string FieldContextCache::Key(std::string_view project,
                                   std::string_view path) {
  std::string key(project);
  key.push_back('\0');  // neither a project id nor a path holds a NUL
  key.append(path);
  return key;
}

FieldContextCache::Lookup FieldContextCache::Find(
    const AnalyticsState& state, uint64_t seq, std::string_view project,
    std::string_view path, std::string_view record, const ItemRatings& item,
    bool may_wait) {
  const int64_t now = clock_->NowMicros();
  const int64_t max_age_us = options_.max_age_ms * 1000;
  const std::string key = Key(project, path);
  std::shared_ptr<const FieldContext> context;
  {
    std::lock_guard l(mu_);
    auto it = entries_.find(key);
    if (it != entries_.end()) context = it->second.context;
  }
  // Outside the cache's lock: O(item).
  const bool covers = context != nullptr && Covers(*context, record, item);
  {
    std::lock_guard l(mu_);
    Entry& e = entries_[key];
    // A computation running for longer than kLostAfterUs is presumed lost
    // (its caller never called Compute): another caller takes over.
    const bool computing =
        e.computing && now - e.computing_since_us <= kLostAfterUs;
    if (covers) {
      const int64_t age = now - context->taken_us;
      if (context->as_of_seq >= seq || age <= max_age_us) {
        return {.context = context, .snapshot = std::nullopt, .wait = false};
      }
      if (computing && age <= 2 * max_age_us) {
        return {.context = context, .snapshot = std::nullopt, .wait = false};
      }
    }
    if (computing && may_wait) {
      return {.context = nullptr, .snapshot = std::nullopt, .wait = true};
    }
    e.computing = true;
    e.computing_since_us = now;
  }
  Lookup out;
  out.snapshot = SnapshotField(state, seq, project, path, now);
  return out;
}

std::shared_ptr<const FieldContext> FieldContextCache::Compute(
    FieldSnapshot snapshot) {
  const std::string key = Key(snapshot.project, snapshot.path);
  auto context = std::make_shared<const FieldContext>(
      ComputeFieldContext(std::move(snapshot)));
  {
    std::lock_guard l(mu_);
    Entry& e = entries_[key];
    if (e.context == nullptr || e.context->as_of_seq <= context->as_of_seq)
      e.context = context;
    e.computing = false;
    ++computed_;
    EvictLocked();
  }
  done_cv_.notify_all();
  return context;
}

void FieldContextCache::Wait(std::string_view project, std::string_view path,
                             int64_t timeout_ms) {
  const std::string key = Key(project, path);
  std::unique_lock l(mu_);
  done_cv_.wait_for(l, std::chrono::milliseconds(timeout_ms), [&] {
    auto it = entries_.find(key);
    return it == entries_.end() || !it->second.computing;
  });
}

uint64_t FieldContextCache::computed() const {
  std::lock_guard l(mu_);
  return computed_;
}

void FieldContextCache::EvictLocked() {
  auto taken = [](const Entry& e) {
    return e.context ? e.context->taken_us
                     : std::numeric_limits<int64_t>::min();
  };
  while (entries_.size() > options_.max_entries) {
    auto oldest = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->second.computing) continue;
      if (oldest == entries_.end() || taken(it->second) < taken(oldest->second))
        oldest = it;
    }
    if (oldest == entries_.end()) return;
    entries_.erase(oldest);
  }
}

}  // namespace consilium::projections
