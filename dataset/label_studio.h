// Label Studio interchange (docs/imports.md): its JSON export of annotated
// tasks read onto a task schema through a mapping file, and a project's
// annotations written back as Label Studio tasks.
//
// Import, in three steps:
//   1. ParseMapping: the mapping file (which LS control fills which schema
//      field, which LS value is which schema value, who completed_by is).
//   2. PlanImport: pure. Each task of the export becomes a record, the
//      annotations on it (one per LS annotation, values built from its
//      results and checked against the schema on the record's shape) and a
//      report of what mapped and what did not; a task that cannot be mapped
//      in full carries its error (by task index, annotation and result
//      index) and nothing of it is imported.
//   3. ImportPlan: checks every task against the domain state (record new or
//      identical, annotators registered with the annotator role, annotation
//      ids new) and appends the tasks that pass: their records, the
//      assignments the annotators lack, their annotations. Atomic per task.
//
// Export: LabelStudioTask turns one snapshot line (dataset/snapshot.h, with
// content) into one LS task, through the same mapping read backwards.
//
// Thread-safety: pure functions, except ImportPlan, which runs commands
// through the handler (itself thread-safe).
//
//   ASSIGN_OR_RETURN(Mapping m, ParseMapping(mapping_text));
//   ASSIGN_OR_RETURN(auto tasks, PlanImport(export_text, m, schema));
//   ASSIGN_OR_RETURN(ImportReport r, ImportPlan(handler, "admin", "p1",
//   tasks));
#ifndef CONSILIUM_DATASET_LABEL_STUDIO_H_
#define CONSILIUM_DATASET_LABEL_STUDIO_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "domain/command_handler.h"
#include "domain/commands.h"
#include "schemas/task_schema.h"

