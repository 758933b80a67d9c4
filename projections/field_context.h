// A field's project-level context, the part of an adjudicator's view that
// depends on the whole project rather than on the item (issue 17; docs/
// websocket.md, "What a claim costs"): the field's agreement per schema
// version, and the Dawid–Skene fit (class priors and per-annotator confusion
// matrices) that gives the item its soft label. Computing it is a pass over
// every current human value of the field in the project (O(project)); the
// item's own part of a view is O(item). FieldContextCache keeps one context
// per (project, field) and reuses it for a bounded time, so a claim's cost
// does not grow with the project, and the expensive part runs outside the
// projection engine's lock.
//
// The three steps: SnapshotField copies what the context needs out of the
// state (under ProjectionEngine::Read: a linear copy, no sorting, no
// statistics), ComputeFieldContext computes it (anywhere, no lock), and
// SoftLabelOf gives one item's soft label from a context and the item's own
// current ratings (ItemFieldRatings, under the lock, O(item)).
//
// Thread-safety: the free functions are pure (the state read only);
// FieldContext is immutable once computed and shared read-only;
// FieldContextCache is thread-safe.
//
//   FieldContextCache::Lookup l;
//   engine.Read([&](const AnalyticsState& s, uint64_t seq) {
//     ItemRatings mine = ItemFieldRatings(s, "icu", "rec-1", "severity");
//     l = cache.Find(s, seq, "icu", "severity", "rec-1", mine);
//   });
//   // (l.wait: cache.Wait("icu", "severity", ms), then Find again.)
//   std::shared_ptr<const FieldContext> ctx =
//       l.context ? l.context : cache.Compute(std::move(*l.snapshot));
#ifndef CONSILIUM_PROJECTIONS_FIELD_CONTEXT_H_
#define CONSILIUM_PROJECTIONS_FIELD_CONTEXT_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "projections/analytics.h"
#include "projections/analytics_state.h"

namespace consilium::projections {

// (schema id, schema version): a field's values group by version.
using SchemaVersionKey = std::pair<std::string, uint32_t>;

// One item's current human ratings at a field, per schema version:
// (annotator, rating-table label) pairs, sorted. Empty versions are absent.
using ItemRatings = std::map<SchemaVersionKey,
                             std::vector<std::pair<std::string, std::string>>>;

// An owned copy of every current human value of (project, path) at `seq`.
struct FieldSnapshot {
  struct Rated {
    std::string annotation_id;
    std::string record;
    std::string annotator;
    schemas::ExtractedValue value;
  };
  std::string project;
  std::string path;
  uint64_t seq = 0;
  int64_t taken_us = 0;  // when it was copied (the cache's clock)
  std::map<SchemaVersionKey, std::vector<Rated>> versions;
};

// The context of one schema version of the field.
struct VersionContext {
  std::string schema_id;
  uint32_t schema_version = 0;
  // ComputeFieldAgreement's figure for this (schema, version, path).
  FieldAgreement agreement;
  // Dawid–Skene as DawidSkeneSoftLabels runs it (nominal table, 50
  // iterations); when it is undefined, why (and nothing below).
  std::string soft_label_undefined_reason;
  std::vector<std::string> classes;  // the table's category labels
  std::map<std::string, int32_t, std::less<>> rater_index;
  std::map<std::string, int32_t, std::less<>> class_index;
  std::vector<double> priors;      // classes
  std::vector<double> confusions;  // raters × classes (true) × classes
  // Each rated record: the ratings the fit saw and its posterior then.
  struct Fit {
    std::vector<std::pair<std::string, std::string>> ratings;  // sorted
    std::vector<double> posterior;                             // classes
  };
  std::map<std::string, Fit, std::less<>> records;
};

struct FieldContext {
  std::string project;
  std::string path;
  uint64_t as_of_seq = 0;  // the read side's position it reflects
  int64_t taken_us = 0;
  std::vector<VersionContext> versions;  // by (schema id, version)

