// From a parsed Request to its Response, with no Beast in sight: route
// matching (404, 405 with Allow), authentication and authorization (401 with
// WWW-Authenticate, 403, each reported to the denial hook first), running
// the handler where its kind says (api/router.h), and the request metrics.
// The session (api/internal/session.cc) owns the connection around it.
//
// Thread-safety: Dispatch may be called from any thread concurrently.
#ifndef CONSILIUM_API_INTERNAL_DISPATCHER_H_
#define CONSILIUM_API_INTERNAL_DISPATCHER_H_

#include <functional>
#include <memory>
#include <string>

#include "api/auth.h"
#include "api/http.h"
#include "api/metrics.h"
#include "api/router.h"

namespace consilium::api::internal {

// Route label of requests that matched no route, and of requests refused
// before routing (malformed, too large, too slow): a bounded label set.
inline constexpr const char* kUnmatchedRoute = "unmatched";
inline constexpr const char* kTransportRoute = "transport";

class Dispatcher {
 public:
  // Runs a task on the blocking pool.
  using RunBlocking = std::function<void(std::function<void()>)>;
  // Receives the response and the route label; called exactly once, from
  // any thread.
  using Done = std::function<void(Response, std::string route)>;

  Dispatcher(Router router, std::shared_ptr<const Authenticator> authenticator,
             std::shared_ptr<const Authorizer> authorizer, DenialHook hook,
             std::shared_ptr<MetricsRegistry> metrics,
             RunBlocking run_blocking);

  // `request` stays alive until `done` has been called.
  void Dispatch(std::shared_ptr<Request> request, Done done) const;

  // Counts a finished exchange (requests_total and the latency histogram).
  void Record(const std::string& method, const std::string& route, int status,
              double seconds) const;

  MetricsRegistry& metrics() const { return *metrics_; }
  // For the WebSocket sessions, which authenticate and report refusals
  // the same way (docs/websocket.md).
  const Authenticator& authenticator() const { return *authenticator_; }
  const DenialHook& denial_hook() const { return hook_; }
  void RunOnPool(std::function<void()> task) const {
    run_blocking_(std::move(task));
  }

 private:
  void Refuse(std::shared_ptr<Request> request, std::string route,
              Status reason, Done done) const;
  void Run(const Route& route, std::shared_ptr<Request> request,
           Done done) const;

  Router router_;
  std::shared_ptr<const Authenticator> authenticator_;
  std::shared_ptr<const Authorizer> authorizer_;
  DenialHook hook_;
  std::shared_ptr<MetricsRegistry> metrics_;
  RunBlocking run_blocking_;
  Counter* requests_;
  Histogram* latency_;
};

// GET /healthz, GET /metrics, GET /v1/openapi.json: public, async.
Status AddBuiltinRoutes(Router& router,
                        std::shared_ptr<MetricsRegistry> metrics);

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_DISPATCHER_H_
