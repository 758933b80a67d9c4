#include "api/http.h"

#include <boost/json.hpp>
#include <utility>

#include "common/canonical_json.h"
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
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kCancelled:
      return 499;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kUnknown:
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
      return 500;
  }
  return 500;
}

Response ErrorResponse(const Status& status) {
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
