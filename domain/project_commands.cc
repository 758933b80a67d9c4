#include "domain/project_commands.h"

#include <algorithm>
#include <future>
#include <set>
#include <thread>
#include <unordered_map>

#include "deid/detector.h"
#include "domain/internal/command_util.h"
#include "domain/internal/record_text.h"
#include "schemas/annotation_text.h"
#include "schemas/annotation_validator.h"
#include "schemas/deid_events.h"
#include "schemas/event_json.h"

namespace consilium::domain {

using internal::Drafted;
using internal::kMaxUint32;
using internal::Quote;
using internal::SchemaRef;

StatusOr<Committed> ProjectCommands::PublishSchema(
    std::string_view actor, std::string_view definition) {
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

// What the de-identification gate found on one import line (docs/deid.md,
// "The import gate"): the detector's hits in the record's text, and a
// refusal when its metadata holds an identifier ("Metadata").
struct Screened {
  DeidReportFields report;
  Status metadata;
};

Screened Screen(const DeidGate& gate, const ImportRecordCommand& rec) {
  Screened out;
  if (!gate.enabled) {
    out.report.detector = "off";
    return out;
  }
  const std::shared_ptr<const deid::Detector> detector =
      gate.detector != nullptr ? gate.detector : deid::BuiltInDetector();
  out.report.detector =
      gate.identity.empty() ? deid::DetectorIdentity("") : gate.identity;
  out.metadata = internal::CheckMetadataClean(*detector, rec.metadata);
  const std::string text = internal::RecordText(rec.content);
  for (const deid::Hit& h : detector->Scan(text)) {
    out.report.hits.push_back({std::string(deid::PhiTypeName(h.type)),
                               static_cast<uint32_t>(h.begin),
                               static_cast<uint32_t>(h.end)});
  }
  return out;
}

// The verdicts on every readable line (empty for the others), computed
// before the import takes the write gate: the scan is the costly part of
// an import, and pure. Split over a few threads for a large file.
std::vector<Screened> ScreenAll(const DeidGate& gate,
                                std::span<const RecordLine> lines) {
  std::vector<Screened> reports(lines.size());
  auto run = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      if (lines[i].command.ok()) reports[i] = Screen(gate, *lines[i].command);
    }
  };
  const size_t threads =
      lines.size() < 512
          ? 1
          : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  std::vector<std::thread> pool;
  const size_t per = (lines.size() + threads - 1) / threads;
  for (size_t k = 1; k < threads; ++k) {
    pool.emplace_back(run, std::min(k * per, lines.size()),
                      std::min((k + 1) * per, lines.size()));
  }
  run(0, std::min(per, lines.size()));
  for (std::thread& t : pool) t.join();
  return reports;
}

// The RecordImported of `rec` with its detector report: its content sealed
// under its subject's data key on an encrypted ledger (docs/encryption.md),
// plain otherwise.
StatusOr<EventDraft> DraftImport(const ExclusiveTxn& t,
                                 std::string_view project,
                                 const ImportRecordCommand& rec,
                                 const DeidReportFields& report) {
  const EventHeader header{std::string(t.actor()), ""};
  const ContentKeys& keys = t.state().content_keys();
  if (!keys.encrypted) {
    if (!rec.subject.empty()) {
      return InvalidArgumentError(
          "subject: only an encrypted ledger keeps subjects (docs/"
          "encryption.md)");
    }
    return MakeRecordImported(header, rec.id, project, rec.content,
                              rec.metadata, report);
  }
  if (keys.store == nullptr) {
    return FailedPreconditionError(
        "the ledger is encrypted and its content must be sealed; " +
        std::string(kKekHint));
  }
  const std::string& subject = rec.subject.empty() ? rec.id : rec.subject;
  return MakeSealedRecordImported(header, rec.id, project, subject, rec.content,
                                  rec.metadata, report, *keys.store);
}

// One import line's verdict: accepted with its draft, or rejected.
void ImportLine(const ExclusiveTxn& t, std::string_view project,
                const RecordLine& line, const Screened& screened,
                std::unordered_map<std::string, size_t>& in_file,
                LineSink& sink) {
  const DeidReportFields& report = screened.report;
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
  if (!screened.metadata.ok()) {
    out.status = screened.metadata.WithContext("record " + rec->id);
    return sink.Reject(std::move(out));
  }
  StatusOr<EventDraft> draft = DraftImport(t, project, *rec, report);
  if (!draft.ok()) {
    out.status = draft.status().WithContext("record " + rec->id);
    return sink.Reject(std::move(out));
  }
  EventDraft d = std::move(*draft);
  out.status = d.Validate();
  if (!out.status.ok()) {
    out.status = out.status.WithContext("record " + rec->id);
    return sink.Reject(std::move(out));
  }
  in_file.emplace(rec->id, out.line);
  if (report.hits.empty()) return sink.Accept(std::move(out), std::move(d));
  // Held back until a reviewer releases or redacts it.
  EventDraft held = MakeRecordQuarantined({std::string(t.actor()), ""}, project,
                                          rec->id, report);
  sink.Accept(std::move(out), std::move(d), std::move(held));
}

}  // namespace

