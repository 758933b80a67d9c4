// GET /v1/whoami: the principal the request's bearer token stands for and
// its roles (render/principal_json.h), nothing of any record. It proves the
// token and the Authenticator without touching the ledger (docs/server.md).
//
// Thread-safety: the route's handler is async and only reads the request.
//
//   Router r;
//   Status s = r.Add(WhoamiRoute());
#ifndef CONSILIUM_API_WHOAMI_ROUTE_H_
#define CONSILIUM_API_WHOAMI_ROUTE_H_

#include "api/router.h"

namespace consilium::api {

Route WhoamiRoute();

}  // namespace consilium::api

#endif  // CONSILIUM_API_WHOAMI_ROUTE_H_
