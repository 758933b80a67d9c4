#include "schemas/annotation_validator.h"

#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>
#include <cassert>
#include <cmath>
#include <string>
#include <utility>

#include "schemas/internal/json_tape.h"
#include "schemas/internal/strict_json.h"

namespace consilium::schemas {

namespace json = boost::json;

namespace {

// JSON nesting allowed in values: each list or group level costs at most two
// (array + object), regions three (object, points array, point array).
constexpr size_t kMaxValuesDepth = 2 * kMaxFieldDepth + 6;
constexpr size_t kMaxPolygonPoints = 10000;
// Multi-selections up to this size are checked for repeats pairwise.
constexpr size_t kPairwiseLimit = 32;

std::string_view Sv(const json::string& s) { return {s.data(), s.size()}; }
std::string_view Sv(std::string_view s) { return s; }

// The walk reads the values from a JsonTape (one pass, no Boost.JSON DOM);
// the record reader below still uses Boost.JSON.
using Value = internal::JsonValue;
using Object = internal::JsonObject;
using Array = internal::JsonArray;

std::string Quoted(std::string_view s) {
  std::string out;
  internal::AppendQuoted(out, s);
  return out;
}

using internal::AsFiniteNumber;

// A JSON integer in [0, UINT32_MAX], or nullopt.
template <typename V>
std::optional<uint32_t> AsUint32(const V& v) {
  if (v.is_int64()) {
    const int64_t i = v.get_int64();
    if (i < 0 || i > int64_t{UINT32_MAX}) return std::nullopt;
    return static_cast<uint32_t>(i);
  }
  if (v.is_uint64()) {
    const uint64_t u = v.get_uint64();
    if (u > UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(u);
  }
  return std::nullopt;
}

// Code points in a string Boost.JSON already checked to be valid UTF-8:
// every byte that is not a continuation byte starts one.
size_t CountValidUtf8(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string FormatPoint(double x, double y) {
  return "(" + internal::FormatNumber(x) + ", " + internal::FormatNumber(y) +
         ")";
}

// One walk over the values document: validates, and optionally collects all
// errors and/or extracts. The path of the value being looked at is kept as a
// stack of (name | index) frames and rendered only when an error is reported,
// so the success path builds no strings.
class Walker {
 public:
  Walker(const TaskSchema& schema, const RecordShape& record,
         std::string_view annotation_id)
      : schema_(schema), record_(record), annotation_id_(annotation_id) {}

  // Collect every error (up to max) instead of stopping at the first.
  void CollectInto(std::vector<AnnotationError>* all, size_t max) {
    all_ = all;
    max_errors_ = max;
  }
  void ExtractInto(ExtractedValues* out) {
    out_ = out;
    emitted_ = 0;
  }
  // Drops the entries of out_->values beyond those this walk emitted.
  void TrimExtracted() {
    if (out_ != nullptr && out_->values.size() > emitted_) {
      out_->values.erase(out_->values.begin() + emitted_, out_->values.end());
    }
  }

  void Run(std::string_view values_json) {
    // One tape per thread, reused: its buffers keep their capacity (that of
    // the largest values this thread has read, at most about the 1 MiB event
    // limit), so a steady stream of validations allocates nothing. A walk
    // never starts another on the same thread.
    thread_local internal::JsonTape tape;
    Status s = internal::ParseStrictTape(values_json, kMaxValuesDepth, tape);
    const Value& doc = tape.root();
    if (!s.ok()) {
      Fail(s.message());
      return;
    }
    if (!doc.is_object()) {
      Fail("expected a JSON object");
      return;
    }
    WalkObject(doc.get_object(), schema_.fields());
  }

  bool failed() const { return failed_; }
  const Status& first() const { return first_; }

 private:
  struct Frame {
    std::string_view name;  // empty: a list index
    size_t index = 0;
  };

  // Pushes a path frame for the lifetime of the guard.
  class Push {
   public:
    Push(Walker* w, Frame f) : w_(w) {
      // Invariant: depth is bounded by kMaxValuesDepth via the parser's
      // max_depth, and the stack has room for that.
      assert(w_->depth_ < kMaxFrames);
      w_->stack_[w_->depth_++] = f;
    }
    ~Push() { --w_->depth_; }
    Push(const Push&) = delete;
    Push& operator=(const Push&) = delete;

   private:
    Walker* w_;
  };

  std::string RenderPath() const {
    std::string p;
    RenderPathInto(p);
    return p;
  }

  // Renders the current path into `p` (cleared first), reusing its capacity.
  void RenderPathInto(std::string& p) const {
    p.clear();
    if (depth_ == 0) {
      p = "values";
      return;
    }
    for (int i = 0; i < depth_; ++i) {
      const Frame& f = stack_[i];
      if (f.name.empty()) {
        p += '[';
        p += std::to_string(f.index);
        p += ']';
      } else {
        if (!p.empty()) p += '.';
        p += f.name;
      }
    }
  }

  // Records an error at the current path. Returns true when the walk should
  // go on (collecting), false when it should stop.
  bool Fail(std::string_view rule) {
    std::string path = RenderPath();
    std::string message = "annotation ";
    message += annotation_id_;
    message += ": ";
    message += path;
    message += ": ";
    message += rule;
    if (!failed_) {
      failed_ = true;
      first_ = InvalidArgumentError(message);
    }
    if (all_ == nullptr) {
      stop_ = true;
      return false;
    }
    if (all_->size() < max_errors_) {
      all_->push_back({std::move(path), std::string(rule), std::move(message)});
    }
    if (all_->size() >= max_errors_) stop_ = true;
    return !stop_;
  }

  std::string SchemaRef() const { return schema_.Ref(); }

  // The next extracted value, reset to defaults. Entries already in
  // out_->values (from an earlier extraction into the same output) are
  // reused in place, so their strings and vectors keep their capacity and
  // a steady stream of extractions allocates nothing.
  ExtractedValue* Emit(const Field& f, ValueKind kind) {
    if (out_ == nullptr || f.metric == Metric::kNone || failed_) {
      return nullptr;
    }
    std::vector<ExtractedValue>& values = out_->values;
    ExtractedValue* ev;
    if (emitted_ < values.size()) {
      ev = &values[emitted_];
      ev->category.clear();
      // A set's categories are overwritten in place by WalkMulti, keeping
      // their strings' capacity.
      if (kind != ValueKind::kCategorySet) ev->categories.clear();
      ev->number = 0;
      ev->span = {};
      ev->region.image.clear();
      ev->region.frame.reset();
      ev->region.is_box = true;
      ev->region.x = ev->region.y = ev->region.w = ev->region.h = 0;
      ev->region.polygon.clear();
    } else {
      ev = &values.emplace_back();
    }
    ++emitted_;
    RenderPathInto(ev->path);
    ev->field_path = f.path;
    ev->metric = f.metric;
    ev->layer = f.layer;
    ev->kind = kind;
    return ev;
  }

  void WalkObject(const Object& o, const std::vector<Field>& fields) {
    size_t required_seen = 0;
    for (const auto& kv : o) {
      if (stop_) return;
      const std::string_view key(kv.key().data(), kv.key().size());
      const Field* field = nullptr;
      for (const Field& f : fields) {
        if (f.name == key) {
          field = &f;
          break;
        }
      }
      Push push(this, {key.empty() ? std::string_view("\"\"") : key, 0});
      if (field == nullptr) {
        Fail("not a field of " + SchemaRef());
        continue;
      }
      if (field->required) ++required_seen;
      WalkValue(kv.value(), *field);
    }
    if (stop_) return;
    size_t required_total = 0;
    for (const Field& f : fields) required_total += f.required;
    // Keys are unique (the parser rejects duplicates), so equal counts mean
    // every required field is present.
    if (required_seen == required_total) return;
    for (const Field& f : fields) {
      if (f.required && !o.contains(f.name)) {
        Push push(this, {f.name, 0});
        if (!Fail("required by " + SchemaRef())) return;
      }
    }
  }

  void WalkValue(const Value& v, const Field& f) {
    if (v.is_null()) {
      Fail(f.required ? "required by " + SchemaRef()
                      : std::string("null is not a value; omit the field"));
      return;
    }
    switch (f.type) {
      case FieldType::kCategorical:
        if (!v.is_string()) {
          Fail("expected a string");
          return;
        }
        if (CheckCategory(Sv(v.get_string()), f)) {
          if (ExtractedValue* ev = Emit(f, ValueKind::kCategory)) {
            ev->category = Sv(v.get_string());
          }
        }
        return;
      case FieldType::kMultiCategorical:
        WalkMulti(v, f);
        return;
      case FieldType::kOrdinal:
        WalkLevel(v, f);
        return;
      case FieldType::kNumeric:
        WalkNumeric(v, f);
        return;
      case FieldType::kBoolean:
        if (!v.is_bool()) {
          Fail("expected true or false");
          return;
        }
        if (ExtractedValue* ev = Emit(f, ValueKind::kCategory)) {
          ev->category = v.get_bool() ? "true" : "false";
        }
        return;
      case FieldType::kText:
        WalkText(v, f);
        return;
      case FieldType::kList:
        WalkList(v, f);
        return;
      case FieldType::kGroup:
        if (!v.is_object()) {
          Fail("expected an object");
          return;
        }
        WalkObject(v.get_object(), f.fields);
        return;
      case FieldType::kTextSpan:
        WalkSpan(v, f);
        return;
      case FieldType::kImageRegion:
        WalkRegion(v, f);
        return;
      case FieldType::kConfidence:
        if (f.scale == ConfidenceScale::kOrdinal) {
          WalkLevel(v, f);
          return;
        }
        {
          std::optional<double> p = AsFiniteNumber(v);
          if (!p || *p < 0 || *p > 1) {
            Fail("expected a probability in [0, 1]");
            return;
          }
          if (ExtractedValue* ev = Emit(f, ValueKind::kNumber)) {
            ev->number = *p;
          }
        }
        return;
    }
  }

  // True when `code` is acceptable for `f`; reports the error otherwise.
  bool CheckCategory(std::string_view code, const Field& f) {
    if (f.FindCategory(code) >= 0) return true;
    if (f.open) {
      if (f.code_system == CodeSystem::kIcd10) {
        if (IsValidIcd10Code(code)) return true;
        Fail(Quoted(code) + " is not a valid ICD-10 code");
        return false;
      }
      if (f.code_system == CodeSystem::kSnomedCt) {
        if (IsValidSnomedCtConceptId(code)) return true;
        Fail(Quoted(code) + " is not a valid SNOMED CT concept id");
        return false;
      }
    }
    Fail(Quoted(code) + " is not a category of " + SchemaRef());
    return false;
  }

  void WalkMulti(const Value& v, const Field& f) {
    if (!v.is_array()) {
      Fail("expected an array of categories");
      return;
    }
    const Array& a = v.get_array();
    if (!CheckCount(a.size(), f, "selected")) return;
    bool ok = true;
    for (size_t i = 0; i < a.size() && !stop_; ++i) {
      Push push(this, {{}, i});
      if (!a[i].is_string()) {
        ok = false;
        Fail("expected a string");
        continue;
      }
      const std::string_view code = Sv(a[i].get_string());
      if (!CheckCategory(code, f)) {
        ok = false;
        continue;
      }
      // Pairwise for small sets; large ones (open lists without max_items
      // can hold anything the document holds) are checked once, sorted,
      // after the loop.
      if (a.size() > kPairwiseLimit) continue;
      for (size_t j = 0; j < i; ++j) {
        if (a[j].is_string() && Sv(a[j].get_string()) == code) {
          ok = false;
          Fail("duplicate selection " + Quoted(code));
          break;
        }
      }
    }
    if (ok && !stop_ && a.size() > kPairwiseLimit) {
      std::vector<std::string_view> sorted;
      sorted.reserve(a.size());
      for (const Value& c : a) sorted.push_back(Sv(c.get_string()));
      std::sort(sorted.begin(), sorted.end());
      auto dup = std::adjacent_find(sorted.begin(), sorted.end());
      if (dup != sorted.end()) {
        Fail("duplicate selection " + Quoted(*dup));
        return;
      }
    }
    if (!ok) return;
    if (ExtractedValue* ev = Emit(f, ValueKind::kCategorySet)) {
      ev->categories.resize(a.size());
      for (size_t i = 0; i < a.size(); ++i)
        ev->categories[i] = Sv(a[i].get_string());
      std::sort(ev->categories.begin(), ev->categories.end());
    }
  }

  // min_items / max_items for lists and multi-selections.
  bool CheckCount(size_t n, const Field& f, std::string_view noun) {
    if (n < f.min_items) {
      Fail(std::to_string(n) + " " + std::string(noun) + ", at least " +
           std::to_string(f.min_items) + " required");
      return false;
    }
    if (f.max_items && n > *f.max_items) {
      Fail(std::to_string(n) + " " + std::string(noun) + ", at most " +
           std::to_string(*f.max_items) + " allowed");
      return false;
    }
    if (f.type == FieldType::kMultiCategorical && !f.open &&
        n > f.categories.size()) {
      Fail(std::to_string(n) + " selected, only " +
           std::to_string(f.categories.size()) + " categories exist");
      return false;
    }
    return true;
  }

  void WalkLevel(const Value& v, const Field& f) {
    if (!v.is_string()) {
      Fail("expected a string (one of the levels)");
      return;
    }
    const int rank = f.FindLevel(Sv(v.get_string()));
    if (rank < 0) {
      Fail(Quoted(Sv(v.get_string())) + " is not a level of " + SchemaRef());
      return;
    }
    if (ExtractedValue* ev = Emit(f, ValueKind::kOrdinal)) {
      ev->category = Sv(v.get_string());
      ev->number = rank;
    }
  }

  void WalkNumeric(const Value& v, const Field& f) {
    std::optional<double> d = AsFiniteNumber(v);
    if (!d) {
      Fail("expected a number");
      return;
    }
    if (f.integer && !(v.is_int64() || v.is_uint64()) && std::trunc(*d) != *d) {
      Fail(internal::FormatNumber(*d) + " is not an integer");
      return;
    }
    if (f.min && *d < *f.min) {
      Fail(internal::FormatNumber(*d) + " is below min " +
           internal::FormatNumber(*f.min));
      return;
    }
    if (f.max && *d > *f.max) {
      Fail(internal::FormatNumber(*d) + " is above max " +
           internal::FormatNumber(*f.max));
      return;
    }
    if (ExtractedValue* ev = Emit(f, ValueKind::kNumber)) ev->number = *d;
  }

  void WalkText(const Value& v, const Field& f) {
    if (!v.is_string()) {
      Fail("expected a string");
      return;
    }
    const std::string_view s = Sv(v.get_string());
    if (s.empty()) {
      Fail("empty text; omit the field instead");
      return;
    }
    // Code points never outnumber bytes: count only when it could matter.
    if (s.size() > f.max_length && CountValidUtf8(s) > f.max_length) {
      Fail("text longer than " + std::to_string(f.max_length) + " code points");
    }
  }

  void WalkList(const Value& v, const Field& f) {
    if (!v.is_array()) {
      Fail("expected an array");
      return;
    }
    const Array& a = v.get_array();
    if (!CheckCount(a.size(), f, a.size() == 1 ? "item" : "items")) return;
    for (size_t i = 0; i < a.size() && !stop_; ++i) {
      Push push(this, {{}, i});
      if (!a[i].is_object()) {
        Fail("expected an object");
        continue;
      }
      WalkObject(a[i].get_object(), f.fields);
    }
  }

  void WalkSpan(const Value& v, const Field& f) {
    if (!v.is_object()) {
      Fail("expected a span {\"start\", \"end\"}");
      return;
    }
    const Object& o = v.get_object();
    for (const auto& kv : o) {
      const std::string_view key(kv.key().data(), kv.key().size());
      if (key != "start" && key != "end") {
        Push push(this, {key.empty() ? std::string_view("\"\"") : key, 0});
        Fail("not a key of a text span");
        return;
      }
    }
    const Value* start_v = o.if_contains("start");
    const Value* end_v = o.if_contains("end");
    std::optional<uint32_t> start, end;
    if (start_v != nullptr) start = AsUint32(*start_v);
    if (end_v != nullptr) end = AsUint32(*end_v);
    if (!start || !end) {
      Fail("a span needs integer \"start\" and \"end\" >= 0");
      return;
    }
    if (*start >= *end) {
      Fail("empty or reversed span [" + std::to_string(*start) + ", " +
           std::to_string(*end) + ")");
      return;
    }
    if (*end > record_.text_length()) {
      Fail("span [" + std::to_string(*start) + ", " + std::to_string(*end) +
           ") exceeds the record text (" +
           std::to_string(record_.text_length()) + " code points)");
      return;
    }
    if (ExtractedValue* ev = Emit(f, ValueKind::kSpan)) {
      ev->span = {*start, *end};
    }
  }

  void WalkRegion(const Value& v, const Field& f) {
    if (!v.is_object()) {
      Fail("expected a region object");
      return;
    }
    const Object& o = v.get_object();
    const bool polygon = o.contains("points");
    for (const auto& kv : o) {
      const std::string_view key(kv.key().data(), kv.key().size());
      const bool known =
          key == "image" || key == "frame" ||
          (polygon ? key == "points"
                   : (key == "x" || key == "y" || key == "w" || key == "h"));
      if (!known) {
        Push push(this, {key.empty() ? std::string_view("\"\"") : key, 0});
        Fail(polygon ? "not a key of a polygon region"
                     : "not a key of a box region");
        return;
      }
    }
    if (polygon ? !f.allow_polygon : !f.allow_box) {
      Fail(polygon ? "polygons are not allowed here"
                   : "boxes are not allowed here");
      return;
    }
    const Value* image_v = o.if_contains("image");
    if (image_v == nullptr || !image_v->is_string()) {
      Fail("a region needs a string \"image\"");
      return;
    }
    const std::string_view image_name = Sv(image_v->get_string());
    const ImageShape* image = record_.FindImage(image_name);
    if (image == nullptr) {
      Fail("no image " + Quoted(image_name) + " in the record");
      return;
    }
    std::optional<uint32_t> frame;
    if (const Value* frame_v = o.if_contains("frame")) {
      frame = AsUint32(*frame_v);
      if (!frame) {
        Fail("\"frame\" must be an integer >= 0");
        return;
      }
      if (*frame >= image->frames) {
        Fail("frame " + std::to_string(*frame) + " is outside image " +
             Quoted(image_name) + " (" + std::to_string(image->frames) +
             " frames)");
        return;
      }
    } else if (image->frames > 1) {
      Fail("image " + Quoted(image_name) + " has " +
           std::to_string(image->frames) + " frames; \"frame\" is required");
      return;
    }
    const double width = image->width;
    const double height = image->height;
    const std::string size =
        std::to_string(image->width) + "x" + std::to_string(image->height);
    if (!polygon) {
      double b[4];
      static constexpr std::string_view kKeys[] = {"x", "y", "w", "h"};
      for (int i = 0; i < 4; ++i) {
        const Value* c = o.if_contains(kKeys[i]);
        std::optional<double> d;
        if (c != nullptr) d = AsFiniteNumber(*c);
        if (!d) {
          Fail("a box needs numbers \"x\", \"y\", \"w\" and \"h\"");
          return;
        }
        b[i] = *d;
      }
      if (!(b[2] > 0 && b[3] > 0)) {
        Fail("a box needs w > 0 and h > 0");
        return;
      }
      // The image is the closed rectangle [0, width] x [0, height]: a box
      // may touch the right and bottom edges but not cross them.
      if (b[0] < 0 || b[1] < 0 || b[0] + b[2] > width || b[1] + b[3] > height) {
        Fail("box " + FormatPoint(b[0], b[1]) + " " +
             internal::FormatNumber(b[2]) + "x" + internal::FormatNumber(b[3]) +
             " exceeds image " + Quoted(image_name) + " (" + size + ")");
        return;
      }
      if (ExtractedValue* ev = Emit(f, ValueKind::kRegion)) {
        ev->region.image = image_name;
        ev->region.frame = frame;
        ev->region.is_box = true;
        ev->region.x = b[0];
        ev->region.y = b[1];
        ev->region.w = b[2];
        ev->region.h = b[3];
      }
      return;
    }
    const Value& pts_v = o.at("points");
    if (!pts_v.is_array() || pts_v.get_array().size() < 3 ||
        pts_v.get_array().size() > kMaxPolygonPoints) {
      Fail("\"points\" must be an array of 3 to " +
           std::to_string(kMaxPolygonPoints) + " [x, y] points");
      return;
    }
    const Array& pts = pts_v.get_array();
    double twice_area = 0;
    for (size_t i = 0; i < pts.size(); ++i) {
      std::optional<double> x, y;
      if (pts[i].is_array() && pts[i].get_array().size() == 2) {
        x = AsFiniteNumber(pts[i].get_array()[0]);
        y = AsFiniteNumber(pts[i].get_array()[1]);
      }
      if (!x || !y) {
        Push points(this, {"points", 0});
        Push at(this, {{}, i});
        Fail("expected a point [x, y] of two numbers");
        return;
      }
      if (*x < 0 || *y < 0 || *x > width || *y > height) {
        Push points(this, {"points", 0});
        Push at(this, {{}, i});
        Fail("point " + FormatPoint(*x, *y) + " is outside image " +
             Quoted(image_name) + " (" + size + ")");
        return;
      }
      // Shoelace: the running sum over edges (i, i+1) is twice the signed
      // area. All points are valid here, so reading the next one is safe
      // once it has been checked on the next iteration; the closing edge is
      // added after the loop.
      if (i > 0) {
        const Array& p = pts[i - 1].get_array();
        twice_area += *AsFiniteNumber(p[0]) * *y - *x * *AsFiniteNumber(p[1]);
      }
    }
    {
      const Array& last = pts.back().get_array();
      const Array& first = pts.front().get_array();
      twice_area += *AsFiniteNumber(last[0]) * *AsFiniteNumber(first[1]) -
                    *AsFiniteNumber(first[0]) * *AsFiniteNumber(last[1]);
    }
    if (twice_area == 0) {
      Fail("polygon has zero area");
      return;
    }
    if (ExtractedValue* ev = Emit(f, ValueKind::kRegion)) {
      ev->region.image = image_name;
      ev->region.frame = frame;
      ev->region.is_box = false;
      ev->region.polygon.reserve(pts.size());
      for (const Value& p : pts) {
        ev->region.polygon.push_back({*AsFiniteNumber(p.get_array()[0]),
                                      *AsFiniteNumber(p.get_array()[1])});
      }
    }
  }

  static constexpr int kMaxFrames = static_cast<int>(kMaxValuesDepth) + 8;

  const TaskSchema& schema_;
  const RecordShape& record_;
  std::string_view annotation_id_;
  std::vector<AnnotationError>* all_ = nullptr;
  size_t max_errors_ = 0;
  ExtractedValues* out_ = nullptr;
  size_t emitted_ = 0;  // entries of out_->values written by this walk
  bool failed_ = false;
  bool stop_ = false;
  Status first_;
  Frame stack_[kMaxFrames];
  int depth_ = 0;
};

}  // namespace

std::optional<size_t> CountCodePoints(std::string_view utf8) {
  size_t n = 0;
  size_t i = 0;
  const size_t size = utf8.size();
  const auto* s = reinterpret_cast<const unsigned char*>(utf8.data());
  while (i < size) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
    } else {
      size_t len;
      uint32_t cp;
      if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1F;
      } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07;
      } else {
        return std::nullopt;  // continuation byte, C0/C1 or F5..FF lead
      }
      if (size - i < len) return std::nullopt;
      for (size_t k = 1; k < len; ++k) {
        if ((s[i + k] & 0xC0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (s[i + k] & 0x3F);
      }
      if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
          cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return std::nullopt;  // overlong, out of range or a surrogate
      }
      i += len;
    }
    ++n;
  }
  return n;
}

