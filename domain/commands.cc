#include "domain/commands.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <future>
#include <limits>
#include <set>
#include <unordered_map>

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

// Ids appear in index keys, CLI arguments and messages, so nothing that needs
// quoting or escaping.
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
// Construction
// ---------------------------------------------------------------------------

CommandHandler::CommandHandler(std::unique_ptr<WriteCore> core,
                               CommandHandlerOptions options)
    : core_(std::move(core)), options_(std::move(options)) {}

CommandHandler::~CommandHandler() = default;

StatusOr<std::unique_ptr<CommandHandler>> CommandHandler::Open(
    Ledger* ledger, CommandHandlerOptions options) {
  ASSIGN_OR_RETURN(std::unique_ptr<WriteCore> core, WriteCore::Open(ledger));
  return std::unique_ptr<CommandHandler>(
      new CommandHandler(std::move(core), std::move(options)));
}

DomainState CommandHandler::state() const {
  return core_->Read([](const DomainState& s) { return s; });
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

using Drafted = StatusOr<std::vector<EventDraft>>;

StatusOr<Committed> CommandHandler::CreateProject(
    std::string_view actor, const CreateProjectCommand& cmd) {
  RETURN_IF_ERROR(CheckDomainId("project id", cmd.id));
  if (cmd.name.empty())
    return InvalidArgumentError("project " + cmd.id + ": name is required");
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    RETURN_IF_ERROR(t.auth().RequireAdmin(""));
    if (t.state().FindProject(cmd.id) != nullptr)
      return AlreadyExistsError("project " + cmd.id + " already exists");
    return Drafts(MakeProjectCreated({std::string(actor), ""}, cmd.id, cmd.name,
                                     cmd.overlap_target, cmd.blind_mode));
  }));
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

// The principal's pseudonym: as given, else its registration ordinal
// ("P-000002", models "M-000004").
std::string Pseudonym(const DomainState& s, const RegisterPrincipalCommand& c) {
  if (!c.pseudonym.empty()) return c.pseudonym;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%c-%06zu",
                c.kind == fb::PrincipalKind::Model ? 'M' : 'P',
                s.principals().size() + 1);
  return buf;
}

Status CheckModelFields(const RegisterPrincipalCommand& cmd) {
  const bool model = cmd.kind == fb::PrincipalKind::Model;
  if (model && (cmd.model_name.empty() || cmd.model_version.empty())) {
    return InvalidArgumentError("principal " + cmd.id +
                                ": a model needs a model name and version");
  }
  if (!model && (!cmd.model_name.empty() || !cmd.model_version.empty())) {
    return InvalidArgumentError("principal " + cmd.id +
                                ": only a model has a model name and version");
  }
  return OkStatus();
}

}  // namespace

StatusOr<RegisteredPrincipal> CommandHandler::RegisterPrincipal(
    std::string_view actor, const RegisterPrincipalCommand& cmd) {
  RETURN_IF_ERROR(CheckDomainId("principal id", cmd.id));
  RETURN_IF_ERROR(CheckModelFields(cmd));
  IssuedToken token;
  auto c = core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    const DomainState& s = t.state();
    RETURN_IF_ERROR(t.auth().RequireAdmin(""));
    if (s.FindPrincipal(cmd.id) != nullptr)
      return AlreadyExistsError("principal " + cmd.id + " already exists");
    std::set<RoleGrant> seen;
    for (const RoleSpec& r : cmd.roles) {
      RETURN_IF_ERROR(CheckGrantable(s, cmd.id, cmd.kind, r));
      if (!seen.insert(RoleGrant{r.role, r.project}).second)
        return InvalidArgumentError("role " + RoleText(r) + " given twice");
    }
    std::string pseudonym = Pseudonym(s, cmd);
    ASSIGN_OR_RETURN(token, NewToken());
    EventHeader h{std::string(actor), ""};
    std::vector<EventDraft> d;
    d.push_back(
        MakePrincipalRegistered(h, {.principal_id = cmd.id,
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
    return d;
  });
  if (!c.ok()) return std::move(c).status();
  return RegisteredPrincipal{std::move(token), std::move(*c)};
}

StatusOr<IssuedToken> CommandHandler::IssueToken(
    std::string_view actor, std::string_view principal_id) {
  IssuedToken token;
  auto c = core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    if (t.state().FindPrincipal(principal_id) == nullptr)
      return NotFoundError("principal " + std::string(principal_id) +
                           " not found");
    if (actor != principal_id) RETURN_IF_ERROR(t.auth().RequireAdmin(""));
    ASSIGN_OR_RETURN(token, NewToken());
    return Drafts(MakeTokenIssued({std::string(actor), ""}, principal_id,
                                  Sha256(token.token), token.expires_at_us));
  });
  RETURN_IF_ERROR(c.status());
  return token;
}

