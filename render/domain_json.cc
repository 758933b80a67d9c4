#include "render/domain_json.h"

#include <boost/json.hpp>
#include <utility>

#include "common/aead.h"
#include "common/hash.h"
#include "common/strict_json.h"
#include "render/commit_json.h"
#include "render/error_json.h"
#include "schemas/deid_events.h"
#include "schemas/event.h"

namespace consilium::render {
namespace json = boost::json;

namespace {

std::string_view DeidStateName(const domain::RecordState& r) {
  if (r.quarantined_seq == 0) return "clear";
  if (r.deid_reviewed_seq == 0) return "quarantined";
  return r.content_seq == r.deid_reviewed_seq ? "redacted" : "released";
}

// Stored JSON text -> a value. The text was written by the ledger's writer
// or passed the strict reader, so failing here means the stored bytes are
// damaged.
StatusOr<json::value> Stored(std::string_view text, std::string_view what) {
  json::value v;
  Status s = ParseStrictJson(text, {.max_depth = 128}, v);
  if (!s.ok())
    return DataLossError(std::string(what) + " is not JSON: " + s.message());
  return v;
}

}  // namespace

json::object ProjectJson(const domain::ProjectState& p) {
  json::object o;
  o["id"] = p.id;
  o["name"] = p.name;
  o["overlap_target"] = p.overlap_target;
  o["blind_mode"] = p.blind_mode;
  o["seq"] = p.seq;
  return o;
}

json::object ProjectsJson(
    const std::vector<const domain::ProjectState*>& projects) {
  json::array a;
  for (const domain::ProjectState* p : projects)
    a.emplace_back(ProjectJson(*p));
  json::object o;
  o["projects"] = std::move(a);
  return o;
}

StatusOr<json::object> RecordJson(const domain::RecordState& r,
                                  std::string_view content) {
  json::object o;
  o["id"] = r.id;
  o["project"] = r.project;
  o["seq"] = r.seq;
  o["content_hash"] = ToHex(r.content_hash);
  if (r.sealed) o["subject"] = r.subject;  // encrypted at rest
  // The de-identification gate (docs/deid.md): "quarantined", "released",
  // "redacted", or "clear" (never held).
  o["deid"] = DeidStateName(r);
  ASSIGN_OR_RETURN(o["content"],
                   Stored(content, "record " + r.id + " content"));
  ASSIGN_OR_RETURN(o["metadata"],
                   Stored(r.metadata.empty() ? std::string_view("{}")
                                             : std::string_view(r.metadata),
                          "record " + r.id + " metadata"));
  return o;
}

StatusOr<json::object> ReadRecordDocument(const domain::CommandHandler& handler,
                                          const Ledger& ledger,
                                          std::string_view id) {
  ContentKeys keys;
  ASSIGN_OR_RETURN(
      domain::RecordState record,
      handler.Read(
          [&](const domain::DomainState& s) -> StatusOr<domain::RecordState> {
            const domain::RecordState* r = s.FindRecord(id);
            if (r == nullptr) {
              return NotFoundError("record " + std::string(id) + " not found");
            }
            keys = s.content_keys();
            return *r;
          }));
  if (record.shredded_seq != 0) {
    // Gone for good (docs/encryption.md, "Shredding"): said without
    // touching the key store.
    return FailedPreconditionError(
        "record " + record.id + ": " + std::string(kShreddedMessage) +
        " (KeyShredded at seq " + std::to_string(record.shredded_seq) + ")");
  }
  // The import's content, or the redacted content that replaced it.
  const uint64_t at = record.content_seq != 0 ? record.content_seq : record.seq;
  ASSIGN_OR_RETURN(StoredEvent e, ledger.Get(at));
  const fb::Payload* payload = RecordContentOf(*e.event());
  if (payload == nullptr) {
    return DataLossError("record " + record.id + ": event " +
                         std::to_string(at) + " holds none of its content");
  }
  ASSIGN_OR_RETURN(std::string content,
                   OpenPayload(payload, keys, "record " + record.id));
  StatusOr<json::object> doc = RecordJson(record, content);
  if (record.sealed) Wipe(content);
  return doc;
}

std::vector<AssignmentEntry> WorklistEntries(
    const domain::DomainState& state, std::string_view annotator,
    const std::function<bool(const domain::RecordState&)>& include) {
  std::vector<AssignmentEntry> entries;
  for (auto& [seq, record] : state.AssignmentsOf(annotator)) {
    const domain::RecordState* r = state.FindRecord(record);
    if (r == nullptr || !include(*r)) continue;
    bool done = false;
    for (const domain::AnnotationState* a : state.AnnotationsOfRecord(record))
      done = done || (a->annotator == annotator && !a->withdrawn);
    if (!done) {
      entries.push_back({record, r->project, std::string(annotator), seq});
    }
  }
  return entries;
}

StatusOr<json::object> AnnotationJson(const domain::AnnotationState& a,
                                      std::string_view pseudonym,
                                      std::string_view values) {
  json::object o;
  o["id"] = a.id;
  o["record"] = a.record;
  o["project"] = a.project;
  o["annotator"] = a.annotator;
  o["pseudonym"] = pseudonym;
  o["schema"] = a.schema_id + "@" + std::to_string(a.schema_version);
  o["revision"] = a.revision;
  o["withdrawn"] = a.withdrawn;
  if (a.withdrawn) o["withdrawn_seq"] = a.withdrawn_seq;
  o["by_model"] = a.by_model;
  json::array history;
  for (const domain::RevisionState& r : a.history) {
    history.emplace_back(json::object{{"revision", r.revision},
                                      {"seq", r.seq},
                                      {"timestamp_us", r.timestamp_us}});
  }
  o["history"] = std::move(history);
  ASSIGN_OR_RETURN(o["values"], Stored(values, "annotation " + a.id));
  return o;
}

json::object AnnotationsJson(std::string_view record,
                             std::vector<json::object> items) {
  json::array a;
  for (json::object& i : items) a.emplace_back(std::move(i));
  json::object o;
  o["record"] = record;
  o["annotations"] = std::move(a);
  return o;
}

json::object WorklistJson(std::string_view annotator,
                          const std::vector<AssignmentEntry>& entries) {
  json::array a;
  for (const AssignmentEntry& e : entries) {
    a.emplace_back(json::object{{"record", e.record},
                                {"project", e.project},
                                {"assigned_seq", e.assigned_seq}});
  }
  json::object o;
  o["annotator"] = annotator;
  o["records"] = std::move(a);
  return o;
}

json::object AssignmentsJson(std::string_view project,
                             const std::vector<AssignmentEntry>& entries) {
  json::array a;
  for (const AssignmentEntry& e : entries) {
    a.emplace_back(json::object{{"record", e.record},
                                {"annotator", e.annotator},
                                {"assigned_seq", e.assigned_seq}});
  }
  json::object o;
  o["project"] = project;
  o["assignments"] = std::move(a);
  return o;
}

json::object BulkReportJson(const domain::BulkReport& report) {
  json::array results;
  for (const domain::LineOutcome& l : report.lines) {
    results.emplace_back(l.status.ok()
                             ? ImportLineJson(l.line, l.id, l.committed)
                             : ErrorJson(l.status, l.line));
  }
  json::object o;
  o["appended"] = report.appended;
  o["rejected"] = report.lines.size() - report.appended;
  o["results"] = std::move(results);
  return o;
}

json::object IssuedTokenJson(std::string_view principal,
                             const domain::IssuedToken& token) {
  json::object o;
  o["principal"] = principal;
  o["token"] = token.token;
  o["expires_at_us"] = token.expires_at_us;
  return o;
}

json::object RevokedTokensJson(const std::vector<Committed>& committed) {
  json::array a;
  for (const Committed& c : committed) a.emplace_back(CommittedJson(c));
  json::object o;
  o["revoked"] = std::move(a);
  return o;
}

}  // namespace consilium::render
