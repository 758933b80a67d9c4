// The adjudication write routes (api/adjudication_routes.h): claim, and
// heartbeat / release / decide under a lease. The same command set and
// documents as `consilium adjudicate ... --json` (tools/cmd_adjudicate.cc);
// the actor is the authenticated principal.
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "adjudication/commands.h"
#include "api/adjudication_routes.h"
#include "api/internal/app_routes.h"
#include "api/internal/body_reader.h"
#include "api/internal/claim_contexts.h"
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

// The next step of a chain, run on `post`'s executor: never on the
// ledger's thread, which must not render documents or call the core.
void Then(const PostStep& post, std::function<void()> step) {
  post(std::move(step));
}

void DecideAsync(const AppContext& ctx, const Request& req, uint64_t lease,
                 const PostStep& post, AsyncReply reply) {
  auto parsed = [&]() -> Status {
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
    auto d = std::make_shared<render::DecisionResult>(
        render::DecisionResult{.project = before.project,
                               .lease = lease,
                               .adjudicator = actor,
                               .rationale = rationale});
    if (before.held) {
      d->item = before.held->item;
      d->weighed = before.held->weighed_at_claim;
    }
    // Runs once: on this thread for a refusal, on the ledger's once durable.
    auto done = [&ctx, d, post, reply](StatusOr<Committed> c) {
      if (!c.ok()) return reply(c.status());
      Then(post, [&ctx, d, c = *c, reply] {
        d->seq = c.seq;
        d->hash = ToHex(c.hash);
        d->state = ctx.handler->Read([&](const domain::DomainState&) {
          const adj::ItemInfo* i = ctx.model->FindItem(d->project, d->item);
          return std::string(i == nullptr ? "unknown"
                                          : adj::ItemStateName(i->state));
        });
        reply(JsonResponse(201, render::DecisionJson(*d)));
      });
    };
    if (escalate) {
      if (before.held && before.held->item.field != field) {
        return InvalidArgumentError(
            "lease " + std::to_string(lease) + " holds field \"" +
            before.held->item.field + "\", not \"" + field + "\"");
      }
      d->outcome = "escalated";
      ctx.adjudication->EscalateAsync(actor, lease, rationale, done);
      return OkStatus();
    }
    adj::DecideCommand cmd{.lease = lease,
                           .field = field,
                           .ambiguous = ambiguous,
                           .rationale = rationale};
    if (value != nullptr) cmd.value_json = json::serialize(*value);
    d->outcome = ambiguous ? "ambiguous" : "decided";
    d->value_json = cmd.value_json.value_or("");
    ctx.adjudication->DecideAsync(actor, cmd, done);
    return OkStatus();
  };
  if (Status s = parsed(); !s.ok()) reply(s);
}

// After the claim is durable (on `post`'s executor): the item as the live
// read side has it once it has applied the claim (what the decision will
// weigh; a change after the claim voids the decision, which then says what
// changed), read under the read side's lock, with the field's project-wide
// figures from the App's context cache (computed outside that lock); then
// recorded as the adjudicator's access, and only once that is durable
// returned (DESIGN.md invariant 3; render::RecordShown, without the wait).
// Never a replay of the ledger, and the item's part costs the same in a
// project of any size.
void ShowClaim(const AppContext& ctx, const std::string& project,
               const std::string& actor, const adj::ClaimResult& claim,
               const PostStep& post, AsyncReply reply) {
  render::ClaimResult c{.project = project,
                        .lease = claim.lease,
                        .hash = ToHex(claim.committed.hash),
                        .adjudicator = actor,
                        .item = claim.item,
                        .expires_us = claim.expires_us,
                        .weighed = claim.weighed};
  ContentKeys keys;
  const bool blind = ctx.handler->Read([&](const domain::DomainState& d) {
    keys = d.content_keys();
    const domain::ProjectState* p = d.FindProject(project);
    return p != nullptr && p->blind_mode;
  });
  const uint64_t lease = claim.lease;
  auto cannot_show = [lease](const Status& why) {
    return why.WithContext("lease " + std::to_string(lease) +
                           " is held, but its item could not be shown "
                           "(release it)");
  };
  // The read side applies the claim right after the write side (it follows
  // the ledger); this waits only when it has not caught up yet.
  if (!ctx.engine->WaitForSeq(claim.lease, kShowTimeoutMs)) {
    Status live = ctx.engine->live_status();
    return reply(cannot_show(
        live.ok() ? UnavailableError("the read side has not applied the "
                                     "claim within " +
                                     std::to_string(kShowTimeoutMs) + " ms")
                  : live));
  }
  const render::AdjudicatorViewRequest request{
      .project = project, .item = claim.item, .blind = blind, .keys = keys};
  StatusOr<json::object> view = InternalError("unset");
  // The item under the read side's lock, the field's project-wide context
  // from the App's cache, computed outside it (docs/websocket.md, "What a
  // claim costs").
  if (auto cache = ClaimContexts(ctx.engine)) {
    view =
        render::AdjudicatorViewJson(*ctx.engine, *cache, *ctx.ledger, request);
  } else {
    ctx.engine->Read([&](const projections::AnalyticsState& s) {
      view = render::AdjudicatorViewJson(s, *ctx.ledger, request);
    });
  }
  if (!view.ok()) return reply(cannot_show(view.status()));
  auto shown = std::make_shared<json::object>(std::move(*view));
  ctx.handler->RecordAccessAsync(
      actor,
      {.resource_kind = "record",
       .resource_id = claim.item.record,
       .action = "adjudicate",
       .purpose = "adjudication lease " + std::to_string(lease),
       .allowed = true},
      [c, shown, post, reply, cannot_show](StatusOr<Committed> a) mutable {
        if (!a.ok()) return reply(cannot_show(a.status()));
        c.access_seq = a->seq;
        Then(post, [c, shown, reply] {
          reply(JsonResponse(201, render::ClaimJson(c, std::move(*shown))));
        });
      });
}

