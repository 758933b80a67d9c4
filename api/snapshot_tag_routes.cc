#include "api/snapshot_tag_routes.h"

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/internal/app_routes.h"
#include "api/internal/body_reader.h"
#include "api/internal/query.h"
#include "dataset/snapshot_tags.h"
#include "domain/authorizer.h"
#include "schemas/event.h"
#include "schemas/event_json.h"

namespace consilium::api {
namespace {

namespace json = boost::json;
using internal::Actor;
using internal::BodyReader;
using internal::Guarded;
using internal::Query;

// A tag as listed: the event's fields and its envelope's actor and time.
struct TagEntry {
  std::string name;
  std::string project;
  uint64_t as_of_seq = 0;
  std::string note;
  uint64_t seq = 0;  // the SnapshotTagged event
  int64_t timestamp_us = 0;
  std::string actor;
};

// Every tag of the ledger, kept up to date by scanning only the events
// appended since the last call. The first SnapshotTagged of a name is the
// tag (dataset/snapshot_tags.h); later ones, which only a raw append could
// make, are ignored, as an export by that name ignores them.
class TagCache {
 public:
  // The tags of `project`, in sequence order, and the last event scanned.
  StatusOr<std::pair<std::vector<TagEntry>, uint64_t>> Of(
      const Ledger& ledger, const std::string& project) {
    std::lock_guard lock(mu_);
    RETURN_IF_ERROR(ledger.Scan(
        scanned_ + 1, 0,
        [&](const StoredEvent& e) {
          scanned_ = e.seq;
          const fb::Event& event = *e.event();
          const fb::SnapshotTagged* b = event.body_as_SnapshotTagged();
          if (b == nullptr) return true;
          std::string name = b->name()->str();
          if (!names_.insert(name).second) return true;
          tags_.push_back(
              {std::move(name), b->project_id()->str(), b->as_of_seq(),
               b->note() != nullptr ? b->note()->str() : "", e.seq,
               TimestampOf(event), std::string(View(event.actor()))});
          return true;
        },
        /*with_hashes=*/false));
    std::vector<TagEntry> out;
    for (const TagEntry& t : tags_) {
      if (t.project == project) out.push_back(t);
    }
    return std::make_pair(std::move(out), scanned_);
  }

