#include "projections/internal/state_codec.h"

#include <boost/json.hpp>
#include <cassert>
#include <charconv>
#include <memory>
#include <utility>

#include "common/canonical_json.h"
#include "common/strict_json.h"
#include "domain/domain_state.h"
#include "projections/value_keys.h"

// The checkpoint's bytes (format 2): one JSON object written by WriteJson in
// the compact style (keys in the order below, no whitespace):
//
//   {"format":2,"last_seq":N,"last_timestamp_us":T,
//    "principals":[[id,model,pseudonym],...],            by id
//    "schemas":[[id,version,seq,definition],...],          by (id, version)
//    "records":[[id,project,seq,sealed],...],              by id
//    "batches":[[project,batch,[record,...]],...],         by (project, batch)
//    "annotations":[{"id",...,"revisions":[{...,"values":[value...]}]}],
//                                  by record id, then submission order
//    "gold":[{...,"values":[value...]}],  "decisions":[{...}]}
//
// Format 2 dropped format 1's "access" section: access events are read from
// the ledger (projections/access_history.h); a format-1 checkpoint does not
// decode and the state is rebuilt.
//
// A value is an object of every ExtractedValue field; its doubles are JSON
// strings holding the shortest round-trip decimal (AppendJsonNumber), so they
// read back exactly whatever a JSON library does with numbers. Record shapes
// are not stored (they hold record content).

