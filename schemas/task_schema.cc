#include "schemas/task_schema.h"

#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <cassert>
#include <charconv>
#include <cmath>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "schemas/internal/strict_json.h"

namespace consilium::schemas {

namespace json = boost::json;

// ---------------------------------------------------------------------------
// Strict JSON reader (declared in internal/strict_json.h).
// ---------------------------------------------------------------------------
namespace internal {

// The reader itself is common/strict_json.cc; schemas keep their message
// form, the duplicate key without its path, which JsonTape reproduces.
Status ParseStrictJson(std::string_view text, size_t max_depth,
                       json::value& out) {
  StrictJsonError e;
  Status s = consilium::ParseStrictJson(
      text, {.max_depth = max_depth, .name_bom = false}, out, &e);
  if (!s.ok() && e.duplicate && s.message() != "duplicate key") {
    std::string m = "duplicate key ";
    AppendQuoted(m, e.duplicate_key);
    return InvalidArgumentError(std::move(m));
  }
  return s;
}

void AppendQuoted(std::string& out, std::string_view s) {
  AppendJsonString(out, s);
}

std::string FormatNumber(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  if (ec != std::errc()) return "?";
  return std::string(buf, end);
}

}  // namespace internal

// ---------------------------------------------------------------------------
// Names.
// ---------------------------------------------------------------------------
namespace {

struct TypeEntry {
  std::string_view name;
  FieldType type;
};
constexpr TypeEntry kTypes[] = {
    {"categorical", FieldType::kCategorical},
    {"multi_categorical", FieldType::kMultiCategorical},
    {"ordinal", FieldType::kOrdinal},
    {"numeric", FieldType::kNumeric},
    {"boolean", FieldType::kBoolean},
    {"text", FieldType::kText},
    {"list", FieldType::kList},
    {"group", FieldType::kGroup},
    {"text_span", FieldType::kTextSpan},
    {"image_region", FieldType::kImageRegion},
    {"confidence", FieldType::kConfidence},
};

struct MetricEntry {
  std::string_view name;
  Metric metric;
};
constexpr MetricEntry kMetrics[] = {
    {"none", Metric::kNone},       {"nominal", Metric::kNominal},
    {"ordinal", Metric::kOrdinal}, {"interval", Metric::kInterval},
    {"ratio", Metric::kRatio},     {"set_jaccard", Metric::kSetJaccard},
    {"iou", Metric::kIou},         {"span_overlap", Metric::kSpanOverlap},
};

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  for (const TypeEntry& e : kTypes) {
    if (e.type == type) return e.name;
  }
  return "?";
}

std::string_view LayerName(Layer layer) {
  return layer == Layer::kDescriptive ? "descriptive" : "interpretive";
}

std::string_view MetricName(Metric metric) {
  for (const MetricEntry& e : kMetrics) {
    if (e.metric == metric) return e.name;
  }
  return "?";
}

std::string_view CodeSystemName(CodeSystem system) {
  switch (system) {
    case CodeSystem::kNone:
      return "none";
    case CodeSystem::kLocal:
      return "local";
    case CodeSystem::kIcd10:
      return "icd10";
    case CodeSystem::kSnomedCt:
      return "snomedct";
  }
  return "?";
}

std::string_view ConfidenceScaleName(ConfidenceScale scale) {
  return scale == ConfidenceScale::kProbability ? "probability" : "ordinal";
}

// ---------------------------------------------------------------------------
// Code syntax.
// ---------------------------------------------------------------------------
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool IsValidIcd10Code(std::string_view code) {
  // Category: letter, digit, digit or letter (C4A, D3A, M1A exist).
  if (code.size() < 3 || !IsUpper(code[0]) || !IsDigit(code[1]) ||
      !(IsDigit(code[2]) || IsUpper(code[2]))) {
    return false;
  }
  if (code.size() == 3) return true;
  // Subcategory: '.', then 1-4 characters (7th character and placeholder X
  // included), for at most 7 characters without the dot.
  if (code[3] != '.' || code.size() < 5 || code.size() > 8) return false;
  for (size_t i = 4; i < code.size(); ++i) {
    if (!IsDigit(code[i]) && !IsUpper(code[i])) return false;
  }
  return true;
}

bool IsValidSnomedCtConceptId(std::string_view id) {
  if (id.size() < 6 || id.size() > 18 || id[0] == '0') return false;
  for (char c : id) {
    if (!IsDigit(c)) return false;
  }
  // Partition identifier: the two digits before the check digit; 00 is a
  // short-format concept id, 10 a long-format (namespaced) one.
  const std::string_view partition = id.substr(id.size() - 3, 2);
  if (partition != "00" && partition != "10") return false;
  // Verhoeff: over the digits right to left (check digit included) the
  // checksum must be 0.
  static constexpr uint8_t kD[10][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
      {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
      {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
      {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
      {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}};
  static constexpr uint8_t kP[8][10] = {
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
      {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
      {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
      {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}};
  uint8_t c = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    const int digit = id[id.size() - 1 - i] - '0';
    c = kD[c][kP[i % 8][digit]];
  }
  return c == 0;
}

// ---------------------------------------------------------------------------
// Field lookups.
// ---------------------------------------------------------------------------
int Field::FindCategory(std::string_view code) const {
  for (size_t i = 0; i < categories.size(); ++i) {
    if (categories[i].code == code) return static_cast<int>(i);
  }
  return -1;
}

int Field::FindLevel(std::string_view level) const {
  for (size_t i = 0; i < levels.size(); ++i) {
    if (levels[i] == level) return static_cast<int>(i);
  }
  return -1;
}

const Field* Field::FindChild(std::string_view child) const {
  for (const Field& f : fields) {
    if (f.name == child) return &f;
  }
  return nullptr;
}

std::string TaskSchema::Ref() const {
  return id_ + "@" + std::to_string(version_);
}

const Field* TaskSchema::FindTopLevel(std::string_view name) const {
  for (const Field& f : fields_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Field* TaskSchema::FindField(std::string_view path) const {
  // Paths are names separated by '.', a list's name followed by "[]".
  const std::vector<Field>* level = &fields_;
  const Field* found = nullptr;
  while (true) {
    const size_t dot = path.find('.');
    std::string_view seg = path.substr(0, dot);
    bool through_list = false;
    if (seg.size() >= 2 && seg.substr(seg.size() - 2) == "[]") {
      seg.remove_suffix(2);
      through_list = true;
    }
    found = nullptr;
    for (const Field& f : *level) {
      if (f.name == seg) found = &f;
    }
    if (found == nullptr) return nullptr;
    if (through_list != (found->type == FieldType::kList)) {
      // "[]" is required after a list that is walked into or named, and
      // forbidden after anything else; a bare list name is the list itself.
      if (!(found->type == FieldType::kList && !through_list &&
            dot == std::string_view::npos)) {
        return nullptr;
      }
    }
    if (dot == std::string_view::npos) return found;
    if (found->type == FieldType::kList && !through_list) return nullptr;
    level = &found->fields;
    path.remove_prefix(dot + 1);
  }
}

// ---------------------------------------------------------------------------
// Parser.
// ---------------------------------------------------------------------------

// Builds a TaskSchema from the DOM. A class (friend of TaskSchema) so that the
// helpers can fill its private members.
class TaskSchemaParser {
 public:
  StatusOr<TaskSchema> Run(std::string_view text);

 private:
  // The error for `field "path": rule`.
  static Status FieldError(std::string_view path, std::string_view rule) {
    std::string m = "field ";
    internal::AppendQuoted(m, path);
    m += ": ";
    m += rule;
    return InvalidArgumentError(std::move(m));
  }
  static Status SchemaError(std::string_view rule) {
    return InvalidArgumentError("schema: " + std::string(rule));
  }
  static std::string Quoted(std::string_view s) {
    std::string out;
    internal::AppendQuoted(out, s);
    return out;
  }

  Status ParseFields(const json::value& v, std::string_view parent_path,
                     bool parent_is_list, std::optional<Layer> parent_layer,
                     int depth, std::vector<Field>& out);
  Status ParseField(const json::object& o, Field& f,
                    std::optional<Layer> parent_layer, int depth);
  Status ParseCategories(const json::object& o, Field& f);
  Status ParseMetric(const json::object& o, Field& f);
};

namespace {

bool IsValidFieldName(std::string_view s) {
  if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '_')) return false;
  }
  return true;
}

bool IsValidSchemaId(std::string_view s) {
  if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z' ||
      s.back() == '-') {
    return false;
  }
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '-')) return false;
  }
  return true;
}

// A JSON integer in [lo, hi], or nullopt (doubles such as 3.0 are not
// integers here: the format is exact).
std::optional<int64_t> AsInteger(const json::value& v, int64_t lo, int64_t hi) {
  int64_t i;
  if (v.is_int64()) {
    i = v.get_int64();
  } else if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(hi)) return std::nullopt;
    i = static_cast<int64_t>(v.get_uint64());
  } else {
    return std::nullopt;
  }
  if (i < lo || i > hi) return std::nullopt;
  return i;
}

