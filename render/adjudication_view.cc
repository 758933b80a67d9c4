#include "render/adjudication_view.h"

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strict_json.h"
#include "domain/deid_status.h"
#include "projections/analytics.h"
#include "projections/value_keys.h"
#include "render/internal/json_values.h"
#include "schemas/deid_events.h"
#include "schemas/event.h"
#include "schemas/event_json.h"

namespace consilium::render {
namespace {

namespace json = boost::json;
namespace p = ::consilium::projections;
using internal::Num;

// A payload as the adjudicator reads it: its JSON when it is a JSON
// document, else its text; null when sealed (the key is needed) or absent.
json::value PayloadValue(const fb::Payload* payload) {
  if (payload == nullptr || payload->encoding() != fb::PayloadEncoding::Plain)
    return nullptr;
  std::string_view text = PlainPayload(payload);
  json::value v;
  if (ParseStrictJson(text, {}, v).ok()) return v;
  return json::value(std::string(text));
}

// The values payload of the annotation event at `seq`.
StatusOr<json::value> TraceAt(const Ledger& ledger, uint64_t seq) {
  ASSIGN_OR_RETURN(StoredEvent e, ledger.Get(seq));
  const fb::Event* ev = e.event();
  if (const auto* s = ev->body_as_AnnotationSubmitted())
    return PayloadValue(s->values());
  if (const auto* r = ev->body_as_AnnotationRevised())
    return PayloadValue(r->values());
  return InternalError("event " + std::to_string(seq) +
                       " is not an annotation revision");
}

json::object CountsJson(const p::ValueCounts& vc) {
  json::object counts;
  for (const auto& [key, n] : vc.counts) counts[key] = n;
  return counts;
}

// The field's distribution per schema version (a new version is reported on
// its own, as everywhere in the projections): counts, entropy, soft label,
// and the model pre-labels apart. Per-annotator values are not repeated:
// "annotations" carries them with the names the adjudicator may see.
json::array DistributionsJson(const p::RecordDistribution& d,
                              std::string_view field) {
  json::array out;
  for (const p::FieldDistribution& f : d.fields) {
    if (f.path != field) continue;
    json::object o;
    o["schema"] = f.schema_id + "@" + std::to_string(f.schema_version);
    o["metric"] = schemas::MetricName(f.metric);
    o["layer"] = schemas::LayerName(f.layer);
    o["counts"] = CountsJson(f.human);
    o["normalized_entropy"] = Num(f.human.normalized_entropy.value);
    if (!f.human.normalized_entropy.value) {
      o["normalized_entropy_undefined_reason"] =
          f.human.normalized_entropy.undefined_reason;
    }
    o["model_prelabels"] = CountsJson(f.model);
    if (f.soft_label.empty()) {
      o["soft_label"] = nullptr;
      if (!f.soft_label_undefined_reason.empty())
        o["soft_label_undefined_reason"] = f.soft_label_undefined_reason;
    } else {
      json::object soft;
      for (const auto& [category, prob] : f.soft_label)
        soft[category] = Num(prob);
      o["soft_label"] = std::move(soft);
    }
    out.push_back(std::move(o));
  }
  return out;
}

// The field's agreement in the project per schema version: the statistic
// the calibration loop ranks by (docs/statistics.md).
json::array AgreementJson(const p::AnalyticsState& state,
                          std::string_view project, std::string_view field) {
  json::array out;
  auto fields = p::ComputeFieldAgreement(
      state, {.project = std::string(project), .field = std::string(field)});
  if (!fields.ok()) return out;
  for (const p::FieldAgreement& f : *fields) {
    if (f.path != field) continue;
    json::object o;
    o["schema"] = f.schema_id + "@" + std::to_string(f.schema_version);
    o["items"] = f.items;
    o["raters"] = f.raters;
    o["ratings"] = f.ratings;
    o["statistic"] = f.primary_name;
    o["value"] = Num(f.primary.value);
    if (!f.primary.value)
      o["value_undefined_reason"] = f.primary.undefined_reason;
    out.push_back(std::move(o));
  }
  return out;
}

StatusOr<json::array> AnnotationsJson(const p::AnalyticsState& state,
                                      const Ledger& ledger,
                                      const AdjudicatorViewRequest& request) {
  json::array out;
  for (uint32_t index : state.AnnotationsOnRecord(request.item.record)) {
    const p::AnnotationEntry& a = state.annotations()[index];
    if (a.by_model || a.withdrawn) continue;
    if (state.name(a.project) != request.project) continue;
    const p::RevisionValues& cur = a.current();
    json::object o;
    if (request.blind) {
      o["annotator"] = nullptr;
    } else {
      auto who = state.principals().find(state.name(a.annotator));
      o["annotator"] =
          who != state.principals().end() && !who->second.pseudonym.empty()
              ? json::value(who->second.pseudonym)
              : json::value(nullptr);
    }
    o["schema"] = std::string(state.name(a.schema_id)) + "@" +
                  std::to_string(a.schema_version);
    o["revision"] = cur.revision;
    o["seq"] = cur.seq;
    o["submitted_at"] = FormatTimestamp(cur.timestamp_us);
    json::value key = nullptr;
    for (const schemas::ExtractedValue& v : state.values(cur)) {
      if (v.path == request.item.field) key = json::value(p::ValueKey(v));
    }
    o["value"] = std::move(key);
    ASSIGN_OR_RETURN(json::value trace, TraceAt(ledger, cur.seq));
    o["trace"] = std::move(trace);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

StatusOr<json::object> AdjudicatorViewJson(
    const p::AnalyticsState& state, const Ledger& ledger,
    const AdjudicatorViewRequest& request) {
  const std::string& record = request.item.record;
  const p::RecordInfo* info = state.FindRecord(record);
  if (info == nullptr || !info->known ||
      state.name(info->project) != request.project) {
    return NotFoundError("no record \"" + record + "\" in project \"" +
                         request.project + "\"");
  }
  json::object o;
  o["project"] = request.project;
  o["record"] = record;
  o["field"] = request.item.field;
  o["as_of_seq"] = state.last_seq();
  o["blind"] = request.blind;
  ASSIGN_OR_RETURN(StoredEvent imported, ledger.Get(info->seq));
  const fb::RecordImported* r = imported.event()->body_as_RecordImported();
  if (r == nullptr) {
    return InternalError("record \"" + record + "\": event " +
                         std::to_string(info->seq) + " is not its import");
  }
  // A redacted record shows its redacted content (docs/deid.md); a held one
  // has no annotations, so no item.
  ASSIGN_OR_RETURN(domain::DeidStatus deid,
                   domain::DeidStatusAt(ledger, *r, info->seq, 0));
  if (deid.held()) {
    return FailedPreconditionError("record \"" + record +
                                   "\" is held by the de-identification gate");
  }
  StoredEvent redacted;
  const fb::Payload* content = r->content();
  if (deid.redacted()) {
    ASSIGN_OR_RETURN(redacted, ledger.Get(deid.content_seq));
    content = RecordContentOf(*redacted.event());
  }
  o["record_content"] = PayloadValue(content);
  o["record_sealed"] = content->encoding() != fb::PayloadEncoding::Plain;
  o["record_deid"] = deid.name();
  ASSIGN_OR_RETURN(json::array annotations,
                   AnnotationsJson(state, ledger, request));
  o["annotations"] = std::move(annotations);
  ASSIGN_OR_RETURN(p::RecordDistribution d,
                   p::LabelDistribution(state, record, /*soft_labels=*/true));
  o["distribution"] = DistributionsJson(d, request.item.field);
  o["agreement"] = AgreementJson(state, request.project, request.item.field);
  return o;
}

StatusOr<RecordedView> ShowToAdjudicator(
    domain::ProjectCommands& commands, std::string_view adjudicator,
    uint64_t lease, const p::AnalyticsState& state, const Ledger& ledger,
    const AdjudicatorViewRequest& request) {
  ASSIGN_OR_RETURN(json::object view,
                   AdjudicatorViewJson(state, ledger, request));
  return RecordShown(commands, adjudicator, lease, request.item.record,
                     std::move(view));
}

StatusOr<RecordedView> RecordShown(domain::ProjectCommands& commands,
                                   std::string_view adjudicator, uint64_t lease,
                                   std::string_view record, json::object view) {
  ASSIGN_OR_RETURN(
      Committed access,
      commands.RecordAccess(adjudicator, {.resource_kind = "record",
                                          .resource_id = std::string(record),
                                          .action = "adjudicate",
                                          .purpose = "adjudication lease " +
                                                     std::to_string(lease),
                                          .allowed = true}));
  return RecordedView{std::move(view), access.seq};
}

}  // namespace consilium::render
