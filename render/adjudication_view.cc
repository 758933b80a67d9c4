#include "render/adjudication_view.h"

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/aead.h"
#include "common/strict_json.h"
#include "domain/deid_status.h"
#include "projections/analytics.h"
#include "projections/field_context.h"
#include "projections/value_keys.h"
#include "render/internal/json_values.h"
#include "schemas/annotation_text.h"
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

// The record content as the adjudicator reads it: PayloadValue, with sealed
// content opened when a key store is open (null after a shred).
StatusOr<json::value> ContentValue(const fb::Payload* content,
                                   const ContentKeys& keys,
                                   const std::string& record) {
  if (content == nullptr || content->encoding() == fb::PayloadEncoding::Plain ||
      keys.store == nullptr) {
    return PayloadValue(content);
  }
  StatusOr<std::string> text = OpenPayload(content, keys, "record " + record);
  if (IsShredded(text.status())) return json::value(nullptr);
  if (!text.ok()) return text.status();
  json::value v;
  const bool parsed = ParseStrictJson(*text, {}, v).ok();
  if (!parsed) v = json::value(*text);
  Wipe(*text);
  return v;
}

// The annotation event at `seq`: its values document (free text opened
// when sealed and a key store is open), and whether the free text was
// shredded.
struct Trace {
  json::value values;
  bool text_shredded = false;
  bool text_sealed = false;  // sealed and no key store open: marks shown
};
StatusOr<Trace> TraceAt(const Ledger& ledger, uint64_t seq,
                        const ContentKeys& keys) {
  ASSIGN_OR_RETURN(StoredEvent e, ledger.Get(seq));
  const std::optional<RevisionPayloads> payloads =
      RevisionPayloadsOf(*e.event());
  if (!payloads) {
    return InternalError("event " + std::to_string(seq) +
                         " is not an annotation revision");
  }
  const fb::Payload* values = payloads->values;
  const fb::Payload* text = payloads->sealed_text;
  Trace t;
  if (text == nullptr || keys.store == nullptr) {
    t.values = PayloadValue(values);
    t.text_sealed = text != nullptr;
    return t;
  }
  ASSIGN_OR_RETURN(
      std::string whole,
      OpenAnnotationValuesOrCounted(values, text, keys,
                                    "annotation event " + std::to_string(seq),
                                    &t.text_shredded));
  if (!ParseStrictJson(whole, {}, t.values).ok()) {
    Wipe(whole);
    return DataLossError("event " + std::to_string(seq) +
                         ": its values do not parse");
  }
  Wipe(whole);
  return t;
}

// What the view shows of the item, taken from the state under the engine's
// lock: O(the item). The ledger's reads (the record's content and each
// annotation's trace) come after, outside the lock.
struct Gathered {
  uint64_t as_of_seq = 0;
  uint64_t import_seq = 0;
  struct Annotation {
    json::value annotator;
    std::string schema;
    uint32_t revision = 0;
    uint64_t seq = 0;
    int64_t timestamp_us = 0;
    json::value value;
  };
  std::vector<Annotation> annotations;
  std::vector<p::FieldDistribution> distribution;  // the field's, no soft label
  p::ItemRatings ratings;
};

StatusOr<Gathered> Gather(const p::AnalyticsState& state,
                          const AdjudicatorViewRequest& request) {
  const std::string& record = request.item.record;
  const p::RecordInfo* info = state.FindRecord(record);
  if (info == nullptr || !info->known ||
      state.name(info->project) != request.project) {
    return NotFoundError("no record \"" + record + "\" in project \"" +
                         request.project + "\"");
  }
  Gathered g;
  g.as_of_seq = state.last_seq();
  g.import_seq = info->seq;
  for (uint32_t index : state.AnnotationsOnRecord(record)) {
    const p::AnnotationEntry& a = state.annotations()[index];
    if (a.by_model || a.withdrawn) continue;
    if (state.name(a.project) != request.project) continue;
    const p::RevisionValues& cur = a.current();
    Gathered::Annotation o;
    if (request.blind) {
      o.annotator = nullptr;
    } else {
      auto who = state.principals().find(state.name(a.annotator));
      o.annotator =
          who != state.principals().end() && !who->second.pseudonym.empty()
              ? json::value(who->second.pseudonym)
              : json::value(nullptr);
    }
    o.schema = std::string(state.name(a.schema_id)) + "@" +
               std::to_string(a.schema_version);
    o.revision = cur.revision;
    o.seq = cur.seq;
    o.timestamp_us = cur.timestamp_us;
    o.value = nullptr;
    for (const schemas::ExtractedValue& v : state.values(cur)) {
      if (v.path == request.item.field) o.value = json::value(p::ValueKey(v));
    }
    g.annotations.push_back(std::move(o));
  }
  ASSIGN_OR_RETURN(p::RecordDistribution d,
                   p::LabelDistribution(state, record, /*soft_labels=*/false));
  for (p::FieldDistribution& f : d.fields) {
    if (f.path == request.item.field) g.distribution.push_back(std::move(f));
  }
  g.ratings =
      p::ItemFieldRatings(state, request.project, record, request.item.field);
  return g;
}

json::object CountsJson(const p::ValueCounts& vc) {
  json::object counts;
  for (const auto& [key, n] : vc.counts) counts[key] = n;
  return counts;
}

