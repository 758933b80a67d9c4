// WebSocket sessions (docs/websocket.md): the Beast websocket stream over a
// plain or TLS connection taken over from an HTTP session, the message
// envelope, authentication, the outgoing queue and the session's timers.
// Beast's websocket code is compiled here only (compile time).
//
// Threads: everything that touches the stream runs on the connection's
// strand. The outgoing queue is under a mutex of its own, so Push works
// from any thread; the first message of an idle queue posts the write onto
// the strand, and each completed write starts the next: one write in
// flight, the rest queued (STYLE.md).
#include "api/ws_session.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "api/http.h"
#include "api/internal/ws_envelope.h"
#include "api/internal/ws_start.h"
#include "common/strict_json.h"
#include "render/error_json.h"
#include "render/principal_json.h"

namespace consilium::api {

namespace json = boost::json;

Status WsHandlers::Add(WsMessageType handler) {
  if (handler.type.empty()) {
    return InvalidArgumentError("WebSocket message type: empty");
  }
  if (handler.type == "auth" || handler.type == "ping") {
    return InvalidArgumentError("WebSocket message type \"" + handler.type +
                                "\" is the session's own");
  }
  if (static_cast<bool>(handler.blocking) == static_cast<bool>(handler.async)) {
    return InvalidArgumentError("WebSocket message type \"" + handler.type +
                                "\": set exactly one of blocking and async");
  }
  if (handlers_.count(handler.type)) {
    return AlreadyExistsError("WebSocket message type \"" + handler.type +
                              "\" already has a handler");
  }
  std::string type = handler.type;
  handlers_.emplace(std::move(type), std::move(handler));
  return OkStatus();
}

const WsMessageType* WsHandlers::Find(std::string_view type) const {
  auto it = handlers_.find(type);
  return it == handlers_.end() ? nullptr : &it->second;
}

namespace internal {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxCloseReason = 123;  // RFC 6455 5.5: 125 - the code

std::string Millis(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

std::string CutReason(std::string reason) {
  if (reason.size() <= kMaxCloseReason) return reason;
  size_t n = kMaxCloseReason;
  // Never cut a UTF-8 sequence in half: the reason must stay valid UTF-8.
  while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;
  reason.resize(n);
  return reason;
}

// Roles that were held and are not any more, "a, b"; empty when none.
std::string LostRoles(const Principal& before, const Principal& now) {
  std::string lost;
  for (const std::string& r : before.roles) {
    if (!now.HasRole(r)) lost += (lost.empty() ? "" : ", ") + r;
  }
  return lost;
}

template <class Stream>
class WsSession final : public Connection,
                        public WsPeer,
                        public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(std::shared_ptr<ServerState> state, Stream&& stream,
            UpgradeRequest&& request, OpenConnection open)
      : state_(std::move(state)),
        ws_(std::move(stream)),
        request_(std::move(request)),
        open_(std::move(open)),
        timer_(ws_.get_executor()) {}

  ~WsSession() override {
    state_->Forget(id_);
    RunClosers();
  }

  void Run() {
    id_ = state_->Remember(this->weak_from_this());
    beast::get_lowest_layer(ws_).expires_never();
    std::string_view authorization(request_[http::field::authorization]);
    if (!authorization.empty()) {
      StatusOr<std::string_view> token = BearerToken(authorization);
      StatusOr<Principal> p =
          token.ok() ? state_->dispatcher->authenticator().Authenticate(*token)
                     : StatusOr<Principal>(token.status());
      if (!p.ok()) return RefuseUpgrade(p.status());
      token_ = std::string(*token);
      principal_ = std::move(*p);
      authenticated_ = true;
    }
    const ServerOptions& o = state_->options;
    websocket::stream_base::timeout t;
    t.handshake_timeout = o.header_timeout;
    t.idle_timeout = o.ws_peer_timeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(
        websocket::stream_base::decorator([](websocket::response_type& res) {
          res.set(http::field::server, "consilium");
        }));
    ws_.read_message_max(o.ws_max_message_bytes);
    accepting_ = true;
    ws_.async_accept(request_,
                     beast::bind_front_handler(&WsSession::OnAccept,
                                               this->shared_from_this()));
  }

  // --- Connection (any thread)
  void Drain() override {
    Post([](WsSession& s) {
      s.Close(websocket::close_code::going_away, "server shutting down");
    });
  }
  void CloseIfPrincipal(const std::string& principal_id,
                        const std::string& reason) override {
    Post([principal_id, reason](WsSession& s) {
      if (s.authenticated_ && s.principal_.id == principal_id) {
        s.Close(websocket::close_code::policy_error, reason);
      }
    });
  }
  void Recheck() override {
    Post([](WsSession& s) { s.RecheckPrincipal(); });
  }

  // --- WsPeer (any thread)
  bool Push(std::string text) override {
    std::lock_guard lock(out_mu_);
    if (out_closed_) return false;
    const ServerOptions& o = state_->options;
    if (out_.size() + 1 > o.ws_max_queue_messages ||
        out_bytes_ + text.size() > o.ws_max_queue_bytes) {
      out_closed_ = true;
      // Not reading: a close frame would wait behind the stuck write, so
      // the connection is dropped (docs/websocket.md).
      Post([](WsSession& s) { s.Abort(); });
      return false;
    }
    out_bytes_ += text.size();
    out_.push_back(std::move(text));
    if (!writing_) {
      writing_ = true;
      Post([](WsSession& s) { s.WriteNext(); });
    }
    return true;
  }
  size_t queued_bytes() const override {
    std::lock_guard lock(out_mu_);
    return out_bytes_;
  }
  void WhenQueueBelow(size_t below, std::function<void()> fn) override {
    {
      std::lock_guard lock(out_mu_);
      if (!out_closed_ && out_bytes_ > below) {
        waiters_.push_back({below, std::move(fn)});
        return;
      }
    }
    fn();
  }
  uint64_t AddSubscription(std::function<void()> on_close) override {
    std::unique_lock lock(out_mu_);
    if (out_closed_) {
      lock.unlock();
      on_close();
      return 0;
    }
    uint64_t key = ++next_subscription_;
    subscriptions_.emplace(key, std::move(on_close));
    return key;
  }
  void RemoveSubscription(uint64_t key) override {
    std::lock_guard lock(out_mu_);
    subscriptions_.erase(key);
  }
  void RunBlocking(std::function<void()> task) override {
    state_->dispatcher->RunOnPool(std::move(task));
  }
  bool closed() const override {
    std::lock_guard lock(out_mu_);
    return out_closed_;
  }

 private:
  template <class Fn>
  void Post(Fn fn) {
    net::post(ws_.get_executor(),
              [self = this->shared_from_this(), fn = std::move(fn)]() mutable {
                fn(*self);
              });
  }

  // A refused Authorization header: the denial hook first (it may record
  // the refusal), then 401 in HTTP, and the connection closes.
  void RefuseUpgrade(Status reason) {
    auto self = this->shared_from_this();
    state_->dispatcher->RunOnPool([self, reason] {
      const DenialHook& hook = self->state_->dispatcher->denial_hook();
      Status recorded =
          hook ? hook(Denial{"", "GET", kWebSocketPath, kWebSocketPath, reason})
               : OkStatus();
      self->Post([reason, recorded](WsSession& s) {
        s.WriteRefusal(recorded, reason);
      });
    });
  }

  void WriteRefusal(const Status& recorded, const Status& reason) {
    Response r =
        recorded.ok()
            ? ErrorResponse(reason)
            : ErrorResponse(UnavailableError(
                  "the refusal of this request could not be recorded: " +
                  recorded.message()));
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), request_.version());
    res->set(http::field::server, "consilium");
    res->set(http::field::content_type, "application/json");
    res->set(http::field::cache_control, "no-store");
    if (recorded.ok()) {
      res->set(http::field::www_authenticate,
               "Bearer realm=\"consilium\", error=\"invalid_token\"");
    }
    res->keep_alive(false);
    res->body() = std::move(r.body);
    res->prepare_payload();
    beast::get_lowest_layer(ws_).expires_after(state_->options.write_timeout);
    http::async_write(
        ws_.next_layer(), *res,
        [self = this->shared_from_this(), res](beast::error_code, size_t) {
          beast::get_lowest_layer(self->ws_).close();
        });
  }

