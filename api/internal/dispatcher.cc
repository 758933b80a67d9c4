#include "api/internal/dispatcher.h"

#include <boost/json.hpp>
#include <exception>
#include <string>
#include <utility>

#include "api/openapi.h"

namespace consilium::api::internal {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// RFC 6750 section 3: the challenge, with error="invalid_token" when a
// token was sent and refused (no error attribute when none was sent).
std::string Challenge(const Request& request) {
  std::string c = "Bearer realm=\"consilium\"";
  if (!request.Header("authorization").empty())
    c += ", error=\"invalid_token\"";
  return c;
}

}  // namespace

Dispatcher::Dispatcher(Router router,
                       std::shared_ptr<const Authenticator> authenticator,
                       std::shared_ptr<const Authorizer> authorizer,
                       DenialHook hook,
                       std::shared_ptr<MetricsRegistry> metrics,
                       RunBlocking run_blocking)
    : router_(std::move(router)),
      authenticator_(std::move(authenticator)),
      authorizer_(std::move(authorizer)),
      hook_(std::move(hook)),
      metrics_(std::move(metrics)),
      run_blocking_(std::move(run_blocking)) {
  requests_ = metrics_->AddCounter(
      "consilium_http_requests_total",
      "HTTP requests answered, by route pattern, method and status",
      {"route", "method", "status"});
  latency_ = metrics_->AddHistogram(
      "consilium_http_request_duration_seconds",
      "from the end of the request headers to the end of the response, by "
      "route pattern, method and status",
      {"route", "method", "status"}, kLatencyBuckets);
}

void Dispatcher::Record(const std::string& method, const std::string& route,
                        int status, double seconds) const {
  // Methods outside the standard set share one label value, so a client
  // cannot grow the series without bound.
  static const std::vector<std::string> kKnown = {
      "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  std::string m = "other";
  for (const std::string& k : kKnown) {
    if (k == method) m = k;
  }
  std::vector<std::string> labels = {route, m, std::to_string(status)};
  requests_->Add(labels);
  latency_->Observe(labels, seconds);
}

void Dispatcher::Dispatch(std::shared_ptr<Request> request, Done done) const {
  StatusOr<std::vector<std::string>> segments = SplitPath(request->path);
  if (!segments.ok()) {
    return done(ErrorResponse(400, segments.status()), kUnmatchedRoute);
  }
  RouteMatch match = router_.Match(request->method, *segments);
  if (match.route == nullptr && match.allowed.empty()) {
    return done(ErrorResponse(NotFoundError("no route for " + request->method +
                                            " " + request->path)),
                kUnmatchedRoute);
  }
  if (match.route == nullptr) {
    Response r = ErrorResponse(
        405, Status(StatusCode::kUnimplemented,
                    request->path + " does not answer " + request->method +
                        " (allowed: " + Join(match.allowed) + ")"));
    r.headers.emplace_back("Allow", Join(match.allowed));
    return done(std::move(r), kUnmatchedRoute);
  }
  const Route& route = *match.route;
  request->params = std::move(match.params);
  if (!route.is_public) {
    StatusOr<std::string_view> token =
        BearerToken(request->Header("authorization"));
    StatusOr<Principal> principal = token.ok()
                                        ? authenticator_->Authenticate(*token)
                                        : StatusOr<Principal>(token.status());
    if (!principal.ok()) {
      return Refuse(std::move(request), route.pattern, principal.status(),
                    std::move(done));
    }
    request->principal = std::move(*principal);
    Status allowed =
        authorizer_->Authorize(*request->principal, route.pattern, *request);
    if (!allowed.ok()) {
      return Refuse(std::move(request), route.pattern, allowed,
                    std::move(done));
    }
  }
  Run(route, std::move(request), std::move(done));
}

void Dispatcher::Refuse(std::shared_ptr<Request> request, std::string route,
                        Status reason, Done done) const {
  // The hook may append to the ledger (a denied-access event), so it runs
  // on the blocking pool, and the refusal waits for it.
  run_blocking_([this, request = std::move(request), route = std::move(route),
                 reason = std::move(reason), done = std::move(done)]() {
    Denial denial{request->principal ? request->principal->id : "",
                  request->method,
                  request->path,
                  route,
                  reason,
                  request->params};
    Status recorded = hook_ ? hook_(denial) : OkStatus();
    Response r;
    if (!recorded.ok()) {
      r = ErrorResponse(UnavailableError(
          "the refusal of this request could not be recorded: " +
          recorded.message()));
    } else {
      r = ErrorResponse(reason);
      if (reason.code() == StatusCode::kUnauthenticated) {
        r.headers.emplace_back("WWW-Authenticate", Challenge(*request));
      }
    }
    done(std::move(r), route);
  });
}

void Dispatcher::Run(const Route& route, std::shared_ptr<Request> request,
                     Done done) const {
  if (route.async) {
    try {
      route.async(*request, [request, done, pattern = route.pattern](
                                Response r) { done(std::move(r), pattern); });
    } catch (...) {
      // Async handlers must not throw (they run on an I/O thread); one that
      // does before responding gets the blocking handlers' 500.
      done(ErrorResponse(
               InternalError("the handler of " + route.pattern + " failed")),
           route.pattern);
    }
    return;
  }
  if (route.deferred) {
    run_blocking_([&route, request, done] {
      try {
        route.deferred(*request,
                       [request, done, pattern = route.pattern](Response r) {
                         done(std::move(r), pattern);
                       });
      } catch (...) {
        // As for async handlers: one that throws before responding is a
        // bug; the client gets a 500.
        done(ErrorResponse(
                 InternalError("the handler of " + route.pattern + " failed")),
             route.pattern);
      }
    });
    return;
  }
  run_blocking_([&route, request = std::move(request), done = std::move(done)] {
    Response r;
    try {
      r = route.blocking(*request);
    } catch (...) {
      // A handler that throws is a bug; the client gets a 500 without the
      // exception's text (it may hold record content).
      r = ErrorResponse(
          InternalError("the handler of " + route.pattern + " failed"));
    }
    done(std::move(r), route.pattern);
  });
}

Status AddBuiltinRoutes(Router& router,
                        std::shared_ptr<MetricsRegistry> metrics) {
  RETURN_IF_ERROR(
      router.Add({.method = "GET",
                  .pattern = "/healthz",
                  .async =
                      [](const Request&, Responder respond) {
                        respond(JsonResponse(200, {{"status", "ok"}}));
                      },
                  .is_public = true}));
  RETURN_IF_ERROR(router.Add(
      {.method = "GET",
       .pattern = "/metrics",
       .async =
           [metrics](const Request&, Responder respond) {
             Response r;
             r.content_type = "text/plain; version=0.0.4; charset=utf-8";
             r.body = metrics->Render();
             respond(std::move(r));
           },
       .is_public = true}));
  return router.Add({.method = "GET",
                     .pattern = "/v1/openapi.json",
                     .async =
                         [](const Request&, Responder respond) {
                           Response r;
                           r.body = std::string(OpenApiDocument());
                           respond(std::move(r));
                         },
                     .is_public = true});
}

}  // namespace consilium::api::internal
