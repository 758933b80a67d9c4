// The JSON form of events, used by `consilium append` and `consilium events`
// (and later the HTTP API). Documented in docs/event-json.md.
//
// Input, one event per line:
//   {"type": "RecordImported", "actor": "importer", "request_id": "r-1",
//    "body": {"record_id": "rec-1", "project_id": "p1",
//             "content": {"text": "..."}, "metadata": {"site": "A"}}}
//
// Thread-safety: pure functions.
#ifndef CONSILIUM_SCHEMAS_EVENT_JSON_H_
#define CONSILIUM_SCHEMAS_EVENT_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "common/status.h"
#include "schemas/event.h"

namespace consilium {

// Parses and validates one event in its JSON form. Unknown keys, unknown
// event types, missing or mistyped fields, ids over kMaxIdBytes and events
// over kMaxEventBytes are InvalidArgument, with the offending key named
// (`body.record_id: required string`).
StatusOr<EventDraft> DraftFromJson(std::string_view json);

// One committed event as a JSON object on one line, keys sorted:
// seq, hash, prev (hex), time (RFC 3339 UTC, microseconds), time_us, actor,
// request_id (when set), type, body. `bytes` must have passed
// VerifyStoredEvent.
std::string EventToJson(uint64_t seq, const Hash256& hash,
                        std::string_view bytes);

// Canonical JSON: object keys sorted by UTF-8 bytes, no insignificant
// whitespace, numbers in shortest round-trip form. InvalidArgument when
// `json` does not parse.
StatusOr<std::string> CanonicalizeJson(std::string_view json);

// "2026-11-26T22:48:14.123456Z".
std::string FormatTimestamp(int64_t micros_since_epoch);

}  // namespace consilium

#endif  // CONSILIUM_SCHEMAS_EVENT_JSON_H_
