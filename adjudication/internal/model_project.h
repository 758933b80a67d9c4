// AdjudicationModel::Project: what the model keeps per project beyond its
// Queue (shared by model.cc and model_annotations.cc).
#ifndef CONSILIUM_ADJUDICATION_INTERNAL_MODEL_PROJECT_H_
#define CONSILIUM_ADJUDICATION_INTERNAL_MODEL_PROJECT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adjudication/model.h"

namespace consilium::adjudication {

namespace internal {

// One current annotation of a record, reduced to what a FieldView needs.
struct ModelFieldValue {
  std::string field;
  std::string key;  // projections::ValueKey
};
struct ModelAnnotation {
  std::string id;
  std::string annotator;
  bool by_model = false;
  uint64_t seq = 0;  // the event that made this revision current
  std::optional<double> confidence;
  std::vector<ModelFieldValue> values;  // item fields only, sorted by field
};
struct ModelFieldMeta {
  schemas::Layer layer = schemas::Layer::kInterpretive;
  int64_t closed_k = 0;
};
struct ModelRecord {
  std::vector<ModelAnnotation> annotations;  // current, not withdrawn
  std::map<std::string, ModelFieldMeta, std::less<>> fields;  // ever seen
  bool in_batch = false;
};

// The item's view: the current physicians' values of `field` and their
// stated confidences, the normalized entropy of those values (the
// projections' definition, K from `meta`), the latest model pre-label.
FieldView ViewOf(const ModelRecord& rec, std::string_view field,
                 const ModelFieldMeta& meta);

}  // namespace internal

// What the model keeps per project beyond its Queue: each record's current
// annotations reduced to what a FieldView needs, so an annotation event
// costs O(its fields) and never reads the ledger.
struct AdjudicationModel::Project {
  using Record = internal::ModelRecord;
  using FieldMeta = internal::ModelFieldMeta;

  explicit Project(std::string project, uint32_t overlap)
      : id(project),
        queue(ProjectPolicy::Default(std::move(project), overlap)),
        overlap_target(overlap) {}

  std::string id;
  Queue queue;
  uint32_t overlap_target = 0;
  std::unordered_map<std::string, Record> records;
  std::string latest_schema_id;  // of the latest annotation
  size_t last_depth = 0;
};

}  // namespace consilium::adjudication

#endif  // CONSILIUM_ADJUDICATION_INTERNAL_MODEL_PROJECT_H_
