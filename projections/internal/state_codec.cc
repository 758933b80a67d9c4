#include "projections/internal/state_codec.h"

#include <boost/json.hpp>
#include <charconv>
#include <memory>
#include <utility>

#include "domain/domain_state.h"
#include "projections/value_keys.h"

namespace consilium::projections {
namespace internal {
namespace {

namespace json = boost::json;

constexpr uint32_t kNoIndex = UINT32_MAX;

// ---- Serialization helpers (Serialize / Deserialize) ------------------------

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
  // Doubles travel as shortest round-trip strings: exact, whatever the JSON
  // library's number formatting.
  o["number"] = ShortestDouble(v.number);
  o["span"] = json::array{v.span.start, v.span.end};
  json::object r;
  r["image"] = v.region.image;
  r["frame"] = v.region.frame ? json::value(*v.region.frame) : json::value();
  r["is_box"] = v.region.is_box;
  r["box"] =
      json::array{ShortestDouble(v.region.x), ShortestDouble(v.region.y),
                  ShortestDouble(v.region.w), ShortestDouble(v.region.h)};
  json::array poly;
  for (const auto& p : v.region.polygon)
    poly.push_back(json::array{ShortestDouble(p.x), ShortestDouble(p.y)});
  r["polygon"] = std::move(poly);
  o["region"] = std::move(r);
  return o;
}

json::array ValuesToJson(const std::vector<schemas::ExtractedValue>& values) {
  json::array a;
  for (const auto& v : values) a.push_back(ValueToJson(v));
  return a;
}

json::array StringsToJson(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

// Strict readers: any deviation throws, caught once in Deserialize.
struct Malformed {
  std::string what;
};

const json::value& At(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) throw Malformed{"missing key \"" + std::string(key) + "\""};
  return *v;
}
const json::object& Obj(const json::value& v) {
  if (!v.is_object()) throw Malformed{"expected an object"};
  return v.get_object();
}
const json::array& Arr(const json::value& v) {
  if (!v.is_array()) throw Malformed{"expected an array"};
  return v.get_array();
}
std::string S(const json::value& v) {
  if (!v.is_string()) throw Malformed{"expected a string"};
  return std::string(v.get_string());
}
uint64_t U(const json::value& v) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0)
    return static_cast<uint64_t>(v.get_int64());
  throw Malformed{"expected an unsigned integer"};
}
int64_t I(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  throw Malformed{"expected an integer"};
}
bool B(const json::value& v) {
  if (!v.is_bool()) throw Malformed{"expected a boolean"};
  return v.get_bool();
}
double D(const json::value& v) {
  std::string s = S(v);
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size())
    throw Malformed{"expected a number string"};
  return d;
}
std::vector<std::string> Strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : Arr(v)) out.push_back(S(s));
  return out;
}

template <typename E>
E Enum(const json::value& v, E max) {
  uint64_t n = U(v);
  if (n > static_cast<uint64_t>(max)) throw Malformed{"enum out of range"};
  return static_cast<E>(n);
}

schemas::ExtractedValue ValueFromJson(const json::value& jv) {
  const json::object& o = Obj(jv);
  schemas::ExtractedValue v;
  v.path = S(At(o, "path"));
  v.field_path = S(At(o, "field_path"));
  v.metric = Enum(At(o, "metric"), schemas::Metric::kSpanOverlap);
  v.layer = Enum(At(o, "layer"), schemas::Layer::kInterpretive);
  v.kind = Enum(At(o, "kind"), schemas::ValueKind::kRegion);
  v.category = S(At(o, "category"));
  v.categories = Strings(At(o, "categories"));
  v.number = D(At(o, "number"));
  const json::array& span = Arr(At(o, "span"));
  if (span.size() != 2) throw Malformed{"span needs two numbers"};
  v.span.start = static_cast<uint32_t>(U(span[0]));
  v.span.end = static_cast<uint32_t>(U(span[1]));
  const json::object& r = Obj(At(o, "region"));
  v.region.image = S(At(r, "image"));
  const json::value& frame = At(r, "frame");
  if (!frame.is_null()) v.region.frame = static_cast<uint32_t>(U(frame));
  v.region.is_box = B(At(r, "is_box"));
  const json::array& box = Arr(At(r, "box"));
  if (box.size() != 4) throw Malformed{"box needs four numbers"};
  v.region.x = D(box[0]);
  v.region.y = D(box[1]);
  v.region.w = D(box[2]);
  v.region.h = D(box[3]);
  for (const auto& p : Arr(At(r, "polygon"))) {
    const json::array& xy = Arr(p);
    if (xy.size() != 2) throw Malformed{"polygon point needs two numbers"};
    v.region.polygon.push_back({D(xy[0]), D(xy[1])});
  }
  return v;
}

