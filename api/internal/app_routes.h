// What the route groups share: a handler step that may fail, wrapped so a
// failure becomes the error response (a PermissionDenied recorded as a
// denied access first), and small lookups. Private to api/.
#ifndef CONSILIUM_API_INTERNAL_APP_ROUTES_H_
#define CONSILIUM_API_INTERNAL_APP_ROUTES_H_

#include <functional>
#include <string>
#include <utility>

#include "api/app.h"
#include "api/http.h"
#include "api/router.h"
#include "common/status.h"

namespace consilium::api::internal {

using Step = std::function<StatusOr<Response>(const Request&)>;

// A blocking handler running `step`; an error is ctx.Fail's response.
inline BlockingHandler Guarded(const AppContext& ctx, std::string route,
                               Step step) {
  return [&ctx, route = std::move(route),
          step = std::move(step)](const Request& request) -> Response {
    StatusOr<Response> r = step(request);
    if (r.ok()) return std::move(*r);
    return ctx.Fail(request, route, r.status());
  };
}

// A deferred step: answers exactly once through `reply`, from any thread.
using Reply = std::function<void(StatusOr<Response>)>;
using DeferredStep = std::function<void(const Request&, Reply)>;

// A deferred handler running `step`; an error is ctx.FailAsync's response.
// A refusal must reach `reply` on the step's own thread (the commands
// reject before they queue), never from a ledger callback.
inline AsyncHandler Deferred(const AppContext& ctx, std::string route,
                             DeferredStep step) {
  return [&ctx, route = std::move(route), step = std::move(step)](
             const Request& request, Responder respond) {
    step(request, [&ctx, &request, route, respond](StatusOr<Response> r) {
      if (r.ok()) return respond(std::move(*r));
      ctx.FailAsync(request, route, r.status(), respond);
    });
  };
}

// A handler step over the context.
using Handler = StatusOr<Response> (*)(const AppContext&, const Request&);

// A blocking route running `h` under Guarded.
inline Route Blocking(const AppContext& ctx, std::string method,
                      std::string pattern, Handler h) {
  Route r{.method = std::move(method), .pattern = pattern};
  r.blocking = Guarded(ctx, std::move(pattern),
                       [&ctx, h](const Request& req) { return h(ctx, req); });
  return r;
}

// The authenticated principal's id (routes are never public here).
inline const std::string& Actor(const Request& request) {
  return request.principal->id;
}

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_APP_ROUTES_H_
