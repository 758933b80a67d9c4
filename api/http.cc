#include "api/http.h"

#include <boost/json.hpp>
#include <utility>

#include "common/canonical_json.h"
#include "common/key_store.h"
#include "common/strict_json.h"
#include "render/error_json.h"

namespace consilium::api {

std::string_view Request::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string_view()
                             : std::string_view(it->second);
}

Response JsonResponse(int status, const boost::json::value& value) {
  Response r;
  r.status = status;
  StatusOr<std::string> text = WriteCanonicalJson(value);
  if (!text.ok()) return ErrorResponse(InternalError(text.status().message()));
  r.body = std::move(*text) + "\n";
  return r;
}

int HttpStatusFor(StatusCode code) {
  struct Mapping {
    StatusCode code;
    int http;
  };
  // Google's API conventions (google.rpc.Code's HTTP mapping).
  static constexpr Mapping kMappings[] = {
      {StatusCode::kOk, 200},
      {StatusCode::kInvalidArgument, 400},
      {StatusCode::kOutOfRange, 400},
      {StatusCode::kUnauthenticated, 401},
      {StatusCode::kPermissionDenied, 403},
      {StatusCode::kNotFound, 404},
      {StatusCode::kAlreadyExists, 409},
      {StatusCode::kAborted, 409},
      {StatusCode::kFailedPrecondition, 400},
      {StatusCode::kResourceExhausted, 429},
      {StatusCode::kCancelled, 499},
      {StatusCode::kUnimplemented, 501},
      {StatusCode::kUnavailable, 503},
      {StatusCode::kDeadlineExceeded, 504},
  };
  for (const Mapping& m : kMappings) {
    if (m.code == code) return m.http;
  }
  return 500;  // INTERNAL, DATA_LOSS, UNKNOWN
}

Response ErrorResponse(const Status& status) {
  // Content whose key was shredded is gone for good (docs/encryption.md).
  if (IsShredded(status)) return ErrorResponse(410, status);
  return ErrorResponse(HttpStatusFor(status.code()), status);
}

Response ErrorResponse(int http_status, const Status& status) {
  Response r = JsonResponse(http_status, render::ErrorJson(status));
  r.status = http_status;
  return r;
}

StatusOr<boost::json::value> ParseJsonBody(const Request& request) {
  std::string_view type = request.Header("content-type");
  std::string_view media = type.substr(0, type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media != "application/json") {
    return InvalidArgumentError(
        "request body: Content-Type must be application/json");
  }
  boost::json::value doc;
  Status s = ParseStrictJson(request.body, {}, doc);
  if (!s.ok()) return s.WithContext("request body");
  return doc;
}

}  // namespace consilium::api
