// Events before and after the ledger commits them.
//
// An EventDraft is a finished FlatBuffer `consilium.fb.Event` whose stamp
// (sequence, previous hash, timestamp) holds placeholders; the ledger patches
// them in place when it commits (the fields are always present, so patching
// never changes the buffer's size or layout). Drafts are built, and all bytes
// before the stamp hashed, on the caller's thread, so encoding and most of the
// hashing cost nothing on the single commit path.
//
// Thread-safety: values; a draft is moved into Ledger::Append.
//
//   EventDraft d = MakeProjectCreated({.actor = "admin"}, "p1", "Sepsis");
//   StatusOr<Committed> c = ledger.Append(std::move(d));
#ifndef CONSILIUM_SCHEMAS_EVENT_H_
#define CONSILIUM_SCHEMAS_EVENT_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "common/status.h"
#include "schemas/events_generated.h"

namespace consilium {

struct SealedContent;  // common/key_store.h

// Version of the stored event encoding; written into every envelope and into
// the ledger's metadata. A reader refuses anything newer than this.
inline constexpr uint16_t kEventFormatVersion = 1;

// Largest stored event, envelope included: 1 MiB. Record content beyond this
// belongs in external storage referenced by hash (images are references).
inline constexpr size_t kMaxEventBytes = 1 << 20;
// Longest actor, request id, project id or record id, in bytes.
inline constexpr size_t kMaxIdBytes = 256;

struct EventHeader {
  std::string actor;
  std::string request_id;  // empty: no idempotent retry
};

class EventDraft {
 public:
  EventDraft() = default;
  // Takes a finished buffer holding a `consilium.fb.Event` that was built with
  // ForceDefaults(true). Use the Make* functions or BuildDraft below. Hashes
  // the bytes before the stamp when the buffer verifies (Validate() reports
  // it when it does not).
  explicit EventDraft(std::string bytes);

  const std::string& bytes() const { return bytes_; }
  const fb::Event* event() const { return fb::GetEvent(bytes_.data()); }

  // Sets the fields the ledger owns, in place, and returns the event's hash,
  // LeafHash(bytes()). Call only on a draft that passed Validate().
  Hash256 Stamp(uint64_t sequence, const Hash256& prev_hash,
                int64_t timestamp_us);

  // Full structural check of an untrusted draft: FlatBuffers verifier, size
  // limit, known body type, placeholder fields present, id rules. Returns
  // InvalidArgument naming the rule broken.
  Status Validate() const;

