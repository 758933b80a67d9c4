// The de-identification gate's events (docs/deid.md, "The import gate"):
// the detectors' report every imported record stores, the RecordQuarantined
// that holds a flagged record back, and the DeidentificationReviewed that
// releases or redacts it. Offsets only: a report never holds the text.
//
//   DeidReportFields report{.detector = d.Identity(), .hits = ...};
//   EventDraft imported = MakeRecordImported(h, "r1", "p", text, "{}", report);
//   EventDraft held = MakeRecordQuarantined(h, "p", "r1", report);
#ifndef CONSILIUM_SCHEMAS_DEID_EVENTS_H_
#define CONSILIUM_SCHEMAS_DEID_EVENTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/key_store.h"
#include "common/status.h"
#include "schemas/event.h"

namespace consilium {

// Bytes [begin, end) of a plaintext content, of identifier type `type`
// (deid::PhiTypeName: "name", "date", ...).
struct PhiHitFields {
  std::string type{};
  uint32_t begin = 0;
  uint32_t end = 0;
  friend bool operator==(const PhiHitFields&, const PhiHitFields&) = default;
};

struct DeidReportFields {
  std::string detector{};  // "off" when the importer turned the gate off
  std::vector<PhiHitFields> hits{};  // sorted by begin, not overlapping
  friend bool operator==(const DeidReportFields&,
                         const DeidReportFields&) = default;
};

// MakeRecordImported (schemas/event.h) and MakeSealedRecordImported
// (schemas/sealed_content.h) with the record's detector report.
EventDraft MakeRecordImported(const EventHeader& header,
                              std::string_view record_id,
                              std::string_view project_id,
                              std::string_view content,
                              std::string_view metadata,
                              const DeidReportFields& deid);
StatusOr<EventDraft> MakeSealedRecordImported(
    const EventHeader& header, std::string_view record_id,
    std::string_view project_id, std::string_view subject,
    std::string_view content, std::string_view metadata,
    const DeidReportFields& deid, KeyStore& store);

EventDraft MakeRecordQuarantined(const EventHeader& header,
                                 std::string_view project_id,
                                 std::string_view record_id,
                                 const DeidReportFields& report);

struct DeidReviewFields {
  std::string project_id{};
  std::string record_id{};
  fb::DeidOutcome outcome = fb::DeidOutcome::Unspecified;
  std::string reason{};
  std::vector<PhiHitFields> redactions{};  // Redacted: the spans replaced
  std::string content{};  // Redacted: the redacted plaintext content
};
// A verdict. A redaction's content is sealed under `subject` in `store`
// when `store` is given (an encrypted ledger), plain otherwise; its
// content_hash is SHA-256(content). The store's errors.
StatusOr<EventDraft> MakeDeidentificationReviewed(const EventHeader& header,
                                                  const DeidReviewFields& f,
                                                  KeyStore* store,
                                                  std::string_view subject);

// The report as stored; empty (no detector) when `report` is null.
DeidReportFields ReadDeidReport(const fb::DeidReport* report);
std::vector<PhiHitFields> ReadPhiHits(
    const flatbuffers::Vector<flatbuffers::Offset<fb::PhiHit>>* hits);

// The record content an event holds: a RecordImported's, or a redacting
// DeidentificationReviewed's (RecordState::content_seq names the one
// served); null for any other event.
const fb::Payload* RecordContentOf(const fb::Event& event);

// "released", "redacted" or "unspecified".
std::string_view DeidOutcomeName(fb::DeidOutcome outcome);

}  // namespace consilium

#endif  // CONSILIUM_SCHEMAS_DEID_EVENTS_H_
