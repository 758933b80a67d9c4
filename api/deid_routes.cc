#include "api/deid_routes.h"

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/internal/app_routes.h"
#include "api/internal/body_reader.h"
#include "domain/authorizer.h"
#include "domain/compliance_commands.h"
#include "domain/domain_state.h"
#include "render/commit_json.h"
#include "render/deid_json.h"
#include "schemas/deid_events.h"

namespace consilium::api {
namespace {

namespace json = boost::json;
using internal::Actor;
using internal::BodyReader;
using internal::Guarded;

// An admin or privacy officer of the project the request names.
Status Reviewer(const domain::Authorizer& auth, const Request& req) {
  return auth.MayReviewDeidentification(req.params.at("project"));
}

// The held records of the project, oldest first, with their reports'
// spans (offsets and types, never the text).
StatusOr<Response> Queue(const AppContext& ctx, const Request& req) {
  const std::string& project = req.params.at("project");
  ASSIGN_OR_RETURN(std::vector<render::HeldRecord> held,
                   render::ReadDeidQueue(*ctx.handler, *ctx.ledger, project));
  json::array items;
  for (const render::HeldRecord& h : held)
    items.emplace_back(render::HeldRecordJson(h));
  RETURN_IF_ERROR(
      ctx.RecordRead(Actor(req), "project", project, "read_deid_queue", req));
  return JsonResponse(
      200, json::object{{"project", project}, {"held", std::move(items)}});
}

// The record the path names, in the project it names (NotFound otherwise).
Status InProject(const AppContext& ctx, const Request& req) {
  const std::string& project = req.params.at("project");
  const std::string& record = req.params.at("record");
  const bool found = ctx.handler->Read([&](const domain::DomainState& s) {
    const domain::RecordState* r = s.FindRecord(record);
    return r != nullptr && r->project == project;
  });
  if (found) return OkStatus();
  return NotFoundError("record " + record + " not found in project " + project);
}

StatusOr<std::vector<PhiHitFields>> Spans(BodyReader& r) {
  std::vector<PhiHitFields> spans;
  const json::value* v = r.Get("spans");
  if (v == nullptr) return spans;
  if (!v->is_array()) return BodyReader::Error("spans", "must be an array");
  for (size_t i = 0; i < v->as_array().size(); ++i) {
    const json::value& s = v->as_array()[i];
    const std::string where = "spans[" + std::to_string(i) + "]";
    if (!s.is_object()) return BodyReader::Error(where, "must be an object");
    BodyReader span = BodyReader::Nested(s.as_object(), where);
    PhiHitFields h;
    ASSIGN_OR_RETURN(h.type, span.String("type", true));
    ASSIGN_OR_RETURN(uint64_t begin, span.Uint("start", true, 0, UINT32_MAX));
    ASSIGN_OR_RETURN(uint64_t end, span.Uint("end", true, 0, UINT32_MAX));
    RETURN_IF_ERROR(span.Finish());
    h.begin = static_cast<uint32_t>(begin);
    h.end = static_cast<uint32_t>(end);
    spans.push_back(std::move(h));
  }
  return spans;
}

// {"reason": "..."} (and for a redaction "spans": [{type, begin, end}],
// default every hit).
StatusOr<Response> Review(const AppContext& ctx, const Request& req,
                          bool redact) {
  ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
  ASSIGN_OR_RETURN(std::string reason, r.String("reason", true));
  std::vector<PhiHitFields> spans;
  if (redact) {
    ASSIGN_OR_RETURN(spans, Spans(r));
  }
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(InProject(ctx, req));
  domain::ComplianceCommands review(&ctx.handler->core(), ctx.ledger);
  const std::string& record = req.params.at("record");
  ASSIGN_OR_RETURN(
      Committed c,
      redact ? review.RedactRecord(Actor(req), record, std::move(spans), reason)
             : review.ReleaseRecord(Actor(req), record, reason));
  return JsonResponse(201, render::CommittedJson(c));
}

}  // namespace

Status AddDeidRoutes(RouteTable& table, const AppContext& ctx) {
  RETURN_IF_ERROR(table.Add(
      {.method = "GET",
       .pattern = "/v1/projects/{project}/deid/queue",
       .blocking = Guarded(ctx, "/v1/projects/{project}/deid/queue",
                           [&ctx](const Request& q) { return Queue(ctx, q); })},
      Reviewer));
  for (const bool redact : {false, true}) {
    const std::string pattern =
        std::string("/v1/projects/{project}/deid/records/{record}/") +
        (redact ? "redact" : "release");
    RETURN_IF_ERROR(
        table.Add({.method = "POST",
                   .pattern = pattern,
                   .blocking = Guarded(ctx, pattern,
                                       [&ctx, redact](const Request& q) {
                                         return Review(ctx, q, redact);
                                       })},
                  Reviewer));
  }
  return OkStatus();
}

}  // namespace consilium::api