std::vector<schemas::ExtractedValue> ValuesFromJson(const json::value& v) {
  std::vector<schemas::ExtractedValue> out;
  for (const auto& e : Arr(v)) out.push_back(ValueFromJson(e));
  return out;
}

constexpr int64_t kStateFormat = 1;

}  // namespace

std::string StateCodec::Serialize(const AnalyticsState& s) {
  json::object o;
  o["format"] = kStateFormat;
  o["last_seq"] = s.last_seq_;
  o["last_timestamp_us"] = s.last_timestamp_us_;
  json::array principals;
  for (const auto& [id, p] : s.principals_)
    principals.push_back(
        json::array{json::string(id), p.model, json::string(p.pseudonym)});
  o["principals"] = std::move(principals);
  json::array schemas;
  for (const auto& [key, sv] : s.schemas_)
    schemas.push_back(json::array{json::string(key.first), key.second, sv.seq,
                                  json::string(sv.definition)});
  o["schemas"] = std::move(schemas);
  // Records, and annotations by record, in record id order.
  std::vector<uint32_t> record_names;
  for (uint32_t n = 0; n < s.records_.size(); ++n) {
    if (s.records_[n].known || s.records_[n].first_annotation != kNoIndex)
      record_names.push_back(n);
  }
  std::sort(record_names.begin(), record_names.end(),
            [&s](uint32_t x, uint32_t y) { return s.name(x) < s.name(y); });
  json::array records;
  for (uint32_t n : record_names) {
    const RecordInfo& r = s.records_[n];
    if (!r.known) continue;
    records.push_back(json::array{json::string(s.name(n)),
                                  json::string(s.name(r.project)), r.seq,
                                  r.sealed});
  }
  o["records"] = std::move(records);
  json::array batches;
  for (const auto& [key, ids] : s.batches_)
    batches.push_back(json::array{
        json::string(key.first), json::string(key.second), StringsToJson(ids)});
  o["batches"] = std::move(batches);
  // Annotations in submission order per record, which also fixes the order
  // AnnotationsOnRecord reports after a resume.
  json::array annotations;
  for (uint32_t n : record_names) {
    for (uint32_t i = s.records_[n].first_annotation; i != kNoIndex;
         i = s.annotations_[i].next_on_record) {
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
      for (const RevisionValues& r : s.revisions(a)) {
        json::object jr;
        jr["revision"] = r.revision;
        jr["seq"] = r.seq;
        jr["timestamp_us"] = r.timestamp_us;
        jr["extracted"] = r.extracted;
        json::array vals;
        for (const schemas::ExtractedValue& v : s.values(r))
          vals.push_back(ValueToJson(v));
        jr["values"] = std::move(vals);
        revs.push_back(std::move(jr));
      }
      ja["revisions"] = std::move(revs);
      annotations.push_back(std::move(ja));
    }
  }
  o["annotations"] = std::move(annotations);
  json::array gold;
  for (const auto& [key, g] : s.gold_) {
    json::object jg;
    jg["project"] = g.project;
    jg["record"] = g.record;
    jg["schema_id"] = g.schema_id;
    jg["schema_version"] = g.schema_version;
    jg["seq"] = g.seq;
    jg["extracted"] = g.extracted;
    jg["values"] = ValuesToJson(g.values);
    gold.push_back(std::move(jg));
  }
  o["gold"] = std::move(gold);
  json::array decisions;
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
    decisions.push_back(std::move(jd));
  }
  o["decisions"] = std::move(decisions);
  json::array access;
  for (const AccessEntry& a : s.access_) {
    access.push_back(
        json::array{a.seq, a.timestamp_us, json::string(a.actor),
                    json::string(a.resource_kind), json::string(a.resource_id),
                    json::string(a.action), json::string(a.purpose), a.allowed,
                    json::string(a.reason), json::string(a.record),
                    json::string(a.project)});
  }
  o["access"] = std::move(access);
  return json::serialize(o);
}