StatusOr<Committed> CommandHandler::GrantRole(std::string_view actor,
                                              std::string_view principal_id,
                                              const RoleSpec& role) {
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    const PrincipalState* p = t.state().FindPrincipal(principal_id);
    if (p == nullptr)
      return NotFoundError("principal " + std::string(principal_id) +
                           " not found");
    RETURN_IF_ERROR(CheckGrantable(t.state(), principal_id, p->kind, role));
    // Project admins may grant roles in their project, except admin itself.
    RETURN_IF_ERROR(t.auth().RequireAdmin(
        role.role == fb::Role::Admin ? "" : role.project));
    if (p->roles.count(RoleGrant{role.role, role.project})) {
      return AlreadyExistsError("principal " + std::string(principal_id) +
                                " already holds the role " + RoleText(role));
    }
    return Drafts(MakeRoleGranted({std::string(actor), ""}, principal_id,
                                  role.role, role.project));
  }));
}

StatusOr<Committed> CommandHandler::RevokeRole(std::string_view actor,
                                               std::string_view principal_id,
                                               const RoleSpec& role) {
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    const PrincipalState* p = t.state().FindPrincipal(principal_id);
    if (p == nullptr)
      return NotFoundError("principal " + std::string(principal_id) +
                           " not found");
    RETURN_IF_ERROR(t.auth().RequireAdmin(
        role.role == fb::Role::Admin ? "" : role.project));
    if (!p->roles.count(RoleGrant{role.role, role.project})) {
      return NotFoundError("principal " + std::string(principal_id) +
                           " does not hold the role " + RoleText(role));
    }
    // Without a global admin the ledger would fall back to bootstrap mode,
    // where anyone administers.
    if (role.role == fb::Role::Admin && role.project.empty()) {
      size_t admins = 0;
      for (const auto& [id, q] : t.state().principals())
        admins += q.roles.count(RoleGrant{fb::Role::Admin, ""});
      if (admins <= 1)
        return FailedPreconditionError(
            "principal " + std::string(principal_id) +
            " is the last global admin; grant the role to another principal "
            "first");
    }
    return Drafts(MakeRoleRevoked({std::string(actor), ""}, principal_id,
                                  role.role, role.project));
  }));
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
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    RETURN_IF_ERROR(t.auth().RequireAdmin(""));
    if (t.state().FindSchema(schema.id(), version) != nullptr)
      return AlreadyExistsError("schema " + schema.Ref() +
                                " is already published");
    uint32_t latest = t.state().LatestSchemaVersion(schema.id());
    if (version != latest + 1) {
      return FailedPreconditionError("schema " + schema.Ref() +
                                     ": the next version of " + schema.id() +
                                     " is " + std::to_string(latest + 1));
    }
    return Drafts(MakeSchemaPublished(
        {std::string(actor), ""},
        {.schema_id = schema.id(),
         .version = version,
         .parent_version = static_cast<uint32_t>(schema.parent().value_or(0)),
         .changelog = schema.changelog(),
         .definition = definition}));
  }));
}

