#include "domain/commands.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cassert>
#include <cstdio>
#include <future>
#include <limits>
#include <set>
#include <shared_mutex>

#include "common/strict_json.h"
#include "schemas/event_json.h"

namespace consilium::domain {
namespace {

namespace json = boost::json;

constexpr uint64_t kMaxUint32 = std::numeric_limits<uint32_t>::max();

std::string Quote(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += '"';
  return out;
}

std::string SchemaRef(std::string_view id, uint32_t version) {
  return std::string(id) + "@" + std::to_string(version);
}

std::string Base64Url(std::span<const uint8_t> bytes) {
  std::string s = ToBase64(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

}  // namespace

// Ids appear in index keys, CLI
// arguments and messages, so nothing that needs quoting or escaping.
Status CheckDomainId(std::string_view what, std::string_view id) {
  if (id.empty())
    return InvalidArgumentError(std::string(what) + " is required");
  bool ok = id.size() <= kMaxIdBytes;
  for (char c : id) {
    if (!ok) break;
    ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == ':' || c == '/' || c == '@';
  }
  if (!ok) {
    return InvalidArgumentError(
        std::string(what) + " " + Quote(id.substr(0, 64)) +
        ": ids are 1-256 bytes of letters, digits and - _ . : / @");
  }
  return OkStatus();
}

// ---------------------------------------------------------------------------
// Gate: a writer-preferring shared lock. Annotation commands hold it shared
// from validation until their event is queued in the ledger; structural
// commands hold it exclusively for validate-append-apply. Writer preference
// keeps a stream of annotations from starving an admin command (glibc's
// std::shared_mutex prefers readers).
// ---------------------------------------------------------------------------
class CommandHandler::Gate {
 public:
  void lock_shared() {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return !writer_ && writers_waiting_ == 0; });
    ++readers_;
  }
  void unlock_shared() {
    std::lock_guard l(mu_);
    if (--readers_ == 0 && writers_waiting_ > 0) cv_.notify_all();
  }
  void lock() {
    std::unique_lock l(mu_);
    ++writers_waiting_;
    cv_.wait(l, [&] { return !writer_ && readers_ == 0; });
    --writers_waiting_;
    writer_ = true;
  }
  void unlock() {
    std::lock_guard l(mu_);
    writer_ = false;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int readers_ = 0;
  int writers_waiting_ = 0;
  bool writer_ = false;
};

// An annotation command that passed validation: its draft (applied from the
// ledger's stamped copy once committed) and what to re-check at reservation.
struct CommandHandler::AnnotationPlan {
  AnnotationCommand::Op op = AnnotationCommand::Op::kSubmit;
  std::string annotation_id;
  uint32_t expected_revision = 0;  // revise and withdraw
  uint64_t state_seq = 0;          // DomainState::last_seq() at phase A
  EventDraft draft;
  AnnotationState effect;  // the annotation after this command (atomic bulk)
};

// Effects of earlier lines of an atomic bulk command.
struct CommandHandler::Overlay {
  std::unordered_map<std::string, AnnotationState> annotations;
};

const std::string& AnnotationCommand::annotation_id() const {
  switch (op) {
    case Op::kSubmit:
      return submit.annotation_id;
    case Op::kRevise:
      return revise.annotation_id;
    case Op::kWithdraw:
      return withdraw.annotation_id;
  }
  return submit.annotation_id;
}

// ---------------------------------------------------------------------------
// Construction and plumbing
// ---------------------------------------------------------------------------

CommandHandler::CommandHandler(Ledger* ledger, CommandHandlerOptions options)
    : ledger_(ledger),
      options_(std::move(options)),
      gate_(std::make_unique<Gate>()) {}

CommandHandler::~CommandHandler() {
  // Appends still queued in the ledger call back into this object: wait
  // until every one is applied and its callback has returned.
  std::unique_lock l(settle_mu_);
  settled_cv_.wait(l, [&] { return pending_.empty() && unapplied_ == 0; });
}

StatusOr<std::unique_ptr<CommandHandler>> CommandHandler::Open(
    Ledger* ledger, CommandHandlerOptions options) {
  std::unique_ptr<CommandHandler> h(
      new CommandHandler(ledger, std::move(options)));
  // DomainState reads bodies only: no need to recompute each event's hash.
  RETURN_IF_ERROR(ledger->Scan(
      1, 0,
      [&](const StoredEvent& e) {
        h->state_.Apply(e);
        return true;
      },
      /*with_hashes=*/false));
  h->applied_seq_.store(h->state_.last_seq(), std::memory_order_release);
  return h;
}

DomainState CommandHandler::state() const {
  std::lock_guard l(state_mu_);
  return state_;
}

void CommandHandler::DrainPending() {
  std::unique_lock l(settle_mu_);
  settled_cv_.wait(l, [&] { return pending_.empty() && unapplied_ == 0; });
}

// Runs on the ledger's acknowledger thread, once per event in sequence order
// (or on the committer's or the caller's for a failure). Events are gathered
// while the ledger says more of the same synced group follow, then the group is
// applied under one acquisition of state_mu_, straight from the ledger's
// stamped bytes, and only then are the callers completed (read-your-writes).
// The ledger's committer never waits here: it keeps writing the next batch
// while the acknowledger applies this one, so no thread of our own is needed
// between the two (an applier thread cost a futex hand-off per group).
void CommandHandler::OnAppended(const Ledger::AppendedEvent& e,
                                std::string reserved, Callback done) {
  std::vector<Appended> ready;
  {
    // apply_mu_ is held across the apply so that groups completed on
    // different threads (a store failure reported by the committer while the
    // acknowledger completes) are still applied one after the other.
    std::lock_guard a(apply_mu_);
    group_.push_back(
        Appended{e.result, e.bytes, std::move(reserved), std::move(done)});
    if (e.more) return;
    ready.swap(group_);
    group_.reserve(ready.size());
    {
      std::lock_guard l(state_mu_);
      for (Appended& t : ready) {
        if (t.result.ok() && !t.result->duplicate) {
          state_.Apply(t.result->seq, t.result->timestamp_us,
                       *EventView(t.bytes));
        }
      }
      applied_seq_.store(state_.last_seq(), std::memory_order_release);
    }
    // Released after the apply (a command that finds its id free and
    // applied_seq_ unchanged since its phase A may trust that phase) and
    // before the callbacks run (a caller woken by its callback may at once
    // send the next command on the same annotation).
    std::lock_guard s(settle_mu_);
    for (Appended& t : ready) {
      if (t.reserved.empty()) continue;
      auto it = pending_.find(std::string_view(t.reserved));
      assert(it != pending_.end());  // reserved in phase C, released once
      pending_.erase(it);
    }
  }
  for (Appended& t : ready) t.done(std::move(t.result));
  // Counted down only after the callbacks returned, so the destructor (and
  // DrainPending) never returns while one is still running.
  std::lock_guard l(settle_mu_);
  unapplied_ -= ready.size();
  if (pending_.empty() && unapplied_ == 0) settled_cv_.notify_all();
}

StatusOr<std::vector<Committed>> CommandHandler::CommitStructural(
    std::vector<EventDraft> drafts) {
  // Keep the bytes: the ledger stamps its own copy; ours lacks only the
  // stamp, which Apply takes from the Committed result.
  std::vector<std::string> bytes;
  bytes.reserve(drafts.size());
  for (const EventDraft& d : drafts) bytes.push_back(d.bytes());
  StatusOr<std::vector<Committed>> committed =
      ledger_->AppendAll(std::move(drafts));
  if (!committed.ok()) return committed;
  // The gate is held exclusively and DrainPending has run: every earlier
  // event is applied and none can follow these until the gate is released,
  // so applying them here keeps sequence order.
  std::lock_guard a(apply_mu_);
  std::lock_guard l(state_mu_);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const Committed& c = (*committed)[i];
    if (!c.duplicate) state_.Apply(c.seq, c.timestamp_us, *EventView(bytes[i]));
  }
  applied_seq_.store(state_.last_seq(), std::memory_order_release);
  return committed;
}

void CommandHandler::AppendAndApply(EventDraft draft, std::string reserved,
                                    Callback done) {
  ledger_->AppendAsyncWithEvent(
      std::move(draft),
      [this, reserved = std::move(reserved),
       done = std::move(done)](const Ledger::AppendedEvent& e) mutable {
        OnAppended(e, std::move(reserved), std::move(done));
      });
}

Status CommandHandler::RequireAdmin(const DomainState& s,
                                    std::string_view actor,
                                    std::string_view project) const {
  // Bootstrap: until some principal holds the global admin role, any actor
  // may administer (so the first admin can be registered).
  if (!s.HasAdmin()) return OkStatus();
  const PrincipalState* p = s.FindPrincipal(actor);
  if (p != nullptr && p->HasRole(fb::Role::Admin, project)) return OkStatus();
  std::string where =
      project.empty() ? std::string() : " in project " + std::string(project);
  return PermissionDeniedError("actor " + std::string(actor) +
                               " lacks the admin role" + where);
}

StatusOr<IssuedToken> CommandHandler::NewToken() {
  std::array<uint8_t, 32> raw{};
  if (options_.random_bytes) {
    RETURN_IF_ERROR(options_.random_bytes(raw));
  } else if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    return InternalError(std::string("RAND_bytes failed: ") + buf);
  }
  IssuedToken t;
  t.token = "csl_" + Base64Url(raw);
  t.expires_at_us = options_.clock->NowMicros() + options_.token_ttl_us;
  return t;
}