using internal::AsFiniteNumber;

std::string_view Sv(const json::string& s) { return {s.data(), s.size()}; }

// Keys each type accepts besides the common ones.
bool KeyAllowed(FieldType type, std::string_view key) {
  static constexpr std::string_view kCommon[] = {
      "name", "type", "description", "required", "layer", "metric"};
  for (std::string_view k : kCommon) {
    if (k == key) return true;
  }
  auto any = [&](std::initializer_list<std::string_view> ks) {
    for (std::string_view k : ks) {
      if (k == key) return true;
    }
    return false;
  };
  switch (type) {
    case FieldType::kCategorical:
      return any({"categories", "code_system", "open"});
    case FieldType::kMultiCategorical:
      return any(
          {"categories", "code_system", "open", "min_items", "max_items"});
    case FieldType::kOrdinal:
      return any({"levels"});
    case FieldType::kNumeric:
      return any({"unit", "min", "max", "integer"});
    case FieldType::kBoolean:
    case FieldType::kTextSpan:
      return false;
    case FieldType::kText:
      return any({"max_length"});
    case FieldType::kList:
      return any({"fields", "min_items", "max_items"});
    case FieldType::kGroup:
      return any({"fields"});
    case FieldType::kImageRegion:
      return any({"shapes"});
    case FieldType::kConfidence:
      return any({"scale", "levels"});
  }
  return false;
}

