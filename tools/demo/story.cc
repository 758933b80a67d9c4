#include "tools/demo/story.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "render/command_input.h"

namespace consilium::cli::demo {
namespace {

namespace adj = ::consilium::adjudication;

constexpr int64_t kMinute = 60'000'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int kEriksen = 4;  // the physician who reads at night

// Working day `n` (0 = the first Monday), weekends skipped.
int64_t WorkDay(int n) { return kDemoStartUs + ((n / 5) * 7 + n % 5) * kDay; }
int64_t At(int day, int hour, int minute = 0) {
  return WorkDay(day) + hour * kHour + minute * kMinute;
}

std::string Schema(int version) {
  return "dx-reasoning@" + std::to_string(version);
}

// The first failed line of a bulk report, or OK.
Status FirstFailure(const domain::BulkReport& report) {
  for (const domain::LineOutcome& l : report.lines) {
    if (!l.status.ok())
      return l.status.WithContext("line " + std::to_string(l.line));
  }
  return OkStatus();
}

class Teller {
 public:
  Teller(const Plan& plan, domain::CommandHandler* h,
         adj::AdjudicationCommands* adj)
      : plan_(plan),
        h_(h),
        adj_(adj),
        rng_(plan.seed ^ 0x7374'6F72'7974'656Cull) {}

  Story Tell() {
    Setup();
    for (int day : {1, 2}) CalibrationDay(day, 0, day - 1, 1);
    CalibrationMeeting();
    for (int day : {4, 5}) CalibrationDay(day, 1, day - 4, 2);
    Prelabels();
    Production();
    NightReads();
    Researcher();
    Auditor();
    PlanAdjudications();
    std::stable_sort(
        story_.steps.begin(), story_.steps.end(),
        [](const Step& a, const Step& b) { return a.at_us < b.at_us; });
    return std::move(story_);
  }

 private:
  void Add(int64_t at, std::string what, uint64_t events,
           std::function<Status()> run) {
    story_.events += events;
    story_.steps.push_back({at, std::move(what), events, std::move(run)});
  }

  const std::string& Doc(int p) const { return plan_.physicians[p].id; }
  const std::string& CaseId(int c) const { return plan_.cases[c].id; }
  std::string AnnotationId(int p, int c) const {
    return CaseId(c) + "." + Doc(p);
  }

  void Access(int64_t at, const std::string& actor, std::string kind,
              std::string id, std::string action, std::string purpose,
              std::string denied_because = "") {
    domain::RecordAccessCommand cmd{.resource_kind = std::move(kind),
                                    .resource_id = std::move(id),
                                    .action = std::move(action),
                                    .purpose = std::move(purpose),
                                    .allowed = denied_because.empty(),
                                    .reason = std::move(denied_because)};
    Add(at, actor + " " + cmd.action + " " + cmd.resource_id, 1,
        [this, actor, cmd] { return h_->RecordAccess(actor, cmd).status(); });
  }

  // Reads recorded together (queued at once, then awaited): a sitting's
  // cases are opened at its start, so one timestamp covers them all.
  void AccessBurst(int64_t at, const std::string& actor,
                   std::vector<domain::RecordAccessCommand> cmds) {
    const uint64_t n = cmds.size();
    Add(at, actor + " opens " + std::to_string(n) + " resources", n,
        [this, actor, cmds = std::move(cmds)] {
          std::mutex mu;
          std::condition_variable cv;
          size_t left = cmds.size();
          Status first;
          for (const domain::RecordAccessCommand& cmd : cmds) {
            h_->RecordAccessAsync(actor, cmd, [&](StatusOr<Committed> r) {
              std::lock_guard l(mu);
              if (!r.ok() && first.ok()) first = r.status();
              if (--left == 0) cv.notify_all();
            });
          }
          std::unique_lock l(mu);
          cv.wait(l, [&] { return left == 0; });
          return first;
        });
  }
  static domain::RecordAccessCommand Read(std::string kind, std::string id,
                                          std::string purpose,
                                          std::string denied_because = "") {
    return {.resource_kind = std::move(kind),
            .resource_id = std::move(id),
            .action = "read",
            .purpose = std::move(purpose),
            .allowed = denied_because.empty(),
            .reason = std::move(denied_because)};
  }

  void Register(int64_t at, domain::RegisterPrincipalCommand cmd) {
    Add(at, "register " + cmd.id, 2 + cmd.roles.size(), [this, cmd] {
      return h_->RegisterPrincipal(kDemoAdmin, cmd).status();
    });
  }

  void AssignAll(int64_t at, int first_case, int count) {
    for (int c = first_case; c < first_case + count; ++c) {
      for (int p = 0; p < static_cast<int>(plan_.physicians.size()); ++p)
        Assign(at, c, p);
    }
  }
  void Assign(int64_t at, int c, int p) {
    Add(at, "assign " + CaseId(c) + " to " + Doc(p), 1, [this, c, p] {
      return h_->Assign(kDemoAdmin, kDemoProject, CaseId(c), Doc(p)).status();
    });
  }

  void Annotate(int64_t at, std::string actor, std::string what,
                std::vector<std::string> lines) {
    uint64_t n = lines.size();
    Add(at, std::move(what), n, [this, actor, lines = std::move(lines)] {
      std::vector<domain::AnnotationLine> parsed =
          render::ParseAnnotationLines(lines);
      return FirstFailure(h_->Annotate(actor, parsed, /*atomic=*/false));
    });
  }

  std::string SubmitLine(int p, int c, int version) const {
    Answer a = AnswerOf(plan_, p, c);
    return R"({"annotation_id":")" + AnnotationId(p, c) + R"(","record":")" +
           CaseId(c) + R"(","annotator":")" + Doc(p) + R"(","schema":")" +
           Schema(version) + R"(","values":)" +
           AnnotationValues(plan_, p, c, version, a) + "}";
  }