StatusOr<RecordShape> RecordShape::Create(std::string text,
                                          std::vector<ImageShape> images) {
  std::optional<size_t> length = CountCodePoints(text);
  if (!length) return InvalidArgumentError("record text is not valid UTF-8");
  for (size_t i = 0; i < images.size(); ++i) {
    const ImageShape& im = images[i];
    if (im.name.empty()) {
      return InvalidArgumentError("record image " + std::to_string(i) +
                                  ": empty name");
    }
    if (im.width == 0 || im.height == 0 || im.frames == 0) {
      return InvalidArgumentError("record image " + Quoted(im.name) +
                                  ": width, height and frames must be > 0");
    }
    for (size_t j = 0; j < i; ++j) {
      if (images[j].name == im.name) {
        return InvalidArgumentError("record image " + Quoted(im.name) +
                                    ": duplicate name");
      }
    }
  }
  RecordShape r;
  r.text_ = std::move(text);
  r.text_length_ = *length;
  r.images_ = std::move(images);
  return r;
}

StatusOr<RecordShape> RecordShape::FromJson(std::string_view text) {
  json::monotonic_resource mr;
  json::value doc(&mr);
  Status s = internal::ParseStrictJson(text, 8, doc);
  if (!s.ok()) return InvalidArgumentError("record: " + s.message());
  if (!doc.is_object()) {
    return InvalidArgumentError("record: expected a JSON object");
  }
  std::string record_text;
  std::vector<ImageShape> images;
  for (const auto& kv : doc.get_object()) {
    const std::string_view key(kv.key().data(), kv.key().size());
    const json::value& v = kv.value();
    if (key == "text") {
      if (!v.is_string()) {
        return InvalidArgumentError("record: \"text\" must be a string");
      }
      record_text = Sv(v.get_string());
    } else if (key == "images") {
      if (!v.is_array()) {
        return InvalidArgumentError("record: \"images\" must be an array");
      }
      for (const json::value& iv : v.get_array()) {
        const std::string bad =
            "record: an image is {\"name\", \"width\", \"height\", "
            "\"frames\"?} with positive integer sizes";
        if (!iv.is_object()) return InvalidArgumentError(bad);
        ImageShape im;
        for (const auto& ikv : iv.get_object()) {
          const std::string_view ik(ikv.key().data(), ikv.key().size());
          if (ik == "name" && ikv.value().is_string()) {
            im.name = Sv(ikv.value().get_string());
            continue;
          }
          std::optional<uint32_t> n = AsUint32(ikv.value());
          if (!n) return InvalidArgumentError(bad);
          if (ik == "width") {
            im.width = *n;
          } else if (ik == "height") {
            im.height = *n;
          } else if (ik == "frames") {
            im.frames = *n;
          } else {
            return InvalidArgumentError(bad);
          }
        }
        images.push_back(std::move(im));
      }
    } else {
      return InvalidArgumentError("record: unknown key " + Quoted(key));
    }
  }
  return Create(std::move(record_text), std::move(images));
}

