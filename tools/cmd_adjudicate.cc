// Adjudicating from scripts (docs/adjudication.md, "Command line"):
//   consilium adjudicate claim --data DIR --project P --as A [--ttl SECONDS]
//       [--json]
//   consilium adjudicate heartbeat --data DIR --lease L --as A [--json]
//   consilium adjudicate release --data DIR --lease L --as A [--json]
//   consilium adjudicate decide --data DIR --lease L --as A --field F
//       (--value V | --ambiguous | --escalate) --rationale TEXT [--json]
// Each opens the ledger, rebuilds the write side with the AdjudicationModel
// attached (CommandHandler::Open) and runs one AdjudicationCommands method,
// so every check of docs/adjudication.md applies and a refused command
// appends nothing (exit 1, the error on stderr).
//
// `claim` first appends the expiry of every lease already past its deadline
// (ExpireDue: a CLI has no server to do it), claims, builds what the
// adjudicator is shown (render/adjudication_view.h), records that access
// (AccessRecorded, durable), and only then prints it.
//
// `heartbeat` appends nothing and, between processes, extends nothing: a
// heartbeat lives in the memory of the process that holds the queue (the
// server), and this process ends at once. It verifies that the lease is held
// by --as and not past its deadline, and prints that deadline (the claim's).
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adjudication/commands.h"
#include "adjudication/model.h"
#include "common/canonical_json.h"
#include "common/clock.h"
#include "common/hash.h"
#include "common/strict_json.h"
#include "domain/command_handler.h"
#include "projections/engine.h"
#include "render/adjudication_json.h"
#include "render/adjudication_view.h"
#include "schemas/event_json.h"
#include "tools/adjudication_source.h"
#include "tools/cli.h"
#include "tools/content_keys.h"
#include "tools/open_ledger.h"
#include "tools/output.h"

