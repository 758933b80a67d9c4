#include "domain/domain_state.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cassert>
#include <optional>
#include <variant>

#include "common/aead.h"
#include "domain/replay.h"

namespace consilium::domain {
namespace {

namespace json = boost::json;

std::string Str(const flatbuffers::String* s) { return std::string(View(s)); }

bool WhollyDescriptive(const schemas::Field& f) {
  if (f.layer != schemas::Layer::kDescriptive) return false;
  return std::all_of(f.fields.begin(), f.fields.end(), WhollyDescriptive);
}

std::string SchemaKey(std::string_view id, uint32_t version) {
  std::string key(id);
  key += '@';
  key += std::to_string(version);
  return key;
}

}  // namespace

bool PrincipalState::HasRole(fb::Role role, std::string_view project) const {
  if (roles.count(RoleGrant{role, std::string()})) return true;
  return !project.empty() && roles.count(RoleGrant{role, std::string(project)});
}

bool operator==(const RecordState& a, const RecordState& b) {
  if (a.id != b.id || a.project != b.project || a.sealed != b.sealed ||
      a.subject != b.subject || a.shredded_seq != b.shredded_seq ||
      a.content_hash != b.content_hash || a.metadata != b.metadata ||
      a.seq != b.seq || a.quarantined_seq != b.quarantined_seq ||
      a.deid_reviewed_seq != b.deid_reviewed_seq ||
      a.content_seq != b.content_seq ||
      (a.shape == nullptr) != (b.shape == nullptr)) {
    return false;
  }
  if (a.shape == nullptr) return true;
  if (a.shape->text() != b.shape->text() ||
      a.shape->images().size() != b.shape->images().size()) {
    return false;
  }
  for (size_t i = 0; i < a.shape->images().size(); ++i) {
    const schemas::ImageShape& x = a.shape->images()[i];
    const schemas::ImageShape& y = b.shape->images()[i];
    if (x.name != y.name || x.width != y.width || x.height != y.height ||
        x.frames != y.frames) {
      return false;
    }
  }
  return true;
}

bool operator==(const DomainState& a, const DomainState& b) {
  return a.last_seq_ == b.last_seq_ && a.admins_ == b.admins_ &&
         a.projects_ == b.projects_ && a.principals_ == b.principals_ &&
         a.schemas_ == b.schemas_ && a.records_ == b.records_ &&
         a.batches_ == b.batches_ && a.assignments_ == b.assignments_ &&
         a.annotations_ == b.annotations_ && a.gold_ == b.gold_ &&
         a.event_counts_ == b.event_counts_ && a.shredded_ == b.shredded_;
}

std::shared_ptr<const schemas::TaskSchema> DescriptiveView(
    const schemas::TaskSchema& schema, std::string_view definition) {
  std::set<std::string, std::less<>> keep;
  for (const schemas::Field& f : schema.fields()) {
    if (WhollyDescriptive(f)) keep.insert(f.name);
  }
  if (keep.empty()) return nullptr;
  boost::system::error_code ec;
  json::value doc = json::parse(definition, ec);
  if (ec || !doc.is_object()) return nullptr;
  json::value* fields = doc.get_object().if_contains("fields");
  if (fields == nullptr || !fields->is_array()) return nullptr;
  json::array kept;
  for (const json::value& f : fields->get_array()) {
    const json::value* name =
        f.is_object() ? f.get_object().if_contains("name") : nullptr;
    if (name != nullptr && name->is_string() &&
        keep.count(std::string_view(name->get_string()))) {
      kept.push_back(f);
    }
  }
  *fields = std::move(kept);
  StatusOr<schemas::TaskSchema> view =
      schemas::TaskSchema::Parse(json::serialize(doc));
  if (!view.ok()) return nullptr;
  return std::make_shared<const schemas::TaskSchema>(std::move(*view));
}

void DomainState::Apply(const StoredEvent& event,
                        std::span<Model* const> models) {
  const fb::Event* e = event.event();
  Apply(event.seq, TimestampOf(*e), *e, models);
}

// Answers Decide's questions from the state's tables and keeps what it
// accepts (domain/replay.h). Made on the stack for each event.
struct DomainState::Replayer final : Known, Model {
  explicit Replayer(DomainState& state) : s(state) {}

