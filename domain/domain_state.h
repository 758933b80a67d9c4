// DomainState: the current state of the annotation domain (projects,
// principals and their roles and token hashes, task schemas, records,
// calibration batches, assignments, annotations and their revisions), built by
// applying committed events in sequence order. CommandHandler
// (domain/commands.h) validates every command against it.
//
// Apply is deterministic and total: it never fails on a committed event.
// Events reach the ledger either through CommandHandler (fully validated) or
// through `consilium append` (structurally validated only), so Apply resolves
// anything a raw append could make inconsistent by fixed rules: the first
// definition of an id wins, an event about something unknown is ignored
// (docs/commands.md, "Replay"; stated once in domain::Decide, replay.h).
// Rebuilding from scratch therefore always equals the state kept incrementally.
//
// Thread-safety: none; DomainState is a value. CommandHandler guards its copy
// with a mutex. Schemas and record shapes are held through shared pointers to
// immutable objects, so a copy is cheap to take and safe to read from other
// threads after the lock is released.
//
//   DomainState state;
//   ledger.Scan(1, 0, [&](const StoredEvent& e) { state.Apply(e); return true;
//   }); const RecordState* r = state.FindRecord("rec-1");
#ifndef CONSILIUM_PROJECTIONS_DOMAIN_H_
#define CONSILIUM_PROJECTIONS_DOMAIN_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/hash.h"
#include "domain/deid_gate.h"
#include "domain/internal/id_index.h"
#include "domain/replay.h"
#include "ledger/ledger.h"
#include "schemas/annotation_validator.h"
#include "schemas/event.h"
#include "schemas/sealed_content.h"
#include "schemas/task_schema.h"

namespace consilium::domain {

struct ProjectState {
  std::string id;
  std::string name;
  uint32_t overlap_target = 0;  // annotators wanted per record; 0 = none
  bool blind_mode = false;
  uint64_t seq = 0;  // the ProjectCreated event
  friend bool operator==(const ProjectState&, const ProjectState&) = default;
};

// One role held by a principal: globally (`project` empty) or in a project.
struct RoleGrant {
  fb::Role role = fb::Role::Unspecified;
  std::string project;
  friend auto operator<=>(const RoleGrant&, const RoleGrant&) = default;
};

struct TokenState {
  Hash256 sha256{};
  int64_t expires_at_us = 0;
  uint64_t seq = 0;          // the TokenIssued event
  uint64_t revoked_seq = 0;  // the first TokenRevoked naming it; 0: live
  friend bool operator==(const TokenState&, const TokenState&) = default;
};

struct PrincipalState {
  std::string id;
  fb::PrincipalKind kind = fb::PrincipalKind::Person;
  std::string display_name;
  std::string pseudonym;
  std::string model_name;     // models only
  std::string model_version;  // models only
  std::set<RoleGrant> roles;
  std::vector<TokenState> tokens;  // in issue order
  uint64_t seq = 0;

