#include "api/event_stream.h"

#include <boost/json.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "common/hash.h"
#include "domain/command_handler.h"
#include "schemas/event_json.h"

namespace consilium::api {
namespace {

namespace json = boost::json;

// What a follower may see of one event.
enum class View { kFull, kMetadata, kHashes };

// The roles that give a view: global, or per project.
struct Scope {
  bool admin = false;
  bool auditor = false;
  std::set<std::string, std::less<>> admin_of;
  std::set<std::string, std::less<>> auditor_of;

  static Scope Of(const Principal& p) {
    Scope s;
    for (const std::string& role : p.roles) {
      size_t at = role.find('@');
      std::string_view name = std::string_view(role).substr(0, at);
      std::string project = at == std::string::npos ? "" : role.substr(at + 1);
      if (name == "admin") {
        if (project.empty())
          s.admin = true;
        else
          s.admin_of.insert(project);
      } else if (name == "auditor") {
        if (project.empty())
          s.auditor = true;
        else
          s.auditor_of.insert(project);
      }
    }
    return s;
  }
  bool Any() const {
    return admin || auditor || !admin_of.empty() || !auditor_of.empty();
  }
  bool MaySeeContent() const { return admin || !admin_of.empty(); }
  // Only the global admin sees every event in full without looking at it.
  bool NeedsProject() const { return !admin; }
  View For(std::string_view project) const {
    if (admin) return View::kFull;
    if (!project.empty() && admin_of.count(project)) return View::kFull;
    if (auditor) return View::kMetadata;
    if (!project.empty() && auditor_of.count(project)) return View::kMetadata;
    return View::kHashes;
  }
};

// Body keys an auditor sees: identifiers and small facts about the event,
// never payloads (content, metadata, values, value, definition, document,
// rationale, reason, changelog, names, pseudonyms, token hashes, purpose).
// An allow-list: a key added to an event later stays hidden until listed.
bool IsMetadataKey(std::string_view key) {
  static const std::set<std::string_view> kKeys = {
      "action",         "allowed",        "blind_mode",
      "content_hash",   "deadline_us",    "expected_revision",
      "expires_at_us",  "expires_us",     "field_path",
      "kind",           "lease_seq",      "new_revision",
      "outcome",        "overlap_target", "parent_version",
      "resource_kind",  "revision",       "role",
      "schema_version", "through_seq",    "version",
      "weighed_seqs"};
  auto ends_with = [&](std::string_view suffix) {
    return key.size() >= suffix.size() &&
           key.substr(key.size() - suffix.size()) == suffix;
  };
  return ends_with("_id") || ends_with("_ids") || kKeys.count(key) > 0;
}

// One event's renderings, made when first asked for.
class Rendered {
 public:
  explicit Rendered(const StoredEvent& e)
      : full_(EventToJson(e.seq, e.hash, e.bytes)) {}

  std::string_view project() {
    Parse();
    const json::value* body = doc_.as_object().if_contains("body");
    const json::value* p = body && body->is_object()
                               ? body->as_object().if_contains("project_id")
                               : nullptr;
    return p && p->is_string() ? std::string_view(p->as_string())
                               : std::string_view();
  }

  const std::string& For(const Scope& scope) {
    if (!scope.NeedsProject()) return full_;
    switch (scope.For(project())) {
      case View::kFull:
        return full_;
      case View::kMetadata:
        if (metadata_.empty()) metadata_ = Metadata();
        return metadata_;
      case View::kHashes:
        if (hashes_.empty()) hashes_ = Hashes();
        return hashes_;
    }
    return hashes_;
  }

 private:
  void Parse() {
    if (!doc_.is_null()) return;
    json::parse_options opt;
    opt.max_depth = 64;  // as deep as an event's payload may be
    doc_ = json::parse(full_, {}, opt);
  }
  std::string Metadata() {
    Parse();
    json::object out;
    for (const auto& kv : doc_.as_object()) {
      if (kv.key() != "body") out.emplace(kv.key(), kv.value());
    }
    json::object body;
    if (const json::value* b = doc_.as_object().if_contains("body");
        b != nullptr && b->is_object()) {
      for (const auto& kv : b->as_object()) {
        if (IsMetadataKey(kv.key())) body.emplace(kv.key(), kv.value());
      }
    }
    out["body"] = std::move(body);
    out["redacted"] = "metadata";
    return json::serialize(out);
  }
  std::string Hashes() {
    Parse();
    const json::object& o = doc_.as_object();
    json::object out{{"seq", o.at("seq")},
                     {"hash", o.at("hash")},
                     {"prev", o.at("prev")},
                     {"redacted", "hashes"}};
    return json::serialize(out);
  }