Metric DefaultMetric(const Field& f) {
  switch (f.type) {
    case FieldType::kCategorical:
    case FieldType::kBoolean:
      return Metric::kNominal;
    case FieldType::kMultiCategorical:
      return Metric::kSetJaccard;
    case FieldType::kOrdinal:
      return Metric::kOrdinal;
    case FieldType::kNumeric:
      return Metric::kInterval;
    case FieldType::kTextSpan:
      return Metric::kSpanOverlap;
    case FieldType::kImageRegion:
      return Metric::kIou;
    case FieldType::kConfidence:
      return f.scale == ConfidenceScale::kProbability ? Metric::kInterval
                                                      : Metric::kOrdinal;
    case FieldType::kText:
    case FieldType::kList:
    case FieldType::kGroup:
      return Metric::kNone;
  }
  return Metric::kNone;
}

// The metrics that fit a field; the first is the default. Empty: none.
std::vector<Metric> AllowedMetrics(const Field& f) {
  switch (f.type) {
    case FieldType::kCategorical:
    case FieldType::kBoolean:
      return {Metric::kNominal};
    case FieldType::kMultiCategorical:
      return {Metric::kSetJaccard};
    case FieldType::kOrdinal:
      return {Metric::kOrdinal, Metric::kNominal};
    case FieldType::kNumeric:
      return {Metric::kInterval, Metric::kRatio};
    case FieldType::kTextSpan:
      return {Metric::kSpanOverlap};
    case FieldType::kImageRegion:
      return {Metric::kIou};
    case FieldType::kConfidence:
      if (f.scale == ConfidenceScale::kProbability) {
        return {Metric::kInterval, Metric::kRatio};
      }
      return {Metric::kOrdinal};
    case FieldType::kText:
    case FieldType::kList:
    case FieldType::kGroup:
      return {};
  }
  return {};
}

}  // namespace

