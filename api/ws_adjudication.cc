#include "api/ws_adjudication.h"

#include <algorithm>
#include <boost/json.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "api/adjudication_routes.h"
#include "api/event_stream.h"
#include "api/internal/ws_adjudication_text.h"
#include "api/internal/ws_pipeline.h"
#include "schemas/event.h"

namespace consilium::api {
namespace {

namespace json = boost::json;
namespace adj = ::consilium::adjudication;
using Steady = std::chrono::steady_clock;
using internal::DepthCounter;
using internal::DepthOf;
using internal::DepthText;
using internal::ExpiringText;
using internal::FieldOrNull;
using internal::LeaseKey;
using internal::LeaseTrack;
using internal::LostText;
using internal::OnlyKeys;
using internal::RestRequest;
using internal::ResultOf;
using internal::Reword;
using internal::StringKey;

struct QueueSub {
  bool dirty = false;
  Steady::time_point last_sent{};
  size_t last_depth = 0;
  std::string adjudicator;  // the session's principal: what its depth counts
};

// (project, field): field empty for the whole queue.
using SubKey = std::pair<std::string, std::string>;

struct Session {
  std::weak_ptr<WsPeer> peer;
  uint64_t key = 0;   // WsPeer::AddSubscription
  bool gone = false;  // dropped from sessions_: make a new one
  std::map<SubKey, QueueSub> queues;
  std::map<uint64_t, LeaseTrack> leases;
};

struct Outgoing {
  std::weak_ptr<WsPeer> peer;
  std::string text;
};

void Send(std::vector<Outgoing>& out) {
  for (Outgoing& o : out) {
    if (auto p = o.peer.lock()) p->Push(std::move(o.text));
  }
  out.clear();
}

}  // namespace

class WsAdjudication::Impl {
 public:
  Impl(App* app, WsAdjudicationOptions options)
      : app_(app), ctx_(app->context()), options_(options) {}

  void Begin();
  void Stop();
  void SetHook(std::function<void()> hook) {
    std::lock_guard lock(mu_);
    hook_ = std::move(hook);
  }

  // The messages: each answers `done` exactly once, never waiting for a
  // commit on its thread (the pipeline runs them on the pool, one at a time
  // per session).
  using Finish = internal::WsPipeline::Finish;
  void Subscribe(const WsRequest& req, const std::shared_ptr<WsPeer>& peer,
                 Finish done);
  void Unsubscribe(const WsRequest& req, const std::shared_ptr<WsPeer>& peer,
                   Finish done);
  void Claim(const WsRequest& req, const std::shared_ptr<WsPeer>& peer,
             Finish done);
  void LeaseAction(const WsRequest& req, const std::shared_ptr<WsPeer>& peer,
                   Finish done);

  const std::shared_ptr<internal::WsPipeline>& pipeline() const {
    return pipeline_;
  }

 private:
  Status CheckOpen();
  // The rule of the matching REST route, under the core's lock.
  Status Authorize(const WsRequest& req, const std::string& project,
                   bool lease_route);
  // Answers `done` with `result`; a PermissionDenied once its denial is
  // durable (as ctx.FailAsync does; UNAVAILABLE when it cannot be
  // recorded). Call it on the message's own thread for a refusal (the
  // commands refuse before they queue).
  void Answer(const WsRequest& req, const std::string& project, WsResult result,
              Finish done);
  StatusOr<std::string> SubscribeNow(const WsRequest& req,
                                     const std::shared_ptr<WsPeer>& peer,
                                     json::object& result);
  // What Claim does with a claim's result: watch the lease from `peer`.
  void Claimed(const std::shared_ptr<WsPeer>& peer, const std::string& queue,
               int64_t claimed_us, const json::object& r);
  // What LeaseAction does with its result.
  void LeaseActed(const std::shared_ptr<WsPeer>& peer, const std::string& type,
                  uint64_t lease, std::optional<LeaseTrack> held,
                  int64_t now_us, const json::object& r);
  std::shared_ptr<Session> SessionOf(const std::shared_ptr<WsPeer>& peer);
  void Drop(const WsPeer* raw, const std::weak_ptr<Session>& session);
  // Forgets an empty session so it may be closed as idle again.
  void ForgetIfEmpty(const std::shared_ptr<WsPeer>& peer);
  template <class Fn>
  void WithSession(const std::shared_ptr<WsPeer>& peer, Fn fn);
  // Watches `lease` from `peer`'s session (and from no other); a lease
  // watched already keeps its flags, a new deadline re-arms the warning.
  void Track(const std::shared_ptr<WsPeer>& peer, uint64_t lease,
             LeaseTrack track);
  void SetEnding(const WsPeer* peer, uint64_t lease, bool ending);