// ---------------------------------------------------------------------------
// Structural commands
// ---------------------------------------------------------------------------

StatusOr<Committed> CommandHandler::CreateProject(
    std::string_view actor, const CreateProjectCommand& cmd) {
  RETURN_IF_ERROR(CheckDomainId("project id", cmd.id));
  if (cmd.name.empty())
    return InvalidArgumentError("project " + cmd.id + ": name is required");
  std::lock_guard g(*gate_);
  DrainPending();
  {
    std::lock_guard l(state_mu_);
    RETURN_IF_ERROR(RequireAdmin(state_, actor, ""));
    if (state_.FindProject(cmd.id) != nullptr)
      return AlreadyExistsError("project " + cmd.id + " already exists");
  }
  std::vector<EventDraft> d;
  d.push_back(MakeProjectCreated({std::string(actor), ""}, cmd.id, cmd.name,
                                 cmd.overlap_target, cmd.blind_mode));
  RETURN_IF_ERROR(d.back().Validate());
  ASSIGN_OR_RETURN(auto c, CommitStructural(std::move(d)));
  return c.front();
}

namespace {

// A role a principal may be granted: the role is known, its project exists,
// and models hold only the annotator role.
Status CheckGrantable(const DomainState& s, std::string_view principal,
                      fb::PrincipalKind kind, const RoleSpec& role) {
  if (role.role == fb::Role::Unspecified ||
      static_cast<uint8_t>(role.role) > static_cast<uint8_t>(fb::Role::MAX)) {
    return InvalidArgumentError(
        "role: must be one of admin, annotator, adjudicator, researcher, "
        "auditor");
  }
  if (!role.project.empty() && s.FindProject(role.project) == nullptr)
    return NotFoundError("project " + role.project + " not found");
  if (kind == fb::PrincipalKind::Model && role.role != fb::Role::Annotator) {
    return FailedPreconditionError(
        "principal " + std::string(principal) +
        " is a model; models may hold only the annotator role, not " +
        std::string(RoleName(role.role)));
  }
  return OkStatus();
}

std::string RoleText(const RoleSpec& r) {
  std::string s(RoleName(r.role));
  if (!r.project.empty()) s += " in project " + r.project;
  return s;
}

}  // namespace

