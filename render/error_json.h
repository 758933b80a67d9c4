// The JSON document of a failure: what `consilium` prints for a rejected
// input line and what the server returns in an error body.
//
//   {"error": {"code": "INVALID_ARGUMENT", "message": "..."}, "line": 3}
//
// "code" is StatusCodeName (abseil's canonical names), "message" the
// status's message; "line" (1-based, of a JSON-lines input) only when
// nonzero. The message is made valid UTF-8 (ValidUtf8): messages quote
// what the client sent (a path, an id), and JSON text must be UTF-8.
// Thread-safety: pure functions.
#ifndef CONSILIUM_RENDER_ERROR_JSON_H_
#define CONSILIUM_RENDER_ERROR_JSON_H_

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace consilium::render {

boost::json::object ErrorJson(const Status& status, size_t line = 0);

// `text` with every byte that does not belong to a well-formed UTF-8
// sequence (RFC 3629: no overlong forms, surrogates or values past
// U+10FFFF) replaced by U+FFFD; valid text is returned unchanged.
std::string ValidUtf8(std::string_view text);

}  // namespace consilium::render

#endif  // CONSILIUM_RENDER_ERROR_JSON_H_
