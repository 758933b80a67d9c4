#include "projections/internal/human_cells.h"

#include <algorithm>

#include "projections/value_keys.h"

namespace consilium::projections::internal {

using schemas::ExtractedValue;
using schemas::ValueKind;

std::string TableLabel(const ExtractedValue& v) {
  if (v.kind == ValueKind::kOrdinal) {
    return std::to_string(static_cast<int64_t>(v.number));
  }
  return ValueKey(v);
}

bool Comparable(ValueKind kind) {
  return kind == ValueKind::kCategory || kind == ValueKind::kOrdinal ||
         kind == ValueKind::kCategorySet || kind == ValueKind::kNumber;
}

bool Categorical(ValueKind kind) {
  return kind == ValueKind::kCategory || kind == ValueKind::kOrdinal;
}

statistics::Statistic Undefined(std::string reason, int64_t items,
                                int64_t ratings) {
  statistics::Statistic s;
  s.undefined_reason = std::move(reason);
  s.items = items;
  s.ratings = ratings;
  return s;
}

statistics::Statistic Defined(double v, int64_t items, int64_t ratings) {
  statistics::Statistic s;
  s.value = v;
  s.items = items;
  s.ratings = ratings;
  return s;
}

RateStat Rate(int64_t compared, int64_t matched, const char* nothing) {
  RateStat r;
  r.compared = compared;
  r.matched = matched;
  r.rate = compared == 0 ? Undefined(nothing)
                         : Defined(static_cast<double>(matched) / compared,
                                   compared, compared);
  return r;
}

std::map<FieldKey, std::vector<Cell>> HumanCells(
    const AnalyticsState& state, std::string_view project,
    const std::set<std::string, std::less<>>* records) {
  std::map<FieldKey, std::vector<Cell>> out;
  const uint32_t p = state.FindName(project);
  if (p == UINT32_MAX) return out;
  // By annotation id, then stably by (record, annotator).
  for (uint32_t i : state.AnnotationsById()) {
    const AnnotationEntry& a = state.annotations()[i];
    if (a.project != p || a.by_model || a.withdrawn) continue;
    const std::string_view record = state.name(a.record);
    if (records != nullptr && !records->count(record)) continue;
    for (const ExtractedValue& v : state.values(a.current())) {
      out[FieldKey(state.name(a.schema_id), a.schema_version, v.path)]
          .push_back({&a, &v, record, state.name(a.annotator)});
    }
  }
  for (auto& [key, cells] : out) {
    std::stable_sort(cells.begin(), cells.end(),
                     [](const Cell& x, const Cell& y) {
                       return std::tie(x.record, x.annotator) <
                              std::tie(y.record, y.annotator);
                     });
  }
  return out;
}

StatusOr<statistics::RatingTable> BuildTable(const std::vector<Cell>& cells,
                                             statistics::Level level) {
  std::map<std::string, int32_t> items, raters, categories;
  std::vector<std::string> item_ids, rater_names, labels;
  std::vector<statistics::Rating> ratings;
  auto index = [](std::map<std::string, int32_t>& m,
                  std::vector<std::string>& names, const std::string& k) {
    auto [it, inserted] = m.emplace(k, static_cast<int32_t>(names.size()));
    if (inserted) names.push_back(k);
    return it->second;
  };
  for (const Cell& c : cells) {
    statistics::Rating r;
    r.item = index(items, item_ids, std::string(c.record));
    r.rater = index(raters, rater_names, std::string(c.annotator));
    r.category = index(categories, labels, TableLabel(*c.value));
    ratings.push_back(r);
  }
  return statistics::RatingTable::FromRatings(
      std::move(item_ids), std::move(rater_names), std::move(labels),
      std::move(ratings), level);
}

std::string Plurality(const std::vector<std::string>& keys) {
  std::map<std::string, int64_t> votes;
  for (const auto& k : keys) ++votes[k];
  std::string best;
  int64_t best_n = 0;
  bool tied = false;
  for (const auto& [k, n] : votes) {
    if (n > best_n) {
      best = k;
      best_n = n;
      tied = false;
    } else if (n == best_n) {
      tied = true;
    }
  }
  return tied ? std::string() : best;
}

}  // namespace consilium::projections::internal
