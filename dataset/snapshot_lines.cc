// One line per record (docs/snapshots.md, "data.jsonl"). Each line is a
// Boost.JSON object written by WriteCanonicalJson: keys sorted, shortest
// round-trip numbers, so the bytes depend on the values alone.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "common/aead.h"
#include "common/canonical_json.h"
#include "common/hash.h"
#include "common/strict_json.h"
#include "dataset/outcomes.h"
#include "dataset/snapshot.h"
#include "domain/deid_status.h"
#include "projections/analytics.h"
#include "schemas/annotation_text.h"
#include "schemas/event.h"

namespace consilium::dataset {
namespace {

namespace json = boost::json;
namespace p = ::consilium::projections;

using FieldKey = std::tuple<std::string, uint32_t, std::string>;

json::value Num(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return nullptr;
  return *v;
}

json::value Str(std::string_view s) { return json::string(s); }

// The stored event `seq`, decoded. DataLoss naming it otherwise.
StatusOr<StoredEvent> ReadEvent(const Ledger& ledger, uint64_t seq) {
  StatusOr<StoredEvent> e = ledger.Get(seq);
  if (!e.ok()) {
    return DataLossError("event " + std::to_string(seq) + ": " +
                         e.status().message());
  }
  return e;
}

// A JSON payload of event `seq` as a value; null for a sealed or absent one.
StatusOr<json::value> PayloadJson(const fb::Payload* payload, uint64_t seq) {
  if (payload == nullptr ||
      payload->encoding() == fb::PayloadEncoding::Sealed) {
    return json::value(nullptr);
  }
  json::value v;
  Status s = ParseStrictJson(PlainPayload(payload), {}, v);
  if (!s.ok()) {
    return DataLossError("event " + std::to_string(seq) +
                         ": its JSON payload does not parse: " + s.message());
  }
  return v;
}

bool LayerKept(const ExportSpec& spec, schemas::Layer layer) {
  return spec.layers.empty() ||
         std::find(spec.layers.begin(), spec.layers.end(), layer) !=
             spec.layers.end();
}

// An annotation's values object with only the top-level fields of the kept
// layers (a nested field goes with its top-level field).
void FilterValues(const ExportSpec& spec, const schemas::TaskSchema* schema,
                  json::value& values) {
  if (spec.layers.empty() || !values.is_object()) return;
  json::object& o = values.as_object();
  for (auto it = o.begin(); it != o.end();) {
    const schemas::Field* f =
        schema == nullptr ? nullptr : schema->FindField(it->key());
    if (f != nullptr && LayerKept(spec, f->layer)) {
      ++it;
    } else {
      it = o.erase(it);
    }
  }
}

// Everything a line needs that is shared across records: soft labels are
// computed once per field (Dawid–Skene over the whole project), not per
// record.
class LineBuilder {
 public:
  LineBuilder(const Ledger& ledger, const p::AnalyticsState& state,
              const ExportSpec& spec, const Pseudonymizer& pseudonyms,
              const p::AdjudicationOutcomes& outcomes, const ContentKeys& keys)
      : ledger_(ledger),
        state_(state),
        spec_(spec),
        ps_(pseudonyms),
        outcomes_(outcomes),
        keys_(keys) {}

  StatusOr<std::string> Line(std::string_view record, ExportCounts& counts);
  // [compliance] Whether the last line's record is a tombstone.
  bool last_shredded() const { return last_shredded_; }

 private:
  Status PutRecord(const p::RecordInfo& info, json::object& line);
  StatusOr<json::array> Annotations(std::string_view record,
                                    ExportCounts& counts);
  StatusOr<json::object> Annotation(uint32_t index, ExportCounts& counts);
  json::array Fields(const p::RecordDistribution& d, ExportCounts& counts);
  json::object Counts(const p::ValueCounts& vc) const;
  void PutSoftLabel(const p::FieldDistribution& f, std::string_view record,
                    json::object& out);
  StatusOr<json::array> Adjudications(std::string_view record,
                                      const p::RecordDistribution& d,
                                      ExportCounts& counts) const;

