#include "projections/analytics_state.h"

#include <algorithm>
#include <cassert>
#include <optional>
#include <variant>

#include "common/aead.h"
#include "domain/domain_state.h"
#include "domain/replay.h"

namespace consilium::projections {
namespace {

std::string Str(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : s->str();
}

const schemas::RecordShape& EmptyShape() {
  static const auto* shape = new schemas::RecordShape(
      *schemas::RecordShape::Create(std::string(), {}));
  return *shape;
}

constexpr uint32_t kNoIndex = UINT32_MAX;
// Shape table entries: 0, not loaded; 1, the empty shape (content that is
// not a record document).
constexpr uint32_t kShapeNotLoaded = 0;
constexpr uint32_t kShapeEmpty = 1;

}  // namespace

const SchemaVersionInfo* AnalyticsState::FindSchema(std::string_view id,
                                                    uint32_t version) const {
  auto it = schemas_.find(std::make_pair(std::string(id), version));
  return it == schemas_.end() ? nullptr : &it->second;
}

const RecordInfo* AnalyticsState::FindRecord(std::string_view id) const {
  const uint32_t n = names_.Find(id);
  if (n == kNoIndex || n >= records_.size() || !records_[n].known) {
    return nullptr;
  }
  return &records_[n];
}

bool AnalyticsState::HasProject(std::string_view project) const {
  const uint32_t p = names_.Find(project);
  if (p == kNoIndex) return false;
  for (const RecordInfo& r : records_) {
    if (r.known && r.project == p) return true;
  }
  for (const AnnotationEntry& a : annotations_) {
    if (a.project == p) return true;
  }
  return false;
}

std::vector<std::string_view> AnalyticsState::RecordsOfProject(
    std::string_view project) const {
  std::vector<std::string_view> out;
  const uint32_t p = names_.Find(project);
  if (p == kNoIndex) return out;
  for (uint32_t n = 0; n < records_.size(); ++n) {
    if (records_[n].known && records_[n].project == p) {
      out.push_back(names_.Get(n));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint32_t AnalyticsState::RecentName(std::string_view s, size_t slot) {
  uint32_t& recent = recent_names_[slot];
  if (recent == kNoIndex || names_.Get(recent) != s)
    recent = names_.Intern(s).first;
  return recent;
}

RecordInfo& AnalyticsState::Record(uint32_t name) {
  if (name >= records_.size()) records_.resize(names_.size());
  return records_[name];
}

void AnalyticsState::Reserve(uint64_t events) {
  annotations_.reserve(events);
  value_refs_.reserve(events);
  annotation_ids_.Reserve(events);
}

const AnnotationEntry* AnalyticsState::FindAnnotation(std::string_view id,
                                                      uint32_t* index) const {
  const uint32_t i = annotation_ids_.Find(id);
  if (i == kNoIndex) return nullptr;
  if (index != nullptr) *index = i;
  return &annotations_[i];
}

std::vector<uint32_t> AnalyticsState::AnnotationsById() const {
  std::vector<uint32_t> out(annotations_.size());
  for (uint32_t i = 0; i < out.size(); ++i) out[i] = i;
  std::sort(out.begin(), out.end(), [this](uint32_t x, uint32_t y) {
    return annotation_ids_.Get(x) < annotation_ids_.Get(y);
  });
  return out;
}

std::vector<uint32_t> AnalyticsState::AnnotationsOnRecord(
    std::string_view record) const {
  std::vector<uint32_t> out;
  const uint32_t n = names_.Find(record);
  if (n == kNoIndex || n >= records_.size()) return out;
  for (uint32_t i = records_[n].first_annotation; i != kNoIndex;
       i = annotations_[i].next_on_record) {
    out.push_back(i);
  }
  return out;
}

std::vector<RevisionValues> AnalyticsState::revisions(
    const AnnotationEntry& a) const {
  std::vector<RevisionValues> out{a.latest};
  for (uint32_t i = a.prior; i != kNoIndex; i = prior_links_[i])
    out.push_back(prior_revisions_[i]);
  std::reverse(out.begin(), out.end());
  return out;
}

uint32_t AnalyticsState::InternShape(const fb::RecordImported& b) {
  const fb::Payload* content = b.content();
  std::string opened;
  if (IsSealedPayload(content)) {
    // Opened only for its shape; the text is wiped, never kept.
    if (content_keys_.store == nullptr) return kShapeNotLoaded;
    StatusOr<std::string> text = OpenPayload(content, content_keys_, "");
    if (!text.ok()) return kShapeNotLoaded;
    opened = std::move(*text);
  }
  if (shapes_.empty()) {
    shapes_.push_back(nullptr);
    shapes_.push_back(std::shared_ptr<const schemas::RecordShape>(
        &EmptyShape(), [](const schemas::RecordShape*) {}));
  }
  StatusOr<schemas::RecordShape> shape = schemas::RecordShape::FromJson(
      IsSealedPayload(content) ? std::string_view(opened)
                               : PlainPayload(content));
  Wipe(opened);
  if (!shape.ok()) return kShapeEmpty;
  // Validation reads a record's text only for its length in code points
  // (span bounds) and its images by name (schemas/annotation_validator.cc):
  // records agreeing on those share one shape, kept with a stand-in text of
  // that many ASCII characters, so the state does not hold record texts.
  std::string key = std::to_string(shape->text_length());
  for (const schemas::ImageShape& i : shape->images()) {
    key += '\0';
    key += i.name;
    key += '\0';
    key += std::to_string(i.width) + "x" + std::to_string(i.height) + "x" +
           std::to_string(i.frames);
  }
  auto [it, added] = shape_index_.emplace(
      std::move(key), static_cast<uint32_t>(shapes_.size()));
  if (added) {
    StatusOr<schemas::RecordShape> stand_in = schemas::RecordShape::Create(
        std::string(shape->text_length(), 'x'), shape->images());
    // Invariant: the images were valid in `shape`, and ASCII is valid UTF-8.
    assert(stand_in.ok());
    shapes_.push_back(
        std::make_shared<const schemas::RecordShape>(std::move(*stand_in)));
  }
  return it->second;
}

const schemas::RecordShape* AnalyticsState::ShapeOf(uint32_t record,
                                                    const Ledger* ledger) {
  if (record == kNoIndex || record >= records_.size()) return nullptr;
  RecordInfo& r = records_[record];
  if (!r.known) return nullptr;
  if (r.shape == kShapeNotLoaded &&
      (!r.sealed || content_keys_.store != nullptr) && ledger != nullptr) {
    // Resumed from a checkpoint (which holds no record content): read the
    // RecordImported event back. A failure leaves the shape empty, exactly
    // as content that is not a record document would.
    StatusOr<StoredEvent> e = ledger->Get(r.seq);
    if (e.ok() && e->event()->body_type() == fb::EventBody::RecordImported) {
      const uint32_t shape = InternShape(*e->event()->body_as_RecordImported());
      records_[record].shape = shape;  // InternShape does not move records_
    }
  }
  const uint32_t shape = records_[record].shape;
  return shape == kShapeNotLoaded ? nullptr : shapes_[shape].get();
}

template <typename V>
uint32_t AnalyticsState::InternValue(V&& v) {
  // Open addressing over value numbers; at most half full.
  if ((values_.size() + 1) * 2 > value_slots_.size()) {
    std::vector<uint32_t> slots(std::max<size_t>(64, value_slots_.size() * 2),
                                kNoIndex);
    for (uint32_t id = 0; id < values_.size(); ++id) {
      size_t i = value_hashes_[id] & (slots.size() - 1);
      while (slots[i] != kNoIndex) i = (i + 1) & (slots.size() - 1);
      slots[i] = id;
    }
    value_slots_ = std::move(slots);
  }
  const size_t hash = ValueHash(v);
  size_t i = hash & (value_slots_.size() - 1);
  while (value_slots_[i] != kNoIndex) {
    const uint32_t id = value_slots_[i];
    if (value_hashes_[id] == hash && SameValue(values_[id], v)) return id;
    i = (i + 1) & (value_slots_.size() - 1);
  }
  const uint32_t id = static_cast<uint32_t>(values_.size());
  values_.push_back(std::forward<V>(v));
  value_hashes_.push_back(hash);
  value_slots_[i] = id;
  return id;
}

RevisionValues AnalyticsState::AddValues(
    std::vector<schemas::ExtractedValue>&& values) {
  RevisionValues r;
  r.extracted = true;
  r.values_begin = static_cast<uint32_t>(value_refs_.size());
  r.values_count = static_cast<uint32_t>(values.size());
  for (schemas::ExtractedValue& v : values)
    value_refs_.push_back(InternValue(std::move(v)));
  return r;
}

RevisionValues AnalyticsState::AddValues(
    const std::vector<schemas::ExtractedValue>& values) {
  RevisionValues r;
  r.extracted = true;
  r.values_begin = static_cast<uint32_t>(value_refs_.size());
  r.values_count = static_cast<uint32_t>(values.size());
  // Most values repeat ones already in the table; only new ones are copied.
  for (const schemas::ExtractedValue& v : values)
    value_refs_.push_back(InternValue(v));
  return r;
}

namespace {

// ExtractAnnotationValues on the schema version (its descriptive view for a
// model), or nullopt when the version is unknown or the values invalid.
std::optional<std::vector<schemas::ExtractedValue>> ExtractWith(
    const SchemaVersionInfo* schema, const schemas::RecordShape* shape,
    bool by_model, std::string_view id, std::string_view values) {
  if (schema == nullptr) return std::nullopt;
  const schemas::TaskSchema* task = schema->schema.get();
  if (by_model) {
    if (schema->descriptive == nullptr) return std::nullopt;
    task = schema->descriptive.get();
  }
  StatusOr<schemas::ExtractedValues> ev = schemas::ExtractAnnotationValues(
      *task, shape ? *shape : EmptyShape(), id, values);
  if (!ev.ok()) return std::nullopt;
  return std::move(ev->values);
}

}  // namespace

RevisionValues AnalyticsState::Extract(uint32_t record,
                                       std::string_view schema_id,
                                       uint32_t version, bool by_model,
                                       std::string_view id,
                                       std::string_view values,
                                       const Ledger* ledger) {
  const SchemaVersionInfo* schema = FindSchema(schema_id, version);
  if (schema == nullptr) return RevisionValues{};
  const schemas::TaskSchema* task = schema->schema.get();
  if (by_model) {
    if (schema->descriptive == nullptr) return RevisionValues{};
    task = schema->descriptive.get();
  }
  // One extraction buffer per thread, reused from annotation to annotation:
  // its entries keep their strings' capacity, so extracting allocates only
  // when an annotation has more values than any before it, and AddValues
  // copies only values the table has not seen.
  thread_local schemas::ExtractedValues scratch;
  const schemas::RecordShape* shape = ShapeOf(record, ledger);
  if (!schemas::ExtractAnnotationValuesInto(
           *task, shape ? *shape : EmptyShape(), id, values, &scratch)
           .ok()) {
    return RevisionValues{};
  }
  return AddValues(scratch.values);
}

void AnalyticsState::AddAnnotation(uint32_t index, const AnnotationEntry& a) {
  // Invariant: ids are interned only just before their annotation is added,
  // once per annotation, so an id's number is its index in annotations_.
  assert(index == annotations_.size());
  RecordInfo& r = Record(a.record);
  if (r.last_annotation == kNoIndex) {
    r.first_annotation = index;
  } else {
    annotations_[r.last_annotation].next_on_record = index;
  }
  r.last_annotation = index;
  annotations_.push_back(a);
}

void AnalyticsState::Apply(const StoredEvent& event, const Ledger* ledger) {
  const fb::Event* e = event.event();
  Apply(event.seq, TimestampOf(*e), *e, ledger);
}

// Answers Decide's questions (domain/replay.h) from the state's tables, and
// keeps what analytics needs of the effects Decide accepts, one handler per
// effect. Made on the stack for each event; `ledger` is Apply's (record
// shapes after a resume).
struct AnalyticsState::Replayer final : domain::Known, domain::Model {
  Replayer(AnalyticsState& state, const Ledger* shapes)
      : s(state), ledger(shapes) {}

  // Analytics keeps no projects: ProjectDefined is decided and not kept.
  bool HasProject(std::string_view) const override { return false; }
  bool HasPrincipal(std::string_view id) const override {
    return s.principals_.find(id) != s.principals_.end();
  }
  bool HasSchema(std::string_view id, uint32_t version) const override {
    return s.FindSchema(id, version) != nullptr;
  }
  bool HasRecord(std::string_view id) const override {
    return s.FindRecord(id) != nullptr;
  }
  bool HasBatch(std::string_view project, std::string_view id) const override {
    return s.batches_.count(
               std::make_pair(std::string(project), std::string(id))) > 0;
  }
  std::optional<domain::AnnotationHead> Head(
      std::string_view id) const override {
    const uint32_t i = s.annotation_ids_.Find(id);
    if (i == kNoIndex) return std::nullopt;
    const AnnotationEntry& a = s.annotations_[i];
    return domain::AnnotationHead{a.latest.revision, a.withdrawn, i};
  }

  void On(const domain::Applied& e, const domain::Effect& effect) override {
    std::visit([&](const auto& x) { Keep(e, x); }, effect);
  }

  // Effects analytics does not keep: projects, roles, tokens, assignments.
  template <typename T>
  void Keep(const domain::Applied&, const T&) {}

  void Keep(const domain::Applied&, const domain::PrincipalDefined& x) {
    s.principals_.emplace(
        Str(x.body->principal_id()),
        PrincipalInfo{x.body->kind() == fb::PrincipalKind::Model,
                      Str(x.body->pseudonym())});
  }
  void Keep(const domain::Applied& e, const domain::SchemaDefined& x) {
    SchemaVersionInfo info;
    info.definition = Str(x.body->definition());
    info.seq = e.seq;
    info.schema = x.schema;
    info.descriptive = x.descriptive;
    s.schemas_.emplace(std::make_pair(x.schema->id(), x.body->version()),
                       std::move(info));
  }
  void Keep(const domain::Applied& e, const domain::RecordDefined& x) {
    const fb::RecordImported& b = *x.body;
    const uint32_t id = s.names_.Intern(View(b.record_id())).first;
    const uint32_t project = s.RecentName(View(b.project_id()), 0);
    RecordInfo& r = s.Record(id);
    r.known = true;
    r.project = project;
    r.seq = e.seq;
    r.sealed = x.sealed;
    const uint32_t shape = s.InternShape(b);
    s.records_[id].shape = shape;  // InternShape may grow nothing but shapes_
  }
  void Keep(const domain::Applied&, const domain::BatchDefined& x) {
    std::vector<std::string> ids;
    if (x.body->record_ids() != nullptr) {
      for (const auto* r : *x.body->record_ids()) ids.push_back(Str(r));
    }
    s.batches_.emplace(
        std::make_pair(Str(x.body->project_id()), Str(x.body->batch_id())),
        std::move(ids));
  }
  void Keep(const domain::Applied& e, const domain::AnnotationOpened& x);
  void Keep(const domain::Applied& e, const domain::AnnotationRevised& x);
  void Keep(const domain::Applied& e, const domain::AnnotationWithdrawn& x) {
    AnnotationEntry& a = s.annotations_[x.number];
    a.withdrawn = true;
    a.withdrawn_seq = e.seq;
  }
  void Keep(const domain::Applied& e, const domain::GoldRecorded& x);
  void Keep(const domain::Applied& e, const domain::AdjudicationRecorded& x);
  // Access events are not kept (the class comment says why).
  void Keep(const domain::Applied&, const domain::AccessRecorded&) {}

  AnalyticsState& s;
  const Ledger* ledger;
};

void AnalyticsState::Replayer::Keep(const domain::Applied& e,
                                    const domain::AnnotationOpened& x) {
  const fb::AnnotationSubmitted& b = *x.body;
  const std::string_view id = View(b.annotation_id());
  const auto [index, added] = s.annotation_ids_.Intern(id);
  // Invariant: Decide opens only ids Head did not find.
  assert(added);
  (void)added;
  AnnotationEntry a;
  a.project = s.RecentName(View(b.project_id()), 0);
  a.record = s.names_.Intern(View(b.record_id())).first;
  a.annotator = s.RecentName(View(b.annotator_id()), 1);
  a.schema_id = s.RecentName(View(b.schema_id()), 2);
  a.schema_version = b.schema_version();
  auto p = s.principals_.find(View(b.annotator_id()));
  a.by_model = p != s.principals_.end() && p->second.model;
  a.latest = s.Extract(a.record, View(b.schema_id()), a.schema_version,
                       a.by_model, id, PlainPayload(b.values()), ledger);
  a.latest.revision = b.revision();
  a.latest.seq = e.seq;
  a.latest.timestamp_us = e.timestamp_us;
  s.AddAnnotation(index, a);
}

void AnalyticsState::Replayer::Keep(const domain::Applied& e,
                                    const domain::AnnotationRevised& x) {
  const fb::AnnotationRevised& b = *x.body;
  const AnnotationEntry copy = s.annotations_[x.number];
  RevisionValues rev = s.Extract(
      copy.record, s.name(copy.schema_id), copy.schema_version, copy.by_model,
      View(b.annotation_id()), PlainPayload(b.values()), ledger);
  rev.revision = b.new_revision();
  rev.seq = e.seq;
  rev.timestamp_us = e.timestamp_us;
  AnnotationEntry& a = s.annotations_[x.number];
  s.prior_revisions_.push_back(a.latest);
  s.prior_links_.push_back(a.prior);
  a.prior = static_cast<uint32_t>(s.prior_revisions_.size() - 1);
  a.latest = rev;
}

void AnalyticsState::Replayer::Keep(const domain::Applied& e,
                                    const domain::GoldRecorded& x) {
  const fb::GoldAnswerRecorded& b = *x.body;
  GoldAnswer g;
  g.project = Str(b.project_id());
  g.record = Str(b.record_id());
  g.schema_id = Str(b.schema_id());
  g.schema_version = b.schema_version();
  g.seq = e.seq;
  std::optional<std::vector<schemas::ExtractedValue>> ev =
      ExtractWith(s.FindSchema(g.schema_id, g.schema_version),
                  s.ShapeOf(s.names_.Find(g.record), ledger), false,
                  "gold:" + g.record, PlainPayload(b.values()));
  g.extracted = ev.has_value();
  if (ev) g.values = std::move(*ev);
  auto key = std::make_pair(
      g.record, g.schema_id + "@" + std::to_string(g.schema_version));
  s.gold_[key] = std::move(g);  // the latest gold answer is current
}

void AnalyticsState::Replayer::Keep(const domain::Applied& e,
                                    const domain::AdjudicationRecorded& x) {
  const fb::AdjudicationDecided& b = *x.body;
  AdjudicationDecision d;
  d.project = Str(b.project_id());
  d.record = Str(b.record_id());
  d.field_path = Str(b.field_path());
  d.outcome = b.outcome();
  if (d.outcome == fb::AdjudicationOutcome::Decided) {
    d.value_json = std::string(PlainPayload(b.value()));
    d.value_key = ValueKeyOfJson(d.value_json);
  }
  d.rationale = Str(b.rationale());
  if (b.cited_annotation_ids() != nullptr) {
    for (const auto* id : *b.cited_annotation_ids())
      d.cited_annotation_ids.push_back(Str(id));
  }
  d.adjudicator = Str(e.event.actor());
  d.seq = e.seq;
  d.timestamp_us = e.timestamp_us;
  auto key = std::make_pair(d.record, d.field_path);
  s.decisions_[key] = std::move(d);  // the latest decision is current
}

void AnalyticsState::Apply(uint64_t seq, int64_t timestamp_us,
                           const fb::Event& e, const Ledger* ledger) {
  if (seq <= last_seq_) return;
  last_seq_ = seq;
  last_timestamp_us_ = timestamp_us;
  Replayer replayer(*this, ledger);
  domain::Replay(replayer, replayer, domain::Applied{seq, timestamp_us, e});
}

}  // namespace consilium::projections