 private:
  std::mutex mu_;
  uint64_t scanned_ = 0;
  std::vector<TagEntry> tags_;
  std::set<std::string, std::less<>> names_;
};

struct TagRoutes {
  AppContext context;
  TagCache cache;
};

// The download routes' {version}: the tag's name, or its prefix's sequence
// number when the name is all digits (such a name would be read as one).
std::string VersionOf(const TagEntry& t) {
  bool digits = true;
  for (char c : t.name) digits = digits && c >= '0' && c <= '9';
  return digits ? std::to_string(t.as_of_seq) : t.name;
}

// Who the reader is shown as the tagger: the id for an admin of the
// project, the registered pseudonym otherwise (researchers never see
// identities; DESIGN.md).
json::object TagJson(const TagEntry& t, const std::string& tagged_by) {
  json::object o;
  o["name"] = t.name;
  o["as_of_seq"] = t.as_of_seq;
  o["note"] = t.note.empty() ? json::value() : json::value(t.note);
  o["seq"] = t.seq;
  o["time"] = FormatTimestamp(t.timestamp_us);
  o["timestamp_us"] = t.timestamp_us;
  o["tagged_by"] = tagged_by;
  o["version"] = VersionOf(t);
  return o;
}

// The tagger's name for `reader` in `project`, under the write side's lock.
std::vector<std::string> TaggedBy(const AppContext& ctx,
                                  const std::string& reader,
                                  const std::string& project,
                                  const std::vector<TagEntry>& tags) {
  return ctx.handler->Read([&](const domain::DomainState& s) {
    const bool identities =
        domain::Authorizer(s, reader).SeesIdentities(project);
    std::vector<std::string> names;
    for (const TagEntry& t : tags) {
      if (identities) {
        names.push_back(t.actor);
        continue;
      }
      const domain::PrincipalState* p = s.FindPrincipal(t.actor);
      names.push_back(p != nullptr && !p->pseudonym.empty() ? p->pseudonym
                                                            : "unregistered");
    }
    return names;
  });
}

Status RequireProject(const AppContext& ctx, const std::string& project) {
  bool known = ctx.handler->Read([&](const domain::DomainState& s) {
    return s.FindProject(project) != nullptr;
  });
  if (!known) return NotFoundError("project " + project + " not found");
  return OkStatus();
}

StatusOr<Response> List(TagRoutes& st, const Request& r) {
  ASSIGN_OR_RETURN(Query q, Query::Parse(r.query, {"from", "limit"}));
  ASSIGN_OR_RETURN(uint64_t from, q.Uint("from", 1));
  ASSIGN_OR_RETURN(uint64_t limit, q.Uint("limit", kSnapshotTagPageDefault));
  if (from == 0) {
    return InvalidArgumentError(
        "query parameter from: must be 1 or more (events start at 1)");
  }
  if (limit == 0 || limit > kSnapshotTagPageMax) {
    return InvalidArgumentError("query parameter limit: must be 1 to " +
                                std::to_string(kSnapshotTagPageMax) + ", got " +
                                std::to_string(limit));
  }
  const std::string& project = r.params.at("project");
  RETURN_IF_ERROR(RequireProject(st.context, project));
  ASSIGN_OR_RETURN(auto found, st.cache.Of(*st.context.ledger, project));
  std::vector<TagEntry> page;
  std::optional<uint64_t> next_from;
  for (const TagEntry& t : found.first) {
    if (t.seq < from) continue;
    if (page.size() == limit) {
      next_from = t.seq;
      break;
    }
    page.push_back(t);
  }
  std::vector<std::string> by = TaggedBy(st.context, Actor(r), project, page);
  json::array tags;
  for (size_t i = 0; i < page.size(); ++i)
    tags.push_back(TagJson(page[i], by[i]));
  json::object doc;
  doc["project"] = project;
  doc["head_seq"] = found.second;
  doc["from"] = from;
  doc["limit"] = limit;
  doc["next_from"] = next_from ? json::value(*next_from) : json::value();
  doc["tags"] = std::move(tags);
  return JsonResponse(200, doc);
}

StatusOr<Response> Tag(TagRoutes& st, const Request& r) {
  ASSIGN_OR_RETURN(BodyReader body, BodyReader::Parse(r));
  ASSIGN_OR_RETURN(std::string name, body.String("name", true));
  ASSIGN_OR_RETURN(std::string note, body.String("note", false));
  uint64_t as_of = 0;
  if (body.object().contains("as_of_seq")) {
    ASSIGN_OR_RETURN(as_of, body.Uint("as_of_seq", true, 1,
                                      std::numeric_limits<uint64_t>::max()));
  } else {
    as_of = st.context.ledger->head().seq;
  }
  RETURN_IF_ERROR(body.Finish());
  const std::string& project = r.params.at("project");
  dataset::SnapshotCommands commands(&st.context.handler->core(),
                                     st.context.ledger);
  ASSIGN_OR_RETURN(Committed c,
                   commands.TagSnapshot(Actor(r), {.name = name,
                                                   .project_id = project,
                                                   .as_of_seq = as_of,
                                                   .note = note}));
  TagEntry t{name, project, as_of, note, c.seq, 0, Actor(r)};
  ASSIGN_OR_RETURN(StoredEvent e, st.context.ledger->Get(c.seq));
  t.timestamp_us = TimestampOf(*e.event());
  return JsonResponse(201, TagJson(t, t.actor));
}

Status MayList(const domain::Authorizer& auth, const Request& r) {
  return auth.MayReadProjectAnalytics(r.params.at("project"),
                                      "the dataset snapshots");
}

}  // namespace

Status AddSnapshotTagRoutes(RouteTable& table, const AppContext& context) {
  auto st = std::make_shared<TagRoutes>();
  st->context = context;
  const std::string pattern = "/v1/projects/{project}/snapshots";
  RETURN_IF_ERROR(table.Add(
      {.method = "GET",
       .pattern = pattern,
       .blocking = Guarded(st->context, pattern,
                           [st](const Request& r) { return List(*st, r); })},
      MayList));
  return table.Add(
      {.method = "POST",
       .pattern = pattern,
       .blocking = Guarded(st->context, pattern,
                           [st](const Request& r) { return Tag(*st, r); })},
      rules::ProjectAdmin);
}

}  // namespace consilium::api
