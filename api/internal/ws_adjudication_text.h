// The adjudication messages' small parts (api/ws_adjudication.h): reading a
// message's fields strictly, making the REST handlers' Request of it, the
// push texts, and a queue's depth. Private to api/.
#ifndef CONSILIUM_API_INTERNAL_WS_ADJUDICATION_TEXT_H_
#define CONSILIUM_API_INTERNAL_WS_ADJUDICATION_TEXT_H_

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "adjudication/model.h"
#include "api/http.h"
#include "api/ws_session.h"
#include "common/status.h"

namespace consilium::api::internal {

// InvalidArgument naming the first key of the message (besides id and
// type) that is not in `keys`.
Status OnlyKeys(const WsRequest& req, std::initializer_list<const char*> keys);
// A string of 1-256 bytes; empty when absent and not `required`.
StatusOr<std::string> StringKey(const WsRequest& req, const char* key,
                                bool required);
// "lease": a positive integer.
StatusOr<uint64_t> LeaseKey(const WsRequest& req);
// The REST handlers' "request body: ..." becomes "<type>: ...".
Status Reword(const Status& s, const std::string& type);
// The Request a REST handler expects, made from a WebSocket message: method
// "WS", the principal, a JSON body.
Request RestRequest(const WsRequest& req, std::string path,
                    std::map<std::string, std::string> params,
                    std::string body);
// A handler's JSON response body as an object, or its error.
StatusOr<boost::json::object> ResultOf(const StatusOr<Response>& r);

// A lease a session watches.
struct LeaseTrack {
  std::string project;
  adjudication::ItemKey item;
  int64_t deadline_us = 0;
  int64_t ttl_us = 0;
  bool warned = false;        // lease_expiring sent for this deadline
  bool ending = false;        // this session's decide/release in flight
  bool changed_told = false;  // lease_lost "item_changed" sent
};

boost::json::value FieldOrNull(const std::string& field);
std::string DepthText(const std::string& queue, const std::string& field,
                      size_t depth, uint64_t seq);
std::string LostText(uint64_t lease, const LeaseTrack& t,
                     std::string_view reason, std::optional<uint64_t> seq);
std::string ExpiringText(uint64_t lease, const LeaseTrack& t, int64_t now_us);

// Under the write core's lock: the queue's claimable items, of one field, or
// all when `field` is empty, that `adjudicator` may take: escalated items
// (the senior tier) count only for the policy's senior adjudicators; items
// on records the adjudicator annotated count for no one but the others
// (docs/websocket.md, "Pushes"). Items held by an in-flight claim are left
// out.
size_t DepthOf(const adjudication::AdjudicationModel& model,
               const std::string& project, const std::string& field,
               std::string_view adjudicator);

// DepthOf for many adjudicators under one lock: the tier's count once per
// (queue, field, tier) however many sessions share it, less each
// adjudicator's own conflicts (O(records they annotated)).
class DepthCounter {
 public:
  explicit DepthCounter(const adjudication::AdjudicationModel& model)
      : model_(model) {}
  size_t Of(const std::string& project, const std::string& field,
            std::string_view adjudicator);

 private:
  const adjudication::AdjudicationModel& model_;
  std::map<std::tuple<std::string, std::string, bool>, size_t> counted_;
};

}  // namespace consilium::api::internal

#endif  // CONSILIUM_API_INTERNAL_WS_ADJUDICATION_TEXT_H_