  std::string full_;
  json::value doc_;
  std::string metadata_, hashes_;
};

struct Follower {
  std::weak_ptr<WsPeer> peer;
  json::value id;       // the follow message's id: the subscription
  std::string id_text;  // serialized
  Scope scope;
  // Under the stream's mutex.
  uint64_t next = 1;  // the next sequence number to send
  bool live = false;  // in the live fan-out
  bool stopped = false;
  uint64_t announced = 0;  // size of the last checkpoint announced
  uint64_t key = 0;        // the peer's subscription key
};

std::string EventsFrame(const Follower& f,
                        const std::vector<std::string_view>& events) {
  size_t n = 64 + f.id_text.size();
  for (std::string_view e : events) n += e.size() + 1;
  std::string out;
  out.reserve(n);
  out += "{\"type\":\"events\",\"subscription\":";
  out += f.id_text;
  out += ",\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i) out += ',';
    out += events[i];
  }
  out += "]}";
  return out;
}

std::string CheckpointFrame(const Follower& f, const StoredCheckpoint& cp) {
  json::object o{
      {"type", "checkpoint"},
      {"subscription", f.id},
      {"checkpoint",
       {{"origin", cp.checkpoint.origin},
        {"size", cp.checkpoint.size},
        {"root", ToBase64(std::span<const uint8_t>(cp.checkpoint.root.data(),
                                                   cp.checkpoint.root.size()))},
        {"note", cp.note}}}};
  return json::serialize(o);
}

std::string FailedFrame(const Follower& f, const Status& s) {
  json::object o{{"type", "follow_failed"},
                 {"subscription", f.id},
                 {"error",
                  {{"code", std::string(StatusCodeName(s.code()))},
                   {"message", s.message()}}}};
  return json::serialize(o);
}

StatusOr<uint64_t> FromOf(const json::object& msg) {
  const json::value* from = msg.if_contains("from");
  if (from == nullptr) return uint64_t{0};
  if (from->is_uint64()) return from->as_uint64();
  if (from->is_int64() && from->as_int64() >= 0) {
    return static_cast<uint64_t>(from->as_int64());
  }
  return InvalidArgumentError(
      "follow: \"from\" must be a sequence number (an integer >= 0)");
}

}  // namespace

class EventStream::Impl {
 public:
  Impl(Ledger* ledger, EventStreamOptions options,
       StreamAccessRecorder record_access)
      : ledger_(ledger),
        options_(options),
        record_access_(std::move(record_access)) {}

  void Begin(std::weak_ptr<EventStream> self);
  void Stop();
  void Follow(const WsRequest& req, std::shared_ptr<WsPeer> peer,
              WsResponder respond);
  WsResult Unfollow(const WsRequest& req, const std::shared_ptr<WsPeer>& peer);

 private:
  using Key = std::pair<const WsPeer*, std::string>;

  void StartFollow(const WsRequest& req, std::shared_ptr<WsPeer> peer,
                   WsResponder respond);
  void Schedule(const std::shared_ptr<Follower>& f);
  void CatchUp(const std::shared_ptr<Follower>& f);
  void Attach(const std::shared_ptr<Follower>& f, WsPeer& peer);
  void OnLive(const StoredEvent& e);
  void PollCheckpoints();
  void Forget(const std::shared_ptr<Follower>& f, const WsPeer* peer);
  // Under mu_: the latest checkpoint, once the follower is past it.
  void Announce(Follower& f, WsPeer& peer);

  Ledger* ledger_;
  const EventStreamOptions options_;
  StreamAccessRecorder record_access_;
  std::weak_ptr<EventStream> self_;

