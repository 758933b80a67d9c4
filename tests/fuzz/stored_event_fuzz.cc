// libFuzzer target for the reading of stored events: VerifyStoredEvent and
// then EventToJson, what `consilium verify`, `events`, `event` and
// `audit verify --event` do with bytes from disk (a damaged or hostile
// ledger directory, an event file handed to an auditor).
//
// Properties checked beyond "no crash": every rejection is DataLoss or
// FailedPrecondition; for a verified event the accessors and EventToJson
// succeed and EventToJson prints one JSON object carrying the event's type.
// (Strings in stored events are not checked for UTF-8, and EventToJson
// copies their bytes, so the output is parsed with invalid UTF-8 allowed.)
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/hash.h"
#include "schemas/event.h"
#include "schemas/event_json.h"

namespace {

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace consilium;
  // FlatBuffers reads need the buffer 8-byte aligned (schemas/event.h);
  // libFuzzer's data pointer is not guaranteed to be, a std::string's is.
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const Status s = VerifyStoredEvent(bytes);
  if (!s.ok()) {
    if (s.code() != StatusCode::kDataLoss &&
        s.code() != StatusCode::kFailedPrecondition) {
      Violated("rejection is not DataLoss or FailedPrecondition");
    }
    return 0;
  }
  const fb::Event& e = *EventView(bytes);
  (void)RecordIdOf(e);
  (void)ProjectIdOf(e);
  const std::string json =
      EventToJson(SequenceOf(e), LeafHash(AsBytes(bytes)), bytes);

  namespace bj = boost::json;
  bj::parse_options opt;
  opt.allow_invalid_utf8 = true;
  opt.max_depth = 64;  // payloads are parsed to depth 32, then nested
  boost::system::error_code ec;
  const bj::value v = bj::parse(json, ec, {}, opt);
  if (ec || !v.is_object()) Violated("EventToJson output is not an object");
  const bj::value* type = v.as_object().if_contains("type");
  if (type == nullptr || !type->is_string() ||
      type->get_string() != EventTypeName(e.body_type())) {
    Violated("EventToJson output lacks the event type");
  }
  return 0;
}
