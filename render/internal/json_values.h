// Helpers shared by the renderers: how a statistic and a double enter a
// document (finite or null, with the reason beside it).
#ifndef CONSILIUM_RENDER_INTERNAL_JSON_VALUES_H_
#define CONSILIUM_RENDER_INTERNAL_JSON_VALUES_H_

#include <boost/json.hpp>
#include <cmath>
#include <optional>
#include <string>

#include "statistics/agreement.h"

namespace consilium::render::internal {

// A finite double, else null: documents never hold NaN or infinity, so the
// writer (which refuses them) never fails on a rendering.
inline boost::json::value Num(double v) {
  if (std::isfinite(v)) return v;
  return nullptr;
}

inline boost::json::value Num(const std::optional<double>& v) {
  return v ? Num(*v) : boost::json::value(nullptr);
}

// name, name_items, name_ratings and, when undefined, name_undefined_reason.
inline void PutStatistic(boost::json::object& o, const std::string& name,
                         const statistics::Statistic& s) {
  o[name] = Num(s.value);
  o[name + "_items"] = s.items;
  o[name + "_ratings"] = s.ratings;
  if (!s.value) o[name + "_undefined_reason"] = s.undefined_reason;
}

}  // namespace consilium::render::internal

#endif  // CONSILIUM_RENDER_INTERNAL_JSON_VALUES_H_