 private:
  std::string bytes_;
  LeafHashPrefix prefix_;
};

// Builds a draft: `body` is called with the builder and must return the body
// union's type and offset. Keeps the envelope's construction in one place.
template <typename BodyFn>
EventDraft BuildDraft(const EventHeader& header, BodyFn&& body) {
  flatbuffers::FlatBufferBuilder fbb(512);
  fbb.ForceDefaults(true);
  // First built, so last in the buffer (see EventDraft).
  fb::Hash256 zero;
  auto stamp = fb::CreateStamp(fbb, 0, 0, &zero);
  auto actor = fbb.CreateString(header.actor);
  flatbuffers::Offset<flatbuffers::String> request_id;
  if (!header.request_id.empty()) {
    request_id = fbb.CreateString(header.request_id);
  }
  auto [type, offset] = body(fbb);
  fb::EventBuilder eb(fbb);
  eb.add_stamp(stamp);
  eb.add_actor(actor);
  if (!header.request_id.empty()) eb.add_request_id(request_id);
  eb.add_body(offset);
  eb.add_format_version(kEventFormatVersion);
  eb.add_body_type(type);
  fbb.Finish(eb.Finish(), fb::EventIdentifier());
  return EventDraft(std::string(
      reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize()));
}

EventDraft MakeProjectCreated(const EventHeader& header,
                              std::string_view project_id,
                              std::string_view name);

// `content` is the record's plaintext content (JSON text); `metadata` a JSON
// object serialized canonically.
EventDraft MakeRecordImported(const EventHeader& header,
                              std::string_view record_id,
                              std::string_view project_id,
                              std::string_view content,
                              std::string_view metadata);

// ProjectCreated with the fields appended later (events.fbs): the overlap
// target (annotators wanted per record, 0 = none) and blind mode.
EventDraft MakeProjectCreated(const EventHeader& header,
                              std::string_view project_id,
                              std::string_view name, uint32_t overlap_target,
                              bool blind_mode);

// Builders for the domain events (docs/commands.md). They encode what they
// are given; the rules (ids exist, roles held, revisions match) are checked
// by domain::CommandHandler before it builds a draft, and the id rules
// by EventDraft::Validate. String views must outlive the call only.

struct PrincipalRegisteredFields {
  std::string_view principal_id{};
  fb::PrincipalKind kind = fb::PrincipalKind::Person;
  std::string_view display_name{};
  std::string_view pseudonym{};
  std::string_view model_name{};     // kind Model only
  std::string_view model_version{};  // kind Model only
};
EventDraft MakePrincipalRegistered(const EventHeader& header,
                                   const PrincipalRegisteredFields& f);

// `project_id` empty: a global role.
EventDraft MakeRoleGranted(const EventHeader& header,
                           std::string_view principal_id, fb::Role role,
                           std::string_view project_id);
EventDraft MakeRoleRevoked(const EventHeader& header,
                           std::string_view principal_id, fb::Role role,
                           std::string_view project_id);

// Stores only `token_sha256`, never the token.
EventDraft MakeTokenIssued(const EventHeader& header,
                           std::string_view principal_id,
                           const Hash256& token_sha256, int64_t expires_at_us);
// Withdraws the token with this SHA-256 from `principal_id`; `reason`
// optional.
EventDraft MakeTokenRevoked(const EventHeader& header,
                            std::string_view principal_id,
                            const Hash256& token_sha256,
                            std::string_view reason);

struct SchemaPublishedFields {
  std::string_view schema_id{};
  uint32_t version = 0;
  uint32_t parent_version = 0;  // 0 for version 1
  std::string_view changelog{};
  std::string_view definition{};  // the task-schema JSON document
};
EventDraft MakeSchemaPublished(const EventHeader& header,
                               const SchemaPublishedFields& f);

EventDraft MakeCalibrationBatchCreated(const EventHeader& header,
                                       std::string_view project_id,
                                       std::string_view batch_id,
                                       std::span<const std::string> record_ids);

EventDraft MakeAssignmentCreated(const EventHeader& header,
                                 std::string_view project_id,
                                 std::string_view record_id,
                                 std::string_view annotator_id);
EventDraft MakeAssignmentRevoked(const EventHeader& header,
                                 std::string_view project_id,
                                 std::string_view record_id,
                                 std::string_view annotator_id,
                                 std::string_view reason);

// Free text taken out of an annotation's values on an encrypted ledger
// (schemas/annotation_text.h): the sealed canonical {JSON Pointer: text}
// object and the subject whose data key sealed it. Not owned.
struct SealedTextFields {
  std::string_view subject{};
  const SealedContent* sealed = nullptr;
};

// `values` is the annotation's values JSON, stored as a Plain Payload
// ("application/json"); on an encrypted ledger without its free text, which
// `sealed_text` then holds (null: none).
struct AnnotationSubmittedFields {
  std::string_view annotation_id{};
  std::string_view project_id{};
  std::string_view record_id{};
  std::string_view annotator_id{};
  std::string_view schema_id{};
  uint32_t schema_version = 0;
  std::string_view values{};
  uint32_t revision = 1;
  const SealedTextFields* sealed_text = nullptr;
};
EventDraft MakeAnnotationSubmitted(const EventHeader& header,
                                   const AnnotationSubmittedFields& f);

struct AnnotationRevisedFields {
  std::string_view annotation_id{};
  std::string_view project_id{};
  std::string_view record_id{};
  uint32_t expected_revision = 0;
  uint32_t new_revision = 0;
  std::string_view values{};
  std::string_view reason{};
  const SealedTextFields* sealed_text = nullptr;  // as AnnotationSubmitted's
};
EventDraft MakeAnnotationRevised(const EventHeader& header,
                                 const AnnotationRevisedFields& f);

struct AnnotationWithdrawnFields {
  std::string_view annotation_id{};
  std::string_view project_id{};
  std::string_view record_id{};
  uint32_t expected_revision = 0;
  std::string_view reason{};
};
EventDraft MakeAnnotationWithdrawn(const EventHeader& header,
                                   const AnnotationWithdrawnFields& f);

// The envelope's actor is the principal who asked for the resource.
struct AccessRecordedFields {
  std::string_view resource_kind{};
  std::string_view resource_id{};
  std::string_view action{};
  std::string_view purpose{};
  bool allowed = false;
  std::string_view reason{};
  std::string_view record_id{};   // may be empty
  std::string_view project_id{};  // may be empty
};
EventDraft MakeAccessRecorded(const EventHeader& header,
                              const AccessRecordedFields& f);

struct GoldAnswerRecordedFields {
  std::string_view project_id{};
  std::string_view record_id{};
  std::string_view schema_id{};
  uint32_t schema_version = 0;
  std::string_view values{};
  const SealedTextFields* sealed_text = nullptr;  // as AnnotationSubmitted's
};
EventDraft MakeGoldAnswerRecorded(const EventHeader& header,
                                  const GoldAnswerRecordedFields& f);

// `value` is the decided leaf value as JSON text ("\"pneumonia\"", "0.8",
// "[\"a\",\"b\"]"), stored as a Plain JSON Payload; empty (and no payload)
// for an Ambiguous outcome.
struct AdjudicationDecidedFields {
  std::string_view project_id{};
  std::string_view record_id{};
  std::string_view field_path{};
  fb::AdjudicationOutcome outcome = fb::AdjudicationOutcome::Unspecified;
  std::string_view value{};
  std::string_view rationale{};
  std::span<const std::string> cited_annotation_ids{};
  // The claim this decision closes and the annotation events it weighed
  // (docs/adjudication.md, "Events"). Written only when set, so a decision
  // without them has the bytes it had before these fields existed.
  uint64_t lease_seq = 0;
  std::span<const uint64_t> weighed_seqs{};
};
EventDraft MakeAdjudicationDecided(const EventHeader& header,
                                   const AdjudicationDecidedFields& f);

// ---- The adjudication engine's events (docs/adjudication.md, "Events").
// A lease's id is the sequence number of its AdjudicationClaimed event.

// `document` is the policy JSON, canonical; actor: an admin.
struct AdjudicationPolicySetFields {
  std::string_view project_id{};
  uint32_t version = 0;
  std::string_view document{};
  std::string_view schema_id{};
  uint32_t schema_version = 0;
};
EventDraft MakeAdjudicationPolicySet(const EventHeader& header,
                                     const AdjudicationPolicySetFields& f);

struct AdjudicationClaimedFields {
  std::string_view project_id{};
  std::string_view record_id{};
  std::string_view field_path{};
  int64_t expires_us = 0;
  std::span<const uint64_t> weighed_seqs{};
  std::span<const std::string> weighed_annotation_ids{};
};
EventDraft MakeAdjudicationClaimed(const EventHeader& header,
                                   const AdjudicationClaimedFields& f);

EventDraft MakeAdjudicationReleased(const EventHeader& header,
                                    std::string_view project_id,
                                    uint64_t lease_seq);
// Actor: the server principal.
EventDraft MakeAdjudicationLeaseExpired(const EventHeader& header,
                                        std::string_view project_id,
                                        uint64_t lease_seq,
                                        int64_t deadline_us);
// A snapshot tag (docs/snapshots.md, "Tags"): `name` for the dataset
// version of `project_id` over events 1..as_of_seq.
struct SnapshotTaggedFields {
  std::string_view name{};
  std::string_view project_id{};
  uint64_t as_of_seq = 0;
  std::string_view note{};
};
EventDraft MakeSnapshotTagged(const EventHeader& header,
                              const SnapshotTaggedFields& f);

EventDraft MakeAdjudicationEscalated(const EventHeader& header,
                                     std::string_view project_id,
                                     uint64_t lease_seq,
                                     std::string_view rationale);

// What `consilium repair-indexes` did to one derived index.
struct IndexRepairCount {
  std::string index;  // by_record, by_actor, requests, merkle
  uint64_t added = 0;
  uint64_t removed = 0;
};
// Written by the ledger itself (Ledger::RepairIndexes), never from outside
// input: `through_seq` is the last event the indexes were rebuilt from.
EventDraft MakeIndexesRepaired(const EventHeader& header,
                               std::span<const IndexRepairCount> indexes,
                               uint64_t through_seq);

// "admin", "annotator", ...; "unspecified" for Role::Unspecified.
std::string_view RoleName(fb::Role role);
// The role spelled `name`, or Role::Unspecified.
fb::Role RoleFromName(std::string_view name);
// "person" or "model".
std::string_view PrincipalKindName(fb::PrincipalKind kind);

// "decided", "ambiguous" or "unspecified".
std::string_view AdjudicationOutcomeName(fb::AdjudicationOutcome outcome);

// The plaintext bytes of a Plain payload; empty for a Sealed or absent one.
std::string_view PlainPayload(const fb::Payload* payload);

// Checks stored bytes read back from disk: FlatBuffers verifier and identifier,
// format version. `bytes` must start 8-byte aligned (a std::string's buffer
// is; a RocksDB slice is not: copy it first), as must any buffer given to
// EventView. DataLoss on undecodable bytes, FailedPrecondition on a
// format version newer than this build.
Status VerifyStoredEvent(std::string_view bytes);

// Accessors for a verified event.
inline const fb::Event* EventView(std::string_view bytes) {
  return fb::GetEvent(bytes.data());
}
uint64_t SequenceOf(const fb::Event& event);
int64_t TimestampOf(const fb::Event& event);
Hash256 PrevHashOf(const fb::Event& event);
// "ProjectCreated", "RecordImported", ...
std::string_view EventTypeName(fb::EventBody type);
// The record an event is about, or empty.
std::string_view RecordIdOf(const fb::Event& event);
// The project an event belongs to, or empty.
std::string_view ProjectIdOf(const fb::Event& event);

inline std::string_view View(const flatbuffers::String* s) {
  return s == nullptr ? std::string_view() : s->string_view();
}

}  // namespace consilium

#endif  // CONSILIUM_SCHEMAS_EVENT_H_
