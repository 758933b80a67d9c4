#include "schemas/event.h"

#include <cstring>
#include <vector>

#include "schemas/internal/event_checks.h"
#include "schemas/internal/record_imported.h"
#include "schemas/sealed_content.h"

namespace consilium {
namespace {

Status CheckId(std::string_view what, std::string_view id, bool required) {
  if (id.empty()) {
    if (required)
      return InvalidArgumentError(std::string(what) + " is required");
    return OkStatus();
  }
  if (id.size() > kMaxIdBytes) {
    return InvalidArgumentError(
        std::string(what) + " is " + std::to_string(id.size()) +
        " bytes; the limit is " + std::to_string(kMaxIdBytes));
  }
  // NUL separates parts of index keys (docs/storage.md).
  if (id.find('\0') != std::string_view::npos) {
    return InvalidArgumentError(std::string(what) +
                                " contains a NUL character");
  }
  return OkStatus();
}

// The ids of the adjudication engine's events beyond the project and record.
Status CheckAdjudicationIds(const fb::Event& e) {
  if (e.body_type() == fb::EventBody::AdjudicationPolicySet) {
    return CheckId("schema_id",
                   View(e.body_as_AdjudicationPolicySet()->schema_id()), true);
  }
  const auto* b = e.body_as_AdjudicationClaimed();
  if (b == nullptr) return OkStatus();
  RETURN_IF_ERROR(CheckId("field_path", View(b->field_path()), true));
  if (b->weighed_annotation_ids() != nullptr) {
    for (const auto* id : *b->weighed_annotation_ids())
      RETURN_IF_ERROR(CheckId("weighed_annotation_ids[]", View(id), true));
  }
  return OkStatus();
}

// TokenIssued and TokenRevoked: a token hash, for a valid principal id.
template <typename TokenEvent>
Status CheckTokenIds(const TokenEvent* b) {
  if (b->token_sha256() == nullptr)
    return InvalidArgumentError("token_sha256 is required");
  return CheckId("principal_id", View(b->principal_id()), true);
}

Status CheckSnapshotTag(const fb::SnapshotTagged& b) {
  RETURN_IF_ERROR(CheckId("name", View(b.name()), true));
  if (b.as_of_seq() == 0) {
    return InvalidArgumentError("SnapshotTagged: as_of_seq must be >= 1");
  }
  return OkStatus();
}

// The ids of the domain events beyond the record and project (which
// Validate checks for every type): they become map keys in the projections.
Status CheckBodyIds(const fb::Event& e) {
  switch (e.body_type()) {
    case fb::EventBody::PrincipalRegistered:
      return CheckId("principal_id",
                     View(e.body_as_PrincipalRegistered()->principal_id()),
                     true);
    case fb::EventBody::RoleGranted:
      return CheckId("principal_id",
                     View(e.body_as_RoleGranted()->principal_id()), true);
    case fb::EventBody::RoleRevoked:
      return CheckId("principal_id",
                     View(e.body_as_RoleRevoked()->principal_id()), true);
    case fb::EventBody::TokenIssued:
      return CheckTokenIds(e.body_as_TokenIssued());
    case fb::EventBody::TokenRevoked:
      return CheckTokenIds(e.body_as_TokenRevoked());
    case fb::EventBody::SchemaPublished:
      return CheckId("schema_id",
                     View(e.body_as_SchemaPublished()->schema_id()), true);
    case fb::EventBody::CalibrationBatchCreated: {
      const auto* b = e.body_as_CalibrationBatchCreated();
      RETURN_IF_ERROR(CheckId("batch_id", View(b->batch_id()), true));
      if (b->record_ids() != nullptr) {
        for (const auto* id : *b->record_ids())
          RETURN_IF_ERROR(CheckId("record_ids[]", View(id), true));
      }
      return OkStatus();
    }
    case fb::EventBody::AssignmentCreated:
      return CheckId("annotator_id",
                     View(e.body_as_AssignmentCreated()->annotator_id()), true);
    case fb::EventBody::AssignmentRevoked:
      return CheckId("annotator_id",
                     View(e.body_as_AssignmentRevoked()->annotator_id()), true);
    case fb::EventBody::AnnotationSubmitted: {
      const auto* b = e.body_as_AnnotationSubmitted();
      RETURN_IF_ERROR(CheckId("annotation_id", View(b->annotation_id()), true));
      RETURN_IF_ERROR(CheckId("annotator_id", View(b->annotator_id()), true));
      return CheckId("schema_id", View(b->schema_id()), true);
    }
    case fb::EventBody::AnnotationRevised:
      return CheckId("annotation_id",
                     View(e.body_as_AnnotationRevised()->annotation_id()),
                     true);
    case fb::EventBody::AnnotationWithdrawn:
      return CheckId("annotation_id",
                     View(e.body_as_AnnotationWithdrawn()->annotation_id()),
                     true);
    case fb::EventBody::AccessRecorded:
      return CheckId("resource_id",
                     View(e.body_as_AccessRecorded()->resource_id()), true);
    case fb::EventBody::GoldAnswerRecorded:
      return CheckId("schema_id",
                     View(e.body_as_GoldAnswerRecorded()->schema_id()), true);
    case fb::EventBody::AdjudicationDecided: {
      const auto* b = e.body_as_AdjudicationDecided();
      RETURN_IF_ERROR(CheckId("field_path", View(b->field_path()), true));
      if (b->cited_annotation_ids() != nullptr) {
        for (const auto* id : *b->cited_annotation_ids())
          RETURN_IF_ERROR(CheckId("cited_annotation_ids[]", View(id), true));
      }
      return OkStatus();
    }
    case fb::EventBody::AdjudicationPolicySet:
    case fb::EventBody::AdjudicationClaimed:
      return CheckAdjudicationIds(e);
    case fb::EventBody::SnapshotTagged:
      return CheckSnapshotTag(*e.body_as_SnapshotTagged());
    case fb::EventBody::KeyShredded:
      return CheckKeyShredded(*e.body_as_KeyShredded());
    default:
      return OkStatus();
  }
}

}  // namespace

EventDraft::EventDraft(std::string bytes) : bytes_(std::move(bytes)) {
  flatbuffers::Verifier verifier(
      reinterpret_cast<const uint8_t*>(bytes_.data()), bytes_.size());
  if (bytes_.size() <= kMaxEventBytes && fb::VerifyEventBuffer(verifier)) {
    // Stamping changes only the stamp table's fields, which lie after the
    // table's start; every byte before it is final.
    const auto* stamp = reinterpret_cast<const uint8_t*>(event()->stamp());
    prefix_ =
        LeafHashPrefix(AsBytes(bytes_),
                       stamp - reinterpret_cast<const uint8_t*>(bytes_.data()));
  }
}

Hash256 EventDraft::Stamp(uint64_t sequence, const Hash256& prev_hash,
                          int64_t timestamp_us) {
  fb::Stamp* stamp = fb::GetMutableEvent(bytes_.data())->mutable_stamp();
  bool ok = stamp->mutate_sequence(sequence);
  ok = stamp->mutate_timestamp_us(timestamp_us) && ok;
  // Validate() guaranteed all three fields are present.
  assert(ok && stamp->mutable_prev_hash() != nullptr);
  (void)ok;
  std::memcpy(stamp->mutable_prev_hash()->mutable_bytes()->Data(),
              prev_hash.data(), 32);
  return prefix_.Finish(AsBytes(bytes_));
}

Status EventDraft::Validate() const {
  if (bytes_.size() > kMaxEventBytes) {
    return InvalidArgumentError("event is " + std::to_string(bytes_.size()) +
                                " bytes encoded; the limit is " +
                                std::to_string(kMaxEventBytes));
  }
  flatbuffers::Verifier verifier(
      reinterpret_cast<const uint8_t*>(bytes_.data()), bytes_.size());
  if (!fb::VerifyEventBuffer(verifier)) {
    return InvalidArgumentError(
        "event draft is not a valid consilium.fb.Event");
  }
  const fb::Event* e = event();
  if (e->format_version() != kEventFormatVersion) {
    return InvalidArgumentError("event draft has format version " +
                                std::to_string(e->format_version()) +
                                ", expected " +
                                std::to_string(kEventFormatVersion));
  }
  // The ledger patches these in place; they must have been written.
  // Generated tables derive privately from flatbuffers::Table.
  const auto* stamp = reinterpret_cast<const flatbuffers::Table*>(e->stamp());
  if (e->stamp()->prev_hash() == nullptr ||
      !stamp->CheckField(fb::Stamp::VT_SEQUENCE) ||
      !stamp->CheckField(fb::Stamp::VT_TIMESTAMP_US)) {
    return InvalidArgumentError(
        "event draft's stamp lacks sequence, prev_hash or timestamp_us (build "
        "it with "
        "ForceDefaults)");
  }
  if (e->body_type() == fb::EventBody::NONE ||
      static_cast<uint8_t>(e->body_type()) >
          static_cast<uint8_t>(fb::EventBody::MAX)) {
    return InvalidArgumentError("event draft has no known body type");
  }
  RETURN_IF_ERROR(CheckId("actor", View(e->actor()), /*required=*/true));
  RETURN_IF_ERROR(CheckId("request_id", View(e->request_id()), false));
  RETURN_IF_ERROR(CheckId("record_id", RecordIdOf(*e), false));
  RETURN_IF_ERROR(CheckId("project_id", ProjectIdOf(*e), false));
  if (const auto v = schemas::internal::MisalignedWideVector(*e, bytes_.data());
      !v.empty()) {
    return InvalidArgumentError("event draft's " + std::string(v) +
                                " is not 8-byte aligned");
  }
  return CheckBodyIds(*e);
}

EventDraft MakeProjectCreated(const EventHeader& header,
                              std::string_view project_id,
                              std::string_view name) {
  return MakeProjectCreated(header, project_id, name, 0, false);
}

EventDraft MakeProjectCreated(const EventHeader& header,
                              std::string_view project_id,
                              std::string_view name, uint32_t overlap_target,
                              bool blind_mode) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto pid = fbb.CreateString(project_id);
    auto n = fbb.CreateString(name);
    auto body =
        fb::CreateProjectCreated(fbb, pid, n, overlap_target, blind_mode);
    return std::make_pair(fb::EventBody::ProjectCreated, body.Union());
  });
}

