// The RecordImported body both record makers finish with: a plain payload
// (MakeRecordImported, schemas/event.h) or a sealed one
// (MakeSealedRecordImported, schemas/sealed_content.h).
#ifndef CONSILIUM_SCHEMAS_INTERNAL_RECORD_IMPORTED_H_
#define CONSILIUM_SCHEMAS_INTERNAL_RECORD_IMPORTED_H_

#include <string_view>
#include <utility>

#include "schemas/event.h"

namespace consilium::schemas::internal {

// The body around `payload`, whose strings the caller created first
// (`record_id`, `project_id`): the metadata and the SHA-256 of the
// plaintext `content`, which identifies the record (and proves its export
// line) even after a sealed payload's key is shredded.
std::pair<fb::EventBody, flatbuffers::Offset<void>> FinishRecordImported(
    flatbuffers::FlatBufferBuilder& fbb,
    flatbuffers::Offset<flatbuffers::String> record_id,
    flatbuffers::Offset<flatbuffers::String> project_id,
    flatbuffers::Offset<fb::Payload> payload, std::string_view content,
    std::string_view metadata);

}  // namespace consilium::schemas::internal

#endif  // CONSILIUM_SCHEMAS_INTERNAL_RECORD_IMPORTED_H_