  void OnNotice(const adj::QueueNotice& n);
  void OnEvent(const StoredEvent& e);
  void PusherLoop();
  // Under mu_: what is due now (a depth: the subscription and its
  // adjudicator); `wake` lowered to the next due time.
  using DueDepth = std::tuple<std::shared_ptr<Session>, SubKey, std::string>;
  void CollectDue(Steady::time_point now, Steady::time_point& wake,
                  std::vector<DueDepth>& flushes, std::vector<Outgoing>& out);
  void Flush(const std::vector<DueDepth>& flushes);
  void CheckItems();
  void CheckRevocation(uint64_t seq);

  App* app_;
  const AppContext& ctx_;
  const WsAdjudicationOptions options_;
  const std::shared_ptr<internal::WsPipeline> pipeline_ =
      internal::WsPipeline::Make(options_.max_pipelined_per_session);

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  bool kicked_ = false;
  uint64_t revoked_seq_ = 0;  // a revocation not yet passed to hook_
  std::function<void()> hook_;
  std::map<const WsPeer*, std::shared_ptr<Session>> sessions_;

  uint64_t listener_ = 0;
  std::unique_ptr<Ledger::Subscription> ledger_sub_;
  std::thread pusher_;
};

void WsAdjudication::Impl::Begin() {
  listener_ = app_->adjudication_model().Subscribe(
      [this](const adj::QueueNotice& n) { OnNotice(n); });
  ledger_sub_ =
      ctx_.ledger->Subscribe(ctx_.ledger->head().seq + 1,
                             [this](const StoredEvent& e) { OnEvent(e); });
  pusher_ = std::thread([this] { PusherLoop(); });
}

void WsAdjudication::Impl::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = stopping_ = true;
    hook_ = nullptr;
  }
  cv_.notify_all();
  if (pusher_.joinable()) pusher_.join();
  app_->adjudication_model().Unsubscribe(listener_);
  ledger_sub_.reset();
}

Status WsAdjudication::Impl::CheckOpen() {
  std::lock_guard lock(mu_);
  if (stopping_) return UnavailableError("the server is shutting down");
  return OkStatus();
}

void WsAdjudication::Impl::Answer(const WsRequest& req,
                                  const std::string& project, WsResult result,
                                  Finish done) {
  if (result.ok() || result.status().code() != StatusCode::kPermissionDenied) {
    return done(std::move(result));
  }
  std::map<std::string, std::string> params;
  if (!project.empty()) params["project"] = project;
  Status status = result.status();
  ctx_.RecordDenialAsync(
      Denial{req.principal.id, "WS", kWebSocketPath, req.type, status, params},
      [status, done = std::move(done)](Status recorded) {
        if (recorded.ok()) return done(status);
        done(UnavailableError(
            "the refusal of this message could not be recorded: " +
            recorded.message()));
      });
}

Status WsAdjudication::Impl::Authorize(const WsRequest& req,
                                       const std::string& project,
                                       bool lease_route) {
  Status s = ctx_.handler->Read([&](const domain::DomainState& state) {
    domain::Authorizer a(state, req.principal.id, ctx_.offers);
    if (!lease_route) return a.MayReadAdjudication(project);
    if (a.HoldsRole(fb::Role::Adjudicator)) return OkStatus();
    return PermissionDeniedError("principal " + req.principal.id +
                                 " may not act on adjudication leases: it "
                                 "holds no adjudicator role");
  });
  return s;
}