namespace {

// One import line's verdict: accepted with its draft, or rejected.
void ImportLine(const ExclusiveTxn& t, std::string_view project,
                const RecordLine& line,
                std::unordered_map<std::string, size_t>& in_file,
                LineSink& sink) {
  LineOutcome out;
  out.line = line.line;
  const StatusOr<ImportRecordCommand>& rec = line.command;
  if (!rec.ok()) {
    out.status = rec.status();
    return sink.Reject(std::move(out));
  }
  out.id = rec->id;
  if (t.state().FindRecord(rec->id) != nullptr) {
    out.status = AlreadyExistsError("record " + rec->id + " already exists");
    return sink.Reject(std::move(out));
  }
  if (auto it = in_file.find(rec->id); it != in_file.end()) {
    out.status =
        AlreadyExistsError("record " + rec->id + " is already on line " +
                           std::to_string(it->second) + " of this file");
    return sink.Reject(std::move(out));
  }
  EventDraft d = MakeRecordImported({std::string(t.actor()), ""}, rec->id,
                                    project, rec->content, rec->metadata);
  out.status = d.Validate();
  if (!out.status.ok()) {
    out.status = out.status.WithContext("record " + rec->id);
    return sink.Reject(std::move(out));
  }
  in_file.emplace(rec->id, out.line);
  sink.Accept(std::move(out), std::move(d));
}

}  // namespace

StatusOr<BulkReport> CommandHandler::ImportRecords(
    std::string_view actor, std::string_view project_id,
    std::span<const RecordLine> lines, bool atomic) {
  RETURN_IF_ERROR(CheckDomainId("project id", project_id));
  return core_->ExclusiveLines(
      actor,
      [&](const ExclusiveTxn& t, LineSink& sink) -> Status {
        RETURN_IF_ERROR(t.auth().AdminOfProject(project_id));
        std::unordered_map<std::string, size_t> in_file;  // id -> line
        for (const RecordLine& line : lines)
          ImportLine(t, project_id, line, in_file, sink);
        return OkStatus();
      },
      atomic);
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
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    RETURN_IF_ERROR(t.auth().AdminOfProject(project_id));
    if (t.state().FindBatch(project_id, batch_id) != nullptr) {
      return AlreadyExistsError(b + " already exists in project " +
                                std::string(project_id));
    }
    for (const std::string& r : record_ids) {
      const RecordState* rec = t.state().FindRecord(r);
      if (rec == nullptr || rec->project != project_id)
        return NotFoundError(b + ": record " + r + " not found in project " +
                             std::string(project_id));
    }
    return Drafts(MakeCalibrationBatchCreated(
        {std::string(actor), ""}, project_id, batch_id, record_ids));
  }));
}

StatusOr<Committed> CommandHandler::Assign(std::string_view actor,
                                           std::string_view project_id,
                                           std::string_view record_id,
                                           std::string_view annotator_id) {
  RETURN_IF_ERROR(CheckDomainId("project id", project_id));
  RETURN_IF_ERROR(CheckDomainId("record id", record_id));
  RETURN_IF_ERROR(CheckDomainId("annotator id", annotator_id));
  std::string project(project_id), record(record_id), annotator(annotator_id);
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    RETURN_IF_ERROR(t.auth().AdminOfRecord(project, record).status());
    const PrincipalState* p = t.state().FindPrincipal(annotator);
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
    if (t.state().IsAssigned(record, annotator)) {
      return AlreadyExistsError("record " + record +
                                " is already assigned to " + annotator);
    }
    return Drafts(MakeAssignmentCreated({std::string(actor), ""}, project,
                                        record, annotator));
  }));
}

