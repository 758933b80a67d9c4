// The adjudication write routes (api/adjudication_routes.h): claim, and
// heartbeat / release / decide under a lease. The same command set and
// documents as `consilium adjudicate ... --json` (tools/cmd_adjudicate.cc);
// the actor is the authenticated principal.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "adjudication/commands.h"
#include "api/adjudication_routes.h"
#include "api/internal/app_routes.h"
#include "api/internal/body_reader.h"
#include "common/hash.h"
#include "projections/engine.h"
#include "render/adjudication_json.h"
#include "render/adjudication_view.h"

namespace consilium::api::internal {
namespace {

namespace json = boost::json;
namespace adj = ::consilium::adjudication;

// How long a claim waits for the live read side to apply its event before
// the item is shown (it is usually there within a group commit).
constexpr int64_t kShowTimeoutMs = 10'000;

// What a lease id names, read under the core's lock: its project and, while
// held, a copy of its state.
struct LeaseCopy {
  std::string project;
  std::optional<adj::LeaseInfo> held;
};

LeaseCopy FindLease(const AppContext& ctx, uint64_t lease) {
  return ctx.handler->Read([&](const domain::DomainState&) {
    adj::LeaseLookup l = ctx.model->FindLease(lease);
    LeaseCopy out{l.project, std::nullopt};
    if (l.held != nullptr) out.held = *l.held;
    return out;
  });
}

// A body that may be absent: empty, or a JSON object.
StatusOr<std::optional<BodyReader>> OptionalBody(const Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return std::optional<BodyReader>();
  ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
  return std::optional<BodyReader>(std::move(r));
}

StatusOr<uint64_t> LeaseParam(const Request& req) {
  const std::string& text = req.params.at("lease");
  uint64_t n = 0;
  bool ok = !text.empty() && text.size() <= 19;
  for (char c : text) {
    if (c < '0' || c > '9') ok = false;
    if (ok) n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || n == 0) {
    return InvalidArgumentError(
        "lease must be a positive integer (the claim's sequence number), "
        "not \"" +
        text + "\"");
  }
  return n;
}

StatusOr<Response> Decide(const AppContext& ctx, const Request& req,
                          uint64_t lease) {
  ASSIGN_OR_RETURN(BodyReader r, BodyReader::Parse(req));
  ASSIGN_OR_RETURN(std::string field, r.String("field", true));
  ASSIGN_OR_RETURN(std::string rationale, r.String("rationale", true));
  const json::value* value = r.Get("value");
  ASSIGN_OR_RETURN(bool ambiguous, r.Bool("ambiguous", false));
  ASSIGN_OR_RETURN(bool escalate, r.Bool("escalate", false));
  RETURN_IF_ERROR(r.Finish());
  if ((value != nullptr) + ambiguous + escalate != 1) {
    return InvalidArgumentError(
        "request body: give exactly one of value, \"ambiguous\": true or "
        "\"escalate\": true");
  }
  const std::string& actor = Actor(req);
  const LeaseCopy before = FindLease(ctx, lease);
  render::DecisionResult d{.project = before.project,
                           .lease = lease,
                           .adjudicator = actor,
                           .rationale = rationale};
  if (before.held) {
    d.item = before.held->item;
    d.weighed = before.held->weighed_at_claim;
  }
  StatusOr<Committed> c = InternalError("no outcome");
  if (escalate) {
    if (before.held && before.held->item.field != field) {
      return InvalidArgumentError("lease " + std::to_string(lease) +
                                  " holds field \"" + before.held->item.field +
                                  "\", not \"" + field + "\"");
    }
    d.outcome = "escalated";
    c = ctx.adjudication->Escalate(actor, lease, rationale);
  } else {
    adj::DecideCommand cmd{.lease = lease,
                           .field = field,
                           .ambiguous = ambiguous,
                           .rationale = rationale};
    if (value != nullptr) cmd.value_json = json::serialize(*value);
    d.outcome = ambiguous ? "ambiguous" : "decided";
    d.value_json = cmd.value_json.value_or("");
    c = ctx.adjudication->Decide(actor, cmd);
  }
  if (!c.ok()) return c.status();
  d.seq = c->seq;
  d.hash = ToHex(c->hash);
  d.state = ctx.handler->Read([&](const domain::DomainState&) {
    const adj::ItemInfo* i = ctx.model->FindItem(d.project, d.item);
    return std::string(i == nullptr ? "unknown" : adj::ItemStateName(i->state));
  });
  return JsonResponse(201, render::DecisionJson(d));
}

}  // namespace

StatusOr<Response> AdjudicationClaim(const AppContext& ctx,
                                     const Request& req) {
  const std::string& project = req.params.at("project");
  const std::string& actor = Actor(req);
  std::optional<int64_t> ttl;
  ASSIGN_OR_RETURN(std::optional<BodyReader> body, OptionalBody(req));
  if (body) {
    if (body->object().contains("ttl_seconds")) {
      ASSIGN_OR_RETURN(uint64_t t, body->Uint("ttl_seconds", true, 1, 86400));
      ttl = static_cast<int64_t>(t);
    }
    RETURN_IF_ERROR(body->Finish());
  }
  ASSIGN_OR_RETURN(adj::ClaimResult claim,
                   ctx.adjudication->Claim(actor, project, ttl));
  render::ClaimResult c{.project = project,
                        .lease = claim.lease,
                        .hash = ToHex(claim.committed.hash),
                        .adjudicator = actor,
                        .item = claim.item,
                        .expires_us = claim.expires_us,
                        .weighed = claim.weighed};
  const bool blind = ctx.handler->Read([&](const domain::DomainState& d) {
    const domain::ProjectState* p = d.FindProject(project);
    return p != nullptr && p->blind_mode;
  });
  // The item as the live read side has it once it has applied the claim
  // (what the decision will weigh; a change after the claim voids the
  // decision, which then says what changed), built under the read side's
  // lock and recorded as the adjudicator's access outside it, before it is
  // returned (DESIGN.md invariant 3). Never a replay of the ledger: a claim
  // costs the same on a ledger of any length.
  auto cannot_show = [&](const Status& why) {
    return why.WithContext("lease " + std::to_string(claim.lease) +
                           " is held, but its item could not be shown "
                           "(release it)");
  };
  if (!ctx.engine->WaitForSeq(claim.lease, kShowTimeoutMs)) {
    Status live = ctx.engine->live_status();
    return cannot_show(
        live.ok() ? UnavailableError("the read side has not applied the "
                                     "claim within " +
                                     std::to_string(kShowTimeoutMs) + " ms")
                  : live);
  }
  StatusOr<json::object> view = InternalError("unset");
  ctx.engine->Read([&](const projections::AnalyticsState& s) {
    view = render::AdjudicatorViewJson(
        s, *ctx.ledger,
        {.project = project, .item = claim.item, .blind = blind});
  });
  if (!view.ok()) return cannot_show(view.status());
  StatusOr<render::RecordedView> shown = render::RecordShown(
      *ctx.handler, actor, claim.lease, claim.item.record, std::move(*view));
  if (!shown.ok()) return cannot_show(shown.status());
  c.access_seq = shown->access_seq;
  return JsonResponse(201, render::ClaimJson(c, std::move(shown->view)));
}

StatusOr<Response> AdjudicationLeaseAction(const AppContext& ctx,
                                           const Request& req) {
  ASSIGN_OR_RETURN(uint64_t lease, LeaseParam(req));
  const std::string action = req.path.substr(req.path.rfind('/') + 1);
  if (action == "decide") return Decide(ctx, req, lease);
  ASSIGN_OR_RETURN(std::optional<BodyReader> body, OptionalBody(req));
  if (body) RETURN_IF_ERROR(body->Finish());
  const std::string& actor = Actor(req);
  const LeaseCopy before = FindLease(ctx, lease);
  if (action == "heartbeat") {
    ASSIGN_OR_RETURN(int64_t deadline,
                     ctx.adjudication->Heartbeat(actor, lease));
    return JsonResponse(
        200, render::LeaseActionJson(before.project, lease, actor, "heartbeat",
                                     std::nullopt, deadline));
  }
  ASSIGN_OR_RETURN(Committed c, ctx.adjudication->Release(actor, lease));
  return JsonResponse(
      200, render::LeaseActionJson(before.project, lease, actor, "release",
                                   c.seq, std::nullopt));
}

}  // namespace consilium::api::internal
