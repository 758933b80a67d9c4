#include "api/internal/ws_envelope.h"

#include <boost/json.hpp>
#include <utility>

#include "api/ws_session.h"
#include "common/strict_json.h"
#include "render/error_json.h"

namespace consilium::api {

namespace json = boost::json;

// Declared in api/ws_session.h; here so that the envelope's code needs no
// Beast (the fuzz target links this file alone).
std::string WsResultText(const json::value& id, const json::object& result) {
  json::object o;
  o["id"] = id;
  o["type"] = "result";
  o["result"] = result;
  return json::serialize(o);
}

std::string WsErrorText(const json::value& id, const Status& status) {
  json::object o = render::ErrorJson(status);
  o["id"] = id;
  o["type"] = "error";
  return json::serialize(o);
}

}  // namespace consilium::api

namespace consilium::api::internal {
namespace {

// The id of a message: a string of 1-256 bytes or an integer.
Status CheckId(const json::object& msg) {
  const json::value* id = msg.if_contains("id");
  if (id == nullptr) return InvalidArgumentError("message has no \"id\"");
  if (id->is_string()) {
    size_t n = id->as_string().size();
    if (n == 0 || n > kMaxWsIdBytes) {
      return InvalidArgumentError("\"id\" must be 1-256 bytes");
    }
    return OkStatus();
  }
  if (id->is_int64() || id->is_uint64()) return OkStatus();
  return InvalidArgumentError("\"id\" must be a string or an integer");
}

}  // namespace

Status ParseWsEnvelope(std::string_view text, WsEnvelope& out) {
  out = WsEnvelope();
  json::value doc;
  if (Status s = ParseStrictJson(text, {}, doc); !s.ok()) {
    return s.WithContext("message");
  }
  if (!doc.is_object()) {
    return InvalidArgumentError("message must be a JSON object");
  }
  json::object& msg = doc.as_object();
  RETURN_IF_ERROR(CheckId(msg));
  out.id = msg.at("id");
  const json::value* type = msg.if_contains("type");
  if (type == nullptr || !type->is_string()) {
    return InvalidArgumentError("message has no \"type\" string");
  }
  out.type = std::string(type->as_string());
  out.message = std::move(msg);
  return OkStatus();
}

}  // namespace consilium::api::internal