namespace consilium::dataset::ls {

// The LS result types read and written.
enum class ResultType { kChoices, kTextArea, kLabels, kRectangleLabels };
std::string_view ResultTypeName(ResultType t);

// One LS control (from_name) onto one top-level schema field.
struct FieldMap {
  std::string from_name{};
  ResultType type = ResultType::kChoices;
  std::string field{};  // top-level schema field
  // labels / rectanglelabels into a list field: the item's categorical
  // field that gets the label, and its text_span / image_region field.
  // Both empty: `field` itself is the text_span / image_region.
  std::string label_field{};
  std::string anchor_field{};
  // LS value -> schema value (canonical JSON text); empty: the LS value
  // itself, as a string.
  std::map<std::string, std::string> values{};
};

// One LS image object (to_name) onto one image of the record.
struct ImageMap {
  std::string to_name{};   // the LS object name ("img")
  std::string data_key{};  // the task data key holding its URL ("image")
  std::string name{};      // the record's image name
  uint32_t width = 0;      // pixels; 0: from the results' original_width
  uint32_t height = 0;
};

struct Mapping {
  std::string schema_id{};
  uint32_t schema_version = 0;
  // Record id: the task data key holding it, or (when empty) the prefix
  // followed by the LS task id.
  std::string record_id_key{};
  std::string record_id_prefix = "ls-";
  std::string annotation_id_prefix = "ls:";
  std::string text_key{};  // the task data key holding the record text
  std::vector<ImageMap> images{};
  // completed_by (the user id in decimal, or the user's email, or the
  // string itself) -> principal id.
  std::map<std::string, std::string> annotators{};
  // The pseudo-principal rule: an unmapped completed_by N becomes principal
  // prefix + N (empty: an unmapped annotator is an error of its task).
  std::string annotator_prefix{};
  std::vector<FieldMap> fields{};
};

// Strict: unknown keys, a missing key, a field map naming no schema field of
// a fitting type are InvalidArgument naming the key ("fields[2].type:
// unknown result type \"polygonlabels\""). `schema` is the task schema the
// mapping names (the caller found it by schema_id@schema_version); a
// mapping that does not name it is InvalidArgument.
StatusOr<Mapping> ParseMapping(std::string_view json);
Status CheckMapping(const Mapping& m, const schemas::TaskSchema& schema);

struct PlannedAnnotation {
  std::string annotation_id{};
  std::string annotator{};  // principal id
  std::string values{};     // the values document (canonical JSON)
  size_t ls_index = 0;      // its position in the task's annotations
};

struct PlannedTask {
  size_t index = 0;     // 0-based position in the export's array
  std::string ls_id{};  // the task's "id" as text ("" when absent)
  domain::ImportRecordCommand record{};
  std::vector<PlannedAnnotation> annotations{};
  // "annotation 0 result 1: choices impression -> impression" and
  // "annotation 1 result 0: not mapped (no mapping for from_name \"x\")":
  // what the report lists.
  std::vector<std::string> mapped{};
  std::vector<std::string> unmapped{};
  Status status{};  // not OK: the task is malformed; nothing of it imported
};

// Every task of `export_json` (an array of LS tasks), mapped. Whole-input
// errors (not JSON, not an array, over the limits of common/strict_json.h)
// are InvalidArgument; a task's own problems are in its `status`.
StatusOr<std::vector<PlannedTask>> PlanImport(
    std::string_view export_json, const Mapping& m,
    const schemas::TaskSchema& schema);

struct TaskOutcome {
  size_t index = 0;
  std::string ls_id{};
  std::string record_id{};
  Status status{};
  bool record_imported = false;  // false: it existed with the same content
  size_t assignments = 0;
  std::vector<std::string> annotation_ids{};
  std::vector<std::string> mapped{};
  std::vector<std::string> unmapped{};
};

struct ImportReport {
  std::vector<TaskOutcome> tasks{};
  size_t imported = 0;  // tasks whose annotations were appended
  uint64_t last_seq = 0;
  bool all_ok() const { return imported == tasks.size(); }
};

// Checks each planned task against the state and appends the ones that
// pass (docs/imports.md, "Atomicity"). A task fails whole: its record,
// assignments and annotations are all left out. Errors of the whole
// command: NotFound (project, schema), PermissionDenied (the actor is not
// an admin of the project), and Internal when an append fails after the
// checks passed (the report's text says which step).
// `progress` (may be empty) is called on this thread with the tasks done
// and their count: (0, n) once every task is checked, after the records are
// imported, then as each task's assignments are appended, and (n, n) when
// the annotations are.
StatusOr<ImportReport> ImportPlan(
    domain::CommandHandler& handler, std::string_view actor,
    std::string_view project, const Mapping& m, std::vector<PlannedTask> tasks,
    const std::function<void(uint64_t done, uint64_t total)>& progress = {});

// One snapshot line (canonical JSON with content, dataset/snapshot.h) as an
// LS task (canonical JSON, no newline): `id` the LS task id the record was
// imported with (else `position`, 1-based), `data` the LS data the record
// was imported with plus its text and `record_id_key` (default
// "record_id") = the record id, `annotations` one per annotation of the
// mapping's schema version that is not withdrawn, `completed_by` its
// annotator's pseudonym, results from its current revision through the
// mapping backwards. `skipped_values` counts top-level values no field map
// covers (not exported). InvalidArgument when a value has no LS spelling.
// A record with no content to give is left out (`json` empty, `left_out`
// saying why: "shredded" after crypto-shredding, "held" while the
// de-identification gate holds it); FailedPrecondition for a line with no
// content otherwise (a --content hash export). A revision whose free text
// was shredded exports no textarea answer (counted in `skipped_values`).
struct ExportedTask {
  std::string json{};
  size_t annotations = 0;
  size_t skipped_values = 0;
  std::string left_out{};
};
StatusOr<ExportedTask> LabelStudioTask(std::string_view snapshot_line,
                                       const Mapping& m,
                                       const schemas::TaskSchema& schema,
                                       size_t position);

// UTF-16 code units (LS offsets, JavaScript string indexes) <-> Unicode
// code points (span offsets, docs/schema-language.md) in a UTF-8 text.
// InvalidArgument when the offset is past the end or inside a surrogate
// pair.
StatusOr<size_t> Utf16ToCodePoint(std::string_view utf8, size_t offset);
StatusOr<size_t> CodePointToUtf16(std::string_view utf8, size_t offset);

}  // namespace consilium::dataset::ls

#endif  // CONSILIUM_DATASET_LABEL_STUDIO_H_
