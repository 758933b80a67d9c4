#include "api/adjudication_routes.h"

#include <boost/json.hpp>
#include <cctype>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adjudication/as_of.h"
#include "api/internal/app_routes.h"
#include "api/internal/body_reader.h"
#include "api/internal/ws_adjudication_text.h"
#include "common/hash.h"
#include "projections/engine.h"
#include "render/adjudication_json.h"
#include "render/adjudication_reads.h"
#include "render/adjudication_view.h"
#include "render/commit_json.h"
#include "schemas/event.h"

namespace consilium::api {
namespace {

namespace json = boost::json;
namespace adj = ::consilium::adjudication;
using internal::Actor;
using internal::BodyReader;
using internal::DepthOf;
using internal::Guarded;

// ---- Query strings ----------------------------------------------------------

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

StatusOr<std::string> Decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        return InvalidArgumentError("query: a % escape is cut short");
      }
      int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
      if (hi < 0 || lo < 0)
        return InvalidArgumentError("query: a % escape is not hexadecimal");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The query's parameters; InvalidArgument for one not in `allowed`, one
// given twice, or a bad escape.
StatusOr<std::map<std::string, std::string>> Query(
    const Request& req, std::initializer_list<std::string_view> allowed) {
  std::map<std::string, std::string> out;
  std::string_view q = req.query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    ASSIGN_OR_RETURN(std::string key, Decode(part.substr(0, eq)));
    ASSIGN_OR_RETURN(std::string value, Decode(eq == std::string_view::npos
                                                   ? std::string_view()
                                                   : part.substr(eq + 1)));
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      std::string names;
      for (std::string_view a : allowed)
        names += (names.empty() ? "" : ", ") + std::string(a);
      return InvalidArgumentError(
          "query: unknown parameter \"" + key + "\" (this route takes " +
          (names.empty() ? std::string("none") : names) + ")");
    }
    if (!out.emplace(key, std::move(value)).second)
      return InvalidArgumentError("query: \"" + key + "\" given twice");
  }
  return out;
}

StatusOr<uint64_t> ParseUint(std::string_view name, const std::string& text,
                             uint64_t min) {
  uint64_t n = 0;
  bool ok = !text.empty() && text.size() <= 19;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) ok = false;
    if (ok) n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || n < min) {
    return InvalidArgumentError(std::string(name) +
                                " must be an integer of at least " +
                                std::to_string(min) + ", not \"" + text + "\"");
  }
  return n;
}

StatusOr<bool> ParseBool(std::string_view name, const std::string& text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return InvalidArgumentError(std::string(name) +
                              " must be true or false, not \"" + text + "\"");
}

// ---- The ledger prefix a read reflects --------------------------------------

// The position of an as_of read: the sequence number and the "now" of its
// ages (the time of that event, so the answer does not change with the
// wall clock; the CLI's --as-of does the same).
struct AsOf {
  uint64_t seq = 0;
  int64_t now_us = 0;
};

StatusOr<int64_t> EventTime(const Ledger& ledger, uint64_t seq) {
  if (seq == 0) return 0;
  ASSIGN_OR_RETURN(StoredEvent e, ledger.Get(seq));
  return e.event()->stamp()->timestamp_us();
}

// as_of from the query; nullopt when absent. InvalidArgument past the head.
StatusOr<std::optional<AsOf>> ParseAsOf(
    const AppContext& ctx, const std::map<std::string, std::string>& q) {
  auto it = q.find("as_of");
  if (it == q.end()) return std::optional<AsOf>();
  ASSIGN_OR_RETURN(uint64_t seq, ParseUint("as_of", it->second, 0));
  const uint64_t head = ctx.ledger->head().seq;
  if (seq > head) {
    return InvalidArgumentError("as_of " + std::to_string(seq) +
                                " is beyond the ledger's head " +
                                std::to_string(head));
  }
  ASSIGN_OR_RETURN(int64_t now, EventTime(*ctx.ledger, seq));
  return std::optional<AsOf>(AsOf{seq, now});
}

// as_of, or the head now and the clock.
StatusOr<AsOf> AsOfOrHead(const AppContext& ctx,
                          const std::map<std::string, std::string>& q) {
  ASSIGN_OR_RETURN(std::optional<AsOf> a, ParseAsOf(ctx, q));
  if (a) return *a;
  return AsOf{ctx.ledger->head().seq, ctx.clock->NowMicros()};
}

Status NoProject(const std::string& project) {
  return NotFoundError("no project \"" + project + "\"");
}

// Whether `actor` reads `project`'s adjudication as an admin (everything)
// or as an adjudicator (what its queue offers).
bool IsAdmin(const AppContext& ctx, const std::string& actor,
             const std::string& project) {
  return ctx.handler->Read([&](const domain::DomainState& s) {
    return domain::Authorizer(s, actor).HoldsRoleIn(fb::Role::Admin, project);
  });
}

