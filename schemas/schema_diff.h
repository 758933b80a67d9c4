// Differences between two task-schema versions, for
// `consilium schema diff ID@A ID@B` and for reviewing a new version before it
// is published.
//
// Thread-safety: pure functions over immutable inputs.
//
//   SchemaDiff d = Diff(v2, v3);
//   std::cout << RenderText(d);
//   // schema diff dx-reasoning@2 -> dx-reasoning@3
//   // + what_would_change (text, interpretive, optional)
//   // ~ primary_diagnosis: categories added: I50.9
//   // ~ confidence: required: false -> true
#ifndef CONSILIUM_SCHEMAS_SCHEMA_DIFF_H_
#define CONSILIUM_SCHEMAS_SCHEMA_DIFF_H_

#include <string>
#include <vector>

#include "schemas/task_schema.h"

namespace consilium::schemas {

// One aspect of a field (or of the schema header) that differs.
// `aspect` is one of: type, required, layer, metric, code_system, open,
// categories added, categories removed, category label, levels, unit, range,
// integer, max_length, items, shapes, scale, description (fields); id,
// title, description (schema header). For "categories added/removed" `from`
// is empty and `to` lists the codes, comma-separated.
struct AspectChange {
  std::string aspect;
  std::string from;
  std::string to;

  friend bool operator==(const AspectChange&, const AspectChange&) = default;
};

struct FieldChange {
  enum class Kind { kAdded, kRemoved, kChanged };
  Kind kind = Kind::kChanged;
  std::string path;  // schema path ("differential[].excluded_because")
  // kAdded / kRemoved: a one-line summary of the field ("text, interpretive,
  // optional"); kChanged: empty.
  std::string summary;
  std::vector<AspectChange> changes;  // kChanged only, in the order above
};

struct SchemaDiff {
  std::string from;                  // "dx-reasoning@2"
  std::string to;                    // "dx-reasoning@3"
  std::vector<AspectChange> header;  // id, title, description
  std::vector<FieldChange> fields;   // sorted by path
  bool empty() const { return header.empty() && fields.empty(); }
};

// Compares `a` (old) with `b` (new). Fields are matched by schema path; a
// removed or added list or group reports its descendants too. The version,
// parent and changelog are not compared (they always differ).
SchemaDiff Diff(const TaskSchema& a, const TaskSchema& b);

// Human-readable rendering, one line per header change or field:
//   schema diff A -> B
//   ~ title: "old" -> "new"
//   + path (summary)
//   - path (summary)
//   ~ path: aspect: from -> to; aspect: ...
// "no differences" when the diff is empty. Ends with a newline.
std::string RenderText(const SchemaDiff& diff);

}  // namespace consilium::schemas

#endif  // CONSILIUM_SCHEMAS_SCHEMA_DIFF_H_
