// Label Studio import, steps 1-2 of dataset/label_studio.h: tasks planned
// onto the schema. Pure: no ledger, no domain state (checking against the
// state and appending is label_studio_apply.cc), so the import_input fuzz
// target (tests/fuzz/) compiles this file without the ledger's libraries.
#include <boost/json.hpp>
#include <cmath>
#include <string>
#include <unordered_map>

#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "dataset/label_studio.h"
#include "render/command_input.h"
#include "schemas/annotation_validator.h"

namespace consilium::dataset::ls {

namespace json = boost::json;

namespace {

// A scalar id ("id": 12 or "id": "abc") as text; "" when absent or other.
std::string IdText(const json::value* v) {
  if (v == nullptr) return "";
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  if (v->is_string()) return std::string(v->get_string());
  return "";
}

const json::value* Field(const json::object& o, std::string_view key) {
  return o.if_contains(key);
}

// Rounds a pixel coordinate to 1e-6 px, so that percent -> px -> percent
// -> px gives the same double again (docs/imports.md, "Boxes"). A -0 (from
// "x": -0.0, or a tiny negative) becomes 0: the canonical "-0" would read
// back as the integer 0, so the values would not be canonical JSON.
double RoundPixel(double v) {
  double r = std::round(v * 1e6) / 1e6;
  return r == 0 ? 0.0 : r;
}

StatusOr<double> Number(const json::object& value, std::string_view key) {
  const json::value* v = value.if_contains(key);
  if (v == nullptr || !v->is_number())
    return InvalidArgumentError("value." + std::string(key) +
                                ": must be a number");
  return v->to_number<double>();
}

// The labels of a labels / rectanglelabels / choices value: non-empty
// strings.
StatusOr<std::vector<std::string>> Strings(const json::object& value,
                                           std::string_view key) {
  const json::value* v = value.if_contains(key);
  if (v == nullptr || !v->is_array())
    return InvalidArgumentError("value." + std::string(key) +
                                ": must be an array of strings");
  std::vector<std::string> out;
  for (const json::value& s : v->get_array()) {
    if (!s.is_string())
      return InvalidArgumentError("value." + std::string(key) +
                                  ": must be an array of strings");
    out.emplace_back(s.get_string());
  }
  return out;
}

// LS value -> schema value through the field map's table.
StatusOr<json::value> MapValue(const FieldMap& f, const std::string& ls) {
  if (f.values.empty()) return json::value(ls);
  auto it = f.values.find(ls);
  if (it == f.values.end())
    return InvalidArgumentError("value \"" + ls + "\" of " + f.from_name +
                                " has no entry in the mapping's values");
  return json::parse(it->second);
}

// An image's size from the task's results on it (original_width and
// original_height), which must agree; 0 when none gives it.
Status SizeFromResults(const json::object& task, const ImageMap& im,
                       uint32_t* width, uint32_t* height) {
  uint32_t& w = *width;
  uint32_t& h = *height;
  const json::value* anns = task.if_contains("annotations");
  if (anns == nullptr || !anns->is_array()) return OkStatus();
  for (const json::value& a : anns->get_array()) {
    const json::value* rs =
        a.is_object() ? a.get_object().if_contains("result") : nullptr;
    if (rs == nullptr || !rs->is_array()) continue;
    for (const json::value& r : rs->get_array()) {
      if (!r.is_object() ||
          IdText(r.get_object().if_contains("to_name")) != im.to_name)
        continue;
      const json::value* ow = r.get_object().if_contains("original_width");
      const json::value* oh = r.get_object().if_contains("original_height");
      if (ow == nullptr || oh == nullptr || !ow->is_int64() ||
          !oh->is_int64() || ow->get_int64() < 1 || oh->get_int64() < 1 ||
          ow->get_int64() > (1 << 30) || oh->get_int64() > (1 << 30))
        continue;
      uint32_t rw = static_cast<uint32_t>(ow->get_int64());
      uint32_t rh = static_cast<uint32_t>(oh->get_int64());
      if (w != 0 && (rw != w || rh != h))
        return InvalidArgumentError(
            "image " + im.to_name +
            ": results disagree on original_width/original_height");
      w = rw;
      h = rh;
    }
  }
  return OkStatus();
}

// One task being mapped: its record's shape and the values per annotation.
class TaskMapper {
 public:
  TaskMapper(const Mapping& m, const schemas::TaskSchema& schema,
             PlannedTask& out)
      : m_(m), schema_(schema), out_(out) {}