namespace {

// Optional strings are written only when non-empty; readers treat absent and
// empty alike (View() returns an empty view for both).
flatbuffers::Offset<flatbuffers::String> OptString(
    flatbuffers::FlatBufferBuilder& fbb, std::string_view s) {
  if (s.empty()) return 0;
  return fbb.CreateString(s);
}

flatbuffers::Offset<
    flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>>
CreateStrings(flatbuffers::FlatBufferBuilder& fbb,
              std::span<const std::string> strings) {
  std::vector<flatbuffers::Offset<flatbuffers::String>> offsets;
  offsets.reserve(strings.size());
  for (const std::string& s : strings) offsets.push_back(fbb.CreateString(s));
  return fbb.CreateVector(offsets);
}

template <typename Fn>
EventDraft RoleDraft(const EventHeader& header, std::string_view principal_id,
                     fb::Role role, std::string_view project_id, Fn&& create,
                     fb::EventBody type) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString(principal_id);
    auto proj = OptString(fbb, project_id);
    return std::make_pair(type, create(fbb, p, role, proj).Union());
  });
}

}  // namespace

EventDraft MakePrincipalRegistered(const EventHeader& header,
                                   const PrincipalRegisteredFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto id = fbb.CreateString(f.principal_id);
    auto display = OptString(fbb, f.display_name);
    auto pseudonym = OptString(fbb, f.pseudonym);
    auto model = OptString(fbb, f.model_name);
    auto version = OptString(fbb, f.model_version);
    auto body = fb::CreatePrincipalRegistered(fbb, id, f.kind, display,
                                              pseudonym, model, version);
    return std::make_pair(fb::EventBody::PrincipalRegistered, body.Union());
  });
}