  const VersionContext* Find(std::string_view schema_id,
                             uint32_t schema_version) const;
};

// Copies the field's current human values (linear in the state's
// annotations; call it under the engine's lock). An unknown project or a
// path no value has gives no versions.
FieldSnapshot SnapshotField(const AnalyticsState& state, uint64_t seq,
                            std::string_view project, std::string_view path,
                            int64_t taken_us);

// Agreement and Dawid–Skene per version (no lock needed).
FieldContext ComputeFieldContext(FieldSnapshot snapshot);

// `record`'s current human ratings at `path` (O(the record's annotations)).
ItemRatings ItemFieldRatings(const AnalyticsState& state,
                             std::string_view project, std::string_view record,
                             std::string_view path);

struct ItemSoftLabel {
  // False when the context cannot speak for these ratings: an annotator or
  // a category it has not seen, or a version it does not have. Compute a
  // context at the item's position then.
  bool covered = true;
  std::vector<std::pair<std::string, double>> label;  // (class, p)
  std::string undefined_reason;                       // when label is empty
};

// The record's soft label at one version given its current `ratings`: the
// fit's posterior when the ratings are the ones the fit saw (then exactly
// DawidSkeneSoftLabels' at the context's position), else the posterior
// under the fit's priors and confusions (one E-step on these ratings).
ItemSoftLabel SoftLabelOf(
    const FieldContext& context, const SchemaVersionKey& version,
    std::string_view record,
    const std::vector<std::pair<std::string, std::string>>& ratings);

// True when SoftLabelOf covers every version of `ratings`.
bool Covers(const FieldContext& context, std::string_view record,
            const ItemRatings& ratings);

// One context per (project, path), reused while it is fresh enough
// (docs/websocket.md, "What a claim costs"):
//   * a context at the caller's position is always used;
//   * an older one is used for max_age_ms after it was taken, provided it
//     covers the item (Covers); after that the first caller refreshes it (a
//     snapshot at its own position) while the others go on with the old one
//     for at most max_age_ms more; then they wait for the new one;
//   * a missing or non-covering context is computed at the caller's
//     position; callers meanwhile wait for it (one computation, not one per
//     caller) and look again.
// So a view's project-level figures lag its item by at most max_age_ms plus
// one computation, and say at which position they were taken.
class FieldContextCache {
 public:
  struct Options {
    int64_t max_age_ms = 1000;
    size_t max_entries = 1024;  // (project, path) pairs; oldest dropped
  };
  // `clock` is not owned and must outlive the cache.
  explicit FieldContextCache(const Clock* clock);
  FieldContextCache(const Clock* clock, Options options);

  // What Find says to do: use `context`; or compute `snapshot` (outside the
  // engine's lock) with Compute, which every Find must be followed by when
  // it gave a snapshot; or wait (outside the lock) with Wait, then Find
  // again.
  struct Lookup {
    std::shared_ptr<const FieldContext> context;
    std::optional<FieldSnapshot> snapshot;
    bool wait = false;
  };

  // Call under the engine's lock, with the state at `seq` and the item's
  // ratings from the same state. `may_wait` false never answers wait.
  Lookup Find(const AnalyticsState& state, uint64_t seq,
              std::string_view project, std::string_view path,
              std::string_view record, const ItemRatings& item,
              bool may_wait = true);
  // Computes and stores the snapshot's context (unless a newer one is
  // there) and returns it.
  std::shared_ptr<const FieldContext> Compute(FieldSnapshot snapshot);
  // Blocks until no computation of (project, path) is running (at most
  // `timeout_ms`).
  void Wait(std::string_view project, std::string_view path,
            int64_t timeout_ms);

  // Contexts computed so far (tests, metrics).
  uint64_t computed() const;
  const Options& options() const { return options_; }

 private:
  struct Entry {
    std::shared_ptr<const FieldContext> context;
    bool computing = false;
    int64_t computing_since_us = 0;
  };
  static std::string Key(std::string_view project, std::string_view path);
  void EvictLocked();

  const Clock* clock_;
  Options options_;
  mutable std::mutex mu_;
  std::condition_variable done_cv_;
  std::map<std::string, Entry, std::less<>> entries_;
  uint64_t computed_ = 0;
};

}  // namespace consilium::projections

#endif  // CONSILIUM_PROJECTIONS_FIELD_CONTEXT_H_
