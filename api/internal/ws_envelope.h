// The envelope of a WebSocket client message (docs/websocket.md): a JSON
// object, read strictly, with an `id` (a string of 1-256 bytes or an
// integer) and a `type` string. Beast-free, so the session
// (api/ws_session.cc) and the WebSocket fuzz target
// (tests/fuzz/ws_message_fuzz.cc) share it. Private to api/.
//
// Thread-safety: a pure function.
//
//   WsEnvelope env;
//   if (Status s = ParseWsEnvelope(text, env); !s.ok())
//     return Send(WsErrorText(env.id, s));   // env.id: null or the id
//   Dispatch(env.type, env.id, std::move(env.message));
#ifndef CONSILIUM_API_INTERNAL_WS_ENVELOPE_H_
#define CONSILIUM_API_INTERNAL_WS_ENVELOPE_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace consilium::api::internal {

inline constexpr size_t kMaxWsIdBytes = 256;

struct WsEnvelope {
  // The id an answer carries: null until a usable id was read.
  boost::json::value id;
  std::string type;
  boost::json::object message;  // the whole message, id and type included
};

// Reads `text` into `out`. InvalidArgument, answered with out.id: "message:
// invalid JSON at offset N: ..." or a duplicate key (strict reader), "message
// must be a JSON object", "message has no \"id\"", "\"id\" must be 1-256
// bytes", "\"id\" must be a string or an integer" (id null for all of
// these); "message has no \"type\" string" (with the id).
Status ParseWsEnvelope(std::string_view text, WsEnvelope& out);

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_WS_ENVELOPE_H_
