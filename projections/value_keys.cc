#include "projections/value_keys.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

namespace consilium::projections {

namespace json = boost::json;

namespace {

// How a key spells a number: the shortest round-trip decimal, as
// AppendJsonNumber (common/canonical_json.h) writes JSON numbers, but total:
// keys are not JSON, and ValueKeyOfJson reads decided values a raw append
// does not check, so a non-finite double gets a key too ("inf") where
// AppendJsonNumber would refuse it.
std::string ShortestDouble(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

}  // namespace

int64_t ClosedCategoryCount(const schemas::Field& field) {
  switch (field.type) {
    case schemas::FieldType::kCategorical:
      return field.open ? 0 : static_cast<int64_t>(field.categories.size());
    case schemas::FieldType::kOrdinal:
      return static_cast<int64_t>(field.levels.size());
    case schemas::FieldType::kBoolean:
      return 2;
    case schemas::FieldType::kConfidence:
      return field.scale == schemas::ConfidenceScale::kOrdinal
                 ? static_cast<int64_t>(field.levels.size())
                 : 0;
    default:
      return 0;
  }
}

std::optional<double> NormalizedEntropy(const std::vector<int64_t>& counts,
                                        int64_t closed_k) {
  int64_t n = 0;
  for (int64_t c : counts) n += c;
  if (n == 0) return std::nullopt;
  const int64_t k = std::max<int64_t>(closed_k, counts.size());
  if (k <= 1) return 0.0;
  double h = 0;
  for (int64_t c : counts) {
    const double p = static_cast<double>(c) / n;
    h -= p * std::log(p);
  }
  return std::max(0.0, h / std::log(static_cast<double>(k)));
}

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

}  // namespace consilium::projections
