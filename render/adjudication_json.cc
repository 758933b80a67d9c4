#include "render/adjudication_json.h"

#include <boost/json.hpp>
#include <map>
#include <string>
#include <utility>

#include "common/strict_json.h"
#include "schemas/event_json.h"
#include "schemas/task_schema.h"

namespace consilium::render {
namespace {

namespace json = boost::json;
namespace adj = ::consilium::adjudication;

json::value OptSeq(const std::optional<uint64_t>& seq) {
  return seq ? json::value(*seq) : json::value(nullptr);
}

json::value LeaseOrNull(uint64_t lease) {
  return lease != 0 ? json::value(lease) : json::value(nullptr);
}

json::array RefsJson(const std::vector<adj::AnnotationRef>& refs) {
  json::array out;
  for (const adj::AnnotationRef& r : refs) {
    json::object o;
    o["annotator"] = r.annotator;
    o["seq"] = r.seq;
    out.push_back(std::move(o));
  }
  return out;
}

// What the adjudicator holding an item is told it weighs: sequence numbers,
// and for a claim the annotator as the shown view names them (a pseudonym,
// or null in a blind project); never a principal id.
json::array WeighedForAdjudicator(const std::vector<adj::AnnotationRef>& refs,
                                  const json::object* view) {
  std::map<uint64_t, json::value> named;
  if (const json::value* anns =
          view != nullptr ? view->if_contains("annotations") : nullptr;
      anns != nullptr && anns->is_array()) {
    for (const json::value& a : anns->get_array()) {
      const json::object* o = a.if_object();
      if (o == nullptr || !o->contains("seq") || !o->contains("annotator"))
        continue;
      if (const auto seq = o->at("seq").if_uint64())
        named[*seq] = o->at("annotator");
      else if (const auto sseq = o->at("seq").if_int64())
        named[static_cast<uint64_t>(*sseq)] = o->at("annotator");
    }
  }
  json::array out;
  for (const adj::AnnotationRef& r : refs) {
    json::object o;
    if (view != nullptr) {
      auto it = named.find(r.seq);
      o["annotator"] = it != named.end() ? it->second : json::value(nullptr);
    }
    o["seq"] = r.seq;
    out.push_back(std::move(o));
  }
  return out;
}

json::object DecisionRecordJson(const adj::DecisionRecord& d) {
  json::object o;
  o["seq"] = d.seq;
  o["adjudicator"] = d.adjudicator;
  o["outcome"] = OutcomeName(d.outcome);
  o["value"] =
      d.value_key.empty() ? json::value(nullptr) : json::value(d.value_key);
  o["rationale"] = d.rationale;
  o["weighed"] = RefsJson(d.weighed);
  return o;
}

// A decided value as given (its JSON text), or the text itself when it does
// not parse (it was checked before it was stored; never expected).
json::value ValueJson(const std::string& value_json) {
  if (value_json.empty()) return nullptr;
  json::value v;
  if (!ParseStrictJson(value_json, {}, v).ok()) return json::value(value_json);
  return v;
}

// A field policy's keys after "layer" (FieldPolicyJson) or alone (the
// defaults, keyed by layer).
void PutFieldPolicy(json::object& o, const adj::FieldPolicy& f) {
  o["min_annotations"] = f.min_annotations;
  json::object triggers;
  if (f.disagreement) triggers["disagreement"] = true;
  if (f.entropy_at_least) triggers["entropy_at_least"] = *f.entropy_at_least;
  if (f.mean_confidence_at_most)
    triggers["mean_confidence_at_most"] = *f.mean_confidence_at_most;
  if (f.calibration_batch) triggers["calibration_batch"] = true;
  if (f.prelabel_contradicted) triggers["prelabel_contradicted"] = true;
  o["triggers"] = std::move(triggers);
  json::object priority;
  priority["by"] = adj::PriorityRuleName(f.priority);
  if (f.priority == adj::PriorityRule::kExplicit)
    priority["value"] = f.explicit_priority;
  o["priority"] = std::move(priority);
  o["adjudicators"] = f.adjudicators;
}

}  // namespace

std::string_view OutcomeName(adj::Outcome outcome) {
  return outcome == adj::Outcome::kDecided ? "decided" : "ambiguous";
}

json::object FieldPolicyJson(const adj::FieldPolicy& f) {
  json::object o;
  o["layer"] = schemas::LayerName(f.layer);
  PutFieldPolicy(o, f);
  return o;
}

json::object PolicyJson(const adj::ProjectPolicy& policy,
                        std::optional<uint64_t> policy_seq,
                        uint64_t as_of_seq) {
  json::object o;
  o["project"] = policy.project;
  o["as_of_seq"] = as_of_seq;
  o["version"] = policy.version;
  o["policy_seq"] = OptSeq(policy_seq);
  o["overlap_target"] = policy.overlap_target;
  o["lease_seconds"] = policy.lease_micros / 1000000;
  json::array seniors;
  for (const std::string& s : policy.senior_adjudicators)
    seniors.emplace_back(s);
  o["senior_adjudicators"] = std::move(seniors);
  json::object fields;
  for (const auto& [path, f] : policy.fields) fields[path] = FieldPolicyJson(f);
  o["fields"] = std::move(fields);
  json::object defaults;
  // For() of a field the document does not name is the default of its layer.
  for (schemas::Layer layer :
       {schemas::Layer::kInterpretive, schemas::Layer::kDescriptive}) {
    adj::ProjectPolicy unnamed = policy;
    unnamed.fields.clear();
    json::object d;  // the layer is the key
    PutFieldPolicy(d, unnamed.For("", layer));
    defaults[schemas::LayerName(layer)] = std::move(d);
  }
  o["defaults"] = std::move(defaults);
  return o;
}

json::object QueueItemJson(const adj::ItemInfo& item, int64_t opened_us,
                           int64_t now_us) {
  json::object o;
  o["record"] = item.key.record;
  o["field"] = item.key.field;
  o["state"] = adj::ItemStateName(item.state);
  json::array triggers;
  for (adj::Trigger t : item.evaluation.triggers)
    triggers.emplace_back(adj::TriggerName(t));
  o["triggers"] = std::move(triggers);
  o["reason"] = item.evaluation.reason;
  o["priority"] = item.evaluation.priority;
  o["annotations"] = item.current.size();
  o["opened_seq"] = item.opened_seq;
  o["opened_at"] = item.opened_seq != 0
                       ? json::value(FormatTimestamp(opened_us))
                       : json::value(nullptr);
  o["age_seconds"] = item.opened_seq != 0 && now_us > opened_us
                         ? (now_us - opened_us) / 1000000
                         : 0;
  o["lease"] = LeaseOrNull(item.lease);
  o["escalated"] = item.escalated;
  o["reopened_from"] = OptSeq(item.reopened_from);
  o["last_decision_seq"] = OptSeq(item.last_decision_seq);
  o["round_decisions"] = item.round.size();
  return o;
}

json::object QueueListJson(std::string_view project, uint64_t as_of_seq,
                           int64_t now_us, size_t queued, size_t leases,
                           const std::vector<QueueEntry>& items) {
  json::object o;
  o["project"] = project;
  o["as_of_seq"] = as_of_seq;
  o["now_at"] = FormatTimestamp(now_us);
  o["queued"] = queued;
  o["leases"] = leases;
  json::array list;
  for (const QueueEntry& e : items)
    list.push_back(QueueItemJson(*e.item, e.opened_us, now_us));
  o["items"] = std::move(list);
  return o;
}

json::object LeaseJson(const adj::LeaseInfo& lease) {
  json::object o;
  o["lease"] = lease.id;
  o["adjudicator"] = lease.adjudicator;
  o["record"] = lease.item.record;
  o["field"] = lease.item.field;
  o["expires_us"] = lease.expires_us;
  o["expires_at"] = FormatTimestamp(lease.expires_us);
  o["weighed"] = RefsJson(lease.weighed_at_claim);
  return o;
}

json::object ItemShowJson(std::string_view project, uint64_t as_of_seq,
                          const adj::ItemInfo& item, int64_t opened_us,
                          int64_t now_us, const adj::LeaseInfo* lease,
                          const std::vector<ItemHistoryEntry>& history) {
  json::object o;
  o["project"] = project;
  o["as_of_seq"] = as_of_seq;
  o["item"] = QueueItemJson(item, opened_us, now_us);
  o["current_annotations"] = RefsJson(item.current);
  o["lease"] =
      lease != nullptr ? json::value(LeaseJson(*lease)) : json::value(nullptr);
  json::array round;
  for (const adj::DecisionRecord& d : item.round)
    round.push_back(DecisionRecordJson(d));
  o["round"] = std::move(round);
  json::array steps;
  for (const ItemHistoryEntry& h : history) {
    json::object s;
    s["seq"] = h.seq;
    s["at"] = FormatTimestamp(h.timestamp_us);
    s["what"] = h.what;
    s["actor"] = h.actor.empty() ? json::value(nullptr) : json::value(h.actor);
    s["lease"] = LeaseOrNull(h.lease);
    if (h.cites) s["cites"] = *h.cites;
    s["detail"] = h.detail;
    steps.push_back(std::move(s));
  }
  o["history"] = std::move(steps);
  return o;
}

json::object ClaimJson(const ClaimResult& claim, json::object view) {
  json::object o;
  o["project"] = claim.project;
  o["lease"] = claim.lease;
  o["seq"] = claim.lease;
  o["hash"] = claim.hash;
  o["adjudicator"] = claim.adjudicator;
  o["record"] = claim.item.record;
  o["field"] = claim.item.field;
  o["expires_us"] = claim.expires_us;
  o["expires_at"] = FormatTimestamp(claim.expires_us);
  o["weighed"] = WeighedForAdjudicator(claim.weighed, &view);
  o["access_seq"] = claim.access_seq;
  o["shown"] = std::move(view);
  return o;
}

json::object DecisionJson(const DecisionResult& d) {
  json::object o;
  o["project"] = d.project;
  o["seq"] = d.seq;
  o["hash"] = d.hash;
  o["lease"] = d.lease;
  o["adjudicator"] = d.adjudicator;
  o["record"] = d.item.record;
  o["field"] = d.item.field;
  o["outcome"] = d.outcome;
  o["value"] = ValueJson(d.value_json);
  o["rationale"] = d.rationale;
  o["weighed"] = WeighedForAdjudicator(d.weighed, nullptr);
  o["state"] = d.state;
  return o;
}

json::object ItemOutcomeJson(const adj::ItemInfo* item) {
  json::object o;
  const adj::ItemState state =
      item == nullptr ? adj::ItemState::kNotDisputed : item->state;
  o["state"] = adj::ItemStateName(state);
  o["value"] = state == adj::ItemState::kDecided && !item->round.empty()
                   ? json::value(item->round.front().value_key)
                   : json::value(nullptr);
  const bool final =
      state == adj::ItemState::kDecided || state == adj::ItemState::kAmbiguous;
  o["decision_seq"] =
      final ? OptSeq(item->last_decision_seq) : json::value(nullptr);
  json::array round;
  if (item != nullptr) {
    for (const adj::DecisionRecord& d : item->round)
      round.push_back(DecisionRecordJson(d));
  }
  o["decisions"] = std::move(round);
  o["reopened_from"] =
      item == nullptr ? json::value(nullptr) : OptSeq(item->reopened_from);
  return o;
}

void AddAdjudicationOutcomes(
    json::object& distribution,
    const std::function<const adj::ItemInfo*(std::string_view)>& find) {
  json::value* fields = distribution.if_contains("fields");
  if (fields == nullptr || !fields->is_array()) return;
  for (json::value& f : fields->as_array()) {
    if (!f.is_object()) continue;
    const json::value* path = f.as_object().if_contains("path");
    if (path == nullptr || !path->is_string()) continue;
    f.as_object()["adjudication"] =
        ItemOutcomeJson(find(std::string_view(path->as_string())));
  }
}

json::object LeaseActionJson(std::string_view project, uint64_t lease,
                             std::string_view adjudicator,
                             std::string_view action,
                             std::optional<uint64_t> seq,
                             std::optional<int64_t> expires_us) {
  json::object o;
  o["project"] = project;
  o["lease"] = lease;
  o["adjudicator"] = adjudicator;
  o["action"] = action;
  o["seq"] = OptSeq(seq);
  o["expires_us"] =
      expires_us ? json::value(*expires_us) : json::value(nullptr);
  o["expires_at"] = expires_us ? json::value(FormatTimestamp(*expires_us))
                               : json::value(nullptr);
  return o;
}

}  // namespace consilium::render
