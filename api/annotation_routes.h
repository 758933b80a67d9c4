// The annotation routes (docs/server.md, "Routes"): submit, revise (with the
// expected revision) and withdraw an annotation; read one; list a record's
// annotations as the caller may see them; an annotator's work list (records
// assigned and not yet annotated, the oldest assignment first). Reads of
// annotations append their AccessRecorded, durable, before the response
// (DESIGN.md invariant 3); who may see what is domain::Authorizer's
// (docs/authorization.md: blind projects show an annotator only their own
// work).
//
// Thread-safety: the handlers run on the server's blocking pool, any number
// at once.
//
//   RETURN_IF_ERROR(AddAnnotationRoutes(table, app.context()));
#ifndef CONSILIUM_API_ANNOTATION_ROUTES_H_
#define CONSILIUM_API_ANNOTATION_ROUTES_H_

#include "api/app.h"
#include "common/status.h"

namespace consilium::api {

// `ctx` must outlive the router built from `table`.
Status AddAnnotationRoutes(RouteTable& table, const AppContext& ctx);

}  // namespace consilium::api

#endif  // CONSILIUM_API_ANNOTATION_ROUTES_H_
