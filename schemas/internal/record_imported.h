// The RecordImported body both record makers finish with: a plain payload
// (MakeRecordImported, schemas/event.h) or a sealed one
// (MakeSealedRecordImported, schemas/sealed_content.h); and the payloads and
// detector reports that the de-identification gate's makers
// (schemas/deid_events.h) build alike.
#ifndef CONSILIUM_SCHEMAS_INTERNAL_RECORD_IMPORTED_H_
#define CONSILIUM_SCHEMAS_INTERNAL_RECORD_IMPORTED_H_

#include <string_view>
#include <utility>

#include "common/key_store.h"
#include "schemas/deid_events.h"
#include "schemas/event.h"

namespace consilium::schemas::internal {

// The body around `payload`, whose strings the caller created first
// (`record_id`, `project_id`): the metadata, the SHA-256 of the plaintext
// `content`, which identifies the record (and proves its export line) even
// after a sealed payload's key is shredded, and the detector report when
// `deid` is given.
std::pair<fb::EventBody, flatbuffers::Offset<void>> FinishRecordImported(
    flatbuffers::FlatBufferBuilder& fbb,
    flatbuffers::Offset<flatbuffers::String> record_id,
    flatbuffers::Offset<flatbuffers::String> project_id,
    flatbuffers::Offset<fb::Payload> payload, std::string_view content,
    std::string_view metadata, const DeidReportFields* deid = nullptr);

// MakeRecordImported, with the detector report when `deid` is given.
EventDraft MakePlainRecord(const EventHeader& header,
                           std::string_view record_id,
                           std::string_view project_id,
                           std::string_view content, std::string_view metadata,
                           const DeidReportFields* deid);

// MakeSealedRecordImported, with the detector report when `deid` is given.
StatusOr<EventDraft> MakeSealedRecord(
    const EventHeader& header, std::string_view record_id,
    std::string_view project_id, std::string_view subject,
    std::string_view content, std::string_view metadata,
    const DeidReportFields* deid, KeyStore& store);

// An "application/json" payload: `content` as is, or sealed for `subject`.
flatbuffers::Offset<fb::Payload> BuildPlainPayload(
    flatbuffers::FlatBufferBuilder& fbb, std::string_view content);
flatbuffers::Offset<fb::Payload> BuildSealedPayload(
    flatbuffers::FlatBufferBuilder& fbb, std::string_view subject,
    const SealedContent& sealed);

flatbuffers::Offset<fb::DeidReport> BuildDeidReport(
    flatbuffers::FlatBufferBuilder& fbb, const DeidReportFields& report);
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::PhiHit>>>
BuildPhiHits(flatbuffers::FlatBufferBuilder& fbb,
             const std::vector<PhiHitFields>& hits);

}  // namespace consilium::schemas::internal

#endif  // CONSILIUM_SCHEMAS_INTERNAL_RECORD_IMPORTED_H_