EventDraft MakeRoleGranted(const EventHeader& header,
                           std::string_view principal_id, fb::Role role,
                           std::string_view project_id) {
  return RoleDraft(
      header, principal_id, role, project_id,
      [](auto& fbb, auto p, fb::Role r, auto proj) {
        return fb::CreateRoleGranted(fbb, p, r, proj);
      },
      fb::EventBody::RoleGranted);
}

EventDraft MakeRoleRevoked(const EventHeader& header,
                           std::string_view principal_id, fb::Role role,
                           std::string_view project_id) {
  return RoleDraft(
      header, principal_id, role, project_id,
      [](auto& fbb, auto p, fb::Role r, auto proj) {
        return fb::CreateRoleRevoked(fbb, p, r, proj);
      },
      fb::EventBody::RoleRevoked);
}

EventDraft MakeTokenIssued(const EventHeader& header,
                           std::string_view principal_id,
                           const Hash256& token_sha256, int64_t expires_at_us) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto id = fbb.CreateString(principal_id);
    fb::Hash256 h(
        flatbuffers::span<const uint8_t, 32>(token_sha256.data(), 32));
    auto body = fb::CreateTokenIssued(fbb, id, &h, expires_at_us);
    return std::make_pair(fb::EventBody::TokenIssued, body.Union());
  });
}

