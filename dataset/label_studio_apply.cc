// Label Studio import, step 3: planned tasks checked against the domain
// state and appended, atomic per task (dataset/label_studio.h;
// docs/imports.md, "Atomicity"). Apart from the planning
// (label_studio_import.cc), which is pure and needs no ledger: the
// import_input fuzz target (tests/fuzz/) links that file alone.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "common/hash.h"
#include "dataset/label_studio.h"
#include "domain/authorizer.h"

namespace consilium::dataset::ls {

namespace {

// What the state says of one planned task: ok, and the assignments it needs.
Status CheckTask(const domain::DomainState& s, std::string_view project,
                 const PlannedTask& t, std::set<std::string>& records_seen,
                 std::set<std::string>& annotations_seen, bool* record_exists,
                 std::vector<std::string>* to_assign) {
  const std::string& rid = t.record.id;
  if (!records_seen.insert(rid).second)
    return AlreadyExistsError("record " + rid +
                              " is the record of an earlier task of the file");
  if (const domain::RecordState* r = s.FindRecord(rid); r != nullptr) {
    if (r->project != project || r->content_hash != Sha256(t.record.content))
      return AlreadyExistsError("record " + rid +
                                " already exists with other content");
    *record_exists = true;
  }
  std::set<std::string> assigned;
  for (const PlannedAnnotation& a : t.annotations) {
    if (!annotations_seen.insert(a.annotation_id).second ||
        s.FindAnnotation(a.annotation_id) != nullptr)
      return AlreadyExistsError("annotation " + a.annotation_id +
                                " already exists");
    const domain::PrincipalState* p = s.FindPrincipal(a.annotator);
    if (p == nullptr)
      return NotFoundError("annotator " + a.annotator +
                           " is not a registered principal");
    if (!p->HasRole(fb::Role::Annotator, project))
      return PermissionDeniedError("principal " + a.annotator +
                                   " lacks the annotator role in project " +
                                   std::string(project));
    if (!p->is_model() && !s.IsAssigned(rid, a.annotator) &&
        assigned.insert(a.annotator).second)
      to_assign->push_back(a.annotator);
  }
  return OkStatus();
}

// Appends the records, assignments and annotations of the tasks that
// passed: records in one atomic write, each assignment, annotations in one
// atomic write. Internal when a step fails after the checks passed.
// [compliance] The tasks whose record the de-identification gate holds
// (flagged at this import or held since an earlier one: docs/deid.md):
// their record stays imported and held; their assignments and annotations
// wait for the review, and a later run of the same import adds them.
void HoldFlaggedTasks(const domain::CommandHandler& handler,
                      ImportReport& report) {
  handler.Read([&](const domain::DomainState& s) {
    for (TaskOutcome& out : report.tasks) {
      if (!out.status.ok()) continue;
      const domain::RecordState* r = s.FindRecord(out.record_id);
      if (r == nullptr || !r->quarantined()) continue;
      out.status = FailedPreconditionError(
          "record " + out.record_id +
          " is held by the de-identification gate (RecordQuarantined at "
          "seq " +
          std::to_string(r->quarantined_seq) +
          "): its annotations are imported by running this import again "
          "after a reviewer releases or redacts it (`consilium deid queue`)");
    }
    return 0;
  });
}

Status AppendTasks(domain::CommandHandler& handler, std::string_view actor,
                   std::string_view project, const Mapping& m,
                   std::vector<PlannedTask>& tasks,
                   const std::vector<std::vector<std::string>>& assign,
                   ImportReport& report,
                   const std::function<void(uint64_t, uint64_t)>& progress) {
  const uint64_t n = tasks.size();
  auto tell = [&](uint64_t done) {
    if (progress) progress(done, n);
  };
  std::vector<domain::RecordLine> records;
  std::vector<domain::AnnotationLine> annotations;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const TaskOutcome& out = report.tasks[i];
    if (out.status.ok() && out.record_imported)
      records.push_back({i + 1, tasks[i].record});
  }
  auto failed = [](std::string_view step, const Status& s) {
    return InternalError("label-studio import: " + std::string(step) +
                         " failed after every check passed: " + s.ToString());
  };
  if (!records.empty()) {
    StatusOr<domain::BulkReport> r =
        handler.ImportRecords(actor, project, records, /*atomic=*/true);
    if (!r.ok()) return failed("importing the records", r.status());
    for (const auto& l : r->lines) {
      if (!l.status.ok()) return failed("importing the records", l.status);
      report.last_seq = std::max(report.last_seq, l.committed.seq);
    }
  }
  HoldFlaggedTasks(handler, report);
  for (size_t i = 0; i < tasks.size(); ++i) {
    TaskOutcome& out = report.tasks[i];
    if (!out.status.ok()) continue;
    for (PlannedAnnotation& a : tasks[i].annotations) {
      domain::AnnotationCommand c;
      c.submit = {.annotation_id = a.annotation_id,
                  .record_id = out.record_id,
                  .annotator_id = a.annotator,
                  .schema_id = m.schema_id,
                  .schema_version = m.schema_version,
                  .values = std::move(a.values)};
      out.annotation_ids.push_back(a.annotation_id);
      annotations.push_back({annotations.size() + 1, std::move(c)});
    }
  }
  tell(0);
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (!report.tasks[i].status.ok()) continue;
    for (const std::string& who : assign[i]) {
      StatusOr<Committed> c =
          handler.Assign(actor, project, report.tasks[i].record_id, who);
      if (!c.ok()) return failed("assigning " + who, c.status());
      report.last_seq = std::max(report.last_seq, c->seq);
      ++report.tasks[i].assignments;
    }
    // Short of n until the annotations are in.
    if (i + 1 < tasks.size()) tell(i + 1);
  }
  if (!annotations.empty()) {
    domain::BulkReport r = handler.Annotate(actor, annotations, true);
    for (const auto& l : r.lines) {
      if (!l.status.ok()) return failed("submitting the annotations", l.status);
      report.last_seq = std::max(report.last_seq, l.committed.seq);
    }
  }
  tell(n);
  return OkStatus();
}

}  // namespace