  void Setup();
  void CalibrationDay(int day, int batch, int half, int version);
  void Session(int day, int p, const std::vector<int>& cases, int version);
  void CalibrationMeeting();
  void Prelabels();
  void Production();
  void NightReads();
  void Researcher();
  void Auditor();
  void PlanAdjudications();
  // How an adjudicator ends one item (PlanAdjudications).
  enum class Ending { kValue, kAmbiguous, kEscalate };
  void Adjudicate(int64_t at, const std::string& who, Ending ending);
  Status Claim(const std::string& who);
  Status Close(const std::string& who, Ending ending);
  void Reopen(int64_t at);
  int CaseIndex(const std::string& record) const;

  const Plan& plan_;
  domain::CommandHandler* h_;
  adj::AdjudicationCommands* adj_;
  Rng rng_;
  Story story_;
  // While the story runs: the lease each adjudicator holds, and the records
  // decided with a value, in order.
  std::map<std::string, adj::ClaimResult> held_;
  std::vector<std::string> decided_;
};

// Day 0: the admin bootstraps the ledger, creates the project and its
// people, publishes dx-reasoning v1, imports the cases and sets up the
// first calibration batch.
void Teller::Setup() {
  using domain::RoleSpec;
  const std::string project = kDemoProject;
  Register(At(0, 8), {.id = kDemoAdmin,
                      .display_name = "Demo administrator",
                      .roles = {RoleSpec{fb::Role::Admin, ""}}});
  Add(At(0, 8, 2), "create project", 1, [this] {
    return h_
        ->CreateProject(kDemoAdmin, {.id = kDemoProject,
                                     .name = "Acute dyspnoea: reasoning-aware "
                                             "diagnosis",
                                     .overlap_target = 3,
                                     .blind_mode = true})
        .status();
  });
  int minute = 4;
  for (const Physician& p : plan_.physicians) {
    domain::RegisterPrincipalCommand cmd{
        .id = p.id,
        .display_name = p.display_name,
        .roles = {RoleSpec{fb::Role::Annotator, project}}};
    if (p.adjudicator)
      cmd.roles.push_back(RoleSpec{fb::Role::Adjudicator, project});
    Register(At(0, 8, minute++), std::move(cmd));
  }
  Register(At(0, 8, minute++),
           {.id = kDemoModel,
            .kind = fb::PrincipalKind::Model,
            .display_name = "Clinical note finding extractor",
            .model_name = "note-extractor",
            .model_version = "1.3",
            .roles = {RoleSpec{fb::Role::Annotator, project}}});
  Register(At(0, 8, minute++), {.id = kDemoAuditor,
                                .display_name = "R. Hale (compliance)",
                                .roles = {RoleSpec{fb::Role::Auditor, ""}}});
  Register(At(0, 8, minute++),
           {.id = kDemoResearcher,
            .display_name = "S. Lindqvist (ML research)",
            .roles = {RoleSpec{fb::Role::Researcher, project}}});
  Add(At(0, 8, 15), "publish dx-reasoning@1", 1,
      [this] { return h_->PublishSchema(kDemoAdmin, SchemaV1()).status(); });
  Add(At(0, 8, 20), "import the cases", plan_.cases.size(), [this] {
    std::vector<std::string> lines;
    for (const Case& c : plan_.cases) lines.push_back(RecordLine(c));
    std::vector<domain::RecordLine> parsed = render::ParseRecordLines(lines);
    StatusOr<domain::BulkReport> r =
        h_->ImportRecords(kDemoAdmin, kDemoProject, parsed, /*atomic=*/true);
    return r.ok() ? FirstFailure(*r) : r.status();
  });
  Access(At(0, 8, 25), kDemoAdmin, "project", kDemoProject, "list",
         "import check");
  for (int batch : {0, 1}) {
    int64_t at = batch == 0 ? At(0, 8, 30) : At(3, 17, 5);
    Add(at, "calibration batch", 1, [this, batch] {
      std::vector<std::string> ids;
      for (int c = batch * kCalibrationBatchSize;
           c < (batch + 1) * kCalibrationBatchSize; ++c)
        ids.push_back(CaseId(c));
      return h_
          ->CreateBatch(kDemoAdmin, kDemoProject,
                        "cal-" + std::to_string(batch + 1), ids)
          .status();
    });
    AssignAll(at + kMinute, batch * kCalibrationBatchSize,
              kCalibrationBatchSize);
  }
}

// Every physician annotates half of a calibration batch (each batch is
// read by all six).
void Teller::CalibrationDay(int day, int batch, int half, int version) {
  const int n = kCalibrationBatchSize / 2;
  std::vector<int> cases;
  for (int i = 0; i < n; ++i)
    cases.push_back(batch * kCalibrationBatchSize + half * n + i);
  for (int p = 0; p < static_cast<int>(plan_.physicians.size()); ++p)
    Session(day, p, cases, version);
}

// A sitting: the physician opens each case (an access event), a few minutes
// apart, and submits the sitting's annotations together at its end. Now and
// then they try to look at a colleague's answer, which blind mode refuses.
void Teller::Session(int day, int p, const std::vector<int>& cases,
                     int version) {
  const Physician& doc = plan_.physicians[p];
  int64_t t = At(day, doc.first_hour + static_cast<int>(rng_.Below(2)),
                 static_cast<int>(rng_.Below(45)));
  std::vector<std::string> lines;
  std::vector<domain::RecordAccessCommand> reads;
  for (int c : cases) {
    reads.push_back(Read("record", CaseId(c), "annotation"));
    lines.push_back(SubmitLine(p, c, version));
  }
  if (rng_.Below(8) == 0) {
    int peer = (p + 1 + static_cast<int>(rng_.Below(5))) % 6;
    reads.push_back(Read("annotation", AnnotationId(peer, cases.front()),
                         "annotation",
                         "blind mode: other annotators' answers are hidden"));
  }
  AccessBurst(t, doc.id, std::move(reads));
  // A few minutes per case, then one submission of the sitting's work.
  for (size_t i = 0; i < cases.size(); ++i)
    t += (3 + static_cast<int64_t>(rng_.Below(5))) * kMinute;
  Annotate(t, doc.id,
           doc.id + " submits " + std::to_string(lines.size()) + " annotations",
           std::move(lines));
}

// Day 3: the calibration meeting. Two physicians revise answers they now
// see were wrong, one withdraws an annotation, the panel's reference answers
// for cal-1 are recorded, and dx-reasoning v2 is published.
void Teller::CalibrationMeeting() {
  Access(At(3, 14), kDemoResearcher, "project", kDemoProject, "read",
         "calibration review: agreement on cal-1");
  int64_t at = At(3, 15);
  for (int p : {2, kEriksen}) {
    std::vector<std::string> lines;
    for (int c = 0; c < kCalibrationBatchSize && lines.size() < 6; ++c) {
      Answer a = AnswerOf(plan_, p, c);
      if (a.diagnosis == plan_.cases[c].truth) continue;
      a.diagnosis = plan_.cases[c].truth;
      lines.push_back(R"({"op":"revise","annotation_id":")" +
                      AnnotationId(p, c) +
                      R"(","expected_revision":1,"values":)" +
                      AnnotationValues(plan_, p, c, 1, a) +
                      R"(,"reason":"calibration meeting: criteria reviewed"})");
    }
    Annotate(at, Doc(p), Doc(p) + " revises after the meeting",
             std::move(lines));
    at += 20 * kMinute;
  }
  Annotate(at, Doc(5), Doc(5) + " withdraws an annotation",
           {R"({"op":"withdraw","annotation_id":")" + AnnotationId(5, 0) +
            R"(","expected_revision":1,"reason":"annotated from the wrong )"
            R"(note; the case stays covered by five colleagues"})"});
  for (int c = 0; c < 2 * kCalibrationBatchSize; ++c) {
    const int version = c < kCalibrationBatchSize ? 1 : 2;
    int64_t when = version == 1 ? At(3, 16, 30) : At(6, 6, 10);
    Add(when, "reference answer for " + CaseId(c), 1, [this, c, version] {
      return h_
          ->RecordGoldAnswer(kDemoAdmin,
                             {.record_id = CaseId(c),
                              .schema_id = "dx-reasoning",
                              .schema_version = static_cast<uint32_t>(version),
                              .values = GoldValues(plan_, c, version)})
          .status();
    });
  }
  Add(At(3, 17), "publish dx-reasoning@2", 1,
      [this] { return h_->PublishSchema(kDemoAdmin, SchemaV2()).status(); });
}

