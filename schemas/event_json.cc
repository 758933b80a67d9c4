#include "schemas/event_json.h"

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>
#include <set>

namespace consilium {
namespace {

namespace json = boost::json;

// Strict object reader: each accessor marks its key as known; Finish() rejects
// leftovers, so a misspelled key is an error rather than silently ignored.
class ObjectReader {
 public:
  ObjectReader(const json::object& o, std::string path)
      : o_(o), path_(std::move(path)) {}

  StatusOr<std::string_view> String(std::string_view key, bool required) {
    seen_.insert(std::string(key));
    const json::value* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required)
        return InvalidArgumentError(Path(key) + ": required string is missing");
      return std::string_view();
    }
    if (!v->is_string())
      return InvalidArgumentError(Path(key) + ": must be a string");
    const json::string& s = v->get_string();
    return std::string_view(s.data(), s.size());
  }

  StatusOr<const json::value*> Value(std::string_view key, bool required) {
    seen_.insert(std::string(key));
    const json::value* v = o_.if_contains(key);
    if (v == nullptr && required)
      return InvalidArgumentError(Path(key) + ": required");
    return v;
  }

  StatusOr<const json::object*> Object(std::string_view key, bool required) {
    ASSIGN_OR_RETURN(const json::value* v, Value(key, required));
    if (v == nullptr) return static_cast<const json::object*>(nullptr);
    if (!v->is_object())
      return InvalidArgumentError(Path(key) + ": must be an object");
    return &v->get_object();
  }

  Status Finish() const {
    for (const auto& kv : o_) {
      std::string key(kv.key());
      if (!seen_.count(key))
        return InvalidArgumentError(Path(key) + ": unknown key");
    }
    return OkStatus();
  }

  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

 private:
  const json::object& o_;
  std::string path_;
  std::set<std::string> seen_;
};

void WriteCanonical(const json::value& v, std::string& out);

void WriteCanonicalString(std::string_view s, std::string& out) {
  out += json::serialize(json::string(s));
}

void WriteCanonical(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::object: {
      const json::object& o = v.get_object();
      std::vector<const json::key_value_pair*> kvs;
      kvs.reserve(o.size());
      for (const auto& kv : o) kvs.push_back(&kv);
      std::sort(kvs.begin(), kvs.end(),
                [](auto* a, auto* b) { return a->key() < b->key(); });
      out += '{';
      for (size_t i = 0; i < kvs.size(); ++i) {
        if (i) out += ',';
        WriteCanonicalString(kvs[i]->key(), out);
        out += ':';
        WriteCanonical(kvs[i]->value(), out);
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      const json::array& a = v.get_array();
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        WriteCanonical(a[i], out);
      }
      out += ']';
      return;
    }
    default:
      // Scalars: Boost.JSON prints doubles in shortest round-trip form.
      out += json::serialize(v);
      return;
  }
}

std::string Canonical(const json::value& v) {
  std::string out;
  WriteCanonical(v, out);
  return out;
}

StatusOr<json::value> ParseJson(std::string_view text, std::string_view what) {
  boost::system::error_code ec;
  json::parse_options opt;
  opt.max_depth = 64;
  json::value v = json::parse(text, ec, {}, opt);
  if (ec) {
    return InvalidArgumentError(std::string(what) +
                                " is not valid JSON: " + ec.message());
  }
  return v;
}

Status CheckId(std::string_view path, std::string_view id) {
  if (id.empty())
    return InvalidArgumentError(std::string(path) + ": must not be empty");
  if (id.size() > kMaxIdBytes) {
    return InvalidArgumentError(
        std::string(path) + ": " + std::to_string(id.size()) +
        " bytes; ids are at most " + std::to_string(kMaxIdBytes));
  }
  return OkStatus();
}

StatusOr<EventDraft> ProjectCreatedFromJson(const EventHeader& header,
                                            const json::object& body) {
  ObjectReader r(body, "body");
  ASSIGN_OR_RETURN(std::string_view project_id, r.String("project_id", true));
  ASSIGN_OR_RETURN(std::string_view name, r.String("name", true));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.project_id", project_id));
  return MakeProjectCreated(header, project_id, name);
}

StatusOr<EventDraft> RecordImportedFromJson(const EventHeader& header,
                                            const json::object& body) {
  ObjectReader r(body, "body");
  ASSIGN_OR_RETURN(std::string_view record_id, r.String("record_id", true));
  ASSIGN_OR_RETURN(std::string_view project_id, r.String("project_id", true));
  ASSIGN_OR_RETURN(const json::value* content, r.Value("content", true));
  ASSIGN_OR_RETURN(const json::object* metadata, r.Object("metadata", false));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("body.record_id", record_id));
  RETURN_IF_ERROR(CheckId("body.project_id", project_id));
  if (!content->is_string() && !content->is_object()) {
    return InvalidArgumentError("body.content: must be a string or an object");
  }
  std::string meta = metadata ? Canonical(*metadata) : "{}";
  return MakeRecordImported(header, record_id, project_id, Canonical(*content),
                            meta);
}