EventDraft MakeTokenRevoked(const EventHeader& header,
                            std::string_view principal_id,
                            const Hash256& token_sha256,
                            std::string_view reason) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto id = fbb.CreateString(principal_id);
    auto why = OptString(fbb, reason);
    fb::Hash256 h(
        flatbuffers::span<const uint8_t, 32>(token_sha256.data(), 32));
    auto body = fb::CreateTokenRevoked(fbb, id, &h, why);
    return std::make_pair(fb::EventBody::TokenRevoked, body.Union());
  });
}

EventDraft MakeSchemaPublished(const EventHeader& header,
                               const SchemaPublishedFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto id = fbb.CreateString(f.schema_id);
    auto changelog = OptString(fbb, f.changelog);
    auto definition = fbb.CreateString(f.definition);
    auto body = fb::CreateSchemaPublished(fbb, id, f.version, f.parent_version,
                                          changelog, definition);
    return std::make_pair(fb::EventBody::SchemaPublished, body.Union());
  });
}

EventDraft MakeCalibrationBatchCreated(
    const EventHeader& header, std::string_view project_id,
    std::string_view batch_id, std::span<const std::string> record_ids) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto pid = fbb.CreateString(project_id);
    auto bid = fbb.CreateString(batch_id);
    std::vector<flatbuffers::Offset<flatbuffers::String>> ids;
    ids.reserve(record_ids.size());
    for (const std::string& r : record_ids) ids.push_back(fbb.CreateString(r));
    auto vec = fbb.CreateVector(ids);
    auto body = fb::CreateCalibrationBatchCreated(fbb, pid, bid, vec);
    return std::make_pair(fb::EventBody::CalibrationBatchCreated, body.Union());
  });
}

EventDraft MakeAssignmentCreated(const EventHeader& header,
                                 std::string_view project_id,
                                 std::string_view record_id,
                                 std::string_view annotator_id) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString(project_id);
    auto r = fbb.CreateString(record_id);
    auto a = fbb.CreateString(annotator_id);
    auto body = fb::CreateAssignmentCreated(fbb, p, r, a);
    return std::make_pair(fb::EventBody::AssignmentCreated, body.Union());
  });
}

EventDraft MakeAssignmentRevoked(const EventHeader& header,
                                 std::string_view project_id,
                                 std::string_view record_id,
                                 std::string_view annotator_id,
                                 std::string_view reason) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString(project_id);
    auto r = fbb.CreateString(record_id);
    auto a = fbb.CreateString(annotator_id);
    auto why = OptString(fbb, reason);
    auto body = fb::CreateAssignmentRevoked(fbb, p, r, a, why);
    return std::make_pair(fb::EventBody::AssignmentRevoked, body.Union());
  });
}

namespace {

// The sealed_text payload of an annotation's or gold answer's values, or
// none.
flatbuffers::Offset<fb::Payload> SealedTextPayload(
    flatbuffers::FlatBufferBuilder& fbb, const SealedTextFields* text) {
  if (text == nullptr || text->sealed == nullptr) return 0;
  return schemas::internal::BuildSealedPayload(fbb, text->subject,
                                               *text->sealed);
}

}  // namespace

EventDraft MakeAnnotationSubmitted(const EventHeader& header,
                                   const AnnotationSubmittedFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto id = fbb.CreateString(f.annotation_id);
    auto p = fbb.CreateString(f.project_id);
    auto r = fbb.CreateString(f.record_id);
    auto a = fbb.CreateString(f.annotator_id);
    auto s = fbb.CreateString(f.schema_id);
    auto values = schemas::internal::BuildPlainPayload(fbb, f.values);
    auto text = SealedTextPayload(fbb, f.sealed_text);
    auto body = fb::CreateAnnotationSubmitted(
        fbb, id, p, r, a, s, f.schema_version, values, f.revision, text);
    return std::make_pair(fb::EventBody::AnnotationSubmitted, body.Union());
  });
}