std::shared_ptr<Session> WsAdjudication::Impl::SessionOf(
    const std::shared_ptr<WsPeer>& peer) {
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(peer.get());
    if (it != sessions_.end()) return it->second;
  }
  auto s = std::make_shared<Session>();
  s->peer = peer;
  {
    std::lock_guard lock(mu_);
    auto [it, inserted] = sessions_.emplace(peer.get(), s);
    if (!inserted) return it->second;
  }
  // Outside mu_: on_close runs at once when the session closed already.
  std::weak_ptr<Session> weak = s;
  const WsPeer* raw = peer.get();
  uint64_t key = peer->AddSubscription([this, raw, weak] { Drop(raw, weak); });
  std::lock_guard lock(mu_);
  s->key = key;
  return s;
}

void WsAdjudication::Impl::Drop(const WsPeer* raw,
                                const std::weak_ptr<Session>& session) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(raw);
  auto s = session.lock();
  if (s) s->gone = true;
  if (it != sessions_.end() && it->second == s) sessions_.erase(it);
}

void WsAdjudication::Impl::ForgetIfEmpty(const std::shared_ptr<WsPeer>& peer) {
  uint64_t key = 0;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(peer.get());
    if (it == sessions_.end()) return;
    Session& s = *it->second;
    if (!s.queues.empty() || !s.leases.empty()) return;
    s.gone = true;
    key = s.key;
    sessions_.erase(it);
  }
  peer->RemoveSubscription(key);
}

// Runs fn(Session&) under mu_ on the peer's live session entry.
template <class Fn>
void WsAdjudication::Impl::WithSession(const std::shared_ptr<WsPeer>& peer,
                                       Fn fn) {
  for (;;) {
    std::shared_ptr<Session> s = SessionOf(peer);
    std::lock_guard lock(mu_);
    if (s->gone) {
      if (peer->closed()) return;
      continue;  // forgotten meanwhile: register again
    }
    fn(*s);
    return;
  }
}

void WsAdjudication::Impl::Track(const std::shared_ptr<WsPeer>& peer,
                                 uint64_t lease, LeaseTrack track) {
  {
    // A lease is watched by one session: the last that acted on it.
    std::lock_guard lock(mu_);
    for (auto& [raw, s] : sessions_) {
      if (raw != peer.get()) s->leases.erase(lease);
    }
  }
  WithSession(peer, [&](Session& s) {
    auto it = s.leases.find(lease);
    if (it == s.leases.end()) {
      s.leases.emplace(lease, std::move(track));
      return;
    }
    // Already watched here: what was pushed for it stays pushed.
    LeaseTrack& t = it->second;
    t.ending = track.ending;
    if (t.deadline_us != track.deadline_us) {
      t.deadline_us = track.deadline_us;
      t.ttl_us = track.ttl_us;
      t.warned = false;  // a new deadline, a new warning
    }
  });
}

void WsAdjudication::Impl::SetEnding(const WsPeer* peer, uint64_t lease,
                                     bool ending) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(peer);
  if (it == sessions_.end()) return;
  auto l = it->second->leases.find(lease);
  if (l != it->second->leases.end()) l->second.ending = ending;
}

// ---- Messages ---------------------------------------------------------------

void WsAdjudication::Impl::Subscribe(const WsRequest& req,
                                     const std::shared_ptr<WsPeer>& peer,
                                     Finish done) {
  std::string queue;
  auto run = [&]() -> WsResult {
    RETURN_IF_ERROR(CheckOpen());
    RETURN_IF_ERROR(OnlyKeys(req, {"queue", "field"}));
    ASSIGN_OR_RETURN(queue, StringKey(req, "queue", true));
    ASSIGN_OR_RETURN(std::string field, StringKey(req, "field", false));
    RETURN_IF_ERROR(Authorize(req, queue, false));
    struct Now {
      bool found = false;
      size_t depth = 0;
      uint64_t seq = 0;
    };
    const Now now = ctx_.handler->Read([&](const domain::DomainState&) {
      return Now{ctx_.model->FindQueue(queue) != nullptr,
                 DepthOf(*ctx_.model, queue, field, req.principal.id),
                 ctx_.model->seq()};
    });
    if (!now.found)
      return NotFoundError("subscribe: no project \"" + queue + "\"");
    Status added = OkStatus();
    WithSession(peer, [&](Session& s) {
      SubKey key{queue, field};
      if (s.queues.count(key)) {
        added = AlreadyExistsError(
            "subscribe: this session is already subscribed to queue \"" +
            queue + "\"" + (field.empty() ? "" : " field \"" + field + "\""));
      } else if (s.queues.size() >= options_.max_subscriptions_per_session) {
        added = ResourceExhaustedError(
            "subscribe: at most " +
            std::to_string(options_.max_subscriptions_per_session) +
            " queue subscriptions per session");
      } else {
        s.queues[key] =
            QueueSub{.last_depth = now.depth, .adjudicator = req.principal.id};
      }
    });
    if (!added.ok()) {
      ForgetIfEmpty(peer);
      return added;
    }
    return json::object{{"queue", queue},
                        {"field", FieldOrNull(field)},
                        {"depth", now.depth},
                        {"seq", now.seq}};
  };
  WsResult result = run();
  Answer(req, queue, std::move(result), std::move(done));
}