StatusOr<RegisteredPrincipal> CommandHandler::RegisterPrincipal(
    std::string_view actor, const RegisterPrincipalCommand& cmd) {
  RETURN_IF_ERROR(CheckDomainId("principal id", cmd.id));
  const bool model = cmd.kind == fb::PrincipalKind::Model;
  if (model && (cmd.model_name.empty() || cmd.model_version.empty())) {
    return InvalidArgumentError("principal " + cmd.id +
                                ": a model needs a model name and version");
  }
  if (!model && (!cmd.model_name.empty() || !cmd.model_version.empty())) {
    return InvalidArgumentError("principal " + cmd.id +
                                ": only a model has a model name and version");
  }
  std::lock_guard g(*gate_);
  DrainPending();
  std::string pseudonym = cmd.pseudonym;
  {
    std::lock_guard l(state_mu_);
    RETURN_IF_ERROR(RequireAdmin(state_, actor, ""));
    if (state_.FindPrincipal(cmd.id) != nullptr)
      return AlreadyExistsError("principal " + cmd.id + " already exists");
    std::set<RoleGrant> seen;
    for (const RoleSpec& r : cmd.roles) {
      RETURN_IF_ERROR(CheckGrantable(state_, cmd.id, cmd.kind, r));
      if (!seen.insert(RoleGrant{r.role, r.project}).second)
        return InvalidArgumentError("role " + RoleText(r) + " given twice");
    }
    if (pseudonym.empty()) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%c-%06zu", model ? 'M' : 'P',
                    state_.principals().size() + 1);
      pseudonym = buf;
    }
  }
  ASSIGN_OR_RETURN(IssuedToken token, NewToken());
  EventHeader h{std::string(actor), ""};
  std::vector<EventDraft> d;
  d.push_back(MakePrincipalRegistered(h, {.principal_id = cmd.id,
                                          .kind = cmd.kind,
                                          .display_name = cmd.display_name,
                                          .pseudonym = pseudonym,
                                          .model_name = cmd.model_name,
                                          .model_version = cmd.model_version}));
  for (const RoleSpec& r : cmd.roles)
    d.push_back(MakeRoleGranted(h, cmd.id, r.role, r.project));
  d.push_back(
      MakeTokenIssued(h, cmd.id, Sha256(token.token), token.expires_at_us));
  for (const EventDraft& e : d) RETURN_IF_ERROR(e.Validate());
  ASSIGN_OR_RETURN(auto c, CommitStructural(std::move(d)));
  return RegisteredPrincipal{std::move(token), std::move(c)};
}

StatusOr<IssuedToken> CommandHandler::IssueToken(
    std::string_view actor, std::string_view principal_id) {
  std::lock_guard g(*gate_);
  DrainPending();
  {
    std::lock_guard l(state_mu_);
    if (state_.FindPrincipal(principal_id) == nullptr)
      return NotFoundError("principal " + std::string(principal_id) +
                           " not found");
    if (actor != principal_id) RETURN_IF_ERROR(RequireAdmin(state_, actor, ""));
  }
  ASSIGN_OR_RETURN(IssuedToken token, NewToken());
  std::vector<EventDraft> d;
  d.push_back(MakeTokenIssued({std::string(actor), ""}, principal_id,
                              Sha256(token.token), token.expires_at_us));
  RETURN_IF_ERROR(d.back().Validate());
  RETURN_IF_ERROR(CommitStructural(std::move(d)).status());
  return token;
}

StatusOr<Committed> CommandHandler::GrantRole(std::string_view actor,
                                              std::string_view principal_id,
                                              const RoleSpec& role) {
  std::lock_guard g(*gate_);
  DrainPending();
  {
    std::lock_guard l(state_mu_);
    const PrincipalState* p = state_.FindPrincipal(principal_id);
    if (p == nullptr)
      return NotFoundError("principal " + std::string(principal_id) +
                           " not found");
    RETURN_IF_ERROR(CheckGrantable(state_, principal_id, p->kind, role));
    // Project admins may grant roles in their project, except admin itself.
    RETURN_IF_ERROR(RequireAdmin(
        state_, actor, role.role == fb::Role::Admin ? "" : role.project));
    if (p->roles.count(RoleGrant{role.role, role.project})) {
      return AlreadyExistsError("principal " + std::string(principal_id) +
                                " already holds the role " + RoleText(role));
    }
  }
  std::vector<EventDraft> d;
  d.push_back(MakeRoleGranted({std::string(actor), ""}, principal_id, role.role,
                              role.project));
  RETURN_IF_ERROR(d.back().Validate());
  ASSIGN_OR_RETURN(auto c, CommitStructural(std::move(d)));
  return c.front();
}

StatusOr<Committed> CommandHandler::RevokeRole(std::string_view actor,
                                               std::string_view principal_id,
                                               const RoleSpec& role) {
  std::lock_guard g(*gate_);
  DrainPending();
  {
    std::lock_guard l(state_mu_);
    const PrincipalState* p = state_.FindPrincipal(principal_id);
    if (p == nullptr)
      return NotFoundError("principal " + std::string(principal_id) +
                           " not found");
    RETURN_IF_ERROR(RequireAdmin(
        state_, actor, role.role == fb::Role::Admin ? "" : role.project));
    if (!p->roles.count(RoleGrant{role.role, role.project})) {
      return NotFoundError("principal " + std::string(principal_id) +
                           " does not hold the role " + RoleText(role));
    }
    // Without a global admin the ledger would fall back to bootstrap mode,
    // where anyone administers.
    if (role.role == fb::Role::Admin && role.project.empty()) {
      size_t admins = 0;
      for (const auto& [id, q] : state_.principals())
        admins += q.roles.count(RoleGrant{fb::Role::Admin, ""});
      if (admins <= 1)
        return FailedPreconditionError(
            "principal " + std::string(principal_id) +
            " is the last global admin; grant the role to another principal "
            "first");
    }
  }
  std::vector<EventDraft> d;
  d.push_back(MakeRoleRevoked({std::string(actor), ""}, principal_id, role.role,
                              role.project));
  RETURN_IF_ERROR(d.back().Validate());
  ASSIGN_OR_RETURN(auto c, CommitStructural(std::move(d)));
  return c.front();
}

StatusOr<Committed> CommandHandler::PublishSchema(std::string_view actor,
                                                  std::string_view definition) {
  ASSIGN_OR_RETURN(schemas::TaskSchema schema,
                   schemas::TaskSchema::Parse(definition));
  if (schema.version() > static_cast<int64_t>(kMaxUint32)) {
    return InvalidArgumentError("schema " + schema.id() + ": version " +
                                std::to_string(schema.version()) +
                                " is above " + std::to_string(kMaxUint32));
  }
  const auto version = static_cast<uint32_t>(schema.version());
  std::lock_guard g(*gate_);
  DrainPending();
  {
    std::lock_guard l(state_mu_);
    RETURN_IF_ERROR(RequireAdmin(state_, actor, ""));
    if (state_.FindSchema(schema.id(), version) != nullptr)
      return AlreadyExistsError("schema " + schema.Ref() +
                                " is already published");
    uint32_t latest = state_.LatestSchemaVersion(schema.id());
    if (version != latest + 1) {
      return FailedPreconditionError("schema " + schema.Ref() +
                                     ": the next version of " + schema.id() +
                                     " is " + std::to_string(latest + 1));
    }
  }
  std::vector<EventDraft> d;
  d.push_back(MakeSchemaPublished(
      {std::string(actor), ""},
      {.schema_id = schema.id(),
       .version = version,
       .parent_version = static_cast<uint32_t>(schema.parent().value_or(0)),
       .changelog = schema.changelog(),
       .definition = definition}));
  RETURN_IF_ERROR(d.back().Validate());
  ASSIGN_OR_RETURN(auto c, CommitStructural(std::move(d)));
  return c.front();
}