  bool HasProject(std::string_view id) const override {
    return s.projects_.find(id) != s.projects_.end();
  }
  bool HasPrincipal(std::string_view id) const override {
    return s.principals_.find(id) != s.principals_.end();
  }
  bool HasSchema(std::string_view id, uint32_t version) const override {
    return s.FindSchema(id, version) != nullptr;
  }
  bool HasRecord(std::string_view id) const override {
    return s.records_.find(id) != s.records_.end();
  }
  bool HasBatch(std::string_view project, std::string_view id) const override {
    return s.FindBatch(project, id) != nullptr;
  }
  std::optional<AnnotationHead> Head(std::string_view id) const override {
    const uint32_t n = s.annotation_index_.Find(id, s.AnnotationIdOf());
    if (n == internal::IdIndex::kNone) return std::nullopt;
    const AnnotationState& a = s.annotations_[n];
    return AnnotationHead{a.revision, a.withdrawn, n};
  }

  void On(const Applied& e, const Effect& effect) override {
    std::visit([&](const auto& x) { Keep(e, x); }, effect);
  }

  // Effects the write side does not keep (AdjudicationRecorded,
  // AccessRecorded): counted in event_counts_ only.
  template <typename T>
  void Keep(const Applied&, const T&) {}

  void Keep(const Applied& e, const ProjectDefined& x) {
    std::string id = Str(x.body->project_id());
    s.projects_.emplace(
        id, ProjectState{id, Str(x.body->name()), x.body->overlap_target(),
                         x.body->blind_mode(), e.seq});
  }
  void Keep(const Applied& e, const PrincipalDefined& x) {
    const fb::PrincipalRegistered& b = *x.body;
    PrincipalState p;
    p.id = Str(b.principal_id());
    p.kind = b.kind() == fb::PrincipalKind::Model ? fb::PrincipalKind::Model
                                                  : fb::PrincipalKind::Person;
    p.display_name = Str(b.display_name());
    p.pseudonym = Str(b.pseudonym());
    p.model_name = Str(b.model_name());
    p.model_version = Str(b.model_version());
    p.seq = e.seq;
    std::string id = p.id;
    s.principals_.emplace(std::move(id), std::move(p));
  }
  void Keep(const Applied&, const RoleChanged& x) {
    s.ApplyRole(x.principal, x.role, x.project, x.grant);
  }
  void Keep(const Applied& e, const TokenAdded& x) {
    PrincipalState& p =
        s.principals_.find(View(x.body->principal_id()))->second;
    TokenState t;
    std::copy_n(x.body->token_sha256()->bytes()->Data(), 32, t.sha256.begin());
    t.expires_at_us = x.body->expires_at_us();
    t.seq = e.seq;
    p.tokens.push_back(t);
    s.token_owners_.emplace(t.sha256, p.id);
  }
  void Keep(const Applied& e, const TokenWithdrawn& x) {
    PrincipalState& p =
        s.principals_.find(View(x.body->principal_id()))->second;
    for (TokenState& t : p.tokens) {
      if (t.revoked_seq == 0 &&
          std::equal(t.sha256.begin(), t.sha256.end(),
                     x.body->token_sha256()->bytes()->Data())) {
        t.revoked_seq = e.seq;
      }
    }
  }
  void Keep(const Applied& e, const SchemaDefined& x) {
    SchemaState schema;
    schema.definition = Str(x.body->definition());
    schema.seq = e.seq;
    schema.schema = x.schema;
    schema.descriptive = x.descriptive;
    s.schemas_[x.schema->id()].emplace(x.body->version(), std::move(schema));
  }
  void Keep(const Applied& e, const RecordDefined& x) {
    s.ApplyRecord(e.seq, *x.body, x.sealed);
  }
  void Keep(const Applied& e, const SubjectShredded& x) {
    const std::string_view subject = View(x.body->subject_id());
    s.shredded_.emplace(std::string(subject), e.seq);  // the first one
    for (auto& [id, r] : s.records_) {
      if (r.sealed && r.subject == subject && r.shredded_seq == 0) {
        r.shredded_seq = e.seq;
        r.shape = nullptr;  // nothing about the content may be used again
      }
    }
  }
  void Keep(const Applied& e, const RecordHeld& x) {
    auto it = s.records_.find(View(x.body->record_id()));
    if (it->second.quarantined_seq == 0) it->second.quarantined_seq = e.seq;
  }
  void Keep(const Applied& e, const RecordDeidReviewed& x) {
    s.ApplyDeidReview(e.seq, *x.body);
  }
  void Keep(const Applied& e, const BatchDefined& x) {
    const fb::CalibrationBatchCreated& b = *x.body;
    auto key = std::make_pair(Str(b.project_id()), Str(b.batch_id()));
    BatchState batch{key.second, key.first, {}, e.seq};
    if (b.record_ids() != nullptr) {
      for (const auto* r : *b.record_ids()) batch.records.push_back(Str(r));
    }
    s.batches_.emplace(std::move(key), std::move(batch));
  }
  void Keep(const Applied& e, const AssignmentChanged& x) {
    if (x.assigned) {
      if (s.assignments_[std::string(x.record)]
              .insert(std::string(x.annotator))
              .second) {
        s.assigned_records_[std::string(x.annotator)].emplace(x.record, e.seq);
      }
      return;
    }
    if (auto r = s.assigned_records_.find(x.annotator);
        r != s.assigned_records_.end()) {
      if (auto it = r->second.find(x.record); it != r->second.end())
        r->second.erase(it);
      if (r->second.empty()) s.assigned_records_.erase(r);
    }
    auto it = s.assignments_.find(x.record);
    if (it == s.assignments_.end()) return;
    if (auto a = it->second.find(x.annotator); a != it->second.end()) {
      it->second.erase(a);
    }
    if (it->second.empty()) s.assignments_.erase(it);
  }
  void Keep(const Applied& e, const AnnotationOpened& x) {
    const fb::AnnotationSubmitted& b = *x.body;
    const std::string_view id = View(b.annotation_id());
    const bool added =
        s.annotation_index_
            .Insert(id, static_cast<uint32_t>(s.annotations_.size()),
                    s.AnnotationIdOf())
            .second;
    // Invariant: Decide opens only ids the index does not hold.
    assert(added);
    (void)added;
    s.record_annotations_[Str(b.record_id())].push_back(
        static_cast<uint32_t>(s.annotations_.size()));
    AnnotationState& a = s.annotations_.emplace_back();
    a.id = id;
    a.project = Str(b.project_id());
    a.record = Str(b.record_id());
    a.annotator = Str(b.annotator_id());
    a.schema_id = Str(b.schema_id());
    a.schema_version = b.schema_version();
    const PrincipalState* p = s.FindPrincipal(a.annotator);
    a.by_model = p != nullptr && p->is_model();
    a.revision = b.revision();
    a.history.push_back(RevisionState{a.revision, e.seq, e.timestamp_us});
  }
  void Keep(const Applied& e, const AnnotationRevised& x) {
    AnnotationState& a = s.annotations_[x.number];
    a.revision = x.body->new_revision();
    a.history.push_back(RevisionState{a.revision, e.seq, e.timestamp_us});
  }
  void Keep(const Applied& e, const AnnotationWithdrawn& x) {
    AnnotationState& a = s.annotations_[x.number];
    a.withdrawn = true;
    a.withdrawn_seq = e.seq;
  }
  void Keep(const Applied& e, const GoldRecorded& x) {
    const fb::GoldAnswerRecorded& b = *x.body;
    auto key = std::make_pair(
        Str(b.record_id()), SchemaKey(View(b.schema_id()), b.schema_version()));
    // The latest gold answer for a record and schema version is current;
    // earlier ones stay in the ledger.
    s.gold_[key] =
        GoldAnswerState{Str(b.project_id()), key.first, Str(b.schema_id()),
                        b.schema_version(), e.seq};
  }

