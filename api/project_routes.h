// The administrative routes (docs/server.md, "Routes"): projects, task
// schemas, principals (register, roles, tokens) and assignments. Each is a
// command of domain/ behind a JSON body, answered with the document the CLI
// prints (render/commit_json.h, render/domain_json.h); each carries its
// authorization rule (docs/authorization.md).
//
// Thread-safety: the handlers run on the server's blocking pool, any number
// at once; the command sets are thread-safe.
//
//   RouteTable table;
//   RETURN_IF_ERROR(AddProjectRoutes(table, app.context()));
#ifndef CONSILIUM_API_PROJECT_ROUTES_H_
#define CONSILIUM_API_PROJECT_ROUTES_H_

#include "api/app.h"
#include "common/status.h"

namespace consilium::api {

// `ctx` must outlive the router built from `table`.
Status AddProjectRoutes(RouteTable& table, const AppContext& ctx);

}  // namespace consilium::api

#endif  // CONSILIUM_API_PROJECT_ROUTES_H_
