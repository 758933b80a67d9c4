#include "api/record_routes.h"

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/internal/app_routes.h"
#include "api/internal/body_reader.h"
#include "render/command_input.h"
#include "render/domain_json.h"
#include "render/error_json.h"
#include "schemas/event.h"

namespace consilium::api {
namespace {

namespace json = boost::json;
using internal::Actor;
using internal::BodyReader;
using internal::Guarded;

// {"records": [record, ...], "atomic": true}: each record is one line of
// docs/commands.md "Records". Atomic by default over HTTP: a rejected
// record means nothing is appended (400 with the per-record report).
StatusOr<Response> ImportRecords(const AppContext& ctx, const Request& req) {
  ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
  Status error;
  const json::array* records = r.Array("records", &error);
  if (records == nullptr) return error;
  ASSIGN_OR_RETURN(bool atomic, r.Bool("atomic", true));
  RETURN_IF_ERROR(r.Finish());
  if (records->empty()) return BodyReader::Error("records", "is empty");
  std::vector<domain::RecordLine> lines;
  lines.reserve(records->size());
  for (size_t i = 0; i < records->size(); ++i) {
    domain::RecordLine line{.line = i + 1,
                            .command = InvalidArgumentError("unset")};
    if (!(*records)[i].is_object()) {
      line.command = InvalidArgumentError("record must be a JSON object");
    } else {
      line.command = render::ParseRecordLine(json::serialize((*records)[i]));
    }
    lines.push_back(std::move(line));
  }
  ASSIGN_OR_RETURN(domain::BulkReport report,
                   ctx.handler->ImportRecords(
                       Actor(req), req.params.at("project"), lines, atomic));
  json::object doc = render::BulkReportJson(report);
  if (report.all_ok()) return JsonResponse(201, doc);
  const size_t rejected = report.lines.size() - report.appended;
  Status why = InvalidArgumentError(
      std::to_string(rejected) + " of " + std::to_string(report.lines.size()) +
      " records rejected" +
      (report.appended == 0 ? "; nothing appended"
                            : "; the others were appended") +
      " (see results)");
  doc["error"] = render::ErrorJson(why).at("error");
  return JsonResponse(400, doc);
}

// The record's content, once its access event is durable (deferred: the
// pool thread renders and queues the event, then is free).
void ReadRecord(const AppContext& ctx, const Request& req,
                internal::Reply reply) {
  const std::string& id = req.params.at("record");
  StatusOr<json::object> doc =
      render::ReadRecordDocument(*ctx.handler, *ctx.ledger, id);
  if (!doc.ok()) return reply(doc.status());
  // Serialized here, not on the ledger's thread that runs the callback.
  auto response = std::make_shared<Response>(JsonResponse(200, *doc));
  ctx.RecordReadAsync(Actor(req), "record", id, "read", req,
                      [response, reply = std::move(reply)](Status s) {
                        if (!s.ok()) return reply(s);
                        reply(std::move(*response));
                      });
}

}  // namespace

Status AddRecordRoutes(RouteTable& table, const AppContext& ctx) {
  RETURN_IF_ERROR(table.Add(
      {.method = "POST",
       .pattern = "/v1/projects/{project}/records",
       .blocking = Guarded(
           ctx, "/v1/projects/{project}/records",
           [&ctx](const Request& req) { return ImportRecords(ctx, req); })},
      rules::ProjectAdmin));
  return table.Add({.method = "GET",
                    .pattern = "/v1/records/{record}",
                    .deferred = internal::Deferred(
                        ctx, "/v1/records/{record}",
                        [&ctx](const Request& req, internal::Reply r) {
                          ReadRecord(ctx, req, std::move(r));
                        })},
                   [](const domain::Authorizer& a, const Request& req) {
                     return a.MayReadRecord(req.params.at("record"));
                   });
}

}  // namespace consilium::api