namespace consilium::projections {
namespace internal {
namespace {

namespace json = boost::json;

constexpr int64_t kStateFormat = 2;
constexpr uint32_t kNoIndex = UINT32_MAX;

// ---- Writing ----------------------------------------------------------------

json::string NumberString(double d) {
  // Invariant: extracted values hold finite numbers only (the validator
  // refuses others), so AppendJsonNumber's precondition holds.
  std::string s;
  AppendJsonNumber(s, d);
  return json::string(s);
}

json::value ValueToJson(const schemas::ExtractedValue& v) {
  json::object o;
  o["path"] = v.path;
  o["field_path"] = v.field_path;
  o["metric"] = static_cast<int>(v.metric);
  o["layer"] = static_cast<int>(v.layer);
  o["kind"] = static_cast<int>(v.kind);
  o["category"] = v.category;
  json::array cats;
  for (const auto& c : v.categories) cats.emplace_back(c);
  o["categories"] = std::move(cats);
  o["number"] = NumberString(v.number);
  o["span"] = json::array{v.span.start, v.span.end};
  json::object r;
  r["image"] = v.region.image;
  r["frame"] = v.region.frame ? json::value(*v.region.frame) : json::value();
  r["is_box"] = v.region.is_box;
  r["box"] = json::array{NumberString(v.region.x), NumberString(v.region.y),
                         NumberString(v.region.w), NumberString(v.region.h)};
  json::array poly;
  for (const auto& p : v.region.polygon)
    poly.push_back(json::array{NumberString(p.x), NumberString(p.y)});
  r["polygon"] = std::move(poly);
  o["region"] = std::move(r);
  return o;
}

// Values in order; `values` is a vector or an AnalyticsState::ValueRange.
template <typename Values>
json::array ValuesToJson(const Values& values) {
  json::array out;
  for (const schemas::ExtractedValue& v : values) out.push_back(ValueToJson(v));
  return out;
}

json::array StringsToJson(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// ---- Reading ----------------------------------------------------------------

// Where a value sits in the document ("annotations[3].revisions[0].seq"): a
// chain of links on the stack, spelled out only for an error message.
class Path {
 public:
  Path() = default;  // the document
  Path(const Path* parent, std::string_view key) : parent_(parent), key_(key) {}
  Path(const Path* parent, size_t index)
      : parent_(parent), index_(index), is_index_(true) {}

  std::string ToString() const {
    if (parent_ == nullptr) return "the document";
    std::string out = parent_->parent_ == nullptr ? "" : parent_->ToString();
    if (is_index_) return out + "[" + std::to_string(index_) + "]";
    return out.empty() ? std::string(key_) : out + "." + std::string(key_);
  }

 private:
  const Path* parent_ = nullptr;
  std::string_view key_;
  size_t index_ = 0;
  bool is_index_ = false;
};

// One value of the document with its path. Every read checks what the format
// says the value is and returns DataLoss naming the path otherwise.
class Node {
 public:
  Node(const json::value& v, Path path) : v_(&v), path_(path) {}

  Status Malformed(std::string_view what) const {
    return DataLossError("projection state: " + path_.ToString() + ": " +
                         std::string(what));
  }

  // The member `key` of an object.
  StatusOr<Node> At(std::string_view key) const {
    if (!v_->is_object()) return Malformed("expected an object");
    const json::value* m = v_->get_object().if_contains(key);
    if (m == nullptr) {
      return Malformed("missing key \"" + std::string(key) + "\"");
    }
    return Node(*m, Path(&path_, key));
  }
  // Item `i` of an array.
  StatusOr<Node> At(size_t i) const {
    if (!v_->is_array()) return Malformed("expected an array");
    if (i >= v_->get_array().size()) return Malformed("too few items");
    return Node(v_->get_array()[i], Path(&path_, i));
  }
  // An array of exactly `n` items (any size when n is SIZE_MAX).
  StatusOr<size_t> Items(size_t n = SIZE_MAX) const {
    if (!v_->is_array()) return Malformed("expected an array");
    const size_t size = v_->get_array().size();
    if (n != SIZE_MAX && size != n) {
      return Malformed("expected " + std::to_string(n) + " items");
    }
    return size;
  }
  // Calls `f(item)` for every item of an array, stopping at the first error.
  template <typename F>
  Status Each(F&& f) const {
    ASSIGN_OR_RETURN(const size_t n, Items());
    for (size_t i = 0; i < n; ++i) {
      RETURN_IF_ERROR(f(Node(v_->get_array()[i], Path(&path_, i))));
    }
    return OkStatus();
  }
  bool is_null() const { return v_->is_null(); }

  Status Get(std::string* out) const {
    if (!v_->is_string()) return Malformed("expected a string");
    *out = std::string(v_->get_string());
    return OkStatus();
  }
  Status Get(uint64_t* out) const {
    if (v_->is_uint64()) {
      *out = v_->get_uint64();
    } else if (v_->is_int64() && v_->get_int64() >= 0) {
      *out = static_cast<uint64_t>(v_->get_int64());
    } else {
      return Malformed("expected an unsigned integer");
    }
    return OkStatus();
  }
  Status Get(uint32_t* out) const {
    uint64_t n = 0;
    RETURN_IF_ERROR(Get(&n));
    *out = static_cast<uint32_t>(n);
    return OkStatus();
  }
  Status Get(int64_t* out) const {
    if (v_->is_int64()) {
      *out = v_->get_int64();
    } else if (v_->is_uint64()) {
      *out = static_cast<int64_t>(v_->get_uint64());
    } else {
      return Malformed("expected an integer");
    }
    return OkStatus();
  }
  Status Get(bool* out) const {
    if (!v_->is_bool()) return Malformed("expected a boolean");
    *out = v_->get_bool();
    return OkStatus();
  }
  // A double, spelled as a string (see the format above).
  Status Get(double* out) const {
    if (!v_->is_string()) return Malformed("expected a number string");
    const json::string& s = v_->get_string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (ec != std::errc() || end != s.data() + s.size()) {
      return Malformed("expected a number string");
    }
    return OkStatus();
  }
  Status Get(std::vector<std::string>* out) const {
    return Each([out](const Node& item) {
      RETURN_IF_ERROR(item.Get(&out->emplace_back()));
      return OkStatus();
    });
  }
  // An enumerator no greater than `max`.
  template <typename E>
  Status GetEnum(E max, E* out) const {
    uint64_t n = 0;
    RETURN_IF_ERROR(Get(&n));
    if (n > static_cast<uint64_t>(max)) return Malformed("enum out of range");
    *out = static_cast<E>(n);
    return OkStatus();
  }

 private:
  const json::value* v_;
  Path path_;
};

// Reads the member `key` (a string) or item `key` (a number) of `node`.
template <typename K, typename T>
Status Read(const Node& node, K key, T* out) {
  ASSIGN_OR_RETURN(const Node item, node.At(key));
  return item.Get(out);
}
template <typename K, typename E>
Status ReadEnum(const Node& node, K key, E max, E* out) {
  ASSIGN_OR_RETURN(const Node item, node.At(key));
  return item.GetEnum(max, out);
}

Status ReadRegion(const Node& r, schemas::ImageRegion* region) {
  RETURN_IF_ERROR(Read(r, "image", &region->image));
  ASSIGN_OR_RETURN(const Node frame, r.At("frame"));
  if (!frame.is_null()) {
    uint32_t f = 0;
    RETURN_IF_ERROR(frame.Get(&f));
    region->frame = f;
  }
  RETURN_IF_ERROR(Read(r, "is_box", &region->is_box));
  ASSIGN_OR_RETURN(const Node box, r.At("box"));
  RETURN_IF_ERROR(box.Items(4).status());
  RETURN_IF_ERROR(Read(box, size_t{0}, &region->x));
  RETURN_IF_ERROR(Read(box, size_t{1}, &region->y));
  RETURN_IF_ERROR(Read(box, size_t{2}, &region->w));
  RETURN_IF_ERROR(Read(box, size_t{3}, &region->h));
  ASSIGN_OR_RETURN(const Node polygon, r.At("polygon"));
  return polygon.Each([region](const Node& xy) {
    RETURN_IF_ERROR(xy.Items(2).status());
    schemas::Point& p = region->polygon.emplace_back();
    RETURN_IF_ERROR(Read(xy, size_t{0}, &p.x));
    return Read(xy, size_t{1}, &p.y);
  });
}

Status ReadValue(const Node& o, schemas::ExtractedValue* v) {
  RETURN_IF_ERROR(Read(o, "path", &v->path));
  RETURN_IF_ERROR(Read(o, "field_path", &v->field_path));
  RETURN_IF_ERROR(
      ReadEnum(o, "metric", schemas::Metric::kSpanOverlap, &v->metric));
  RETURN_IF_ERROR(
      ReadEnum(o, "layer", schemas::Layer::kInterpretive, &v->layer));
  RETURN_IF_ERROR(ReadEnum(o, "kind", schemas::ValueKind::kRegion, &v->kind));
  RETURN_IF_ERROR(Read(o, "category", &v->category));
  RETURN_IF_ERROR(Read(o, "categories", &v->categories));
  RETURN_IF_ERROR(Read(o, "number", &v->number));
  ASSIGN_OR_RETURN(const Node span, o.At("span"));
  RETURN_IF_ERROR(span.Items(2).status());
  RETURN_IF_ERROR(Read(span, size_t{0}, &v->span.start));
  RETURN_IF_ERROR(Read(span, size_t{1}, &v->span.end));
  ASSIGN_OR_RETURN(const Node region, o.At("region"));
  return ReadRegion(region, &v->region);
}

Status ReadValues(const Node& node, std::string_view key,
                  std::vector<schemas::ExtractedValue>* out) {
  ASSIGN_OR_RETURN(const Node values, node.At(key));
  return values.Each(
      [out](const Node& v) { return ReadValue(v, &out->emplace_back()); });
}

}  // namespace

// ---- Serialize, by section --------------------------------------------------

// The checkpoint document, written as it is built: each section's elements
// are encoded one at a time and appended, so the state never exists as one
// JSON tree. (As one tree, a checkpoint of a soak's state took a few
// hundred MB for a moment, issue 16.) The bytes are those WriteJson's
// kCompact writes for the whole tree: members in order, no whitespace.
class StateCodec::Document {
 public:
  Document() : bytes_("{") {}
  void Member(std::string_view key, const json::value& v) {
    Key(key);
    Append(v);
  }
  // `key`: [the elements `write` passes to Element].
  template <typename Write>
  void Array(std::string_view key, Write write) {
    Key(key);
    bytes_ += '[';
    first_element_ = true;
    write();
    bytes_ += ']';
  }
  void Element(const json::value& v) {
    if (!first_element_) bytes_ += ',';
    first_element_ = false;
    Append(v);
  }
  std::string Finish() && {
    bytes_ += '}';
    return std::move(bytes_);
  }