const ImageShape* RecordShape::FindImage(std::string_view name) const {
  for (const ImageShape& im : images_) {
    if (im.name == name) return &im;
  }
  return nullptr;
}

Status ValidateAnnotation(const TaskSchema& schema, const RecordShape& record,
                          std::string_view annotation_id,
                          std::string_view values_json) {
  Walker w(schema, record, annotation_id);
  w.Run(values_json);
  return w.first();
}

std::vector<AnnotationError> CollectAnnotationErrors(
    const TaskSchema& schema, const RecordShape& record,
    std::string_view annotation_id, std::string_view values_json,
    size_t max_errors) {
  std::vector<AnnotationError> errors;
  if (max_errors == 0) return errors;
  Walker w(schema, record, annotation_id);
  w.CollectInto(&errors, max_errors);
  w.Run(values_json);
  return errors;
}

StatusOr<ExtractedValues> ExtractAnnotationValues(
    const TaskSchema& schema, const RecordShape& record,
    std::string_view annotation_id, std::string_view values_json) {
  ExtractedValues out;
  RETURN_IF_ERROR(ExtractAnnotationValuesInto(schema, record, annotation_id,
                                              values_json, &out));
  return out;
}

Status ExtractAnnotationValuesInto(const TaskSchema& schema,
                                   const RecordShape& record,
                                   std::string_view annotation_id,
                                   std::string_view values_json,
                                   ExtractedValues* out) {
  out->schema_id = schema.id();
  out->schema_version = schema.version();
  Walker w(schema, record, annotation_id);
  w.ExtractInto(out);
  w.Run(values_json);
  w.TrimExtracted();
  return w.first();
}

const ExtractedValue* ExtractedValues::Find(std::string_view path) const {
  for (const ExtractedValue& v : values) {
    if (v.path == path) return &v;
  }
  return nullptr;
}

}  // namespace consilium::schemas
