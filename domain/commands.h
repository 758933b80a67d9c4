// CommandHandler: turns clinical annotation work into events. Each command is
// validated in full against the current DomainState and its input before its
// event is built; only then is the event appended, and once the ledger has
// made it durable the handler applies it to its state. A rejected command
// appends nothing and returns a specific error (docs/commands.md lists every
// rule and message):
//
//   InvalidArgument    bad input (malformed id, invalid values, bad JSON)
//   NotFound           unknown project, record, schema, principal, annotation
//   AlreadyExists      duplicate id
//   FailedPrecondition the state forbids it (not assigned, withdrawn, ...)
//   PermissionDenied   the actor or the annotator lacks a role
//   Aborted            stale expected revision (a concurrent change won)
//
// Concurrency (docs/commands.md, "Concurrency"): annotation commands (submit,
// revise, withdraw) validate and encode on the caller's thread holding only a
// shared gate, reserve their annotation id under a short lock, and append
// asynchronously; the ledger's acknowledger thread applies each synced group of
// committed events in sequence order, from the ledger's stamped bytes, before
// completing their callers. Two commands on the same annotation can never both
// commit: the second to reserve is rejected with Aborted. Commands that
// change structure (projects, principals, roles, schemas, records, batches,
// assignments, gold answers) take the gate exclusively for their whole
// validate-append-apply, so annotation commands always validate against a
// state in which every earlier structural change is applied.
//
// The ordering machinery (gate, reservations, ordered apply) is WriteCore's
// (domain/write_core.h); the handler checks and drafts. It is the only writer
// of domain events to its ledger while it is open: a second handler on the
// same Ledger is refused (FailedPrecondition); events appended around it by
// other means are seen on the next Open.
//
// Thread-safety: every method may be called from any thread concurrently.
//
//   auto h = CommandHandler::Open(ledger.get(), {});
//   Status s = (*h)->CreateProject("admin", {.id = "p1", .name =
//   "Sepsis"}).status(); StatusOr<Committed> c = (*h)->SubmitAnnotation("dr-a",
//   {
//       .annotation_id = "a-17", .record_id = "rec-1", .annotator_id = "dr-a",
//       .schema_id = "dx-reasoning", .schema_version = 3, .values = json});
#ifndef CONSILIUM_DOMAIN_COMMANDS_H_
#define CONSILIUM_DOMAIN_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "domain/domain_state.h"
#include "domain/write_core.h"
#include "ledger/ledger.h"