 private:
  void Key(std::string_view key) {  // keys are plain ASCII names
    if (!first_member_) bytes_ += ',';
    first_member_ = false;
    bytes_ += '"';
    bytes_ += key;
    bytes_ += "\":";
  }
  void Append(const json::value& v) {
    StatusOr<std::string> b = WriteJson(v, JsonStyle::kCompact);
    // Invariant: the document holds no JSON double (doubles are strings),
    // and WriteJson fails only on a non-finite one.
    assert(b.ok());
    bytes_ += *b;
  }

  std::string bytes_;
  bool first_member_ = true;
  bool first_element_ = true;
};

struct StateCodec::Writer {
  const AnalyticsState& s;

  void Principals(Document& out) const {
    for (const auto& [id, p] : s.principals_)
      out.Element(
          json::array{json::string(id), p.model, json::string(p.pseudonym)});
  }

  void Schemas(Document& out) const {
    for (const auto& [key, sv] : s.schemas_)
      out.Element(json::array{json::string(key.first), key.second, sv.seq,
                              json::string(sv.definition)});
  }

  // Names of the records known or annotated, in record id order.
  std::vector<uint32_t> RecordNames() const {
    std::vector<uint32_t> out;
    for (uint32_t n = 0; n < s.records_.size(); ++n) {
      if (s.records_[n].known || s.records_[n].first_annotation != kNoIndex)
        out.push_back(n);
    }
    std::sort(out.begin(), out.end(),
              [this](uint32_t x, uint32_t y) { return s.name(x) < s.name(y); });
    return out;
  }

