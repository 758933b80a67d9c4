// AnalyticsState: the in-memory state the analytics queries
// (projections/analytics.h) read, built by applying committed events in
// sequence order. ProjectionEngine (projections/engine.h) keeps one up to
// date from a ledger and checkpoints it (projections/internal/state_codec.h).
//
// What the state holds (docs/statistics.md, "Ledger-backed analytics"):
// principals (person or model, pseudonym), task-schema versions, records
// (project, the RecordImported sequence number, the record's shape for
// validation), calibration batches, every annotation with each revision's
// comparable values (schemas::ExtractAnnotationValues, extracted once when
// the revision is applied), gold answers and adjudication decisions. Not the
// access events: a server records one per read, so a list of them in memory
// would grow without bound; audit reads take them from the ledger's indexes
// (projections/access_history.h).
//
// Apply asks domain::Decide (domain/replay.h), the same rules DomainState
// applies (docs/commands.md, "Replay"): the first definition of an id wins,
// revisions and withdrawals must name the current revision, events about
// unknown annotations are ignored; it keeps what analytics needs of each
// accepted effect (a handler per effect in analytics_state.cc). It is
// deterministic and total, so a state rebuilt from event 1 always equals
// one kept incrementally, and equals one resumed from a checkpoint
// (tests/projections/engine_test.cc checks all three as properties).
// Revisions whose values do not validate against their schema version (only
// a raw `consilium append` can commit one) are kept with no values.
//
// Memory (docs/statistics.md, "Ledger-backed analytics"): strings are
// interned (names(), annotation ids), annotations are a vector of compact
// entries, extracted values are stored once per distinct value and referred
// to by number, and records share their validation shapes; about 130 bytes
// per annotation event at 10M.
//
// Thread-safety: AnalyticsState is a value with no internal locking.
//
//   AnalyticsState s;
//   ledger.Scan(1, 0, [&](const StoredEvent& e) { s.Apply(e); return true; });
//   Use(s.annotations());
#ifndef CONSILIUM_PROJECTIONS_ANALYTICS_STATE_H_
#define CONSILIUM_PROJECTIONS_ANALYTICS_STATE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "ledger/ledger.h"
#include "projections/internal/string_pool.h"
#include "projections/value_keys.h"
#include "schemas/annotation_validator.h"
#include "schemas/event.h"
#include "schemas/sealed_content.h"
#include "schemas/task_schema.h"

namespace consilium::projections {
namespace internal {
class StateCodec;
}  // namespace internal

struct PrincipalInfo {
  bool model = false;
  std::string pseudonym;
};

struct SchemaVersionInfo {
  std::shared_ptr<const schemas::TaskSchema> schema;
  // The descriptive view model annotations are validated against; may be
  // null (domain.h, DescriptiveView).
  std::shared_ptr<const schemas::TaskSchema> descriptive;
  std::string definition;
  uint64_t seq = 0;
};

// A record, keyed by its name in AnalyticsState::names().
struct RecordInfo {
  bool known = false;  // imported (RecordImported applied)
  bool sealed = false;
  uint32_t project = 0;  // a name
  uint64_t seq = 0;      // the RecordImported event
  // The record's shape for validation, an index into the state's table of
  // distinct shapes (0: none: sealed, not a record document, or not yet
  // loaded after a resume, when it is loaded from the ledger by `seq`).
  uint32_t shape = 0;
  // Annotations on the record in submission order: a list threaded through
  // AnnotationEntry::next_on_record.
  uint32_t first_annotation = UINT32_MAX;
  uint32_t last_annotation = UINT32_MAX;
};

// One revision of an annotation; its comparable values are
// AnalyticsState::values(revision).
struct RevisionValues {
  uint32_t revision = 0;
  // False when the values did not validate against the schema version (or
  // the version is unknown): then there are no values.
  bool extracted = false;
  uint64_t seq = 0;
  int64_t timestamp_us = 0;
  uint32_t values_begin = 0;  // into the state's value references
  uint32_t values_count = 0;
};

// An annotation, compact: strings are numbers of AnalyticsState::names()
// (the id: AnalyticsState::annotation_id(index)); earlier revisions are
// AnalyticsState::revisions(entry).
struct AnnotationEntry {
  uint32_t project = 0;
  uint32_t record = 0;
  uint32_t annotator = 0;
  uint32_t schema_id = 0;
  uint32_t schema_version = 0;
  uint32_t next_on_record = UINT32_MAX;  // the next annotation on the record
  uint32_t prior = UINT32_MAX;  // the previous revision (state internal)
  bool by_model = false;
  bool withdrawn = false;
  uint64_t withdrawn_seq = 0;
  RevisionValues latest;

