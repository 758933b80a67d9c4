// libFuzzer target for DraftFromJson (bytes from `consilium append` input
// lines and, later, HTTP request bodies).
//
// Properties checked beyond "no crash": every rejection is InvalidArgument;
// an accepted draft passes Validate(); stamping it returns LeafHash of the
// stamped bytes, which pass VerifyStoredEvent and read back the stamp; and
// EventToJson of the stamped event, reduced to the input form (type, actor,
// request_id, body, without the output-only body.content_hash), parses back
// with DraftFromJson to a draft with the same bytes before stamping.
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

// The input form of an EventToJson line: the keys DraftFromJson reads.
std::string InputForm(std::string_view output) {
  namespace json = boost::json;
  json::parse_options opt;
  opt.max_depth = 128;  // payloads nest up to 64 deep inside the body
  boost::system::error_code ec;
  json::value v = json::parse(output, ec, {}, opt);
  if (ec || !v.is_object()) Violated("EventToJson output is not an object");
  json::object& out = v.as_object();
  json::object in;
  for (std::string_view key : {"type", "actor", "request_id", "body"}) {
    if (const json::value* field = out.if_contains(key)) in[key] = *field;
  }
  if (json::value* body = in.if_contains("body"); body && body->is_object()) {
    body->as_object().erase("content_hash");
  }
  return json::serialize(in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace consilium;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  StatusOr<EventDraft> draft = DraftFromJson(text);
  if (!draft.ok()) {
    if (draft.status().code() != StatusCode::kInvalidArgument) {
      Violated("rejection is not InvalidArgument");
    }
    return 0;
  }
  if (!draft->Validate().ok()) Violated("accepted draft fails Validate");
  const std::string unstamped = draft->bytes();

  constexpr uint64_t kSeq = 42;
  constexpr int64_t kTimeUs = 1795733769376667;
  const Hash256 prev = Sha256("previous event");
  const Hash256 hash = draft->Stamp(kSeq, prev, kTimeUs);
  const std::string& stamped = draft->bytes();
  if (stamped.size() != unstamped.size()) Violated("stamping resized");
  if (hash != LeafHash(AsBytes(stamped))) Violated("Stamp != LeafHash(bytes)");
  if (!VerifyStoredEvent(stamped).ok()) Violated("stamped event fails verify");
  const fb::Event& e = *EventView(stamped);
  if (SequenceOf(e) != kSeq || TimestampOf(e) != kTimeUs ||
      PrevHashOf(e) != prev) {
    Violated("stamp does not read back");
  }

  const std::string line = InputForm(EventToJson(kSeq, hash, stamped));
  StatusOr<EventDraft> again = DraftFromJson(line);
  if (!again.ok()) {
    std::fprintf(stderr, "re-parse of %s: %s\n", line.c_str(),
                 again.status().ToString().c_str());
    Violated("EventToJson output does not parse back");
  }
  if (again->bytes() != unstamped) Violated("round trip changed the bytes");
  return 0;
}
