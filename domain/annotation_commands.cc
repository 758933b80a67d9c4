#include "domain/annotation_commands.h"

#include <boost/json.hpp>
#include <functional>
#include <future>
#include <string>
#include <unordered_map>

#include "common/strict_json.h"
#include "domain/internal/command_util.h"
#include "schemas/annotation_text.h"

namespace consilium::domain {

using internal::SchemaRef;

namespace {

namespace json = boost::json;

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
  EventDraft BuildDraft(std::string_view values,
                        const SealedTextFields* text) const;
  // Takes the record's subject and the content keys from `s` (phase A).
  void TakeKeys(const DomainState& s, const RecordState& rec);

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
  // Encryption at rest: the free text is sealed under `subject_`'s key.
  ContentKeys keys_{};
  std::string subject_;
};

void AnnotationOp::TakeKeys(const DomainState& s, const RecordState& rec) {
  keys_ = s.content_keys();
  if (keys_.encrypted) subject_ = rec.subject.empty() ? rec.id : rec.subject;
}

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
  if (rec->quarantined()) {
    return FailedPreconditionError(
        "annotation " + id + ": record " + c.record_id +
        " is held by the de-identification gate (quarantined) until a "
        "reviewer releases or redacts it");
  }
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
  TakeKeys(s, *rec);
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
  TakeKeys(s, *rec);
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

EventDraft AnnotationOp::BuildDraft(std::string_view values,
                                    const SealedTextFields* text) const {
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
                                    .reason = cmd_.revise->reason,
                                    .sealed_text = text});
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
                                          .revision = 1,
                                          .sealed_text = text});
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
  // On an encrypted ledger the free text leaves the values, sealed
  // (schemas/annotation_text.h).
  SplitText split;
  SealedContent sealed;
  const SealedTextFields text{.subject = subject_, .sealed = &sealed};
  if (values_ != nullptr) {
    ASSIGN_OR_RETURN(
        split, SealFreeText(keys_, *schema_, values, subject_,
                            "annotation " + cmd_.annotation_id(), &sealed));
    values = split.counted;
  }
  EventDraft draft = BuildDraft(values, split.text.empty() ? nullptr : &text);
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

// The synchronous form: runs the command and waits for its callback.
template <class Command>
StatusOr<Committed> RunAndWait(WriteCore& core, std::string_view actor,
                               const Command& cmd) {
  std::promise<StatusOr<Committed>> p;
  std::future<StatusOr<Committed>> f = p.get_future();
  RunAnnotation(core, actor, AnnotationRef(cmd),
                [&p](StatusOr<Committed> c) { p.set_value(std::move(c)); });
  return f.get();
}

}  // namespace

void AnnotationCommands::SubmitAnnotationAsync(
    std::string_view actor, const SubmitAnnotationCommand& cmd, Callback done) {
  RunAnnotation(*core_, actor, AnnotationRef(cmd), std::move(done));
}
void AnnotationCommands::ReviseAnnotationAsync(
    std::string_view actor, const ReviseAnnotationCommand& cmd, Callback done) {
  RunAnnotation(*core_, actor, AnnotationRef(cmd), std::move(done));
}
void AnnotationCommands::WithdrawAnnotationAsync(
    std::string_view actor, const WithdrawAnnotationCommand& cmd,
    Callback done) {
  RunAnnotation(*core_, actor, AnnotationRef(cmd), std::move(done));
}

StatusOr<Committed> AnnotationCommands::SubmitAnnotation(
    std::string_view actor, const SubmitAnnotationCommand& cmd) {
  return RunAndWait(*core_, actor, cmd);
}
StatusOr<Committed> AnnotationCommands::ReviseAnnotation(
    std::string_view actor, const ReviseAnnotationCommand& cmd) {
  return RunAndWait(*core_, actor, cmd);
}
StatusOr<Committed> AnnotationCommands::WithdrawAnnotation(
    std::string_view actor, const WithdrawAnnotationCommand& cmd) {
  return RunAndWait(*core_, actor, cmd);
}

BulkReport AnnotationCommands::Annotate(std::string_view actor,
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

BulkReport AnnotationCommands::AnnotateAtomic(
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

}  // namespace consilium::domain