StatusOr<BulkReport> CommandHandler::ImportRecords(
    std::string_view actor, std::string_view project_id,
    std::span<const RecordLine> lines, bool atomic) {
  RETURN_IF_ERROR(CheckDomainId("project id", project_id));
  std::lock_guard g(*gate_);
  DrainPending();
  BulkReport report;
  std::vector<EventDraft> drafts;
  std::vector<size_t> draft_line;  // index into report.lines
  {
    std::lock_guard l(state_mu_);
    if (state_.FindProject(project_id) == nullptr)
      return NotFoundError("project " + std::string(project_id) + " not found");
    RETURN_IF_ERROR(RequireAdmin(state_, actor, project_id));
    std::unordered_map<std::string, size_t> in_file;  // id -> line
    for (const RecordLine& line : lines) {
      LineOutcome out;
      out.line = line.line;
      const StatusOr<ImportRecordCommand>& rec = line.command;
      if (!rec.ok()) {
        out.status = rec.status();
      } else {
        out.id = rec->id;
        if (state_.FindRecord(rec->id) != nullptr) {
          out.status =
              AlreadyExistsError("record " + rec->id + " already exists");
        } else if (auto it = in_file.find(rec->id); it != in_file.end()) {
          out.status =
              AlreadyExistsError("record " + rec->id + " is already on line " +
                                 std::to_string(it->second) + " of this file");
        } else {
          EventDraft d =
              MakeRecordImported({std::string(actor), ""}, rec->id, project_id,
                                 rec->content, rec->metadata);
          out.status = d.Validate();
          if (out.status.ok()) {
            out.status = OkStatus();
            in_file.emplace(rec->id, out.line);
            drafts.push_back(std::move(d));
            draft_line.push_back(report.lines.size());
          } else {
            out.status = out.status.WithContext("record " + rec->id);
          }
        }
      }
      report.lines.push_back(std::move(out));
    }
  }
  CommitLines(std::move(drafts), draft_line, atomic, report);
  return report;
}

void CommandHandler::CommitLines(std::vector<EventDraft> drafts,
                                 const std::vector<size_t>& draft_line,
                                 bool atomic, BulkReport& report) {
  if (atomic && drafts.size() != report.lines.size()) {
    for (size_t i : draft_line) {
      report.lines[i].status = FailedPreconditionError(
          "not appended: --atomic and the file has rejected lines");
    }
    return;
  }
  if (drafts.empty()) return;
  StatusOr<std::vector<Committed>> c = CommitStructural(std::move(drafts));
  for (size_t k = 0; k < draft_line.size(); ++k) {
    LineOutcome& out = report.lines[draft_line[k]];
    if (c.ok()) {
      out.committed = (*c)[k];
      ++report.appended;
    } else {
      out.status = c.status();
    }
  }
}

StatusOr<Committed> CommandHandler::CreateBatch(
    std::string_view actor, std::string_view project_id,
    std::string_view batch_id, std::span<const std::string> record_ids) {
  RETURN_IF_ERROR(CheckDomainId("project id", project_id));
  RETURN_IF_ERROR(CheckDomainId("batch id", batch_id));
  std::string b = "batch " + std::string(batch_id);
  if (record_ids.empty())
    return InvalidArgumentError(b + ": needs at least one record");
  std::set<std::string_view> seen;
  for (const std::string& r : record_ids) {
    RETURN_IF_ERROR(CheckDomainId("record id", r));
    if (!seen.insert(r).second)
      return InvalidArgumentError(b + ": record " + r + " is listed twice");
  }
  std::lock_guard g(*gate_);
  DrainPending();
  {
    std::lock_guard l(state_mu_);
    if (state_.FindProject(project_id) == nullptr)
      return NotFoundError("project " + std::string(project_id) + " not found");
    RETURN_IF_ERROR(RequireAdmin(state_, actor, project_id));
    if (state_.FindBatch(project_id, batch_id) != nullptr) {
      return AlreadyExistsError(b + " already exists in project " +
                                std::string(project_id));
    }
    for (const std::string& r : record_ids) {
      const RecordState* rec = state_.FindRecord(r);
      if (rec == nullptr || rec->project != project_id)
        return NotFoundError(b + ": record " + r + " not found in project " +
                             std::string(project_id));
    }
  }
  std::vector<EventDraft> d;
  d.push_back(MakeCalibrationBatchCreated({std::string(actor), ""}, project_id,
                                          batch_id, record_ids));
  RETURN_IF_ERROR(d.back().Validate());
  ASSIGN_OR_RETURN(auto c, CommitStructural(std::move(d)));
  return c.front();
}

StatusOr<Committed> CommandHandler::Assign(std::string_view actor,
                                           std::string_view project_id,
                                           std::string_view record_id,
                                           std::string_view annotator_id) {
  RETURN_IF_ERROR(CheckDomainId("project id", project_id));
  RETURN_IF_ERROR(CheckDomainId("record id", record_id));
  RETURN_IF_ERROR(CheckDomainId("annotator id", annotator_id));
  std::string project(project_id), record(record_id), annotator(annotator_id);
  std::lock_guard g(*gate_);
  DrainPending();
  {
    std::lock_guard l(state_mu_);
    if (state_.FindProject(project) == nullptr)
      return NotFoundError("project " + project + " not found");
    RETURN_IF_ERROR(RequireAdmin(state_, actor, project));
    const RecordState* rec = state_.FindRecord(record);
    if (rec == nullptr || rec->project != project)
      return NotFoundError("record " + record + " not found in project " +
                           project);
    const PrincipalState* p = state_.FindPrincipal(annotator);
    if (p == nullptr)
      return NotFoundError("principal " + annotator + " not found");
    if (p->is_model()) {
      return FailedPreconditionError(
          "principal " + annotator +
          " is a model; models pre-label descriptive fields without "
          "assignments");
    }
    if (!p->HasRole(fb::Role::Annotator, project)) {
      return PermissionDeniedError("principal " + annotator +
                                   " lacks the annotator role in project " +
                                   project);
    }
    if (state_.IsAssigned(record, annotator)) {
      return AlreadyExistsError("record " + record +
                                " is already assigned to " + annotator);
    }
  }
  std::vector<EventDraft> d;
  d.push_back(MakeAssignmentCreated({std::string(actor), ""}, project, record,
                                    annotator));
  RETURN_IF_ERROR(d.back().Validate());
  ASSIGN_OR_RETURN(auto c, CommitStructural(std::move(d)));
  return c.front();
}