StatusOr<TaskSchema> TaskSchemaParser::Run(std::string_view text) {
  if (text.size() > kMaxSchemaBytes) {
    return SchemaError("document larger than " +
                       std::to_string(kMaxSchemaBytes) + " bytes");
  }
  json::monotonic_resource mr;
  json::value doc(&mr);
  // Depth: the document, fields arrays and field objects per level, plus
  // categories objects; anything deeper is refused by the field depth rule.
  Status s = internal::ParseStrictJson(text, 64, doc);
  if (!s.ok()) return SchemaError(s.message());
  if (!doc.is_object()) return SchemaError("expected a JSON object");
  const json::object& root = doc.get_object();

  TaskSchema schema;
  static constexpr std::string_view kRootKeys[] = {
      "id", "version", "parent", "changelog", "title", "description", "fields"};
  for (const auto& kv : root) {
    const std::string_view key(kv.key().data(), kv.key().size());
    if (std::find(std::begin(kRootKeys), std::end(kRootKeys), key) ==
        std::end(kRootKeys)) {
      return SchemaError("unknown key " + Quoted(key));
    }
  }

  const json::value* v = root.if_contains("id");
  if (v == nullptr) return SchemaError("\"id\" is required");
  if (!v->is_string() || !IsValidSchemaId(Sv(v->get_string()))) {
    return SchemaError(
        "invalid \"id\" (want [a-z][a-z0-9-]*, at most 64 characters, not "
        "ending in '-')");
  }
  schema.id_ = Sv(v->get_string());

  v = root.if_contains("version");
  if (v == nullptr) return SchemaError("\"version\" is required");
  std::optional<int64_t> version = AsInteger(*v, 1, INT32_MAX);
  if (!version) return SchemaError("\"version\" must be a positive integer");
  schema.version_ = *version;

  v = root.if_contains("parent");
  if (v != nullptr) {
    std::optional<int64_t> parent = AsInteger(*v, 1, INT32_MAX);
    if (!parent) return SchemaError("\"parent\" must be a positive integer");
    if (*parent >= schema.version_) {
      return SchemaError("\"parent\" must be lower than \"version\"");
    }
    schema.parent_ = *parent;
  } else if (schema.version_ > 1) {
    return SchemaError("\"parent\" is required when \"version\" > 1");
  }

  v = root.if_contains("changelog");
  if (v != nullptr) {
    if (!v->is_string() || v->get_string().empty()) {
      return SchemaError("\"changelog\" must be a non-empty string");
    }
    schema.changelog_ = Sv(v->get_string());
  } else if (schema.version_ > 1) {
    return SchemaError("\"changelog\" is required when \"version\" > 1");
  }

  v = root.if_contains("title");
  if (v == nullptr) return SchemaError("\"title\" is required");
  if (!v->is_string() || v->get_string().empty()) {
    return SchemaError("\"title\" must be a non-empty string");
  }
  schema.title_ = Sv(v->get_string());

  v = root.if_contains("description");
  if (v != nullptr) {
    if (!v->is_string()) return SchemaError("\"description\" must be a string");
    schema.description_ = Sv(v->get_string());
  }

  v = root.if_contains("fields");
  if (v == nullptr) return SchemaError("\"fields\" is required");
  RETURN_IF_ERROR(ParseFields(*v, "", false, std::nullopt, 0, schema.fields_));
  return schema;
}