  bool is_model() const { return kind == fb::PrincipalKind::Model; }
  // True when the principal holds `role` globally or in `project`.
  bool HasRole(fb::Role role, std::string_view project) const;
  friend bool operator==(const PrincipalState&,
                         const PrincipalState&) = default;
};

// One published task-schema version.
struct SchemaState {
  std::shared_ptr<const schemas::TaskSchema> schema;
  // The same version restricted to its descriptive top-level fields (those
  // whose whole subtree is descriptive): what a model principal may fill in.
  // Null when the schema has no such field.
  std::shared_ptr<const schemas::TaskSchema> descriptive;
  std::string definition;  // the published document, verbatim
  uint64_t seq = 0;
  friend bool operator==(const SchemaState& a, const SchemaState& b) {
    return a.definition == b.definition && a.seq == b.seq &&
           (a.descriptive == nullptr) == (b.descriptive == nullptr);
  }
};

struct RecordState {
  std::string id;
  std::string project;
  // Text and image sizes for validation; null when the content is sealed or
  // is not a record document (a raw `consilium append` of other content).
  std::shared_ptr<const schemas::RecordShape> shape;
  bool sealed = false;
  // The subject whose data key seals the content (empty while plain), and
  // the KeyShredded that destroyed that key (0: not shredded).
  std::string subject;
  uint64_t shredded_seq = 0;
  Hash256 content_hash{};
  std::string metadata;  // canonical JSON object
  uint64_t seq = 0;
  // The de-identification gate (docs/deid.md, "The import gate"): the
  // RecordQuarantined that held the record back (0: never quarantined), the
  // DeidentificationReviewed that released or redacted it (0: not yet), and
  // the event whose payload is the content served: the RecordImported, or
  // the review that redacted it (content_hash is then the redacted one's).
  uint64_t quarantined_seq = 0;
  uint64_t deid_reviewed_seq = 0;
  uint64_t content_seq = 0;
  // Held back: never served to annotators, adjudicators or exports.
  bool quarantined() const {
    return quarantined_seq != 0 && deid_reviewed_seq == 0;
  }
  friend bool operator==(const RecordState& a, const RecordState& b);
};

struct BatchState {
  std::string id;
  std::string project;
  std::vector<std::string> records;
  uint64_t seq = 0;
  friend bool operator==(const BatchState&, const BatchState&) = default;
};

// One revision of an annotation: the event that made it. The values stay in
// the ledger (read them with Ledger::Get(seq)); keeping them here would make
// the state grow with every byte annotators write.
struct RevisionState {
  uint32_t revision = 0;
  uint64_t seq = 0;
  int64_t timestamp_us = 0;
  friend bool operator==(const RevisionState&, const RevisionState&) = default;
};

struct AnnotationState {
  std::string id;
  std::string project;
  std::string record;
  std::string annotator;
  std::string schema_id;
  uint32_t schema_version = 0;
  // Made by a model principal: a pre-label of descriptive fields, kept apart
  // from physician judgment.
  bool by_model = false;
  uint32_t revision = 0;  // current revision (1 after submission)
  bool withdrawn = false;
  std::vector<RevisionState> history;  // revision 1 first
  uint64_t withdrawn_seq = 0;
  friend bool operator==(const AnnotationState&,
                         const AnnotationState&) = default;
};

struct GoldAnswerState {
  std::string project;
  std::string record;
  std::string schema_id;
  uint32_t schema_version = 0;
  uint64_t seq = 0;  // the latest GoldAnswerRecorded for this key
  friend bool operator==(const GoldAnswerState&,
                         const GoldAnswerState&) = default;
};

class DomainState {
 public:
  // Applies one committed event. Events must come in ascending sequence
  // order; an event at or below last_seq() is ignored, so applying the same
  // event twice is harmless. Never fails.
  // `models` (other modules' write-side models: adjudication) are handed
  // every effect Decide accepts, after this state keeps it, with the effect
  // decided against this state as it was before the event.
  void Apply(const StoredEvent& event, std::span<Model* const> models = {});
  // The same, for an event whose stamp is not in `event` (CommandHandler
  // applies its own drafts with the sequence number and time the ledger
  // reported).
  void Apply(uint64_t seq, int64_t timestamp_us, const fb::Event& event,
             std::span<Model* const> models = {});

  // The last sequence number applied (0 for none).
  uint64_t last_seq() const { return last_seq_; }

  // Lookups; each returns nullptr when absent. Pointers are valid until the
  // next Apply.
  const ProjectState* FindProject(std::string_view id) const;
  const PrincipalState* FindPrincipal(std::string_view id) const;
  // The principal a token with this SHA-256 was issued to (the hash, not
  // the token: api/domain_authenticator.h), expired or not.
  const PrincipalState* FindTokenOwner(const Hash256& token_sha256) const;
  const SchemaState* FindSchema(std::string_view id, uint32_t version) const;
  // The highest published version of `id`, or 0.
  uint32_t LatestSchemaVersion(std::string_view id) const;
  const RecordState* FindRecord(std::string_view id) const;
  const BatchState* FindBatch(std::string_view project,
                              std::string_view id) const;
  bool IsAssigned(std::string_view record, std::string_view annotator) const;
  const AnnotationState* FindAnnotation(std::string_view id) const;
  const GoldAnswerState* FindGoldAnswer(std::string_view record,
                                        std::string_view schema_id,
                                        uint32_t version) const;

  // True when some principal holds the global admin role (until then the
  // ledger is in bootstrap mode: docs/commands.md, "Permissions").
  bool HasAdmin() const { return admins_ > 0; }

  // Encryption at rest (docs/encryption.md). The keys a sealed record's
  // content is opened with when it is applied (for its shape); set before
  // the first Apply. Not part of the state: not compared, not replayed.
  void set_content_keys(ContentKeys keys) { content_keys_ = keys; }
  const ContentKeys& content_keys() const { return content_keys_; }
  // The de-identification gate record imports go through (docs/deid.md).
  void set_deid_gate(DeidGate gate) { deid_gate_ = std::move(gate); }
  const DeidGate& deid_gate() const { return deid_gate_; }
  // The KeyShredded that destroyed `subject`'s key, or 0.
  uint64_t ShreddedSeq(std::string_view subject) const;
  // The records whose content is sealed for `subject`, sorted.
  std::vector<std::string> RecordsOfSubject(std::string_view subject) const;
  // The de-identification review queue (docs/deid.md): the records of
  // `project` (every project when empty) the gate holds, oldest first.
  std::vector<const RecordState*> HeldRecords(std::string_view project) const;

