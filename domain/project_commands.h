// ProjectCommands: what an admin does within a project (schemas, record
// imports, calibration batches, assignments, gold answers) and the access
// record every read path writes. Checks and drafts only; WriteCore orders,
// appends and applies (docs/commands.md).
//
// Thread-safety: every method may be called from any thread concurrently.
//
//   ProjectCommands project(&core);
//   auto c = project.Assign("admin", "p1", "rec-1", "dr-a");
#ifndef CONSILIUM_DOMAIN_PROJECT_COMMANDS_H_
#define CONSILIUM_DOMAIN_PROJECT_COMMANDS_H_

#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "domain/commands.h"
#include "domain/write_core.h"

namespace consilium::domain {

class ProjectCommands {
 public:
  // `core` is not owned and must outlive this object.
  explicit ProjectCommands(WriteCore* core) : core_(core) {}

  // Publishes a task-schema document (docs/schema-language.md). Its version
  // must be the next one for its id (1 for a new id); version > 1 names its
  // parent (checked by the parser). AlreadyExists for a published id@version,
  // FailedPrecondition when a version is skipped. Actor: global admin.
  StatusOr<Committed> PublishSchema(std::string_view actor,
                                    std::string_view definition);

  // Imports records (docs/commands.md, "Records"), one per input line
  // (render::ParseRecordLines; a line that could not be read is reported as
  // rejected). Rejected lines append nothing; the valid ones are appended
  // together. With `atomic`, any rejected line means nothing is appended.
  // NotFound (whole command) for an unknown project. Actor: admin of the
  // project.
  StatusOr<BulkReport> ImportRecords(std::string_view actor,
                                     std::string_view project_id,
                                     std::span<const RecordLine> lines,
                                     bool atomic);

  // A calibration batch: a named, non-empty set of distinct records of the
  // project. Actor: admin of the project.
  StatusOr<Committed> CreateBatch(std::string_view actor,
                                  std::string_view project_id,
                                  std::string_view batch_id,
                                  std::span<const std::string> record_ids);

  // Assigns a record of the project to a person holding the annotator role
  // there. Actor: admin of the project.
  StatusOr<Committed> Assign(std::string_view actor,
                             std::string_view project_id,
                             std::string_view record_id,
                             std::string_view annotator_id);
  StatusOr<Committed> RevokeAssignment(std::string_view actor,
                                       std::string_view project_id,
                                       std::string_view record_id,
                                       std::string_view annotator_id,
                                       std::string_view reason);

  // A reference answer for a record under a schema version, validated like
  // an annotation. A later one for the same record and version supersedes
  // it. Actor: admin of the record's project.
  StatusOr<Committed> RecordGoldAnswer(std::string_view actor,
                                       const GoldAnswerCommand& cmd);

  // Records that `actor` read (or was refused) a resource. Every read path
  // calls this before data leaves the server: it returns only once the
  // AccessRecorded event is durable. An allowed access to a record or
  // annotation that does not exist is NotFound (nothing may be served);
  // denied attempts are recorded whatever they name.
  StatusOr<Committed> RecordAccess(std::string_view actor,
                                   const RecordAccessCommand& cmd);
  // The same, asynchronously: the checks run and the event is queued (its
  // order fixed) before this returns; `done` runs once it is durable, on the
  // ledger's acknowledger thread (keep it short), or on this thread for a
  // rejected command. For callers that record many reads at once.
  void RecordAccessAsync(std::string_view actor, const RecordAccessCommand& cmd,
                         Callback done);

 private:
  WriteCore* core_;
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_PROJECT_COMMANDS_H_
