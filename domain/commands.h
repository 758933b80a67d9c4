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
// The handler must be the only writer of domain events to its ledger while it
// is open (events appended around it are seen on the next Open).
//
// Thread-safety: every method may be called from any thread concurrently.
//
//   auto h = CommandHandler::Open(ledger.get(), {});
//   Status s = (*h)->CreateProject("admin", {.id = "p1", .name =
//   "Sepsis"}).status(); StatusOr<Committed> c = (*h)->SubmitAnnotation("dr-a",
//   {
//       .annotation_id = "a-17", .record_id = "rec-1", .annotator_id = "dr-a",
//       .schema_id = "dx-reasoning", .schema_version = 3, .values = json});
#ifndef CONSILIUM_PROJECTIONS_COMMANDS_H_
#define CONSILIUM_PROJECTIONS_COMMANDS_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "ledger/ledger.h"
#include "domain/domain_state.h"

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

// The outcome of one input line of a bulk command.
struct LineOutcome {
  size_t line = 0;   // 1-based line number in the input
  std::string id{};  // record or annotation id, when the line had one
  Status status{};
  Committed committed{};  // when status is OK
};

struct BulkReport {
  std::vector<LineOutcome> lines{};  // non-blank lines, in input order
  size_t appended = 0;
  bool all_ok() const { return appended == lines.size(); }
};

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
  using Callback = std::function<void(StatusOr<Committed>)>;
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

  // A copy of the current state (for listings and tests), and a way to read
  // it without copying: `fn` runs under the state lock and must not call the
  // handler.
  DomainState state() const;
  template <typename Fn>
  auto WithState(Fn&& fn) const {
    std::lock_guard l(state_mu_);
    return fn(state_);
  }

 private:
  class Gate;
  struct AnnotationPlan;
  struct Overlay;
  // An annotation command by reference: the single-command entry points
  // (SubmitAnnotation...) pass theirs without copying it, values included.
  struct AnnotationRef {
    AnnotationCommand::Op op = AnnotationCommand::Op::kSubmit;
    const SubmitAnnotationCommand* submit = nullptr;
    const ReviseAnnotationCommand* revise = nullptr;
    const WithdrawAnnotationCommand* withdraw = nullptr;
    explicit AnnotationRef(const AnnotationCommand& c)
        : op(c.op),
          submit(&c.submit),
          revise(&c.revise),
          withdraw(&c.withdraw) {}
    explicit AnnotationRef(const SubmitAnnotationCommand& c)
        : op(AnnotationCommand::Op::kSubmit), submit(&c) {}
    explicit AnnotationRef(const ReviseAnnotationCommand& c)
        : op(AnnotationCommand::Op::kRevise), revise(&c) {}
    explicit AnnotationRef(const WithdrawAnnotationCommand& c)
        : op(AnnotationCommand::Op::kWithdraw), withdraw(&c) {}
    const std::string& annotation_id() const;
  };

  CommandHandler(Ledger* ledger, CommandHandlerOptions options);

  // Appends `drafts` atomically and applies them. Call with the gate held
  // exclusively.
  StatusOr<std::vector<Committed>> CommitStructural(
      std::vector<EventDraft> drafts);
  // The end of a bulk command: `drafts` are the accepted lines of `report`
  // (at `draft_line`, in order). When `atomic` and any line was rejected,
  // none is appended and each accepted line says why; otherwise they are
  // committed together (CommitStructural) and each line gets its outcome.
  // Call with the gate held exclusively.
  void CommitLines(std::vector<EventDraft> drafts,
                   const std::vector<size_t>& draft_line, bool atomic,
                   BulkReport& report);
  // Waits until no annotation command is between reservation and apply and
  // every appended event is applied. Call with the gate held exclusively (so
  // none can start).
  void DrainPending();
  // Appends one draft asynchronously; applies it in commit order, releases
  // `reserved` (an annotation id, may be empty) and then calls `done`. The
  // caller has already counted it in unapplied_ (under settle_mu_).
  void AppendAndApply(EventDraft draft, std::string reserved, Callback done);
  // AppendAndApply's ledger callback (see commands.cc).
  void OnAppended(const Ledger::AppendedEvent& e, std::string reserved,
                  Callback done);
  // Phase A+B of an annotation command: checks against the state (plus
  // `overlay` in atomic bulk mode), validates the values, builds the draft.
  StatusOr<AnnotationPlan> PlanAnnotation(std::string_view actor,
                                          const AnnotationRef& cmd,
                                          const Overlay* overlay);
  void RunAnnotation(std::string_view actor, const AnnotationRef& cmd,
                     Callback done);
  // Phase C's verdicts: a command on the same annotation is between
  // reservation and apply; the state changed under a plan (call with
  // state_mu_ held).
  static Status ConcurrentConflict(const AnnotationPlan& plan);
  Status RecheckAnnotation(const AnnotationPlan& plan) const;
  BulkReport AnnotateAtomic(std::string_view actor,
                            std::span<const AnnotationLine> lines);
  Status RequireAdmin(const DomainState& s, std::string_view actor,
                      std::string_view project) const;
  StatusOr<IssuedToken> NewToken();

  Ledger* ledger_;
  CommandHandlerOptions options_;
  std::unique_ptr<Gate> gate_;
  mutable std::mutex state_mu_;
  DomainState state_;  // guarded by state_mu_
  // state_.last_seq(), stored under state_mu_ after every apply, so phase C
  // can tell without state_mu_ that nothing was applied since phase A.
  std::atomic<uint64_t> applied_seq_{0};
  // Annotation ids with a command between reservation and apply, and the
  // number of appended events not yet applied or whose callback has not yet
  // returned; guarded by settle_mu_ (taken after state_mu_ when both are
  // held). settled_cv_ is notified when both reach zero.
  std::mutex settle_mu_;
  // Pooled: a reservation costs no malloc on the submitting thread and no
  // cross-thread free on the acknowledger.
  struct IdHash {
    using is_transparent = void;
    size_t operator()(std::string_view id) const {
      return std::hash<std::string_view>()(id);
    }
  };
  std::pmr::unsynchronized_pool_resource pending_pool_;
  std::pmr::unordered_set<std::pmr::string, IdHash, std::equal_to<>> pending_{
      &pending_pool_};
  size_t unapplied_ = 0;
  std::condition_variable settled_cv_;

  // Committed events of the synced group being gathered (OnAppended).
  struct Appended {
    StatusOr<Committed> result = Committed{};
    std::string_view bytes;  // stamped; valid until the group is complete
    std::string reserved;    // annotation id to release, or empty
    Callback done;
  };
  std::mutex apply_mu_;          // taken before state_mu_ when both are held
  std::vector<Appended> group_;  // guarded by apply_mu_
};

}  // namespace consilium::domain

#endif  // CONSILIUM_PROJECTIONS_COMMANDS_H_
