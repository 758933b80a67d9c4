#include "api/internal/ws_adjudication_text.h"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "common/strict_json.h"

namespace consilium::api::internal {

namespace json = boost::json;
namespace adj = ::consilium::adjudication;

namespace {

bool Claimable(adj::ItemState s) {
  return s == adj::ItemState::kPending || s == adj::ItemState::kReopened ||
         s == adj::ItemState::kEscalated;
}

}  // namespace

Status OnlyKeys(const WsRequest& req, std::initializer_list<const char*> keys) {
  for (const auto& kv : req.message) {
    if (kv.key() == "id" || kv.key() == "type") continue;
    bool known = false;
    for (const char* k : keys) known = known || kv.key() == k;
    if (!known) {
      std::string names;
      for (const char* k : keys)
        names += (names.empty() ? "" : ", ") + std::string(k);
      return InvalidArgumentError(req.type + ": unknown key \"" +
                                  std::string(kv.key()) + "\" (" + req.type +
                                  " takes " + names + ")");
    }
  }
  return OkStatus();
}

StatusOr<std::string> StringKey(const WsRequest& req, const char* key,
                                bool required) {
  const json::value* v = req.message.if_contains(key);
  if (v == nullptr) {
    if (!required) return std::string();
    return InvalidArgumentError(req.type + ": \"" + key + "\" required");
  }
  if (!v->is_string() || v->as_string().empty() ||
      v->as_string().size() > 256) {
    return InvalidArgumentError(req.type + ": \"" + key +
                                "\" must be a string of 1-256 bytes");
  }
  return std::string(v->as_string());
}

StatusOr<uint64_t> LeaseKey(const WsRequest& req) {
  const json::value* v = req.message.if_contains("lease");
  if (v == nullptr) {
    return InvalidArgumentError(req.type +
                                ": \"lease\" required (the lease id the "
                                "claim returned)");
  }
  if (v->is_uint64() && v->as_uint64() > 0) return v->as_uint64();
  if (v->is_int64() && v->as_int64() > 0) {
    return static_cast<uint64_t>(v->as_int64());
  }
  return InvalidArgumentError(req.type +
                              ": \"lease\" must be a positive integer (the "
                              "claim's sequence number)");
}

Status Reword(const Status& s, const std::string& type) {
  static const std::string kPrefix = "request body: ";
  if (s.message().rfind(kPrefix, 0) != 0) return s;
  return Status(s.code(), type + ": " + s.message().substr(kPrefix.size()));
}

Request RestRequest(const WsRequest& req, std::string path,
                    std::map<std::string, std::string> params,
                    std::string body) {
  Request r;
  r.method = "WS";
  r.path = std::move(path);
  r.target = r.path;
  r.params = std::move(params);
  r.body = std::move(body);
  r.headers["content-type"] = "application/json";
  r.principal = req.principal;
  return r;
}

StatusOr<json::object> ResultOf(const StatusOr<Response>& r) {
  if (!r.ok()) return r.status();
  json::value v;
  RETURN_IF_ERROR(ParseStrictJson(r->body, {}, v));
  if (!v.is_object()) return InternalError("a handler's result is no object");
  return std::move(v.as_object());
}

json::value FieldOrNull(const std::string& field) {
  return field.empty() ? json::value(nullptr) : json::value(field);
}

std::string DepthText(const std::string& queue, const std::string& field,
                      size_t depth, uint64_t seq) {
  return json::serialize(json::object{{"type", "queue_depth"},
                                      {"queue", queue},
                                      {"field", FieldOrNull(field)},
                                      {"depth", depth},
                                      {"seq", seq}});
}

std::string LostText(uint64_t lease, const LeaseTrack& t,
                     std::string_view reason, std::optional<uint64_t> seq) {
  return json::serialize(
      json::object{{"type", "lease_lost"},
                   {"lease", lease},
                   {"queue", t.project},
                   {"record", t.item.record},
                   {"field", t.item.field},
                   {"reason", reason},
                   {"seq", seq ? json::value(*seq) : json::value(nullptr)}});
}

std::string ExpiringText(uint64_t lease, const LeaseTrack& t, int64_t now_us) {
  return json::serialize(json::object{
      {"type", "lease_expiring"},
      {"lease", lease},
      {"queue", t.project},
      {"record", t.item.record},
      {"field", t.item.field},
      {"expires_us", t.deadline_us},
      {"remaining_ms", std::max<int64_t>(0, (t.deadline_us - now_us) / 1000)}});
}

namespace {

bool IsSenior(const adj::AdjudicationModel& model, const std::string& project,
              std::string_view adjudicator) {
  const adj::Queue* q = model.FindQueue(project);
  if (q == nullptr) return false;
  const std::vector<std::string>& seniors = q->policy().senior_adjudicators;
  return std::find(seniors.begin(), seniors.end(), adjudicator) !=
         seniors.end();
}

size_t Depth(const adj::AdjudicationModel& model, const std::string& project,
             const std::string& field, bool senior) {
  const adj::Queue* q = model.FindQueue(project);
  if (q == nullptr) return 0;
  if (field.empty() && senior) return q->queued();  // both tiers
  // queued() leaves out items held by an in-flight claim; so does the
  // senior count subtracted from it.
  size_t all = field.empty() ? q->queued() : 0;
  size_t escalated = 0;
  for (const adj::ItemInfo* i : q->Items()) {
    if (!field.empty() && i->key.field != field) continue;
    if (i->lease != 0 || !Claimable(i->state) || q->IsHeld(i->key)) continue;
    if (!field.empty()) ++all;
    escalated += i->escalated;
  }
  return senior ? all : all - std::min(all, escalated);
}

// What `adjudicator` may never take of what Depth counted for their tier:
// the items on records they annotated.
size_t Conflicted(const adj::AdjudicationModel& model,
                  const std::string& project, const std::string& field,
                  std::string_view adjudicator, bool senior) {
  const adj::Queue* q = model.FindQueue(project);
  return q == nullptr ? 0 : q->ConflictedClaimable(adjudicator, field, senior);
}

}  // namespace

size_t DepthOf(const adj::AdjudicationModel& model, const std::string& project,
               const std::string& field, std::string_view adjudicator) {
  const bool senior = IsSenior(model, project, adjudicator);
  const size_t all = Depth(model, project, field, senior);
  // The conflicts are a subset of what Depth counts for the same tier; the
  // floor only guards that invariant.
  return all -
         std::min(all, Conflicted(model, project, field, adjudicator, senior));
}

size_t DepthCounter::Of(const std::string& project, const std::string& field,
                        std::string_view adjudicator) {
  const bool senior = IsSenior(model_, project, adjudicator);
  auto [it, fresh] = counted_.try_emplace({project, field, senior}, 0);
  if (fresh) it->second = Depth(model_, project, field, senior);
  return it->second - std::min(it->second, Conflicted(model_, project, field,
                                                      adjudicator, senior));
}

}  // namespace consilium::api::internal