  std::mutex mu_;
  uint64_t live_next_ = 1;  // the next event the subscription delivers
  std::set<std::shared_ptr<Follower>> attached_;
  std::map<Key, std::shared_ptr<Follower>> follows_;
  std::optional<StoredCheckpoint> checkpoint_;
  bool stopping_ = false;
  std::condition_variable stop_cv_;

  std::unique_ptr<Ledger::Subscription> subscription_;
  std::thread poller_;
};

void EventStream::Impl::Begin(std::weak_ptr<EventStream> self) {
  self_ = std::move(self);
  uint64_t from = ledger_->head().seq + 1;
  {
    std::lock_guard lock(mu_);
    live_next_ = from;
    StatusOr<std::optional<StoredCheckpoint>> cp = ledger_->LatestCheckpoint();
    if (cp.ok()) checkpoint_ = std::move(*cp);
  }
  subscription_ =
      ledger_->Subscribe(from, [this](const StoredEvent& e) { OnLive(e); });
  poller_ = std::thread([this] { PollCheckpoints(); });
}

void EventStream::Impl::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
  subscription_.reset();  // waits for a delivery in progress
}

void EventStream::Impl::Follow(const WsRequest& req,
                               std::shared_ptr<WsPeer> peer,
                               WsResponder respond) {
  // Recording the access appends (waits for fsync): the blocking pool.
  peer->RunBlocking([this, req, peer, respond = std::move(respond)]() mutable {
    StartFollow(req, std::move(peer), std::move(respond));
  });
}

void EventStream::Impl::StartFollow(const WsRequest& req,
                                    std::shared_ptr<WsPeer> peer,
                                    WsResponder respond) {
  StatusOr<uint64_t> from = FromOf(req.message);
  if (!from.ok()) return respond(from.status());
  auto f = std::make_shared<Follower>();
  f->peer = peer;
  f->id = req.id;
  f->id_text = json::serialize(req.id);
  f->scope = Scope::Of(req.principal);
  if (!f->scope.Any()) {
    Status denied = PermissionDeniedError(
        "follow: the event stream needs the admin or auditor role (global "
        "or of a project); " +
        req.principal.id + " holds neither");
    if (record_access_) {
      Status s = record_access_(req.principal, false, denied.message());
      if (!s.ok()) {
        return respond(UnavailableError(
            "follow: the refusal could not be recorded: " + s.message()));
      }
    }
    return respond(denied);
  }
  uint64_t head = ledger_->head().seq;
  if (*from > head) {
    return respond(OutOfRangeError(
        "follow: from " + std::to_string(*from) + " is beyond the ledger's " +
        "head " + std::to_string(head) + " (a cursor of another ledger?)"));
  }
  {
    std::lock_guard lock(mu_);
    Key key{peer.get(), f->id_text};
    if (follows_.count(key)) {
      return respond(AlreadyExistsError("follow: subscription " + f->id_text +
                                        " is already open on this session"));
    }
    size_t mine = 0;
    for (const auto& [k, v] : follows_) mine += k.first == peer.get();
    if (mine >= options_.max_follows_per_session) {
      return respond(ResourceExhaustedError(
          "follow: at most " +
          std::to_string(options_.max_follows_per_session) +
          " follows per session"));
    }
    follows_.emplace(key, f);
  }
  if (f->scope.MaySeeContent() && record_access_) {
    Status s = record_access_(req.principal, true,
                              "event stream from " + std::to_string(*from));
    if (!s.ok()) {
      std::lock_guard lock(mu_);
      follows_.erase({peer.get(), f->id_text});
      return respond(UnavailableError(
          "follow: the access could not be recorded: " + s.message()));
    }
  }
  f->next = *from + 1;
  head = ledger_->head().seq;  // with the access event just recorded
  const std::string view = f->scope.admin ? "full" : "by_role";
  respond(json::object{{"subscription", req.id},
                       {"from", *from},
                       {"head", head},
                       {"view", view}});
  std::weak_ptr<Follower> weak = f;
  const WsPeer* raw = peer.get();
  f->key = peer->AddSubscription([this, weak, raw] {
    if (auto alive = weak.lock()) Forget(alive, raw);
  });
  Schedule(f);
}

