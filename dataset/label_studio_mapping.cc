// The Label Studio mapping file and the offset conversions
// (dataset/label_studio.h; docs/imports.md, "The mapping file").
#include <boost/json.hpp>
#include <string>

#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "dataset/label_studio.h"
#include "render/command_input.h"

namespace consilium::dataset::ls {

namespace json = boost::json;

std::string_view ResultTypeName(ResultType t) {
  switch (t) {
    case ResultType::kChoices:
      return "choices";
    case ResultType::kTextArea:
      return "textarea";
    case ResultType::kLabels:
      return "labels";
    case ResultType::kRectangleLabels:
      return "rectanglelabels";
  }
  return "choices";  // unreachable: every type is handled
}

namespace {

// Reads the keys of one object of the mapping, strictly.
class Keys {
 public:
  Keys(const json::object& o, std::string where)
      : o_(o), where_(std::move(where)) {}

  StatusOr<std::string> String(std::string_view key, bool required) {
    seen_.emplace_back(key);
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) {
      if (required) return Error(key, "is required");
      return std::string();
    }
    if (!v->is_string() || v->get_string().empty())
      return Error(key, "must be a non-empty string");
    return std::string(v->get_string());
  }
  StatusOr<uint32_t> Uint(std::string_view key) {
    seen_.emplace_back(key);
    const json::value* v = o_.if_contains(key);
    if (v == nullptr) return 0u;
    if (!v->is_int64() || v->get_int64() < 1 || v->get_int64() > 1 << 30)
      return Error(key, "must be an integer from 1 to 2^30");
    return static_cast<uint32_t>(v->get_int64());
  }
  const json::value* Get(std::string_view key) {
    seen_.emplace_back(key);
    return o_.if_contains(key);
  }
  Status Finish() const {
    for (const auto& kv : o_) {
      bool known = false;
      for (const std::string& k : seen_) known = known || k == kv.key();
      if (!known) return Error(kv.key(), "unknown key");
    }
    return OkStatus();
  }
  Status Error(std::string_view key, std::string_view what) const {
    return InvalidArgumentError("mapping: " + where_ +
                                (where_.empty() ? "" : ".") + std::string(key) +
                                ": " + std::string(what));
  }