// What an adjudicator's view of a queue keeps: items it may claim now, and
// the one it holds.
std::function<bool(const adj::ItemInfo&)> OfferedTo(const adj::Queue& queue,
                                                    const std::string& actor) {
  return [&queue, &actor](const adj::ItemInfo& i) {
    if (i.lease != 0) {
      const adj::LeaseInfo* l = queue.FindLease(i.lease);
      return l != nullptr && l->adjudicator == actor;
    }
    return queue.CheckClaimItem(actor, i.key).ok();
  };
}

// ---- GET queue --------------------------------------------------------------

struct QueueCopy {
  bool found = false;
  uint64_t seq = 0;
  size_t queued = 0;
  size_t leases = 0;
  std::vector<adj::ItemInfo> items;
};

QueueCopy CopyQueue(const adj::AdjudicationModel& model,
                    const std::string& project, bool all, size_t limit,
                    const std::string* adjudicator) {
  QueueCopy out;
  const adj::Queue* queue = model.FindQueue(project);
  if (queue == nullptr) return out;
  out.found = true;
  out.seq = model.seq();
  // An adjudicator's own read counts what the depth pushes count for them
  // (escalated items only for the senior tier; docs/websocket.md, "Pushes").
  out.queued = adjudicator == nullptr
                   ? queue->queued()
                   : DepthOf(model, project, "", *adjudicator);
  out.leases = queue->leases();
  for (const adj::ItemInfo* i : render::QueueListItems(
           *queue, all, limit,
           adjudicator == nullptr ? std::function<bool(const adj::ItemInfo&)>()
                                  : OfferedTo(*queue, *adjudicator))) {
    out.items.push_back(*i);
  }
  return out;
}

StatusOr<Response> GetQueue(const AppContext& ctx, const Request& req) {
  const std::string& project = req.params.at("project");
  ASSIGN_OR_RETURN(auto q, Query(req, {"all", "limit", "as_of"}));
  bool all = false;
  uint64_t limit = 0;
  if (q.count("all")) {
    ASSIGN_OR_RETURN(all, ParseBool("all", q.at("all")));
  }
  if (q.count("limit")) {
    ASSIGN_OR_RETURN(limit, ParseUint("limit", q.at("limit"), 0));
  }
  ASSIGN_OR_RETURN(std::optional<AsOf> as_of, ParseAsOf(ctx, q));
  const std::string& actor = Actor(req);
  const std::string* adjudicator =
      IsAdmin(ctx, actor, project) ? nullptr : &actor;
  QueueCopy copy;
  int64_t now_us = 0;
  if (as_of) {
    ASSIGN_OR_RETURN(adj::AdjudicationAsOf replay,
                     adj::ReplayAdjudication(*ctx.ledger, as_of->seq));
    copy = CopyQueue(*replay.model, project, all, limit, adjudicator);
    copy.seq = as_of->seq;
    now_us = as_of->now_us;
  } else {
    copy = ctx.handler->Read([&](const domain::DomainState&) {
      return CopyQueue(*ctx.model, project, all, limit, adjudicator);
    });
    now_us = ctx.clock->NowMicros();
  }
  if (!copy.found) return NoProject(project);
  std::vector<render::QueueEntry> entries;
  for (const adj::ItemInfo& i : copy.items) {
    ASSIGN_OR_RETURN(int64_t opened, EventTime(*ctx.ledger, i.opened_seq));
    entries.push_back({&i, opened});
  }
  return JsonResponse(
      200, render::QueueListJson(project, copy.seq, now_us, copy.queued,
                                 copy.leases, entries));
}

// ---- GET a record's adjudication --------------------------------------------

StatusOr<Response> ShowItem(const AppContext& ctx, const Request& req,
                            const AsOf& at, const std::string& field) {
  const std::string& project = req.params.at("project");
  const std::string& record = req.params.at("record");
  const adj::ItemKey key{record, field};
  std::vector<render::ItemHistoryEntry> history;
  ASSIGN_OR_RETURN(adj::AdjudicationAsOf replay,
                   adj::ReplayAdjudication(
                       *ctx.ledger, at.seq,
                       render::ItemHistoryObserver(project, key, &history)));
  if (replay.model->FindQueue(project) == nullptr) return NoProject(project);
  const adj::ItemInfo* item = replay.model->FindItem(project, key);
  if (item == nullptr) {
    return NotFoundError("record \"" + record + "\" field \"" + field +
                         "\" has never been evaluated for adjudication "
                         "in project \"" +
                         project + "\"");
  }
  ASSIGN_OR_RETURN(int64_t opened, EventTime(*ctx.ledger, item->opened_seq));
  const adj::LeaseInfo* lease =
      item->lease == 0 ? nullptr : replay.model->FindLease(item->lease).held;
  json::object doc = render::ItemShowJson(project, at.seq, *item, opened,
                                          at.now_us, lease, history);
  // The annotators and the decisions' values and rationales: content.
  RETURN_IF_ERROR(
      ctx.RecordRead(Actor(req), "record", record, "read_adjudication", req));
  return JsonResponse(200, doc);
}

