// The de-identification review routes (docs/deid.md, "Review"; docs/
// server.md, "Routes"): a project's queue of records the import gate holds,
// and a reviewer's verdict on one (release, or redact with "[TYPE]"
// tokens). Reviewers are the project's admins and privacy officers; anyone
// else is refused, and the refusal recorded (AccessRecorded, denied).
//
// Thread-safety: the handlers run on the server's blocking pool, any number
// at once.
#ifndef CONSILIUM_API_DEID_ROUTES_H_
#define CONSILIUM_API_DEID_ROUTES_H_

#include "api/app.h"
#include "common/status.h"

namespace consilium::api {

// `ctx` must outlive the router built from `table`.
Status AddDeidRoutes(RouteTable& table, const AppContext& ctx);

}  // namespace consilium::api

#endif  // CONSILIUM_API_DEID_ROUTES_H_