StatusOr<ImportReport> ImportPlan(
    domain::CommandHandler& handler, std::string_view actor,
    std::string_view project, const Mapping& m, std::vector<PlannedTask> tasks,
    const std::function<void(uint64_t done, uint64_t total)>& progress) {
  ImportReport report;
  std::vector<std::vector<std::string>> assign(tasks.size());
  // The CLI holds the ledger alone (RocksDB's LOCK, one WriteCore), so the
  // state read here is the state the appends below are checked against.
  Status checked = handler.Read([&](const domain::DomainState& s) -> Status {
    if (Status a = domain::Authorizer(s, actor).AdminOfProject(project);
        !a.ok())
      return a;
    if (s.FindSchema(m.schema_id, m.schema_version) == nullptr)
      return NotFoundError("schema " + m.schema_id + "@" +
                           std::to_string(m.schema_version) + " not found");
    std::set<std::string> records_seen, annotations_seen;
    for (size_t i = 0; i < tasks.size(); ++i) {
      PlannedTask& t = tasks[i];
      TaskOutcome out{.index = t.index,
                      .ls_id = t.ls_id,
                      .record_id = t.record.id,
                      .status = t.status,
                      .mapped = std::move(t.mapped),
                      .unmapped = std::move(t.unmapped)};
      bool exists = false;
      if (out.status.ok()) {
        out.status = CheckTask(s, project, t, records_seen, annotations_seen,
                               &exists, &assign[i]);
        if (!out.status.ok())
          out.status = out.status.WithContext("task " + std::to_string(i));
      }
      out.record_imported = out.status.ok() && !exists;
      if (!out.status.ok()) assign[i].clear();
      report.tasks.push_back(std::move(out));
    }
    return OkStatus();
  });
  RETURN_IF_ERROR(checked);
  RETURN_IF_ERROR(
      AppendTasks(handler, actor, project, m, tasks, assign, report, progress));
  for (const TaskOutcome& t : report.tasks) report.imported += t.status.ok();
  return report;
}

}  // namespace consilium::dataset::ls