StatusOr<BulkReport> ProjectCommands::ImportRecords(
    std::string_view actor, std::string_view project_id,
    std::span<const RecordLine> lines, bool atomic) {
  RETURN_IF_ERROR(CheckDomainId("project id", project_id));
  // Not one record is scanned for an actor who may not import (checked
  // again under the gate, where it counts).
  DeidGate gate;
  ContentKeys keys;
  RETURN_IF_ERROR(core_->Read([&](const DomainState& s) {
    gate = s.deid_gate();
    keys = s.content_keys();
    return Authorizer(s, actor).AdminOfProject(project_id);
  }));
  const std::vector<Screened> reports = ScreenAll(gate, lines);
  if (keys.encrypted && keys.store != nullptr) {
    // The new subjects' data keys in one durable step rather than one each
    // as their records are sealed (KeyStore::CreateKeys).
    std::vector<std::string> subjects;
    subjects.reserve(lines.size());
    for (const RecordLine& line : lines) {
      if (!line.command.ok()) continue;
      const ImportRecordCommand& rec = *line.command;
      const std::string& subject = rec.subject.empty() ? rec.id : rec.subject;
      if (!subject.empty()) subjects.push_back(subject);
    }
    RETURN_IF_ERROR(keys.store->CreateKeys(subjects).status());
  }
  return core_->ExclusiveLines(
      actor,
      [&](const ExclusiveTxn& t, LineSink& sink) -> Status {
        RETURN_IF_ERROR(t.auth().AdminOfProject(project_id));
        std::unordered_map<std::string, size_t> in_file;  // id -> line
        for (size_t i = 0; i < lines.size(); ++i)
          ImportLine(t, project_id, lines[i], reports[i], in_file, sink);
        return OkStatus();
      },
      atomic);
}

StatusOr<Committed> ProjectCommands::CreateBatch(
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

StatusOr<Committed> ProjectCommands::Assign(std::string_view actor,
                                            std::string_view project_id,
                                            std::string_view record_id,
                                            std::string_view annotator_id) {
  RETURN_IF_ERROR(CheckDomainId("project id", project_id));
  RETURN_IF_ERROR(CheckDomainId("record id", record_id));
  RETURN_IF_ERROR(CheckDomainId("annotator id", annotator_id));
  std::string project(project_id), record(record_id), annotator(annotator_id);
  return Single(core_->Exclusive(actor, [&](const ExclusiveTxn& t) -> Drafted {
    ASSIGN_OR_RETURN(const RecordState* rec,
                     t.auth().AdminOfRecord(project, record));
    if (rec->quarantined()) {
      return FailedPreconditionError(
          "record " + record +
          " is held by the de-identification gate (quarantined) until a "
          "reviewer releases or redacts it (`consilium deid queue`)");
    }
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

StatusOr<Committed> ProjectCommands::RevokeAssignment(
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

StatusOr<Committed> ProjectCommands::RecordGoldAnswer(
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
    // On an encrypted ledger the free text is sealed, as an annotation's.
    SealedContent sealed;
    const SealedTextFields text{
        .subject = rec->subject.empty() ? rec->id : rec->subject,
        .sealed = &sealed};
    ASSIGN_OR_RETURN(SplitText split,
                     SealFreeText(t.state().content_keys(), *s->schema, values,
                                  text.subject, label, &sealed));
    return Drafts(MakeGoldAnswerRecorded(
        {std::string(actor), ""},
        {.project_id = rec->project,
         .record_id = cmd.record_id,
         .schema_id = cmd.schema_id,
         .schema_version = cmd.schema_version,
         .values = split.counted,
         .sealed_text = split.text.empty() ? nullptr : &text}));
  }));
}

// ---------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------

namespace {

Status CheckAccessCommand(std::string_view actor,
                          const RecordAccessCommand& cmd) {
  // principal and route: what a refused server request named when it was
  // neither content nor a project (docs/authorization.md, "Denied access").
  static const std::set<std::string_view> kKinds = {
      "record",  "annotation", "project",   "schema", "batch",
      "dataset", "ledger",     "principal", "route"};
  if (!kKinds.count(cmd.resource_kind)) {
    return InvalidArgumentError(
        "access: resource kind " + Quote(cmd.resource_kind) +
        " (known: annotation, batch, dataset, ledger, principal, project, "
        "record, route, schema)");
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
  // An event's strings are JSON text: a purpose or reason quoting a
  // client's bytes must be made valid UTF-8 before it gets here.
  for (const auto& [what, text] : {std::pair<const char*, std::string_view>{
                                       "resource id", cmd.resource_id},
                                   {"purpose", cmd.purpose},
                                   {"reason", cmd.reason}}) {
    if (!schemas::CountCodePoints(text).has_value()) {
      return InvalidArgumentError(std::string("access: ") + what +
                                  " is not valid UTF-8");
    }
  }
  if (actor.empty())
    return InvalidArgumentError("access: the actor is required");
  return OkStatus();
}

}  // namespace

StatusOr<Committed> ProjectCommands::RecordAccess(
    std::string_view actor, const RecordAccessCommand& cmd) {
  std::promise<StatusOr<Committed>> p;
  std::future<StatusOr<Committed>> f = p.get_future();
  RecordAccessAsync(actor, cmd,
                    [&p](StatusOr<Committed> c) { p.set_value(std::move(c)); });
  return f.get();
}

void ProjectCommands::RecordAccessAsync(std::string_view actor,
                                        const RecordAccessCommand& cmd,
                                        Callback done) {
  if (Status s = CheckAccessCommand(actor, cmd); !s.ok()) {
    done(std::move(s));
    return;
  }
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
  // Check and draft run before QueuedAsync returns, so they may hold
  // references to this frame.
  core_->QueuedAsync(check, draft, std::move(done));
}

}  // namespace consilium::domain
