// Routes: method + path pattern -> handler.
//
// A pattern is a path whose segments are literals or `{name}` parameters:
// "/v1/records/{id}/annotations". A literal segment wins over a parameter
// at the same place ("/v1/queues/mine" before "/v1/queues/{id}"). A path
// that matches a pattern under another method is 405 with Allow; one that
// matches none is 404.
//
// Handlers come in two kinds (docs/server.md, threading model):
// - blocking: `Response(const Request&)`, run on the server's blocking pool,
//   never on an I/O thread; for anything that may wait (ledger appends wait
//   for group commit, reads may touch disk).
// - async: `void(const Request&, Responder)`, run on the connection's I/O
//   strand; it must not block, and calls the Responder exactly once, from any
//   thread. The Request stays valid until then.
// - deferred: the async signature, run on the blocking pool (it may wait on
//   a lock or read the disk) and answering later through the Responder: for
//   handlers that end in a durable append, so that no pool thread waits
//   while the group commit syncs.
//
// Thread-safety: build the router before the server starts; afterwards it is
// read-only and Match may be called from any thread.
//
//   Router r;
//   r.Add({.method = "GET", .pattern = "/v1/records/{id}",
//          .blocking = GetRecord});
#ifndef CONSILIUM_API_ROUTER_H_
#define CONSILIUM_API_ROUTER_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "common/status.h"

namespace consilium::api {

using Responder = std::function<void(Response)>;
using BlockingHandler = std::function<Response(const Request&)>;
using AsyncHandler = std::function<void(const Request&, Responder)>;

struct Route {
  std::string method = {};   // "GET", "POST", ...
  std::string pattern = {};  // "/v1/records/{id}"
  // Exactly one of the three is set.
  BlockingHandler blocking = {};
  AsyncHandler async = {};
  AsyncHandler deferred = {};
  // Public routes skip authentication (/healthz, /metrics, /v1/openapi.json).
  bool is_public = false;
};

struct RouteMatch {
  const Route* route = nullptr;  // null: no route for this method and path
  std::map<std::string, std::string> params;
  // When route is null: the methods the path answers to (405 when not
  // empty, 404 otherwise), sorted.
  std::vector<std::string> allowed;
};

class Router {
 public:
  // InvalidArgument for a pattern that does not start with '/', has an
  // empty or malformed `{}` segment, or repeats a parameter name;
  // AlreadyExists for a method and pattern already added (patterns equal up
  // to parameter names count as the same).
  Status Add(Route route);

  // `path` is percent-decoded per segment by the caller ("/v1/records/a%2Fb"
  // reaches here as the segments "v1", "records", "a/b").
  RouteMatch Match(std::string_view method,
                   const std::vector<std::string>& segments) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Compiled {
    std::vector<std::string> segments;  // "{}" marks a parameter
    std::vector<std::string> names;     // one per parameter, in order
  };
  std::vector<Route> routes_;
  std::vector<Compiled> compiled_;  // parallel to routes_
};

// Splits "/a/b%2Fc/" into {"a", "b/c", ""}: segments percent-decoded.
// InvalidArgument for a path not starting with '/', a bad %-escape or an
// encoded NUL.
StatusOr<std::vector<std::string>> SplitPath(std::string_view path);

}  // namespace consilium::api

#endif  // CONSILIUM_API_ROUTER_H_