StatusOr<Committed> CommandHandler::RevokeAssignment(
    std::string_view actor, std::string_view project_id,
    std::string_view record_id, std::string_view annotator_id,
    std::string_view reason) {
  std::string project(project_id), record(record_id), annotator(annotator_id);
  std::lock_guard g(*gate_);
  DrainPending();
  {
    std::lock_guard l(state_mu_);
    if (state_.FindProject(project) == nullptr)
      return NotFoundError("project " + project + " not found");
    RETURN_IF_ERROR(RequireAdmin(state_, actor, project));
    const RecordState* rec = state_.FindRecord(record);
    if (rec == nullptr || rec->project != project)
      return NotFoundError("record " + record + " not found in project " +
                           project);
    if (!state_.IsAssigned(record, annotator)) {
      return NotFoundError("record " + record + " is not assigned to " +
                           annotator);
    }
  }
  std::vector<EventDraft> d;
  d.push_back(MakeAssignmentRevoked({std::string(actor), ""}, project, record,
                                    annotator, reason));
  RETURN_IF_ERROR(d.back().Validate());
  ASSIGN_OR_RETURN(auto c, CommitStructural(std::move(d)));
  return c.front();
}

StatusOr<Committed> CommandHandler::RecordGoldAnswer(
    std::string_view actor, const GoldAnswerCommand& cmd) {
  RETURN_IF_ERROR(CheckDomainId("record id", cmd.record_id));
  std::lock_guard g(*gate_);
  DrainPending();
  std::shared_ptr<const schemas::TaskSchema> schema;
  std::shared_ptr<const schemas::RecordShape> shape;
  std::string project;
  {
    std::lock_guard l(state_mu_);
    const RecordState* rec = state_.FindRecord(cmd.record_id);
    if (rec == nullptr)
      return NotFoundError("record " + cmd.record_id + " not found");
    project = rec->project;
    RETURN_IF_ERROR(RequireAdmin(state_, actor, project));
    const SchemaState* s = state_.FindSchema(cmd.schema_id, cmd.schema_version);
    if (s == nullptr)
      return NotFoundError("schema " +
                           SchemaRef(cmd.schema_id, cmd.schema_version) +
                           " not found");
    if (rec->shape == nullptr)
      return FailedPreconditionError("record " + cmd.record_id +
                                     " has no readable content (sealed or "
                                     "not a record document)");
    schema = s->schema;
    shape = rec->shape;
  }
  // The validator names an annotation; a gold answer is named by its record.
  const std::string label = "gold answer for record " + cmd.record_id;
  Status v = schemas::ValidateAnnotation(*schema, *shape, label, cmd.values);
  if (!v.ok()) {
    std::string m = v.message();
    const std::string prefix = "annotation " + label;
    if (m.rfind(prefix, 0) == 0)
      m = m.substr(std::string("annotation ").size());
    return InvalidArgumentError(std::move(m));
  }
  ASSIGN_OR_RETURN(std::string values, CanonicalizeJson(cmd.values));
  std::vector<EventDraft> d;
  d.push_back(MakeGoldAnswerRecorded({std::string(actor), ""},
                                     {.project_id = project,
                                      .record_id = cmd.record_id,
                                      .schema_id = cmd.schema_id,
                                      .schema_version = cmd.schema_version,
                                      .values = values}));
  RETURN_IF_ERROR(d.back().Validate());
  ASSIGN_OR_RETURN(auto c, CommitStructural(std::move(d)));
  return c.front();
}

// ---------------------------------------------------------------------------
// Annotations
// ---------------------------------------------------------------------------

namespace {

// What phase B needs, copied out of the state under the lock.
// The schema and record shape are borrowed from the handler's state for use
// outside state_mu_ (phase B): plain pointers, because DomainState never
// drops or replaces a published schema version or a record's shape (the
// first definition wins), so they live as long as the handler; copying the
// shared pointers cost three contended atomic increments and decrements per
// command.
struct AnnotationFacts {
  const schemas::TaskSchema* schema = nullptr;  // full version
  const schemas::TaskSchema* descriptive = nullptr;
  const schemas::RecordShape* shape = nullptr;
  AnnotationState annotation;  // as it will be after the command
  std::string model;           // "name@version" for a model annotator
};

Status CheckActorFor(const DomainState& s, std::string_view actor,
                     const std::string& annotator, const std::string& project,
                     std::string_view verb) {
  if (actor == annotator) return OkStatus();
  if (!s.HasAdmin()) return OkStatus();  // bootstrap
  const PrincipalState* a = s.FindPrincipal(actor);
  if (a != nullptr && a->HasRole(fb::Role::Admin, project)) return OkStatus();
  return PermissionDeniedError("actor " + std::string(actor) + " may not " +
                               std::string(verb) + " for annotator " +
                               annotator +
                               " (only the annotator or an admin of "
                               "project " +
                               project + ")");
}

// The annotator's standing on the record: a person needs the annotator role
// and an assignment; a model needs the annotator role and a schema with
// descriptive fields.
Status CheckAnnotator(const DomainState& s, const AnnotationState& a,
                      const SchemaState& schema, AnnotationFacts* facts) {
  const PrincipalState* p = s.FindPrincipal(a.annotator);
  if (p == nullptr)
    return NotFoundError("principal " + a.annotator + " not found");
  if (!p->HasRole(fb::Role::Annotator, a.project)) {
    return PermissionDeniedError("principal " + a.annotator +
                                 " lacks the annotator role in project " +
                                 a.project);
  }
  if (p->is_model()) {
    if (schema.descriptive == nullptr) {
      return PermissionDeniedError(
          "annotation " + a.id + ": model principal " + a.annotator +
          " may pre-label only descriptive fields, and " +
          schema.schema->Ref() + " has none");
    }
    facts->model = p->model_name + "@" + p->model_version;
  } else if (!s.IsAssigned(a.record, a.annotator)) {
    return FailedPreconditionError("annotator " + a.annotator +
                                   " is not assigned to record " + a.record);
  }
  return OkStatus();
}

// Checks a model's values: every top-level key must be a wholly descriptive
// field. (Keys that are no field at all are left to the validator.)
Status CheckModelKeys(const schemas::TaskSchema& full,
                      const schemas::TaskSchema& descriptive,
                      const std::string& annotation_id,
                      const std::string& annotator, const std::string& model,
                      std::string_view values) {
  json::value v;
  if (!ParseStrictJson(values, {}, v).ok() || !v.is_object()) {
    return OkStatus();  // the validator reports it
  }
  for (const auto& kv : v.get_object()) {
    if (full.FindTopLevel(kv.key()) != nullptr &&
        descriptive.FindTopLevel(kv.key()) == nullptr) {
      return PermissionDeniedError(
          "annotation " + annotation_id + ": " + std::string(kv.key()) +
          ": model principal " + annotator + " (" + model +
          ") may pre-label only descriptive fields");
    }
  }
  return OkStatus();
}

}  // namespace