  void Records(const std::vector<uint32_t>& names, Document& out) const {
    for (uint32_t n : names) {
      const RecordInfo& r = s.records_[n];
      if (!r.known) continue;
      out.Element(json::array{json::string(s.name(n)),
                              json::string(s.name(r.project)), r.seq,
                              r.sealed});
    }
  }

  void Batches(Document& out) const {
    for (const auto& [key, ids] : s.batches_)
      out.Element(json::array{json::string(key.first), json::string(key.second),
                              StringsToJson(ids)});
  }

  json::object Revision(const RevisionValues& r) const {
    json::object jr;
    jr["revision"] = r.revision;
    jr["seq"] = r.seq;
    jr["timestamp_us"] = r.timestamp_us;
    jr["extracted"] = r.extracted;
    jr["values"] = ValuesToJson(s.values(r));
    return jr;
  }

  json::object Annotation(uint32_t i) const {
    const AnnotationEntry& a = s.annotations_[i];
    json::object ja;
    ja["id"] = s.annotation_id(i);
    ja["project"] = s.name(a.project);
    ja["record"] = s.name(a.record);
    ja["annotator"] = s.name(a.annotator);
    ja["schema_id"] = s.name(a.schema_id);
    ja["schema_version"] = a.schema_version;
    ja["by_model"] = a.by_model;
    ja["withdrawn"] = a.withdrawn;
    ja["withdrawn_seq"] = a.withdrawn_seq;
    json::array revs;
    for (const RevisionValues& r : s.revisions(a)) revs.push_back(Revision(r));
    ja["revisions"] = std::move(revs);
    return ja;
  }

  // Annotations in submission order per record, which also fixes the order
  // AnnotationsOnRecord reports after a resume.
  void Annotations(const std::vector<uint32_t>& names, Document& out) const {
    for (uint32_t n : names) {
      for (uint32_t i = s.records_[n].first_annotation; i != kNoIndex;
           i = s.annotations_[i].next_on_record) {
        out.Element(Annotation(i));
      }
    }
  }