void EventStream::Impl::Forget(const std::shared_ptr<Follower>& f,
                               const WsPeer* peer) {
  std::lock_guard lock(mu_);
  f->stopped = true;
  f->live = false;
  attached_.erase(f);
  auto it = follows_.find({peer, f->id_text});
  if (it != follows_.end() && it->second == f) follows_.erase(it);
}

WsResult EventStream::Impl::Unfollow(const WsRequest& req,
                                     const std::shared_ptr<WsPeer>& peer) {
  const json::value* sub = req.message.if_contains("subscription");
  if (sub == nullptr) {
    return InvalidArgumentError(
        "unfollow: \"subscription\" (the id of the follow message) required");
  }
  std::shared_ptr<Follower> f;
  {
    std::lock_guard lock(mu_);
    auto it = follows_.find({peer.get(), json::serialize(*sub)});
    if (it == follows_.end()) {
      return NotFoundError("unfollow: no subscription " +
                           json::serialize(*sub) + " on this session");
    }
    f = it->second;
  }
  Forget(f, peer.get());
  peer->RemoveSubscription(f->key);
  std::lock_guard lock(mu_);
  return json::object{{"subscription", *sub}, {"next", f->next}};
}

void EventStream::Impl::Schedule(const std::shared_ptr<Follower>& f) {
  auto peer = f->peer.lock();
  if (!peer) return;
  std::weak_ptr<EventStream> owner = self_;
  peer->RunBlocking([owner, f] {
    // The stream may be gone with the server; then so is the follower.
    if (auto stream = owner.lock()) stream->impl_->CatchUp(f);
  });
}

void EventStream::Impl::CatchUp(const std::shared_ptr<Follower>& f) {
  auto peer = f->peer.lock();
  if (!peer || peer->closed()) return;
  if (peer->queued_bytes() > options_.window_bytes) {
    std::weak_ptr<EventStream> owner = self_;
    peer->WhenQueueBelow(options_.window_bytes / 2, [owner, f] {
      if (auto stream = owner.lock()) stream->impl_->Schedule(f);
    });
    return;
  }
  uint64_t from;
  {
    std::lock_guard lock(mu_);
    if (f->stopped || f->live) return;
    from = f->next;
  }
  if (from > ledger_->head().seq) return Attach(f, *peer);
  std::vector<Rendered> batch;
  size_t bytes = 0;
  Status s =
      ledger_->Scan(from, options_.batch_events, [&](const StoredEvent& e) {
        batch.emplace_back(e);
        bytes += e.bytes.size();
        return bytes < options_.batch_bytes;
      });
  if (!s.ok() || batch.empty()) {
    std::lock_guard lock(mu_);
    f->stopped = true;
    peer->Push(FailedFrame(
        *f, s.ok() ? InternalError("no event at " + std::to_string(from)) : s));
    return;
  }
  std::vector<std::string_view> texts;
  texts.reserve(batch.size());
  for (Rendered& r : batch) texts.push_back(r.For(f->scope));
  std::string frame = EventsFrame(*f, texts);
  {
    std::lock_guard lock(mu_);
    if (f->stopped) return;
    if (!peer->Push(std::move(frame))) return;
    f->next = from + batch.size();
    Announce(*f, *peer);
  }
  Schedule(f);
}

void EventStream::Impl::Attach(const std::shared_ptr<Follower>& f,
                               WsPeer& peer) {
  std::lock_guard lock(mu_);
  if (f->stopped) return;
  // Everything before f->next was sent from disk; the subscription has
  // delivered everything before live_next_ and will deliver the rest, of
  // which the follower takes seq == f->next onwards. Below live_next_
  // there is more to read first.
  if (f->next >= live_next_) {
    f->live = true;
    attached_.insert(f);
    Announce(*f, peer);
    return;
  }
  Schedule(f);
}