StatusOr<AnalyticsState> StateCodec::Deserialize(std::string_view bytes) {
  boost::system::error_code ec;
  json::value doc = json::parse(bytes, ec);
  if (ec) return DataLossError("projection state: not JSON: " + ec.message());
  AnalyticsState s;
  try {
    const json::object& o = Obj(doc);
    if (I(At(o, "format")) != kStateFormat) {
      throw Malformed{"unknown format " + json::serialize(At(o, "format"))};
    }
    s.last_seq_ = U(At(o, "last_seq"));
    s.last_timestamp_us_ = I(At(o, "last_timestamp_us"));
    for (const auto& p : Arr(At(o, "principals"))) {
      const json::array& a = Arr(p);
      if (a.size() != 3) throw Malformed{"principal"};
      s.principals_[S(a[0])] = PrincipalInfo{B(a[1]), S(a[2])};
    }
    for (const auto& sv : Arr(At(o, "schemas"))) {
      const json::array& a = Arr(sv);
      if (a.size() != 4) throw Malformed{"schema"};
      SchemaVersionInfo info;
      info.seq = U(a[2]);
      info.definition = S(a[3]);
      StatusOr<schemas::TaskSchema> parsed =
          schemas::TaskSchema::Parse(info.definition);
      if (!parsed.ok()) throw Malformed{"schema: " + parsed.status().message()};
      info.schema =
          std::make_shared<const schemas::TaskSchema>(std::move(*parsed));
      info.descriptive = domain::DescriptiveView(*info.schema, info.definition);
      s.schemas_.emplace(
          std::make_pair(S(a[0]), static_cast<uint32_t>(U(a[1]))),
          std::move(info));
    }
    for (const auto& rv : Arr(At(o, "records"))) {
      const json::array& a = Arr(rv);
      if (a.size() != 4) throw Malformed{"record"};
      const uint32_t id = s.names_.Intern(S(a[0])).first;
      const uint32_t project = s.names_.Intern(S(a[1])).first;
      RecordInfo& r = s.Record(id);
      if (r.known) throw Malformed{"duplicate record"};
      r.known = true;
      r.project = project;
      r.seq = U(a[2]);
      r.sealed = B(a[3]);
    }
    for (const auto& bv : Arr(At(o, "batches"))) {
      const json::array& a = Arr(bv);
      if (a.size() != 3) throw Malformed{"batch"};
      s.batches_.emplace(std::make_pair(S(a[0]), S(a[1])), Strings(a[2]));
    }
    for (const auto& av : Arr(At(o, "annotations"))) {
      const json::object& ja = Obj(av);
      const auto [index, added] = s.annotation_ids_.Intern(S(At(ja, "id")));
      if (!added) throw Malformed{"duplicate annotation"};
      AnnotationEntry a;
      a.project = s.names_.Intern(S(At(ja, "project"))).first;
      a.record = s.names_.Intern(S(At(ja, "record"))).first;
      a.annotator = s.names_.Intern(S(At(ja, "annotator"))).first;
      a.schema_id = s.names_.Intern(S(At(ja, "schema_id"))).first;
      a.schema_version = static_cast<uint32_t>(U(At(ja, "schema_version")));
      a.by_model = B(At(ja, "by_model"));
      a.withdrawn = B(At(ja, "withdrawn"));
      a.withdrawn_seq = U(At(ja, "withdrawn_seq"));
      bool first = true;
      for (const auto& rv : Arr(At(ja, "revisions"))) {
        const json::object& jr = Obj(rv);
        const bool extracted = B(At(jr, "extracted"));
        RevisionValues r;
        if (extracted) {
          r = s.AddValues(ValuesFromJson(At(jr, "values")));
        } else if (!Arr(At(jr, "values")).empty()) {
          throw Malformed{"values of a revision not extracted"};
        }
        r.revision = static_cast<uint32_t>(U(At(jr, "revision")));
        r.seq = U(At(jr, "seq"));
        r.timestamp_us = I(At(jr, "timestamp_us"));
        if (!first) {
          s.prior_revisions_.push_back(a.latest);
          s.prior_links_.push_back(a.prior);
          a.prior = static_cast<uint32_t>(s.prior_revisions_.size() - 1);
        }
        a.latest = r;
        first = false;
      }
      if (first) throw Malformed{"annotation without revisions"};
      s.AddAnnotation(index, a);
    }
    for (const auto& gv : Arr(At(o, "gold"))) {
      const json::object& jg = Obj(gv);
      GoldAnswer g;
      g.project = S(At(jg, "project"));
      g.record = S(At(jg, "record"));
      g.schema_id = S(At(jg, "schema_id"));
      g.schema_version = static_cast<uint32_t>(U(At(jg, "schema_version")));
      g.seq = U(At(jg, "seq"));
      g.extracted = B(At(jg, "extracted"));
      g.values = ValuesFromJson(At(jg, "values"));
      auto key = std::make_pair(
          g.record, g.schema_id + "@" + std::to_string(g.schema_version));
      s.gold_.emplace(std::move(key), std::move(g));
    }
    for (const auto& dv : Arr(At(o, "decisions"))) {
      const json::object& jd = Obj(dv);
      AdjudicationDecision d;
      d.project = S(At(jd, "project"));
      d.record = S(At(jd, "record"));
      d.field_path = S(At(jd, "field_path"));
      d.outcome = Enum(At(jd, "outcome"), fb::AdjudicationOutcome::MAX);
      d.value_json = S(At(jd, "value_json"));
      d.value_key = d.outcome == fb::AdjudicationOutcome::Decided
                        ? ValueKeyOfJson(d.value_json)
                        : std::string();
      d.rationale = S(At(jd, "rationale"));
      d.cited_annotation_ids = Strings(At(jd, "cited_annotation_ids"));
      d.adjudicator = S(At(jd, "adjudicator"));
      d.seq = U(At(jd, "seq"));
      d.timestamp_us = I(At(jd, "timestamp_us"));
      auto key = std::make_pair(d.record, d.field_path);
      s.decisions_.emplace(std::move(key), std::move(d));
    }
    for (const auto& xv : Arr(At(o, "access"))) {
      const json::array& a = Arr(xv);
      if (a.size() != 11) throw Malformed{"access entry"};
      AccessEntry x;
      x.seq = U(a[0]);
      x.timestamp_us = I(a[1]);
      x.actor = S(a[2]);
      x.resource_kind = S(a[3]);
      x.resource_id = S(a[4]);
      x.action = S(a[5]);
      x.purpose = S(a[6]);
      x.allowed = B(a[7]);
      x.reason = S(a[8]);
      x.record = S(a[9]);
      x.project = S(a[10]);
      const size_t index = s.access_.size();
      if (!x.record.empty()) s.access_by_record_[x.record].push_back(index);
      s.access_by_actor_[x.actor].push_back(index);
      s.access_.push_back(std::move(x));
    }
  } catch (const Malformed& m) {
    return DataLossError("projection state: " + m.what);
  }
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