// Day 6, 01:00: the model pre-labels the descriptive fields of every
// production case (it reads each case first, like anyone).
void Teller::Prelabels() {
  int64_t t = At(6, 1);
  std::vector<std::string> lines;
  std::vector<domain::RecordAccessCommand> reads;
  for (int c = 2 * kCalibrationBatchSize;
       c < static_cast<int>(plan_.cases.size()); ++c) {
    reads.push_back(Read("record", CaseId(c), "pre-labelling"));
    lines.push_back(R"({"annotation_id":")" + CaseId(c) + "." + kDemoModel +
                    R"(","record":")" + CaseId(c) + R"(","annotator":")" +
                    kDemoModel + R"(","schema":"dx-reasoning@2","values":)" +
                    PrelabelValues(plan_, c) + "}");
  }
  AccessBurst(t, kDemoModel, std::move(reads));
  Annotate(t + 40 * kMinute, kDemoModel, "pre-labels", std::move(lines));
}

// Days 6 to 15: production with overlap 3, twenty cases a day each.
void Teller::Production() {
  const int first = 2 * kCalibrationBatchSize;
  std::vector<std::vector<int>> mine(plan_.physicians.size());
  for (size_t i = 0; i < plan_.production_triples.size(); ++i) {
    for (int p : plan_.production_triples[i]) {
      Assign(At(6, 6), first + static_cast<int>(i), p);
      mine[p].push_back(first + static_cast<int>(i));
    }
  }
  constexpr int kPerDay = 20;
  for (int p = 0; p < static_cast<int>(mine.size()); ++p) {
    for (size_t k = 0; k < mine[p].size(); k += kPerDay) {
      std::vector<int> today(
          mine[p].begin() + k,
          mine[p].begin() + std::min(mine[p].size(), k + kPerDay));
      Session(6 + static_cast<int>(k / kPerDay), p, today, 2);
    }
  }
}