Status TaskSchemaParser::ParseFields(const json::value& v,
                                     std::string_view parent_path,
                                     bool parent_is_list,
                                     std::optional<Layer> parent_layer,
                                     int depth, std::vector<Field>& out) {
  auto where = [&]() -> std::string {
    return parent_path.empty() ? std::string("schema")
                               : "field " + Quoted(parent_path);
  };
  if (!v.is_array() || v.get_array().empty()) {
    return InvalidArgumentError(where() +
                                ": \"fields\" must be a non-empty array");
  }
  const json::array& arr = v.get_array();
  if (arr.size() > kMaxFieldsPerLevel) {
    return InvalidArgumentError(where() + ": more than " +
                                std::to_string(kMaxFieldsPerLevel) + " fields");
  }
  out.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string at = where() + ": fields[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) {
      return InvalidArgumentError(at + ": expected an object");
    }
    const json::object& o = arr[i].get_object();
    const json::value* name = o.if_contains("name");
    if (name == nullptr) {
      return InvalidArgumentError(at + ": \"name\" is required");
    }
    if (!name->is_string() || !IsValidFieldName(Sv(name->get_string()))) {
      return InvalidArgumentError(
          at +
          ": invalid \"name\" (want [a-z][a-z0-9_]*, at most 64 "
          "characters)");
    }
    Field f;
    f.name = Sv(name->get_string());
    f.path = std::string(parent_path);
    if (parent_is_list) f.path += "[]";
    if (!f.path.empty()) f.path += '.';
    f.path += f.name;
    for (const Field& prev : out) {
      if (prev.name == f.name) {
        return FieldError(f.path, "duplicate field name");
      }
    }
    RETURN_IF_ERROR(ParseField(o, f, parent_layer, depth));
    out.push_back(std::move(f));
  }
  return OkStatus();
}

