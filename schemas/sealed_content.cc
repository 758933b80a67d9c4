#include "schemas/sealed_content.h"

#include "schemas/internal/record_imported.h"

namespace consilium {
namespace {

std::string_view Bytes(const flatbuffers::Vector<uint8_t>* v) {
  if (v == nullptr) return {};
  return {reinterpret_cast<const char*>(v->data()), v->size()};
}

Status CheckSubjectId(std::string_view what, std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes ||
      id.find('\0') != std::string_view::npos) {
    return InvalidArgumentError(std::string(what) +
                                " must be 1-256 bytes without NUL");
  }
  return OkStatus();
}

}  // namespace

bool IsSealedPayload(const fb::Payload* payload) {
  return payload != nullptr &&
         payload->encoding() != fb::PayloadEncoding::Plain;
}

StatusOr<std::string> OpenPayload(const fb::Payload* payload,
                                  const ContentKeys& keys,
                                  std::string_view what) {
  if (!IsSealedPayload(payload)) return std::string(PlainPayload(payload));
  const std::string prefix(what);
  if (payload->encoding() != fb::PayloadEncoding::Sealed) {
    return FailedPreconditionError(
        prefix + ": payload encoding " +
        std::to_string(static_cast<int>(payload->encoding())) +
        " is not known to this build");
  }
  if (keys.store == nullptr) {
    return FailedPreconditionError(
        prefix +
        ": the content is sealed (encryption at rest) and no "
        "key-encryption key was given; " +
        std::string(kKekHint));
  }
  StatusOr<std::string> plain =
      keys.store->Unseal(View(payload->subject_id()), View(payload->key_id()),
                         Bytes(payload->nonce()), Bytes(payload->data()));
  if (!plain.ok()) return plain.status().WithContext(prefix);
  return plain;
}

StatusOr<EventDraft> MakeSealedRecordImported(
    const EventHeader& header, std::string_view record_id,
    std::string_view project_id, std::string_view subject,
    std::string_view content, std::string_view metadata, KeyStore& store) {
  return schemas::internal::MakeSealedRecord(header, record_id, project_id,
                                             subject, content, metadata,
                                             nullptr, store);
}

StatusOr<EventDraft> schemas::internal::MakeSealedRecord(
    const EventHeader& header, std::string_view record_id,
    std::string_view project_id, std::string_view subject,
    std::string_view content, std::string_view metadata,
    const DeidReportFields* deid, KeyStore& store) {
  RETURN_IF_ERROR(CheckSubjectId("subject", subject));
  ASSIGN_OR_RETURN(SealedContent sealed, store.Seal(subject, content));
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto rid = fbb.CreateString(record_id);
    auto pid = fbb.CreateString(project_id);
    auto payload = schemas::internal::BuildSealedPayload(fbb, subject, sealed);
    // The hash of the plaintext: the record stays identifiable (and its
    // export line provable) after the key is shredded.
    return schemas::internal::FinishRecordImported(fbb, rid, pid, payload,
                                                   content, metadata, deid);
  });
}

EventDraft MakeKeyShredded(const EventHeader& header,
                           const KeyShreddedFields& f) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto sid = fbb.CreateString(f.subject_id);
    auto kid = fbb.CreateString(f.key_id);
    auto why = fbb.CreateString(f.reason);
    auto ids = fbb.CreateVectorOfStrings(f.record_ids);
    auto body = fb::CreateKeyShredded(fbb, sid, kid, why, ids);
    return std::make_pair(fb::EventBody::KeyShredded, body.Union());
  });
}

Status CheckKeyShredded(const fb::KeyShredded& b) {
  RETURN_IF_ERROR(
      CheckSubjectId("KeyShredded: subject_id", View(b.subject_id())));
  if (View(b.reason()).empty())
    return InvalidArgumentError("KeyShredded: a reason is required");
  if (b.record_ids() != nullptr) {
    for (const auto* id : *b.record_ids())
      RETURN_IF_ERROR(CheckSubjectId("KeyShredded: record_ids[]", View(id)));
  }
  return OkStatus();
}

}  // namespace consilium
