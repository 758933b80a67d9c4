// JSON documents of the domain's current state as the server returns it
// (docs/server.md, "Routes"): projects, records, annotations, assignments,
// work lists, bulk reports and issued tokens. Record content, metadata and
// annotation values are stored as JSON text; they are parsed here (they came
// through the strict reader or the ledger's own writer) and embedded as
// documents, so a response is one canonical JSON document.
//
// Thread-safety: pure functions of their arguments.
//
//   auto doc = render::RecordJson(*record, content_text);
//   if (doc.ok()) return api::JsonResponse(200, *doc);
#ifndef CONSILIUM_RENDER_DOMAIN_JSON_H_
#define CONSILIUM_RENDER_DOMAIN_JSON_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "domain/command_handler.h"
#include "domain/commands.h"
#include "domain/domain_state.h"
#include "domain/write_core.h"
#include "ledger/ledger.h"

namespace consilium::render {

// {"id","name","overlap_target","blind_mode","seq"}
boost::json::object ProjectJson(const domain::ProjectState& p);
// {"projects":[ProjectJson...]} in the order given.
boost::json::object ProjectsJson(
    const std::vector<const domain::ProjectState*>& projects);

// {"id","project","seq","content_hash","content":{...},"metadata":{...}}.
// `content` is the record document's stored text (docs/commands.md,
// "Records"). DataLoss when it or the metadata is not JSON.
StatusOr<boost::json::object> RecordJson(const domain::RecordState& r,
                                         std::string_view content);

// The record document of `id` as `consilium record show` and GET
// /v1/records/{id} return it: its state from `handler`, its content from
// `ledger`. NotFound for an unknown record, FailedPrecondition when its
// content is sealed, the ledger's errors. The caller records the access.
StatusOr<boost::json::object> ReadRecordDocument(
    const domain::CommandHandler& handler, const Ledger& ledger,
    std::string_view id);

// {"id","record","project","annotator","pseudonym","schema":"id@v",
//  "revision","withdrawn","by_model","values":{...},"history":[{"revision",
//  "seq","timestamp_us"}],"withdrawn_seq"?}. `values` is the current
// revision's stored text. DataLoss when it is not JSON.
StatusOr<boost::json::object> AnnotationJson(const domain::AnnotationState& a,
                                             std::string_view pseudonym,
                                             std::string_view values);
// {"record","annotations":[...]} in the order given.
boost::json::object AnnotationsJson(std::string_view record,
                                    std::vector<boost::json::object> items);

// One entry of a work list or assignment list.
struct AssignmentEntry {
  std::string record;
  std::string project;
  std::string annotator;
  uint64_t assigned_seq = 0;
};
// An annotator's work list: the records assigned to `annotator` with no
// live (not withdrawn) annotation of theirs, the oldest assignment first,
// those for which `include(record)` holds.
std::vector<AssignmentEntry> WorklistEntries(
    const domain::DomainState& state, std::string_view annotator,
    const std::function<bool(const domain::RecordState&)>& include);

// {"annotator","records":[{"record","project","assigned_seq"}]}: the next
// record to annotate first.
boost::json::object WorklistJson(std::string_view annotator,
                                 const std::vector<AssignmentEntry>& entries);
// {"project","assignments":[{"record","annotator","assigned_seq"}]}.
boost::json::object AssignmentsJson(
    std::string_view project, const std::vector<AssignmentEntry>& entries);

// {"appended":N,"rejected":M,"results":[line results]}: per line the
// import report line of docs/commands.md ({"line","id","seq","hash"} or
// {"error":{...},"line"}).
boost::json::object BulkReportJson(const domain::BulkReport& report);

// {"principal","token","expires_at_us"}: a token, shown once.
boost::json::object IssuedTokenJson(std::string_view principal,
                                    const domain::IssuedToken& token);

// {"revoked":[{"seq","hash"}...]}.
boost::json::object RevokedTokensJson(const std::vector<Committed>& committed);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_DOMAIN_JSON_H_