void WsAdjudication::Impl::Unsubscribe(const WsRequest& req,
                                       const std::shared_ptr<WsPeer>& peer,
                                       Finish done) {
  auto run = [&]() -> WsResult {
    RETURN_IF_ERROR(OnlyKeys(req, {"queue", "field"}));
    ASSIGN_OR_RETURN(std::string queue, StringKey(req, "queue", true));
    ASSIGN_OR_RETURN(std::string field, StringKey(req, "field", false));
    bool found = false;
    {
      std::lock_guard lock(mu_);
      auto it = sessions_.find(peer.get());
      if (it != sessions_.end())
        found = it->second->queues.erase({queue, field});
    }
    if (!found) {
      return NotFoundError(
          "unsubscribe: this session is not subscribed to "
          "queue \"" +
          queue + "\"" + (field.empty() ? "" : " field \"" + field + "\""));
    }
    ForgetIfEmpty(peer);
    return json::object{{"queue", queue}, {"field", FieldOrNull(field)}};
  };
  done(run());
}

void WsAdjudication::Impl::Claimed(const std::shared_ptr<WsPeer>& peer,
                                   const std::string& queue, int64_t claimed_us,
                                   const json::object& r) {
  LeaseTrack t{.project = queue,
               .item = {std::string(r.at("record").as_string()),
                        std::string(r.at("field").as_string())},
               .deadline_us = r.at("expires_us").to_number<int64_t>()};
  t.ttl_us = std::max<int64_t>(1, t.deadline_us - claimed_us);
  Track(peer, r.at("lease").to_number<uint64_t>(), std::move(t));
}

void WsAdjudication::Impl::Claim(const WsRequest& req,
                                 const std::shared_ptr<WsPeer>& peer,
                                 Finish done) {
  std::string queue;
  json::object body;
  Status checked = [&]() -> Status {
    RETURN_IF_ERROR(CheckOpen());
    RETURN_IF_ERROR(OnlyKeys(req, {"queue", "ttl_seconds"}));
    ASSIGN_OR_RETURN(queue, StringKey(req, "queue", true));
    if (const json::value* ttl = req.message.if_contains("ttl_seconds")) {
      body["ttl_seconds"] = *ttl;
    }
    return Authorize(req, queue, false);
  }();
  if (!checked.ok()) return Answer(req, queue, checked, std::move(done));
  const int64_t claimed_us = ctx_.clock->NowMicros();
  Request rest = RestRequest(req, kWebSocketPath, {{"project", queue}},
                             json::serialize(body));
  // The request lives in the reply: a refusal is recorded from it.
  auto request = std::make_shared<WsRequest>(req);
  internal::AdjudicationClaimAsync(
      ctx_, rest, internal::OnPool(peer),
      [this, request, peer, queue, claimed_us,
       done = std::move(done)](StatusOr<Response> response) mutable {
        StatusOr<json::object> result = ResultOf(response);
        if (!result.ok()) {
          return Answer(*request, queue, Reword(result.status(), "claim"),
                        std::move(done));
        }
        Claimed(peer, queue, claimed_us, *result);
        done(std::move(result));
      });
}

void WsAdjudication::Impl::LeaseActed(const std::shared_ptr<WsPeer>& peer,
                                      const std::string& type, uint64_t lease,
                                      std::optional<LeaseTrack> held,
                                      int64_t now_us, const json::object& r) {
  if (type == "heartbeat") {
    if (!held) return;
    const int64_t deadline = r.at("expires_us").to_number<int64_t>();
    held->deadline_us = deadline;
    held->ttl_us = std::max<int64_t>(1, deadline - now_us);
    Track(peer, lease, *held);
    return;
  }
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(peer.get());
    if (it != sessions_.end()) it->second->leases.erase(lease);
  }
  ForgetIfEmpty(peer);
}