  void Gold(Document& out) const {
    for (const auto& [key, g] : s.gold_) {
      json::object jg;
      jg["project"] = g.project;
      jg["record"] = g.record;
      jg["schema_id"] = g.schema_id;
      jg["schema_version"] = g.schema_version;
      jg["seq"] = g.seq;
      jg["extracted"] = g.extracted;
      jg["values"] = ValuesToJson(g.values);
      out.Element(std::move(jg));
    }
  }

  void Decisions(Document& out) const {
    for (const auto& [key, d] : s.decisions_) {
      json::object jd;
      jd["project"] = d.project;
      jd["record"] = d.record;
      jd["field_path"] = d.field_path;
      jd["outcome"] = static_cast<int>(d.outcome);
      jd["value_json"] = d.value_json;
      jd["rationale"] = d.rationale;
      jd["cited_annotation_ids"] = StringsToJson(d.cited_annotation_ids);
      jd["adjudicator"] = d.adjudicator;
      jd["seq"] = d.seq;
      jd["timestamp_us"] = d.timestamp_us;
      out.Element(std::move(jd));
    }
  }
};

std::string StateCodec::Serialize(const AnalyticsState& s) {
  const Writer w{s};
  const std::vector<uint32_t> record_names = w.RecordNames();
  Document d;
  d.Member("format", kStateFormat);
  d.Member("last_seq", s.last_seq_);
  d.Member("last_timestamp_us", s.last_timestamp_us_);
  d.Array("principals", [&] { w.Principals(d); });
  d.Array("schemas", [&] { w.Schemas(d); });
  d.Array("records", [&] { w.Records(record_names, d); });
  d.Array("batches", [&] { w.Batches(d); });
  d.Array("annotations", [&] { w.Annotations(record_names, d); });
  d.Array("gold", [&] { w.Gold(d); });
  d.Array("decisions", [&] { w.Decisions(d); });
  return std::move(d).Finish();
}

// ---- Deserialize, by section ------------------------------------------------

class StateCodec::Reader {
 public:
  explicit Reader(AnalyticsState& state) : s(state) {}

  Status Principal(const Node& row) {
    RETURN_IF_ERROR(row.Items(3).status());
    std::string id;
    PrincipalInfo p;
    RETURN_IF_ERROR(Read(row, size_t{0}, &id));
    RETURN_IF_ERROR(Read(row, size_t{1}, &p.model));
    RETURN_IF_ERROR(Read(row, size_t{2}, &p.pseudonym));
    s.principals_[std::move(id)] = std::move(p);
    return OkStatus();
  }

  Status Schema(const Node& row) {
    RETURN_IF_ERROR(row.Items(4).status());
    std::string id;
    uint32_t version = 0;
    SchemaVersionInfo info;
    RETURN_IF_ERROR(Read(row, size_t{0}, &id));
    RETURN_IF_ERROR(Read(row, size_t{1}, &version));
    RETURN_IF_ERROR(Read(row, size_t{2}, &info.seq));
    RETURN_IF_ERROR(Read(row, size_t{3}, &info.definition));
    StatusOr<schemas::TaskSchema> parsed =
        schemas::TaskSchema::Parse(info.definition);
    if (!parsed.ok()) {
      return row.Malformed("schema: " + parsed.status().message());
    }
    info.schema =
        std::make_shared<const schemas::TaskSchema>(std::move(*parsed));
    info.descriptive = domain::DescriptiveView(*info.schema, info.definition);
    s.schemas_.emplace(std::make_pair(std::move(id), version), std::move(info));
    return OkStatus();
  }