// Three nights, from midnight to six: dr-eriksen tries to open cases that
// were never assigned to them, once an hour. The server refuses; the
// attempts are recorded (docs/audit.md, the two anomaly rules).
void Teller::NightReads() {
  std::vector<int> foreign;
  for (size_t i = 0; i < plan_.production_triples.size(); ++i) {
    const auto& t = plan_.production_triples[i];
    if (std::find(t.begin(), t.end(), kEriksen) == t.end())
      foreign.push_back(2 * kCalibrationBatchSize + static_cast<int>(i));
  }
  size_t next = 7;
  for (int day : {9, 11, 13}) {
    for (int hour = 0; hour < 6; ++hour) {
      int c = foreign[next % foreign.size()];
      next += 11;
      Access(At(day, hour, 5 + static_cast<int>(rng_.Below(50))), Doc(kEriksen),
             "record", CaseId(c), "read", "annotation",
             "not assigned to " + Doc(kEriksen));
    }
  }
}

void Teller::Researcher() {
  const std::string r = kDemoResearcher;
  Access(At(8, 15), r, "project", kDemoProject, "read",
         "agreement and calibration review");
  Access(At(10, 16), r, "dataset", std::string(kDemoProject) + "@cal-2",
         "export", "model training v0.3");
  Access(At(12, 11), r, "record", CaseId(120), "read", "error analysis",
         "researchers are not granted record content");
  Access(At(15, 17), r, "dataset", std::string(kDemoProject) + "@week-3",
         "export", "model training v0.4");
}