void EventStream::Impl::OnLive(const StoredEvent& e) {
  std::optional<Rendered> rendered;
  // Released after the lock: the last reference to a session that closed
  // meanwhile may be one of these, and its closers take mu_.
  std::vector<std::shared_ptr<WsPeer>> peers;
  std::lock_guard lock(mu_);
  live_next_ = e.seq + 1;
  for (auto it = attached_.begin(); it != attached_.end();) {
    const std::shared_ptr<Follower>& f = *it;
    auto peer = f->peer.lock();
    if (peer) peers.push_back(peer);
    if (!peer || f->stopped) {
      it = attached_.erase(it);
      continue;
    }
    if (f->next > e.seq) {  // sent from disk already
      ++it;
      continue;
    }
    if (f->next < e.seq || peer->queued_bytes() > options_.window_bytes) {
      // Behind (cannot happen while attached) or not reading fast enough:
      // back to reading from disk, paced by its queue.
      std::shared_ptr<Follower> slow = f;
      slow->live = false;
      it = attached_.erase(it);
      std::weak_ptr<EventStream> owner = self_;
      peer->WhenQueueBelow(options_.window_bytes / 2, [owner, slow] {
        if (auto stream = owner.lock()) stream->impl_->Schedule(slow);
      });
      continue;
    }
    if (!rendered) rendered.emplace(e);
    if (peer->Push(EventsFrame(*f, {rendered->For(f->scope)}))) {
      f->next = e.seq + 1;
      Announce(*f, *peer);
    }
    ++it;
  }
}

void EventStream::Impl::Announce(Follower& f, WsPeer& peer) {
  if (!checkpoint_) return;
  uint64_t size = checkpoint_->checkpoint.size;
  if (size > f.announced && size < f.next) {
    f.announced = size;
    peer.Push(CheckpointFrame(f, *checkpoint_));
  }
}

void EventStream::Impl::PollCheckpoints() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, options_.checkpoint_poll);
    if (stopping_) return;
    lock.unlock();
    StatusOr<std::optional<StoredCheckpoint>> cp = ledger_->LatestCheckpoint();
    lock.lock();
    if (!cp.ok() || !cp->has_value()) continue;
    if (checkpoint_ && checkpoint_->checkpoint.size >= (*cp)->checkpoint.size) {
      continue;
    }
    checkpoint_ = std::move(**cp);
    std::vector<std::shared_ptr<WsPeer>> peers;  // released unlocked, below
    for (const std::shared_ptr<Follower>& f : attached_) {
      if (auto peer = f->peer.lock()) {
        Announce(*f, *peer);
        peers.push_back(std::move(peer));
      }
    }
    lock.unlock();
    peers.clear();
    lock.lock();
  }
}

EventStream::EventStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventStream::~EventStream() { impl_->Stop(); }

std::shared_ptr<EventStream> EventStream::Start(
    Ledger* ledger, EventStreamOptions options,
    StreamAccessRecorder record_access) {
  std::shared_ptr<EventStream> stream(new EventStream(
      std::make_unique<Impl>(ledger, options, std::move(record_access))));
  stream->impl_->Begin(stream);
  return stream;
}

Status EventStream::AddTo(WsHandlers& handlers) {
  std::shared_ptr<EventStream> self = shared_from_this();
  RETURN_IF_ERROR(handlers.Add(
      {.type = "follow",
       .async = [self](const WsRequest& req, std::shared_ptr<WsPeer> peer,
                       WsResponder respond) {
         self->impl_->Follow(req, std::move(peer), std::move(respond));
       }}));
  return handlers.Add({.type = "unfollow",
                       .blocking = [self](const WsRequest& req,
                                          const std::shared_ptr<WsPeer>& peer) {
                         return self->impl_->Unfollow(req, peer);
                       }});
}

std::shared_ptr<const WsHandlers> EventStreamMessages(
    Ledger* ledger, domain::CommandHandler* handler) {
  auto stream = EventStream::Start(
      ledger, {},
      [handler](const Principal& p, bool allowed, const std::string& detail) {
        domain::RecordAccessCommand cmd{.resource_kind = "ledger",
                                        .resource_id = "events",
                                        .action = "follow",
                                        .purpose = allowed ? detail : "",
                                        .allowed = allowed,
                                        .reason = allowed ? "" : detail};
        return handler->RecordAccess(p.id, cmd).status();
      });
  auto handlers = std::make_shared<WsHandlers>();
  Status s = stream->AddTo(*handlers);
  // Only fails for a duplicate type, which a fresh table cannot hold.
  (void)s;
  return handlers;
}

}  // namespace consilium::api