void WsAdjudication::Impl::LeaseAction(const WsRequest& req,
                                       const std::shared_ptr<WsPeer>& peer,
                                       Finish done) {
  const bool decide = req.type == "decide";
  uint64_t lease = 0;
  json::object body;
  Status checked = [&]() -> Status {
    RETURN_IF_ERROR(CheckOpen());
    if (decide) {
      RETURN_IF_ERROR(OnlyKeys(req, {"lease", "field", "value", "ambiguous",
                                     "escalate", "rationale"}));
    } else {
      RETURN_IF_ERROR(OnlyKeys(req, {"lease"}));
    }
    ASSIGN_OR_RETURN(lease, LeaseKey(req));
    if (decide) {
      for (const auto& kv : req.message) {
        if (kv.key() != "id" && kv.key() != "type" && kv.key() != "lease")
          body.emplace(kv.key(), kv.value());
      }
    }
    return Authorize(req, "", true);
  }();
  if (!checked.ok()) return Answer(req, "", checked, std::move(done));
  // What the lease names now: its project (a refusal names it), and the
  // lease to watch from this session when the principal holds it.
  std::string project;
  std::optional<LeaseTrack> held =
      ctx_.handler->Read([&](const domain::DomainState&) {
        adj::LeaseLookup l = ctx_.model->FindLease(lease);
        project = l.project;
        if (l.held == nullptr || l.held->adjudicator != req.principal.id) {
          return std::optional<LeaseTrack>();
        }
        return std::optional<LeaseTrack>(
            LeaseTrack{.project = l.project,
                       .item = l.held->item,
                       .deadline_us = l.held->deadline_us()});
      });
  const int64_t now_us = ctx_.clock->NowMicros();
  if (held) {
    held->ttl_us = std::max<int64_t>(1, held->deadline_us - now_us);
    held->ending = req.type != "heartbeat";
    Track(peer, lease, *held);
  }
  Request rest = RestRequest(req, std::string(kWebSocketPath) + "/" + req.type,
                             {{"lease", std::to_string(lease)}},
                             decide ? json::serialize(body) : "");
  auto request = std::make_shared<WsRequest>(req);
  internal::AdjudicationLeaseActionAsync(
      ctx_, rest, internal::OnPool(peer),
      [this, request, peer, lease, project, held, now_us,
       done = std::move(done)](StatusOr<Response> response) mutable {
        StatusOr<json::object> result = ResultOf(response);
        if (!result.ok()) {
          SetEnding(peer.get(), lease, false);
          return Answer(*request, project,
                        Reword(result.status(), request->type),
                        std::move(done));
        }
        LeaseActed(peer, request->type, lease, std::move(held), now_us,
                   *result);
        done(std::move(result));
      });
}

// ---- Pushes -----------------------------------------------------------------

void WsAdjudication::Impl::OnNotice(const adj::QueueNotice& n) {
  std::vector<Outgoing> out;
  bool kick = false;
  {
    std::lock_guard lock(mu_);
    if (n.kind == adj::QueueNotice::Kind::kDepth) {
      for (auto& [raw, s] : sessions_) {
        for (auto& [key, sub] : s->queues) {
          if (key.first == n.project) sub.dirty = kick = true;
        }
      }
      kicked_ = kicked_ || kick;
    } else {
      for (auto& [raw, s] : sessions_) {
        auto it = s->leases.find(n.lease);
        if (it == s->leases.end()) continue;
        const bool own = it->second.ending &&
                         n.end != adj::LeaseEndReason::kExpired &&
                         n.end != adj::LeaseEndReason::kLost;
        if (!own) {
          out.push_back(
              {s->peer, LostText(n.lease, it->second,
                                 adj::LeaseEndReasonName(n.end), n.seq)});
        }
        s->leases.erase(it);
      }
    }
  }
  if (kick) cv_.notify_all();
  Send(out);
}