  const RevisionValues& current() const { return latest; }
};

struct GoldAnswer {
  std::string project;
  std::string record;
  std::string schema_id;
  uint32_t schema_version = 0;
  uint64_t seq = 0;
  bool extracted = false;
  std::vector<schemas::ExtractedValue> values;
};

struct AdjudicationDecision {
  std::string project;
  std::string record;
  std::string field_path;  // concrete values path
  fb::AdjudicationOutcome outcome = fb::AdjudicationOutcome::Unspecified;
  std::string value_json;  // canonical JSON; empty when ambiguous
  // The comparison key of the decided value (ValueKeyOfJson); empty when
  // ambiguous or when the JSON has no key (an object).
  std::string value_key;
  std::string rationale;
  std::vector<std::string> cited_annotation_ids;
  std::string adjudicator;
  uint64_t seq = 0;
  int64_t timestamp_us = 0;
};

class AnalyticsState {
 public:
  AnalyticsState() = default;

  // Encryption at rest: the keys a sealed record's content is opened with,
  // only to learn its shape (text length, image sizes) for extracting
  // anchored values. Without them a sealed record has no shape. Not part of
  // the state (not serialized, not compared).
  void set_content_keys(ContentKeys keys) { content_keys_ = keys; }

  // Applies one committed event; events must come in ascending sequence
  // order and one at or below last_seq() is ignored. Never fails. `ledger`
  // (may be null) is read only to load the shape of a record imported
  // before a checkpoint this state was resumed from.
  void Apply(const StoredEvent& event, const Ledger* ledger = nullptr);
  void Apply(uint64_t seq, int64_t timestamp_us, const fb::Event& event,
             const Ledger* ledger);

  // A capacity hint before applying up to `events` events: room for that
  // many annotations is reserved at once instead of grown by doubling, which
  // would copy the largest tables and hold old and new copies together at
  // the peak. Capacity never written costs address space, not memory.
  void Reserve(uint64_t events);

  uint64_t last_seq() const { return last_seq_; }
  int64_t last_timestamp_us() const { return last_timestamp_us_; }

  // The state's checkpoint bytes: a compact JSON document ("format": 1; its
  // layout heads projections/internal/state_codec.cc), deterministic (maps
  // sorted). Record shapes are not included (they hold record content);
  // they are reloaded from the ledger when needed.
  std::string Serialize() const;
  // Inverse of Serialize. DataLoss naming the path of the first error when
  // the bytes are not a state this build wrote (malformed JSON, a missing
  // key, a value of the wrong type, an unknown format).
  static StatusOr<AnalyticsState> Deserialize(std::string_view bytes);

  const std::map<std::string, PrincipalInfo, std::less<>>& principals() const {
    return principals_;
  }
  const std::map<std::pair<std::string, uint32_t>, SchemaVersionInfo>& schemas()
      const {
    return schemas_;
  }
  const SchemaVersionInfo* FindSchema(std::string_view id,
                                      uint32_t version) const;
  // Interned strings: project, record, principal and schema ids, value paths
  // and categories; AnnotationEntry and RecordInfo refer to them by number.
  std::string_view name(uint32_t id) const { return names_.Get(id); }
  // The number of `s` among names(), or UINT32_MAX when absent.
  uint32_t FindName(std::string_view s) const { return names_.Find(s); }

  // The imported record `id`, or nullptr.
  const RecordInfo* FindRecord(std::string_view id) const;
  // True when a record or an annotation belongs to `project`.
  bool HasProject(std::string_view project) const;
  // The ids of the records imported into `project`, sorted by their bytes
  // (the snapshot export's order, dataset/snapshot.h). Views into the
  // state's names: valid while the state lives and is not changed.
  std::vector<std::string_view> RecordsOfProject(
      std::string_view project) const;
  // (project, batch) -> record ids, in the batch's order.
  const std::map<std::pair<std::string, std::string>, std::vector<std::string>>&
  batches() const {
    return batches_;
  }
  // Every annotation, in the order its AnnotationSubmitted was applied (a
  // state resumed from a checkpoint: by record, then submission order); an
  // annotation's index here is its number for annotation_id and the lists
  // below.
  const std::vector<AnnotationEntry>& annotations() const {
    return annotations_;
  }
  std::string_view annotation_id(uint32_t index) const {
    return annotation_ids_.Get(index);
  }
  // The annotation `id` (its index in *index when not null), or nullptr.
  const AnnotationEntry* FindAnnotation(std::string_view id,
                                        uint32_t* index = nullptr) const;
  // Indices of every annotation, sorted by annotation id.
  std::vector<uint32_t> AnnotationsById() const;
  // Indices of the annotations on `record` in submission order.
  std::vector<uint32_t> AnnotationsOnRecord(std::string_view record) const;
  // Every revision of `a`, revision 1 first.
  std::vector<RevisionValues> revisions(const AnnotationEntry& a) const;