StatusOr<Response> GetRecordAdjudication(const AppContext& ctx,
                                         const Request& req) {
  const std::string& project = req.params.at("project");
  const std::string& record = req.params.at("record");
  ASSIGN_OR_RETURN(auto q, Query(req, {"field", "as_of"}));
  ASSIGN_OR_RETURN(AsOf at, AsOfOrHead(ctx, q));
  if (q.count("field")) return ShowItem(ctx, req, at, q.at("field"));
  ASSIGN_OR_RETURN(adj::AdjudicationAsOf replay,
                   adj::ReplayAdjudication(*ctx.ledger, at.seq));
  const adj::Queue* queue = replay.model->FindQueue(project);
  if (queue == nullptr) return NoProject(project);
  json::object doc = render::RecordItemsJson(project, record, at.seq, *queue);
  RETURN_IF_ERROR(
      ctx.RecordRead(Actor(req), "record", record, "read_adjudication", req));
  return JsonResponse(200, doc);
}

// ---- Policy
// -------------------------------------------------------------------

StatusOr<Response> GetPolicy(const AppContext& ctx, const Request& req) {
  const std::string& project = req.params.at("project");
  ASSIGN_OR_RETURN(auto q, Query(req, {"as_of"}));
  ASSIGN_OR_RETURN(AsOf at, AsOfOrHead(ctx, q));
  std::optional<uint64_t> current;
  ASSIGN_OR_RETURN(
      adj::AdjudicationAsOf replay,
      adj::ReplayAdjudication(
          *ctx.ledger, at.seq,
          [&](const StoredEvent& e, const adj::AdjudicationModel&) {
            const auto* p = e.event()->body_as_AdjudicationPolicySet();
            if (p != nullptr && p->project_id()->string_view() == project)
              current = e.seq;
          }));
  const adj::Queue* queue = replay.model->FindQueue(project);
  if (queue == nullptr) return NoProject(project);
  const adj::ProjectPolicy& policy = queue->policy();
  // As `policy show`: a policy event the model did not take is not cited.
  const std::optional<uint64_t> policy_seq =
      policy.version == 0 ? std::nullopt : current;
  return JsonResponse(200, render::PolicyJson(policy, policy_seq, at.seq));
}

StatusOr<Response> PutPolicy(const AppContext& ctx, const Request& req) {
  ASSIGN_OR_RETURN(auto q, Query(req, {"schema"}));
  const std::string schema = q.count("schema") ? q.at("schema") : "";
  ASSIGN_OR_RETURN(Committed c,
                   ctx.adjudication->SetPolicy(
                       Actor(req), req.params.at("project"), req.body, schema));
  return JsonResponse(200, render::CommittedJson(c));
}

Route Make(const AppContext& ctx, std::string method, std::string pattern,
           internal::Handler h) {
  return internal::Blocking(ctx, std::move(method), std::move(pattern), h);
}

Status MayReadAdjudication(const domain::Authorizer& a, const Request& req) {
  return a.MayReadAdjudication(req.params.at("project"));
}

// The lease routes: the principal is an adjudicator somewhere; the command
// then refuses a lease that is not its own (PermissionDenied, recorded).
Status Adjudicator(const domain::Authorizer& a, const Request&) {
  if (a.HoldsRole(fb::Role::Adjudicator)) return OkStatus();
  return PermissionDeniedError("principal " + std::string(a.actor()) +
                               " may not act on adjudication leases: it "
                               "holds no adjudicator role");
}

}  // namespace

Status AddAdjudicationRoutes(RouteTable& table, const AppContext& ctx) {
  const std::string p = "/v1/projects/{project}/adjudication";
  RETURN_IF_ERROR(
      table.Add(Make(ctx, "GET", p + "/queue", GetQueue), MayReadAdjudication));
  RETURN_IF_ERROR(table.Add(
      Make(ctx, "GET", "/v1/projects/{project}/records/{record}/adjudication",
           GetRecordAdjudication),
      [](const domain::Authorizer& a, const Request& req) {
        return a.MayReadAdjudicationOf(req.params.at("project"),
                                       req.params.at("record"));
      }));
  RETURN_IF_ERROR(table.Add(Make(ctx, "GET", p + "/policy", GetPolicy),
                            MayReadAdjudication));
  RETURN_IF_ERROR(table.Add(Make(ctx, "PUT", p + "/policy", PutPolicy),
                            rules::ProjectAdmin));
  RETURN_IF_ERROR(
      table.Add(Make(ctx, "POST", p + "/claim", internal::AdjudicationClaim),
                MayReadAdjudication));
  for (const char* action : {"heartbeat", "release", "decide"}) {
    RETURN_IF_ERROR(
        table.Add(Make(ctx, "POST",
                       std::string("/v1/adjudication/leases/{lease}/") + action,
                       internal::AdjudicationLeaseAction),
                  Adjudicator));
  }
  return OkStatus();
}

}  // namespace consilium::api