EventDraft MakeAnnotationRevised(const EventHeader& header,
                                 const AnnotationRevisedFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto id = fbb.CreateString(f.annotation_id);
    auto p = fbb.CreateString(f.project_id);
    auto r = fbb.CreateString(f.record_id);
    auto values = schemas::internal::BuildPlainPayload(fbb, f.values);
    auto why = OptString(fbb, f.reason);
    auto text = SealedTextPayload(fbb, f.sealed_text);
    auto body = fb::CreateAnnotationRevised(fbb, id, p, r, f.expected_revision,
                                            f.new_revision, values, why, text);
    return std::make_pair(fb::EventBody::AnnotationRevised, body.Union());
  });
}

EventDraft MakeAnnotationWithdrawn(const EventHeader& header,
                                   const AnnotationWithdrawnFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto id = fbb.CreateString(f.annotation_id);
    auto p = fbb.CreateString(f.project_id);
    auto r = fbb.CreateString(f.record_id);
    auto why = OptString(fbb, f.reason);
    auto body =
        fb::CreateAnnotationWithdrawn(fbb, id, p, r, f.expected_revision, why);
    return std::make_pair(fb::EventBody::AnnotationWithdrawn, body.Union());
  });
}

EventDraft MakeAccessRecorded(const EventHeader& header,
                              const AccessRecordedFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto kind = fbb.CreateString(f.resource_kind);
    auto id = fbb.CreateString(f.resource_id);
    auto action = fbb.CreateString(f.action);
    auto purpose = OptString(fbb, f.purpose);
    auto reason = OptString(fbb, f.reason);
    auto record = OptString(fbb, f.record_id);
    auto project = OptString(fbb, f.project_id);
    auto body = fb::CreateAccessRecorded(fbb, kind, id, action, purpose,
                                         f.allowed, reason, record, project);
    return std::make_pair(fb::EventBody::AccessRecorded, body.Union());
  });
}

EventDraft MakeGoldAnswerRecorded(const EventHeader& header,
                                  const GoldAnswerRecordedFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString(f.project_id);
    auto r = fbb.CreateString(f.record_id);
    auto s = fbb.CreateString(f.schema_id);
    auto values = schemas::internal::BuildPlainPayload(fbb, f.values);
    auto text = SealedTextPayload(fbb, f.sealed_text);
    auto body = fb::CreateGoldAnswerRecorded(fbb, p, r, s, f.schema_version,
                                             values, text);
    return std::make_pair(fb::EventBody::GoldAnswerRecorded, body.Union());
  });
}

EventDraft MakeAdjudicationDecided(const EventHeader& header,
                                   const AdjudicationDecidedFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString(f.project_id);
    auto r = fbb.CreateString(f.record_id);
    auto path = fbb.CreateString(f.field_path);
    flatbuffers::Offset<fb::Payload> value;
    if (!f.value.empty())
      value = schemas::internal::BuildPlainPayload(fbb, f.value);
    auto rationale = OptString(fbb, f.rationale);
    auto cited = CreateStrings(fbb, f.cited_annotation_ids);
    flatbuffers::Offset<flatbuffers::Vector<uint64_t>> weighed;
    if (!f.weighed_seqs.empty())
      weighed = fbb.CreateVector(f.weighed_seqs.data(), f.weighed_seqs.size());
    // The generated Create's order, but lease_seq only when set: with
    // ForceDefaults a zero would be written, and a decision without a lease
    // must keep the bytes it had before the field existed.
    fb::AdjudicationDecidedBuilder b(fbb);
    if (f.lease_seq != 0) b.add_lease_seq(f.lease_seq);
    b.add_weighed_seqs(weighed);
    b.add_cited_annotation_ids(cited);
    b.add_rationale(rationale);
    b.add_value(value);
    b.add_field_path(path);
    b.add_record_id(r);
    b.add_project_id(p);
    b.add_outcome(f.outcome);
    return std::make_pair(fb::EventBody::AdjudicationDecided,
                          b.Finish().Union());
  });
}

EventDraft MakeAdjudicationPolicySet(const EventHeader& header,
                                     const AdjudicationPolicySetFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString(f.project_id);
    auto doc = fbb.CreateString(f.document);
    auto s = fbb.CreateString(f.schema_id);
    auto body = fb::CreateAdjudicationPolicySet(fbb, p, f.version, doc, s,
                                                f.schema_version);
    return std::make_pair(fb::EventBody::AdjudicationPolicySet, body.Union());
  });
}