void Teller::Auditor() {
  const std::string a = kDemoAuditor;
  Access(At(14, 10), a, "ledger", "ledger", "verify", "quarterly audit");
  Access(At(14, 10, 5), a, "project", kDemoProject, "read",
         "quarterly audit: access history");
  Access(At(15, 9, 30), a, "ledger", "ledger", "export",
         "quarterly audit: evidence for the file");
}

// ---- Adjudication (docs/demo.md, "Adjudication") ---------------------------

// Short names of the classes, for rationales.
constexpr std::string_view kDiagnosisNames[kClasses] = {
    "pneumonia",
    "heart failure",
    "acute pulmonary oedema",
    "COPD exacerbation",
    "pulmonary embolism",
    "ARDS",
    "sepsis"};

// Policy v1 (after the calibration meeting): the default made explicit, with
// a senior tier for escalations and 20-minute leases. v2 (week 2): also
// unanimous but unsure answers, and every calibration case.
constexpr char kPolicyV1[] =
    R"({"project":"dyspnoea-dx","version":1,"lease_seconds":1200,)"
    R"("senior_adjudicators":["dr-gallagher"],"fields":{"primary_diagnosis":)"
    R"({"min_annotations":3,"triggers":{"disagreement":true}}}})";
constexpr char kPolicyV2[] =
    R"({"project":"dyspnoea-dx","version":2,"lease_seconds":1200,)"
    R"("senior_adjudicators":["dr-gallagher"],"fields":{"primary_diagnosis":)"
    R"({"min_annotations":3,"triggers":{"disagreement":true,)"
    R"("mean_confidence_at_most":0.75,"calibration_batch":true}}}})";