  DomainState& s;
};

void DomainState::Apply(uint64_t seq, int64_t timestamp_us, const fb::Event& e,
                        std::span<Model* const> models) {
  if (seq <= last_seq_) return;  // already applied
  last_seq_ = seq;
  // Every committed event counts, also those Decide ignores.
  ++event_counts_[e.body_type()];
  Replayer replayer(*this);
  const Applied applied{seq, timestamp_us, e};
  const Effect effect = Decide(replayer, applied);
  if (std::holds_alternative<Ignored>(effect)) return;
  replayer.On(applied, effect);
  for (Model* m : models) m->OnWithState(*this, applied, effect);
}

void DomainState::ApplyRecord(uint64_t seq, const fb::RecordImported& b,
                              bool sealed) {
  std::string id = Str(b.record_id());
  RecordState r;
  r.id = id;
  r.project = Str(b.project_id());
  r.metadata = Str(b.metadata());
  r.seq = seq;
  r.content_seq = seq;
  if (b.content_hash() != nullptr)
    std::copy_n(b.content_hash()->bytes()->Data(), 32, r.content_hash.begin());
  r.sealed = sealed;
  if (sealed) r.subject = Str(b.content()->subject_id());
  if (sealed && ShreddedSeq(r.subject) != 0)
    r.shredded_seq = ShreddedSeq(r.subject);
  // A sealed record's shape (for validating annotations) needs its key: none
  // without the KEK, none after shredding (OpenPayload fails; no shape).
  StatusOr<std::string> text =
      r.shredded_seq != 0 ? StatusOr<std::string>(FailedPreconditionError(""))
                          : OpenPayload(b.content(), content_keys_, id);
  if (text.ok()) {
    StatusOr<schemas::RecordShape> shape =
        schemas::RecordShape::FromJson(*text);
    if (shape.ok()) {
      r.shape = std::make_shared<const schemas::RecordShape>(std::move(*shape));
    }
    if (sealed) Wipe(*text);
  }
  records_.emplace(std::move(id), std::move(r));
}

std::vector<const RecordState*> DomainState::HeldRecords(
    std::string_view project) const {
  std::vector<const RecordState*> held;
  for (const auto& [id, r] : records_) {
    if (r.quarantined() && (project.empty() || r.project == project))
      held.push_back(&r);
  }
  std::sort(held.begin(), held.end(), [](const auto* a, const auto* b) {
    return a->quarantined_seq < b->quarantined_seq;
  });
  return held;
}

void DomainState::ApplyDeidReview(uint64_t seq,
                                  const fb::DeidentificationReviewed& b) {
  RecordState& r = records_.find(View(b.record_id()))->second;
  if (!r.quarantined()) return;  // never held, or a verdict already given
  r.deid_reviewed_seq = seq;
  if (b.outcome() != fb::DeidOutcome::Redacted) return;
  r.content_seq = seq;
  std::copy_n(b.content_hash()->bytes()->Data(), 32, r.content_hash.begin());
  r.shape = nullptr;
  if (r.shredded_seq != 0) return;
  StatusOr<std::string> text = OpenPayload(b.content(), content_keys_, r.id);
  if (!text.ok()) return;
  StatusOr<schemas::RecordShape> shape = schemas::RecordShape::FromJson(*text);
  if (shape.ok()) {
    r.shape = std::make_shared<const schemas::RecordShape>(std::move(*shape));
  }
  if (r.sealed) Wipe(*text);
}

void DomainState::ApplyRole(std::string_view principal, fb::Role role,
                            const flatbuffers::String* project, bool grant) {
  // Decide checked that the principal exists and the role is valid.
  PrincipalState& p = principals_.find(principal)->second;
  RoleGrant g{role, Str(project)};
  const bool global_admin = role == fb::Role::Admin && g.project.empty();
  if (grant) {
    if (p.roles.insert(std::move(g)).second && global_admin) ++admins_;
  } else {
    if (p.roles.erase(g) > 0 && global_admin) --admins_;
  }
}

const ProjectState* DomainState::FindProject(std::string_view id) const {
  auto it = projects_.find(id);
  return it == projects_.end() ? nullptr : &it->second;
}

const PrincipalState* DomainState::FindPrincipal(std::string_view id) const {
  auto it = principals_.find(id);
  return it == principals_.end() ? nullptr : &it->second;
}

const PrincipalState* DomainState::FindTokenOwner(
    const Hash256& token_sha256) const {
  auto it = token_owners_.find(token_sha256);
  return it == token_owners_.end() ? nullptr : FindPrincipal(it->second);
}

const SchemaState* DomainState::FindSchema(std::string_view id,
                                           uint32_t version) const {
  auto it = schemas_.find(id);
  if (it == schemas_.end()) return nullptr;
  auto v = it->second.find(version);
  return v == it->second.end() ? nullptr : &v->second;
}

uint32_t DomainState::LatestSchemaVersion(std::string_view id) const {
  auto it = schemas_.find(id);
  if (it == schemas_.end() || it->second.empty()) return 0;
  return it->second.rbegin()->first;
}

const RecordState* DomainState::FindRecord(std::string_view id) const {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

const BatchState* DomainState::FindBatch(std::string_view project,
                                         std::string_view id) const {
  auto it =
      batches_.find(std::make_pair(std::string(project), std::string(id)));
  return it == batches_.end() ? nullptr : &it->second;
}

bool DomainState::IsAssigned(std::string_view record,
                             std::string_view annotator) const {
  auto it = assignments_.find(record);
  return it != assignments_.end() && it->second.count(annotator) > 0;
}

std::vector<std::string> DomainState::AssignedAnnotators(
    std::string_view record) const {
  auto it = assignments_.find(record);
  if (it == assignments_.end()) return {};
  return std::vector<std::string>(it->second.begin(), it->second.end());
}

std::vector<std::pair<uint64_t, std::string>> DomainState::AssignmentsOf(
    std::string_view annotator) const {
  std::vector<std::pair<uint64_t, std::string>> out;
  auto it = assigned_records_.find(annotator);
  if (it == assigned_records_.end()) return out;
  for (const auto& [record, seq] : it->second) out.emplace_back(seq, record);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<const AnnotationState*> DomainState::AnnotationsOfRecord(
    std::string_view record) const {
  std::vector<const AnnotationState*> out;
  auto it = record_annotations_.find(record);
  if (it == record_annotations_.end()) return out;
  for (uint32_t n : it->second) out.push_back(&annotations_[n]);
  return out;
}

bool DomainState::HasAnnotated(std::string_view record,
                               std::string_view principal) const {
  auto it = record_annotations_.find(record);
  if (it == record_annotations_.end()) return false;
  for (uint32_t n : it->second) {
    if (annotations_[n].annotator == principal) return true;
  }
  return false;
}

const AnnotationState* DomainState::FindAnnotation(std::string_view id) const {
  const uint32_t n = annotation_index_.Find(id, AnnotationIdOf());
  return n == internal::IdIndex::kNone ? nullptr : &annotations_[n];
}

AnnotationState* DomainState::FindAnnotationMutable(std::string_view id) {
  return const_cast<AnnotationState*>(
      static_cast<const DomainState*>(this)->FindAnnotation(id));
}

const GoldAnswerState* DomainState::FindGoldAnswer(std::string_view record,
                                                   std::string_view schema_id,
                                                   uint32_t version) const {
  auto it = gold_.find(
      std::make_pair(std::string(record), SchemaKey(schema_id, version)));
  return it == gold_.end() ? nullptr : &it->second;
}

}  // namespace consilium::domain

namespace consilium::domain {

uint64_t DomainState::ShreddedSeq(std::string_view subject) const {
  auto it = shredded_.find(subject);
  return it == shredded_.end() ? 0 : it->second;
}

std::vector<std::string> DomainState::RecordsOfSubject(
    std::string_view subject) const {
  std::vector<std::string> out;
  for (const auto& [id, r] : records_) {
    if (r.sealed && r.subject == subject) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace consilium::domain