Status TaskSchemaParser::ParseField(const json::object& o, Field& f,
                                    std::optional<Layer> parent_layer,
                                    int depth) {
  const json::value* v = o.if_contains("type");
  if (v == nullptr) return FieldError(f.path, "\"type\" is required");
  if (!v->is_string()) return FieldError(f.path, "\"type\" must be a string");
  const std::string_view type_name = Sv(v->get_string());
  bool known = false;
  for (const TypeEntry& e : kTypes) {
    if (e.name == type_name) {
      f.type = e.type;
      known = true;
    }
  }
  if (!known) return FieldError(f.path, "unknown type " + Quoted(type_name));

  for (const auto& kv : o) {
    const std::string_view key(kv.key().data(), kv.key().size());
    if (!KeyAllowed(f.type, key)) {
      return FieldError(f.path, "unknown key " + Quoted(key) + " for type " +
                                    Quoted(type_name));
    }
  }

  if ((v = o.if_contains("description")) != nullptr) {
    if (!v->is_string()) {
      return FieldError(f.path, "\"description\" must be a string");
    }
    f.description = Sv(v->get_string());
  }
  if ((v = o.if_contains("required")) != nullptr) {
    if (!v->is_bool()) {
      return FieldError(f.path, "\"required\" must be true or false");
    }
    f.required = v->get_bool();
  }
  if ((v = o.if_contains("layer")) != nullptr) {
    const std::string_view layer = v->is_string() ? Sv(v->get_string()) : "";
    if (layer == "descriptive") {
      f.layer = Layer::kDescriptive;
    } else if (layer == "interpretive") {
      f.layer = Layer::kInterpretive;
    } else {
      return FieldError(
          f.path, "\"layer\" must be \"descriptive\" or \"interpretive\"");
    }
  } else if (parent_layer) {
    f.layer = *parent_layer;
  } else {
    return FieldError(f.path, "\"layer\" is required on top-level fields");
  }

  auto items_bounds = [&]() -> Status {
    if ((v = o.if_contains("min_items")) != nullptr) {
      std::optional<int64_t> n = AsInteger(*v, 0, UINT32_MAX);
      if (!n) {
        return FieldError(f.path,
                          "\"min_items\" must be a non-negative integer");
      }
      f.min_items = static_cast<uint32_t>(*n);
    }
    if ((v = o.if_contains("max_items")) != nullptr) {
      std::optional<int64_t> n = AsInteger(*v, 1, UINT32_MAX);
      if (!n) return FieldError(f.path, "\"max_items\" must be at least 1");
      f.max_items = static_cast<uint32_t>(*n);
    }
    if (f.max_items && f.min_items > *f.max_items) {
      return FieldError(f.path, "min_items " + std::to_string(f.min_items) +
                                    " > max_items " +
                                    std::to_string(*f.max_items));
    }
    return OkStatus();
  };

  auto parse_levels = [&]() -> Status {
    v = o.if_contains("levels");
    if (v == nullptr) return FieldError(f.path, "\"levels\" is required");
    if (!v->is_array() || v->get_array().size() < 2) {
      return FieldError(f.path,
                        "\"levels\" must be an array of at least 2 strings");
    }
    for (const json::value& l : v->get_array()) {
      if (!l.is_string() || l.get_string().empty()) {
        return FieldError(f.path, "\"levels\" must be non-empty strings");
      }
      const std::string_view level = Sv(l.get_string());
      if (f.FindLevel(level) >= 0) {
        return FieldError(f.path, "duplicate level " + Quoted(level));
      }
      f.levels.emplace_back(level);
    }
    return OkStatus();
  };

  switch (f.type) {
    case FieldType::kCategorical:
      RETURN_IF_ERROR(ParseCategories(o, f));
      break;
    case FieldType::kMultiCategorical:
      RETURN_IF_ERROR(ParseCategories(o, f));
      RETURN_IF_ERROR(items_bounds());
      if (!f.open && f.min_items > f.categories.size()) {
        return FieldError(f.path, "min_items " + std::to_string(f.min_items) +
                                      " exceeds the " +
                                      std::to_string(f.categories.size()) +
                                      " categories");
      }
      break;
    case FieldType::kOrdinal:
      RETURN_IF_ERROR(parse_levels());
      break;
    case FieldType::kNumeric:
      if ((v = o.if_contains("unit")) != nullptr) {
        if (!v->is_string() || v->get_string().empty()) {
          return FieldError(f.path, "\"unit\" must be a non-empty string");
        }
        f.unit = Sv(v->get_string());
      }
      if ((v = o.if_contains("min")) != nullptr) {
        f.min = AsFiniteNumber(*v);
        if (!f.min) return FieldError(f.path, "\"min\" must be a number");
      }
      if ((v = o.if_contains("max")) != nullptr) {
        f.max = AsFiniteNumber(*v);
        if (!f.max) return FieldError(f.path, "\"max\" must be a number");
      }
      if (f.min && f.max && *f.min > *f.max) {
        return FieldError(f.path, "min " + internal::FormatNumber(*f.min) +
                                      " > max " +
                                      internal::FormatNumber(*f.max));
      }
      if ((v = o.if_contains("integer")) != nullptr) {
        if (!v->is_bool()) {
          return FieldError(f.path, "\"integer\" must be true or false");
        }
        f.integer = v->get_bool();
      }
      break;
    case FieldType::kBoolean:
    case FieldType::kTextSpan:
      break;
    case FieldType::kText:
      f.max_length = kDefaultTextMaxLength;
      if ((v = o.if_contains("max_length")) != nullptr) {
        std::optional<int64_t> n = AsInteger(*v, 1, kMaxTextMaxLength);
        if (!n) {
          return FieldError(f.path,
                            "\"max_length\" must be an integer in [1, " +
                                std::to_string(kMaxTextMaxLength) + "]");
        }
        f.max_length = static_cast<uint32_t>(*n);
      }
      break;
    case FieldType::kList:
    case FieldType::kGroup: {
      if (depth + 1 > kMaxFieldDepth) {
        return FieldError(f.path, "nested deeper than " +
                                      std::to_string(kMaxFieldDepth) +
                                      " lists/groups");
      }
      if (f.type == FieldType::kList) RETURN_IF_ERROR(items_bounds());
      v = o.if_contains("fields");
      if (v == nullptr) return FieldError(f.path, "\"fields\" is required");
      RETURN_IF_ERROR(ParseFields(*v, f.path, f.type == FieldType::kList,
                                  f.layer, depth + 1, f.fields));
      break;
    }
    case FieldType::kImageRegion:
      if ((v = o.if_contains("shapes")) != nullptr) {
        if (!v->is_array() || v->get_array().empty()) {
          return FieldError(f.path, "\"shapes\" must be a non-empty array");
        }
        f.allow_box = f.allow_polygon = false;
        for (const json::value& s : v->get_array()) {
          const std::string_view shape =
              s.is_string() ? Sv(s.get_string()) : "";
          bool& slot = shape == "box" ? f.allow_box : f.allow_polygon;
          if (shape != "box" && shape != "polygon") {
            return FieldError(
                f.path, "\"shapes\" entries must be \"box\" or \"polygon\"");
          }
          if (slot)
            return FieldError(f.path, "duplicate shape " + Quoted(shape));
          slot = true;
        }
      }
      break;
    case FieldType::kConfidence: {
      std::string_view scale = "probability";
      if ((v = o.if_contains("scale")) != nullptr) {
        scale = v->is_string() ? Sv(v->get_string()) : "";
      }
      if (scale == "probability") {
        f.scale = ConfidenceScale::kProbability;
        if (o.contains("levels")) {
          return FieldError(f.path,
                            "\"levels\" requires \"scale\": \"ordinal\"");
        }
      } else if (scale == "ordinal") {
        f.scale = ConfidenceScale::kOrdinal;
        RETURN_IF_ERROR(parse_levels());
      } else {
        return FieldError(f.path,
                          "\"scale\" must be \"probability\" or \"ordinal\"");
      }
      break;
    }
  }
  return ParseMetric(o, f);
}