int Teller::CaseIndex(const std::string& record) const {
  for (size_t c = 0; c < plan_.cases.size(); ++c) {
    if (plan_.cases[c].id == record) return static_cast<int>(c);
  }
  return -1;
}

// The senior joins before the first policy names them; the policy is set
// and revised by the admin; dr-adeyemi and dr-brennan (adjudicators, who
// read only their third of production) work the queue in the afternoons,
// the senior takes the escalation and a few calibration cases; a revision
// re-opens a decided item; the rest of the queue waits.
void Teller::PlanAdjudications() {
  using domain::RoleSpec;
  Register(At(3, 16, 50),
           {.id = kDemoSenior,
            .display_name = kDemoSeniorName,
            .roles = {RoleSpec{fb::Role::Adjudicator, kDemoProject}}});
  for (int v : {1, 2}) {
    Add(v == 1 ? At(3, 17, 30) : At(8, 8),
        "adjudication policy v" + std::to_string(v), 1, [this, v] {
          return adj_
              ->SetPolicy(kDemoAdmin, kDemoProject,
                          v == 1 ? kPolicyV1 : kPolicyV2, "dx-reasoning")
              .status();
        });
  }
  const std::string adeyemi = Doc(0), brennan = Doc(1);
  for (int day : {8, 10, 12, 14}) {
    // Three items a sitting: their reads stay within the audit's
    // reads-beyond-assignments threshold (docs/demo.md, "Adjudication").
    for (int i = 0; i < 3; ++i) {
      Ending a = day == 10 && i == 1 ? Ending::kAmbiguous : Ending::kValue;
      Ending b = day == 8 && i == 2    ? Ending::kEscalate
                 : day == 12 && i == 2 ? Ending::kAmbiguous
                                       : Ending::kValue;
      Adjudicate(At(day, 14, 12 * i), adeyemi, a);
      Adjudicate(At(day, 15, 30 + 12 * i), brennan, b);
    }
  }
  // The senior: the escalation first (seniors take escalated items before
  // others), later three more from the head of the queue.
  Adjudicate(At(9, 11), kDemoSenior, Ending::kValue);
  for (int i = 0; i < 3; ++i)
    Adjudicate(At(13, 11, 15 * i), kDemoSenior, Ending::kValue);
  Reopen(At(14, 17, 40));
}

// One item: claim and open the record at `at`, end it nine minutes later.
void Teller::Adjudicate(int64_t at, const std::string& who, Ending ending) {
  Add(at, who + " claims the next item", 2, [this, who] { return Claim(who); });
  Add(at + 9 * kMinute, who + " decides the claimed item", 1,
      [this, who, ending] { return Close(who, ending); });
}

Status Teller::Claim(const std::string& who) {
  ASSIGN_OR_RETURN(adj::ClaimResult c, adj_->Claim(who, kDemoProject));
  const std::string record = c.item.record;
  const uint64_t lease = c.lease;
  held_[who] = std::move(c);
  // What the adjudicator reads, recorded (render::ShowToAdjudicator's
  // access, without building the view nobody looks at here).
  return h_
      ->RecordAccess(who,
                     {.resource_kind = "record",
                      .resource_id = record,
                      .action = "adjudicate",
                      .purpose = "adjudication lease " + std::to_string(lease),
                      .allowed = true})
      .status();
}

