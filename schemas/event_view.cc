// Reading stored events: VerifyStoredEvent and the accessors of a verified
// event (schemas/event.h).
#include <cstring>

#include "schemas/event.h"
#include "schemas/internal/event_checks.h"

namespace consilium {

namespace schemas::internal {

std::string_view MisalignedWideVector(const fb::Event& e, const void* base) {
  const auto off8 = [base](const flatbuffers::Vector<uint64_t>* v) {
    return v != nullptr && (reinterpret_cast<const uint8_t*>(v->Data()) -
                            static_cast<const uint8_t*>(base)) %
                                   8 !=
                               0;
  };
  switch (e.body_type()) {
    case fb::EventBody::AdjudicationClaimed:
      if (off8(e.body_as_AdjudicationClaimed()->weighed_seqs()))
        return "AdjudicationClaimed.weighed_seqs";
      return {};
    case fb::EventBody::AdjudicationDecided:
      if (off8(e.body_as_AdjudicationDecided()->weighed_seqs()))
        return "AdjudicationDecided.weighed_seqs";
      return {};
    default:
      return {};
  }
}

}  // namespace schemas::internal

Status VerifyStoredEvent(std::string_view bytes) {
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bytes.data()),
                                 bytes.size());
  if (!fb::VerifyEventBuffer(verifier)) {
    return DataLossError(
        "undecodable event bytes (FlatBuffers verification failed)");
  }
  const fb::Event* e = fb::GetEvent(bytes.data());
  if (e->format_version() > kEventFormatVersion) {
    return FailedPreconditionError(
        "event format version " + std::to_string(e->format_version()) +
        " is newer than this build reads (" +
        std::to_string(kEventFormatVersion) + "); upgrade consilium");
  }
  if (e->stamp()->prev_hash() == nullptr) {
    return DataLossError("event has no previous-hash field");
  }
  if (const auto v = schemas::internal::MisalignedWideVector(*e, bytes.data());
      !v.empty()) {
    return DataLossError("undecodable event bytes (" + std::string(v) +
                         " is not 8-byte aligned)");
  }
  return OkStatus();
}

uint64_t SequenceOf(const fb::Event& event) {
  return event.stamp()->sequence();
}

int64_t TimestampOf(const fb::Event& event) {
  return event.stamp()->timestamp_us();
}

Hash256 PrevHashOf(const fb::Event& event) {
  Hash256 h{};
  if (event.stamp()->prev_hash() != nullptr) {
    std::memcpy(h.data(), event.stamp()->prev_hash()->bytes()->Data(), 32);
  }
  return h;
}

std::string_view EventTypeName(fb::EventBody type) {
  if (static_cast<uint8_t>(type) > static_cast<uint8_t>(fb::EventBody::MAX)) {
    return "Unknown";
  }
  return fb::EnumNameEventBody(type);
}

std::string_view RecordIdOf(const fb::Event& event) {
  switch (event.body_type()) {
    case fb::EventBody::RecordImported:
      return View(event.body_as_RecordImported()->record_id());
    case fb::EventBody::AssignmentCreated:
      return View(event.body_as_AssignmentCreated()->record_id());
    case fb::EventBody::AssignmentRevoked:
      return View(event.body_as_AssignmentRevoked()->record_id());
    case fb::EventBody::AnnotationSubmitted:
      return View(event.body_as_AnnotationSubmitted()->record_id());
    case fb::EventBody::AnnotationRevised:
      return View(event.body_as_AnnotationRevised()->record_id());
    case fb::EventBody::AnnotationWithdrawn:
      return View(event.body_as_AnnotationWithdrawn()->record_id());
    case fb::EventBody::AccessRecorded:
      return View(event.body_as_AccessRecorded()->record_id());
    case fb::EventBody::GoldAnswerRecorded:
      return View(event.body_as_GoldAnswerRecorded()->record_id());
    case fb::EventBody::AdjudicationDecided:
      return View(event.body_as_AdjudicationDecided()->record_id());
    case fb::EventBody::AdjudicationClaimed:
      return View(event.body_as_AdjudicationClaimed()->record_id());
    case fb::EventBody::RecordQuarantined:
      return View(event.body_as_RecordQuarantined()->record_id());
    case fb::EventBody::DeidentificationReviewed:
      return View(event.body_as_DeidentificationReviewed()->record_id());
    default:
      return {};
  }
}

std::string_view ProjectIdOf(const fb::Event& event) {
  switch (event.body_type()) {
    case fb::EventBody::ProjectCreated:
      return View(event.body_as_ProjectCreated()->project_id());
    case fb::EventBody::RecordImported:
      return View(event.body_as_RecordImported()->project_id());
    case fb::EventBody::RoleGranted:
      return View(event.body_as_RoleGranted()->project_id());
    case fb::EventBody::RoleRevoked:
      return View(event.body_as_RoleRevoked()->project_id());
    case fb::EventBody::CalibrationBatchCreated:
      return View(event.body_as_CalibrationBatchCreated()->project_id());
    case fb::EventBody::AssignmentCreated:
      return View(event.body_as_AssignmentCreated()->project_id());
    case fb::EventBody::AssignmentRevoked:
      return View(event.body_as_AssignmentRevoked()->project_id());
    case fb::EventBody::AnnotationSubmitted:
      return View(event.body_as_AnnotationSubmitted()->project_id());
    case fb::EventBody::AnnotationRevised:
      return View(event.body_as_AnnotationRevised()->project_id());
    case fb::EventBody::AnnotationWithdrawn:
      return View(event.body_as_AnnotationWithdrawn()->project_id());
    case fb::EventBody::AccessRecorded:
      return View(event.body_as_AccessRecorded()->project_id());
    case fb::EventBody::GoldAnswerRecorded:
      return View(event.body_as_GoldAnswerRecorded()->project_id());
    case fb::EventBody::AdjudicationDecided:
      return View(event.body_as_AdjudicationDecided()->project_id());
    case fb::EventBody::AdjudicationPolicySet:
      return View(event.body_as_AdjudicationPolicySet()->project_id());
    case fb::EventBody::AdjudicationClaimed:
      return View(event.body_as_AdjudicationClaimed()->project_id());
    case fb::EventBody::AdjudicationReleased:
      return View(event.body_as_AdjudicationReleased()->project_id());
    case fb::EventBody::AdjudicationLeaseExpired:
      return View(event.body_as_AdjudicationLeaseExpired()->project_id());
    case fb::EventBody::AdjudicationEscalated:
      return View(event.body_as_AdjudicationEscalated()->project_id());
    case fb::EventBody::SnapshotTagged:
      return View(event.body_as_SnapshotTagged()->project_id());
    case fb::EventBody::RecordQuarantined:
      return View(event.body_as_RecordQuarantined()->project_id());
    case fb::EventBody::DeidentificationReviewed:
      return View(event.body_as_DeidentificationReviewed()->project_id());
    default:
      return {};
  }
}

}  // namespace consilium