  // Whole collections, for listings and tests.
  const std::map<std::string, ProjectState, std::less<>>& projects() const {
    return projects_;
  }
  const std::map<std::string, PrincipalState, std::less<>>& principals() const {
    return principals_;
  }
  // Schema id -> version -> state.
  const std::map<std::string, std::map<uint32_t, SchemaState>, std::less<>>&
  schemas() const {
    return schemas_;
  }
  size_t record_count() const { return records_.size(); }
  size_t annotation_count() const { return annotations_.size(); }
  // Annotators assigned to `record`, sorted.
  std::vector<std::string> AssignedAnnotators(std::string_view record) const;
  // The records assigned to `annotator` now, as (sequence number of the
  // AssignmentCreated, record id), oldest assignment first (an annotator's
  // work list: api/annotation_routes.h).
  std::vector<std::pair<uint64_t, std::string>> AssignmentsOf(
      std::string_view annotator) const;
  // The annotations of `record` (withdrawn ones included), in submission
  // order. Pointers valid until the next Apply.
  std::vector<const AnnotationState*> AnnotationsOfRecord(
      std::string_view record) const;
  // True when `principal` submitted an annotation of `record` (withdrawn or
  // not): an adjudicator never sees such a record's work
  // (domain/authorizer.h).
  bool HasAnnotated(std::string_view record, std::string_view principal) const;
  // Events applied per body type (every committed event counts, including
  // those the state otherwise ignores, such as AccessRecorded).
  const std::map<fb::EventBody, uint64_t>& event_counts() const {
    return event_counts_;
  }

  friend bool operator==(const DomainState&, const DomainState&);

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>()(s);
    }
  };
  template <typename V>
  using StringMap =
      std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

  // Answers Decide's questions and keeps its effects (domain/replay.h).
  struct Replayer;
  void ApplyRecord(uint64_t seq, const fb::RecordImported& b, bool sealed);
  // A reviewer's verdict on a held record (RecordDeidReviewed): the first
  // wins; a redaction's content becomes the one served (and shaped).
  void ApplyDeidReview(uint64_t seq, const fb::DeidentificationReviewed& b);
  void ApplyRole(std::string_view principal, fb::Role role,
                 const flatbuffers::String* project, bool grant);

  uint64_t last_seq_ = 0;
  size_t admins_ = 0;  // principals holding the global admin role
  std::map<std::string, ProjectState, std::less<>> projects_;
  std::map<std::string, PrincipalState, std::less<>> principals_;
  // Token hash -> principal id, one entry per TokenState.
  std::map<Hash256, std::string> token_owners_;
  std::map<std::string, std::map<uint32_t, SchemaState>, std::less<>> schemas_;
  StringMap<RecordState> records_;
  std::map<std::pair<std::string, std::string>, BatchState> batches_;
  // record -> annotators assigned to it.
  StringMap<std::set<std::string, std::less<>>> assignments_;
  // annotator -> record -> seq of its AssignmentCreated (the reverse of
  // assignments_, for work lists; derived, so not compared by ==).
  StringMap<std::map<std::string, uint64_t, std::less<>>> assigned_records_;
  // record -> numbers of its annotations (indexes into annotations_), in
  // submission order; derived from annotations_, not compared by ==.
  StringMap<std::vector<uint32_t>> record_annotations_;
  // Annotations in submission order, found by id through annotation_index_
  // (number n is annotations_[n]). A deque: growing never moves them, so a
  // million annotations are never copied under the handler's lock.
  std::deque<AnnotationState> annotations_;
  internal::IdIndex annotation_index_;
  AnnotationState* FindAnnotationMutable(std::string_view id);
  // annotation_index_'s id_of: the id of annotation number n.
  auto AnnotationIdOf() const {
    return
        [this](uint32_t n) -> std::string_view { return annotations_[n].id; };
  }
  // (record, "schema@version") -> gold answer.
  std::map<std::pair<std::string, std::string>, GoldAnswerState> gold_;
  std::map<fb::EventBody, uint64_t> event_counts_;
  // subject -> seq of its KeyShredded.
  std::map<std::string, uint64_t, std::less<>> shredded_;
  ContentKeys content_keys_;
  DeidGate deid_gate_;
};

// The descriptive-only view of `schema` (see SchemaState::descriptive), built
// from its published definition; null when no top-level field is wholly
// descriptive.
std::shared_ptr<const schemas::TaskSchema> DescriptiveView(
    const schemas::TaskSchema& schema, std::string_view definition);

}  // namespace consilium::domain

#endif  // CONSILIUM_PROJECTIONS_DOMAIN_H_