// Decides, calls ambiguous or escalates the item `who` holds. A value is
// what `who` would answer (their planted skill; the senior: the truth).
Status Teller::Close(const std::string& who, Ending ending) {
  auto it = held_.find(who);
  if (it == held_.end()) return InternalError(who + " holds no lease");
  const adj::ClaimResult c = std::move(it->second);
  held_.erase(it);
  const int k = CaseIndex(c.item.record);
  if (k < 0) return InternalError("unknown record " + c.item.record);
  const Case& kase = plan_.cases[k];
  const std::string n = std::to_string(c.weighed.size());
  // The case's first supporting finding, mid-sentence (ASCII).
  std::string finding =
      kase.findings.empty() ? "the examination" : kase.findings[0].finding;
  if (finding[0] >= 'A' && finding[0] <= 'Z') finding[0] += 'a' - 'A';
  if (ending == Ending::kEscalate) {
    return adj_
        ->Escalate(who, c.lease,
                   "the " + n + " readings split and " + finding +
                       " cuts both ways; the imaging needs a senior reader")
        .status();
  }
  if (ending == Ending::kAmbiguous) {
    return adj_
        ->Decide(who,
                 {.lease = c.lease,
                  .field = c.item.field,
                  .ambiguous = true,
                  .rationale = "weighed the " + n + " readings: " + finding +
                               " supports more than one of them and no "
                               "test in the note separates them; keep "
                               "the distribution"})
        .status();
  }
  int p = -1;
  for (size_t i = 0; i < plan_.physicians.size(); ++i) {
    if (plan_.physicians[i].id == who) p = static_cast<int>(i);
  }
  const int value = p < 0 ? kase.truth : AnswerOf(plan_, p, k).diagnosis;
  std::string why = value == kase.truth
                        ? finding + " and the course fit " +
                              std::string(kDiagnosisNames[value]) + " best"
                        : "on balance " + std::string(kDiagnosisNames[value]) +
                              ", though " + finding + " leaves room for doubt";
  RETURN_IF_ERROR(
      adj_->Decide(who, {.lease = c.lease,
                         .field = c.item.field,
                         .value_json =
                             "\"" + std::string(kDiagnosisCodes[value]) + "\"",
                         .rationale = "weighed the " + n + " readings: " + why})
          .status());
  decided_.push_back(c.item.record);
  return OkStatus();
}

// Day 14, evening: one physician of the first record decided revises their
// annotation (same diagnosis, lower confidence after the discussion). The
// item stays disputed, so it is re-opened, citing the decision.
void Teller::Reopen(int64_t at) {
  Add(at, "a revision after a decision", 1, [this] {
    if (decided_.empty()) return InternalError("no decided record to revise");
    const int c = CaseIndex(decided_.front());
    if (c < 2 * kCalibrationBatchSize)
      return InternalError(decided_.front() + " is not a production case");
    const int p = plan_.production_triples[c - 2 * kCalibrationBatchSize][0];
    Answer a = AnswerOf(plan_, p, c);
    // Two decimals, without libm: cents, then one division.
    int cents = static_cast<int>(a.confidence * 100 + 0.5) - 25;
    a.confidence = std::max(cents, 5) / 100.0;
    std::vector<std::string> lines = {
        R"({"op":"revise","annotation_id":")" + AnnotationId(p, c) +
        R"(","expected_revision":1,"values":)" +
        AnnotationValues(plan_, p, c, 2, a) +
        R"(,"reason":"less sure after the adjudication round: the film )"
        R"(is equivocal"})"};
    std::vector<domain::AnnotationLine> parsed =
        render::ParseAnnotationLines(lines);
    return FirstFailure(h_->Annotate(Doc(p), parsed, /*atomic=*/false));
  });
}

}  // namespace

Story TellStory(const Plan& plan, domain::CommandHandler* handler,
                adj::AdjudicationCommands* adjudication) {
  // The steps call back into the teller (ids, the handler): it lives as
  // long as the story.
  auto teller = std::make_shared<Teller>(plan, handler, adjudication);
  Story story = teller->Tell();
  story.teller = std::move(teller);
  return story;
}

}  // namespace consilium::cli::demo