  // The comparable values of a revision, in document order.
  class ValueRange {
   public:
    class Iterator {
     public:
      Iterator(const AnalyticsState* s, const uint32_t* p) : s_(s), p_(p) {}
      const schemas::ExtractedValue& operator*() const {
        return s_->values_[*p_];
      }
      Iterator& operator++() {
        ++p_;
        return *this;
      }
      bool operator!=(const Iterator& o) const { return p_ != o.p_; }

     private:
      const AnalyticsState* s_;
      const uint32_t* p_;
    };
    Iterator begin() const { return {s_, begin_}; }
    Iterator end() const { return {s_, end_}; }
    size_t size() const { return static_cast<size_t>(end_ - begin_); }

   private:
    friend class AnalyticsState;
    ValueRange(const AnalyticsState* s, const uint32_t* b, const uint32_t* e)
        : s_(s), begin_(b), end_(e) {}
    const AnalyticsState* s_;
    const uint32_t* begin_;
    const uint32_t* end_;
  };
  ValueRange values(const RevisionValues& r) const {
    const uint32_t* b = value_refs_.data() + r.values_begin;
    return ValueRange(this, b, b + r.values_count);
  }

  // (record, "schema@version") -> the latest gold answer.
  const std::map<std::pair<std::string, std::string>, GoldAnswer>& gold()
      const {
    return gold_;
  }
  // (record, field path) -> the latest decision.
  const std::map<std::pair<std::string, std::string>, AdjudicationDecision>&
  decisions() const {
    return decisions_;
  }

  friend bool operator==(const AnalyticsState& a, const AnalyticsState& b) {
    return a.Serialize() == b.Serialize();
  }

 private:
  friend class internal::StateCodec;  // the checkpoint's codec
  // Answers Decide's questions and keeps its effects (domain/replay.h).
  struct Replayer;

  const schemas::RecordShape* ShapeOf(uint32_t record, const Ledger* ledger);
  uint32_t InternShape(const fb::RecordImported& b);
  RecordInfo& Record(uint32_t name);
  // names_.Intern(s), skipping the lookup when `s` is the name last seen in
  // `slot` (projects, annotators and schemas repeat from event to event).
  uint32_t RecentName(std::string_view s, size_t slot);
  // Validates `values` against the schema version and appends its values to
  // value_refs_; returns (extracted, first reference, count).
  RevisionValues Extract(uint32_t record, std::string_view schema_id,
                         uint32_t version, bool by_model, std::string_view id,
                         std::string_view values, const Ledger* ledger);
  // The number of `v` in values_, adding it (copied or moved, as passed)
  // when new. V: const schemas::ExtractedValue& or schemas::ExtractedValue.
  template <typename V>
  uint32_t InternValue(V&& v);
  RevisionValues AddValues(std::vector<schemas::ExtractedValue>&& values);
  RevisionValues AddValues(const std::vector<schemas::ExtractedValue>& values);
  // Appends `a`, whose id was just interned as number `index`.
  void AddAnnotation(uint32_t index, const AnnotationEntry& a);

  uint64_t last_seq_ = 0;
  int64_t last_timestamp_us_ = 0;
  std::map<std::string, PrincipalInfo, std::less<>> principals_;
  std::map<std::pair<std::string, uint32_t>, SchemaVersionInfo> schemas_;
  internal::StringPool names_;
  std::array<uint32_t, 3> recent_names_{UINT32_MAX, UINT32_MAX, UINT32_MAX};
  std::vector<RecordInfo> records_;  // by name number; grown on demand
  // Distinct record shapes ([0] is none) and their index by
  // (text length, images).
  std::vector<std::shared_ptr<const schemas::RecordShape>> shapes_;
  std::map<std::string, uint32_t> shape_index_;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>>
      batches_;
  internal::StringPool annotation_ids_;  // number = index in annotations_
  std::vector<AnnotationEntry> annotations_;
  std::vector<RevisionValues> prior_revisions_;
  std::vector<uint32_t> prior_links_;  // prior_revisions_[i]'s predecessor
  // Distinct extracted values, their hashes and index (open addressing) by
  // exact content, and each revision's references to them.
  std::vector<schemas::ExtractedValue> values_;
  std::vector<size_t> value_hashes_;
  std::vector<uint32_t> value_slots_;
  std::vector<uint32_t> value_refs_;
  std::map<std::pair<std::string, std::string>, GoldAnswer> gold_;
  std::map<std::pair<std::string, std::string>, AdjudicationDecision>
      decisions_;
  ContentKeys content_keys_;
};

}  // namespace consilium::projections

#endif  // CONSILIUM_PROJECTIONS_ANALYTICS_STATE_H_
