#include "schemas/schema_diff.h"

#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "schemas/internal/strict_json.h"

namespace consilium::schemas {

namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  internal::AppendQuoted(out, s);
  return out;
}

std::string Bool(bool b) { return b ? "true" : "false"; }

bool HasCategories(FieldType t) {
  return t == FieldType::kCategorical || t == FieldType::kMultiCategorical;
}
bool HasLevels(const Field& f) {
  return f.type == FieldType::kOrdinal ||
         (f.type == FieldType::kConfidence &&
          f.scale == ConfidenceScale::kOrdinal);
}
bool HasItems(FieldType t) {
  return t == FieldType::kList || t == FieldType::kMultiCategorical;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

// Built by appending: GCC 12 warns (-Wrestrict, a false positive) on
// `"literal" + std::string&&`.
std::string Range(const Field& f) {
  std::string out = "[";
  out += f.min ? internal::FormatNumber(*f.min) : "-inf";
  out += ", ";
  out += f.max ? internal::FormatNumber(*f.max) : "inf";
  out += "]";
  return out;
}

std::string Items(const Field& f) {
  std::string out = "[";
  out += std::to_string(f.min_items);
  out += ", ";
  out += f.max_items ? std::to_string(*f.max_items) : "*";
  out += "]";
  return out;
}

std::string Shapes(const Field& f) {
  if (f.allow_box && f.allow_polygon) return "box, polygon";
  return f.allow_box ? "box" : "polygon";
}

std::string Summary(const Field& f) {
  std::string s(FieldTypeName(f.type));
  s += ", ";
  s += LayerName(f.layer);
  s += f.required ? ", required" : ", optional";
  return s;
}

void Collect(const std::vector<Field>& fields,
             std::map<std::string, const Field*>& out) {
  for (const Field& f : fields) {
    out.emplace(f.path, &f);
    Collect(f.fields, out);
  }
}

std::vector<AspectChange> CompareFields(const Field& a, const Field& b) {
  std::vector<AspectChange> c;
  auto add = [&](std::string_view aspect, std::string from, std::string to) {
    if (from != to)
      c.push_back({std::string(aspect), std::move(from), std::move(to)});
  };
  add("type", std::string(FieldTypeName(a.type)),
      std::string(FieldTypeName(b.type)));
  add("required", Bool(a.required), Bool(b.required));
  add("layer", std::string(LayerName(a.layer)),
      std::string(LayerName(b.layer)));
  add("metric", std::string(MetricName(a.metric)),
      std::string(MetricName(b.metric)));
  if (HasCategories(a.type) && HasCategories(b.type)) {
    add("code_system", std::string(CodeSystemName(a.code_system)),
        std::string(CodeSystemName(b.code_system)));
    add("open", Bool(a.open), Bool(b.open));
    std::vector<std::string> added, removed;
    for (const Category& cat : b.categories) {
      if (a.FindCategory(cat.code) < 0) added.push_back(cat.code);
    }
    for (const Category& cat : a.categories) {
      if (b.FindCategory(cat.code) < 0) removed.push_back(cat.code);
    }
    if (!added.empty()) c.push_back({"categories added", "", Join(added)});
    if (!removed.empty()) {
      c.push_back({"categories removed", "", Join(removed)});
    }
    for (const Category& cat : a.categories) {
      const int j = b.FindCategory(cat.code);
      if (j >= 0 && b.categories[j].label != cat.label) {
        c.push_back({"category label", cat.code + ": " + Quoted(cat.label),
                     cat.code + ": " + Quoted(b.categories[j].label)});
      }
    }
  }
  if (HasLevels(a) && HasLevels(b))
    add("levels", Join(a.levels), Join(b.levels));
  if (a.type == FieldType::kNumeric && b.type == FieldType::kNumeric) {
    add("unit", Quoted(a.unit), Quoted(b.unit));
    add("range", Range(a), Range(b));
    add("integer", Bool(a.integer), Bool(b.integer));
  }
  if (a.type == FieldType::kText && b.type == FieldType::kText) {
    add("max_length", std::to_string(a.max_length),
        std::to_string(b.max_length));
  }
  if (HasItems(a.type) && HasItems(b.type)) add("items", Items(a), Items(b));
  if (a.type == FieldType::kImageRegion && b.type == FieldType::kImageRegion) {
    add("shapes", Shapes(a), Shapes(b));
  }
  if (a.type == FieldType::kConfidence && b.type == FieldType::kConfidence) {
    add("scale", std::string(ConfidenceScaleName(a.scale)),
        std::string(ConfidenceScaleName(b.scale)));
  }
  add("description", Quoted(a.description), Quoted(b.description));
  return c;
}

}  // namespace

SchemaDiff Diff(const TaskSchema& a, const TaskSchema& b) {
  SchemaDiff d;
  d.from = a.Ref();
  d.to = b.Ref();
  auto header = [&](std::string_view aspect, const std::string& from,
                    const std::string& to) {
    if (from != to)
      d.header.push_back({std::string(aspect), Quoted(from), Quoted(to)});
  };
  header("id", a.id(), b.id());
  header("title", a.title(), b.title());
  header("description", a.description(), b.description());

  std::map<std::string, const Field*> fa, fb;
  Collect(a.fields(), fa);
  Collect(b.fields(), fb);
  auto ia = fa.begin();
  auto ib = fb.begin();
  // Merge the two sorted path maps.
  while (ia != fa.end() || ib != fb.end()) {
    FieldChange fc;
    if (ib == fb.end() || (ia != fa.end() && ia->first < ib->first)) {
      fc.kind = FieldChange::Kind::kRemoved;
      fc.path = ia->first;
      fc.summary = Summary(*ia->second);
      ++ia;
    } else if (ia == fa.end() || ib->first < ia->first) {
      fc.kind = FieldChange::Kind::kAdded;
      fc.path = ib->first;
      fc.summary = Summary(*ib->second);
      ++ib;
    } else {
      fc.kind = FieldChange::Kind::kChanged;
      fc.path = ia->first;
      fc.changes = CompareFields(*ia->second, *ib->second);
      ++ia;
      ++ib;
      if (fc.changes.empty()) continue;
    }
    d.fields.push_back(std::move(fc));
  }
  return d;
}

std::string RenderText(const SchemaDiff& diff) {
  std::string out = "schema diff " + diff.from + " -> " + diff.to + "\n";
  if (diff.empty()) return out + "no differences\n";
  for (const AspectChange& h : diff.header) {
    out += "~ " + h.aspect + ": " + h.from + " -> " + h.to + "\n";
  }
  for (const FieldChange& f : diff.fields) {
    switch (f.kind) {
      case FieldChange::Kind::kAdded:
        out += "+ " + f.path + " (" + f.summary + ")\n";
        break;
      case FieldChange::Kind::kRemoved:
        out += "- " + f.path + " (" + f.summary + ")\n";
        break;
      case FieldChange::Kind::kChanged: {
        out += "~ " + f.path + ":";
        bool first = true;
        for (const AspectChange& c : f.changes) {
          out += first ? " " : "; ";
          first = false;
          if (c.from.empty() && c.aspect.starts_with("categories")) {
            out += c.aspect + ": " + c.to;
          } else {
            out += c.aspect + ": " + c.from + " -> " + c.to;
          }
        }
        out += "\n";
        break;
      }
    }
  }
  return out;
}

}  // namespace consilium::schemas
