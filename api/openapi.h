// The OpenAPI 3.1 description of the HTTP API, served at /v1/openapi.json.
// The document is api/openapi.json in the repository, embedded into the
// binary when CMake configures (api/openapi.cc.in), so the served bytes are
// the reviewed file's bytes.
//
// Thread-safety: a constant.
#ifndef CONSILIUM_API_OPENAPI_H_
#define CONSILIUM_API_OPENAPI_H_

#include <string_view>

namespace consilium::api {

// The whole document, JSON.
std::string_view OpenApiDocument();

}  // namespace consilium::api

#endif  // CONSILIUM_API_OPENAPI_H_