const std::string& CommandHandler::AnnotationRef::annotation_id() const {
  switch (op) {
    case AnnotationCommand::Op::kSubmit:
      return submit->annotation_id;
    case AnnotationCommand::Op::kRevise:
      return revise->annotation_id;
    case AnnotationCommand::Op::kWithdraw:
      return withdraw->annotation_id;
  }
  return submit->annotation_id;  // unreachable: every Op is handled
}

StatusOr<CommandHandler::AnnotationPlan> CommandHandler::PlanAnnotation(
    std::string_view actor, const AnnotationRef& cmd, const Overlay* overlay) {
  using Op = AnnotationCommand::Op;
  const std::string& id = cmd.annotation_id();
  RETURN_IF_ERROR(CheckDomainId("annotation id", id));
  AnnotationFacts f;
  AnnotationPlan plan;
  plan.op = cmd.op;
  plan.annotation_id = id;
  const std::string* values = nullptr;

  // Phase A: everything that depends on the state, under the lock.
  {
    std::lock_guard l(state_mu_);
    plan.state_seq = state_.last_seq();
    const AnnotationState* existing = nullptr;
    if (overlay != nullptr) {
      if (auto it = overlay->annotations.find(id);
          it != overlay->annotations.end()) {
        existing = &it->second;
      }
    }
    if (existing == nullptr) existing = state_.FindAnnotation(id);

    if (cmd.op == Op::kSubmit) {
      const SubmitAnnotationCommand& c = *cmd.submit;
      RETURN_IF_ERROR(CheckDomainId("record id", c.record_id));
      RETURN_IF_ERROR(CheckDomainId("annotator id", c.annotator_id));
      if (existing != nullptr)
        return AlreadyExistsError("annotation " + id + " already exists");
      const RecordState* rec = state_.FindRecord(c.record_id);
      if (rec == nullptr)
        return NotFoundError("annotation " + id + ": record " + c.record_id +
                             " not found");
      const SchemaState* schema =
          state_.FindSchema(c.schema_id, c.schema_version);
      if (schema == nullptr) {
        return NotFoundError("annotation " + id + ": schema " +
                             SchemaRef(c.schema_id, c.schema_version) +
                             " not found");
      }
      AnnotationState& a = f.annotation;
      a.id = id;
      a.project = rec->project;
      a.record = c.record_id;
      a.annotator = c.annotator_id;
      a.schema_id = c.schema_id;
      a.schema_version = c.schema_version;
      a.revision = 1;
      RETURN_IF_ERROR(
          CheckActorFor(state_, actor, a.annotator, a.project, "submit"));
      RETURN_IF_ERROR(CheckAnnotator(state_, a, *schema, &f));
      a.by_model = !f.model.empty();
      if (rec->shape == nullptr) {
        return FailedPreconditionError(
            "annotation " + id + ": record " + c.record_id +
            " has no readable content (sealed or not a record document)");
      }
      f.schema = schema->schema.get();
      f.descriptive = schema->descriptive.get();
      f.shape = rec->shape.get();
      values = &c.values;
    } else {
      const bool revise = cmd.op == Op::kRevise;
      const uint32_t expected = revise ? cmd.revise->expected_revision
                                       : cmd.withdraw->expected_revision;
      if (existing == nullptr)
        return NotFoundError("annotation " + id + " not found");
      f.annotation = *existing;
      AnnotationState& a = f.annotation;
      RETURN_IF_ERROR(CheckActorFor(state_, actor, a.annotator, a.project,
                                    revise ? "revise" : "withdraw"));
      if (a.withdrawn)
        return FailedPreconditionError("annotation " + id + " is withdrawn");
      if (expected != a.revision) {
        return AbortedError("annotation " + id + ": expected revision " +
                            std::to_string(expected) +
                            ", but the current revision is " +
                            std::to_string(a.revision));
      }
      plan.expected_revision = expected;
      if (revise) {
        const SchemaState* schema =
            state_.FindSchema(a.schema_id, a.schema_version);
        const RecordState* rec = state_.FindRecord(a.record);
        if (schema == nullptr || rec == nullptr || rec->shape == nullptr) {
          return FailedPreconditionError(
              "annotation " + id + ": its record or schema " +
              SchemaRef(a.schema_id, a.schema_version) + " is unavailable");
        }
        RETURN_IF_ERROR(CheckAnnotator(state_, a, *schema, &f));
        f.schema = schema->schema.get();
        f.descriptive = schema->descriptive.get();
        f.shape = rec->shape.get();
        values = &cmd.revise->values;
        a.revision = expected + 1;
      } else {
        if (cmd.withdraw->reason.empty())
          return InvalidArgumentError("annotation " + id +
                                      ": a withdrawal needs a reason");
        a.withdrawn = true;
      }
    }
  }

  // Phase B: validation and encoding, on this thread, without locks.
  std::string_view canonical;  // the command's values, until the draft is built
  if (values != nullptr) {
    const schemas::TaskSchema* schema = f.schema;
    if (!f.model.empty()) {
      RETURN_IF_ERROR(CheckModelKeys(*f.schema, *f.descriptive, id,
                                     f.annotation.annotator, f.model, *values));
      schema = f.descriptive;
    }
    RETURN_IF_ERROR(
        schemas::ValidateAnnotation(*schema, *f.shape, id, *values));
    // Stored as submitted: the validator has proved it strict JSON with no
    // duplicate keys, so every reader decodes the same document; exports
    // canonicalize. (Re-serializing here would double the encoding cost on
    // the submit path: docs/commands.md, "Concurrency".)
    canonical = *values;
  }
  EventHeader header{std::string(actor), ""};
  const AnnotationState& a = f.annotation;
  switch (cmd.op) {
    case Op::kSubmit:
      plan.draft =
          MakeAnnotationSubmitted(header, {.annotation_id = id,
                                           .project_id = a.project,
                                           .record_id = a.record,
                                           .annotator_id = a.annotator,
                                           .schema_id = a.schema_id,
                                           .schema_version = a.schema_version,
                                           .values = canonical,
                                           .revision = 1});
      break;
    case Op::kRevise:
      plan.draft = MakeAnnotationRevised(
          header, {.annotation_id = id,
                   .project_id = a.project,
                   .record_id = a.record,
                   .expected_revision = plan.expected_revision,
                   .new_revision = plan.expected_revision + 1,
                   .values = canonical,
                   .reason = cmd.revise->reason});
      break;
    case Op::kWithdraw:
      plan.draft = MakeAnnotationWithdrawn(
          header, {.annotation_id = id,
                   .project_id = a.project,
                   .record_id = a.record,
                   .expected_revision = plan.expected_revision,
                   .reason = cmd.withdraw->reason});
      break;
  }
  // Ids were checked above and the builders set every envelope field; only
  // the size limit is left. The ledger verifies the whole draft once more in
  // Append*, so the FlatBuffers verifier does not run twice here.
  if (plan.draft.bytes().size() > kMaxEventBytes) {
    return InvalidArgumentError("annotation " + id + ": event is " +
                                std::to_string(plan.draft.bytes().size()) +
                                " bytes encoded; the limit is " +
                                std::to_string(kMaxEventBytes));
  }
  plan.effect = std::move(f.annotation);
  return plan;
}