 private:
  const json::object& o_;
  std::string where_;
  std::vector<std::string> seen_;
};

StatusOr<std::map<std::string, std::string>> StringMap(Keys& k,
                                                       std::string_view key,
                                                       bool json_values) {
  std::map<std::string, std::string> out;
  const json::value* v = k.Get(key);
  if (v == nullptr) return out;
  if (!v->is_object()) return k.Error(key, "must be an object");
  for (const auto& kv : v->get_object()) {
    if (json_values) {
      ASSIGN_OR_RETURN(out[std::string(kv.key())],
                       WriteCanonicalJson(kv.value()));
    } else if (kv.value().is_string() && !kv.value().get_string().empty()) {
      out[std::string(kv.key())] = std::string(kv.value().get_string());
    } else {
      return k.Error(std::string(key) + "." + std::string(kv.key()),
                     "must be a non-empty string");
    }
  }
  return out;
}

// A principal id or an id prefix of the mapping: what the import makes of
// it must be a domain id (domain/commands.h), so it is made of their
// characters (an empty prefix: the default).
Status CheckIdPart(std::string_view key, const std::string& v) {
  if (v.empty()) return OkStatus();
  Status s = domain::CheckDomainId(key, v);
  if (!s.ok()) return InvalidArgumentError("mapping: " + s.message());
  return OkStatus();
}

StatusOr<FieldMap> ParseFieldMap(const json::value& v, std::string where) {
  if (!v.is_object())
    return InvalidArgumentError("mapping: " + where + ": must be an object");
  Keys k(v.get_object(), where);
  FieldMap f;
  ASSIGN_OR_RETURN(f.from_name, k.String("from_name", true));
  ASSIGN_OR_RETURN(std::string type, k.String("type", true));
  if (type == "choices") {
    f.type = ResultType::kChoices;
  } else if (type == "textarea") {
    f.type = ResultType::kTextArea;
  } else if (type == "labels") {
    f.type = ResultType::kLabels;
  } else if (type == "rectanglelabels") {
    f.type = ResultType::kRectangleLabels;
  } else {
    return k.Error("type", "unknown result type \"" + type +
                               "\" (known: choices, textarea, labels, "
                               "rectanglelabels)");
  }
  ASSIGN_OR_RETURN(f.field, k.String("field", true));
  ASSIGN_OR_RETURN(f.label_field, k.String("label_field", false));
  ASSIGN_OR_RETURN(f.anchor_field, k.String("anchor_field", false));
  ASSIGN_OR_RETURN(f.values, StringMap(k, "values", true));
  RETURN_IF_ERROR(k.Finish());
  if (f.label_field.empty() != f.anchor_field.empty())
    return k.Error("label_field", "label_field and anchor_field go together");
  return f;
}

StatusOr<ImageMap> ParseImageMap(const json::value& v, std::string where) {
  if (!v.is_object())
    return InvalidArgumentError("mapping: " + where + ": must be an object");
  Keys k(v.get_object(), where);
  ImageMap i;
  ASSIGN_OR_RETURN(i.to_name, k.String("to_name", true));
  ASSIGN_OR_RETURN(i.data_key, k.String("data_key", false));
  ASSIGN_OR_RETURN(i.name, k.String("name", true));
  ASSIGN_OR_RETURN(i.width, k.Uint("width"));
  ASSIGN_OR_RETURN(i.height, k.Uint("height"));
  RETURN_IF_ERROR(k.Finish());
  if ((i.width == 0) != (i.height == 0))
    return k.Error("width", "width and height go together");
  return i;
}

// The field a field map fills, checked against its result type.
Status CheckFieldMap(const FieldMap& f, const schemas::TaskSchema& schema,
                     const std::string& where) {
  using schemas::FieldType;
  auto bad = [&](std::string what) {
    return InvalidArgumentError("mapping: " + where + ": " + what + " (" +
                                schema.Ref() + ")");
  };
  const schemas::Field* field = schema.FindTopLevel(f.field);
  if (field == nullptr)
    return bad("field \"" + f.field + "\" is not a top-level field");
  switch (f.type) {
    case ResultType::kChoices:
      if (field->type == FieldType::kText || field->type == FieldType::kList ||
          field->type == FieldType::kGroup ||
          field->type == FieldType::kTextSpan ||
          field->type == FieldType::kImageRegion) {
        return bad("choices cannot fill field \"" + f.field + "\"");
      }
      return OkStatus();
    case ResultType::kTextArea:
      if (field->type != FieldType::kText)
        return bad("textarea fills a text field; \"" + f.field + "\" is not");
      return OkStatus();
    case ResultType::kLabels:
    case ResultType::kRectangleLabels:
      break;
  }
  FieldType anchor = f.type == ResultType::kLabels ? FieldType::kTextSpan
                                                   : FieldType::kImageRegion;
  const char* anchor_name =
      f.type == ResultType::kLabels ? "text_span" : "image_region";
  if (f.label_field.empty()) {
    if (field->type != anchor)
      return bad("\"" + f.field + "\" is not a " + anchor_name +
                 " field (or give label_field and anchor_field of its list)");
    return OkStatus();
  }
  if (field->type != FieldType::kList)
    return bad("\"" + f.field + "\" is not a list field");
  const schemas::Field* label = field->FindChild(f.label_field);
  const schemas::Field* where_field = field->FindChild(f.anchor_field);
  if (label == nullptr || (label->type != FieldType::kCategorical &&
                           label->type != FieldType::kOrdinal)) {
    return bad("label_field \"" + f.label_field +
               "\" is not a categorical or ordinal field of " + f.field);
  }
  if (where_field == nullptr || where_field->type != anchor)
    return bad("anchor_field \"" + f.anchor_field + "\" is not a " +
               anchor_name + " field of " + f.field);
  return OkStatus();
}

}  // namespace