  const Ledger& ledger_;
  const p::AnalyticsState& state_;
  const ExportSpec& spec_;
  const Pseudonymizer& ps_;
  const p::AdjudicationOutcomes& outcomes_;
  const ContentKeys& keys_;  // [compliance] opens sealed content
  bool last_shredded_ = false;
  std::map<FieldKey, StatusOr<p::SoftLabels>> soft_labels_;
};

Status LineBuilder::PutRecord(const p::RecordInfo& info, json::object& line) {
  ASSIGN_OR_RETURN(StoredEvent e, ReadEvent(ledger_, info.seq));
  const fb::RecordImported* b = e.event()->body_as_RecordImported();
  if (b == nullptr) {
    return DataLossError("event " + std::to_string(info.seq) +
                         " is not the record's RecordImported");
  }
  // [compliance] The de-identification gate at as_of (docs/deid.md): a held
  // record is exported without content or metadata; a redacted one with its
  // redacted content and that content's hash.
  ASSIGN_OR_RETURN(
      domain::DeidStatus deid,
      domain::DeidStatusAt(ledger_, *b, info.seq, spec_.as_of_seq));
  const fb::Payload* content = b->content();
  const fb::Hash256* stored_hash = b->content_hash();
  StoredEvent redaction;
  if (deid.redacted()) {
    ASSIGN_OR_RETURN(redaction, ReadEvent(ledger_, deid.content_seq));
    const auto* r = redaction.event()->body_as_DeidentificationReviewed();
    content = r->content();
    stored_hash = r->content_hash();
  }
  const bool sealed =
      content != nullptr && content->encoding() == fb::PayloadEncoding::Sealed;
  Hash256 hash{};
  if (stored_hash != nullptr) {
    std::copy(stored_hash->bytes()->begin(), stored_hash->bytes()->end(),
              hash.begin());
  } else {
    hash = Sha256(PlainPayload(content));
  }
  line["content_sha256"] = ToHex(hash);
  line["content_sealed"] = sealed;
  last_shredded_ = false;
  line["imported_seq"] = info.seq;
  if (deid.quarantined_seq != 0) line["deid"] = deid.name();
  line["content"] = nullptr;
  line["metadata"] = nullptr;
  if (spec_.content != ContentMode::kFull || deid.held()) return OkStatus();
  if (sealed) {
    // [compliance, issue 20] Opened with the ledger's keys; a shredded
    // subject's record is a tombstone: no content, no metadata.
    StatusOr<std::string> text = OpenPayload(
        content, keys_, "record " + std::string(View(b->record_id())));
    if (IsShredded(text.status())) {
      line["content_shredded"] = true;
      last_shredded_ = true;
      return OkStatus();
    }
    if (!text.ok()) return text.status();
    json::value v;
    Status s = ParseStrictJson(*text, {}, v);
    Wipe(*text);
    if (!s.ok()) {
      return DataLossError("event " + std::to_string(info.seq) +
                           ": its sealed content does not parse");
    }
    line["content"] = std::move(v);
  } else {
    ASSIGN_OR_RETURN(line["content"], PayloadJson(content, info.seq));
  }
  if (b->metadata() != nullptr && b->metadata()->size() > 0) {
    json::value m;
    if (!ParseStrictJson(b->metadata()->string_view(), {}, m).ok()) {
      return DataLossError("event " + std::to_string(info.seq) +
                           ": its metadata is not JSON");
    }
    line["metadata"] = std::move(m);
  }
  return OkStatus();
}

StatusOr<json::object> LineBuilder::Annotation(uint32_t index,
                                               ExportCounts& counts) {
  const p::AnnotationEntry& a = state_.annotations()[index];
  const std::string schema_id(state_.name(a.schema_id));
  const p::SchemaVersionInfo* sv =
      state_.FindSchema(schema_id, a.schema_version);
  json::object o;
  o["annotation_id"] = ps_.Annotation(state_.annotation_id(index));
  o["annotator"] = ps_.Principal(state_.name(a.annotator));
  o["principal_kind"] = a.by_model ? "model" : "person";
  o["schema_id"] = schema_id;
  o["schema_version"] = a.schema_version;
  o["current_revision"] = a.current().revision;
  json::array revisions;
  for (const p::RevisionValues& r : state_.revisions(a)) {
    ASSIGN_OR_RETURN(StoredEvent e, ReadEvent(ledger_, r.seq));
    const fb::Event* ev = e.event();
    const std::optional<RevisionPayloads> payloads = RevisionPayloadsOf(*ev);
    if (!payloads) {
      return DataLossError("event " + std::to_string(r.seq) +
                           " is not an annotation revision");
    }
    const fb::Payload* values = payloads->values;
    const fb::Payload* text = payloads->sealed_text;
    json::value reason = nullptr;
    if (const auto* v = ev->body_as_AnnotationRevised();
        v != nullptr && v->reason() != nullptr) {
      reason = Str(v->reason()->string_view());
    }
    json::object jr;
    jr["revision"] = r.revision;
    jr["seq"] = r.seq;
    jr["timestamp_us"] = r.timestamp_us;
    jr["valid"] = r.extracted;
    jr["reason"] = std::move(reason);
    ASSIGN_OR_RETURN(json::value v, PayloadJson(values, r.seq));
    if (text != nullptr) {
      // [compliance] The sealed free text put back (the export is the same
      // document as from a plain ledger); after a shred, the rest and a
      // flag.
      bool shredded = false;
      ASSIGN_OR_RETURN(
          std::string whole,
          OpenAnnotationValuesOrCounted(
              values, text, keys_, "annotation event " + std::to_string(r.seq),
              &shredded));
      Status parsed = ParseStrictJson(whole, {}, v);
      Wipe(whole);
      if (!parsed.ok()) {
        return DataLossError("event " + std::to_string(r.seq) +
                             ": its values do not parse");
      }
      if (shredded) jr["free_text_shredded"] = true;
    }
    FilterValues(spec_, sv == nullptr ? nullptr : sv->schema.get(), v);
    jr["values"] = std::move(v);
    revisions.push_back(std::move(jr));
    ++counts.revisions;
  }
  o["revisions"] = std::move(revisions);
  o["withdrawn"] = nullptr;
  if (a.withdrawn) {
    ASSIGN_OR_RETURN(StoredEvent e, ReadEvent(ledger_, a.withdrawn_seq));
    json::object w;
    w["seq"] = a.withdrawn_seq;
    w["reason"] = nullptr;
    if (const auto* b = e.event()->body_as_AnnotationWithdrawn();
        b != nullptr && b->reason() != nullptr) {
      w["reason"] = Str(b->reason()->string_view());
    }
    o["withdrawn"] = std::move(w);
  }
  ++counts.annotations;
  return o;
}

StatusOr<json::array> LineBuilder::Annotations(std::string_view record,
                                               ExportCounts& counts) {
  // Sorted by pseudonymous id, so the order tells nothing about names.
  std::vector<std::pair<std::string, json::object>> list;
  for (uint32_t i : state_.AnnotationsOnRecord(record)) {
    ASSIGN_OR_RETURN(json::object o, Annotation(i, counts));
    std::string id(o["annotation_id"].as_string());
    list.emplace_back(std::move(id), std::move(o));
  }
  std::sort(list.begin(), list.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  json::array out;
  for (auto& [id, o] : list) out.push_back(std::move(o));
  return out;
}

json::object LineBuilder::Counts(const p::ValueCounts& vc) const {
  json::object o;
  json::object counts;
  for (const auto& [k, n] : vc.counts) counts[k] = n;
  o["counts"] = std::move(counts);
  json::array values;
  for (const p::CurrentValue& v : vc.values) {
    json::object e;
    e["annotation_id"] = ps_.Annotation(v.annotation_id);
    e["annotator"] = ps_.Principal(v.annotator);
    e["revision"] = v.revision;
    e["value"] = v.key;
    values.push_back(std::move(e));
  }
  // Sorted by pseudonym (the projection sorts by real id).
  std::sort(values.begin(), values.end(),
            [](const json::value& x, const json::value& y) {
              return std::tie(x.at("annotator").as_string(),
                              x.at("annotation_id").as_string()) <
                     std::tie(y.at("annotator").as_string(),
                              y.at("annotation_id").as_string());
            });
  o["values"] = std::move(values);
  o["normalized_entropy"] = Num(vc.normalized_entropy.value);
  o["normalized_entropy_undefined_reason"] =
      vc.normalized_entropy.value ? json::value(nullptr)
                                  : Str(vc.normalized_entropy.undefined_reason);
  return o;
}

void LineBuilder::PutSoftLabel(const p::FieldDistribution& f,
                               std::string_view record, json::object& out) {
  FieldKey key(f.schema_id, f.schema_version, f.path);
  auto it = soft_labels_.find(key);
  if (it == soft_labels_.end()) {
    it = soft_labels_
             .emplace(key, p::DawidSkeneSoftLabels(state_, spec_.project,
                                                   f.schema_id,
                                                   f.schema_version, f.path))
             .first;
  }
  out["soft_label"] = nullptr;
  if (!it->second.ok()) {
    out["soft_label_undefined_reason"] = Str(it->second.status().message());
    return;
  }
  const p::SoftLabels& sl = *it->second;
  auto post = std::lower_bound(
      sl.posteriors.begin(), sl.posteriors.end(), record,
      [](const auto& entry, std::string_view r) { return entry.first < r; });
  if (post == sl.posteriors.end() || post->first != record) {
    out["soft_label_undefined_reason"] = "no human value on this record";
    return;
  }
  json::object label;
  for (size_t c = 0; c < sl.classes.size(); ++c) {
    label[sl.classes[c]] = Num(post->second[c]);
  }
  out["soft_label"] = std::move(label);
  out["soft_label_undefined_reason"] = nullptr;
}

json::array LineBuilder::Fields(const p::RecordDistribution& d,
                                ExportCounts& counts) {
  json::array out;
  for (const p::FieldDistribution& f : d.fields) {
    if (!LayerKept(spec_, f.layer)) continue;
    json::object jf;
    jf["schema_id"] = f.schema_id;
    jf["schema_version"] = f.schema_version;
    jf["path"] = f.path;
    jf["field_path"] = f.field_path;
    jf["metric"] = schemas::MetricName(f.metric);
    jf["layer"] = schemas::LayerName(f.layer);
    jf["human"] = Counts(f.human);
    jf["model"] = Counts(f.model);
    PutSoftLabel(f, d.record, jf);
    out.push_back(std::move(jf));
    ++counts.fields;
  }
  return out;
}

StatusOr<json::array> LineBuilder::Adjudications(std::string_view record,
                                                 const p::RecordDistribution& d,
                                                 ExportCounts& counts) const {
  json::array out;
  ASSIGN_OR_RETURN(std::vector<p::AdjudicationDecision> outcomes,
                   RecordOutcomes(ledger_, outcomes_, record));
  for (const p::AdjudicationDecision& decision : outcomes) {
    const p::AdjudicationDecision* a = &decision;
    if (!spec_.layers.empty()) {
      auto f = std::find_if(d.fields.begin(), d.fields.end(),
                            [&](const p::FieldDistribution& fd) {
                              return fd.path == a->field_path;
                            });
      if (f == d.fields.end() || !LayerKept(spec_, f->layer)) continue;
    }
    json::object o;
    o["field_path"] = a->field_path;
    o["outcome"] = AdjudicationOutcomeName(a->outcome);
    json::value value = nullptr;
    if (!a->value_json.empty() &&
        !ParseStrictJson(a->value_json, {}, value).ok()) {
      value = nullptr;  // the state keeps canonical JSON; never reached
    }
    o["value"] = std::move(value);
    o["value_key"] =
        a->value_key.empty() ? json::value(nullptr) : Str(a->value_key);
    o["rationale"] = a->rationale;
    o["adjudicator"] = ps_.Principal(a->adjudicator);
    o["seq"] = a->seq;
    o["timestamp_us"] = a->timestamp_us;
    json::array cited;
    for (const std::string& id : a->cited_annotation_ids) {
      cited.push_back(json::string(ps_.Annotation(id)));
    }
    o["cited_annotation_ids"] = std::move(cited);
    out.push_back(std::move(o));
    ++counts.adjudications;
  }
  return out;
}

StatusOr<std::string> LineBuilder::Line(std::string_view record,
                                        ExportCounts& counts) {
  const p::RecordInfo* info = state_.FindRecord(record);
  json::object line;
  line["record_id"] = record;
  line["project_id"] = spec_.project;
  RETURN_IF_ERROR(PutRecord(*info, line));
  ASSIGN_OR_RETURN(line["annotations"], Annotations(record, counts));
  ASSIGN_OR_RETURN(p::RecordDistribution d,
                   p::LabelDistribution(state_, record, false));
  line["fields"] = Fields(d, counts);
  ASSIGN_OR_RETURN(line["adjudications"], Adjudications(record, d, counts));
  ASSIGN_OR_RETURN(std::string text, WriteCanonicalJson(line));
  text.push_back('\n');
  ++counts.records;
  return text;
}

}  // namespace

std::string_view ContentModeName(ContentMode mode) {
  return mode == ContentMode::kFull ? "full" : "hash";
}

StatusOr<ContentMode> ParseContentMode(std::string_view name) {
  if (name == "full") return ContentMode::kFull;
  if (name == "hash") return ContentMode::kHash;
  return InvalidArgumentError(
      "content mode must be \"full\" or \"hash\", not \"" + std::string(name) +
      "\"");
}

StatusOr<std::vector<schemas::Layer>> ParseLayers(std::string_view list) {
  std::vector<schemas::Layer> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view name = list.substr(start, comma - start);
    std::optional<schemas::Layer> layer;
    for (schemas::Layer l :
         {schemas::Layer::kDescriptive, schemas::Layer::kInterpretive}) {
      if (schemas::LayerName(l) == name) layer = l;
    }
    if (!layer) {
      return InvalidArgumentError("unknown layer \"" + std::string(name) +
                                  "\" (layers: descriptive, interpretive)");
    }
    if (std::find(out.begin(), out.end(), *layer) != out.end()) {
      return InvalidArgumentError("layer \"" + std::string(name) +
                                  "\" is given twice");
    }
    out.push_back(*layer);
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

StatusOr<ExportCounts> WriteSnapshotLines(
    const Ledger& ledger, const projections::AnalyticsState& state,
    const ExportSpec& spec, const Pseudonymizer& pseudonyms,
    const LineSink& sink, const ContentKeys& keys) {
  if (state.last_seq() != spec.as_of_seq) {
    return FailedPreconditionError("the analytics state reflects event " +
                                   std::to_string(state.last_seq()) +
                                   ", not the export's " +
                                   std::to_string(spec.as_of_seq));
  }
  std::vector<std::string_view> records = state.RecordsOfProject(spec.project);
  if (records.empty()) {
    return InvalidArgumentError("project \"" + spec.project +
                                "\" has no records as of event " +
                                std::to_string(spec.as_of_seq));
  }
  ASSIGN_OR_RETURN(p::AdjudicationOutcomes outcomes,
                   ProjectOutcomes(ledger, spec.as_of_seq, spec.project));
  LineBuilder builder(ledger, state, spec, pseudonyms, outcomes, keys);
  ExportCounts counts;
  for (std::string_view record : records) {
    ASSIGN_OR_RETURN(std::string line, builder.Line(record, counts));
    // [compliance] the tombstones, for the manifest (records come sorted)
    if (builder.last_shredded()) counts.shredded_records.emplace_back(record);
    RETURN_IF_ERROR(sink(line));
  }
  return counts;
}

}  // namespace consilium::dataset