EventDraft MakeAdjudicationClaimed(const EventHeader& header,
                                   const AdjudicationClaimedFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString(f.project_id);
    auto r = fbb.CreateString(f.record_id);
    auto path = fbb.CreateString(f.field_path);
    auto seqs = fbb.CreateVector(f.weighed_seqs.data(), f.weighed_seqs.size());
    auto weighed_ids = CreateStrings(fbb, f.weighed_annotation_ids);
    auto body = fb::CreateAdjudicationClaimed(fbb, p, r, path, f.expires_us,
                                              seqs, weighed_ids);
    return std::make_pair(fb::EventBody::AdjudicationClaimed, body.Union());
  });
}

EventDraft MakeAdjudicationReleased(const EventHeader& header,
                                    std::string_view project_id,
                                    uint64_t lease_seq) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString(project_id);
    auto body = fb::CreateAdjudicationReleased(fbb, p, lease_seq);
    return std::make_pair(fb::EventBody::AdjudicationReleased, body.Union());
  });
}

EventDraft MakeSnapshotTagged(const EventHeader& header,
                              const SnapshotTaggedFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto n = fbb.CreateString(f.name);
    auto p = fbb.CreateString(f.project_id);
    auto note = f.note.empty() ? 0 : fbb.CreateString(f.note);
    auto body = fb::CreateSnapshotTagged(fbb, n, p, f.as_of_seq, note);
    return std::make_pair(fb::EventBody::SnapshotTagged, body.Union());
  });
}

EventDraft MakeAdjudicationLeaseExpired(const EventHeader& header,
                                        std::string_view project_id,
                                        uint64_t lease_seq,
                                        int64_t deadline_us) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString(project_id);
    auto body =
        fb::CreateAdjudicationLeaseExpired(fbb, p, lease_seq, deadline_us);
    return std::make_pair(fb::EventBody::AdjudicationLeaseExpired,
                          body.Union());
  });
}

EventDraft MakeAdjudicationEscalated(const EventHeader& header,
                                     std::string_view project_id,
                                     uint64_t lease_seq,
                                     std::string_view rationale) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto p = fbb.CreateString(project_id);
    auto why = OptString(fbb, rationale);
    auto body = fb::CreateAdjudicationEscalated(fbb, p, lease_seq, why);
    return std::make_pair(fb::EventBody::AdjudicationEscalated, body.Union());
  });
}

EventDraft MakeIndexesRepaired(const EventHeader& header,
                               std::span<const IndexRepairCount> indexes,
                               uint64_t through_seq) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    std::vector<flatbuffers::Offset<fb::IndexRepair>> repairs;
    for (const IndexRepairCount& c : indexes) {
      repairs.push_back(fb::CreateIndexRepair(fbb, fbb.CreateString(c.index),
                                              c.added, c.removed));
    }
    auto body =
        fb::CreateIndexesRepaired(fbb, fbb.CreateVector(repairs), through_seq);
    return std::make_pair(fb::EventBody::IndexesRepaired, body.Union());
  });
}

std::string_view RoleName(fb::Role role) {
  switch (role) {
    case fb::Role::Admin:
      return "admin";
    case fb::Role::Annotator:
      return "annotator";
    case fb::Role::Adjudicator:
      return "adjudicator";
    case fb::Role::Researcher:
      return "researcher";
    case fb::Role::Auditor:
      return "auditor";
    case fb::Role::PrivacyOfficer:
      return "privacy_officer";
    default:
      return "unspecified";
  }
}

fb::Role RoleFromName(std::string_view name) {
  for (fb::Role r :
       {fb::Role::Admin, fb::Role::Annotator, fb::Role::Adjudicator,
        fb::Role::Researcher, fb::Role::Auditor, fb::Role::PrivacyOfficer}) {
    if (RoleName(r) == name) return r;
  }
  return fb::Role::Unspecified;
}

std::string_view PrincipalKindName(fb::PrincipalKind kind) {
  return kind == fb::PrincipalKind::Model ? "model" : "person";
}

std::string_view AdjudicationOutcomeName(fb::AdjudicationOutcome outcome) {
  switch (outcome) {
    case fb::AdjudicationOutcome::Decided:
      return "decided";
    case fb::AdjudicationOutcome::Ambiguous:
      return "ambiguous";
    default:
      return "unspecified";
  }
}

std::string_view PlainPayload(const fb::Payload* payload) {
  if (payload == nullptr || payload->encoding() != fb::PayloadEncoding::Plain ||
      payload->data() == nullptr) {
    return {};
  }
  return AsChars({payload->data()->data(), payload->data()->size()});
}