StatusOr<Committed> CommandHandler::RevokeAssignment(
    std::string_view actor, std::string_view project_id,
    std::string_view record_id, std::string_view annotator_id,
    std::string_view reason) {
  std::string project(project_id), record(record_id), annotator(annotator_id);
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    RETURN_IF_ERROR(t.auth().AdminOfRecord(project, record).status());
    if (!t.state().IsAssigned(record, annotator)) {
      return NotFoundError("record " + record + " is not assigned to " +
                           annotator);
    }
    return Drafts(MakeAssignmentRevoked({std::string(actor), ""}, project,
                                        record, annotator, reason));
  }));
}

StatusOr<Committed> CommandHandler::RecordGoldAnswer(
    std::string_view actor, const GoldAnswerCommand& cmd) {
  RETURN_IF_ERROR(CheckDomainId("record id", cmd.record_id));
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    const RecordState* rec = t.state().FindRecord(cmd.record_id);
    if (rec == nullptr)
      return NotFoundError("record " + cmd.record_id + " not found");
    RETURN_IF_ERROR(t.auth().RequireAdmin(rec->project));
    const SchemaState* s =
        t.state().FindSchema(cmd.schema_id, cmd.schema_version);
    if (s == nullptr)
      return NotFoundError("schema " +
                           SchemaRef(cmd.schema_id, cmd.schema_version) +
                           " not found");
    if (rec->shape == nullptr)
      return FailedPreconditionError("record " + cmd.record_id +
                                     " has no readable content (sealed or "
                                     "not a record document)");
    // The validator names an annotation; a gold answer is named by its
    // record.
    const std::string label = "gold answer for record " + cmd.record_id;
    Status v =
        schemas::ValidateAnnotation(*s->schema, *rec->shape, label, cmd.values);
    if (!v.ok()) {
      std::string m = v.message();
      const std::string prefix = "annotation " + label;
      if (m.rfind(prefix, 0) == 0)
        m = m.substr(std::string("annotation ").size());
      return InvalidArgumentError(std::move(m));
    }
    ASSIGN_OR_RETURN(std::string values, CanonicalizeJson(cmd.values));
    return Drafts(MakeGoldAnswerRecorded({std::string(actor), ""},
                                         {.project_id = rec->project,
                                          .record_id = cmd.record_id,
                                          .schema_id = cmd.schema_id,
                                          .schema_version = cmd.schema_version,
                                          .values = values}));
  }));
}

// ---------------------------------------------------------------------------
// Annotations
// ---------------------------------------------------------------------------

