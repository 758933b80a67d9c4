// The record routes (docs/server.md, "Routes"): import records into a
// project (the `consilium import records` lines as a JSON array) and read
// one record's content. A read appends its AccessRecorded, durable, before
// the content is returned (DESIGN.md invariant 3); who may read is
// domain::Authorizer::MayReadRecord (docs/authorization.md).
//
// Thread-safety: the handlers run on the server's blocking pool, any number
// at once.
//
//   RETURN_IF_ERROR(AddRecordRoutes(table, app.context()));
#ifndef CONSILIUM_API_RECORD_ROUTES_H_
#define CONSILIUM_API_RECORD_ROUTES_H_

#include "api/app.h"
#include "common/status.h"

namespace consilium::api {

// `ctx` must outlive the router built from `table`.
Status AddRecordRoutes(RouteTable& table, const AppContext& ctx);

}  // namespace consilium::api

#endif  // CONSILIUM_API_RECORD_ROUTES_H_
