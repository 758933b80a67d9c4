#include "api/whoami_route.h"

#include <utility>

#include "api/http.h"
#include "render/principal_json.h"

namespace consilium::api {

Route WhoamiRoute() {
  return {.method = "GET",
          .pattern = "/v1/whoami",
          .async = [](const Request& request, Responder respond) {
            // The server authenticated the request (the route is not
            // public), so the principal is set.
            const Principal& p = *request.principal;
            respond(JsonResponse(200, render::WhoamiJson(p.id, p.roles)));
          }};
}

}  // namespace consilium::api