  Status Record(const Node& row) {
    RETURN_IF_ERROR(row.Items(4).status());
    std::string id, project;
    RETURN_IF_ERROR(Read(row, size_t{0}, &id));
    RETURN_IF_ERROR(Read(row, size_t{1}, &project));
    const uint32_t name = s.names_.Intern(id).first;
    const uint32_t project_name = s.names_.Intern(project).first;
    RecordInfo& r = s.Record(name);
    if (r.known) return row.Malformed("duplicate record");
    r.known = true;
    r.project = project_name;
    RETURN_IF_ERROR(Read(row, size_t{2}, &r.seq));
    return Read(row, size_t{3}, &r.sealed);
  }

  Status Batch(const Node& row) {
    RETURN_IF_ERROR(row.Items(3).status());
    std::string project, batch;
    std::vector<std::string> ids;
    RETURN_IF_ERROR(Read(row, size_t{0}, &project));
    RETURN_IF_ERROR(Read(row, size_t{1}, &batch));
    RETURN_IF_ERROR(Read(row, size_t{2}, &ids));
    s.batches_.emplace(std::make_pair(std::move(project), std::move(batch)),
                       std::move(ids));
    return OkStatus();
  }

  // Revision `jr` of `a`, which becomes its latest.
  Status Revision(const Node& jr, bool first, AnnotationEntry& a) {
    bool extracted = false;
    RETURN_IF_ERROR(Read(jr, "extracted", &extracted));
    std::vector<schemas::ExtractedValue> values;
    RETURN_IF_ERROR(ReadValues(jr, "values", &values));
    if (!extracted && !values.empty()) {
      return jr.Malformed("values of a revision not extracted");
    }
    RevisionValues r;
    if (extracted) r = s.AddValues(std::move(values));
    RETURN_IF_ERROR(Read(jr, "revision", &r.revision));
    RETURN_IF_ERROR(Read(jr, "seq", &r.seq));
    RETURN_IF_ERROR(Read(jr, "timestamp_us", &r.timestamp_us));
    if (!first) {
      s.prior_revisions_.push_back(a.latest);
      s.prior_links_.push_back(a.prior);
      a.prior = static_cast<uint32_t>(s.prior_revisions_.size() - 1);
    }
    a.latest = r;
    return OkStatus();
  }

  Status Annotation(const Node& ja) {
    std::string id;
    RETURN_IF_ERROR(Read(ja, "id", &id));
    const auto [index, added] = s.annotation_ids_.Intern(id);
    if (!added) return ja.Malformed("duplicate annotation");
    AnnotationEntry a;
    RETURN_IF_ERROR(Name(ja, "project", &a.project));
    RETURN_IF_ERROR(Name(ja, "record", &a.record));
    RETURN_IF_ERROR(Name(ja, "annotator", &a.annotator));
    RETURN_IF_ERROR(Name(ja, "schema_id", &a.schema_id));
    RETURN_IF_ERROR(Read(ja, "schema_version", &a.schema_version));
    RETURN_IF_ERROR(Read(ja, "by_model", &a.by_model));
    RETURN_IF_ERROR(Read(ja, "withdrawn", &a.withdrawn));
    RETURN_IF_ERROR(Read(ja, "withdrawn_seq", &a.withdrawn_seq));
    ASSIGN_OR_RETURN(const Node revisions, ja.At("revisions"));
    bool first = true;
    RETURN_IF_ERROR(revisions.Each([&](const Node& jr) {
      const bool is_first = first;
      first = false;
      return Revision(jr, is_first, a);
    }));
    if (first) return ja.Malformed("annotation without revisions");
    s.AddAnnotation(index, a);
    return OkStatus();
  }

  Status Gold(const Node& jg) {
    GoldAnswer g;
    RETURN_IF_ERROR(Read(jg, "project", &g.project));
    RETURN_IF_ERROR(Read(jg, "record", &g.record));
    RETURN_IF_ERROR(Read(jg, "schema_id", &g.schema_id));
    RETURN_IF_ERROR(Read(jg, "schema_version", &g.schema_version));
    RETURN_IF_ERROR(Read(jg, "seq", &g.seq));
    RETURN_IF_ERROR(Read(jg, "extracted", &g.extracted));
    RETURN_IF_ERROR(ReadValues(jg, "values", &g.values));
    auto key = std::make_pair(
        g.record, g.schema_id + "@" + std::to_string(g.schema_version));
    s.gold_.emplace(std::move(key), std::move(g));
    return OkStatus();
  }