Status TaskSchemaParser::ParseCategories(const json::object& o, Field& f) {
  const json::value* v = o.if_contains("code_system");
  if (v != nullptr) {
    const std::string_view cs = v->is_string() ? Sv(v->get_string()) : "";
    if (cs == "icd10") {
      f.code_system = CodeSystem::kIcd10;
    } else if (cs == "snomedct") {
      f.code_system = CodeSystem::kSnomedCt;
    } else if (cs == "local") {
      f.code_system = CodeSystem::kLocal;
    } else {
      return FieldError(f.path,
                        "\"code_system\" must be \"icd10\", \"snomedct\" or "
                        "\"local\"");
    }
  }
  if ((v = o.if_contains("open")) != nullptr) {
    if (!v->is_bool()) {
      return FieldError(f.path, "\"open\" must be true or false");
    }
    f.open = v->get_bool();
    if (f.open && f.code_system != CodeSystem::kIcd10 &&
        f.code_system != CodeSystem::kSnomedCt) {
      return FieldError(f.path,
                        "\"open\" requires \"code_system\" \"icd10\" or "
                        "\"snomedct\"");
    }
  }
  v = o.if_contains("categories");
  if (v == nullptr) {
    if (f.open) return OkStatus();
    return FieldError(f.path, "\"categories\" is required");
  }
  if (!v->is_array()) {
    return FieldError(f.path, "\"categories\" must be an array");
  }
  const json::array& arr = v->get_array();
  if (arr.empty() && !f.open) return FieldError(f.path, "empty categories");
  if (arr.size() > kMaxCategories) {
    return FieldError(
        f.path, "more than " + std::to_string(kMaxCategories) + " categories");
  }
  f.categories.reserve(arr.size());
  for (const json::value& c : arr) {
    Category cat;
    if (c.is_string()) {
      cat.code = Sv(c.get_string());
    } else if (c.is_object()) {
      const json::object& co = c.get_object();
      for (const auto& kv : co) {
        const std::string_view key(kv.key().data(), kv.key().size());
        if (key != "code" && key != "label") {
          return FieldError(f.path,
                            "unknown key " + Quoted(key) + " in a category");
        }
      }
      const json::value* code = co.if_contains("code");
      const json::value* label = co.if_contains("label");
      if (code == nullptr || !code->is_string()) {
        return FieldError(f.path, "a category object needs a string \"code\"");
      }
      if (label != nullptr && !label->is_string()) {
        return FieldError(f.path, "a category \"label\" must be a string");
      }
      cat.code = Sv(code->get_string());
      if (label != nullptr) cat.label = Sv(label->get_string());
    } else {
      return FieldError(
          f.path,
          "categories must be strings or {\"code\", \"label\"} objects");
    }
    if (cat.code.empty() || cat.code.size() > 200) {
      return FieldError(f.path, "a category code must have 1 to 200 bytes");
    }
    if (f.code_system == CodeSystem::kIcd10 && !IsValidIcd10Code(cat.code)) {
      return FieldError(f.path, "invalid ICD-10 code " + Quoted(cat.code));
    }
    if (f.code_system == CodeSystem::kSnomedCt &&
        !IsValidSnomedCtConceptId(cat.code)) {
      return FieldError(f.path,
                        "invalid SNOMED CT concept id " + Quoted(cat.code));
    }
    if (f.FindCategory(cat.code) >= 0) {
      return FieldError(f.path, "duplicate category " + Quoted(cat.code));
    }
    f.categories.push_back(std::move(cat));
  }
  return OkStatus();
}