namespace consilium::domain {

struct CommandHandlerOptions {
  // Token expiry is computed from this clock. Not owned.
  Clock* clock = SystemClock();
  // Lifetime of a bearer token issued by RegisterPrincipal / IssueToken.
  int64_t token_ttl_us = int64_t{90} * 24 * 3600 * 1'000'000;
  // Source of token bytes; empty = OpenSSL RAND_bytes. A test seam.
  std::function<Status(std::span<uint8_t>)> random_bytes{};
};

struct CreateProjectCommand {
  std::string id{};
  std::string name{};
  uint32_t overlap_target = 0;
  bool blind_mode = false;
};

struct RoleSpec {
  fb::Role role = fb::Role::Unspecified;
  std::string project{};  // empty: global
};

struct RegisterPrincipalCommand {
  std::string id{};
  fb::PrincipalKind kind = fb::PrincipalKind::Person;
  std::string display_name{};
  std::string pseudonym{};  // empty: assigned ("P-000001", models "M-000002")
  std::string model_name{};
  std::string model_version{};
  std::vector<RoleSpec> roles{};
};

// A bearer token, shown once. Only its SHA-256 is in the ledger.
struct IssuedToken {
  std::string token{};  // "csl_" + base64url of 32 random bytes
  int64_t expires_at_us = 0;
};

struct RegisteredPrincipal {
  IssuedToken token{};
  std::vector<Committed>
      events{};  // PrincipalRegistered, RoleGranted..., TokenIssued
};

struct SubmitAnnotationCommand {
  std::string annotation_id{};
  std::string record_id{};
  std::string annotator_id{};
  std::string schema_id{};
  uint32_t schema_version = 0;
  std::string values{};  // the values JSON object
};

struct ReviseAnnotationCommand {
  std::string annotation_id{};
  uint32_t expected_revision = 0;
  std::string values{};
  std::string reason{};
};

struct WithdrawAnnotationCommand {
  std::string annotation_id{};
  uint32_t expected_revision = 0;
  std::string reason{};  // required
};

// One line of `consilium annotate` (docs/commands.md, "Bulk annotation").
struct AnnotationCommand {
  enum class Op { kSubmit, kRevise, kWithdraw };
  Op op = Op::kSubmit;
  SubmitAnnotationCommand submit{};
  ReviseAnnotationCommand revise{};
  WithdrawAnnotationCommand withdraw{};
  const std::string& annotation_id() const;
};

struct RecordAccessCommand {
  std::string resource_kind{};  // record, annotation, project, schema, batch,
                                // dataset, ledger
  std::string resource_id{};
  std::string action{};  // [a-z_]+: read, list, export, ...
  std::string purpose{};
  bool allowed = false;
  std::string reason{};  // required when denied
};

struct GoldAnswerCommand {
  std::string record_id{};
  std::string schema_id{};
  uint32_t schema_version = 0;
  std::string values{};
};

// A record to import (docs/commands.md, "Records"), as read from one input
// line by render::ParseRecordLine: content and metadata are canonical JSON.
struct ImportRecordCommand {
  std::string id{};
  std::string content{};   // {"images": [...], "text": ...}, keys sorted
  std::string metadata{};  // "{}" when none
};

// One non-blank line of a bulk command's input (render/command_input.h): its
// 1-based number and the command read from it, or why none could be.
template <class C>
struct InputLine {
  size_t line = 0;
  StatusOr<C> command;
};
using RecordLine = InputLine<ImportRecordCommand>;
using AnnotationLine = InputLine<AnnotationCommand>;

// Domain ids (projects, principals, records, batches, annotations): 1-256
// bytes of letters, digits and - _ . : / @. InvalidArgument naming `what`
// ("record id") otherwise.
Status CheckDomainId(std::string_view what, std::string_view id);

class CommandHandler {
 public:
  // Builds the state by scanning `ledger` from its first event. `ledger` is
  // not owned and must outlive the handler. Errors are the ledger's.
  static StatusOr<std::unique_ptr<CommandHandler>> Open(
      Ledger* ledger, CommandHandlerOptions options);

  ~CommandHandler();
  CommandHandler(const CommandHandler&) = delete;
  CommandHandler& operator=(const CommandHandler&) = delete;

  // --- Structure (admin) ---

  // Actor: global admin. AlreadyExists for a known project id.
  StatusOr<Committed> CreateProject(std::string_view actor,
                                    const CreateProjectCommand& cmd);

  // Registers a principal, grants its roles and issues its first token, all
  // in one atomic append. Actor: global admin (any actor while no principal
  // holds the global admin role: bootstrap). A model principal needs
  // model_name and model_version and may hold only the annotator role.
  StatusOr<RegisteredPrincipal> RegisterPrincipal(
      std::string_view actor, const RegisterPrincipalCommand& cmd);

  // A new token for an existing principal. Actor: global admin or the
  // principal itself.
  StatusOr<IssuedToken> IssueToken(std::string_view actor,
                                   std::string_view principal_id);

  // Actor: global admin, or an admin of `role.project` for a project-scoped
  // role other than admin. AlreadyExists when held; RevokeRole: NotFound when
  // not held, FailedPrecondition for the last global admin.
  StatusOr<Committed> GrantRole(std::string_view actor,
                                std::string_view principal_id,
                                const RoleSpec& role);
  StatusOr<Committed> RevokeRole(std::string_view actor,
                                 std::string_view principal_id,
                                 const RoleSpec& role);

