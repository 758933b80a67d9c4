#include "render/ledger_json.h"

#include <boost/json.hpp>
#include <string>
#include <utility>

#include "common/hash.h"
#include "schemas/event.h"
#include "schemas/event_json.h"

namespace consilium::render {

namespace json = boost::json;

json::object EventMetadataJson(const StoredEvent& e) {
  const fb::Event& event = *e.event();
  json::object o;
  o["seq"] = e.seq;
  o["hash"] = ToHex(e.hash);
  o["prev_hash"] = ToHex(PrevHashOf(event));
  o["time"] = FormatTimestamp(TimestampOf(event));
  o["type"] = EventTypeName(event.body_type());
  o["actor"] = View(event.actor());
  if (event.request_id() != nullptr && event.request_id()->size() > 0) {
    o["request_id"] = View(event.request_id());
  }
  if (std::string_view r = RecordIdOf(event); !r.empty()) o["record_id"] = r;
  if (std::string_view p = ProjectIdOf(event); !p.empty()) o["project_id"] = p;
  o["size"] = e.bytes.size();
  return o;
}

StatusOr<json::object> EventPageJson(const Ledger& ledger, uint64_t from,
                                     uint64_t limit) {
  if (from == 0) {
    return InvalidArgumentError("from must be 1 or more (events start at 1)");
  }
  if (limit == 0 || limit > kEventPageMax) {
    return InvalidArgumentError("limit must be 1 to " +
                                std::to_string(kEventPageMax) + ", got " +
                                std::to_string(limit));
  }
  ASSIGN_OR_RETURN(Head head, ledger.CheckedHead());
  if (from > head.seq + 1) {
    return OutOfRangeError("from " + std::to_string(from) +
                           " is beyond the ledger's " +
                           std::to_string(head.seq) + " events");
  }
  json::array events;
  uint64_t last = from - 1;
  RETURN_IF_ERROR(ledger.Scan(from, limit, [&](const StoredEvent& e) {
    events.push_back(EventMetadataJson(e));
    last = e.seq;
    return true;
  }));
  json::object page;
  page["events"] = std::move(events);
  page["from"] = from;
  page["limit"] = limit;
  page["head_seq"] = head.seq;
  page["next_from"] = last < head.seq ? json::value(last + 1) : json::value();
  return page;
}

}  // namespace consilium::render