Status TaskSchemaParser::ParseMetric(const json::object& o, Field& f) {
  const std::vector<Metric> allowed = AllowedMetrics(f);
  const json::value* v = o.if_contains("metric");
  if (v == nullptr) {
    f.metric = DefaultMetric(f);
    return OkStatus();
  }
  const std::string_view name = v->is_string() ? Sv(v->get_string()) : "";
  std::optional<Metric> metric;
  for (const MetricEntry& e : kMetrics) {
    if (e.name == name && e.metric != Metric::kNone) metric = e.metric;
  }
  if (!metric) return FieldError(f.path, "unknown metric " + Quoted(name));
  if (std::find(allowed.begin(), allowed.end(), *metric) == allowed.end()) {
    std::string rule = "metric " + Quoted(name) + " does not fit type " +
                       Quoted(FieldTypeName(f.type));
    if (allowed.empty()) {
      rule += " (it takes no metric)";
    } else {
      rule += " (allowed: ";
      for (size_t i = 0; i < allowed.size(); ++i) {
        if (i > 0) rule += ", ";
        rule += MetricName(allowed[i]);
      }
      rule += ")";
    }
    return FieldError(f.path, rule);
  }
  if (*metric == Metric::kRatio && f.type == FieldType::kNumeric &&
      (!f.min || *f.min < 0)) {
    return FieldError(f.path, "metric \"ratio\" requires \"min\" >= 0");
  }
  f.metric = *metric;
  return OkStatus();
}

StatusOr<TaskSchema> TaskSchema::Parse(std::string_view json_text) {
  TaskSchemaParser parser;
  return parser.Run(json_text);
}

}  // namespace consilium::schemas