Status CommandHandler::ConcurrentConflict(const AnnotationPlan& plan) {
  const std::string& id = plan.annotation_id;
  if (plan.op == AnnotationCommand::Op::kSubmit)
    return AlreadyExistsError("annotation " + id +
                              " is being submitted concurrently");
  return AbortedError("annotation " + id + ": expected revision " +
                      std::to_string(plan.expected_revision) +
                      ", but a concurrent change to it was accepted first");
}

Status CommandHandler::RecheckAnnotation(const AnnotationPlan& plan) const {
  const std::string& id = plan.annotation_id;
  const AnnotationState* now = state_.FindAnnotation(id);
  if (plan.op == AnnotationCommand::Op::kSubmit) {
    if (now != nullptr)
      return AlreadyExistsError("annotation " + id + " already exists");
    return OkStatus();
  }
  if (now == nullptr || now->withdrawn ||
      now->revision != plan.expected_revision) {
    return ConcurrentConflict(plan);
  }
  return OkStatus();
}

void CommandHandler::RunAnnotation(std::string_view actor,
                                   const AnnotationRef& cmd, Callback done) {
  std::shared_lock g(*gate_);
  StatusOr<AnnotationPlan> plan = PlanAnnotation(actor, cmd, nullptr);
  if (!plan.ok()) {
    done(plan.status());
    return;
  }
  // Phase C: re-check what may have changed since phase A (only annotation
  // commands can commit meanwhile: the gate keeps structural ones out) and
  // reserve the annotation id, so no second command on it can commit. When
  // nothing was applied since phase A (every apply advances applied_seq_
  // before it releases its ids), phase A's checks still hold and only
  // settle_mu_ is taken, never state_mu_, which the ledger's acknowledger
  // holds while it applies a group.
  const std::string& id = plan->annotation_id;
  Status conflict;
  {
    // Lock order: state_mu_ before settle_mu_. Once taken, state_mu_ is held
    // until the reservation: no apply can run meanwhile, so the re-check
    // holds.
    std::unique_lock state_lock(state_mu_, std::defer_lock);
    std::unique_lock s(settle_mu_);
    if (!pending_.contains(std::string_view(id)) &&
        applied_seq_.load(std::memory_order_acquire) != plan->state_seq) {
      s.unlock();
      state_lock.lock();
      conflict = RecheckAnnotation(*plan);
      s.lock();
    }
    if (conflict.ok() && pending_.contains(std::string_view(id)))
      conflict = ConcurrentConflict(*plan);
    if (conflict.ok()) {
      pending_.emplace(id);
      ++unapplied_;  // AppendAndApply's precondition
    }
  }
  if (!conflict.ok()) {
    done(conflict);  // no lock held: `done` may call back into the handler
    return;
  }
  // Phase D: queue the append while still holding the gate, so a structural
  // command cannot slip in between this validation and this event.
  AppendAndApply(std::move(plan->draft), std::move(plan->annotation_id),
                 std::move(done));
}

namespace {

StatusOr<Committed> Wait(
    const std::function<void(CommandHandler::Callback)>& start) {
  std::promise<StatusOr<Committed>> p;
  std::future<StatusOr<Committed>> f = p.get_future();
  start([&p](StatusOr<Committed> c) { p.set_value(std::move(c)); });
  return f.get();
}

}  // namespace

void CommandHandler::SubmitAnnotationAsync(std::string_view actor,
                                           const SubmitAnnotationCommand& cmd,
                                           Callback done) {
  RunAnnotation(actor, AnnotationRef(cmd), std::move(done));
}
void CommandHandler::ReviseAnnotationAsync(std::string_view actor,
                                           const ReviseAnnotationCommand& cmd,
                                           Callback done) {
  RunAnnotation(actor, AnnotationRef(cmd), std::move(done));
}
void CommandHandler::WithdrawAnnotationAsync(
    std::string_view actor, const WithdrawAnnotationCommand& cmd,
    Callback done) {
  RunAnnotation(actor, AnnotationRef(cmd), std::move(done));
}

StatusOr<Committed> CommandHandler::SubmitAnnotation(
    std::string_view actor, const SubmitAnnotationCommand& cmd) {
  return Wait(
      [&](Callback cb) { RunAnnotation(actor, AnnotationRef(cmd), cb); });
}
StatusOr<Committed> CommandHandler::ReviseAnnotation(
    std::string_view actor, const ReviseAnnotationCommand& cmd) {
  return Wait(
      [&](Callback cb) { RunAnnotation(actor, AnnotationRef(cmd), cb); });
}
StatusOr<Committed> CommandHandler::WithdrawAnnotation(
    std::string_view actor, const WithdrawAnnotationCommand& cmd) {
  return Wait(
      [&](Callback cb) { RunAnnotation(actor, AnnotationRef(cmd), cb); });
}