EventDraft MakeRecordImported(const EventHeader& header,
                              std::string_view record_id,
                              std::string_view project_id,
                              std::string_view content,
                              std::string_view metadata) {
  return schemas::internal::MakePlainRecord(header, record_id, project_id,
                                            content, metadata, nullptr);
}

namespace schemas::internal {

EventDraft MakePlainRecord(const EventHeader& header,
                           std::string_view record_id,
                           std::string_view project_id,
                           std::string_view content, std::string_view metadata,
                           const DeidReportFields* deid) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto rid = fbb.CreateString(record_id);
    auto pid = fbb.CreateString(project_id);
    auto payload = BuildPlainPayload(fbb, content);
    return FinishRecordImported(fbb, rid, pid, payload, content, metadata,
                                deid);
  });
}

std::pair<fb::EventBody, flatbuffers::Offset<void>> FinishRecordImported(
    flatbuffers::FlatBufferBuilder& fbb,
    flatbuffers::Offset<flatbuffers::String> record_id,
    flatbuffers::Offset<flatbuffers::String> project_id,
    flatbuffers::Offset<fb::Payload> payload, std::string_view content,
    std::string_view metadata, const DeidReportFields* deid) {
  auto meta = fbb.CreateString(metadata);
  flatbuffers::Offset<fb::DeidReport> report;
  if (deid != nullptr) report = BuildDeidReport(fbb, *deid);
  Hash256 h = Sha256(content);
  fb::Hash256 content_hash(flatbuffers::span<const uint8_t, 32>(h.data(), 32));
  fb::RecordImportedBuilder rb(fbb);
  rb.add_record_id(record_id);
  rb.add_project_id(project_id);
  rb.add_content(payload);
  rb.add_content_hash(&content_hash);
  rb.add_metadata(meta);
  if (deid != nullptr) rb.add_deid(report);
  return std::make_pair(fb::EventBody::RecordImported, rb.Finish().Union());
}

flatbuffers::Offset<fb::Payload> BuildPlainPayload(
    flatbuffers::FlatBufferBuilder& fbb, std::string_view content) {
  auto media = fbb.CreateString("application/json");
  auto data = fbb.CreateVector(reinterpret_cast<const uint8_t*>(content.data()),
                               content.size());
  fb::PayloadBuilder pb(fbb);
  pb.add_encoding(fb::PayloadEncoding::Plain);
  pb.add_media_type(media);
  pb.add_data(data);
  return pb.Finish();
}

flatbuffers::Offset<fb::Payload> BuildSealedPayload(
    flatbuffers::FlatBufferBuilder& fbb, std::string_view subject,
    const SealedContent& sealed) {
  auto media = fbb.CreateString("application/json");
  auto sid = fbb.CreateString(subject);
  auto kid = fbb.CreateString(sealed.key_id);
  auto nonce =
      fbb.CreateVector(reinterpret_cast<const uint8_t*>(sealed.nonce.data()),
                       sealed.nonce.size());
  auto data = fbb.CreateVector(
      reinterpret_cast<const uint8_t*>(sealed.data.data()), sealed.data.size());
  fb::PayloadBuilder pb(fbb);
  pb.add_encoding(fb::PayloadEncoding::Sealed);
  pb.add_media_type(media);
  pb.add_subject_id(sid);
  pb.add_key_id(kid);
  pb.add_nonce(nonce);
  pb.add_data(data);
  return pb.Finish();
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::PhiHit>>>
BuildPhiHits(flatbuffers::FlatBufferBuilder& fbb,
             const std::vector<PhiHitFields>& hits) {
  std::vector<flatbuffers::Offset<fb::PhiHit>> out;
  out.reserve(hits.size());
  for (const PhiHitFields& h : hits) {
    out.push_back(
        fb::CreatePhiHit(fbb, fbb.CreateString(h.type), h.begin, h.end));
  }
  return fbb.CreateVector(out);
}

flatbuffers::Offset<fb::DeidReport> BuildDeidReport(
    flatbuffers::FlatBufferBuilder& fbb, const DeidReportFields& report) {
  auto detector = fbb.CreateString(report.detector);
  auto hits = BuildPhiHits(fbb, report.hits);
  return fb::CreateDeidReport(fbb, detector, hits);
}

}  // namespace schemas::internal

}  // namespace consilium