namespace {

// An annotation command by reference: the single-command entry points
// (SubmitAnnotation...) pass theirs without copying it, values included.
struct AnnotationRef {
  AnnotationCommand::Op op = AnnotationCommand::Op::kSubmit;
  const SubmitAnnotationCommand* submit = nullptr;
  const ReviseAnnotationCommand* revise = nullptr;
  const WithdrawAnnotationCommand* withdraw = nullptr;
  explicit AnnotationRef(const AnnotationCommand& c)
      : op(c.op), submit(&c.submit), revise(&c.revise), withdraw(&c.withdraw) {}
  explicit AnnotationRef(const SubmitAnnotationCommand& c)
      : op(AnnotationCommand::Op::kSubmit), submit(&c) {}
  explicit AnnotationRef(const ReviseAnnotationCommand& c)
      : op(AnnotationCommand::Op::kRevise), revise(&c) {}
  explicit AnnotationRef(const WithdrawAnnotationCommand& c)
      : op(AnnotationCommand::Op::kWithdraw), withdraw(&c) {}
  const std::string& annotation_id() const {
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
};

// Effects of earlier lines of an atomic bulk command.
struct Overlay {
  std::unordered_map<std::string, AnnotationState> annotations;
};

// The annotator's standing on the record: a person needs the annotator role
// and an assignment; a model needs the annotator role and a schema with
// descriptive fields. Sets `model` ("name@version") for a model.
Status CheckAnnotator(const DomainState& s, const AnnotationState& a,
                      const SchemaState& schema, std::string* model) {
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
    *model = p->model_name + "@" + p->model_version;
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

// One annotation command as WriteCore::Concurrent runs it (and atomic bulk
// annotation inside ExclusiveLines, against the overlay): Check is phase A,
// Draft phase B, Recheck phase C (docs/commands.md, "Concurrency").
class AnnotationOp {
 public:
  AnnotationOp(std::string_view actor, const AnnotationRef& cmd,
               const Overlay* overlay)
      : actor_(actor), cmd_(cmd), overlay_(overlay) {}

  // Phase A: everything that depends on the state. Takes pointers to the
  // schema and record shape: DomainState never drops or replaces a published
  // schema version or a record's shape (the first definition wins), so they
  // live as long as the state; copying the shared pointers cost three
  // contended atomic increments and decrements per command.
  Status Check(const DomainState& s) {
    const std::string& id = cmd_.annotation_id();
    const AnnotationState* existing = nullptr;
    if (overlay_ != nullptr) {
      if (auto it = overlay_->annotations.find(id);
          it != overlay_->annotations.end()) {
        existing = &it->second;
      }
    }
    if (existing == nullptr) existing = s.FindAnnotation(id);
    if (cmd_.op == AnnotationCommand::Op::kSubmit)
      return CheckSubmit(s, existing);
    return CheckChange(s, existing);
  }

  // Phase B: validation and encoding, on this thread, without locks.
  StatusOr<EventDraft> Draft();

  // Phase C, when something was applied since phase A.
  Status Recheck(const DomainState& s) const {
    const std::string& id = cmd_.annotation_id();
    const AnnotationState* now = s.FindAnnotation(id);
    if (cmd_.op == AnnotationCommand::Op::kSubmit) {
      if (now != nullptr)
        return AlreadyExistsError("annotation " + id + " already exists");
      return OkStatus();
    }
    if (now == nullptr || now->withdrawn ||
        now->revision != expected_revision_) {
      return Conflict();
    }
    return OkStatus();
  }

  const std::string& reserved_key() const { return cmd_.annotation_id(); }

  // A command on the same annotation is between reservation and apply.
  Status Conflict() const {
    const std::string& id = cmd_.annotation_id();
    if (cmd_.op == AnnotationCommand::Op::kSubmit)
      return AlreadyExistsError("annotation " + id +
                                " is being submitted concurrently");
    return AbortedError("annotation " + id + ": expected revision " +
                        std::to_string(expected_revision_) +
                        ", but a concurrent change to it was accepted first");
  }

  // The annotation as it is after this command (atomic bulk's overlay).
  AnnotationState& effect() { return annotation_; }

 private:
  Status CheckSubmit(const DomainState& s, const AnnotationState* existing);
  Status CheckChange(const DomainState& s, const AnnotationState* existing);
  Status ValidateValues() const;
  EventDraft BuildDraft(std::string_view values) const;

  std::string_view actor_;
  const AnnotationRef& cmd_;
  const Overlay* overlay_;
  // What phase B needs, taken in phase A.
  const schemas::TaskSchema* schema_ = nullptr;  // full version
  const schemas::TaskSchema* descriptive_ = nullptr;
  const schemas::RecordShape* shape_ = nullptr;
  const std::string* values_ = nullptr;  // submit and revise
  uint32_t expected_revision_ = 0;       // revise and withdraw
  AnnotationState annotation_;           // as it will be after the command
  std::string model_;                    // "name@version" for a model
};

Status AnnotationOp::CheckSubmit(const DomainState& s,
                                 const AnnotationState* existing) {
  const SubmitAnnotationCommand& c = *cmd_.submit;
  const std::string& id = c.annotation_id;
  RETURN_IF_ERROR(CheckDomainId("record id", c.record_id));
  RETURN_IF_ERROR(CheckDomainId("annotator id", c.annotator_id));
  if (existing != nullptr)
    return AlreadyExistsError("annotation " + id + " already exists");
  const RecordState* rec = s.FindRecord(c.record_id);
  if (rec == nullptr)
    return NotFoundError("annotation " + id + ": record " + c.record_id +
                         " not found");
  const SchemaState* schema = s.FindSchema(c.schema_id, c.schema_version);
  if (schema == nullptr) {
    return NotFoundError("annotation " + id + ": schema " +
                         SchemaRef(c.schema_id, c.schema_version) +
                         " not found");
  }
  AnnotationState& a = annotation_;
  a.id = id;
  a.project = rec->project;
  a.record = c.record_id;
  a.annotator = c.annotator_id;
  a.schema_id = c.schema_id;
  a.schema_version = c.schema_version;
  a.revision = 1;
  RETURN_IF_ERROR(
      Authorizer(s, actor_).ActorMayActFor(a.annotator, a.project, "submit"));
  RETURN_IF_ERROR(CheckAnnotator(s, a, *schema, &model_));
  a.by_model = !model_.empty();
  if (rec->shape == nullptr) {
    return FailedPreconditionError(
        "annotation " + id + ": record " + c.record_id +
        " has no readable content (sealed or not a record document)");
  }
  schema_ = schema->schema.get();
  descriptive_ = schema->descriptive.get();
  shape_ = rec->shape.get();
  values_ = &c.values;
  return OkStatus();
}

Status AnnotationOp::CheckChange(const DomainState& s,
                                 const AnnotationState* existing) {
  const std::string& id = cmd_.annotation_id();
  const bool revise = cmd_.op == AnnotationCommand::Op::kRevise;
  const uint32_t expected = revise ? cmd_.revise->expected_revision
                                   : cmd_.withdraw->expected_revision;
  if (existing == nullptr)
    return NotFoundError("annotation " + id + " not found");
  annotation_ = *existing;
  AnnotationState& a = annotation_;
  RETURN_IF_ERROR(Authorizer(s, actor_).ActorMayActFor(
      a.annotator, a.project, revise ? "revise" : "withdraw"));
  if (a.withdrawn)
    return FailedPreconditionError("annotation " + id + " is withdrawn");
  if (expected != a.revision) {
    return AbortedError(
        "annotation " + id + ": expected revision " + std::to_string(expected) +
        ", but the current revision is " + std::to_string(a.revision));
  }
  expected_revision_ = expected;
  if (!revise) {
    if (cmd_.withdraw->reason.empty())
      return InvalidArgumentError("annotation " + id +
                                  ": a withdrawal needs a reason");
    a.withdrawn = true;
    return OkStatus();
  }
  const SchemaState* schema = s.FindSchema(a.schema_id, a.schema_version);
  const RecordState* rec = s.FindRecord(a.record);
  if (schema == nullptr || rec == nullptr || rec->shape == nullptr) {
    return FailedPreconditionError(
        "annotation " + id + ": its record or schema " +
        SchemaRef(a.schema_id, a.schema_version) + " is unavailable");
  }
  RETURN_IF_ERROR(CheckAnnotator(s, a, *schema, &model_));
  schema_ = schema->schema.get();
  descriptive_ = schema->descriptive.get();
  shape_ = rec->shape.get();
  values_ = &cmd_.revise->values;
  a.revision = expected + 1;
  return OkStatus();
}

Status AnnotationOp::ValidateValues() const {
  const std::string& id = cmd_.annotation_id();
  const schemas::TaskSchema* schema = schema_;
  if (!model_.empty()) {
    RETURN_IF_ERROR(CheckModelKeys(*schema_, *descriptive_, id,
                                   annotation_.annotator, model_, *values_));
    schema = descriptive_;
  }
  return schemas::ValidateAnnotation(*schema, *shape_, id, *values_);
}

EventDraft AnnotationOp::BuildDraft(std::string_view values) const {
  const std::string& id = cmd_.annotation_id();
  EventHeader header{std::string(actor_), ""};
  const AnnotationState& a = annotation_;
  switch (cmd_.op) {
    case AnnotationCommand::Op::kSubmit:
      break;
    case AnnotationCommand::Op::kRevise:
      return MakeAnnotationRevised(header,
                                   {.annotation_id = id,
                                    .project_id = a.project,
                                    .record_id = a.record,
                                    .expected_revision = expected_revision_,
                                    .new_revision = expected_revision_ + 1,
                                    .values = values,
                                    .reason = cmd_.revise->reason});
    case AnnotationCommand::Op::kWithdraw:
      return MakeAnnotationWithdrawn(header,
                                     {.annotation_id = id,
                                      .project_id = a.project,
                                      .record_id = a.record,
                                      .expected_revision = expected_revision_,
                                      .reason = cmd_.withdraw->reason});
  }
  return MakeAnnotationSubmitted(header, {.annotation_id = id,
                                          .project_id = a.project,
                                          .record_id = a.record,
                                          .annotator_id = a.annotator,
                                          .schema_id = a.schema_id,
                                          .schema_version = a.schema_version,
                                          .values = values,
                                          .revision = 1});
}

StatusOr<EventDraft> AnnotationOp::Draft() {
  std::string_view values;  // the command's values, until the draft is built
  if (values_ != nullptr) {
    RETURN_IF_ERROR(ValidateValues());
    // Stored as submitted: the validator has proved it strict JSON with no
    // duplicate keys, so every reader decodes the same document; exports
    // canonicalize. (Re-serializing here would double the encoding cost on
    // the submit path: docs/commands.md, "Concurrency".)
    values = *values_;
  }
  EventDraft draft = BuildDraft(values);
  // Ids were checked in phase A and the builders set every envelope field;
  // only the size limit is left. The ledger verifies the whole draft once
  // more in Append*, so the FlatBuffers verifier does not run twice here.
  if (draft.bytes().size() > kMaxEventBytes) {
    return InvalidArgumentError(
        "annotation " + cmd_.annotation_id() + ": event is " +
        std::to_string(draft.bytes().size()) + " bytes encoded; the limit is " +
        std::to_string(kMaxEventBytes));
  }
  return draft;
}

static_assert(ConcurrentCommand<AnnotationOp>);

void RunAnnotation(WriteCore& core, std::string_view actor,
                   const AnnotationRef& cmd, Callback done) {
  Status id = CheckDomainId("annotation id", cmd.annotation_id());
  if (!id.ok()) return done(std::move(id));
  AnnotationOp op(actor, cmd, nullptr);
  core.Concurrent(op, std::move(done));
}

StatusOr<Committed> Wait(const std::function<void(Callback)>& start) {
  std::promise<StatusOr<Committed>> p;
  std::future<StatusOr<Committed>> f = p.get_future();
  start([&p](StatusOr<Committed> c) { p.set_value(std::move(c)); });
  return f.get();
}

}  // namespace

void CommandHandler::SubmitAnnotationAsync(std::string_view actor,
                                           const SubmitAnnotationCommand& cmd,
                                           Callback done) {
  RunAnnotation(*core_, actor, AnnotationRef(cmd), std::move(done));
}
void CommandHandler::ReviseAnnotationAsync(std::string_view actor,
                                           const ReviseAnnotationCommand& cmd,
                                           Callback done) {
  RunAnnotation(*core_, actor, AnnotationRef(cmd), std::move(done));
}
void CommandHandler::WithdrawAnnotationAsync(
    std::string_view actor, const WithdrawAnnotationCommand& cmd,
    Callback done) {
  RunAnnotation(*core_, actor, AnnotationRef(cmd), std::move(done));
}

StatusOr<Committed> CommandHandler::SubmitAnnotation(
    std::string_view actor, const SubmitAnnotationCommand& cmd) {
  return Wait([&](Callback cb) {
    RunAnnotation(*core_, actor, AnnotationRef(cmd), std::move(cb));
  });
}
StatusOr<Committed> CommandHandler::ReviseAnnotation(
    std::string_view actor, const ReviseAnnotationCommand& cmd) {
  return Wait([&](Callback cb) {
    RunAnnotation(*core_, actor, AnnotationRef(cmd), std::move(cb));
  });
}
StatusOr<Committed> CommandHandler::WithdrawAnnotation(
    std::string_view actor, const WithdrawAnnotationCommand& cmd) {
  return Wait([&](Callback cb) {
    RunAnnotation(*core_, actor, AnnotationRef(cmd), std::move(cb));
  });
}

BulkReport CommandHandler::Annotate(std::string_view actor,
                                    std::span<const AnnotationLine> lines,
                                    bool atomic) {
  if (atomic) return AnnotateAtomic(actor, lines);
  std::vector<LineOutcome> outcomes;
  outcomes.reserve(lines.size());
  for (const AnnotationLine& line : lines) {
    LineOutcome out{line.line, "", OkStatus(), {}};
    if (line.command.ok()) {
      out.id = line.command->annotation_id();
    } else {
      out.status = line.command.status();
    }
    outcomes.push_back(std::move(out));
  }
  return core_->ConcurrentLines(
      std::move(outcomes), [&](size_t i, Callback done) {
        RunAnnotation(*core_, actor, AnnotationRef(*lines[i].command),
                      std::move(done));
      });
}

BulkReport CommandHandler::AnnotateAtomic(
    std::string_view actor, std::span<const AnnotationLine> lines) {
  auto decide = [&](const ExclusiveTxn& t, LineSink& sink) -> Status {
    Overlay overlay;
    for (const AnnotationLine& line : lines) {
      LineOutcome out;
      out.line = line.line;
      if (!line.command.ok()) {
        out.status = line.command.status();
        sink.Reject(std::move(out));
        continue;
      }
      AnnotationRef cmd(*line.command);
      out.id = cmd.annotation_id();
      AnnotationOp op(actor, cmd, &overlay);
      out.status = CheckDomainId("annotation id", out.id);
      if (out.status.ok()) out.status = op.Check(t.state());
      StatusOr<EventDraft> draft =
          out.status.ok() ? op.Draft() : StatusOr<EventDraft>(out.status);
      if (!draft.ok()) {
        out.status = draft.status();
        sink.Reject(std::move(out));
        continue;
      }
      overlay.annotations[out.id] = std::move(op.effect());
      sink.Accept(std::move(out), std::move(*draft));
    }
    return OkStatus();
  };
  // Every line's error is its outcome: the command as a whole cannot fail.
  return *core_->ExclusiveLines(actor, decide, /*atomic=*/true);
}

// ---------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------

namespace {

Status CheckAccessCommand(std::string_view actor,
                          const RecordAccessCommand& cmd) {
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
  return OkStatus();
}

}  // namespace

StatusOr<Committed> CommandHandler::RecordAccess(
    std::string_view actor, const RecordAccessCommand& cmd) {
  RETURN_IF_ERROR(CheckAccessCommand(actor, cmd));
  std::string record, project;
  auto check = [&](const DomainState& s) -> Status {
    if (cmd.resource_kind == "record") {
      if (const RecordState* r = s.FindRecord(cmd.resource_id)) {
        record = r->id;
        project = r->project;
      }
    } else if (cmd.resource_kind == "annotation") {
      if (const AnnotationState* a = s.FindAnnotation(cmd.resource_id)) {
        record = a->record;
        project = a->project;
      }
    } else if (cmd.resource_kind == "project") {
      if (s.FindProject(cmd.resource_id) != nullptr) project = cmd.resource_id;
    }
    const bool content =
        cmd.resource_kind == "record" || cmd.resource_kind == "annotation";
    if (cmd.allowed && content && record.empty()) {
      return NotFoundError(cmd.resource_kind + " " + cmd.resource_id +
                           " not found");
    }
    return OkStatus();
  };
  auto draft = [&]() -> StatusOr<EventDraft> {
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
    return d;
  };
  return core_->Queued(check, draft);
}

}  // namespace consilium::domain
