#include "render/error_json.h"

#include <boost/json.hpp>
#include <utility>

namespace consilium::render {

boost::json::object ErrorJson(const Status& status, size_t line) {
  boost::json::object err;
  err["code"] = StatusCodeName(status.code());
  err["message"] = status.message();
  boost::json::object o;
  o["error"] = std::move(err);
  if (line != 0) o["line"] = line;
  return o;
}

}  // namespace consilium::render