// The field's distribution per schema version (a new version is reported on
// its own, as everywhere in the projections): counts, entropy, soft label
// (the item's, under the context's Dawid–Skene fit), and the model
// pre-labels apart. Per-annotator values are not repeated: "annotations"
// carries them with the names the adjudicator may see.
json::array DistributionsJson(const Gathered& g, const p::FieldContext& context,
                              std::string_view record) {
  json::array out;
  static const std::vector<std::pair<std::string, std::string>> kNone;
  for (const p::FieldDistribution& f : g.distribution) {
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
    const p::SchemaVersionKey version{f.schema_id, f.schema_version};
    auto mine = g.ratings.find(version);
    const p::ItemSoftLabel soft =
        p::SoftLabelOf(context, version, record,
                       mine == g.ratings.end() ? kNone : mine->second);
    if (soft.label.empty()) {
      o["soft_label"] = nullptr;
      if (!soft.undefined_reason.empty())
        o["soft_label_undefined_reason"] = soft.undefined_reason;
    } else {
      json::object by_class;
      for (const auto& [category, prob] : soft.label)
        by_class[category] = Num(prob);
      o["soft_label"] = std::move(by_class);
    }
    out.push_back(std::move(o));
  }
  return out;
}

// The field's agreement in the project per schema version: the statistic
// the calibration loop ranks by (docs/statistics.md).
json::array AgreementJson(const p::FieldContext& context) {
  json::array out;
  for (const p::VersionContext& v : context.versions) {
    const p::FieldAgreement& f = v.agreement;
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

// The document, from the item's part, the field's context and the ledger.
StatusOr<json::object> Assemble(const Ledger& ledger, const Gathered& g,
                                const p::FieldContext& context,
                                const AdjudicatorViewRequest& request) {
  const std::string& record = request.item.record;
  json::object o;
  o["project"] = request.project;
  o["record"] = record;
  o["field"] = request.item.field;
  o["as_of_seq"] = g.as_of_seq;
  o["context_as_of_seq"] = context.as_of_seq;
  o["blind"] = request.blind;
  ASSIGN_OR_RETURN(StoredEvent imported, ledger.Get(g.import_seq));
  const fb::RecordImported* r = imported.event()->body_as_RecordImported();
  if (r == nullptr) {
    return InternalError("record \"" + record + "\": event " +
                         std::to_string(g.import_seq) + " is not its import");
  }
  // A redacted record shows its redacted content (docs/deid.md); a held one
  // has no annotations, so no item.
  ASSIGN_OR_RETURN(domain::DeidStatus deid,
                   domain::DeidStatusAt(ledger, *r, g.import_seq, 0));
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
  ASSIGN_OR_RETURN(o["record_content"],
                   ContentValue(content, request.keys, record));
  o["record_sealed"] = content->encoding() != fb::PayloadEncoding::Plain;
  o["record_deid"] = deid.name();
  json::array annotations;
  for (const Gathered::Annotation& a : g.annotations) {
    json::object x;
    x["annotator"] = a.annotator;
    x["schema"] = a.schema;
    x["revision"] = a.revision;
    x["seq"] = a.seq;
    x["submitted_at"] = FormatTimestamp(a.timestamp_us);
    x["value"] = a.value;
    ASSIGN_OR_RETURN(Trace trace, TraceAt(ledger, a.seq, request.keys));
    x["trace"] = std::move(trace.values);
    if (trace.text_shredded) x["free_text_shredded"] = true;
    if (trace.text_sealed) x["free_text_sealed"] = true;
    annotations.push_back(std::move(x));
  }
  o["annotations"] = std::move(annotations);
  o["distribution"] = DistributionsJson(g, context, record);
  o["agreement"] = AgreementJson(context);
  return o;
}

// How long a view waits for another caller's computation of its field's
// context before looking again, and how often it waits at most before
// computing one itself.
constexpr int64_t kContextWaitMs = 10'000;
constexpr int kContextWaits = 3;

}  // namespace

StatusOr<json::object> AdjudicatorViewJson(
    const p::AnalyticsState& state, const Ledger& ledger,
    const AdjudicatorViewRequest& request) {
  ASSIGN_OR_RETURN(Gathered g, Gather(state, request));
  const p::FieldContext context = p::ComputeFieldContext(p::SnapshotField(
      state, state.last_seq(), request.project, request.item.field, 0));
  return Assemble(ledger, g, context, request);
}

StatusOr<json::object> AdjudicatorViewJson(
    const p::ProjectionEngine& engine, p::FieldContextCache& cache,
    const Ledger& ledger, const AdjudicatorViewRequest& request) {
  for (int waits = 0;; ++waits) {
    StatusOr<Gathered> g = InternalError("unset");
    p::FieldContextCache::Lookup lookup;
    engine.Read([&](const p::AnalyticsState& state, uint64_t seq) {
      g = Gather(state, request);
      if (!g.ok()) return;
      lookup = cache.Find(state, seq, request.project, request.item.field,
                          request.item.record, g->ratings,
                          /*may_wait=*/waits < kContextWaits);
    });
    if (!g.ok()) return g.status();
    if (lookup.wait) {
      cache.Wait(request.project, request.item.field, kContextWaitMs);
      continue;
    }
    std::shared_ptr<const p::FieldContext> context =
        lookup.context ? lookup.context
                       : cache.Compute(std::move(*lookup.snapshot));
    return Assemble(ledger, *g, *context, request);
  }
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