// Runs an async handler to its end on this thread: the steps its callbacks
// post run here, so the blocking routes keep their thread (as before) and
// share the async handlers' code.
StatusOr<Response> RunHere(
    const std::function<void(const PostStep&, AsyncReply)>& start) {
  struct Box {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> steps;
    std::optional<StatusOr<Response>> out;
  };
  auto box = std::make_shared<Box>();
  PostStep post = [box](std::function<void()> step) {
    {
      std::lock_guard l(box->mu);
      box->steps.push_back(std::move(step));
    }
    box->cv.notify_one();
  };
  start(post, [box](StatusOr<Response> r) {
    {
      std::lock_guard l(box->mu);
      box->out.emplace(std::move(r));
    }
    box->cv.notify_one();
  });
  std::unique_lock l(box->mu);
  for (;;) {
    box->cv.wait(l, [&] { return box->out || !box->steps.empty(); });
    if (box->steps.empty()) return std::move(*box->out);
    std::function<void()> step = std::move(box->steps.front());
    box->steps.pop_front();
    l.unlock();
    step();
    l.lock();
  }
}

}  // namespace

void AdjudicationClaimAsync(const AppContext& ctx, const Request& req,
                            PostStep post, AsyncReply reply) {
  const std::string& project = req.params.at("project");
  auto ttl = [&]() -> StatusOr<std::optional<int64_t>> {
    std::optional<int64_t> seconds;
    ASSIGN_OR_RETURN(std::optional<BodyReader> body, OptionalBody(req));
    if (body) {
      if (body->object().contains("ttl_seconds")) {
        ASSIGN_OR_RETURN(uint64_t t, body->Uint("ttl_seconds", true, 1, 86400));
        seconds = static_cast<int64_t>(t);
      }
      RETURN_IF_ERROR(body->Finish());
    }
    return seconds;
  }();
  if (!ttl.ok()) return reply(ttl.status());
  ctx.adjudication->ClaimAsync(
      Actor(req), project, *ttl,
      [&ctx, project, actor = Actor(req), post,
       reply](StatusOr<adj::ClaimResult> claim) mutable {
        if (!claim.ok()) return reply(claim.status());
        Then(post,
             [&ctx, project, actor, post, reply, claim = std::move(*claim)] {
               ShowClaim(ctx, project, actor, claim, post, reply);
             });
      });
}

void AdjudicationLeaseActionAsync(const AppContext& ctx, const Request& req,
                                  PostStep post, AsyncReply reply) {
  StatusOr<uint64_t> lease = LeaseParam(req);
  if (!lease.ok()) return reply(lease.status());
  const std::string action = req.path.substr(req.path.rfind('/') + 1);
  if (action == "decide") return DecideAsync(ctx, req, *lease, post, reply);
  StatusOr<std::optional<BodyReader>> body = OptionalBody(req);
  if (!body.ok()) return reply(body.status());
  if (*body) {
    if (Status s = (*body)->Finish(); !s.ok()) return reply(s);
  }
  const std::string& actor = Actor(req);
  const LeaseCopy before = FindLease(ctx, *lease);
  if (action == "heartbeat") {
    // In memory: nothing to wait for.
    StatusOr<int64_t> deadline = ctx.adjudication->Heartbeat(actor, *lease);
    if (!deadline.ok()) return reply(deadline.status());
    return reply(JsonResponse(
        200, render::LeaseActionJson(before.project, *lease, actor, "heartbeat",
                                     std::nullopt, *deadline)));
  }
  ctx.adjudication->ReleaseAsync(
      actor, *lease,
      [project = before.project, lease = *lease, actor, post,
       reply](StatusOr<Committed> c) {
        if (!c.ok()) return reply(c.status());
        Then(post, [project, lease, actor, seq = c->seq, reply] {
          reply(JsonResponse(
              200, render::LeaseActionJson(project, lease, actor, "release",
                                           seq, std::nullopt)));
        });
      });
}

StatusOr<Response> AdjudicationClaim(const AppContext& ctx,
                                     const Request& req) {
  return RunHere([&](const PostStep& post, AsyncReply reply) {
    AdjudicationClaimAsync(ctx, req, post, std::move(reply));
  });
}

StatusOr<Response> AdjudicationLeaseAction(const AppContext& ctx,
                                           const Request& req) {
  return RunHere([&](const PostStep& post, AsyncReply reply) {
    AdjudicationLeaseActionAsync(ctx, req, post, std::move(reply));
  });
}

}  // namespace consilium::api::internal
