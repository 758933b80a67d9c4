#include "domain/domain_state.h"

#include <algorithm>
#include <boost/json.hpp>

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
      a.content_hash != b.content_hash || a.metadata != b.metadata ||
      a.seq != b.seq || (a.shape == nullptr) != (b.shape == nullptr)) {
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
         a.event_counts_ == b.event_counts_;
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

void DomainState::Apply(const StoredEvent& event) {
  const fb::Event* e = event.event();
  Apply(event.seq, TimestampOf(*e), *e);
}

void DomainState::Apply(uint64_t seq, int64_t timestamp_us,
                        const fb::Event& e) {
  if (seq <= last_seq_) return;  // already applied
  last_seq_ = seq;
  ++event_counts_[e.body_type()];
  switch (e.body_type()) {
    case fb::EventBody::ProjectCreated: {
      const auto* b = e.body_as_ProjectCreated();
      std::string id = Str(b->project_id());
      if (projects_.count(id)) return;  // first definition wins
      projects_.emplace(id,
                        ProjectState{id, Str(b->name()), b->overlap_target(),
                                     b->blind_mode(), seq});
      return;
    }
    case fb::EventBody::RecordImported:
      ApplyRecord(seq, *e.body_as_RecordImported());
      return;
    case fb::EventBody::PrincipalRegistered: {
      const auto* b = e.body_as_PrincipalRegistered();
      std::string id = Str(b->principal_id());
      if (principals_.count(id)) return;
      PrincipalState p;
      p.id = id;
      p.kind = b->kind() == fb::PrincipalKind::Model
                   ? fb::PrincipalKind::Model
                   : fb::PrincipalKind::Person;
      p.display_name = Str(b->display_name());
      p.pseudonym = Str(b->pseudonym());
      p.model_name = Str(b->model_name());
      p.model_version = Str(b->model_version());
      p.seq = seq;
      principals_.emplace(std::move(id), std::move(p));
      return;
    }
    case fb::EventBody::RoleGranted: {
      const auto* b = e.body_as_RoleGranted();
      ApplyRole(b->principal_id(), b->role(), b->project_id(), true);
      return;
    }
    case fb::EventBody::RoleRevoked: {
      const auto* b = e.body_as_RoleRevoked();
      ApplyRole(b->principal_id(), b->role(), b->project_id(), false);
      return;
    }
    case fb::EventBody::TokenIssued: {
      const auto* b = e.body_as_TokenIssued();
      auto it = principals_.find(View(b->principal_id()));
      if (it == principals_.end() || b->token_sha256() == nullptr) return;
      TokenState t;
      std::copy_n(b->token_sha256()->bytes()->Data(), 32, t.sha256.begin());
      t.expires_at_us = b->expires_at_us();
      t.seq = seq;
      it->second.tokens.push_back(t);
      return;
    }
    case fb::EventBody::SchemaPublished:
      ApplySchema(seq, *e.body_as_SchemaPublished());
      return;
    case fb::EventBody::CalibrationBatchCreated: {
      const auto* b = e.body_as_CalibrationBatchCreated();
      auto key = std::make_pair(Str(b->project_id()), Str(b->batch_id()));
      if (batches_.count(key)) return;
      BatchState batch{key.second, key.first, {}, seq};
      if (b->record_ids() != nullptr) {
        for (const auto* r : *b->record_ids()) batch.records.push_back(Str(r));
      }
      batches_.emplace(std::move(key), std::move(batch));
      return;
    }
    case fb::EventBody::AssignmentCreated: {
      const auto* b = e.body_as_AssignmentCreated();
      assignments_[Str(b->record_id())].insert(Str(b->annotator_id()));
      return;
    }
    case fb::EventBody::AssignmentRevoked: {
      const auto* b = e.body_as_AssignmentRevoked();
      auto it = assignments_.find(View(b->record_id()));
      if (it == assignments_.end()) return;
      if (auto a = it->second.find(View(b->annotator_id()));
          a != it->second.end()) {
        it->second.erase(a);
      }
      if (it->second.empty()) assignments_.erase(it);
      return;
    }
    case fb::EventBody::AnnotationSubmitted: {
      const auto* b = e.body_as_AnnotationSubmitted();
      const std::string_view id = View(b->annotation_id());
      auto [number, added] = annotation_index_.Insert(
          id, static_cast<uint32_t>(annotations_.size()), AnnotationIdOf());
      if (!added) return;  // first submission wins
      AnnotationState& a = annotations_.emplace_back();
      a.id = id;
      a.project = Str(b->project_id());
      a.record = Str(b->record_id());
      a.annotator = Str(b->annotator_id());
      a.schema_id = Str(b->schema_id());
      a.schema_version = b->schema_version();
      const PrincipalState* p = FindPrincipal(a.annotator);
      a.by_model = p != nullptr && p->is_model();
      a.revision = b->revision();
      a.history.push_back(RevisionState{a.revision, seq, timestamp_us});
      return;
    }
    case fb::EventBody::AnnotationRevised: {
      const auto* b = e.body_as_AnnotationRevised();
      AnnotationState* a = FindAnnotationMutable(View(b->annotation_id()));
      // A stale or out-of-order revision (possible only through a raw
      // append) changes nothing.
      if (a == nullptr || a->withdrawn ||
          b->expected_revision() != a->revision ||
          b->new_revision() != a->revision + 1) {
        return;
      }
      a->revision = b->new_revision();
      a->history.push_back(RevisionState{b->new_revision(), seq, timestamp_us});
      return;
    }
    case fb::EventBody::AnnotationWithdrawn: {
      const auto* b = e.body_as_AnnotationWithdrawn();
      AnnotationState* a = FindAnnotationMutable(View(b->annotation_id()));
      if (a == nullptr || a->withdrawn ||
          b->expected_revision() != a->revision) {
        return;
      }
      a->withdrawn = true;
      a->withdrawn_seq = seq;
      return;
    }
    case fb::EventBody::GoldAnswerRecorded: {
      const auto* b = e.body_as_GoldAnswerRecorded();
      auto key =
          std::make_pair(Str(b->record_id()),
                         SchemaKey(View(b->schema_id()), b->schema_version()));
      // The latest gold answer for a record and schema version is current;
      // earlier ones stay in the ledger.
      gold_[key] =
          GoldAnswerState{Str(b->project_id()), key.first, Str(b->schema_id()),
                          b->schema_version(), seq};
      return;
    }
    default:
      // AccessRecorded and types this build does not model: counted only.
      return;
  }
}

void DomainState::ApplyRecord(uint64_t seq, const fb::RecordImported& b) {
  std::string id = Str(b.record_id());
  if (records_.count(id)) return;  // record ids are global; first wins
  RecordState r;
  r.id = id;
  r.project = Str(b.project_id());
  r.metadata = Str(b.metadata());
  r.seq = seq;
  if (b.content_hash() != nullptr)
    std::copy_n(b.content_hash()->bytes()->Data(), 32, r.content_hash.begin());
  const fb::Payload* content = b.content();
  if (content != nullptr &&
      content->encoding() == fb::PayloadEncoding::Sealed) {
    r.sealed = true;
  } else {
    std::string_view text = PlainPayload(content);
    StatusOr<schemas::RecordShape> shape = schemas::RecordShape::FromJson(text);
    if (shape.ok()) {
      r.shape = std::make_shared<const schemas::RecordShape>(std::move(*shape));
    }
  }
  records_.emplace(std::move(id), std::move(r));
}

void DomainState::ApplySchema(uint64_t seq, const fb::SchemaPublished& b) {
  std::string_view definition = View(b.definition());
  StatusOr<schemas::TaskSchema> parsed = schemas::TaskSchema::Parse(definition);
  // The body's header fields must agree with the document; an event where
  // they do not (raw append only) defines nothing.
  if (!parsed.ok() || parsed->id() != View(b.schema_id()) ||
      parsed->version() != static_cast<int64_t>(b.version())) {
    return;
  }
  auto& versions = schemas_[parsed->id()];
  if (versions.count(b.version())) return;
  SchemaState s;
  s.definition = std::string(definition);
  s.seq = seq;
  s.schema = std::make_shared<const schemas::TaskSchema>(std::move(*parsed));
  s.descriptive = DescriptiveView(*s.schema, definition);
  versions.emplace(b.version(), std::move(s));
}

void DomainState::ApplyRole(const flatbuffers::String* principal, fb::Role role,
                            const flatbuffers::String* project, bool grant) {
  auto it = principals_.find(View(principal));
  if (it == principals_.end() || role == fb::Role::Unspecified ||
      static_cast<uint8_t>(role) > static_cast<uint8_t>(fb::Role::MAX)) {
    return;
  }
  RoleGrant g{role, Str(project)};
  const bool global_admin = role == fb::Role::Admin && g.project.empty();
  if (grant) {
    if (it->second.roles.insert(std::move(g)).second && global_admin) ++admins_;
  } else {
    if (it->second.roles.erase(g) > 0 && global_admin) --admins_;
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