json::value PayloadToJson(const fb::Payload* p) {
  if (p == nullptr) return nullptr;
  if (p->encoding() == fb::PayloadEncoding::Sealed) {
    json::object o;
    o["sealed"] = true;
    o["subject_id"] = View(p->subject_id());
    o["key_id"] = View(p->key_id());
    return o;
  }
  std::string_view data = p->data()
                              ? AsChars({p->data()->data(), p->data()->size()})
                              : std::string_view();
  boost::system::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec) return json::string(data);  // plain text content
  return v;
}

json::value BodyToJson(const fb::Event& e) {
  json::object o;
  switch (e.body_type()) {
    case fb::EventBody::ProjectCreated: {
      const auto* b = e.body_as_ProjectCreated();
      o["project_id"] = View(b->project_id());
      o["name"] = View(b->name());
      break;
    }
    case fb::EventBody::RecordImported: {
      const auto* b = e.body_as_RecordImported();
      o["record_id"] = View(b->record_id());
      o["project_id"] = View(b->project_id());
      o["content"] = PayloadToJson(b->content());
      if (b->content_hash() != nullptr) {
        o["content_hash"] = ToHex({b->content_hash()->bytes()->Data(), 32});
      }
      boost::system::error_code ec;
      json::value meta = json::parse(View(b->metadata()), ec);
      o["metadata"] = ec ? json::value(json::object()) : meta;
      break;
    }
    default:
      break;
  }
  return o;
}

}  // namespace

StatusOr<EventDraft> DraftFromJson(std::string_view text) {
  if (text.size() > kMaxEventBytes) {
    return InvalidArgumentError("event JSON is " + std::to_string(text.size()) +
                                " bytes; the limit is " +
                                std::to_string(kMaxEventBytes));
  }
  ASSIGN_OR_RETURN(json::value v, ParseJson(text, "event"));
  if (!v.is_object())
    return InvalidArgumentError("event must be a JSON object");
  ObjectReader r(v.get_object(), "");
  ASSIGN_OR_RETURN(std::string_view type, r.String("type", true));
  ASSIGN_OR_RETURN(std::string_view actor, r.String("actor", true));
  ASSIGN_OR_RETURN(std::string_view request_id, r.String("request_id", false));
  ASSIGN_OR_RETURN(const json::object* body, r.Object("body", true));
  RETURN_IF_ERROR(r.Finish());
  RETURN_IF_ERROR(CheckId("actor", actor));
  if (!request_id.empty()) RETURN_IF_ERROR(CheckId("request_id", request_id));
  EventHeader header{std::string(actor), std::string(request_id)};

  StatusOr<EventDraft> draft = InvalidArgumentError("unreachable");
  if (type == "ProjectCreated") {
    draft = ProjectCreatedFromJson(header, *body);
  } else if (type == "RecordImported") {
    draft = RecordImportedFromJson(header, *body);
  } else {
    std::string known;
    for (auto t : fb::EnumValuesEventBody()) {
      if (t == fb::EventBody::NONE) continue;
      known += known.empty() ? "" : ", ";
      known += fb::EnumNameEventBody(t);
    }
    return InvalidArgumentError("type: unknown event type \"" +
                                std::string(type) + "\" (known: " + known +
                                ")");
  }
  if (!draft.ok()) return draft.status();
  RETURN_IF_ERROR(draft->Validate());
  return draft;
}

std::string EventToJson(uint64_t seq, const Hash256& hash,
                        std::string_view bytes) {
  const fb::Event* e = EventView(bytes);
  json::object o;
  o["seq"] = seq;
  o["hash"] = ToHex(hash);
  o["prev"] = ToHex(PrevHashOf(*e));
  o["time"] = FormatTimestamp(TimestampOf(*e));
  o["time_us"] = TimestampOf(*e);
  o["actor"] = View(e->actor());
  if (e->request_id() != nullptr && e->request_id()->size() > 0) {
    o["request_id"] = View(e->request_id());
  }
  o["type"] = EventTypeName(e->body_type());
  o["body"] = BodyToJson(*e);
  return Canonical(o);
}

StatusOr<std::string> CanonicalizeJson(std::string_view text) {
  ASSIGN_OR_RETURN(json::value v, ParseJson(text, "document"));
  return Canonical(v);
}

std::string FormatTimestamp(int64_t micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<long long>(frac));
  return buf;
}

}  // namespace consilium
