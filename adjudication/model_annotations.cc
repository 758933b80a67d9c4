// AdjudicationModel: annotation events to queue inputs (the hot path: it
// runs on every applied annotation, under the write core's state lock).
#include <algorithm>
#include <map>
#include <utility>

#include "adjudication/internal/model_project.h"
#include "adjudication/model.h"
#include "projections/value_keys.h"
#include "schemas/annotation_validator.h"

namespace consilium::adjudication {

namespace {

// A field an item can be made of: one comparable value per annotation (a
// metric), not inside a list (ParsePolicy refuses those too).
bool IsItemField(const schemas::ExtractedValue& v) {
  return v.metric != schemas::Metric::kNone &&
         v.field_path.find('[') == std::string::npos;
}

using Record = internal::ModelRecord;
using Annotation = internal::ModelAnnotation;

// The annotation's item values and stated confidence: the projections'
// extraction (schemas::ExtractAnnotationValues) and value keys. The stated
// confidence is the value of the schema's first probability-scale confidence
// field, as calibration reads it. Values that do not validate (a raw append)
// give no values: the annotation then weighs on no item.
void Extract(const domain::DomainState& state, const domain::AnnotationState& a,
             const fb::Payload* payload, Annotation* out, Record* rec) {
  const domain::SchemaState* schema =
      state.FindSchema(a.schema_id, a.schema_version);
  const domain::RecordState* record = state.FindRecord(a.record);
  if (schema == nullptr || schema->schema == nullptr || record == nullptr ||
      record->shape == nullptr) {
    return;
  }
  // This runs on the apply path of every annotation (the acknowledger, under
  // the state lock): reuse one extraction's storage per thread.
  thread_local schemas::ExtractedValues ev;
  if (!schemas::ExtractAnnotationValuesInto(*schema->schema, *record->shape,
                                            a.id, PlainPayload(payload), &ev)
           .ok()) {
    return;
  }
  for (const schemas::ExtractedValue& v : ev.values) {
    const schemas::Field* field = schema->schema->FindField(v.field_path);
    if (field == nullptr) continue;
    if (!out->confidence && field->type == schemas::FieldType::kConfidence &&
        field->scale == schemas::ConfidenceScale::kProbability &&
        v.kind == schemas::ValueKind::kNumber) {
      out->confidence = v.number;
    }
    // A confidence is the annotator's certainty about their answer, read
    // above; never an item of its own (ParsePolicy refuses it too).
    if (!IsItemField(v) || field->type == schemas::FieldType::kConfidence) {
      continue;
    }
    out->values.push_back({v.field_path, projections::ValueKey(v)});
    rec->fields[v.field_path] = {v.layer,
                                 projections::ClosedCategoryCount(*field)};
  }
  std::sort(out->values.begin(), out->values.end(),
            [](const auto& x, const auto& y) { return x.field < y.field; });
}

const std::string* ValueOf(const Annotation& a, std::string_view field) {
  auto it = std::lower_bound(
      a.values.begin(), a.values.end(), field,
      [](const auto& v, std::string_view f) { return v.field < f; });
  return it != a.values.end() && it->field == field ? &it->key : nullptr;
}

}  // namespace

FieldView internal::ViewOf(const Record& rec, std::string_view field,
                           const internal::ModelFieldMeta& meta) {
  FieldView view;
  std::map<std::string_view, int64_t> counts;
  uint64_t prelabel_seq = 0;
  for (const Annotation& a : rec.annotations) {
    const std::string* key = ValueOf(a, field);
    if (key == nullptr) continue;
    if (a.by_model) {
      if (a.seq >= prelabel_seq) {
        prelabel_seq = a.seq;
        view.prelabel = *key;
      }
      continue;
    }
    view.annotations.push_back({a.annotator, *key, a.confidence, a.seq});
    ++counts[*key];
  }
  std::sort(view.annotations.begin(), view.annotations.end(),
            [](const AnnotationView& x, const AnnotationView& y) {
              return std::tie(x.annotator, x.seq) <
                     std::tie(y.annotator, y.seq);
            });
  std::vector<int64_t> per_key;
  per_key.reserve(counts.size());
  for (const auto& [key, c] : counts) per_key.push_back(c);
  view.normalized_entropy =
      projections::NormalizedEntropy(per_key, meta.closed_k);
  view.in_calibration_batch = rec.in_batch;
  return view;
}

void AdjudicationModel::OnAnnotation(const domain::DomainState& state,
                                     const domain::Applied& e,
                                     std::string_view annotation_id,
                                     const fb::Payload* values) {
  const domain::AnnotationState* a = state.FindAnnotation(annotation_id);
  if (a == nullptr) return;
  Project* p = FindProject(a->project);
  if (p == nullptr) return;
  Record& rec = p->records[a->record];
  p->latest_schema_id = a->schema_id;
  auto old = std::find_if(rec.annotations.begin(), rec.annotations.end(),
                          [&](const Annotation& x) { return x.id == a->id; });
  std::vector<std::string> touched;
  if (old != rec.annotations.end()) {
    for (const auto& v : old->values) touched.push_back(v.field);
    rec.annotations.erase(old);
  }
  if (!a->withdrawn && values != nullptr) {
    Annotation next;
    next.id = a->id;
    next.annotator = a->annotator;
    next.by_model = a->by_model;
    next.seq = e.seq;
    Extract(state, *a, values, &next, &rec);
    for (const auto& v : next.values) touched.push_back(v.field);
    rec.annotations.push_back(std::move(next));
  }
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  // Anyone who annotated the record, any field, also a withdrawal, never
  // adjudicates it; a model principal is no adjudicator.
  if (!a->by_model) Feed(*p, e.seq, RecordAnnotated{a->record, a->annotator});
  for (const std::string& field : touched) {
    const Project::FieldMeta& meta = rec.fields.at(field);
    Feed(*p, e.seq,
         ItemUpdated{{a->record, field},
                     meta.layer,
                     internal::ViewOf(rec, field, meta)});
  }
}

std::vector<std::pair<uint64_t, std::string>>
AdjudicationModel::ItemAnnotations(std::string_view project,
                                   const ItemKey& item) const {
  std::vector<std::pair<uint64_t, std::string>> out;
  auto p = projects_.find(project);
  if (p == projects_.end()) return out;
  auto rec = p->second->records.find(item.record);
  if (rec == p->second->records.end()) return out;
  for (const Annotation& a : rec->second.annotations) {
    if (!a.by_model && ValueOf(a, item.field) != nullptr) {
      out.emplace_back(a.seq, a.id);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string AdjudicationModel::LatestSchemaId(std::string_view project) const {
  auto p = projects_.find(project);
  return p == projects_.end() ? std::string() : p->second->latest_schema_id;
}

}  // namespace consilium::adjudication
