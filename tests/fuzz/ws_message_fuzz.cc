// libFuzzer target for the WebSocket client message envelope,
// api::internal::ParseWsEnvelope (api/internal/ws_envelope.h): every text
// frame a client sends goes through it before any message type's handler,
// and its answer through WsErrorText / WsResultText (api/ws_session.h).
//
// Properties beyond "no crash":
//  - a rejection is InvalidArgument, and the id it is answered with is null
//    or a usable id (a string of 1-256 bytes or an integer);
//  - an acceptance means Boost's parser reads an object whose "id" is a
//    usable id and whose "type" is a string, and the envelope holds exactly
//    those (the message keeps every key);
//  - the answer, error or result, is one JSON object that reads back
//    strictly, carrying the same id and the right "type".
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/internal/ws_envelope.h"
#include "api/ws_session.h"
#include "common/strict_json.h"

namespace {

namespace json = boost::json;

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

bool UsableId(const json::value& id) {
  if (id.is_string()) {
    return !id.as_string().empty() &&
           id.as_string().size() <= consilium::api::internal::kMaxWsIdBytes;
  }
  return id.is_int64() || id.is_uint64();
}

void CheckAnswer(const std::string& text, const json::value& id,
                 std::string_view type) {
  json::value v;
  if (!consilium::ParseStrictJson(text, {}, v).ok() || !v.is_object()) {
    Violated("the answer is not a JSON object");
  }
  const json::object& o = v.as_object();
  if (!o.contains("id") || o.at("id") != id)
    Violated("the answer's id differs");
  if (!o.contains("type") || o.at("type") != json::value(type)) {
    Violated("the answer's type is wrong");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  consilium::api::internal::WsEnvelope env;
  const consilium::Status s =
      consilium::api::internal::ParseWsEnvelope(text, env);
  if (!s.ok()) {
    if (s.code() != consilium::StatusCode::kInvalidArgument) {
      Violated("a rejection is not InvalidArgument");
    }
    if (!env.id.is_null() && !UsableId(env.id)) {
      Violated("a rejection is answered with an unusable id");
    }
    CheckAnswer(consilium::api::WsErrorText(env.id, s), env.id, "error");
    return 0;
  }
  // Boost with the envelope's own nesting limit (the strict reader's
  // default, 64), not Boost's default of 32: an accepted message nested 33
  // to 64 deep is valid, not a violation.
  json::parse_options opt;
  opt.max_depth = consilium::StrictJsonOptions{}.max_depth;
  json::error_code ec;
  json::value doc = json::parse(text, ec, {}, opt);
  if (ec || !doc.is_object()) Violated("accepted what is not a JSON object");
  const json::object& o = doc.as_object();
  if (!o.contains("id") || !UsableId(o.at("id")) || o.at("id") != env.id) {
    Violated("accepted without a usable id, or with another id");
  }
  if (!o.contains("type") || !o.at("type").is_string() ||
      o.at("type").as_string() != env.type) {
    Violated("accepted without a type string, or with another type");
  }
  if (env.message.size() != o.size()) Violated("the message lost keys");
  CheckAnswer(consilium::api::WsResultText(env.id, json::object()), env.id,
              "result");
  return 0;
}