StatusOr<Mapping> ParseMapping(std::string_view text) {
  json::value doc;
  if (Status s = ParseStrictJson(text, {}, doc); !s.ok())
    return s.WithContext("mapping");
  if (!doc.is_object())
    return InvalidArgumentError("mapping: must be a JSON object");
  Keys k(doc.get_object(), "");
  Mapping m;
  ASSIGN_OR_RETURN(std::string ref, k.String("schema", true));
  StatusOr<std::pair<std::string, uint32_t>> parsed =
      render::ParseSchemaRef(ref);
  if (!parsed.ok()) return parsed.status().WithContext("mapping: schema");
  m.schema_id = parsed->first;
  m.schema_version = parsed->second;
  ASSIGN_OR_RETURN(m.record_id_key, k.String("record_id_key", false));
  ASSIGN_OR_RETURN(std::string prefix, k.String("record_id_prefix", false));
  RETURN_IF_ERROR(CheckIdPart("record_id_prefix", prefix));
  if (!prefix.empty()) m.record_id_prefix = prefix;
  ASSIGN_OR_RETURN(prefix, k.String("annotation_id_prefix", false));
  RETURN_IF_ERROR(CheckIdPart("annotation_id_prefix", prefix));
  if (!prefix.empty()) m.annotation_id_prefix = prefix;
  ASSIGN_OR_RETURN(m.text_key, k.String("text_key", false));
  if (const json::value* images = k.Get("images"); images != nullptr) {
    if (!images->is_array()) return k.Error("images", "must be an array");
    for (size_t i = 0; i < images->get_array().size(); ++i) {
      ASSIGN_OR_RETURN(ImageMap im,
                       ParseImageMap(images->get_array()[i],
                                     "images[" + std::to_string(i) + "]"));
      for (const ImageMap& other : m.images) {
        if (other.to_name == im.to_name || other.name == im.name)
          return k.Error("images[" + std::to_string(i) + "]",
                         "to_name and name must be unique");
      }
      m.images.push_back(std::move(im));
    }
  }
  ASSIGN_OR_RETURN(m.annotators, StringMap(k, "annotators", false));
  for (const auto& [who, principal] : m.annotators)
    RETURN_IF_ERROR(CheckIdPart("annotators." + who, principal));
  ASSIGN_OR_RETURN(m.annotator_prefix, k.String("annotator_prefix", false));
  RETURN_IF_ERROR(CheckIdPart("annotator_prefix", m.annotator_prefix));
  const json::value* fields = k.Get("fields");
  if (fields == nullptr || !fields->is_array() || fields->get_array().empty())
    return k.Error("fields", "must be a non-empty array");
  for (size_t i = 0; i < fields->get_array().size(); ++i) {
    ASSIGN_OR_RETURN(FieldMap f,
                     ParseFieldMap(fields->get_array()[i],
                                   "fields[" + std::to_string(i) + "]"));
    for (const FieldMap& other : m.fields) {
      if (other.from_name == f.from_name)
        return k.Error("fields[" + std::to_string(i) + "].from_name",
                       "\"" + f.from_name + "\" is mapped twice");
    }
    m.fields.push_back(std::move(f));
  }
  RETURN_IF_ERROR(k.Finish());
  if (m.text_key.empty() && m.images.empty())
    return k.Error("text_key", "give text_key, images or both");
  return m;
}

Status CheckMapping(const Mapping& m, const schemas::TaskSchema& schema) {
  if (schema.id() != m.schema_id ||
      schema.version() != static_cast<int64_t>(m.schema_version)) {
    return InvalidArgumentError("mapping: names schema " + m.schema_id + "@" +
                                std::to_string(m.schema_version) + ", not " +
                                schema.Ref());
  }
  for (size_t i = 0; i < m.fields.size(); ++i) {
    const FieldMap& f = m.fields[i];
    RETURN_IF_ERROR(
        CheckFieldMap(f, schema, "fields[" + std::to_string(i) + "]"));
    if (f.type == ResultType::kLabels && m.text_key.empty())
      return InvalidArgumentError("mapping: fields[" + std::to_string(i) +
                                  "]: labels need text_key");
    if (f.type == ResultType::kRectangleLabels && m.images.empty())
      return InvalidArgumentError("mapping: fields[" + std::to_string(i) +
                                  "]: rectanglelabels need images");
  }
  return OkStatus();
}

namespace {

// The length in bytes of the UTF-8 sequence starting with `c` (the text was
// validated as UTF-8 by RecordShape::Create or the strict reader).
size_t SequenceLength(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  return 2;
}

}  // namespace

StatusOr<size_t> Utf16ToCodePoint(std::string_view utf8, size_t offset) {
  size_t units = 0, points = 0;
  for (size_t i = 0; i < utf8.size();) {
    if (units == offset) return points;
    if (units > offset) break;
    size_t n = SequenceLength(static_cast<unsigned char>(utf8[i]));
    units += n == 4 ? 2 : 1;
    ++points;
    i += n;
  }
  if (units == offset) return points;
  if (units > offset)
    return InvalidArgumentError("offset " + std::to_string(offset) +
                                " splits a surrogate pair");
  return InvalidArgumentError("offset " + std::to_string(offset) +
                              " is past the end of the text (" +
                              std::to_string(units) + " UTF-16 units)");
}

StatusOr<size_t> CodePointToUtf16(std::string_view utf8, size_t offset) {
  size_t units = 0, points = 0;
  for (size_t i = 0; i < utf8.size() && points < offset; ++points) {
    size_t n = SequenceLength(static_cast<unsigned char>(utf8[i]));
    units += n == 4 ? 2 : 1;
    i += n;
  }
  if (points < offset)
    return InvalidArgumentError("offset " + std::to_string(offset) +
                                " is past the end of the text");
  return units;
}

}  // namespace consilium::dataset::ls
