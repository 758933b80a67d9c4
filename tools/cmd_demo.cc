// `consilium demo --data DIR [--seed N]`: a realistic synthetic project,
// written through the command sets (docs/demo.md). The plan comes from the
// seed (tools/demo/plan.h), the story's steps run in simulated time
// (tools/demo/story.h), then sign-in tokens are issued in real time and
// written to DIR/demo-tokens.json (tools/demo/sign_in.h).
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "adjudication/commands.h"
#include "adjudication/model.h"
#include "common/canonical_json.h"
#include "common/hash.h"
#include "domain/command_handler.h"
#include "ledger/ledger.h"
#include "schemas/event_json.h"
#include "tools/cli.h"
#include "tools/demo/plan.h"
#include "tools/demo/sign_in.h"
#include "tools/demo/story.h"
#include "tools/progress.h"

namespace consilium::cli {
namespace {

namespace json = boost::json;
namespace adj = ::consilium::adjudication;
using demo::kDemoAdmin;

// Items of the demo project per adjudication state, at the history's end.
using StateCounts = std::map<adj::ItemState, size_t>;

// The planted parameters and the history's digest, for docs/demo.md's check
// (`consilium calibration` against what was planted) and the tests.
json::object PlantedJson(const demo::Plan& plan, const Head& history) {
  json::array classes, prevalence, physicians;
  for (int t = 0; t < demo::kClasses; ++t) {
    classes.push_back(json::string(demo::kDiagnosisCodes[t]));
    prevalence.push_back(plan.prevalence[t]);
  }
  for (const demo::Physician& p : plan.physicians) {
    json::object m;
    for (int t = 0; t < demo::kClasses; ++t) {
      json::object row;
      for (int g = 0; g < demo::kClasses; ++g)
        row[demo::kDiagnosisCodes[g]] = p.planted[t][g];
      m[demo::kDiagnosisCodes[t]] = std::move(row);
    }
    physicians.push_back(
        json::object{{"id", p.id},
                     {"display_name", p.display_name},
                     {"profile", p.profile},
                     {"accuracy", p.accuracy},
                     {"confidence_style", demo::StyleName(p.style)},
                     {"usual_start_hour_utc", p.first_hour},
                     {"adjudicator", p.adjudicator},
                     {"planted_confusion", std::move(m)}});
  }
  return json::object{
      {"seed", plan.seed},
      {"project", demo::kDemoProject},
      {"field", "primary_diagnosis"},
      {"classes", std::move(classes)},
      {"prevalence", std::move(prevalence)},
      {"physicians", std::move(physicians)},
      {"history",
       json::object{{"events", history.seq},
                    {"head_hash", ToHex(history.hash)},
                    {"head_time", FormatTimestamp(history.timestamp_us)}}}};
}

Status WriteFile(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return InternalError(path + ": cannot write");
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fclose(f) == 0 && ok;
  return ok ? OkStatus() : InternalError(path + ": write failed");
}

// Runs the story in simulated time. Tokens issued meanwhile come from the
// seed and expire a second after issue: they are never usable.
StatusOr<Head> RunHistory(Ledger* ledger, demo::DemoClock* clock,
                          const demo::Plan& plan, bool progress,
                          std::map<fb::EventBody, uint64_t>* counts,
                          StateCounts* states) {
  auto rng = std::make_shared<demo::Rng>(plan.seed ^ 0x746F6B656E73ull);
  auto mu = std::make_shared<std::mutex>();
  domain::CommandHandlerOptions options{
      .clock = clock,
      .token_ttl_us = 1'000'000,
      .random_bytes = [rng, mu](std::span<uint8_t> out) {
        std::lock_guard l(*mu);
        for (uint8_t& b : out) b = static_cast<uint8_t>(rng->Next());
        return OkStatus();
      }};
  // The adjudication model is attached to the write side, so the queues
  // follow every event; the command set uses the simulated clock too.
  adj::AdjudicationModel model;
  domain::Model* models[] = {&model};
  ASSIGN_OR_RETURN(auto handler, domain::CommandHandler::Open(
                                     ledger, std::move(options), models));
  adj::AdjudicationCommands adjudication(&handler->core(), &model, clock);
  demo::Story story = demo::TellStory(plan, handler.get(), &adjudication);
  Progress bar("demo", story.events, progress);
  for (const demo::Step& step : story.steps) {
    clock->Set(step.at_us);
    if (Status s = step.run(); !s.ok()) {
      return s.WithContext("demo step \"" + step.what + "\" at " +
                           FormatTimestamp(step.at_us));
    }
    bar.Add(step.events);
  }
  bar.Finish();
  *counts = handler->Read(
      [](const domain::DomainState& s) { return s.event_counts(); });
  *states = handler->Read([&](const domain::DomainState&) {
    StateCounts out;
    if (const adj::Queue* q = model.FindQueue(demo::kDemoProject)) {
      for (const adj::ItemInfo* item : q->Items()) ++out[item->state];
    }
    return out;
  });
  return ledger->head();
}

// Real time, real randomness: one token per sign-in account.
StatusOr<std::vector<demo::SignIn>> IssueSignIns(Ledger* ledger,
                                                 const demo::Plan& plan) {
  ASSIGN_OR_RETURN(auto handler, domain::CommandHandler::Open(ledger, {}));
  std::vector<demo::SignIn> out = {{kDemoAdmin, "admin", "Demo administrator"}};
  for (const demo::Physician& p : plan.physicians)
    out.push_back({p.id, "annotator", p.display_name});
  out.push_back({demo::kDemoSenior, "adjudicator", demo::kDemoSeniorName});
  out.push_back({demo::kDemoAuditor, "auditor", "R. Hale (compliance)"});
  out.push_back(
      {demo::kDemoResearcher, "researcher", "S. Lindqvist (ML research)"});
  for (demo::SignIn& s : out) {
    ASSIGN_OR_RETURN(domain::IssuedToken t,
                     handler->IssueToken(kDemoAdmin, s.principal));
    s.token = t.token;
    s.expires_at_us = t.expires_at_us;
  }
  return out;
}

uint64_t Count(const std::map<fb::EventBody, uint64_t>& c, fb::EventBody b) {
  auto it = c.find(b);
  return it == c.end() ? 0 : it->second;
}

size_t CountState(const StateCounts& s, adj::ItemState state) {
  auto it = s.find(state);
  return it == s.end() ? 0 : it->second;
}

void PrintSummary(const std::string& dir, const demo::Plan& plan,
                  const Head& history,
                  const std::map<fb::EventBody, uint64_t>& c,
                  const StateCounts& states) {
  size_t with_images = 0;
  for (const demo::Case& k : plan.cases) with_images += !k.images.empty();
  using B = fb::EventBody;
  std::printf(
      "demo: project %s in %s (seed %llu)\n"
      "  %zu case vignettes (%zu with an image), dx-reasoning v1 and v2\n"
      "  6 physicians (2 also adjudicators) and a senior adjudicator, "
      "overlap 3, calibration batches cal-1 and cal-2\n"
      "  %llu annotations (%llu revisions, %llu withdrawn), of which %zu "
      "model pre-labels\n"
      "  %llu reference answers, %llu assignments, %llu access events\n"
      "  adjudication (policy v2): %llu decisions (%zu decided, %zu "
      "ambiguous), %llu escalated, %zu re-opened, %zu pending\n"
      "history: events 1..%llu, head %s\n"
      "  (same seed, same bytes: simulated clock from "
      "2026-03-02T00:00:00Z)\n"
      "sign-in tokens: %s/%s (mode 0600); planted skills: %s/"
      "demo-planted.json\n",
      demo::kDemoProject, dir.c_str(),
      static_cast<unsigned long long>(plan.seed), plan.cases.size(),
      with_images,
      static_cast<unsigned long long>(Count(c, B::AnnotationSubmitted)),
      static_cast<unsigned long long>(Count(c, B::AnnotationRevised)),
      static_cast<unsigned long long>(Count(c, B::AnnotationWithdrawn)),
      plan.production_triples.size(),
      static_cast<unsigned long long>(Count(c, B::GoldAnswerRecorded)),
      static_cast<unsigned long long>(Count(c, B::AssignmentCreated)),
      static_cast<unsigned long long>(Count(c, B::AccessRecorded)),
      static_cast<unsigned long long>(Count(c, B::AdjudicationDecided)),
      CountState(states, adj::ItemState::kDecided),
      CountState(states, adj::ItemState::kAmbiguous),
      static_cast<unsigned long long>(Count(c, B::AdjudicationEscalated)),
      CountState(states, adj::ItemState::kReopened),
      CountState(states, adj::ItemState::kPending),
      static_cast<unsigned long long>(history.seq), ToHex(history.hash).c_str(),
      dir.c_str(), demo::kTokensFile, dir.c_str());
}

int RunDemo(const Args& args) {
  const auto start = std::chrono::steady_clock::now();
  StatusOr<std::string> dir = args.Require("data");
  if (!dir.ok()) return Fail(dir.status());
  StatusOr<uint64_t> seed = args.GetUint("seed", 1);
  if (!seed.ok()) return Fail(seed.status());
  if (Status s = Ledger::Init(*dir); !s.ok()) {
    if (s.code() == StatusCode::kAlreadyExists) {
      return Fail(FailedPreconditionError(
          *dir +
          " already holds a ledger; the demo writes a new one "
          "(give another --data, or remove it)"));
    }
    return Fail(s);
  }
  demo::DemoClock clock;
  clock.Set(demo::kDemoStartUs);
  LedgerOptions lo;
  lo.clock = &clock;
  auto ledger = Ledger::Open(*dir, lo);
  if (!ledger.ok()) return Fail(ledger.status());
  const demo::Plan plan = demo::MakePlan(*seed);
  std::map<fb::EventBody, uint64_t> counts;
  StateCounts states;
  StatusOr<Head> history = RunHistory(ledger->get(), &clock, plan,
                                      ProgressWanted(args), &counts, &states);
  if (!history.ok()) return Fail(history.status(), 1);
  clock.UseRealTime();
  StatusOr<std::vector<demo::SignIn>> sign_ins =
      IssueSignIns(ledger->get(), plan);
  if (!sign_ins.ok()) return Fail(sign_ins.status(), 1);
  if (Status s = demo::WriteSignIns(*dir, *sign_ins); !s.ok()) return Fail(s);
  const std::string planted =
      (std::filesystem::path(*dir) / "demo-planted.json").string();
  StatusOr<std::string> text =
      WriteJson(PlantedJson(plan, *history), JsonStyle::kIndented);
  if (!text.ok()) return Fail(text.status());
  if (Status s = WriteFile(planted, *text + "\n"); !s.ok()) return Fail(s);
  PrintSummary(*dir, plan, *history, counts, states);
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("done: %llu events in %.1f s\n",
              static_cast<unsigned long long>((*ledger)->head().seq), secs);
  return 0;
}

Registrar demo_cmd(Command{
    .words = {"demo"},
    .summary = "create a realistic synthetic project (500 cases, six "
               "physicians of known skill, adjudications and a queue) in a "
               "new ledger",
    .flags = {DataFlag(),
              {"seed", "N", "seed of everything generated (default 1)"},
              ProgressFlag(),
              QuietFlag()},
    .run = RunDemo,
    .notes = "DIR must not hold a ledger yet. Events 1..N (printed) are a "
             "pure function of the seed, stamped by a simulated clock; the "
             "sign-in tokens issued after them are random and real-time, "
             "written to DIR/demo-tokens.json (mode 0600), which `consilium "
             "serve` prints. DIR/demo-planted.json holds the planted skills. "
             "Adjudications go through the adjudication commands (a policy, "
             "decisions, an escalation, a re-open; the rest stays queued: "
             "`consilium queue list`). docs/demo.md."});

}  // namespace
}  // namespace consilium::cli