void WsAdjudication::Impl::OnEvent(const StoredEvent& e) {
  const fb::EventBody type = e.event()->body_type();
  if (type != fb::EventBody::RoleRevoked &&
      type != fb::EventBody::TokenRevoked) {
    return;
  }
  {
    std::lock_guard lock(mu_);
    revoked_seq_ = std::max(revoked_seq_, e.seq);
    kicked_ = true;
  }
  cv_.notify_all();
}

void WsAdjudication::Impl::CollectDue(Steady::time_point now,
                                      Steady::time_point& wake,
                                      std::vector<DueDepth>& flushes,
                                      std::vector<Outgoing>& out) {
  const int64_t now_us = ctx_.clock->NowMicros();
  for (auto& [raw, s] : sessions_) {
    for (auto& [key, sub] : s->queues) {
      if (!sub.dirty) continue;
      const Steady::time_point due = sub.last_sent + options_.depth_coalesce;
      if (now >= due) {
        sub.dirty = false;
        flushes.emplace_back(s, key, sub.adjudicator);
      } else {
        wake = std::min(wake, due);
      }
    }
    for (auto& [lease, t] : s->leases) {
      if (t.warned || t.ending) continue;
      const int64_t warn_at =
          t.deadline_us - static_cast<int64_t>(static_cast<double>(t.ttl_us) *
                                               options_.expiring_fraction);
      if (now_us >= warn_at) {
        t.warned = true;
        out.push_back({s->peer, ExpiringText(lease, t, now_us)});
      } else {
        wake =
            std::min(wake, now + std::chrono::microseconds(warn_at - now_us));
      }
    }
  }
}

void WsAdjudication::Impl::Flush(const std::vector<DueDepth>& flushes) {
  if (flushes.empty()) return;
  std::vector<size_t> depths;
  const uint64_t seq = ctx_.handler->Read([&](const domain::DomainState&) {
    DepthCounter count(*ctx_.model);
    for (const auto& [s, key, who] : flushes)
      depths.push_back(count.Of(key.first, key.second, who));
    return ctx_.model->seq();
  });
  std::vector<Outgoing> out;
  {
    std::lock_guard lock(mu_);
    const Steady::time_point now = Steady::now();
    for (size_t i = 0; i < flushes.size(); ++i) {
      const auto& [s, key, adjudicator] = flushes[i];
      auto it = s->queues.find(key);
      if (s->gone || it == s->queues.end()) continue;
      if (it->second.last_depth == depths[i]) continue;
      it->second.last_depth = depths[i];
      it->second.last_sent = now;
      out.push_back(
          {s->peer, DepthText(key.first, key.second, depths[i], seq)});
    }
  }
  Send(out);
}

// Leases whose item's annotations changed since the claim: a decision would
// be ABORTED, so the holder is told now.
void WsAdjudication::Impl::CheckItems() {
  std::vector<std::pair<std::shared_ptr<Session>, uint64_t>> watched;
  {
    std::lock_guard lock(mu_);
    for (auto& [raw, s] : sessions_) {
      for (auto& [lease, t] : s->leases) {
        if (!t.ending && !t.changed_told) watched.emplace_back(s, lease);
      }
    }
  }
  if (watched.empty()) return;
  std::vector<uint64_t> changed;
  ctx_.handler->Read([&](const domain::DomainState&) {
    for (const auto& [s, lease] : watched) {
      adj::LeaseLookup l = ctx_.model->FindLease(lease);
      if (l.held == nullptr) continue;
      std::vector<uint64_t> then, now;
      for (const adj::AnnotationRef& a : l.held->weighed_at_claim)
        then.push_back(a.seq);
      for (const auto& [seq, id] :
           ctx_.model->ItemAnnotations(l.project, l.held->item))
        now.push_back(seq);
      std::sort(then.begin(), then.end());
      std::sort(now.begin(), now.end());
      if (then != now) changed.push_back(lease);
    }
    return 0;
  });
  std::vector<Outgoing> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [s, lease] : watched) {
      if (std::find(changed.begin(), changed.end(), lease) == changed.end())
        continue;
      auto it = s->leases.find(lease);
      if (s->gone || it == s->leases.end() || it->second.changed_told) continue;
      it->second.changed_told = true;
      out.push_back(
          {s->peer, LostText(lease, it->second, "item_changed", std::nullopt)});
    }
  }
  Send(out);
}

