#include "schemas/deid_events.h"

#include "schemas/internal/record_imported.h"

namespace consilium {

EventDraft MakeRecordImported(const EventHeader& header,
                              std::string_view record_id,
                              std::string_view project_id,
                              std::string_view content,
                              std::string_view metadata,
                              const DeidReportFields& deid) {
  return schemas::internal::MakePlainRecord(header, record_id, project_id,
                                            content, metadata, &deid);
}

StatusOr<EventDraft> MakeSealedRecordImported(
    const EventHeader& header, std::string_view record_id,
    std::string_view project_id, std::string_view subject,
    std::string_view content, std::string_view metadata,
    const DeidReportFields& deid, KeyStore& store) {
  return schemas::internal::MakeSealedRecord(
      header, record_id, project_id, subject, content, metadata, &deid, store);
}

EventDraft MakeRecordQuarantined(const EventHeader& header,
                                 std::string_view project_id,
                                 std::string_view record_id,
                                 const DeidReportFields& report) {
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto pid = fbb.CreateString(project_id);
    auto rid = fbb.CreateString(record_id);
    auto r = schemas::internal::BuildDeidReport(fbb, report);
    auto body = fb::CreateRecordQuarantined(fbb, pid, rid, r);
    return std::make_pair(fb::EventBody::RecordQuarantined, body.Union());
  });
}

StatusOr<EventDraft> MakeDeidentificationReviewed(const EventHeader& header,
                                                  const DeidReviewFields& f,
                                                  KeyStore* store,
                                                  std::string_view subject) {
  const bool redacted = f.outcome == fb::DeidOutcome::Redacted;
  SealedContent sealed;
  if (redacted && store != nullptr) {
    ASSIGN_OR_RETURN(sealed, store->Seal(subject, f.content));
  }
  return BuildDraft(header, [&](flatbuffers::FlatBufferBuilder& fbb) {
    auto pid = fbb.CreateString(f.project_id);
    auto rid = fbb.CreateString(f.record_id);
    auto why = fbb.CreateString(f.reason);
    auto spans = schemas::internal::BuildPhiHits(fbb, f.redactions);
    flatbuffers::Offset<fb::Payload> payload;
    if (redacted) {
      payload =
          store != nullptr
              ? schemas::internal::BuildSealedPayload(fbb, subject, sealed)
              : schemas::internal::BuildPlainPayload(fbb, f.content);
    }
    const Hash256 h = Sha256(f.content);
    const fb::Hash256 hash(flatbuffers::span<const uint8_t, 32>(h.data(), 32));
    fb::DeidentificationReviewedBuilder b(fbb);
    b.add_project_id(pid);
    b.add_record_id(rid);
    b.add_outcome(f.outcome);
    b.add_reason(why);
    b.add_redactions(spans);
    if (redacted) {
      b.add_content(payload);
      b.add_content_hash(&hash);
    }
    return std::make_pair(fb::EventBody::DeidentificationReviewed,
                          b.Finish().Union());
  });
}

std::vector<PhiHitFields> ReadPhiHits(
    const flatbuffers::Vector<flatbuffers::Offset<fb::PhiHit>>* hits) {
  std::vector<PhiHitFields> out;
  if (hits == nullptr) return out;
  out.reserve(hits->size());
  for (const fb::PhiHit* h : *hits) {
    out.push_back({std::string(View(h->type())), h->begin(), h->end()});
  }
  return out;
}

DeidReportFields ReadDeidReport(const fb::DeidReport* report) {
  if (report == nullptr) return {};
  return {std::string(View(report->detector())), ReadPhiHits(report->hits())};
}

const fb::Payload* RecordContentOf(const fb::Event& event) {
  switch (event.body_type()) {
    case fb::EventBody::RecordImported:
      return event.body_as_RecordImported()->content();
    case fb::EventBody::DeidentificationReviewed:
      return event.body_as_DeidentificationReviewed()->content();
    default:
      return nullptr;
  }
}

std::string_view DeidOutcomeName(fb::DeidOutcome outcome) {
  switch (outcome) {
    case fb::DeidOutcome::Released:
      return "released";
    case fb::DeidOutcome::Redacted:
      return "redacted";
    default:
      return "unspecified";
  }
}

}  // namespace consilium
