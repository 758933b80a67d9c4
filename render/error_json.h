// The JSON document of a failure: what `consilium` prints for a rejected
// input line and what the server returns in an error body.
//
//   {"error": {"code": "INVALID_ARGUMENT", "message": "..."}, "line": 3}
//
// "code" is StatusCodeName (abseil's canonical names), "message" the
// status's message; "line" (1-based, of a JSON-lines input) only when
// nonzero. Thread-safety: a pure function.
#ifndef CONSILIUM_RENDER_ERROR_JSON_H_
#define CONSILIUM_RENDER_ERROR_JSON_H_

#include <boost/json/object.hpp>
#include <cstddef>

#include "common/status.h"

namespace consilium::render {

boost::json::object ErrorJson(const Status& status, size_t line = 0);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_ERROR_JSON_H_