void WsAdjudication::Impl::CheckRevocation(uint64_t seq) {
  const uint64_t applied = ctx_.handler->Read(
      [](const domain::DomainState& s) { return s.last_seq(); });
  if (applied < seq) return;  // the write side has not applied it yet
  std::function<void()> hook;
  {
    std::lock_guard lock(mu_);
    if (revoked_seq_ == seq) revoked_seq_ = 0;
    hook = hook_;
  }
  if (hook) hook();
}

void WsAdjudication::Impl::PusherLoop() {
  std::unique_lock lock(mu_);
  Steady::time_point last_check = Steady::now();
  while (!stopping_) {
    const Steady::time_point now = Steady::now();
    Steady::time_point wake = now + options_.lease_check;
    std::vector<DueDepth> flushes;
    std::vector<Outgoing> out;
    CollectDue(now, wake, flushes, out);
    const uint64_t revoked = revoked_seq_;
    kicked_ = false;
    lock.unlock();
    Send(out);
    Flush(flushes);
    if (now - last_check >= options_.lease_check) {
      last_check = now;
      CheckItems();
    }
    if (revoked != 0) CheckRevocation(revoked);
    flushes.clear();  // the sessions are released unlocked
    lock.lock();
    if (revoked_seq_ != 0) {
      wake = std::min(wake, Steady::now() + std::chrono::milliseconds(5));
    }
    cv_.wait_until(lock, wake, [this] { return stopping_ || kicked_; });
  }
}

// ---- The object -------------------------------------------------------------

WsAdjudication::WsAdjudication(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
WsAdjudication::~WsAdjudication() { impl_->Stop(); }

std::shared_ptr<WsAdjudication> WsAdjudication::Start(
    App* app, WsAdjudicationOptions options) {
  std::shared_ptr<WsAdjudication> self(
      new WsAdjudication(std::make_unique<Impl>(app, options)));
  self->impl_->Begin();
  return self;
}

void WsAdjudication::SetRevocationHook(std::function<void()> hook) {
  impl_->SetHook(std::move(hook));
}

void WsAdjudication::Stop() { impl_->Stop(); }

Status WsAdjudication::AddTo(WsHandlers& handlers) {
  std::shared_ptr<WsAdjudication> self = shared_from_this();
  using Method = void (Impl::*)(const WsRequest&,
                                const std::shared_ptr<WsPeer>&, Impl::Finish);
  const std::pair<const char*, Method> types[] = {
      {"subscribe", &Impl::Subscribe}, {"unsubscribe", &Impl::Unsubscribe},
      {"claim", &Impl::Claim},         {"heartbeat", &Impl::LeaseAction},
      {"decide", &Impl::LeaseAction},  {"release", &Impl::LeaseAction}};
  for (const auto& [type, method] : types) {
    // On the session's strand: queued behind the session's earlier
    // adjudication messages (internal::WsPipeline), run on the pool.
    RETURN_IF_ERROR(handlers.Add(
        {.type = type,
         .async = [self, method = method](const WsRequest& req,
                                          std::shared_ptr<WsPeer> peer,
                                          WsResponder respond) {
           auto request = std::make_shared<WsRequest>(req);
           self->impl_->pipeline()->Enqueue(
               peer, req.type, std::move(respond),
               [self, method, request, peer](Impl::Finish done) {
                 // The answer holds this object: a commit's callback may
                 // come after the server let go of it.
                 ((*self->impl_).*method)(
                     *request, peer,
                     [self, done = std::move(done)](WsResult r) {
                       done(std::move(r));
                     });
               });
         }}));
  }
  return OkStatus();
}

size_t WsAdjudication::busy_sessions() const {
  return impl_->pipeline()->busy_sessions();
}

std::shared_ptr<const WsHandlers> WebSocketMessages(
    App* app, std::shared_ptr<WsAdjudication>* adjudication) {
  auto stream = EventStreamMessages(app->context().ledger, &app->handler());
  auto handlers = std::make_shared<WsHandlers>(*stream);
  *adjudication = WsAdjudication::Start(app, {});
  Status s = (*adjudication)->AddTo(*handlers);
  // Only fails for a duplicate type; the event stream's are others.
  (void)s;
  return handlers;
}

}  // namespace consilium::api