  Status Map(const json::object& task);

 private:
  Status MapRecord(const json::object& task, const json::object& data);
  StatusOr<std::string> Annotator(const json::value* completed_by) const;
  Status MapAnnotation(size_t ai, const json::object& a);
  Status MapResult(const FieldMap& f, const json::object& result,
                   json::object& values);
  Status Put(json::object& values, const FieldMap& f, json::value item);
  StatusOr<json::value> SpanAnchor(const json::object& value) const;
  StatusOr<json::value> BoxAnchor(const json::object& result,
                                  const json::object& value) const;

  const Mapping& m_;
  const schemas::TaskSchema& schema_;
  PlannedTask& out_;
  std::string text_;
  std::vector<schemas::ImageShape> images_;
  std::unique_ptr<schemas::RecordShape> shape_;
};

Status TaskMapper::Map(const json::object& task) {
  out_.ls_id = IdText(Field(task, "id"));
  const json::value* data = Field(task, "data");
  if (data == nullptr || !data->is_object())
    return InvalidArgumentError("data: must be an object");
  RETURN_IF_ERROR(MapRecord(task, data->get_object()));
  if (const json::value* p = Field(task, "predictions");
      p != nullptr && p->is_array() && !p->get_array().empty()) {
    out_.unmapped.push_back(std::to_string(p->get_array().size()) +
                            " predictions: not imported (model output is "
                            "not a physician's annotation)");
  }
  const json::value* anns = Field(task, "annotations");
  if (anns == nullptr) return OkStatus();
  if (!anns->is_array())
    return InvalidArgumentError("annotations: must be an array");
  for (size_t ai = 0; ai < anns->get_array().size(); ++ai) {
    const json::value& a = anns->get_array()[ai];
    if (!a.is_object())
      return InvalidArgumentError("annotation " + std::to_string(ai) +
                                  ": must be an object");
    RETURN_IF_ERROR(MapAnnotation(ai, a.get_object())
                        .WithContext("annotation " + std::to_string(ai)));
  }
  return OkStatus();
}

Status TaskMapper::MapRecord(const json::object& task,
                             const json::object& data) {
  std::string id;
  if (!m_.record_id_key.empty()) {
    const json::value* v = Field(data, m_.record_id_key);
    if (v == nullptr || !v->is_string())
      return InvalidArgumentError("data." + m_.record_id_key +
                                  ": must be a string (record_id_key)");
    id = std::string(v->get_string());
  } else {
    if (out_.ls_id.empty())
      return InvalidArgumentError(
          "id: the task has no id, and the mapping has no record_id_key");
    id = m_.record_id_prefix + out_.ls_id;
  }
  json::object line;
  line["id"] = id;
  json::object ls_data;  // what the record's metadata keeps of the task data
  for (const auto& kv : data) {
    if (kv.key() != m_.text_key && kv.key() != m_.record_id_key)
      ls_data[kv.key()] = kv.value();
  }
  if (!m_.text_key.empty()) {
    const json::value* t = Field(data, m_.text_key);
    if (t == nullptr || !t->is_string())
      return InvalidArgumentError("data." + m_.text_key +
                                  ": must be a string (text_key)");
    text_ = std::string(t->get_string());
    line["text"] = text_;
  }
  json::array images;
  for (const ImageMap& im : m_.images) {
    uint32_t w = im.width, h = im.height;
    if (w == 0) RETURN_IF_ERROR(SizeFromResults(task, im, &w, &h));
    if (w == 0) {  // no box on it: its URL stays in the metadata
      out_.unmapped.push_back(
          "image " + im.to_name +
          ": size unknown (no width and height in the mapping, no result "
          "with original_width and original_height), not part of the record");
      continue;
    }
    images.push_back({{"name", im.name}, {"width", w}, {"height", h}});
    images_.push_back({im.name, w, h, 1});
  }
  if (!images.empty()) line["images"] = std::move(images);
  json::object ls;
  ls["data"] = std::move(ls_data);
  if (const json::value* tid = Field(task, "id"); tid != nullptr)
    ls["task_id"] = *tid;
  line["metadata"] = json::object{{"label_studio", std::move(ls)}};
  StatusOr<domain::ImportRecordCommand> record =
      render::ParseRecordLine(json::serialize(line));
  if (!record.ok()) return record.status();
  out_.record = std::move(*record);
  ASSIGN_OR_RETURN(schemas::RecordShape shape,
                   schemas::RecordShape::Create(text_, images_));
  shape_ = std::make_unique<schemas::RecordShape>(std::move(shape));
  return OkStatus();
}

StatusOr<std::string> TaskMapper::Annotator(
    const json::value* completed_by) const {
  std::string id, email;
  if (completed_by != nullptr && completed_by->is_object()) {
    id = IdText(completed_by->get_object().if_contains("id"));
    email = IdText(completed_by->get_object().if_contains("email"));
  } else {
    id = IdText(completed_by);
  }
  if (id.empty() && email.empty())
    return InvalidArgumentError("completed_by: missing");
  if (auto it = m_.annotators.find(id);
      !id.empty() && it != m_.annotators.end())
    return it->second;
  if (auto it = m_.annotators.find(email);
      !email.empty() && it != m_.annotators.end())
    return it->second;
  if (!m_.annotator_prefix.empty() && !id.empty())
    return m_.annotator_prefix + id;
  return InvalidArgumentError(
      "completed_by " + (id.empty() ? email : id) +
      " has no principal in the mapping's annotators (and no "
      "annotator_prefix)");
}

Status TaskMapper::MapAnnotation(size_t ai, const json::object& a) {
  const std::string where = "annotation " + std::to_string(ai);
  if (const json::value* c = a.if_contains("was_cancelled");
      c != nullptr && c->is_bool() && c->get_bool()) {
    out_.unmapped.push_back(where + ": cancelled (was_cancelled), skipped");
    return OkStatus();
  }
  PlannedAnnotation p;
  p.ls_index = ai;
  ASSIGN_OR_RETURN(p.annotator, Annotator(a.if_contains("completed_by")));
  std::string ls_id = IdText(a.if_contains("id"));
  p.annotation_id = m_.annotation_id_prefix + out_.record.id + ":" +
                    (ls_id.empty() ? "a" + std::to_string(ai + 1) : ls_id);
  // Refused here, not by the ledger after the task's record went in: both
  // are made of the export's bytes (its ids, its completed_by).
  RETURN_IF_ERROR(domain::CheckDomainId("annotator", p.annotator));
  RETURN_IF_ERROR(domain::CheckDomainId("annotation id", p.annotation_id));
  const json::value* results = a.if_contains("result");
  if (results == nullptr || !results->is_array())
    return InvalidArgumentError("result: must be an array");
  json::object values;
  for (size_t ri = 0; ri < results->get_array().size(); ++ri) {
    const std::string rwhere = where + " result " + std::to_string(ri);
    const json::value& r = results->get_array()[ri];
    if (!r.is_object())
      return InvalidArgumentError("result " + std::to_string(ri) +
                                  ": must be an object");
    std::string from = IdText(r.get_object().if_contains("from_name"));
    std::string type = IdText(r.get_object().if_contains("type"));
    const FieldMap* f = nullptr;
    for (const FieldMap& c : m_.fields) {
      if (c.from_name == from) f = &c;
    }
    if (f == nullptr) {
      out_.unmapped.push_back(rwhere + ": " + type + " from_name \"" + from +
                              "\" not mapped");
      continue;
    }
    if (type != ResultTypeName(f->type)) {
      return InvalidArgumentError("result " + std::to_string(ri) + ": type \"" +
                                  type + "\", the mapping of " + from +
                                  " expects " +
                                  std::string(ResultTypeName(f->type)));
    }
    RETURN_IF_ERROR(
        MapResult(*f, r.get_object(), values)
            .WithContext("result " + std::to_string(ri) + " (" + from + ")"));
    out_.mapped.push_back(rwhere + ": " + type + " " + from + " -> " +
                          f->field);
  }
  ASSIGN_OR_RETURN(p.values, WriteCanonicalJson(values));
  RETURN_IF_ERROR(
      schemas::ValidateAnnotation(schema_, *shape_, p.annotation_id, p.values));
  out_.annotations.push_back(std::move(p));
  return OkStatus();
}

// Sets a field (once) or appends an item to a list field.
Status TaskMapper::Put(json::object& values, const FieldMap& f,
                       json::value item) {
  if (!f.label_field.empty()) {
    json::value& list = values[f.field];
    if (list.is_null()) list = json::array();
    list.get_array().push_back(std::move(item));
    return OkStatus();
  }
  if (values.contains(f.field))
    return InvalidArgumentError("field " + f.field +
                                " is already set by an earlier result");
  values[f.field] = std::move(item);
  return OkStatus();
}

StatusOr<json::value> TaskMapper::SpanAnchor(const json::object& value) const {
  ASSIGN_OR_RETURN(double start, Number(value, "start"));
  ASSIGN_OR_RETURN(double end, Number(value, "end"));
  if (start < 0 || end < 0 || start != std::floor(start) ||
      end != std::floor(end) || start > 1e12 || end > 1e12)
    return InvalidArgumentError("value.start/end: must be integers >= 0");
  ASSIGN_OR_RETURN(size_t s, Utf16ToCodePoint(text_, size_t(start)));
  ASSIGN_OR_RETURN(size_t e, Utf16ToCodePoint(text_, size_t(end)));
  if (const json::value* t = value.if_contains("text");
      t != nullptr && t->is_string() && e >= s) {
    size_t bs = 0, be = 0, cp = 0;  // byte offsets of code points s, e
    for (size_t i = 0; i <= text_.size(); ++cp) {
      if (cp == s) bs = i;
      if (cp == e) be = i;
      if (i == text_.size()) break;
      unsigned char c = static_cast<unsigned char>(text_[i]);
      i += c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    }
    if (std::string_view(text_).substr(bs, be - bs) != t->get_string())
      return InvalidArgumentError(
          "value.text differs from the record text at [" +
          std::to_string(size_t(start)) + ", " + std::to_string(size_t(end)) +
          ") (UTF-16 offsets)");
  }
  return json::value(json::object{{"start", s}, {"end", e}});
}

StatusOr<json::value> TaskMapper::BoxAnchor(const json::object& result,
                                            const json::object& value) const {
  std::string to = IdText(result.if_contains("to_name"));
  const ImageMap* im = nullptr;
  for (const ImageMap& c : m_.images) {
    if (c.to_name == to) im = &c;
  }
  if (im == nullptr)
    return InvalidArgumentError("to_name \"" + to +
                                "\" is not an image of the mapping");
  const schemas::ImageShape* shape = shape_->FindImage(im->name);
  if (shape == nullptr)
    return InvalidArgumentError("image " + to +
                                ": size unknown (no original_width and "
                                "original_height, none in the mapping)");
  if (const json::value* rot = value.if_contains("rotation");
      rot != nullptr && (!rot->is_number() || rot->to_number<double>() != 0))
    return InvalidArgumentError(
        "value.rotation: rotated boxes are not imported (a box is "
        "axis-aligned)");
  ASSIGN_OR_RETURN(double x, Number(value, "x"));
  ASSIGN_OR_RETURN(double y, Number(value, "y"));
  ASSIGN_OR_RETURN(double w, Number(value, "width"));
  ASSIGN_OR_RETURN(double h, Number(value, "height"));
  const double W = shape->width, H = shape->height;
  double px = RoundPixel(x * W / 100), py = RoundPixel(y * H / 100);
  double pw = RoundPixel(w * W / 100), ph = RoundPixel(h * H / 100);
  // A box LS drew to the edge can exceed it by rounding (50.8 + 49.2 >
  // 100 in doubles): within 1e-6 px it is the edge.
  if (px + pw > W && px + pw - W <= 1e-6) pw = W - px;
  if (py + ph > H && py + ph - H <= 1e-6) ph = H - py;
  return json::value(json::object{
      {"image", im->name}, {"x", px}, {"y", py}, {"w", pw}, {"h", ph}});
}

Status TaskMapper::MapResult(const FieldMap& f, const json::object& result,
                             json::object& values) {
  const json::value* vv = result.if_contains("value");
  if (vv == nullptr || !vv->is_object())
    return InvalidArgumentError("value: must be an object");
  const json::object& value = vv->get_object();
  const schemas::Field* field = schema_.FindTopLevel(f.field);
  switch (f.type) {
    case ResultType::kChoices: {
      ASSIGN_OR_RETURN(std::vector<std::string> choices,
                       Strings(value, "choices"));
      if (field->type == schemas::FieldType::kMultiCategorical) {
        json::array set;
        for (const std::string& c : choices) {
          ASSIGN_OR_RETURN(json::value v, MapValue(f, c));
          set.push_back(std::move(v));
        }
        return Put(values, f, std::move(set));
      }
      if (choices.size() != 1)
        return InvalidArgumentError("value.choices: " + f.field +
                                    " takes exactly one choice, got " +
                                    std::to_string(choices.size()));
      ASSIGN_OR_RETURN(json::value v, MapValue(f, choices[0]));
      return Put(values, f, std::move(v));
    }
    case ResultType::kTextArea: {
      ASSIGN_OR_RETURN(std::vector<std::string> lines, Strings(value, "text"));
      std::string text;
      for (size_t i = 0; i < lines.size(); ++i)
        text += (i == 0 ? "" : "\n") + lines[i];
      return Put(values, f, json::value(text));
    }
    case ResultType::kLabels:
    case ResultType::kRectangleLabels:
      break;
  }
  const char* labels_key =
      f.type == ResultType::kLabels ? "labels" : "rectanglelabels";
  json::value anchor;
  if (f.type == ResultType::kLabels) {
    ASSIGN_OR_RETURN(anchor, SpanAnchor(value));
  } else {
    ASSIGN_OR_RETURN(anchor, BoxAnchor(result, value));
  }
  if (f.label_field.empty()) return Put(values, f, std::move(anchor));
  ASSIGN_OR_RETURN(std::vector<std::string> labels, Strings(value, labels_key));
  if (labels.size() != 1)
    return InvalidArgumentError(std::string("value.") + labels_key +
                                ": exactly one label per region, got " +
                                std::to_string(labels.size()));
  ASSIGN_OR_RETURN(json::value label, MapValue(f, labels[0]));
  json::object item;
  item[f.label_field] = std::move(label);
  item[f.anchor_field] = std::move(anchor);
  return Put(values, f, std::move(item));
}

}  // namespace

StatusOr<std::vector<PlannedTask>> PlanImport(
    std::string_view export_json, const Mapping& m,
    const schemas::TaskSchema& schema) {
  json::value doc;
  if (Status s = ParseStrictJson(export_json, {}, doc); !s.ok())
    return s.WithContext("Label Studio export");
  if (!doc.is_array())
    return InvalidArgumentError(
        "Label Studio export: must be a JSON array of tasks");
  std::vector<PlannedTask> out;
  out.reserve(doc.get_array().size());
  for (size_t i = 0; i < doc.get_array().size(); ++i) {
    PlannedTask t;
    t.index = i;
    const json::value& task = doc.get_array()[i];
    if (!task.is_object()) {
      t.status = InvalidArgumentError("must be an object");
    } else {
      t.status = TaskMapper(m, schema, t).Map(task.get_object());
    }
    if (!t.status.ok()) {
      t.status = t.status.WithContext("task " + std::to_string(i));
      t.annotations.clear();
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace consilium::dataset::ls
