// The request a route handler sees and the response it returns: plain values
// with no Beast types, so handlers (and the modules that will define them)
// compile without Beast. The session (api/internal/) converts at the edge.
//
// Thread-safety: values. A handler reads its Request from one thread; the
// session keeps the Request alive until the response has been handed back.
//
//   Response Hello(const Request& req) {
//     return JsonResponse(200, {{"hello", req.params.at("name")}});
//   }
#ifndef CONSILIUM_API_HTTP_H_
#define CONSILIUM_API_HTTP_H_

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/auth.h"
#include "common/status.h"

namespace consilium::api {

struct Request {
  std::string method;  // "GET", as sent (HTTP methods are case-sensitive)
  std::string target;  // "/v1/records/r1?x=1", as sent
  std::string path;    // "/v1/records/r1", as sent (params are decoded)
  std::string query;   // "x=1", raw
  // Header names lowercased; a header sent twice is joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;
  // The pattern's {name} segments: "/v1/records/{id}" gives params["id"].
  std::map<std::string, std::string> params;
  // Set for routes that require authentication, once the token was accepted.
  std::optional<Principal> principal;
  bool tls = false;  // the connection is TLS

  // The header's value, or empty. `name` lowercase.
  std::string_view Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  // Extra headers (Allow, WWW-Authenticate, Cache-Control, ...). The session
  // sets Content-Length, Content-Type, Server, Date and Connection itself.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// A response whose body is `value` as canonical JSON plus "\n".
Response JsonResponse(int status, const boost::json::value& value);

// The HTTP status a Status code means (docs/server.md lists them):
// INVALID_ARGUMENT, OUT_OF_RANGE and FAILED_PRECONDITION 400,
// UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404, ALREADY_EXISTS
// and ABORTED 409, ... ; OK is 200. The one place codes become HTTP
// statuses.
int HttpStatusFor(StatusCode code);

// {"error":{"code":"...","message":"..."}} (render/error_json.h) with
// HttpStatusFor(status.code()). Precondition: !status.ok().
Response ErrorResponse(const Status& status);
// The same body under a transport status that no code maps to (405, 408,
// 413, 431): the code names the kind, the HTTP status the exact refusal.
Response ErrorResponse(int http_status, const Status& status);

// The request body as JSON, through the strict reader (common/strict_json.h):
// InvalidArgument "request body: duplicate key \"a.b\"", "request body:
// invalid JSON at offset 7: syntax error", or "request body: Content-Type
// must be application/json". The document is allocated from the default
// resource.
StatusOr<boost::json::value> ParseJsonBody(const Request& request);

}  // namespace consilium::api

#endif  // CONSILIUM_API_HTTP_H_