  // Publishes a task-schema document (docs/schema-language.md). Its version
  // must be the next one for its id (1 for a new id); version > 1 names its
  // parent (checked by the parser). AlreadyExists for a published id@version,
  // FailedPrecondition when a version is skipped. Actor: global admin.
  StatusOr<Committed> PublishSchema(std::string_view actor,
                                    std::string_view definition);

  // Imports records from JSON lines (docs/commands.md, "Records"). Rejected
  // lines append nothing; the valid ones are appended together. With
  // `atomic`, any rejected line means nothing is appended. NotFound (whole
  // command) for an unknown project. Actor: admin of the project.
  // `lines`: render::ParseRecordLines; a line that could not be read is
  // reported as rejected.
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

  // --- Annotations ---

  // Actor: the annotator, or an admin of the project acting for them.
  // Returns once durable and applied.
  StatusOr<Committed> SubmitAnnotation(std::string_view actor,
                                       const SubmitAnnotationCommand& cmd);
  // Aborted when `expected_revision` is not the current revision (nothing
  // appended); FailedPrecondition when withdrawn.
  StatusOr<Committed> ReviseAnnotation(std::string_view actor,
                                       const ReviseAnnotationCommand& cmd);
  StatusOr<Committed> WithdrawAnnotation(std::string_view actor,
                                         const WithdrawAnnotationCommand& cmd);

  // Asynchronous forms: validation and encoding run on the calling thread;
  // `done` runs once the event is durable and applied (on the ledger's
  // acknowledger thread, or its committer's for a store failure; keep it short,
  // never call the handler or wait on the ledger from it) or, for a command
  // rejected by validation, on the calling thread before this returns.
  using Callback = domain::Callback;
  void SubmitAnnotationAsync(std::string_view actor,
                             const SubmitAnnotationCommand& cmd, Callback done);
  void ReviseAnnotationAsync(std::string_view actor,
                             const ReviseAnnotationCommand& cmd, Callback done);
  void WithdrawAnnotationAsync(std::string_view actor,
                               const WithdrawAnnotationCommand& cmd,
                               Callback done);

  // Bulk annotation commands, one per line (render::ParseAnnotationLines;
  // a line that could not be read is reported as rejected). Without
  // `atomic`, lines run concurrently (a line waits for earlier lines on the
  // same annotation id) and each succeeds or fails alone. With `atomic`,
  // every line is validated against the state plus the effects of the lines
  // before it, and all are appended in one write or none.
  BulkReport Annotate(std::string_view actor,
                      std::span<const AnnotationLine> lines, bool atomic);

  // --- Access ---

  // Records that `actor` read (or was refused) a resource. Every read path
  // calls this before data leaves the server: it returns only once the
  // AccessRecorded event is durable. An allowed access to a record or
  // annotation that does not exist is NotFound (nothing may be served);
  // denied attempts are recorded whatever they name.
  StatusOr<Committed> RecordAccess(std::string_view actor,
                                   const RecordAccessCommand& cmd);

  // Runs fn(const DomainState&) under the state lock (WriteCore::Read): for
  // listings and authorization; `fn` must be short and must not call the
  // handler.
  template <typename Fn>
  auto Read(Fn&& fn) const {
    return core_->Read(std::forward<Fn>(fn));
  }
  // A copy of the whole state, for tests that compare states. It copies
  // every table under the state lock: servers and the CLI use Read.
  DomainState state() const;

 private:
  CommandHandler(std::unique_ptr<WriteCore> core,
                 CommandHandlerOptions options);

  BulkReport AnnotateAtomic(std::string_view actor,
                            std::span<const AnnotationLine> lines);
  StatusOr<IssuedToken> NewToken();

  std::unique_ptr<WriteCore> core_;
  CommandHandlerOptions options_;
};

}  // namespace consilium::domain

#endif  // CONSILIUM_DOMAIN_COMMANDS_H_