namespace consilium::cli {
namespace {

namespace adj = ::consilium::adjudication;
namespace json = boost::json;

// The write side with the adjudication model attached. Members are
// destroyed in reverse: the command set, the handler (which waits for its
// callbacks), the model it applies, the ledger, the content keys
// (encryption at rest) the handler reads through.
struct Session {
  OpenedKeys keys;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<adj::AdjudicationModel> model;
  std::unique_ptr<domain::CommandHandler> handler;
  std::unique_ptr<adj::AdjudicationCommands> commands;
};

StatusOr<std::unique_ptr<Session>> OpenSession(const Args& args) {
  auto s = std::make_unique<Session>();
  ASSIGN_OR_RETURN(s->ledger, OpenLedger(args, false));
  ASSIGN_OR_RETURN(s->keys, OpenContentKeys(args.Get("data")));
  s->model = std::make_unique<adj::AdjudicationModel>();
  domain::Model* models[] = {s->model.get()};
  ASSIGN_OR_RETURN(s->handler, domain::CommandHandler::Open(
                                   s->ledger.get(),
                                   {.content_keys = s->keys.keys()}, models));
  s->commands = std::make_unique<adj::AdjudicationCommands>(
      &s->handler->core(), s->model.get(), SystemClock());
  return s;
}

// What a lease id names, read under the core's lock: its project and, while
// held, a copy of its state.
struct LeaseCopy {
  std::string project;
  std::optional<adj::LeaseInfo> held;
};

LeaseCopy FindLease(const Session& s, uint64_t lease) {
  return s.handler->Read([&](const domain::DomainState&) {
    adj::LeaseLookup l = s.model->FindLease(lease);
    LeaseCopy out{l.project, std::nullopt};
    if (l.held != nullptr) out.held = *l.held;
    return out;
  });
}

StatusOr<uint64_t> LeaseFlag(const Args& args) {
  ASSIGN_OR_RETURN(std::string text, args.Require("lease"));
  ASSIGN_OR_RETURN(uint64_t lease, args.GetUint("lease", 0));
  if (lease == 0) return InvalidArgumentError("--lease must be at least 1");
  return lease;
}

std::string Hex(const Hash256& h) { return ToHex(h); }

// ---- claim -----------------------------------------------------------------

// The view of the claimed item as of the claim, recorded as an access by
// the adjudicator before it is returned (DESIGN.md invariant 3).
StatusOr<json::object> ShowClaimed(Session& s, const std::string& actor,
                                   const std::string& project,
                                   const adj::ClaimResult& claim,
                                   uint64_t* access_seq) {
  ContentKeys keys;
  const bool blind = s.handler->Read([&](const domain::DomainState& d) {
    keys = d.content_keys();
    const domain::ProjectState* p = d.FindProject(project);
    return p != nullptr && p->blind_mode;
  });
  ASSIGN_OR_RETURN(projections::AnalyticsState state,
                   projections::BuildStateAsOf(*s.ledger, claim.lease, keys));
  ASSIGN_OR_RETURN(render::RecordedView shown,
                   render::ShowToAdjudicator(*s.handler, actor, claim.lease,
                                             state, *s.ledger,
                                             {.project = project,
                                              .item = claim.item,
                                              .blind = blind,
                                              .keys = keys}));
  *access_seq = shown.access_seq;
  return std::move(shown.view);
}

void PrintClaimText(const render::ClaimResult& c, const json::object& view) {
  std::printf("lease %llu: record %s field %s, until %s\n",
              static_cast<unsigned long long>(c.lease), c.item.record.c_str(),
              c.item.field.c_str(), FormatTimestamp(c.expires_us).c_str());
  const json::value& content = view.at("record_content");
  if (content.is_object() && content.as_object().contains("text") &&
      content.at("text").is_string()) {
    std::printf("  record: %s\n", content.at("text").as_string().c_str());
  }
  Table table({{"annotator"}, {"event", Table::kRight}, {"value"}}, "  ");
  for (const json::value& a : view.at("annotations").as_array()) {
    const json::value& who = a.at("annotator");
    const json::value& value = a.at("value");
    table.AddRow({who.is_string() ? std::string(who.as_string()) : "(blind)",
                  "#" + std::to_string(a.at("seq").to_number<uint64_t>()),
                  value.is_string() ? std::string(value.as_string()) : "-"});
  }
  table.Print();
  std::printf(
      "  (access recorded as event %llu; --json shows the traces, the "
      "distribution and the agreement)\n",
      static_cast<unsigned long long>(c.access_seq));
}

int Claim(const Args& args) {
  auto project = args.Require("project");
  auto actor = args.Require("as");
  if (!project.ok()) return Fail(project.status());
  if (!actor.ok()) return Fail(actor.status());
  std::optional<int64_t> ttl;
  if (args.Has("ttl")) {
    auto t = args.GetUint("ttl", 0);
    if (!t.ok()) return Fail(t.status());
    if (*t < 1 || *t > 86400)
      return Fail(InvalidArgumentError("--ttl must be 1 to 86400 seconds"));
    ttl = static_cast<int64_t>(*t);
  }
  auto s = OpenSession(args);
  if (!s.ok()) return Fail(s.status());
  Session& session = **s;
  auto expired = session.commands->ExpireDue(SystemClock()->NowMicros());
  if (!expired.ok()) return Fail(expired.status(), 1);
  for (const adj::ExpiredLease& x : *expired) {
    std::fprintf(stderr,
                 "consilium: lease %llu of %s expired at %s; %s %s returned "
                 "to the queue (event %llu)\n",
                 static_cast<unsigned long long>(x.lease),
                 x.adjudicator.c_str(), FormatTimestamp(x.deadline_us).c_str(),
                 x.item.record.c_str(), x.item.field.c_str(),
                 static_cast<unsigned long long>(x.committed.seq));
  }
  auto claim = session.commands->Claim(*actor, *project, ttl);
  if (!claim.ok()) return Fail(claim.status(), 1);
  render::ClaimResult c{.project = *project,
                        .lease = claim->lease,
                        .hash = Hex(claim->committed.hash),
                        .adjudicator = *actor,
                        .item = claim->item,
                        .expires_us = claim->expires_us,
                        .weighed = claim->weighed};
  auto view = ShowClaimed(session, *actor, *project, *claim, &c.access_seq);
  if (!view.ok()) {
    return Fail(view.status().WithContext(
                    "lease " + std::to_string(claim->lease) +
                    " is held, but its item could not be shown (release it)"),
                1);
  }
  if (args.Has("json")) return PrintJson(render::ClaimJson(c, *view));
  PrintClaimText(c, *view);
  return 0;
}

// ---- heartbeat / release -------------------------------------------------

int Heartbeat(const Args& args) {
  auto lease = LeaseFlag(args);
  auto actor = args.Require("as");
  if (!lease.ok()) return Fail(lease.status());
  if (!actor.ok()) return Fail(actor.status());
  auto loaded = LoadAdjudication(args);
  if (!loaded.ok()) return Fail(loaded.status());
  adj::LeaseLookup l = loaded->model->FindLease(*lease);
  const adj::Queue* queue = loaded->model->FindQueue(l.project);
  if (l.project.empty() || queue == nullptr) {
    return Fail(NotFoundError("no lease " + std::to_string(*lease)), 1);
  }
  Status held = queue->CheckRelease(*lease, *actor, SystemClock()->NowMicros());
  if (!held.ok()) return Fail(held, 1);
  const int64_t deadline = l.held->deadline_us();
  if (args.Has("json")) {
    return PrintJson(render::LeaseActionJson(
        l.project, *lease, *actor, "heartbeat", std::nullopt, deadline));
  }
  std::printf(
      "lease %llu is held by %s until %s (the claim's deadline: a "
      "heartbeat from the CLI extends nothing)\n",
      static_cast<unsigned long long>(*lease), actor->c_str(),
      FormatTimestamp(deadline).c_str());
  return 0;
}

int Release(const Args& args) {
  auto lease = LeaseFlag(args);
  auto actor = args.Require("as");
  if (!lease.ok()) return Fail(lease.status());
  if (!actor.ok()) return Fail(actor.status());
  auto s = OpenSession(args);
  if (!s.ok()) return Fail(s.status());
  const LeaseCopy before = FindLease(**s, *lease);
  auto c = (*s)->commands->Release(*actor, *lease);
  if (!c.ok()) return Fail(c.status(), 1);
  if (args.Has("json")) {
    return PrintJson(render::LeaseActionJson(before.project, *lease, *actor,
                                             "release", c->seq, std::nullopt));
  }
  std::printf(
      "lease %llu released (event %llu): record %s field %s is back "
      "in the queue\n",
      static_cast<unsigned long long>(*lease),
      static_cast<unsigned long long>(c->seq),
      before.held ? before.held->item.record.c_str() : "?",
      before.held ? before.held->item.field.c_str() : "?");
  return 0;
}

// ---- decide ----------------------------------------------------------------

// --value as the user typed it: JSON when it parses (3, true, "x", [..]),
// otherwise the text as a JSON string (`--value serious`).
std::string ValueJson(const std::string& text) {
  json::value v;
  if (ParseStrictJson(text, {}, v).ok()) return text;
  return WriteJson(json::value(text), JsonStyle::kCompact).value();
}

int Decide(const Args& args) {
  auto lease = LeaseFlag(args);
  auto actor = args.Require("as");
  auto field = args.Require("field");
  // Given but blank is the command's to refuse (InvalidArgument, exit 1),
  // like a blank rationale through the library; absent is a usage error.
  StatusOr<std::string> rationale =
      args.Has("rationale") ? StatusOr<std::string>(args.Get("rationale"))
                            : args.Require("rationale");
  if (!lease.ok()) return Fail(lease.status());
  if (!actor.ok()) return Fail(actor.status());
  if (!field.ok()) return Fail(field.status());
  if (!rationale.ok()) return Fail(rationale.status());
  const int outcomes =
      args.Has("value") + args.Has("ambiguous") + args.Has("escalate");
  if (outcomes != 1) {
    return Fail(InvalidArgumentError(
        "give exactly one of --value V, --ambiguous or --escalate"));
  }
  auto s = OpenSession(args);
  if (!s.ok()) return Fail(s.status());
  Session& session = **s;
  const LeaseCopy before = FindLease(session, *lease);
  render::DecisionResult d{.project = before.project,
                           .lease = *lease,
                           .adjudicator = *actor,
                           .rationale = *rationale};
  if (before.held) {
    d.item = before.held->item;
    d.weighed = before.held->weighed_at_claim;
  }
  StatusOr<Committed> c = InternalError("no outcome");
  if (args.Has("escalate")) {
    if (before.held && before.held->item.field != *field) {
      return Fail(InvalidArgumentError(
                      "lease " + std::to_string(*lease) + " holds field \"" +
                      before.held->item.field + "\", not \"" + *field + "\""),
                  1);
    }
    d.outcome = "escalated";
    c = session.commands->Escalate(*actor, *lease, *rationale);
  } else {
    adj::DecideCommand cmd;
    cmd.lease = *lease;
    cmd.field = *field;
    cmd.ambiguous = args.Has("ambiguous");
    cmd.rationale = *rationale;
    if (args.Has("value")) cmd.value_json = ValueJson(args.Get("value"));
    d.outcome = cmd.ambiguous ? "ambiguous" : "decided";
    d.value_json = cmd.value_json.value_or("");
    c = session.commands->Decide(*actor, cmd);
  }
  if (!c.ok()) return Fail(c.status(), 1);
  d.seq = c->seq;
  d.hash = Hex(c->hash);
  d.state = session.handler->Read([&](const domain::DomainState&) {
    const adj::ItemInfo* i = session.model->FindItem(d.project, d.item);
    return std::string(i == nullptr ? "unknown" : adj::ItemStateName(i->state));
  });
  if (args.Has("json")) return PrintJson(render::DecisionJson(d));
  std::printf(
      "%s %s: %s%s under lease %llu (event %llu); the item is now "
      "%s\n",
      d.item.record.c_str(), d.item.field.c_str(), d.outcome.c_str(),
      d.value_json.empty() ? "" : (" " + d.value_json).c_str(),
      static_cast<unsigned long long>(*lease),
      static_cast<unsigned long long>(d.seq), d.state.c_str());
  return 0;
}

Flag AsFlag() { return {"as", "A", "acting adjudicator", true}; }
Flag LeaseFlagDecl() {
  return {"lease", "L", "lease id (the claim's sequence number)", true};
}
Flag JsonFlag() { return {"json", "", "print JSON"}; }

Registrar claim_cmd(Command{
    .words = {"adjudicate", "claim"},
    .summary = "claim the next eligible item; prints it, the lease and its "
               "expiry",
    .flags = {DataFlag(),
              {"project", "P", "project id", true},
              AsFlag(),
              {"ttl", "SECONDS", "lease length (default: the policy's)"},
              JsonFlag()},
    .run = Claim,
    .notes = "Leases already past their deadline are expired first. What the "
             "adjudicator is shown is recorded as an access before it is "
             "printed."});
Registrar heartbeat_cmd(Command{
    .words = {"adjudicate", "heartbeat"},
    .summary = "check that a lease is still held (appends nothing)",
    .flags = {DataFlag(), LeaseFlagDecl(), AsFlag(), JsonFlag()},
    .run = Heartbeat,
    .notes = "Heartbeats live in the memory of the process holding the "
             "queue; from the CLI one verifies the lease and extends "
             "nothing (docs/adjudication.md)."});
Registrar release_cmd(Command{
    .words = {"adjudicate", "release"},
    .summary = "give a claimed item back to the queue",
    .flags = {DataFlag(), LeaseFlagDecl(), AsFlag(), JsonFlag()},
    .run = Release});
Registrar decide_cmd(Command{
    .words = {"adjudicate", "decide"},
    .summary = "decide a claimed item: a value, ambiguous, or escalate",
    .flags = {DataFlag(),
              LeaseFlagDecl(),
              AsFlag(),
              {"field", "F", "the leased field (schema path)", true},
              {"value", "V", "the decided value (JSON; bare text is a string)"},
              {"ambiguous", "", "genuinely ambiguous: keep the distribution"},
              {"escalate", "", "send the item to the senior tier"},
              {"rationale", "TEXT", "why (required)", true},
              JsonFlag()},
    .run = Decide,
    .notes = "Give exactly one of --value, --ambiguous and --escalate."});

}  // namespace
}  // namespace consilium::cli