  Status Decision(const Node& jd) {
    AdjudicationDecision d;
    RETURN_IF_ERROR(Read(jd, "project", &d.project));
    RETURN_IF_ERROR(Read(jd, "record", &d.record));
    RETURN_IF_ERROR(Read(jd, "field_path", &d.field_path));
    RETURN_IF_ERROR(
        ReadEnum(jd, "outcome", fb::AdjudicationOutcome::MAX, &d.outcome));
    RETURN_IF_ERROR(Read(jd, "value_json", &d.value_json));
    if (d.outcome == fb::AdjudicationOutcome::Decided) {
      d.value_key = ValueKeyOfJson(d.value_json);
    }
    RETURN_IF_ERROR(Read(jd, "rationale", &d.rationale));
    RETURN_IF_ERROR(Read(jd, "cited_annotation_ids", &d.cited_annotation_ids));
    RETURN_IF_ERROR(Read(jd, "adjudicator", &d.adjudicator));
    RETURN_IF_ERROR(Read(jd, "seq", &d.seq));
    RETURN_IF_ERROR(Read(jd, "timestamp_us", &d.timestamp_us));
    auto key = std::make_pair(d.record, d.field_path);
    s.decisions_.emplace(std::move(key), std::move(d));
    return OkStatus();
  }

  // Calls `section(item)` for every item of the array at `key` of `doc`.
  template <typename F>
  Status Section(const Node& doc, std::string_view key, F section) {
    ASSIGN_OR_RETURN(const Node items, doc.At(key));
    return items.Each([&](const Node& item) { return (this->*section)(item); });
  }

 private:
  // A string member interned among the state's names.
  Status Name(const Node& o, std::string_view key, uint32_t* out) {
    std::string v;
    RETURN_IF_ERROR(Read(o, key, &v));
    *out = s.names_.Intern(v).first;
    return OkStatus();
  }

  AnalyticsState& s;
};

StatusOr<AnalyticsState> StateCodec::Deserialize(std::string_view bytes) {
  json::value parsed;
  if (Status st = ParseStrictJson(bytes, {}, parsed); !st.ok()) {
    return DataLossError("projection state: " + st.message());
  }
  const Node doc(parsed, Path());
  int64_t format = 0;
  RETURN_IF_ERROR(Read(doc, "format", &format));
  if (format != kStateFormat) {
    return doc.Malformed("unknown format " + std::to_string(format));
  }
  AnalyticsState s;
  RETURN_IF_ERROR(Read(doc, "last_seq", &s.last_seq_));
  RETURN_IF_ERROR(Read(doc, "last_timestamp_us", &s.last_timestamp_us_));
  Reader r(s);
  RETURN_IF_ERROR(r.Section(doc, "principals", &Reader::Principal));
  RETURN_IF_ERROR(r.Section(doc, "schemas", &Reader::Schema));
  RETURN_IF_ERROR(r.Section(doc, "records", &Reader::Record));
  RETURN_IF_ERROR(r.Section(doc, "batches", &Reader::Batch));
  RETURN_IF_ERROR(r.Section(doc, "annotations", &Reader::Annotation));
  RETURN_IF_ERROR(r.Section(doc, "gold", &Reader::Gold));
  RETURN_IF_ERROR(r.Section(doc, "decisions", &Reader::Decision));
  return s;
}

}  // namespace internal

std::string AnalyticsState::Serialize() const {
  return internal::StateCodec::Serialize(*this);
}

StatusOr<AnalyticsState> AnalyticsState::Deserialize(std::string_view bytes) {
  return internal::StateCodec::Deserialize(bytes);
}

}  // namespace consilium::projections