  void OnAccept(beast::error_code ec) {
    accepting_ = false;
    if (ec) return Finish();
    accepted_ = true;
    if (pending_close_) {
      auto [code, reason] = std::move(*pending_close_);
      pending_close_.reset();
      return Close(code, std::move(reason));
    }
    started_ = last_message_ = last_recheck_ = Clock::now();
    Tick();
    DoRead();
  }

  void DoRead() {
    ws_.async_read(buffer_, beast::bind_front_handler(
                                &WsSession::OnRead, this->shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    // Closed by the client, by us, a frame over the size limit (Beast has
    // sent close 1009), invalid UTF-8 (1007), a dropped connection.
    if (ec) return Finish();
    last_message_ = Clock::now();
    if (!ws_.got_text()) {
      buffer_.consume(buffer_.size());
      Send(WsErrorText(
          nullptr, InvalidArgumentError("binary frames are not accepted: send "
                                        "JSON messages as text frames")));
      return DoRead();
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    OnMessage(text);
    DoRead();
  }

  void OnMessage(const std::string& text) {
    WsEnvelope envelope;
    if (Status s = ParseWsEnvelope(text, envelope); !s.ok()) {
      return Send(WsErrorText(envelope.id, s));
    }
    json::value id = std::move(envelope.id);
    std::string t = std::move(envelope.type);
    json::object& msg = envelope.message;
    if (t == "auth") return OnAuth(id, msg);
    if (!authenticated_) {
      return Send(WsErrorText(
          id, Status(StatusCode::kUnauthenticated,
                     "authenticate first: {\"type\":\"auth\",\"id\":..,"
                     "\"token\":..} or an Authorization header")));
    }
    if (t == "ping") return Send(WsResultText(id, json::object()));
    const WsMessageType* handler = state_->websocket->Find(t);
    if (handler == nullptr) {
      return Send(WsErrorText(
          id, InvalidArgumentError("unknown message type \"" + t + "\"")));
    }
    if (in_flight_ >= state_->options.ws_max_in_flight) {
      return Send(WsErrorText(
          id,
          ResourceExhaustedError(
              "more than " + std::to_string(state_->options.ws_max_in_flight) +
              " messages of this session are being handled; wait for "
              "their answers")));
    }
    ++in_flight_;
    auto request = std::make_shared<WsRequest>(
        WsRequest{id, std::move(t), std::move(msg), principal_});
    RunHandler(*handler, std::move(request));
  }

  void RunHandler(const WsMessageType& handler,
                  std::shared_ptr<WsRequest> request) {
    auto self = this->shared_from_this();
    auto once = std::make_shared<std::atomic<bool>>(false);
    WsResponder respond = [self, request, once](WsResult result) {
      if (once->exchange(true)) return;  // exactly one answer per id
      self->Push(result.ok() ? WsResultText(request->id, *result)
                             : WsErrorText(request->id, result.status()));
      self->Post([](WsSession& s) { --s.in_flight_; });
    };
    if (handler.async) {
      try {
        handler.async(*request, self, respond);
      } catch (...) {
        respond(
            InternalError("the handler of \"" + request->type + "\" failed"));
      }
      return;
    }
    state_->dispatcher->RunOnPool([self, request, respond, &handler]() mutable {
      WsResult result =
          InternalError("the handler of \"" + request->type + "\" failed");
      try {
        result = handler.blocking(*request, self);
      } catch (...) {
        // A handler that throws is a bug; no exception text (it may
        // hold record content).
      }
      respond(std::move(result));
    });
  }

  void OnAuth(const json::value& id, const json::object& msg) {
    if (authenticated_) {
      return Send(
          WsErrorText(id, FailedPreconditionError("this session is already "
                                                  "authenticated as " +
                                                  principal_.id)));
    }
    const json::value* token = msg.if_contains("token");
    if (token == nullptr || !token->is_string()) {
      return Send(WsErrorText(
          id, InvalidArgumentError("auth: \"token\" string required")));
    }
    std::string t(token->as_string());
    StatusOr<Principal> p = state_->dispatcher->authenticator().Authenticate(t);
    if (p.ok()) {
      authenticated_ = true;
      token_ = std::move(t);
      principal_ = std::move(*p);
      json::value who = render::WhoamiJson(principal_.id, principal_.roles);
      return Send(WsResultText(id, who.as_object()));
    }
    // Refused: recorded by the hook first, then answered, then closed.
    auto self = this->shared_from_this();
    Status reason = p.status();
    state_->dispatcher->RunOnPool([self, id, reason] {
      const DenialHook& hook = self->state_->dispatcher->denial_hook();
      Status recorded =
          hook ? hook(Denial{"", "WS", kWebSocketPath, "auth", reason})
               : OkStatus();
      self->Push(WsErrorText(
          id, recorded.ok()
                  ? reason
                  : UnavailableError("the refusal could not be recorded: " +
                                     recorded.message())));
      self->Post([](WsSession& s) {
        s.Close(websocket::close_code::policy_error, "authentication failed");
      });
    });
  }

  // Replies produced on the strand go through the same queue.
  void Send(std::string text) { Push(std::move(text)); }

  void WriteNext() {
    std::string* next;
    {
      std::lock_guard lock(out_mu_);
      if (out_.empty() || aborted_) {
        writing_ = false;
        return;
      }
      next = &out_.front();  // stable: deque front until popped here
    }
    write_started_ = Clock::now();
    ws_.text(true);
    ws_.async_write(net::buffer(*next),
                    beast::bind_front_handler(&WsSession::OnWrite,
                                              this->shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    std::vector<std::function<void()>> ready;
    {
      std::lock_guard lock(out_mu_);
      out_bytes_ -= out_.front().size();
      out_.pop_front();
      if (ec) out_closed_ = true;
      TakeReadyWaiters(ready);
    }
    for (auto& fn : ready) fn();
    if (ec) return;  // the read side sees the failure too and finishes
    WriteNext();
  }

  // Under out_mu_.
  void TakeReadyWaiters(std::vector<std::function<void()>>& ready) {
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (out_closed_ || out_bytes_ <= it->below) {
        ready.push_back(std::move(it->fn));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // One timer per session: authentication deadline, idleness, a stuck
  // write, re-checking the principal.
  void Tick() {
    const ServerOptions& o = state_->options;
    auto period = std::min<std::chrono::milliseconds>(
        {o.ws_recheck_interval, o.ws_auth_timeout, o.ws_idle_timeout,
         std::chrono::milliseconds(1000)});
    timer_.expires_after(std::max(period, std::chrono::milliseconds(10)));
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->finished_) return;
      self->OnTick();
      if (!self->finished_) self->Tick();
    });
  }

  void OnTick() {
    const ServerOptions& o = state_->options;
    Clock::time_point now = Clock::now();
    if (!authenticated_) {
      if (now - started_ >= o.ws_auth_timeout) {
        Close(websocket::close_code::policy_error,
              "authentication timeout: no auth message within " +
                  Millis(o.ws_auth_timeout));
      }
      return;
    }
    bool subscribed;
    bool writing;
    {
      std::lock_guard lock(out_mu_);
      subscribed = !subscriptions_.empty();
      writing = writing_ && !out_.empty();
    }
    if (writing && now - write_started_ >= o.write_timeout) {
      return Abort();  // the client stopped reading mid-message
    }
    if (!subscribed && in_flight_ == 0 &&
        now - last_message_ >= o.ws_idle_timeout) {
      return Close(websocket::close_code::normal,
                   "idle: no message within " + Millis(o.ws_idle_timeout));
    }
    if (now - last_recheck_ >= o.ws_recheck_interval) RecheckPrincipal();
  }

  // The token and roles, again (an in-memory lookup, the Authenticator
  // contract): a revoked token or a lost role closes the session.
  void RecheckPrincipal() {
    last_recheck_ = Clock::now();
    if (!authenticated_ || closing_) return;
    StatusOr<Principal> now =
        state_->dispatcher->authenticator().Authenticate(token_);
    if (!now.ok()) {
      return Close(websocket::close_code::policy_error,
                   "token no longer valid: " + now.status().message());
    }
    if (now->id != principal_.id) {
      return Close(websocket::close_code::policy_error,
                   "token now stands for another principal");
    }
    std::string lost = LostRoles(principal_, *now);
    if (!lost.empty()) {
      return Close(websocket::close_code::policy_error,
                   "role revoked: " + lost);
    }
    principal_ = std::move(*now);
  }

  // A close frame with `reason`, then Beast waits for the client's.
  void Close(websocket::close_code code, std::string reason) {
    if (closing_ || finished_) return;
    if (!accepted_) {
      // The handshake's answer may already be with the client: close once
      // it is done (OnAccept), so the client gets the close frame and its
      // reason (a revocation right after the upgrade, a shutdown).
      if (accepting_) {
        if (!pending_close_) pending_close_.emplace(code, std::move(reason));
        return;
      }
      return Abort();
    }
    closing_ = true;
    StopOutgoing();
    ws_.async_close(websocket::close_reason(code, CutReason(std::move(reason))),
                    [self = this->shared_from_this()](beast::error_code ec) {
                      if (ec) beast::get_lowest_layer(self->ws_).close();
                      self->Finish();
                    });
  }

  // Drops the connection without a close frame.
  void Abort() {
    {
      std::lock_guard lock(out_mu_);
      aborted_ = true;
    }
    StopOutgoing();
    beast::get_lowest_layer(ws_).close();
  }

  // No more pushes; waiters and subscriptions are told.
  void StopOutgoing() {
    std::vector<std::function<void()>> ready;
    {
      std::lock_guard lock(out_mu_);
      out_closed_ = true;
      TakeReadyWaiters(ready);
    }
    for (auto& fn : ready) fn();
    RunClosers();
  }

  void RunClosers() {
    std::map<uint64_t, std::function<void()>> subs;
    {
      std::lock_guard lock(out_mu_);
      out_closed_ = true;
      subs.swap(subscriptions_);
    }
    for (auto& [key, fn] : subs) fn();
  }

  // The read loop ended: the session is over.
  void Finish() {
    finished_ = true;
    timer_.cancel();
    StopOutgoing();
  }

  struct Waiter {
    size_t below;
    std::function<void()> fn;
  };

  std::shared_ptr<ServerState> state_;
  websocket::stream<Stream> ws_;
  UpgradeRequest request_;
  OpenConnection open_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  uint64_t id_ = 0;

  // On the strand.
  bool accepting_ = false;  // async_accept under way
  bool accepted_ = false;
  // A Close asked for while accepting_: done by OnAccept.
  std::optional<std::pair<websocket::close_code, std::string>> pending_close_;
  bool authenticated_ = false;
  bool closing_ = false;
  bool finished_ = false;
  std::string token_;
  Principal principal_;
  size_t in_flight_ = 0;
  Clock::time_point started_, last_message_, last_recheck_, write_started_;

  // The outgoing side, from any thread.
  mutable std::mutex out_mu_;
  std::deque<std::string> out_;  // front: the message being written
  size_t out_bytes_ = 0;
  bool writing_ = false;     // a write is in flight or posted
  bool out_closed_ = false;  // no more pushes
  bool aborted_ = false;
  std::vector<Waiter> waiters_;
  std::map<uint64_t, std::function<void()>> subscriptions_;
  uint64_t next_subscription_ = 0;
};

}  // namespace

void StartWebSocket(std::shared_ptr<ServerState> state,
                    beast::tcp_stream&& stream, UpgradeRequest&& request,
                    OpenConnection open) {
  std::make_shared<WsSession<beast::tcp_stream>>(
      std::move(state), std::move(stream), std::move(request), std::move(open))
      ->Run();
}

void StartWebSocket(std::shared_ptr<ServerState> state,
                    ssl::stream<beast::tcp_stream>&& stream,
                    UpgradeRequest&& request, OpenConnection open) {
  std::make_shared<WsSession<ssl::stream<beast::tcp_stream>>>(
      std::move(state), std::move(stream), std::move(request), std::move(open))
      ->Run();
}

}  // namespace internal
}  // namespace consilium::api
