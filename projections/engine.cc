#include "projections/engine.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cassert>
#include <charconv>
#include <chrono>
#include <cstring>
#include <deque>
#include <optional>
#include <thread>

#include "domain/domain_state.h"

namespace consilium::projections {
namespace {

namespace json = boost::json;

std::string Str(const flatbuffers::String* s) {
  return s == nullptr ? std::string() : s->str();
}

std::string ShortestDouble(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

const std::vector<size_t>& EmptyIndex() {
  static const auto* empty = new std::vector<size_t>();
  return *empty;
}

const schemas::RecordShape& EmptyShape() {
  static const auto* shape = new schemas::RecordShape(
      *schemas::RecordShape::Create(std::string(), {}));
  return *shape;
}

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

// ---- Value keys
// --------------------------------------------------------------

std::string ValueKey(const schemas::ExtractedValue& v) {
  switch (v.kind) {
    case schemas::ValueKind::kCategory:
    case schemas::ValueKind::kOrdinal:
      return v.category;
    case schemas::ValueKind::kCategorySet: {
      std::vector<std::string> sorted = v.categories;
      std::sort(sorted.begin(), sorted.end());
      std::string out = "{";
      for (size_t i = 0; i < sorted.size(); ++i) {
        if (i) out += ", ";
        out += sorted[i];
      }
      return out + "}";
    }
    case schemas::ValueKind::kNumber:
      return ShortestDouble(v.number);
    case schemas::ValueKind::kSpan:
      return "[" + std::to_string(v.span.start) + "," +
             std::to_string(v.span.end) + ")";
    case schemas::ValueKind::kRegion: {
      std::string out = v.region.image;
      if (v.region.frame) out += "@" + std::to_string(*v.region.frame);
      out += ":";
      if (v.region.is_box) {
        out += ShortestDouble(v.region.x) + "," + ShortestDouble(v.region.y) +
               "," + ShortestDouble(v.region.w) + "," +
               ShortestDouble(v.region.h);
      } else {
        for (size_t i = 0; i < v.region.polygon.size(); ++i) {
          if (i) out += " ";
          out += ShortestDouble(v.region.polygon[i].x) + "," +
                 ShortestDouble(v.region.polygon[i].y);
        }
      }
      return out;
    }
  }
  return {};
}

std::string ValueKeyOfJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return {};
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  if (v.is_number()) return ShortestDouble(v.to_number<double>());
  if (v.is_array()) {
    schemas::ExtractedValue set;
    set.kind = schemas::ValueKind::kCategorySet;
    for (const auto& e : v.get_array()) {
      if (!e.is_string()) return {};
      set.categories.emplace_back(e.get_string());
    }
    return ValueKey(set);
  }
  return {};
}

// ---- AnalyticsState
// ----------------------------------------------------------

namespace {

// Identity of extracted values for the state's value table: every field, and
// doubles by their bits (so 0 and -0, which serialize differently, stay
// apart), so two values share an entry only when they are identical.
uint64_t Bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

size_t ValueHash(const schemas::ExtractedValue& v) {
  size_t h = 0;
  auto mix = [&h](size_t x) {
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  };
  auto str = [&mix](std::string_view x) {
    mix(std::hash<std::string_view>()(x));
  };
  str(v.path);
  str(v.field_path);
  mix(static_cast<size_t>(v.metric) << 16 | static_cast<size_t>(v.layer) << 8 |
      static_cast<size_t>(v.kind));
  // Only the fields the kind fills are hashed (the others are defaults in
  // extracted values). Any subset of what SameValue compares keeps equal
  // values at equal hashes; SameValue still compares every field.
  switch (v.kind) {
    case schemas::ValueKind::kCategory:
    case schemas::ValueKind::kOrdinal:
      str(v.category);
      mix(Bits(v.number));
      break;
    case schemas::ValueKind::kCategorySet:
      mix(v.categories.size());
      for (const std::string& c : v.categories) str(c);
      break;
    case schemas::ValueKind::kNumber:
      mix(Bits(v.number));
      break;
    case schemas::ValueKind::kSpan:
      mix(static_cast<size_t>(v.span.start) << 32 | v.span.end);
      break;
    case schemas::ValueKind::kRegion:
      str(v.region.image);
      mix(v.region.frame ? *v.region.frame + 1ULL : 0);
      mix(v.region.is_box);
      for (double d : {v.region.x, v.region.y, v.region.w, v.region.h})
        mix(Bits(d));
      mix(v.region.polygon.size());
      for (const auto& pt : v.region.polygon) {
        mix(Bits(pt.x));
        mix(Bits(pt.y));
      }
      break;
  }
  return h;
}

bool SameValue(const schemas::ExtractedValue& a,
               const schemas::ExtractedValue& b) {
  auto same_points = [](const std::vector<schemas::Point>& x,
                        const std::vector<schemas::Point>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (Bits(x[i].x) != Bits(y[i].x) || Bits(x[i].y) != Bits(y[i].y))
        return false;
    }
    return true;
  };
  return a.path == b.path && a.field_path == b.field_path &&
         a.metric == b.metric && a.layer == b.layer && a.kind == b.kind &&
         a.category == b.category && a.categories == b.categories &&
         Bits(a.number) == Bits(b.number) && a.span == b.span &&
         a.region.image == b.region.image && a.region.frame == b.region.frame &&
         a.region.is_box == b.region.is_box &&
         Bits(a.region.x) == Bits(b.region.x) &&
         Bits(a.region.y) == Bits(b.region.y) &&
         Bits(a.region.w) == Bits(b.region.w) &&
         Bits(a.region.h) == Bits(b.region.h) &&
         same_points(a.region.polygon, b.region.polygon);
}

constexpr uint32_t kNoIndex = UINT32_MAX;
// Shape table entries: 0, not loaded; 1, the empty shape (content that is
// not a record document).
constexpr uint32_t kShapeNotLoaded = 0;
constexpr uint32_t kShapeEmpty = 1;

}  // namespace

const SchemaVersionInfo* AnalyticsState::FindSchema(std::string_view id,
                                                    uint32_t version) const {
  auto it = schemas_.find(std::make_pair(std::string(id), version));
  return it == schemas_.end() ? nullptr : &it->second;
}

const RecordInfo* AnalyticsState::FindRecord(std::string_view id) const {
  const uint32_t n = names_.Find(id);
  if (n == kNoIndex || n >= records_.size() || !records_[n].known) {
    return nullptr;
  }
  return &records_[n];
}

bool AnalyticsState::HasProject(std::string_view project) const {
  const uint32_t p = names_.Find(project);
  if (p == kNoIndex) return false;
  for (const RecordInfo& r : records_) {
    if (r.known && r.project == p) return true;
  }
  for (const AnnotationEntry& a : annotations_) {
    if (a.project == p) return true;
  }
  return false;
}

uint32_t AnalyticsState::RecentName(std::string_view s, size_t slot) {
  uint32_t& recent = recent_names_[slot];
  if (recent == kNoIndex || names_.Get(recent) != s)
    recent = names_.Intern(s).first;
  return recent;
}

RecordInfo& AnalyticsState::Record(uint32_t name) {
  if (name >= records_.size()) records_.resize(names_.size());
  return records_[name];
}

void AnalyticsState::Reserve(uint64_t events) {
  annotations_.reserve(events);
  value_refs_.reserve(events);
  annotation_ids_.Reserve(events);
}

const AnnotationEntry* AnalyticsState::FindAnnotation(std::string_view id,
                                                      uint32_t* index) const {
  const uint32_t i = annotation_ids_.Find(id);
  if (i == kNoIndex) return nullptr;
  if (index != nullptr) *index = i;
  return &annotations_[i];
}

std::vector<uint32_t> AnalyticsState::AnnotationsById() const {
  std::vector<uint32_t> out(annotations_.size());
  for (uint32_t i = 0; i < out.size(); ++i) out[i] = i;
  std::sort(out.begin(), out.end(), [this](uint32_t x, uint32_t y) {
    return annotation_ids_.Get(x) < annotation_ids_.Get(y);
  });
  return out;
}

std::vector<uint32_t> AnalyticsState::AnnotationsOnRecord(
    std::string_view record) const {
  std::vector<uint32_t> out;
  const uint32_t n = names_.Find(record);
  if (n == kNoIndex || n >= records_.size()) return out;
  for (uint32_t i = records_[n].first_annotation; i != kNoIndex;
       i = annotations_[i].next_on_record) {
    out.push_back(i);
  }
  return out;
}

std::vector<RevisionValues> AnalyticsState::revisions(
    const AnnotationEntry& a) const {
  std::vector<RevisionValues> out{a.latest};
  for (uint32_t i = a.prior; i != kNoIndex; i = prior_links_[i])
    out.push_back(prior_revisions_[i]);
  std::reverse(out.begin(), out.end());
  return out;
}

const std::vector<size_t>& AnalyticsState::AccessForRecord(
    std::string_view record) const {
  auto it = access_by_record_.find(record);
  return it == access_by_record_.end() ? EmptyIndex() : it->second;
}

const std::vector<size_t>& AnalyticsState::AccessByPrincipal(
    std::string_view principal) const {
  auto it = access_by_actor_.find(principal);
  return it == access_by_actor_.end() ? EmptyIndex() : it->second;
}

uint32_t AnalyticsState::InternShape(const fb::RecordImported& b) {
  const fb::Payload* content = b.content();
  if (content != nullptr &&
      content->encoding() == fb::PayloadEncoding::Sealed) {
    return kShapeNotLoaded;
  }
  if (shapes_.empty()) {
    shapes_.push_back(nullptr);
    shapes_.push_back(std::shared_ptr<const schemas::RecordShape>(
        &EmptyShape(), [](const schemas::RecordShape*) {}));
  }
  StatusOr<schemas::RecordShape> shape =
      schemas::RecordShape::FromJson(PlainPayload(content));
  if (!shape.ok()) return kShapeEmpty;
  // Validation reads a record's text only for its length in code points
  // (span bounds) and its images by name (schemas/annotation_validator.cc):
  // records agreeing on those share one shape, kept with a stand-in text of
  // that many ASCII characters, so the state does not hold record texts.
  std::string key = std::to_string(shape->text_length());
  for (const schemas::ImageShape& i : shape->images()) {
    key += '\0';
    key += i.name;
    key += '\0';
    key += std::to_string(i.width) + "x" + std::to_string(i.height) + "x" +
           std::to_string(i.frames);
  }
  auto [it, added] = shape_index_.emplace(
      std::move(key), static_cast<uint32_t>(shapes_.size()));
  if (added) {
    StatusOr<schemas::RecordShape> stand_in = schemas::RecordShape::Create(
        std::string(shape->text_length(), 'x'), shape->images());
    // Invariant: the images were valid in `shape`, and ASCII is valid UTF-8.
    assert(stand_in.ok());
    shapes_.push_back(
        std::make_shared<const schemas::RecordShape>(std::move(*stand_in)));
  }
  return it->second;
}

const schemas::RecordShape* AnalyticsState::ShapeOf(uint32_t record,
                                                    const Ledger* ledger) {
  if (record == kNoIndex || record >= records_.size()) return nullptr;
  RecordInfo& r = records_[record];
  if (!r.known) return nullptr;
  if (r.shape == kShapeNotLoaded && !r.sealed && ledger != nullptr) {
    // Resumed from a checkpoint (which holds no record content): read the
    // RecordImported event back. A failure leaves the shape empty, exactly
    // as content that is not a record document would.
    StatusOr<StoredEvent> e = ledger->Get(r.seq);
    if (e.ok() && e->event()->body_type() == fb::EventBody::RecordImported) {
      const uint32_t shape = InternShape(*e->event()->body_as_RecordImported());
      records_[record].shape = shape;  // InternShape does not move records_
    }
  }
  const uint32_t shape = records_[record].shape;
  return shape == kShapeNotLoaded ? nullptr : shapes_[shape].get();
}

template <typename V>
uint32_t AnalyticsState::InternValue(V&& v) {
  // Open addressing over value numbers; at most half full.
  if ((values_.size() + 1) * 2 > value_slots_.size()) {
    std::vector<uint32_t> slots(std::max<size_t>(64, value_slots_.size() * 2),
                                kNoIndex);
    for (uint32_t id = 0; id < values_.size(); ++id) {
      size_t i = value_hashes_[id] & (slots.size() - 1);
      while (slots[i] != kNoIndex) i = (i + 1) & (slots.size() - 1);
      slots[i] = id;
    }
    value_slots_ = std::move(slots);
  }
  const size_t hash = ValueHash(v);
  size_t i = hash & (value_slots_.size() - 1);
  while (value_slots_[i] != kNoIndex) {
    const uint32_t id = value_slots_[i];
    if (value_hashes_[id] == hash && SameValue(values_[id], v)) return id;
    i = (i + 1) & (value_slots_.size() - 1);
  }
  const uint32_t id = static_cast<uint32_t>(values_.size());
  values_.push_back(std::forward<V>(v));
  value_hashes_.push_back(hash);
  value_slots_[i] = id;
  return id;
}

RevisionValues AnalyticsState::AddValues(
    std::vector<schemas::ExtractedValue>&& values) {
  RevisionValues r;
  r.extracted = true;
  r.values_begin = static_cast<uint32_t>(value_refs_.size());
  r.values_count = static_cast<uint32_t>(values.size());
  for (schemas::ExtractedValue& v : values)
    value_refs_.push_back(InternValue(std::move(v)));
  return r;
}

RevisionValues AnalyticsState::AddValues(
    const std::vector<schemas::ExtractedValue>& values) {
  RevisionValues r;
  r.extracted = true;
  r.values_begin = static_cast<uint32_t>(value_refs_.size());
  r.values_count = static_cast<uint32_t>(values.size());
  // Most values repeat ones already in the table; only new ones are copied.
  for (const schemas::ExtractedValue& v : values)
    value_refs_.push_back(InternValue(v));
  return r;
}

namespace {

// ExtractAnnotationValues on the schema version (its descriptive view for a
// model), or nullopt when the version is unknown or the values invalid.
std::optional<std::vector<schemas::ExtractedValue>> ExtractWith(
    const SchemaVersionInfo* schema, const schemas::RecordShape* shape,
    bool by_model, std::string_view id, std::string_view values) {
  if (schema == nullptr) return std::nullopt;
  const schemas::TaskSchema* task = schema->schema.get();
  if (by_model) {
    if (schema->descriptive == nullptr) return std::nullopt;
    task = schema->descriptive.get();
  }
  StatusOr<schemas::ExtractedValues> ev = schemas::ExtractAnnotationValues(
      *task, shape ? *shape : EmptyShape(), id, values);
  if (!ev.ok()) return std::nullopt;
  return std::move(ev->values);
}

}  // namespace

RevisionValues AnalyticsState::Extract(uint32_t record,
                                       std::string_view schema_id,
                                       uint32_t version, bool by_model,
                                       std::string_view id,
                                       std::string_view values,
                                       const Ledger* ledger) {
  const SchemaVersionInfo* schema = FindSchema(schema_id, version);
  if (schema == nullptr) return RevisionValues{};
  const schemas::TaskSchema* task = schema->schema.get();
  if (by_model) {
    if (schema->descriptive == nullptr) return RevisionValues{};
    task = schema->descriptive.get();
  }
  // One extraction buffer per thread, reused from annotation to annotation:
  // its entries keep their strings' capacity, so extracting allocates only
  // when an annotation has more values than any before it, and AddValues
  // copies only values the table has not seen.
  thread_local schemas::ExtractedValues scratch;
  const schemas::RecordShape* shape = ShapeOf(record, ledger);
  if (!schemas::ExtractAnnotationValuesInto(
           *task, shape ? *shape : EmptyShape(), id, values, &scratch)
           .ok()) {
    return RevisionValues{};
  }
  return AddValues(scratch.values);
}

void AnalyticsState::AddAnnotation(uint32_t index, const AnnotationEntry& a) {
  // Invariant: ids are interned only just before their annotation is added,
  // once per annotation, so an id's number is its index in annotations_.
  assert(index == annotations_.size());
  RecordInfo& r = Record(a.record);
  if (r.last_annotation == kNoIndex) {
    r.first_annotation = index;
  } else {
    annotations_[r.last_annotation].next_on_record = index;
  }
  r.last_annotation = index;
  annotations_.push_back(a);
}

void AnalyticsState::Apply(const StoredEvent& event, const Ledger* ledger) {
  const fb::Event* e = event.event();
  Apply(event.seq, TimestampOf(*e), *e, ledger);
}

void AnalyticsState::Apply(uint64_t seq, int64_t timestamp_us,
                           const fb::Event& e, const Ledger* ledger) {
  if (seq <= last_seq_) return;
  last_seq_ = seq;
  last_timestamp_us_ = timestamp_us;
  switch (e.body_type()) {
    case fb::EventBody::PrincipalRegistered: {
      const auto* b = e.body_as_PrincipalRegistered();
      std::string id = Str(b->principal_id());
      if (principals_.count(id)) return;  // first definition wins
      principals_.emplace(std::move(id),
                          PrincipalInfo{b->kind() == fb::PrincipalKind::Model,
                                        Str(b->pseudonym())});
      return;
    }
    case fb::EventBody::SchemaPublished: {
      const auto* b = e.body_as_SchemaPublished();
      std::string_view definition = View(b->definition());
      StatusOr<schemas::TaskSchema> parsed =
          schemas::TaskSchema::Parse(definition);
      if (!parsed.ok() || parsed->id() != View(b->schema_id()) ||
          parsed->version() != static_cast<int64_t>(b->version())) {
        return;
      }
      auto key = std::make_pair(parsed->id(), b->version());
      if (schemas_.count(key)) return;
      SchemaVersionInfo info;
      info.definition = std::string(definition);
      info.seq = seq;
      info.schema =
          std::make_shared<const schemas::TaskSchema>(std::move(*parsed));
      info.descriptive = domain::DescriptiveView(*info.schema, definition);
      schemas_.emplace(std::move(key), std::move(info));
      return;
    }
    case fb::EventBody::RecordImported: {
      const auto* b = e.body_as_RecordImported();
      const uint32_t id = names_.Intern(View(b->record_id())).first;
      const uint32_t project = RecentName(View(b->project_id()), 0);
      RecordInfo& r = Record(id);
      if (r.known) return;
      r.known = true;
      r.project = project;
      r.seq = seq;
      r.sealed = b->content() != nullptr &&
                 b->content()->encoding() == fb::PayloadEncoding::Sealed;
      const uint32_t shape = InternShape(*b);
      records_[id].shape = shape;
      return;
    }
    case fb::EventBody::CalibrationBatchCreated: {
      const auto* b = e.body_as_CalibrationBatchCreated();
      auto key = std::make_pair(Str(b->project_id()), Str(b->batch_id()));
      if (batches_.count(key)) return;
      std::vector<std::string> ids;
      if (b->record_ids() != nullptr) {
        for (const auto* r : *b->record_ids()) ids.push_back(Str(r));
      }
      batches_.emplace(std::move(key), std::move(ids));
      return;
    }
    case fb::EventBody::AnnotationSubmitted: {
      const auto* b = e.body_as_AnnotationSubmitted();
      const std::string_view id = View(b->annotation_id());
      const auto [index, added] = annotation_ids_.Intern(id);
      if (!added) return;  // the first submission wins
      AnnotationEntry a;
      a.project = RecentName(View(b->project_id()), 0);
      a.record = names_.Intern(View(b->record_id())).first;
      a.annotator = RecentName(View(b->annotator_id()), 1);
      a.schema_id = RecentName(View(b->schema_id()), 2);
      a.schema_version = b->schema_version();
      auto p = principals_.find(View(b->annotator_id()));
      a.by_model = p != principals_.end() && p->second.model;
      a.latest = Extract(a.record, View(b->schema_id()), a.schema_version,
                         a.by_model, id, PlainPayload(b->values()), ledger);
      a.latest.revision = b->revision();
      a.latest.seq = seq;
      a.latest.timestamp_us = timestamp_us;
      AddAnnotation(index, a);
      return;
    }
    case fb::EventBody::AnnotationRevised: {
      const auto* b = e.body_as_AnnotationRevised();
      uint32_t index = 0;
      if (FindAnnotation(View(b->annotation_id()), &index) == nullptr) return;
      // Stale or out-of-order revisions (raw appends only) change nothing,
      // as in DomainState.
      {
        const AnnotationEntry& a = annotations_[index];
        if (a.withdrawn || b->expected_revision() != a.latest.revision ||
            b->new_revision() != a.latest.revision + 1) {
          return;
        }
      }
      const AnnotationEntry copy = annotations_[index];
      RevisionValues rev = Extract(
          copy.record, name(copy.schema_id), copy.schema_version, copy.by_model,
          View(b->annotation_id()), PlainPayload(b->values()), ledger);
      rev.revision = b->new_revision();
      rev.seq = seq;
      rev.timestamp_us = timestamp_us;
      AnnotationEntry& a = annotations_[index];
      prior_revisions_.push_back(a.latest);
      prior_links_.push_back(a.prior);
      a.prior = static_cast<uint32_t>(prior_revisions_.size() - 1);
      a.latest = rev;
      return;
    }
    case fb::EventBody::AnnotationWithdrawn: {
      const auto* b = e.body_as_AnnotationWithdrawn();
      uint32_t index = 0;
      if (FindAnnotation(View(b->annotation_id()), &index) == nullptr) return;
      AnnotationEntry& a = annotations_[index];
      if (a.withdrawn || b->expected_revision() != a.latest.revision) return;
      a.withdrawn = true;
      a.withdrawn_seq = seq;
      return;
    }
    case fb::EventBody::GoldAnswerRecorded: {
      const auto* b = e.body_as_GoldAnswerRecorded();
      GoldAnswer g;
      g.project = Str(b->project_id());
      g.record = Str(b->record_id());
      g.schema_id = Str(b->schema_id());
      g.schema_version = b->schema_version();
      g.seq = seq;
      std::optional<std::vector<schemas::ExtractedValue>> ev =
          ExtractWith(FindSchema(g.schema_id, g.schema_version),
                      ShapeOf(names_.Find(g.record), ledger), false,
                      "gold:" + g.record, PlainPayload(b->values()));
      g.extracted = ev.has_value();
      if (ev) g.values = std::move(*ev);
      auto key = std::make_pair(
          g.record, g.schema_id + "@" + std::to_string(g.schema_version));
      gold_[key] = std::move(g);  // the latest gold answer is current
      return;
    }
    case fb::EventBody::AdjudicationDecided: {
      const auto* b = e.body_as_AdjudicationDecided();
      if (b->outcome() != fb::AdjudicationOutcome::Decided &&
          b->outcome() != fb::AdjudicationOutcome::Ambiguous) {
        return;
      }
      AdjudicationDecision d;
      d.project = Str(b->project_id());
      d.record = Str(b->record_id());
      d.field_path = Str(b->field_path());
      d.outcome = b->outcome();
      if (d.outcome == fb::AdjudicationOutcome::Decided) {
        d.value_json = std::string(PlainPayload(b->value()));
        d.value_key = ValueKeyOfJson(d.value_json);
      }
      d.rationale = Str(b->rationale());
      if (b->cited_annotation_ids() != nullptr) {
        for (const auto* id : *b->cited_annotation_ids())
          d.cited_annotation_ids.push_back(Str(id));
      }
      d.adjudicator = Str(e.actor());
      d.seq = seq;
      d.timestamp_us = timestamp_us;
      auto key = std::make_pair(d.record, d.field_path);
      decisions_[key] = std::move(d);  // the latest decision is current
      return;
    }
    case fb::EventBody::AccessRecorded: {
      const auto* b = e.body_as_AccessRecorded();
      AccessEntry a;
      a.seq = seq;
      a.timestamp_us = timestamp_us;
      a.actor = Str(e.actor());
      a.resource_kind = Str(b->resource_kind());
      a.resource_id = Str(b->resource_id());
      a.action = Str(b->action());
      a.purpose = Str(b->purpose());
      a.allowed = b->allowed();
      a.reason = Str(b->reason());
      a.record = Str(b->record_id());
      a.project = Str(b->project_id());
      const size_t index = access_.size();
      if (!a.record.empty()) access_by_record_[a.record].push_back(index);
      access_by_actor_[a.actor].push_back(index);
      access_.push_back(std::move(a));
      return;
    }
    default:
      return;
  }
}

std::string AnalyticsState::Serialize() const {
  json::object o;
  o["format"] = kStateFormat;
  o["last_seq"] = last_seq_;
  o["last_timestamp_us"] = last_timestamp_us_;
  json::array principals;
  for (const auto& [id, p] : principals_)
    principals.push_back(
        json::array{json::string(id), p.model, json::string(p.pseudonym)});
  o["principals"] = std::move(principals);
  json::array schemas;
  for (const auto& [key, s] : schemas_)
    schemas.push_back(json::array{json::string(key.first), key.second, s.seq,
                                  json::string(s.definition)});
  o["schemas"] = std::move(schemas);
  // Records, and annotations by record, in record id order.
  std::vector<uint32_t> record_names;
  for (uint32_t n = 0; n < records_.size(); ++n) {
    if (records_[n].known || records_[n].first_annotation != kNoIndex)
      record_names.push_back(n);
  }
  std::sort(record_names.begin(), record_names.end(),
            [this](uint32_t x, uint32_t y) { return name(x) < name(y); });
  json::array records;
  for (uint32_t n : record_names) {
    const RecordInfo& r = records_[n];
    if (!r.known) continue;
    records.push_back(json::array{
        json::string(name(n)), json::string(name(r.project)), r.seq, r.sealed});
  }
  o["records"] = std::move(records);
  json::array batches;
  for (const auto& [key, ids] : batches_)
    batches.push_back(json::array{
        json::string(key.first), json::string(key.second), StringsToJson(ids)});
  o["batches"] = std::move(batches);
  // Annotations in submission order per record, which also fixes the order
  // AnnotationsOnRecord reports after a resume.
  json::array annotations;
  for (uint32_t n : record_names) {
    for (uint32_t i = records_[n].first_annotation; i != kNoIndex;
         i = annotations_[i].next_on_record) {
      const AnnotationEntry& a = annotations_[i];
      json::object ja;
      ja["id"] = annotation_id(i);
      ja["project"] = name(a.project);
      ja["record"] = name(a.record);
      ja["annotator"] = name(a.annotator);
      ja["schema_id"] = name(a.schema_id);
      ja["schema_version"] = a.schema_version;
      ja["by_model"] = a.by_model;
      ja["withdrawn"] = a.withdrawn;
      ja["withdrawn_seq"] = a.withdrawn_seq;
      json::array revs;
      for (const RevisionValues& r : revisions(a)) {
        json::object jr;
        jr["revision"] = r.revision;
        jr["seq"] = r.seq;
        jr["timestamp_us"] = r.timestamp_us;
        jr["extracted"] = r.extracted;
        json::array vals;
        for (const schemas::ExtractedValue& v : values(r))
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
  for (const auto& [key, g] : gold_) {
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
  for (const auto& [key, d] : decisions_) {
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
  for (const AccessEntry& a : access_) {
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

StatusOr<AnalyticsState> AnalyticsState::Deserialize(std::string_view bytes) {
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

// ---- As-of
// -------------------------------------------------------------------

namespace {

// Events handed from the reading thread to the applying one: bytes back to
// back, each starting at a multiple of kEventAlign (FlatBuffers reads scalars
// in place; the verifier checked them at an aligned address too).
struct EventBatch {
  static constexpr size_t kEvents = 512;
  static constexpr size_t kEventAlign = 16;
  std::string bytes;
  std::vector<std::pair<uint64_t, size_t>> events;  // (seq, offset)
  void Clear() {
    bytes.clear();
    events.clear();
  }
  void Add(const StoredEvent& e) {
    const size_t offset =
        (bytes.size() + kEventAlign - 1) / kEventAlign * kEventAlign;
    bytes.resize(offset);
    bytes.append(e.bytes);
    events.emplace_back(e.seq, offset);
  }
};

// Below this many events a catch-up applies in the scanning thread; above,
// the pipeline's thread start is negligible.
constexpr uint64_t kPipelineMinEvents = 4096;

// Applies events from `from` on (at most `limit`; 0: to the head) to `state`,
// in order. Ledger::Scan (read, copy, verify; no hashes) runs on the calling
// thread and a thread of its own applies, batches of EventBatch::kEvents
// passing between them (a pool of kDepth + 2 batches), so a rebuild on
// two cores costs about the larger of the two rather than their sum. The
// result and the state are exactly those of applying in the scan callback.
// Reading stays on the calling thread so that what RocksDB allocates while
// scanning (block cache entries) comes from the same malloc arena as any other
// scan's, while the state, long-lived, is allocated by the applying thread.
Status ScanAndApply(const Ledger& ledger, uint64_t from, uint64_t limit,
                    AnalyticsState& state, const Ledger* shapes) {
  const uint64_t head = ledger.head().seq;
  const uint64_t last = limit == 0 ? head : std::min(head, from + limit - 1);
  if (last < from || last - from + 1 < kPipelineMinEvents) {
    return ledger.Scan(
        from, limit,
        [&](const StoredEvent& e) {
          state.Apply(e, shapes);
          return true;
        },
        /*with_hashes=*/false);
  }
  constexpr size_t kDepth = 4;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::unique_ptr<EventBatch>> full, empty;
  bool done = false;
  for (size_t i = 0; i < kDepth + 2; ++i)
    empty.push_back(std::make_unique<EventBatch>());

  // The applying thread: takes full batches in order until the reader is
  // done and nothing is left.
  std::thread applier([&] {
    for (;;) {
      std::unique_ptr<EventBatch> batch;
      {
        std::unique_lock l(mu);
        cv.wait(l, [&] { return !full.empty() || done; });
        if (full.empty()) return;
        batch = std::move(full.front());
        full.pop_front();
      }
      for (const auto& [seq, offset] : batch->events) {
        const fb::Event* e =
            EventView(std::string_view(batch->bytes).substr(offset));
        state.Apply(seq, TimestampOf(*e), *e, shapes);
      }
      batch->Clear();
      std::lock_guard l(mu);
      empty.push_back(std::move(batch));
      cv.notify_all();
    }
  });

  // The reading (calling) thread.
  std::unique_ptr<EventBatch> batch;
  auto hand_over = [&] {
    std::unique_lock l(mu);
    full.push_back(std::move(batch));
    cv.notify_all();
    // The applying thread returns every batch it takes, so this wait ends.
    cv.wait(l, [&] { return !empty.empty(); });
    batch = std::move(empty.front());
    empty.pop_front();
    return true;
  };
  batch = std::move(empty.front());
  empty.pop_front();
  Status scan_status = ledger.Scan(
      from, last - from + 1,
      [&](const StoredEvent& e) {
        batch->Add(e);
        return batch->events.size() < EventBatch::kEvents || hand_over();
      },
      /*with_hashes=*/false);
  {
    std::lock_guard l(mu);
    if (!batch->events.empty()) full.push_back(std::move(batch));
    done = true;
    cv.notify_all();
  }
  applier.join();
  return scan_status;
}

}  // namespace

StatusOr<AnalyticsState> BuildStateAsOf(const Ledger& ledger, uint64_t seq) {
  AnalyticsState s;
  if (seq == 0) return s;
  s.Reserve(std::min(seq, ledger.head().seq));
  RETURN_IF_ERROR(ScanAndApply(ledger, 1, seq, s, &ledger));
  return s;
}

StatusOr<uint64_t> SeqAtTime(const Ledger& ledger, int64_t time_us) {
  // Invariant: events 1..lo have timestamps <= time_us; events hi+1.. have
  // timestamps > time_us. Timestamps never decrease (docs/storage.md).
  uint64_t lo = 0, hi = ledger.head().seq;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    ASSIGN_OR_RETURN(StoredEvent e, ledger.Get(mid));
    if (TimestampOf(*e.event()) <= time_us) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

// ---- ProjectionEngine
// --------------------------------------------------------

StatusOr<std::unique_ptr<ProjectionEngine>> ProjectionEngine::Open(
    Ledger* ledger, EngineOptions options) {
  std::unique_ptr<ProjectionEngine> engine(
      new ProjectionEngine(ledger, std::move(options)));
  ASSIGN_OR_RETURN(auto checkpoint,
                   ledger->GetProjectionCheckpoint(engine->options_.name));
  if (checkpoint && checkpoint->first <= ledger->head().seq) {
    StatusOr<AnalyticsState> s =
        AnalyticsState::Deserialize(checkpoint->second);
    // A checkpoint is derived data: one this build cannot read, or whose
    // claimed sequence number disagrees with its contents, is rebuilt.
    if (s.ok() && s->last_seq() == checkpoint->first) {
      engine->state_ = std::move(*s);
      engine->resumed_ = true;
    }
  }
  RETURN_IF_ERROR(engine->CatchUp());
  return engine;
}

ProjectionEngine::~ProjectionEngine() { StopLive(); }

Status ProjectionEngine::CatchUp() {
  std::lock_guard l(mu_);
  Status s = ScanAndApply(*ledger_, state_.last_seq() + 1, 0, state_, ledger_);
  applied_cv_.notify_all();
  return s;
}

Status ProjectionEngine::Rebuild() {
  {
    std::lock_guard l(mu_);
    state_ = AnalyticsState();
  }
  return CatchUp();
}

Status ProjectionEngine::Checkpoint() {
  std::string bytes;
  uint64_t seq = 0;
  {
    std::lock_guard l(mu_);
    bytes = state_.Serialize();
    seq = state_.last_seq();
    since_checkpoint_ = 0;
  }
  return ledger_->PutProjectionCheckpoint(options_.name, seq, bytes);
}

void ProjectionEngine::ApplyLive(const StoredEvent& event) {
  bool checkpoint = false;
  {
    std::lock_guard l(mu_);
    state_.Apply(event, ledger_);
    ++since_checkpoint_;
    checkpoint = options_.checkpoint_every_events != 0 &&
                 since_checkpoint_ >= options_.checkpoint_every_events;
  }
  applied_cv_.notify_all();
  if (checkpoint) {
    Status s = Checkpoint();
    std::lock_guard l(mu_);
    if (!s.ok() && live_status_.ok()) live_status_ = s;
  }
}

void ProjectionEngine::StartLive() {
  if (subscription_ != nullptr) return;
  subscription_ = ledger_->Subscribe(
      seq() + 1, [this](const StoredEvent& e) { ApplyLive(e); });
}

void ProjectionEngine::StopLive() { subscription_.reset(); }

bool ProjectionEngine::WaitForSeq(uint64_t seq, int64_t timeout_ms) const {
  std::unique_lock l(mu_);
  return applied_cv_.wait_for(l, std::chrono::milliseconds(timeout_ms),
                              [&] { return state_.last_seq() >= seq; });
}

void ProjectionEngine::Read(
    const std::function<void(const AnalyticsState&)>& reader) const {
  std::lock_guard l(mu_);
  reader(state_);
}

uint64_t ProjectionEngine::seq() const {
  std::lock_guard l(mu_);
  return state_.last_seq();
}

Status ProjectionEngine::live_status() const {
  std::lock_guard l(mu_);
  return live_status_;
}

}  // namespace consilium::projections