BulkReport CommandHandler::Annotate(std::string_view actor,
                                    std::span<const AnnotationLine> lines,
                                    bool atomic) {
  if (atomic) return AnnotateAtomic(actor, lines);
  BulkReport report;
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;
  std::set<std::string> ids_in_flight;
  constexpr size_t kWindow = 256;
  auto wait_until = [&](auto pred) {
    std::unique_lock l(mu);
    cv.wait(l, pred);
  };
  // Pre-size so callbacks can fill their slot by index.
  report.lines.reserve(lines.size());
  for (const AnnotationLine& line : lines)
    report.lines.push_back(LineOutcome{line.line, "", OkStatus(), {}});
  for (size_t k = 0; k < lines.size(); ++k) {
    LineOutcome& out = report.lines[k];
    const StatusOr<AnnotationCommand>& cmd = lines[k].command;
    if (!cmd.ok()) {
      out.status = cmd.status();
      continue;
    }
    std::string id = cmd->annotation_id();
    out.id = id;
    // A line that depends on an earlier line's annotation waits for it.
    wait_until([&] { return !ids_in_flight.count(id) && in_flight < kWindow; });
    {
      std::lock_guard l(mu);
      ++in_flight;
      ids_in_flight.insert(id);
    }
    RunAnnotation(actor, AnnotationRef(*cmd),
                  [&, slot = &out, id](StatusOr<Committed> c) {
                    std::lock_guard l(mu);
                    if (c.ok()) {
                      slot->committed = *c;
                    } else {
                      slot->status = c.status();
                    }
                    ids_in_flight.erase(id);
                    --in_flight;
                    cv.notify_all();
                  });
  }
  wait_until([&] { return in_flight == 0; });
  for (const LineOutcome& out : report.lines)
    report.appended += out.status.ok();
  return report;
}

BulkReport CommandHandler::AnnotateAtomic(
    std::string_view actor, std::span<const AnnotationLine> lines) {
  BulkReport report;
  std::lock_guard g(*gate_);
  DrainPending();
  Overlay overlay;
  std::vector<EventDraft> drafts;
  std::vector<size_t> draft_line;
  for (const AnnotationLine& line : lines) {
    LineOutcome out;
    out.line = line.line;
    const StatusOr<AnnotationCommand>& cmd = line.command;
    if (!cmd.ok()) {
      out.status = cmd.status();
    } else {
      out.id = cmd->annotation_id();
      StatusOr<AnnotationPlan> plan =
          PlanAnnotation(actor, AnnotationRef(*cmd), &overlay);
      if (!plan.ok()) {
        out.status = plan.status();
      } else {
        overlay.annotations[plan->annotation_id] = std::move(plan->effect);
        drafts.push_back(std::move(plan->draft));
        draft_line.push_back(report.lines.size());
      }
    }
    report.lines.push_back(std::move(out));
  }
  CommitLines(std::move(drafts), draft_line, /*atomic=*/true, report);
  return report;
}

// ---------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------

StatusOr<Committed> CommandHandler::RecordAccess(
    std::string_view actor, const RecordAccessCommand& cmd) {
  static const std::set<std::string_view> kKinds = {
      "record", "annotation", "project", "schema",
      "batch",  "dataset",    "ledger"};
  if (!kKinds.count(cmd.resource_kind)) {
    return InvalidArgumentError(
        "access: resource kind " + Quote(cmd.resource_kind) +
        " (known: annotation, batch, dataset, ledger, project, record, "
        "schema)");
  }
  if (cmd.resource_id.empty() || cmd.resource_id.size() > kMaxIdBytes ||
      cmd.resource_id.find('\0') != std::string::npos) {
    return InvalidArgumentError(
        "access: resource id must be 1-256 bytes without NUL");
  }
  bool action_ok = !cmd.action.empty() && cmd.action.size() <= 64;
  for (char c : cmd.action)
    action_ok = action_ok && ((c >= 'a' && c <= 'z') || c == '_');
  if (!action_ok)
    return InvalidArgumentError("access: action " + Quote(cmd.action) +
                                ": 1-64 of [a-z_]");
  if (!cmd.allowed && cmd.reason.empty())
    return InvalidArgumentError("access: a denied access needs a reason");
  if (actor.empty())
    return InvalidArgumentError("access: the actor is required");
  std::shared_lock g(*gate_);
  std::string record, project;
  {
    std::lock_guard l(state_mu_);
    if (cmd.resource_kind == "record") {
      if (const RecordState* r = state_.FindRecord(cmd.resource_id)) {
        record = r->id;
        project = r->project;
      }
    } else if (cmd.resource_kind == "annotation") {
      if (const AnnotationState* a = state_.FindAnnotation(cmd.resource_id)) {
        record = a->record;
        project = a->project;
      }
    } else if (cmd.resource_kind == "project") {
      if (state_.FindProject(cmd.resource_id) != nullptr)
        project = cmd.resource_id;
    }
    const bool content =
        cmd.resource_kind == "record" || cmd.resource_kind == "annotation";
    if (cmd.allowed && content && record.empty()) {
      return NotFoundError(cmd.resource_kind + " " + cmd.resource_id +
                           " not found");
    }
  }
  EventDraft d = MakeAccessRecorded({std::string(actor), ""},
                                    {.resource_kind = cmd.resource_kind,
                                     .resource_id = cmd.resource_id,
                                     .action = cmd.action,
                                     .purpose = cmd.purpose,
                                     .allowed = cmd.allowed,
                                     .reason = cmd.reason,
                                     .record_id = record,
                                     .project_id = project});
  RETURN_IF_ERROR(d.Validate());
  std::promise<StatusOr<Committed>> p;
  std::future<StatusOr<Committed>> f = p.get_future();
  {
    std::lock_guard l(settle_mu_);
    ++unapplied_;  // AppendAndApply's precondition
  }
  AppendAndApply(std::move(d), "",
                 [&p](StatusOr<Committed> c) { p.set_value(std::move(c)); });
  g.unlock();  // queued: ordering is fixed, the wait need not block others
  return f.get();
}

}  // namespace consilium::domain
